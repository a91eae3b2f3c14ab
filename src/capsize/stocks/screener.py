"""Screener: per-stock metrics from the evidence, stated filter rules, presets, export.

Metrics (one row per ticker; NaN = not assessed, with the reason kept)
----------------------------------------------------------------------
``market_cap`` (USD) and ``cap_band``
    nano < $50M <= micro < $300M <= small < $2B <= mid < $10B <= large.
    ``market_cap_estimated`` is 1 when the cap is the holdings-implied
    estimate (an assumed index cap), 0 for XBRL shares x price.
``dollar_volume`` (USD/day) and ``liquidity_tier``
    median of close x volume over the last 20 days with volume; tiers
    illiquid < $100K <= thin < $1M <= tradable < $10M <= liquid. Volume
    older than ``max_volume_age_days`` before the evaluation date is not used.
``profitable`` (1/0), ``cash_runway_months``
    runway = cash / (-operating cash flow TTM / 12) for cash burners, ``inf``
    when operating cash flow is positive.
``cash_to_mcap``, ``net_debt_to_mcap``, ``net_debt_ebitda``, ``interest_coverage``, ``leverage_ok``
    leverage_ok = 1 when net cash, or net debt/EBITDA <= 2, or interest
    coverage >= 4.
``share_growth``
    shares outstanding vs about a year earlier (dilution).
``pe``, ``ps``, ``ev_sales``
    from :func:`capsize.stocks.fundamentals.valuation`.
``mom_12_1``, ``ret_6m``, ``rs_6m``, ``vol_1y``
    12-month return skipping the last month (252/21 trading days); 6-month
    return and its excess over the benchmark; annualised daily volatility.
``max_gain_1d``
    largest close-to-close daily gain in the 365 days to the evaluation date.
``n_catalysts_90d``, ``last_catalyst``
    8-K/XBRL events other than routine ``other`` ones in the last 90 days.
``flags_raised``
    number of manipulation-risk flags RAISED (:mod:`capsize.stocks.risk_flags`).

A rule on a metric that is NaN does not pass; the result counts, per rule,
how many stocks were dropped because the metric was NOT ASSESSED, so a thin
result is never mistaken for a thin market.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from capsize._format import fmt_date, fmt_money, fmt_num, fmt_pct, fmt_ratio
from capsize.errors import InputError
from capsize.stocks._evidence import Evidence
from capsize.stocks._gather import StockEvidence, is_estimated_cap
from capsize.stocks.risk_flags import assess_risk_flags

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

__all__ = [
    "CAP_BANDS",
    "CONSOLIDATING_SECTORS",
    "LIQUIDITY_TIERS",
    "PRESETS",
    "Preset",
    "Rule",
    "RuleStat",
    "ScreenResult",
    "StockMetrics",
    "cap_band",
    "compute_metrics",
    "export_screen",
    "liquidity_tier",
    "metrics_frame",
    "screen",
    "screen_payload",
]

CAP_BANDS: tuple[tuple[str, float], ...] = (
    ("nano", 50e6),
    ("micro", 300e6),
    ("small", 2e9),
    ("mid", 10e9),
    ("large", math.inf),
)
"""Band name and its exclusive upper bound in USD."""

LIQUIDITY_TIERS: tuple[tuple[str, float], ...] = (
    ("illiquid", 100e3),
    ("thin", 1e6),
    ("tradable", 10e6),
    ("liquid", math.inf),
)
"""Tier name and its exclusive upper bound of median daily dollar volume, USD."""

CONSOLIDATING_SECTORS: tuple[str, ...] = (
    "Health Care",
    "Financials",
    "Energy",
    "Information Technology",
)
"""Sectors treated as consolidating in the M&A preset (regional banks, biotech/medtech,
E&P and software roll-ups are where most small-cap takeovers happen). An editorial
choice, stated in the rule text; pass your own rules to change it."""


def cap_band(market_cap: float) -> str | None:
    """Band of a market cap in USD (None when missing).

    Examples
    --------
    >>> cap_band(120e6)
    'micro'
    """
    if market_cap is None or not math.isfinite(market_cap) or market_cap <= 0:
        return None
    return next(name for name, hi in CAP_BANDS if market_cap < hi)


def liquidity_tier(dollar_volume: float) -> str | None:
    """Tier of a median daily dollar volume in USD (None when missing).

    Examples
    --------
    >>> liquidity_tier(2.5e6)
    'tradable'
    """
    if dollar_volume is None or not math.isfinite(dollar_volume) or dollar_volume < 0:
        return None
    return next(name for name, hi in LIQUIDITY_TIERS if dollar_volume < hi)


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


def _public_float(ev: StockEvidence) -> tuple[float, pd.Timestamp | None, str] | None:
    if ev.fundamentals is None:
        return None
    f = ev.fundamentals.get("public_float")
    if f.missing:
        return None
    return f.value, f.end, f"SEC XBRL {f.concept} ({', '.join(f.accessions)})"


def _ret(c: pd.Series, back: int, skip: int = 0) -> float:
    if len(c) <= back:
        return float("nan")
    return float(c.iloc[-1 - skip] / c.iloc[-1 - back] - 1.0)


def compute_metrics(
    ev: StockEvidence,
    *,
    volume_window: int = 20,
    max_volume_age_days: int = 400,
    with_flags: bool = True,
) -> StockMetrics:
    """Compute screen metrics of one stock from its evidence.

    Parameters
    ----------
    ev : StockEvidence
    volume_window : int
        Days in the median dollar volume.
    max_volume_age_days : int
        Volume older than this (calendar days before ``ev.as_of``) is not used.
    with_flags : bool
        Also evaluate the manipulation-risk flags.

    Returns
    -------
    StockMetrics
    """
    if not isinstance(ev, StockEvidence):
        raise InputError("ev must be a StockEvidence (see capsize.stocks.gather_universe)")
    at = ev.as_of
    nan = float("nan")
    v: dict[str, Any] = {"sector": ev.sector or None, "weight": ev.weight}
    e: dict[str, Evidence] = {}
    miss: dict[str, str] = dict(ev.missing)
    price, pdate = ev.last_price
    v["price"] = price
    v["price_date"] = fmt_date(pdate, reason="none")
    if pdate is not None:
        what = "last close (adjusted)" if ev.close is not None else "holdings price"
        e["price"] = Evidence(what, fmt_money(price), pdate, ev.price_source)
    # market cap ------------------------------------------------------------------
    v["market_cap"] = ev.market_cap
    v["market_cap_source"] = ev.market_cap_label or None
    v["market_cap_estimated"] = (
        float(is_estimated_cap(ev.market_cap_label)) if math.isfinite(ev.market_cap) else nan
    )
    v["cap_band"] = cap_band(ev.market_cap)
    if math.isfinite(ev.market_cap):
        e["market_cap"] = Evidence(
            "market cap",
            fmt_money(ev.market_cap, compact=True),
            ev.market_cap_date,
            ev.market_cap_label,
        )
    # liquidity -------------------------------------------------------------------
    dv = float("nan")
    vdate = None
    if ev.close is not None and ev.volume is not None:
        joined = pd.concat([ev.close, ev.volume], axis=1, keys=["c", "v"]).dropna()
        joined = joined.loc[joined["v"] > 0]
        if len(joined):
            vdate = pd.Timestamp(joined.index[-1])
            if (at - vdate).days <= max_volume_age_days:
                tail = joined.iloc[-volume_window:]
                dv = float(np.median(tail["c"] * tail["v"]))
                e["dollar_volume"] = Evidence(
                    f"median daily dollar volume ({len(tail)} days to {vdate:%Y-%m-%d})",
                    fmt_money(dv, compact=True),
                    vdate,
                    ev.price_source,
                )
            else:
                miss["dollar_volume"] = (
                    f"latest volume is from {vdate:%Y-%m-%d}, older than {max_volume_age_days} days"
                )
    elif "dollar_volume" not in miss:
        miss["dollar_volume"] = "no volume data"
    v["dollar_volume"] = dv
    v["volume_date"] = fmt_date(vdate, reason="none")
    v["liquidity_tier"] = liquidity_tier(dv)
    # fundamentals ----------------------------------------------------------------
    fu, va = ev.fundamentals, ev.valuation
    nan = float("nan")
    ni = fu.get("net_income_ttm") if fu is not None else None
    v["net_income_ttm"] = ni.value if ni is not None else nan
    v["revenue_ttm"] = fu.get("revenue_ttm").value if fu is not None else nan
    v["profitable"] = nan if ni is None or ni.missing else float(ni.value > 0)
    if ni is not None and not ni.missing:
        e["profitable"] = Evidence(
            "TTM net income",
            fmt_money(ni.value, compact=True),
            ni.filed,
            f"SEC XBRL {ni.concept} ({ni.method}, period to {fmt_date(ni.end)})",
        )
    cash = fu.get("cash") if fu is not None else None
    ocf = fu.get("operating_cash_flow_ttm") if fu is not None else None
    v["cash"] = cash.value if cash is not None else nan
    runway = nan
    if cash is not None and ocf is not None and not cash.missing and not ocf.missing:
        runway = math.inf if ocf.value >= 0 else cash.value / (-ocf.value / 12.0)
        e["cash_runway_months"] = Evidence(
            "cash runway (cash / monthly operating cash burn)",
            "self-funding (operating cash flow >= 0)"
            if math.isinf(runway)
            else f"{fmt_num(runway, 1)} months",
            max(d for d in (cash.filed, ocf.filed) if d is not None)
            if (cash.filed or ocf.filed)
            else None,
            f"SEC XBRL {cash.concept}, {ocf.concept}",
        )
    v["cash_runway_months"] = runway
    mc = ev.market_cap
    debt = fu.get("debt").value if fu is not None else nan
    v["cash_to_mcap"] = v["cash"] / mc if math.isfinite(mc) and mc > 0 else nan
    nd = (debt if math.isfinite(debt) else nan) - v["cash"]
    v["net_debt_to_mcap"] = nd / mc if math.isfinite(mc) and mc > 0 else nan
    for k in ("net_debt_ebitda", "interest_coverage", "share_growth", "pe", "ps", "ev_sales"):
        fig = va.get(k) if va is not None else None
        v[k] = fig.value if fig is not None else nan
        if fig is not None and not fig.missing:
            shown = fmt_pct(fig.value) if k == "share_growth" else fmt_ratio(fig.value)
            e[k] = Evidence(
                fig.method or k,
                shown,
                fig.end or fig.filed,
                f"SEC XBRL {fig.concept or ''}".strip(),
            )
        elif fig is not None and fig.note:
            miss[k] = fig.note
    lev = nan
    if math.isfinite(nd) and nd <= 0:
        lev = 1.0
    elif math.isfinite(v["net_debt_ebitda"]) or math.isfinite(v["interest_coverage"]):
        lev = float(
            (math.isfinite(v["net_debt_ebitda"]) and v["net_debt_ebitda"] <= 2.0)
            or (math.isfinite(v["interest_coverage"]) and v["interest_coverage"] >= 4.0)
        )
    v["leverage_ok"] = lev
    # momentum --------------------------------------------------------------------
    c = ev.close.dropna() if ev.close is not None else pd.Series(dtype="float64")
    v["mom_12_1"] = _ret(c, 252, 21)
    v["ret_6m"] = _ret(c, 126)
    b = ev.benchmark.dropna().loc[:at] if ev.benchmark is not None else pd.Series(dtype="float64")
    b = b.loc[: c.index[-1]] if len(c) else b
    v["rs_6m"] = v["ret_6m"] - _ret(b, 126) if len(b) > 126 else nan
    r = (c / c.shift(1)).dropna().iloc[-252:].apply(math.log)
    v["vol_1y"] = float(r.std(ddof=1) * math.sqrt(252)) if len(r) >= 120 else nan
    gains = (c / c.shift(1) - 1.0).dropna() if len(c) > 1 else pd.Series(dtype="float64")
    if len(gains):
        gains = gains.loc[gains.index > at - pd.Timedelta(days=365)]
    v["max_gain_1d"] = float(gains.max()) if len(gains) else nan
    if len(gains):
        gday = pd.Timestamp(gains.index[int(np.argmax(gains.to_numpy()))])
        e["max_gain_1d"] = Evidence(
            "largest one-day gain (close to close, last 365 days)",
            fmt_pct(v["max_gain_1d"]),
            gday,
            ev.price_source,
        )
    if math.isfinite(v["mom_12_1"]):
        e["mom_12_1"] = Evidence(
            "12-1 month return", fmt_pct(v["mom_12_1"]), pdate, ev.price_source
        )
    if math.isfinite(v["rs_6m"]):
        e["rs_6m"] = Evidence(
            f"6-month return minus {ev.benchmark_symbol}",
            fmt_pct(v["rs_6m"]),
            pdate,
            ev.price_source,
        )
    if math.isfinite(v["vol_1y"]):
        e["vol_1y"] = Evidence(
            "annualised volatility (1y)", fmt_pct(v["vol_1y"], sign=False), pdate, ev.price_source
        )
    # catalysts -------------------------------------------------------------------
    if ev.events is not None and ev.filings is not None:
        recent = ev.events.loc[
            (ev.events["date"] > at - pd.Timedelta(days=90)) & (ev.events["category"] != "other")
        ]
        v["n_catalysts_90d"] = float(len(recent))
        v["last_catalyst"] = (
            f"{recent['date'].iloc[0]:%Y-%m-%d} {recent['event'].iloc[0]}" if len(recent) else None
        )
        if len(recent):
            e["n_catalysts_90d"] = Evidence(
                "catalysts in 90 days",
                ", ".join(f"{r.event} {r.date:%Y-%m-%d}" for r in recent.head(5).itertuples()),
                pd.Timestamp(recent["date"].iloc[0]),
                "SEC filings",
            )
    else:
        v["n_catalysts_90d"] = nan
        v["last_catalyst"] = None
        miss.setdefault("n_catalysts_90d", miss.get("filings", "no SEC filing list"))
    flags: tuple[Any, ...] = ()
    if with_flags:
        flags = tuple(
            assess_risk_flags(
                ticker=ev.ticker,
                as_of=at,
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
        v["flags_raised"] = float(sum(1 for f in flags if f.raised))
        v["flags_not_assessed"] = float(sum(1 for f in flags if f.raised is None))
    else:
        v["flags_raised"] = nan
        v["flags_not_assessed"] = nan
    return StockMetrics(ev.ticker, at, v, e, miss, flags)


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


# --------------------------------------------------------------------------- rules


_OPS = ("<", "<=", ">", ">=", "==", "!=", "in")


@dataclass(frozen=True)
class Rule:
    """One filter: ``column op value`` (a NaN metric fails and is counted NOT ASSESSED).

    Examples
    --------
    >>> Rule("market_cap", "<", 300e6).describe()
    'market_cap < 300000000'
    """

    column: str
    op: str
    value: Any
    label: str = ""

    def __post_init__(self) -> None:
        if self.op not in _OPS:
            raise InputError(f"rule op {self.op!r} is not one of {', '.join(_OPS)}")

    def describe(self) -> str:
        """Return the rule as text."""
        if self.label:
            return self.label
        val = list(self.value) if self.op == "in" else self.value
        shown = f"{val:.0f}" if isinstance(val, float) and val.is_integer() else str(val)
        return f"{self.column} {self.op} {shown}"

    def apply(self, frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
        """Return ``(passes, not_assessed)`` boolean Series over ``frame``'s rows."""
        if self.column not in frame.columns:
            raise InputError(
                f"rule column {self.column!r} is not a screen metric; "
                f"use one of {list(frame.columns)}"
            )
        col = frame[self.column]
        na = col.isna()
        if self.op == "in":
            ok = col.isin(list(self.value))
        else:
            num = pd.to_numeric(col, errors="coerce") if not isinstance(self.value, str) else col
            ops = {
                "<": lambda s: s < self.value,
                "<=": lambda s: s <= self.value,
                ">": lambda s: s > self.value,
                ">=": lambda s: s >= self.value,
                "==": lambda s: s == self.value,
                "!=": lambda s: s != self.value,
            }
            ok = ops[self.op](num)
        ok = ok.fillna(False).astype(bool) & ~na
        return ok, na


@dataclass(frozen=True)
class Preset:
    """A named screen: rules, ranking and the stated rationale."""

    name: str
    description: str
    rules: tuple[Rule, ...]
    sort_by: str
    ascending: bool = False


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            "quality-micro",
            "Quality micro-caps: $50M-$300M, profitable, not illiquid, dilution <= 5%/yr, "
            "modest leverage; ranked by cheapest P/E.",
            (
                Rule("cap_band", "==", "micro", "market cap $50M-$300M (micro)"),
                Rule("profitable", "==", 1.0, "profitable (TTM net income > 0)"),
                Rule(
                    "liquidity_tier",
                    "in",
                    ("thin", "tradable", "liquid"),
                    "liquidity tier thin or better",
                ),
                Rule("share_growth", "<=", 0.05, "share growth <= 5%"),
                Rule(
                    "leverage_ok",
                    "==",
                    1.0,
                    "net cash, net debt/EBITDA <= 2 or interest cover >= 4",
                ),
            ),
            "pe",
            True,
        ),
        Preset(
            "ma-targets",
            "Possible M&A targets: small ($50M-$2B), cash-rich (cash >= 25% of market cap), "
            "undervalued (EV/sales <= 2), in consolidating sectors "
            f"({', '.join(CONSOLIDATING_SECTORS)}); ranked by cash/market cap.",
            (
                Rule("cap_band", "in", ("micro", "small"), "market cap $50M-$2B"),
                Rule("cash_to_mcap", ">=", 0.25, "cash >= 25% of market cap"),
                Rule("ev_sales", "<=", 2.0, "EV/sales <= 2"),
                Rule("sector", "in", CONSOLIDATING_SECTORS, "sector is consolidating"),
            ),
            "cash_to_mcap",
            False,
        ),
        Preset(
            "momentum-small",
            "Small-cap momentum: micro or small, positive 12-1 month return and beating "
            "the benchmark over 6 months; ranked by relative strength.",
            (
                Rule("cap_band", "in", ("micro", "small"), "market cap $50M-$2B"),
                Rule("mom_12_1", ">", 0.0, "12-1 month return > 0"),
                Rule("rs_6m", ">", 0.0, "6-month return above the benchmark"),
            ),
            "rs_6m",
            False,
        ),
        Preset(
            "catalyst-rich",
            "Catalyst-rich small caps: micro or small, at least one 8-K/XBRL catalyst in 90 "
            "days, no manipulation flag raised and at least 3 of the 5 flags assessed; ranked "
            "by number of catalysts.",
            (
                Rule("cap_band", "in", ("micro", "small"), "market cap $50M-$2B"),
                Rule("n_catalysts_90d", ">=", 1.0, "catalyst in the last 90 days"),
                Rule("flags_raised", "==", 0.0, "no risk flag raised"),
                Rule("flags_not_assessed", "<=", 2.0, "at least 3 of 5 risk flags assessed"),
            ),
            "n_catalysts_90d",
            False,
        ),
    )
}
"""Published screen presets."""


_REASON_KEYS: dict[str, tuple[str, ...]] = {
    "cap_band": ("market_cap", "prices"),
    "market_cap": ("market_cap", "prices"),
    "liquidity_tier": ("dollar_volume", "volume", "prices"),
    "dollar_volume": ("dollar_volume", "volume", "prices"),
    "profitable": ("fundamentals", "filings"),
    "net_income_ttm": ("fundamentals", "filings"),
    "cash_runway_months": ("fundamentals", "filings"),
    "cash_to_mcap": ("fundamentals", "filings", "market_cap"),
    "net_debt_to_mcap": ("fundamentals", "filings", "market_cap"),
    "leverage_ok": ("fundamentals", "filings"),
    "mom_12_1": ("prices",),
    "ret_6m": ("prices",),
    "rs_6m": ("prices",),
    "vol_1y": ("prices",),
    "n_catalysts_90d": ("n_catalysts_90d", "filings"),
    "sector": ("holdings",),
    "weight": ("holdings",),
}
"""Screen metric -> the evidence inputs whose missing reason explains it (in order)."""

_DEFAULT_REASON: dict[str, str] = {
    "mom_12_1": "under a year of prices",
    "ret_6m": "under six months of prices",
    "rs_6m": "under six months of prices or benchmark",
    "vol_1y": "under 120 days of prices",
    "leverage_ok": "no debt, EBITDA or interest figures",
    "flags_raised": "risk flags not computed",
    "flags_not_assessed": "risk flags not computed",
}


def _reason(column: str, ticker: str, missing: Mapping[str, str]) -> str:
    from capsize.stocks._evidence import short_reason

    for key in (column, *_REASON_KEYS.get(column, ())):
        if key in missing:
            return short_reason(missing[key].replace(ticker, "the stock"))
    return _DEFAULT_REASON.get(column, "data missing")


@dataclass(frozen=True)
class RuleStat:
    """How one rule thinned the screen.

    Attributes
    ----------
    rule : str
        The rule as text.
    entered : int
        Stocks that passed every earlier rule and so were tested by this one.
    passed, failed, not_assessed : int
        Of those: passing; failing on known data; dropped because the metric is missing.
    reasons : Mapping[str, int]
        Why the metric was missing -> number of stocks (most frequent first).
    """

    rule: str
    entered: int
    passed: int
    failed: int
    not_assessed: int
    reasons: Mapping[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        """One line: entering, passing, failing, NOT ASSESSED and the main reason.

        Examples
        --------
        >>> RuleStat("profitable", 1900, 0, 0, 1900, {"no filings": 1900}).describe()
        "rule 'profitable': 1,900 in, 0 pass, 0 fail, 1,900 NOT ASSESSED (1,900: no filings)"
        """
        text = (
            f"rule '{self.rule}': {self.entered:,} in, {self.passed:,} pass, "
            f"{self.failed:,} fail, {self.not_assessed:,} NOT ASSESSED"
        )
        if self.not_assessed and self.reasons:
            why, n = next(iter(self.reasons.items()))
            more = len(self.reasons) - 1
            text += f" ({n:,}: {why}" + (f"; {more} other reasons)" if more else ")")
        return text


@dataclass(frozen=True)
class ScreenResult:
    """Outcome of a screen.

    Attributes
    ----------
    frame : DataFrame
        Passing stocks, ranked (index ticker).
    rules : tuple of Rule
    preset : str or None
    description : str
    n_universe : int
        Stocks screened.
    not_assessed : Mapping[str, int]
        Rule text -> stocks dropped because the metric was missing.
    failed : Mapping[str, int]
        Rule text -> stocks with data that failed the rule.
    as_of : Timestamp or None
        Evaluation date: filings and events are counted up to it.
    n_passed : int
        Stocks passing every rule (before ``limit``).
    price_as_of : Timestamp or None
        Latest price date among the screened stocks (the date the data is from).
    n_older_prices : int
        Screened stocks whose latest price is older than ``price_as_of``.
    requested_as_of : Timestamp or None
        The date the user asked for (None = latest).
    stats : tuple of RuleStat
        Per rule, in order: stocks entering, passing, failing and NOT ASSESSED, with reasons.
    """

    frame: pd.DataFrame
    rules: tuple[Rule, ...]
    preset: str | None
    description: str
    n_universe: int
    not_assessed: Mapping[str, int] = field(default_factory=dict)
    failed: Mapping[str, int] = field(default_factory=dict)
    as_of: pd.Timestamp | None = None
    n_passed: int = 0
    price_as_of: pd.Timestamp | None = None
    n_older_prices: int = 0
    requested_as_of: pd.Timestamp | None = None
    stats: tuple[RuleStat, ...] = ()

    def empty_reason(self) -> str | None:
        """Say which rule removed the last stocks and why (None when some pass).

        Examples
        --------
        >>> st = RuleStat("profitable", 1900, 0, 0, 1900, {"no SEC filings": 1900})
        >>> ScreenResult(pd.DataFrame(), (), None, "", 1900, stats=(st,)).empty_reason()
        "no stock passes: rule 'profitable' removed the last 1,900 (NOT ASSESSED for 1,900: no SEC filings)"
        """
        if self.n_passed or not self.n_universe:
            return None
        last = next((x for x in self.stats if x.entered and not x.passed), None)
        if last is None:
            return None
        parts = []
        if last.not_assessed:
            top = list(last.reasons.items())[:2]
            why = top[0][0] if len(top) == 1 else "; ".join(f"{n:,}: {r}" for r, n in top)
            parts.append(f"NOT ASSESSED for {last.not_assessed:,}: {why or 'data missing'}")
        if last.failed:
            parts.append(f"{last.failed:,} failed it on known data")
        detail = "; ".join(parts)
        return f"no stock passes: rule '{last.rule}' removed the last {last.entered:,} ({detail})"

    def as_of_text(self) -> str:
        """Say what date the data is from, and the requested date when it differs.

        Examples
        --------
        >>> r = ScreenResult(pd.DataFrame(), (), None, "", 0,
        ...                  price_as_of=pd.Timestamp("2026-07-31"),
        ...                  requested_as_of=pd.Timestamp("2027-01-01"))
        >>> r.as_of_text()
        'prices as of 2026-07-31; requested 2027-01-01'
        """
        if self.price_as_of is None:
            text = "no prices"
        else:
            text = f"prices as of {fmt_date(self.price_as_of)}"
            if self.n_older_prices:
                text += f" ({self.n_older_prices} stocks with older prices, see price_date)"
        if self.requested_as_of is not None and self.requested_as_of != self.price_as_of:
            text += f"; requested {fmt_date(self.requested_as_of)}"
        return text


def screen(
    frame: pd.DataFrame,
    *,
    preset: str | None = None,
    rules: Sequence[Rule] = (),
    sort_by: str | None = None,
    ascending: bool | None = None,
    limit: int | None = None,
    as_of: pd.Timestamp | None = None,
    requested_as_of: pd.Timestamp | None = None,
    missing: Mapping[str, Mapping[str, str]] | None = None,
) -> ScreenResult:
    """Filter and rank a metrics frame.

    Parameters
    ----------
    frame : DataFrame
        :func:`metrics_frame` output.
    preset : str, optional
        A key of :data:`PRESETS`; its rules come first.
    rules : sequence of Rule
        Extra rules (all must pass).
    sort_by : str, optional
        Ranking column (default: the preset's, else ``market_cap``).
    ascending : bool, optional
        Ranking direction (default: the preset's, else descending).
    limit : int, optional
        Keep the top ``limit`` rows.
    as_of : Timestamp, optional
        Evaluation date (provenance).
    requested_as_of : Timestamp, optional
        The date the user asked for, stated next to the actual price date.
    missing : Mapping, optional
        Ticker -> input -> reason it is missing (:attr:`StockMetrics.missing`), used
        to say why a rule could not be assessed.

    Returns
    -------
    ScreenResult
    """
    if preset is not None and preset not in PRESETS:
        raise InputError(f"preset {preset!r} is unknown; choose one of {', '.join(PRESETS)}")
    if limit is not None and limit < 1:
        raise InputError(f"limit={limit!r} must be at least 1")
    p = PRESETS[preset] if preset else None
    all_rules = (*(p.rules if p else ()), *rules)
    keep = pd.Series(True, index=frame.index)
    na_counts: dict[str, int] = {}
    fail_counts: dict[str, int] = {}
    stats: list[RuleStat] = []
    miss = missing or {}
    for rule in all_rules:
        ok, na = rule.apply(frame)
        text = rule.describe()
        na_here = na & keep
        na_counts[text] = int(na_here.sum())
        fail_counts[text] = int((~ok & ~na & keep).sum())
        reasons: dict[str, int] = {}
        for t in frame.index[na_here.to_numpy()]:
            why = _reason(rule.column, str(t), miss.get(str(t), {}))
            reasons[why] = reasons.get(why, 0) + 1
        entered = int(keep.sum())
        keep &= ok
        stats.append(
            RuleStat(
                text,
                entered,
                int(keep.sum()),
                fail_counts[text],
                na_counts[text],
                dict(sorted(reasons.items(), key=lambda kv: -kv[1])),
            )
        )
    out = frame.loc[keep]
    key = sort_by or (p.sort_by if p else "market_cap")
    asc = ascending if ascending is not None else (p.ascending if p else False)
    if key not in out.columns:
        raise InputError(f"sort_by={key!r} is not a screen metric")
    out = out.sort_values(key, ascending=asc, na_position="last", kind="stable")
    n_passed = len(out)
    if limit is not None:
        out = out.head(limit)
    desc = p.description if p else "custom rules"
    dates = (
        pd.to_datetime(frame["price_date"], errors="coerce", format="%Y-%m-%d").dropna()
        if "price_date" in frame.columns
        else pd.Series(dtype="datetime64[ns]")
    )
    price_as_of = pd.Timestamp(dates.max()) if len(dates) else None
    n_older = int((dates < price_as_of).sum()) if price_as_of is not None else 0
    return ScreenResult(
        out,
        tuple(all_rules),
        preset,
        desc,
        len(frame),
        na_counts,
        fail_counts,
        as_of,
        n_passed,
        price_as_of,
        n_older,
        None if requested_as_of is None else pd.Timestamp(requested_as_of),
        tuple(stats),
    )


def export_screen(result: ScreenResult, path: str | Path) -> Path:
    """Write a screen to ``.csv`` or ``.json`` (with rules and NOT ASSESSED counts).

    Returns
    -------
    Path
        The written file.
    """
    out = Path(path)
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".json"):
        raise InputError(f"export file {str(out)!r} must end in .csv or .json")
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        result.frame.to_csv(out, index=True)
        return out
    payload = screen_payload(result)
    out.write_text(json.dumps(payload, indent=2, default=str))
    return out


def _clean(x: Any) -> Any:
    if isinstance(x, (float, np.floating)):
        return float(x) if math.isfinite(float(x)) else None
    if isinstance(x, np.integer):
        return int(x)
    return x


def screen_payload(result: ScreenResult) -> dict[str, Any]:
    """JSON-friendly dict of a screen result."""
    rows = [
        {"ticker": t, **{k: _clean(v) for k, v in r.items()}}
        for t, r in result.frame.to_dict("index").items()
    ]
    return {
        "preset": result.preset,
        "description": result.description,
        "as_of": fmt_date(result.as_of, reason="none"),
        "price_as_of": None if result.price_as_of is None else fmt_date(result.price_as_of),
        "requested_as_of": (
            None if result.requested_as_of is None else fmt_date(result.requested_as_of)
        ),
        "as_of_text": result.as_of_text(),
        "rules": [r.describe() for r in result.rules],
        "universe": result.n_universe,
        "passed": result.n_passed,
        "shown": len(result.frame),
        "not_assessed": dict(result.not_assessed),
        "failed": dict(result.failed),
        "rule_stats": [dataclasses.asdict(x) for x in result.stats],
        "empty_reason": result.empty_reason(),
        "rows": rows,
    }
