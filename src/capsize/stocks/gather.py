"""Collect the evidence about stocks from the store and SEC EDGAR (the only I/O in stocks/).

:class:`StockEvidence` holds, for one ticker and date, everything the screener,
the risk flags and the rating card use; fields are ``None`` with a reason in
``missing`` when the data is not available, so that downstream code can say
NOT ASSESSED instead of guessing.

Market cap
----------
``market_cap = XBRL shares outstanding x latest close`` when the company's
filings give a share count. Otherwise, for members of a cap-weighted index
fund (IWM), a **holdings-implied float cap** is used and labelled as such:
``weight x index_cap x close_t / close_h`` where ``index_cap`` is the assumed
total float market cap of the index on the holdings date (default $3.0T for
the Russell 2000, an order of magnitude from FTSE Russell fact sheets; set it
explicitly for precise work) and the price ratio rolls it to the price date.
The label says ``estimate (assumes index float cap $3.0T; --index-cap to change)``
and every output that shows such a cap marks it as estimated.
A provider's market-cap field is never used.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from capsize.errors import CapsizeError, DataNotFound, InputError, ProviderError
from capsize.stocks.catalysts import timeline
from capsize.stocks.fundamentals import (
    Fundamentals,
    Valuation,
    compute_fundamentals,
    share_history,
    valuation,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from capsize._typing import DateLike

__all__ = [
    "DEFAULT_INDEX_CAP",
    "ESTIMATE_PREFIX",
    "StockEvidence",
    "attach_sec",
    "estimate_note",
    "gather_universe",
    "is_estimated_cap",
    "valuation_inputs",
]

logger = logging.getLogger(__name__)

DEFAULT_INDEX_CAP = 3.0e12
"""Assumed total float market cap of the Russell 2000 (USD) for holdings-implied caps."""


@dataclass
class StockEvidence:
    """Everything known about one stock at ``as_of``.

    Attributes
    ----------
    ticker : str
    as_of : Timestamp
    close, volume : Series or None
        Daily adjusted close (USD) and volume (shares), up to ``as_of``.
    price_source : str
    benchmark : Series or None
        Benchmark close (e.g. IWM) for relative strength.
    benchmark_symbol : str
    sector, name : str
    weight : float
        Share of the fund's equity holdings (fraction) = market value / total
        equity market value (the file's rounded weights are a fallback); NaN
        when not a holding.
    holdings_as_of : Timestamp or None
    holdings_source : str
    holdings_price : float
        Price per share in the holdings file (USD), NaN when not a holding.
    fundamentals : Fundamentals or None
    valuation : Valuation or None
    filings : DataFrame or None
    filings_meta : dict
    shares : DataFrame or None
    events : DataFrame or None
    sec_source : str
    market_cap : float
    market_cap_label : str
    market_cap_date : Timestamp or None
    missing : dict
        Field -> reason it is missing.
    kind : str
        Kind of symbol in the store (``stock``, ``etf``, ``index``, ``crypto``;
        ``""`` when the store does not know it).
    price_range : tuple of Timestamp, or None
        First and last bar date of the ticker in the whole store (whatever
        ``as_of``); None when the store has no bars for it.
    """

    ticker: str
    as_of: pd.Timestamp
    close: pd.Series | None = None
    volume: pd.Series | None = None
    price_source: str = ""
    benchmark: pd.Series | None = None
    benchmark_symbol: str = ""
    sector: str = ""
    name: str = ""
    weight: float = float("nan")
    holdings_as_of: pd.Timestamp | None = None
    holdings_source: str = ""
    holdings_price: float = float("nan")
    fundamentals: Fundamentals | None = None
    valuation: Valuation | None = None
    filings: pd.DataFrame | None = None
    filings_meta: dict[str, Any] = field(default_factory=dict)
    shares: pd.DataFrame | None = None
    events: pd.DataFrame | None = None
    sec_source: str = ""
    market_cap: float = float("nan")
    market_cap_label: str = ""
    market_cap_date: pd.Timestamp | None = None
    missing: dict[str, str] = field(default_factory=dict)
    kind: str = ""
    price_range: tuple[pd.Timestamp | None, pd.Timestamp | None] | None = None

    @property
    def unknown(self) -> bool:
        """True when the store has no prices for the ticker at all and it is not a holding."""
        return self.close is None and self.price_range is None and "holdings" in self.missing

    @property
    def before_data(self) -> bool:
        """True when the store has prices for the ticker, but only after ``as_of``."""
        first = self.price_range[0] if self.price_range is not None else None
        return self.close is None and first is not None and first > self.as_of

    @property
    def last_price(self) -> tuple[float, pd.Timestamp | None]:
        """Latest close and its date (NaN, None when no prices).

        Without store prices, the price column of the holdings file (dated
        ``holdings_as_of``) is used; ``price_source`` says so.
        """
        if self.close is None or self.close.dropna().empty:
            return self.holdings_price, (
                self.holdings_as_of if math.isfinite(self.holdings_price) else None
            )
        c = self.close.dropna()
        return float(c.iloc[-1]), pd.Timestamp(c.index[-1])


def _series(frame: pd.DataFrame, col: str) -> pd.Series | None:
    if col not in frame.columns:
        return None
    s = frame[col].dropna()
    return s if len(s) else None


def attach_sec(ev: StockEvidence, edgar: Any, *, include_facts: bool = True) -> None:
    """Fill filings, events and fundamentals from an SEC client (errors become reasons)."""
    try:
        sub = edgar.submissions(ev.ticker)
        ev.filings = sub.frame
        ev.filings_meta = dict(sub.meta)
        ev.sec_source = sub.source
    except (ProviderError, InputError) as exc:
        ev.missing["filings"] = str(exc)
    facts = None
    if include_facts:
        try:
            res = edgar.company_facts(ev.ticker)
            facts = res.frame
            ev.sec_source = ev.sec_source or res.source
            ev.fundamentals = compute_fundamentals(
                facts, ticker=ev.ticker, as_of=ev.as_of, source=res.source
            )
            hist = share_history(facts, as_of=ev.as_of)
            ev.shares = hist if len(hist) else None
        except (ProviderError, InputError) as exc:
            ev.missing["fundamentals"] = str(exc)
    if ev.filings is not None or ev.shares is not None:
        ev.events = timeline(ev.filings, ev.shares, ticker=ev.ticker, as_of=ev.as_of)


ESTIMATE_PREFIX = "holdings-implied"
"""Start of every market-cap label that is an estimate rather than XBRL shares x price."""


def estimate_note(index_cap: float) -> str:
    """Say that a market cap is an estimate resting on the assumed index cap.

    Examples
    --------
    >>> estimate_note(3.0e12)
    'estimate (assumes index float cap $3.0T; --index-cap to change)'
    """
    return f"estimate (assumes index float cap ${index_cap / 1e12:.1f}T; --index-cap to change)"


def is_estimated_cap(label: str | None) -> bool:
    """Return True when a market-cap label marks the holdings-implied estimate."""
    return bool(label) and str(label).startswith(ESTIMATE_PREFIX)


def _set_market_cap(ev: StockEvidence, index_cap: float, fund: str) -> None:
    price, pdate = ev.last_price
    if ev.fundamentals is not None:
        ev.valuation = valuation(ev.fundamentals, price, pdate)
        mc = ev.valuation.get("market_cap")
        if not mc.missing:
            ev.market_cap, ev.market_cap_label, ev.market_cap_date = (
                mc.value,
                f"XBRL shares x price ({ev.price_source})",
                pdate,
            )
            return
    if (
        math.isfinite(ev.weight)
        and ev.weight > 0
        and ev.close is not None
        and ev.holdings_as_of is not None
    ):
        c = ev.close.dropna()
        at_h = c.loc[: ev.holdings_as_of]
        if len(at_h) and math.isfinite(price):
            cap = ev.weight * index_cap * price / float(at_h.iloc[-1])
            ev.market_cap = cap
            ev.market_cap_label = (
                f"holdings-implied {estimate_note(index_cap)}: {fund} weight x index cap, "
                f"rolled by price from {ev.holdings_as_of:%Y-%m-%d}"
            )
            ev.market_cap_date = pdate
            if ev.fundamentals is not None:
                ev.valuation = valuation(
                    ev.fundamentals,
                    price,
                    pdate,
                    shares=cap / price,
                    shares_label=ev.market_cap_label,
                )
            return
    if math.isfinite(ev.weight) and ev.weight > 0:
        ev.missing["market_cap"] = (
            f"no XBRL share count, and no store prices to roll the {fund} holdings-implied "
            "estimate to the price date"
        )
    else:
        ev.missing["market_cap"] = f"no XBRL share count and not a {fund} holding"


def gather_universe(
    store: Any,
    tickers: Sequence[str] | None = None,
    *,
    as_of: DateLike | None = None,
    edgar: Any | None = None,
    fund: str = "IWM",
    benchmark: str = "IWM",
    index_cap: float = DEFAULT_INDEX_CAP,
    lookback_days: int = 800,
    sec_tickers: Iterable[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[StockEvidence]:
    """Build :class:`StockEvidence` for many tickers with a few store queries.

    Parameters
    ----------
    store : capsize.data.store.Store
        Open store (prices, holdings).
    tickers : sequence of str, optional
        Default: the equity holdings of ``fund``.
    as_of : date-like, optional
        Evaluation date (default: the latest price date).
    edgar : SecEdgar, optional
        SEC client (offline/recorded or live); None = no filings.
    fund : str
        Holdings used for sector, weight and the implied market cap.
    benchmark : str
        Symbol for relative strength.
    index_cap : float
        Assumed total float cap of the fund's index, USD.
    lookback_days : int
        Calendar days of prices loaded before ``as_of``.
    sec_tickers : iterable of str, optional
        Restrict SEC look-ups to these tickers (None = all).
    progress : callable, optional
        ``progress(done, total)`` after each ticker (the CLI draws a bar).

    Returns
    -------
    list of StockEvidence
    """
    if not index_cap > 0:
        raise InputError(f"index_cap={index_cap!r} must be a positive USD amount")
    at = pd.Timestamp(as_of) if as_of is not None else None
    if at is None and hasattr(store, "last_date"):
        last = store.last_date()
        at = pd.Timestamp(last) if last is not None else None
    try:
        hold = store.holdings(fund, as_of=at)
    except DataNotFound as exc:
        hold = None
        logger.info("no holdings: %s", exc)
    if tickers is None:
        if hold is None:
            raise DataNotFound(f"no {fund} holdings in the store; pass tickers or import holdings")
        eq = hold.loc[hold["asset_class"].astype(str).str.lower() == "equity"]
        tickers = [str(t) for t in eq["ticker"]]
    names = [t.strip().upper() for t in tickers if str(t).strip()]
    if not names:
        raise InputError("tickers is empty; pass at least one ticker")
    start = (at or pd.Timestamp.today().normalize()) - pd.Timedelta(days=lookback_days)
    closes = _panel(store, names, "close", start, at)
    vols = _panel(store, names, "volume", start, at)
    if at is None:
        at = pd.Timestamp(closes.index.max()) if len(closes) else pd.Timestamp.today().normalize()
    bench = None
    try:
        b = store.closes([benchmark], start=start, as_of=at)
        bench = b[benchmark].dropna() if benchmark in b.columns else None
    except CapsizeError:
        bench = None
    hmap: dict[str, dict[str, Any]] = {}
    total_mv = 0.0
    if hold is not None:
        # The file's weights are rounded to 0.01%; market values are exact to the cent, so
        # a holding's share of the equity sleeve is market_value / sum(equity market_value).
        eq_mask = hold["asset_class"].astype(str).str.lower() == "equity"
        total_mv = float(pd.to_numeric(hold.loc[eq_mask, "market_value"], errors="coerce").sum())
        for rec in hold.to_dict("records"):
            hmap.setdefault(str(rec["ticker"]).upper(), rec)
    kinds = _kinds(store)
    want_sec = {t.upper() for t in sec_tickers} if sec_tickers is not None else None
    out: list[StockEvidence] = []
    for t in names:
        ev = StockEvidence(t, at, benchmark=bench, benchmark_symbol=benchmark)
        c = _series(closes, t) if len(closes) else None
        ev.close = c
        ev.volume = _series(vols, t) if len(vols) else None
        ev.price_source = f"store bars {t} (adjusted close)"
        ev.kind = kinds.get(t, "")
        if c is None:
            ev.price_range = _price_range(store, t)
            first = ev.price_range[0] if ev.price_range is not None else None
            if first is not None and first > at:
                ev.missing["prices"] = (
                    f"{t} has no prices on or before {at:%Y-%m-%d} "
                    f"(its data starts {first:%Y-%m-%d})"
                )
            elif ev.price_range is None:
                ev.missing["prices"] = f"no prices for {t} in the store"
            else:
                ev.missing["prices"] = f"no prices for {t} in the store up to {at:%Y-%m-%d}"
        elif ev.volume is None:
            ev.missing["volume"] = (
                f"no volume for {t} in the store from {start:%Y-%m-%d} to {at:%Y-%m-%d}"
            )
        rec = hmap.get(t)
        if rec is not None and hold is not None:
            ev.sector = str(rec.get("sector") or "")
            ev.name = str(rec.get("name") or "")
            mv = rec.get("market_value")
            if mv is not None and pd.notna(mv) and total_mv > 0:
                ev.weight = float(mv) / total_mv
            else:
                w = rec.get("weight")
                ev.weight = float(w) if w is not None and pd.notna(w) else float("nan")
            ev.holdings_as_of = (
                pd.Timestamp(hold.attrs.get("as_of"))
                if hold.attrs.get("as_of") is not None
                else None
            )
            ev.holdings_source = (
                f"{fund} holdings {ev.holdings_as_of:%Y-%m-%d}"
                if ev.holdings_as_of is not None
                else fund
            )
            hp = rec.get("price")
            ev.holdings_price = float(hp) if hp is not None and pd.notna(hp) else float("nan")
            if c is None and math.isfinite(ev.holdings_price):
                ev.price_source = f"price column of {ev.holdings_source}"
        else:
            ev.missing["holdings"] = f"{t} is not in the {fund} holdings"
        if edgar is not None and (want_sec is None or t in want_sec):
            attach_sec(ev, edgar)
        elif edgar is None:
            ev.missing.setdefault("filings", "no SEC data source configured")
        _set_market_cap(ev, index_cap, fund)
        out.append(ev)
        if progress is not None:
            progress(len(out), len(names))
    return out


def _kinds(store: Any) -> dict[str, str]:
    """Symbol -> kind for the non-stock symbols the store knows (ETFs, indices, crypto)."""
    out: dict[str, str] = {}
    lister = getattr(store, "symbols", None)
    if lister is None:
        return out
    for kind in ("etf", "index", "crypto"):
        try:
            out.update(dict.fromkeys((str(s).upper() for s in lister(kind)), kind))
        except CapsizeError:
            continue
    return out


def _price_range(store: Any, ticker: str) -> tuple[pd.Timestamp | None, pd.Timestamp | None] | None:
    """First and last bar date of ``ticker`` in the whole store (None when it has none)."""
    prov = getattr(store, "provenance", None)
    if prov is None:
        return None
    try:
        p = prov("bars", ticker)
    except CapsizeError:
        return None
    return p.first_date, p.last_date


def _panel(
    store: Any, names: list[str], fld: str, start: pd.Timestamp, at: pd.Timestamp | None
) -> pd.DataFrame:
    try:
        frame: pd.DataFrame = store.panel(names, field=fld, basis="adjusted", start=start, as_of=at)
    except CapsizeError:
        return pd.DataFrame()
    return frame


def valuation_inputs(evidence: Iterable[StockEvidence], segment: str) -> pd.DataFrame:
    """Rows for :func:`capsize.analytics.valuation.segment_valuation` from gathered evidence.

    Parameters
    ----------
    evidence : iterable of StockEvidence
        Holdings of one fund (weights from its holdings file).
    segment : str
        Label (``"small (IWM)"``).

    Returns
    -------
    DataFrame
        Columns ``segment, ticker, weight, market_cap, net_income,
        net_income_prior, market_cap_source, market_cap_estimated`` (NaN where
        not assessed; ``market_cap_estimated`` is True for holdings-implied caps).
    """
    rows = []
    for ev in evidence:
        fu = ev.fundamentals
        rows.append(
            {
                "segment": segment,
                "ticker": ev.ticker,
                "weight": ev.weight,
                "market_cap": ev.market_cap,
                "net_income": fu.get("net_income_ttm").value if fu is not None else float("nan"),
                "net_income_prior": (
                    fu.get("net_income_ttm_prior").value if fu is not None else float("nan")
                ),
                "market_cap_source": ev.market_cap_label,
                "market_cap_estimated": is_estimated_cap(ev.market_cap_label),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "segment",
            "ticker",
            "weight",
            "market_cap",
            "net_income",
            "net_income_prior",
            "market_cap_source",
            "market_cap_estimated",
        ],
    )
