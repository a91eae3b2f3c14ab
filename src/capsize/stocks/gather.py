"""Assemble the evidence about stocks from what the store holds and SEC EDGAR says.

:class:`StockEvidence` holds, for one ticker and date, everything the screener,
the risk flags and the rating card use; fields are ``None`` with a reason in
``missing`` when the data is not available, so that downstream code can say
NOT ASSESSED instead of guessing.

The store is read elsewhere (the query layer, :mod:`capsize.queries.stocks`, reads a
:class:`UniverseInputs` through a point-in-time session); this module only assembles
evidence from those inputs and, through an injected SEC client, from filings.

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

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from capsize.errors import InputError, ProviderError
from capsize.stocks.catalysts import timeline
from capsize.stocks.fundamentals import (
    Fundamentals,
    Valuation,
    compute_fundamentals,
    share_history,
    valuation,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

__all__ = [
    "DEFAULT_INDEX_CAP",
    "ESTIMATE_PREFIX",
    "StockEvidence",
    "UniverseInputs",
    "attach_sec",
    "build_evidence",
    "equity_tickers",
    "estimate_note",
    "is_estimated_cap",
    "valuation_inputs",
]

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
        ``as_of``), looked up only to explain an error (a rating asked before the
        ticker's data starts); None otherwise.
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
        """True when the store has no prices for the ticker up to ``as_of`` and it is not a holding."""
        return self.close is None and "holdings" in self.missing and not self.before_data

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


@dataclass(frozen=True)
class UniverseInputs:
    """What the store holds about a universe of stocks on or before an evaluation date.

    Read by the query layer through a point-in-time session; nothing in it is dated
    after ``as_of``.

    Attributes
    ----------
    as_of : Timestamp
        Evaluation date: prices, holdings and filings dated on or before it are used.
    start : Timestamp
        First date of the prices loaded.
    fund : str
        Holdings used for sector, weight and the implied market cap.
    closes, volumes : DataFrame of shape (n_days, n_tickers)
        Adjusted closes (USD) and volumes (shares) from ``start`` to ``as_of``
        (empty frames when the store has none).
    benchmark : Series or None
        Benchmark close (USD) for relative strength.
    benchmark_symbol : str
    holdings : DataFrame or None
        The fund's latest holdings on or before ``as_of`` (``attrs["as_of"]`` its date).
    kinds : Mapping[str, str]
        Symbol -> kind for symbols that are not stocks (``etf``, ``index``, ``crypto``).
    """

    as_of: pd.Timestamp
    start: pd.Timestamp
    fund: str
    closes: pd.DataFrame
    volumes: pd.DataFrame
    benchmark: pd.Series | None = None
    benchmark_symbol: str = "IWM"
    holdings: pd.DataFrame | None = None
    kinds: Mapping[str, str] = field(default_factory=dict)

    @property
    def holdings_as_of(self) -> pd.Timestamp | None:
        """Date of the holdings file used (None without holdings)."""
        if self.holdings is None or self.holdings.attrs.get("as_of") is None:
            return None
        return pd.Timestamp(self.holdings.attrs["as_of"])


def equity_tickers(holdings: pd.DataFrame) -> list[str]:
    """Tickers of the equity holdings of a fund's holdings frame, in file order."""
    eq = holdings.loc[holdings["asset_class"].astype(str).str.lower() == "equity"]
    return [str(t) for t in eq["ticker"]]


def _holding_records(hold: pd.DataFrame | None) -> tuple[dict[str, dict[str, Any]], float]:
    """Ticker -> holdings row (first one), and the total equity market value (USD).

    The file's weights are rounded to 0.01%; market values are exact to the cent, so a
    holding's share of the equity sleeve is market_value / sum(equity market_value).
    """
    if hold is None:
        return {}, 0.0
    eq_mask = hold["asset_class"].astype(str).str.lower() == "equity"
    total_mv = float(pd.to_numeric(hold.loc[eq_mask, "market_value"], errors="coerce").sum())
    recs: dict[str, dict[str, Any]] = {}
    for rec in hold.to_dict("records"):
        recs.setdefault(str(rec["ticker"]).upper(), {str(k): v for k, v in rec.items()})
    return recs, total_mv


def _num(x: Any) -> float:
    return float(x) if x is not None and pd.notna(x) else float("nan")


def _attach_prices(ev: StockEvidence, inp: UniverseInputs) -> None:
    t = ev.ticker
    ev.close = _series(inp.closes, t) if len(inp.closes) else None
    ev.volume = _series(inp.volumes, t) if len(inp.volumes) else None
    ev.price_source = f"store bars {t} (adjusted close)"
    ev.kind = inp.kinds.get(t, "")
    if ev.close is None:
        ev.missing["prices"] = f"no prices for {t} in the store on or before {inp.as_of:%Y-%m-%d}"
    elif ev.volume is None:
        ev.missing["volume"] = (
            f"no volume for {t} in the store from {inp.start:%Y-%m-%d} to {inp.as_of:%Y-%m-%d}"
        )


def _attach_holding(
    ev: StockEvidence, inp: UniverseInputs, rec: dict[str, Any] | None, total_mv: float
) -> None:
    if rec is None:
        ev.missing["holdings"] = f"{ev.ticker} is not in the {inp.fund} holdings"
        return
    ev.sector = str(rec.get("sector") or "")
    ev.name = str(rec.get("name") or "")
    mv = _num(rec.get("market_value"))
    ev.weight = mv / total_mv if math.isfinite(mv) and total_mv > 0 else _num(rec.get("weight"))
    ev.holdings_as_of = inp.holdings_as_of
    ev.holdings_source = (
        f"{inp.fund} holdings {ev.holdings_as_of:%Y-%m-%d}"
        if ev.holdings_as_of is not None
        else inp.fund
    )
    ev.holdings_price = _num(rec.get("price"))
    if ev.close is None and math.isfinite(ev.holdings_price):
        ev.price_source = f"price column of {ev.holdings_source}"


def build_evidence(
    inputs: UniverseInputs,
    tickers: Sequence[str],
    *,
    edgar: Any | None = None,
    index_cap: float = DEFAULT_INDEX_CAP,
    sec_tickers: Iterable[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[StockEvidence]:
    """Build :class:`StockEvidence` for each ticker from the store's inputs and SEC filings.

    Parameters
    ----------
    inputs : UniverseInputs
        Prices, holdings and benchmark on or before the evaluation date.
    tickers : sequence of str
        Tickers (upper case), in the order wanted.
    edgar : SecEdgar, optional
        SEC client (offline/recorded or live); None = no filings.
    index_cap : float
        Assumed total float cap of the fund's index, USD.
    sec_tickers : iterable of str, optional
        Restrict SEC look-ups to these tickers (None = all).
    progress : callable, optional
        ``progress(done, total)`` after each ticker (the CLI draws a bar).

    Returns
    -------
    list of StockEvidence

    Raises
    ------
    InputError
        When ``index_cap`` is not a positive amount or ``tickers`` is empty.
    """
    if not index_cap > 0:
        raise InputError(f"index_cap={index_cap!r} must be a positive USD amount")
    names = [str(t).strip().upper() for t in tickers if str(t).strip()]
    if not names:
        raise InputError("tickers is empty; pass at least one ticker")
    recs, total_mv = _holding_records(inputs.holdings)
    want_sec = {t.upper() for t in sec_tickers} if sec_tickers is not None else None
    out: list[StockEvidence] = []
    for t in names:
        ev = StockEvidence(
            t, inputs.as_of, benchmark=inputs.benchmark, benchmark_symbol=inputs.benchmark_symbol
        )
        _attach_prices(ev, inputs)
        _attach_holding(ev, inputs, recs.get(t), total_mv)
        if edgar is not None and (want_sec is None or t in want_sec):
            attach_sec(ev, edgar)
        elif edgar is None:
            ev.missing.setdefault("filings", "no SEC data source configured")
        _set_market_cap(ev, index_cap, inputs.fund)
        out.append(ev)
        if progress is not None:
            progress(len(out), len(names))
    return out


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
