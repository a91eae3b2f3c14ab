"""Screen metrics: per-stock metrics from the evidence, each with its unit, label and formula.

Re-exported by :mod:`capsize.stocks.screener`, which documents every metric. Three
concepts come from the one rule each has (never a table of their own here):

* cap band: :func:`capsize.rules.cap_bands.cap_band` over the segments passed in (the query
  layer passes the configured ones);
* liquidity tier: :func:`capsize.rules.liquidity.liquidity_tier`;
* volatility: :func:`capsize.analytics.risk.volatility` (simple daily returns, annualised by
  ``sqrt(252)``, ``ddof=1``);
* and volume staleness: :func:`capsize.rules.staleness.freshness` (daily data).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from capsize._format import fmt_date, fmt_money, fmt_num, fmt_pct, fmt_ratio
from capsize.analytics.risk import volatility
from capsize.errors import InputError
from capsize.rules.cap_bands import cap_band
from capsize.rules.liquidity import liquidity_tier
from capsize.rules.staleness import freshness
from capsize.stocks.evidence import Evidence
from capsize.stocks.gather import StockEvidence, is_estimated_cap
from capsize.stocks.risk_flags import assess_risk_flags

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from capsize.segments import SegmentSet

__all__ = [
    "METRICS",
    "MetricSpec",
    "StockMetrics",
    "compute_metrics",
    "metrics_frame",
]


@dataclass(frozen=True)
class MetricSpec:
    """What a numeric screen metric is: unit, label and formula (provenance of its figure).

    Attributes
    ----------
    unit : str
        A :data:`capsize.queries.result.Unit` (``usd``, ``fraction``, ``pp``, ``ratio``,
        ``count``, ``score``).
    label : str
        What it is, in words (with its own unit when the unit is not enough).
    formula : str
        How it is computed.
    inputs : str
        ``"prices"``, ``"filings"``, ``"prices+filings"``, ``"holdings"`` or ``"rules"``:
        which sources it rests on.
    """

    unit: str
    label: str
    formula: str
    inputs: str = "prices"


METRICS: Mapping[str, MetricSpec] = {
    "market_cap": MetricSpec(
        "usd",
        "market capitalisation",
        "XBRL shares outstanding x last close; else holdings-implied estimate "
        "(fund weight x assumed index cap x close / close on the holdings date)",
        "prices+filings",
    ),
    "market_cap_estimated": MetricSpec(
        "score", "1 = market cap is the holdings-implied estimate", "label check", "holdings"
    ),
    "price": MetricSpec("usd", "last close (adjusted)", "last close on or before as-of"),
    "dollar_volume": MetricSpec(
        "usd",
        "median daily dollar volume",
        "median of close x volume over the last 20 days with volume (fresh daily data only)",
    ),
    "net_income_ttm": MetricSpec(
        "usd", "net income, trailing twelve months", "sum of 4 quarters", "filings"
    ),
    "revenue_ttm": MetricSpec(
        "usd", "revenue, trailing twelve months", "sum of 4 quarters", "filings"
    ),
    "profitable": MetricSpec("score", "1 = profitable", "TTM net income > 0", "filings"),
    "cash": MetricSpec("usd", "cash and equivalents", "latest instant", "filings"),
    "cash_runway_months": MetricSpec(
        "ratio",
        "cash runway in months",
        "cash / (-operating cash flow TTM / 12) for cash burners; none when self-funding",
        "filings",
    ),
    "cash_to_mcap": MetricSpec("ratio", "cash / market cap", "cash / market_cap", "filings"),
    "net_debt_to_mcap": MetricSpec(
        "ratio", "net debt / market cap", "(debt - cash) / market_cap", "filings"
    ),
    "net_debt_ebitda": MetricSpec(
        "ratio",
        "net debt / EBITDA",
        "(debt - cash) / (operating income + D&A, TTM)",
        "filings",
    ),
    "interest_coverage": MetricSpec(
        "ratio",
        "interest coverage",
        "operating income TTM / interest expense TTM",
        "filings",
    ),
    "leverage_ok": MetricSpec(
        "score",
        "1 = leverage modest",
        "net cash, or net debt/EBITDA <= 2, or interest coverage >= 4",
        "filings",
    ),
    "share_growth": MetricSpec(
        "fraction",
        "share count growth over about a year",
        "shares / shares a year earlier - 1",
        "filings",
    ),
    "pe": MetricSpec("ratio", "P/E", "market_cap / net income TTM", "prices+filings"),
    "ps": MetricSpec("ratio", "price / sales", "market_cap / revenue TTM", "prices+filings"),
    "ev_sales": MetricSpec(
        "ratio", "EV / sales", "(market_cap + debt - cash) / revenue TTM", "prices+filings"
    ),
    "mom_12_1": MetricSpec(
        "fraction", "12-1 month return", "close[t-21] / close[t-252] - 1 (trading days)"
    ),
    "ret_6m": MetricSpec("fraction", "6-month return", "close[t] / close[t-126] - 1"),
    "rs_6m": MetricSpec(
        "pp",
        "6-month return minus the benchmark's",
        "ret_6m(stock) - ret_6m(benchmark), same last date",
    ),
    "vol_1y": MetricSpec(
        "fraction",
        "annualised volatility, 1 year",
        "std(simple daily returns, last 252, ddof=1) x sqrt(252); needs 120 returns",
    ),
    "max_gain_1d": MetricSpec(
        "fraction",
        "largest one-day gain, last 365 days",
        "max(close[t] / close[t-1] - 1) over the 365 calendar days to as-of",
    ),
    "n_catalysts_90d": MetricSpec(
        "count",
        "8-K/XBRL catalysts in 90 days",
        "events other than routine 8-Ks filed in the 90 days to as-of",
        "filings",
    ),
    "flags_raised": MetricSpec(
        "count",
        "manipulation-risk flags RAISED (of 5)",
        "capsize risk-flag rules",
        "prices+filings",
    ),
    "flags_not_assessed": MetricSpec(
        "count",
        "manipulation-risk flags NOT ASSESSED (of 5)",
        "capsize risk-flag rules",
        "prices+filings",
    ),
    "weight": MetricSpec(
        "fraction",
        "weight in the fund's equity holdings",
        "market value / total equity market value",
        "holdings",
    ),
}
"""Numeric screen metric -> its unit, label and formula (text metrics are not listed)."""


@dataclass(frozen=True)
class StockMetrics:
    """Screen metrics of one stock with their evidence.

    Attributes
    ----------
    ticker : str
    as_of : Timestamp
    values : Mapping[str, Any]
        Metric -> value (float, str or None).
    evidence : Mapping[str, Evidence]
        Metric -> the dated evidence it rests on.
    missing : Mapping[str, str]
        Metric (or input) -> why it is not assessed.
    flags : tuple
        Risk flags (:class:`~capsize.stocks.risk_flags.RiskFlag`) when computed.
    """

    ticker: str
    as_of: pd.Timestamp
    values: Mapping[str, Any]
    evidence: Mapping[str, Evidence]
    missing: Mapping[str, str]
    flags: tuple[Any, ...] = ()


@dataclass
class _Acc:
    """The metrics of one stock while they are computed (values, evidence, reasons)."""

    ev: StockEvidence
    segments: SegmentSet | None
    volume_window: int
    v: dict[str, Any] = field(default_factory=dict)
    e: dict[str, Evidence] = field(default_factory=dict)
    miss: dict[str, str] = field(default_factory=dict)

    def num(self, key: str) -> float:
        x = self.v.get(key)
        return float(x) if isinstance(x, (int, float)) else math.nan


_NAN = math.nan


def _public_float(ev: StockEvidence) -> tuple[float, pd.Timestamp | None, str] | None:
    if ev.fundamentals is None:
        return None
    f = ev.fundamentals.get("public_float")
    if f.missing:
        return None
    return f.value, f.end, f"SEC XBRL {f.concept} ({', '.join(f.accessions)})"


def _ret(c: pd.Series, back: int, skip: int = 0) -> float:
    if len(c) <= back:
        return _NAN
    return float(c.iloc[-1 - skip] / c.iloc[-1 - back] - 1.0)


# --------------------------------------------------------------------------- sections


def _price(a: _Acc) -> None:
    ev = a.ev
    a.v["sector"] = ev.sector or None
    a.v["weight"] = ev.weight
    price, pdate = ev.last_price
    a.v["price"] = price
    a.v["price_date"] = fmt_date(pdate, reason="none")
    if pdate is not None:
        what = "last close (adjusted)" if ev.close is not None else "holdings price"
        a.e["price"] = Evidence(what, fmt_money(price), pdate, ev.price_source)


def _market_cap(a: _Acc) -> None:
    ev = a.ev
    known = math.isfinite(ev.market_cap)
    a.v["market_cap"] = ev.market_cap
    a.v["market_cap_source"] = ev.market_cap_label or None
    a.v["market_cap_estimated"] = float(is_estimated_cap(ev.market_cap_label)) if known else _NAN
    a.v["cap_band"] = cap_band(ev.market_cap, a.segments)
    if known:
        a.e["market_cap"] = Evidence(
            "market cap",
            fmt_money(ev.market_cap, compact=True),
            ev.market_cap_date,
            ev.market_cap_label,
        )


def _volume_days(ev: StockEvidence) -> pd.DataFrame | None:
    if ev.close is None or ev.volume is None:
        return None
    joined = pd.concat([ev.close, ev.volume], axis=1, keys=["c", "v"]).dropna()
    joined = joined.loc[joined["v"] > 0]
    return joined if len(joined) else None


def _liquidity(a: _Acc) -> None:
    ev = a.ev
    joined = _volume_days(ev)
    dv, vdate = _NAN, None
    if joined is None:
        a.miss.setdefault("dollar_volume", "no volume data")
    else:
        vdate = pd.Timestamp(joined.index[-1])
        fresh = freshness(vdate, ev.as_of, "daily")
        if fresh.stale:
            a.miss["dollar_volume"] = fresh.note("volume")
        else:
            tail = joined.iloc[-a.volume_window :]
            dv = float(np.median(tail["c"] * tail["v"]))
            a.e["dollar_volume"] = Evidence(
                f"median daily dollar volume ({len(tail)} days to {vdate:%Y-%m-%d})",
                fmt_money(dv, compact=True),
                vdate,
                ev.price_source,
            )
    a.v["dollar_volume"] = dv
    a.v["volume_date"] = fmt_date(vdate, reason="none")
    a.v["liquidity_tier"] = liquidity_tier(dv)


def _profit(a: _Acc) -> None:
    fu = a.ev.fundamentals
    ni = fu.get("net_income_ttm") if fu is not None else None
    a.v["net_income_ttm"] = ni.value if ni is not None else _NAN
    a.v["revenue_ttm"] = fu.get("revenue_ttm").value if fu is not None else _NAN
    a.v["profitable"] = _NAN if ni is None or ni.missing else float(ni.value > 0)
    if ni is not None and not ni.missing:
        a.e["profitable"] = Evidence(
            "TTM net income",
            fmt_money(ni.value, compact=True),
            ni.filed,
            f"SEC XBRL {ni.concept} ({ni.method}, period to {fmt_date(ni.end)})",
        )


def _runway(a: _Acc) -> None:
    fu = a.ev.fundamentals
    cash = fu.get("cash") if fu is not None else None
    ocf = fu.get("operating_cash_flow_ttm") if fu is not None else None
    a.v["cash"] = cash.value if cash is not None else _NAN
    runway = _NAN
    if cash is not None and ocf is not None and not cash.missing and not ocf.missing:
        runway = math.inf if ocf.value >= 0 else cash.value / (-ocf.value / 12.0)
        dates = [d for d in (cash.filed, ocf.filed) if d is not None]
        a.e["cash_runway_months"] = Evidence(
            "cash runway (cash / monthly operating cash burn)",
            "self-funding (operating cash flow >= 0)"
            if math.isinf(runway)
            else f"{fmt_num(runway, 1)} months",
            max(dates) if dates else None,
            f"SEC XBRL {cash.concept}, {ocf.concept}",
        )
    a.v["cash_runway_months"] = runway


def _ratio_evidence(a: _Acc, key: str, fig: Any) -> None:
    if not fig.missing:
        shown = fmt_pct(fig.value) if key == "share_growth" else fmt_ratio(fig.value)
        a.e[key] = Evidence(
            fig.method or key, shown, fig.end or fig.filed, f"SEC XBRL {fig.concept or ''}".strip()
        )
    elif fig.note:
        a.miss[key] = fig.note


def _balance(a: _Acc) -> None:
    ev = a.ev
    mc = ev.market_cap
    has_mc = math.isfinite(mc) and mc > 0
    debt = ev.fundamentals.get("debt").value if ev.fundamentals is not None else _NAN
    nd = (debt if math.isfinite(debt) else _NAN) - a.num("cash")
    a.v["cash_to_mcap"] = a.num("cash") / mc if has_mc else _NAN
    a.v["net_debt_to_mcap"] = nd / mc if has_mc else _NAN
    va = ev.valuation
    for k in ("net_debt_ebitda", "interest_coverage", "share_growth", "pe", "ps", "ev_sales"):
        fig = va.get(k) if va is not None else None
        a.v[k] = fig.value if fig is not None else _NAN
        if fig is not None:
            _ratio_evidence(a, k, fig)
    nde, cov = a.num("net_debt_ebitda"), a.num("interest_coverage")
    lev = _NAN
    if math.isfinite(nd) and nd <= 0:
        lev = 1.0
    elif math.isfinite(nde) or math.isfinite(cov):
        lev = float((math.isfinite(nde) and nde <= 2.0) or (math.isfinite(cov) and cov >= 4.0))
    a.v["leverage_ok"] = lev


def _closes(a: _Acc) -> pd.Series:
    return a.ev.close.dropna() if a.ev.close is not None else pd.Series(dtype="float64")


def _momentum(a: _Acc) -> None:
    ev = a.ev
    c = _closes(a)
    a.v["mom_12_1"] = _ret(c, 252, 21)
    a.v["ret_6m"] = _ret(c, 126)
    b = ev.benchmark.dropna().loc[: ev.as_of] if ev.benchmark is not None else c.iloc[0:0]
    b = b.loc[: c.index[-1]] if len(c) else b
    a.v["rs_6m"] = a.v["ret_6m"] - _ret(b, 126) if len(b) > 126 else _NAN
    r = (c / c.shift(1) - 1.0).dropna().iloc[-252:]
    a.v["vol_1y"] = volatility(r) if len(r) >= 120 else _NAN
    pdate = ev.last_price[1]
    shown = {
        "mom_12_1": ("12-1 month return", fmt_pct(a.num("mom_12_1"))),
        "rs_6m": (f"6-month return minus {ev.benchmark_symbol}", fmt_pct(a.num("rs_6m"))),
        "vol_1y": ("annualised volatility (1y)", fmt_pct(a.num("vol_1y"), sign=False)),
    }
    for key, (what, text) in shown.items():
        if math.isfinite(a.num(key)):
            a.e[key] = Evidence(what, text, pdate, ev.price_source)


def _max_gain(a: _Acc) -> None:
    c = _closes(a)
    gains = (c / c.shift(1) - 1.0).dropna()
    if len(gains):
        gains = gains.loc[gains.index > a.ev.as_of - pd.Timedelta(days=365)]
    a.v["max_gain_1d"] = float(gains.max()) if len(gains) else _NAN
    if len(gains):
        gday = pd.Timestamp(gains.index[int(np.argmax(gains.to_numpy()))])
        a.e["max_gain_1d"] = Evidence(
            "largest one-day gain (close to close, last 365 days)",
            fmt_pct(a.v["max_gain_1d"]),
            gday,
            a.ev.price_source,
        )


def _catalysts(a: _Acc) -> None:
    ev = a.ev
    if ev.events is None or ev.filings is None:
        a.v["n_catalysts_90d"] = _NAN
        a.v["last_catalyst"] = None
        a.miss.setdefault("n_catalysts_90d", a.miss.get("filings", "no SEC filing list"))
        return
    recent = ev.events.loc[
        (ev.events["date"] > ev.as_of - pd.Timedelta(days=90)) & (ev.events["category"] != "other")
    ]
    a.v["n_catalysts_90d"] = float(len(recent))
    a.v["last_catalyst"] = (
        f"{recent['date'].iloc[0]:%Y-%m-%d} {recent['event'].iloc[0]}" if len(recent) else None
    )
    if len(recent):
        a.e["n_catalysts_90d"] = Evidence(
            "catalysts in 90 days",
            ", ".join(f"{r.event} {r.date:%Y-%m-%d}" for r in recent.head(5).itertuples()),
            pd.Timestamp(recent["date"].iloc[0]),
            "SEC filings",
        )


_SECTIONS: tuple[Callable[[_Acc], None], ...] = (
    _price,
    _market_cap,
    _liquidity,
    _profit,
    _runway,
    _balance,
    _momentum,
    _max_gain,
    _catalysts,
)
"""Metric groups, in order (each reads the evidence and the values set before it)."""


def _flags(ev: StockEvidence) -> tuple[Any, ...]:
    return tuple(
        assess_risk_flags(
            ticker=ev.ticker,
            as_of=ev.as_of,
            close=ev.close,
            volume=ev.volume,
            events=ev.events,
            shares=ev.shares,
            market_cap=ev.market_cap if math.isfinite(ev.market_cap) else None,
            market_cap_label=ev.market_cap_label,
            public_float=_public_float(ev),
            filings_available=ev.filings is not None,
            price_source=ev.price_source,
            filings_source=ev.sec_source or "SEC filings",
        )
    )


def compute_metrics(
    ev: StockEvidence,
    *,
    segments: SegmentSet | None = None,
    volume_window: int = 20,
    with_flags: bool = True,
) -> StockMetrics:
    """Compute screen metrics of one stock from its evidence.

    Parameters
    ----------
    ev : StockEvidence
    segments : SegmentSet, optional
        Segments whose bands give ``cap_band`` (:mod:`capsize.rules.cap_bands`); the query
        layer passes the configured ones (default: :data:`capsize.segments.DEFAULT_SEGMENTS`).
    volume_window : int
        Days in the median dollar volume. Volume is used only while fresh by the one
        staleness rule (:func:`capsize.rules.staleness.freshness`, daily data).
    with_flags : bool
        Also evaluate the manipulation-risk flags.

    Returns
    -------
    StockMetrics
    """
    if not isinstance(ev, StockEvidence):
        raise InputError("ev must be a StockEvidence (see capsize.stocks.gather)")
    acc = _Acc(ev, segments, volume_window, miss=dict(ev.missing))
    for section in _SECTIONS:
        section(acc)
    flags = _flags(ev) if with_flags else ()
    acc.v["flags_raised"] = float(sum(1 for f in flags if f.raised)) if with_flags else _NAN
    acc.v["flags_not_assessed"] = (
        float(sum(1 for f in flags if f.raised is None)) if with_flags else _NAN
    )
    return StockMetrics(ev.ticker, ev.as_of, acc.v, acc.e, acc.miss, flags)


_ORDER = [
    "sector", "cap_band", "market_cap", "market_cap_source", "market_cap_estimated", "price",
    "price_date",
    "liquidity_tier", "dollar_volume", "volume_date", "profitable", "net_income_ttm",
    "revenue_ttm", "cash", "cash_runway_months", "cash_to_mcap", "net_debt_to_mcap",
    "net_debt_ebitda", "interest_coverage", "leverage_ok", "share_growth", "pe", "ps",
    "ev_sales", "mom_12_1", "ret_6m", "rs_6m", "vol_1y", "max_gain_1d", "n_catalysts_90d", "last_catalyst",
    "flags_raised", "flags_not_assessed", "weight",
]  # fmt: skip


def metrics_frame(metrics: Iterable[StockMetrics]) -> pd.DataFrame:
    """Stack metrics into a frame indexed by ticker (columns in a fixed order)."""
    rows = {m.ticker: dict(m.values) for m in metrics}
    frame = pd.DataFrame.from_dict(rows, orient="index")
    if frame.empty:
        return pd.DataFrame(columns=_ORDER)
    frame.index.name = "ticker"
    cols = [c for c in _ORDER if c in frame.columns] + [c for c in frame.columns if c not in _ORDER]
    return frame[cols]
