"""Point-in-time reads of a stock universe, and the evidence gathered from them.

Every stock query reads here, through the session: the fund's holdings dated on or before
the requested day, adjusted closes and volumes up to the evaluation date, the benchmark,
and the source files behind each ticker (catalog rows that start after the day are not
named, so a copy of the store truncated at the day names the same files).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from capsize.errors import CapsizeError, DataNotFound
from capsize.stocks.gather import (
    DEFAULT_INDEX_CAP,
    StockEvidence,
    UniverseInputs,
    build_evidence,
    equity_tickers,
)

if TYPE_CHECKING:
    from capsize.queries.session import Session
    from capsize.queries.stocks.sec import SecSource
    from capsize.segments import SegmentSet

__all__ = [
    "LOOKBACK_DAYS",
    "Gathered",
    "bar_sources",
    "evaluation_date",
    "first_bar_date",
    "gather",
    "read_universe",
    "segments_of",
    "source_summary",
]

LOOKBACK_DAYS = 800
"""Calendar days of prices loaded before the evaluation date (12-1 momentum needs 13 months)."""

_NOT_STOCK_KINDS = ("etf", "index", "crypto")


def segments_of(s: Session) -> SegmentSet:
    """Return the configured segments (``[segments]`` of config.toml over the defaults)."""
    from capsize.segments import DEFAULT_SEGMENTS

    overrides: Any = s.settings.segments
    return s.cached(("stocks.segments",), lambda: DEFAULT_SEGMENTS.with_overrides(overrides))  # type: ignore[no-any-return]


def evaluation_date(s: Session) -> pd.Timestamp:
    """Return the evaluation day: the requested day, or the store's last bar date.

    Raises
    ------
    DataNotFound
        When nothing was requested and the store holds no bars.
    """
    if s.requested is not None:
        return s.requested
    last = s.cached(("stocks.last_date",), s.store.last_date)
    if last is None:
        raise DataNotFound("the store holds no prices; run 'capsize data import DIR'")
    return pd.Timestamp(last)


def _catalog(s: Session) -> pd.DataFrame:
    """Catalog rows that existed on the requested day (first date on or before it)."""

    def read() -> pd.DataFrame:
        cat = s.store.catalog()
        if s.requested is not None:
            first = pd.to_datetime(cat["first_date"], errors="coerce")
            cat = cat.loc[first.isna() | (first <= s.requested)]
        return cat

    frame: pd.DataFrame = s.cached(("stocks.catalog",), read)
    return frame


def bar_sources(s: Session, *symbols: str) -> str:
    """Source files of the symbols' adjusted bars that hold data on or before the day.

    A point-in-time form of :meth:`Session.source`: files whose data starts after the
    requested day are not named.
    """

    def read() -> dict[str, str]:
        cat = _catalog(s)
        bars = cat.loc[(cat["kind"] == "bars") & (cat["variant"] != "raw")]
        return {
            str(sym): "; ".join(sorted(str(x) for x in grp["source"].dropna().unique()))
            for sym, grp in bars.groupby("subject")
        }

    by_symbol: dict[str, str] = s.cached(("stocks.bar_sources",), read)
    parts: list[str] = []
    for sym in symbols:
        for p in by_symbol.get(sym, "").split("; "):
            if p and p not in parts:
                parts.append(p)
    return "; ".join(parts) or "store"


def source_summary(sources: Sequence[str]) -> tuple[str, ...]:
    """Summarise many source files by folder (``universe/*.csv``), keeping single files.

    Examples
    --------
    >>> source_summary(["universe/A.csv", "universe/B.csv", "prices/IWM.csv"])
    ('prices/IWM.csv', 'universe/*.csv')
    """
    files = {p for src in sources for p in str(src).split("; ") if p and p != "store"}
    by_dir: dict[str, list[str]] = {}
    for f in files:
        head, _, _ = f.rpartition("/")
        by_dir.setdefault(head, []).append(f)
    out = [(f"{d}/*.csv" if d else "*.csv") if len(fs) > 1 else fs[0] for d, fs in by_dir.items()]
    return tuple(sorted(out))


def first_bar_date(s: Session, ticker: str) -> pd.Timestamp | None:
    """First bar date of ``ticker`` in the whole store (only to explain an error).

    This looks past the requested day on purpose: it tells a user asking before a
    ticker's data starts when it starts. Answers never carry it.
    """
    try:
        first = s.store.provenance("bars", ticker).first_date
    except CapsizeError:
        return None
    return None if first is None else pd.Timestamp(first)


def _panel(
    s: Session, names: Sequence[str], fld: str, start: pd.Timestamp, at: pd.Timestamp
) -> pd.DataFrame:
    def read() -> pd.DataFrame:
        try:
            frame: pd.DataFrame = s.store.panel(
                list(names), field=fld, basis="adjusted", start=start, as_of=at
            )
        except CapsizeError:
            return pd.DataFrame()
        return frame

    out: pd.DataFrame = s.cached(("stocks.panel", tuple(names), fld, start, at), read)
    return out


def _benchmark(s: Session, symbol: str, start: pd.Timestamp, at: pd.Timestamp) -> pd.Series | None:
    try:
        b = s.closes([symbol])
    except CapsizeError:
        return None
    if symbol not in b.columns:
        return None
    out = b[symbol].loc[start:at].dropna()
    return out if len(out) else None


def _kinds(s: Session) -> dict[str, str]:
    out: dict[str, str] = {}
    for kind in _NOT_STOCK_KINDS:
        try:
            out.update(dict.fromkeys((str(x).upper() for x in s.symbols(kind)), kind))
        except CapsizeError:
            continue
    return out


def _holdings(s: Session, fund: str) -> pd.DataFrame | None:
    try:
        return s.holdings(fund)
    except DataNotFound:
        return None


def read_universe(
    s: Session,
    tickers: Sequence[str] | None = None,
    *,
    fund: str = "IWM",
    benchmark: str = "IWM",
    lookback_days: int = LOOKBACK_DAYS,
) -> tuple[UniverseInputs, list[str]]:
    """Read the inputs of a universe at the session's day.

    Parameters
    ----------
    s : Session
    tickers : sequence of str, optional
        Default: the equity holdings of ``fund`` on or before the day.
    fund : str
        Holdings for sector, weight and the implied market cap.
    benchmark : str
        Symbol for relative strength.
    lookback_days : int
        Calendar days of prices loaded before the evaluation date.

    Returns
    -------
    (UniverseInputs, list of str)
        The inputs and the tickers (upper case, holdings order or as given).

    Raises
    ------
    DataNotFound
        Without tickers, when the fund has no holdings dated on or before the day.
    """
    at = evaluation_date(s)
    fund = fund.strip().upper()
    hold = _holdings(s, fund)
    if tickers is None:
        if hold is None:
            raise DataNotFound(
                f"no {fund} holdings dated on or before {at:%Y-%m-%d} in the store; "
                "pass tickers or import holdings"
            )
        tickers = equity_tickers(hold)
    names = list(dict.fromkeys(str(t).strip().upper() for t in tickers if str(t).strip()))
    start = at - pd.Timedelta(days=lookback_days)
    inputs = UniverseInputs(
        as_of=at,
        start=start,
        fund=fund,
        closes=_panel(s, names, "close", start, at) if names else pd.DataFrame(),
        volumes=_panel(s, names, "volume", start, at) if names else pd.DataFrame(),
        benchmark=_benchmark(s, benchmark, start, at),
        benchmark_symbol=benchmark,
        holdings=hold,
        kinds=_kinds(s),
    )
    return inputs, names


@dataclass(frozen=True)
class Gathered:
    """A universe's inputs and the evidence built from them.

    Attributes
    ----------
    inputs : UniverseInputs
    evidence : tuple of StockEvidence
        One per ticker, in order.
    sec : SecSource
        Where filings came from.
    """

    inputs: UniverseInputs
    evidence: tuple[StockEvidence, ...]
    sec: SecSource

    def data_end(self) -> pd.Timestamp:
        """Latest date of any input used (prices, holdings, filings), never after the day."""
        days = [d for ev in self.evidence if (d := _evidence_end(ev)) is not None]
        hold = self.inputs.holdings_as_of
        if hold is not None and any(ev.weight == ev.weight for ev in self.evidence):
            days.append(hold)
        return min(max(days), self.inputs.as_of) if days else self.inputs.as_of


def _evidence_end(ev: StockEvidence) -> pd.Timestamp | None:
    days: list[pd.Timestamp] = []
    pdate = ev.last_price[1]
    if pdate is not None:
        days.append(pdate)
    if ev.events is not None and len(ev.events):
        days.append(pd.Timestamp(ev.events["date"].max()))
    if ev.fundamentals is not None:
        days.extend(f.filed for f in ev.fundamentals.figures.values() if f.filed is not None)
    return max(days) if days else None


def gather(
    s: Session,
    tickers: Sequence[str] | None = None,
    *,
    sec: SecSource,
    fund: str = "IWM",
    benchmark: str = "IWM",
    index_cap: float = DEFAULT_INDEX_CAP,
    progress: Callable[[int, int], None] | None = None,
) -> Gathered:
    """Read a universe at the session's day and build each stock's evidence.

    Parameters
    ----------
    s : Session
    tickers : sequence of str, optional
        Default: the equity holdings of ``fund`` on or before the day.
    sec : SecSource
        Where filings come from (its client may be None: no filings).
    fund, benchmark : str
        Holdings and relative-strength benchmark.
    index_cap : float
        Assumed total float cap of the fund's index, USD (holdings-implied caps).
    progress : callable, optional
        ``progress(done, total)`` after each ticker.

    Returns
    -------
    Gathered
    """
    inputs, names = read_universe(s, tickers, fund=fund, benchmark=benchmark)
    evs = (
        build_evidence(inputs, names, edgar=sec.client, index_cap=index_cap, progress=progress)
        if names
        else []
    )
    return Gathered(inputs, tuple(evs), sec)
