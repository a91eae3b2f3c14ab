"""Fill the store from live providers (Yahoo, FRED, Ken French, iShares).

Every source is fetched independently through one shared HTTP client (one
cache, one retry policy, one rate limiter per host): a failure is recorded
with a one-line reason and the others go on, except when the very first
request cannot connect at all (DNS failure, connection refused, no route):
then the machine is offline, and :class:`~capsize.errors.NetworkUnreachable`
says so at once, naming the host, instead of trying every source in turn.
Each fetched frame passes the same quality checks as imported files and is
written with a catalog entry naming the provider URL and retrieval time. The
whole update is ONE transaction: a crash or ``SIGKILL`` at any moment leaves the
store as it was before the update (a source that fails is recorded and the
others are still written).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

import pandas as pd

from capsize.config import Settings, load_settings
from capsize.data import quality
from capsize.data.store import Store
from capsize.errors import CapsizeError, NetworkUnreachable

if TYPE_CHECKING:  # httpx and the providers are imported when an update runs, not before
    import httpx

    from capsize.data.providers._base import ProviderResult

__all__ = [
    "DEFAULT_FUNDS",
    "DEFAULT_MACRO",
    "DEFAULT_SYMBOLS",
    "UpdateReport",
    "update_from_providers",
]

Progress = Callable[[str, int, int], None]

DEFAULT_SYMBOLS: tuple[str, ...] = (
    "IWC", "IWM", "IJR", "VB", "VBR", "IWN", "IWO", "IJH", "MDY", "IWB", "OEF", "SPY", "QQQ", "RSP",
    "^RUT", "^GSPC", "^VIX", "BTC-USD", "ETH-USD",
)  # fmt: skip
"""Segment proxies and context series fetched by default."""
DEFAULT_MACRO: tuple[str, ...] = ("DGS2", "DGS10", "DFF", "FEDFUNDS")
DEFAULT_FACTORS: tuple[tuple[str, str], ...] = (
    ("FF3", "monthly"),
    ("FF3", "daily"),
    ("FF5_2x3", "monthly"),
    ("ME_portfolios", "monthly"),
)
DEFAULT_FUNDS: tuple[str, ...] = ("IWM", "IWC", "IJR", "IJH", "IVV")
"""iShares funds whose holdings (and shares outstanding, for flows) are recorded each update."""


@dataclass
class UpdateReport:
    """What an update fetched and what failed.

    Attributes
    ----------
    fetched : list of str
        ``"provider:key"`` of every dataset written.
    failed : list of tuple of str
        ``(source, one-line reason)`` per failure.
    rows : int
        Rows written.
    """

    fetched: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    rows: int = 0


def _kind(symbol: str) -> str:
    if symbol.startswith("^"):
        return "index"
    if symbol.endswith("-USD"):
        return "crypto"
    return "etf"


def _catalog(
    key: str,
    kind: str,
    subject: str,
    variant: str,
    frame_dates: pd.Index,
    rows: int,
    rejected: int,
    res: ProviderResult,
) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "dataset_key": key,
                "kind": kind,
                "subject": subject,
                "variant": variant,
                "first_date": frame_dates.min().date() if len(frame_dates) else None,
                "last_date": frame_dates.max().date() if len(frame_dates) else None,
                "rows": rows,
                "rejected": rejected,
                "source": res.source,
                "content_hash": None,
                "ingested_at": pd.Timestamp(res.retrieved_at).tz_convert(None)
                if pd.Timestamp(res.retrieved_at).tzinfo
                else pd.Timestamp(res.retrieved_at),
            }
        ]
    )


def _offline(label: str, exc: NetworkUnreachable) -> NetworkUnreachable:
    """Return the one-line error of an update whose first request could not connect."""
    return NetworkUnreachable(
        f"network unreachable: cannot connect to {exc.host} (first source tried: {label}); "
        "no other source was tried. Check your connection, or on an offline machine "
        "import a local folder instead: capsize data import DIR",
        provider=exc.provider,
        host=exc.host,
    )


class _Updater:
    def __init__(
        self, store: Store, settings: Settings, client: httpx.Client, report: UpdateReport
    ) -> None:
        self.store = store
        self.settings = settings
        self.client = client
        self.report = report
        self.reached = False  # some request got an answer (or a non-connection error)

    def fetcher(self, dataset: str) -> Any:
        from capsize.data.providers.registry import get_fetcher

        return get_fetcher(None, dataset, client=self.client, settings=self.settings)

    def attempt(self, label: str, func: Callable[[], None]) -> None:
        """Run one source; record its failure, or stop everything when offline.

        Raises
        ------
        NetworkUnreachable
            The first request of the update could not connect: no other source is tried.
        """
        import httpx

        try:
            func()
        except NetworkUnreachable as exc:
            if not self.reached:
                raise _offline(label, exc) from exc
            self.report.failed.append((label, str(exc).splitlines()[0]))
        except CapsizeError as exc:
            self.report.failed.append((label, str(exc).splitlines()[0]))
        except httpx.HTTPError as exc:  # transport errors the provider did not map
            self.report.failed.append((label, f"network error: {exc.__class__.__name__}: {exc}"))
        self.reached = True

    def bars(self, symbol: str) -> None:
        start = None
        try:
            last = self.store.closes(symbol).index.max()
            start = (last - pd.Timedelta(days=10)).date().isoformat()
        except CapsizeError:
            pass
        params: dict[str, Any] = {"symbol": symbol}
        if start is not None:
            params["start"] = start
        results = self.fetcher("bars").fetch(params)
        for res in results:
            if res.dataset == "bars":
                self._write_bars(symbol, res)
            elif res.dataset == "actions" and len(res.frame):
                df = res.frame.reset_index()
                self.store.write_actions(
                    pd.DataFrame(
                        {
                            "symbol": symbol,
                            "date": pd.to_datetime(df["date"]).dt.date,
                            "kind": df["kind"],
                            "value": df["value"],
                            "source": res.source,
                        }
                    )
                )

    def _write_bars(self, symbol: str, res: ProviderResult) -> None:
        basis = str(res.meta.get("basis", "adjusted"))
        frame = res.frame.reset_index()
        long = frame.assign(key=symbol)
        cal = None if _kind(symbol) == "crypto" else "XNYS"
        checked = quality.check_bars(long, basis=basis, calendar=cal)
        clean = checked.clean.assign(symbol=symbol, basis=basis, source=res.source)
        key = f"{res.source.split()[0]}:{symbol}:{basis}"
        findings = checked.findings.assign(dataset_key=key, symbol=symbol)
        with self.store.transaction():
            self.store.write_bars(clean)
            self.store.write_quality([key], findings)
            full = self.store.bars(symbol, basis=basis)  # type: ignore[arg-type]
            self.store.write_catalog(
                _catalog(
                    key, "bars", symbol, basis, full.index, len(full), len(checked.rejected), res
                )
            )
            self.store.write_symbols(
                pd.DataFrame(
                    {
                        "symbol": [symbol],
                        "kind": [_kind(symbol)],
                        "name": [None],
                        "note": [None],
                        "source": [res.source],
                    }
                )
            )
        self.report.fetched.append(key)
        self.report.rows += len(clean)

    def macro(self, series: Sequence[str]) -> None:
        for res in self.fetcher("macro").fetch({"series": ",".join(series)}):
            sid = res.key
            s = res.frame["value"].dropna()
            key = f"fred:{sid}"
            with self.store.transaction():
                self.store.write_macro(
                    pd.DataFrame(
                        {
                            "series_id": sid,
                            "date": s.index.date,
                            "value": s.to_numpy(),
                            "source": res.source,
                        }
                    )
                )
                full = self.store.macro(sid)[sid]
                self.store.write_catalog(
                    _catalog(key, "macro", sid, "", full.index, len(full), 0, res)
                )
            self.report.fetched.append(key)
            self.report.rows += len(s)

    def factors(self, dataset: str, frequency: str) -> None:
        for res in self.fetcher("factors").fetch({"dataset": dataset, "frequency": frequency}):
            freq = str(res.meta.get("frequency", frequency))
            if freq not in ("daily", "monthly", "annual"):
                continue
            long = (
                res.frame.reset_index()
                .melt(id_vars="date", var_name="name", value_name="value")
                .dropna(subset=["value"])
            )
            key = f"french:{res.key}:{freq}"
            with self.store.transaction():
                self.store.write_factors(
                    pd.DataFrame(
                        {
                            "dataset": res.key,
                            "frequency": freq,
                            "date": pd.to_datetime(long["date"]).dt.date,
                            "name": long["name"],
                            "value": long["value"],
                            "source": res.source,
                        }
                    )
                )
                self.store.write_catalog(
                    _catalog(key, "factors", res.key, freq, res.frame.index, len(res.frame), 0, res)
                )
            self.report.fetched.append(key)
            self.report.rows += len(long)

    def holdings(self, fund: str) -> None:
        for res in self.fetcher("holdings").fetch({"fund": fund}):
            as_of = pd.Timestamp(res.meta["as_of"])
            if res.dataset == "holdings":
                df = res.frame.copy()
                df.insert(0, "position", range(len(df)))
                df.insert(0, "as_of", as_of.date())
                df.insert(0, "fund", fund)
                df["source"] = res.source
                key = f"ishares:{fund}:{as_of.date()}"
                with self.store.transaction():
                    self.store.write_holdings(df)
                    self.store.write_catalog(
                        _catalog(
                            key,
                            "holdings",
                            fund,
                            str(as_of.date()),
                            pd.DatetimeIndex([as_of]),
                            len(df),
                            0,
                            res,
                        )
                    )
                self.report.fetched.append(key)
                self.report.rows += len(df)
            elif res.dataset == "shares_outstanding" and len(res.frame):
                f = res.frame.reset_index()
                self.store.write_fund_shares(
                    pd.DataFrame(
                        {
                            "fund": fund,
                            "date": pd.to_datetime(f["date"]).dt.date,
                            "shares_outstanding": f["shares_outstanding"],
                            "nav": f["nav"],
                            "source": res.source,
                        }
                    )
                )


def update_from_providers(
    store: Store,
    *,
    settings: Settings | None = None,
    symbols: Sequence[str] = DEFAULT_SYMBOLS,
    macro: Sequence[str] = DEFAULT_MACRO,
    factors: Sequence[tuple[str, str]] = DEFAULT_FACTORS,
    funds: Sequence[str] = DEFAULT_FUNDS,
    client: httpx.Client | None = None,
    progress: Progress | None = None,
) -> UpdateReport:
    """Fetch the default datasets from live providers into the store.

    Parameters
    ----------
    store : Store
        Writable store.
    settings : Settings, optional
        Timeouts, retries, cache folder (default: :func:`load_settings`).
    symbols, macro, factors, funds : sequences
        What to fetch (defaults: segment proxies, FRED rates, French size data,
        iShares holdings of the main size ETFs).
    client : httpx.Client, optional
        Shared client (tests inject one with a mock transport); by default one
        client from :func:`~capsize.data.providers._http.make_client` serves
        every source and is closed at the end.
    progress : callable, optional
        ``progress(label, done, total)``.

    Returns
    -------
    UpdateReport
        Every source fetched, and every failure with its reason.

    Raises
    ------
    NetworkUnreachable
        The first request could not connect (no network): one line naming the
        host, and no other source tried.
    """
    from capsize.data.providers._http import make_client

    s = settings or load_settings()
    report = UpdateReport()
    http = client if client is not None else make_client(s)
    try:
        up = _Updater(store, s, http, report)
        jobs: list[tuple[str, Callable[[], None]]] = [
            (f"yahoo {sym}", partial(up.bars, sym)) for sym in symbols
        ]
        if macro:
            jobs.append((f"fred {','.join(macro)}", partial(up.macro, macro)))
        jobs += [(f"french {d} {f}", partial(up.factors, d, f)) for d, f in factors]
        jobs += [(f"ishares {fund}", partial(up.holdings, fund)) for fund in funds]
        with store.transaction():  # all or nothing: the sources' transactions join this one
            for i, (label, job) in enumerate(jobs):
                if progress is not None:
                    progress("update", i, len(jobs))
                up.attempt(label, job)
        if progress is not None:
            progress("update", len(jobs), len(jobs))
    finally:
        if client is None:
            http.close()
    return report
