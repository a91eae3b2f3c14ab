"""Screen metrics: size bands, liquidity tiers and per-stock metrics from the evidence.

Re-exported by :mod:`capsize.stocks.screener`, which documents every metric.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from capsize._format import fmt_date, fmt_money, fmt_num, fmt_pct, fmt_ratio
from capsize.errors import InputError
from capsize.stocks.evidence import Evidence
from capsize.stocks.gather import StockEvidence, is_estimated_cap
from capsize.stocks.risk_flags import assess_risk_flags

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping


__all__ = [
    "CAP_BANDS",
    "LIQUIDITY_TIERS",
    "StockMetrics",
    "cap_band",
    "compute_metrics",
    "liquidity_tier",
    "metrics_frame",
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
