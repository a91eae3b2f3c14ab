"""Valuation: market cap and price-based ratios from fundamentals and a price.

Re-exported by :mod:`capsize.stocks.fundamentals`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd

from capsize.errors import InputError
from capsize.stocks.fundamentals.model import Figure, Fundamentals, Valuation, missing_figure

if TYPE_CHECKING:
    from capsize._typing import DateLike


__all__ = [
    "valuation",
]


def _ratio(
    name: str, num: float, den: float, formula: str, *, positive_den: bool, why: str
) -> Figure:
    if not (math.isfinite(num) and math.isfinite(den)):
        return missing_figure(name, "ratio", f"{formula}: input missing")
    if den == 0 or (positive_den and den < 0):
        return Figure(name, float("nan"), "ratio", formula, note=why)
    return Figure(name, num / den, "ratio", formula)


def _share_count(fund: Fundamentals, shares: float | None, label: str) -> tuple[float, str]:
    """Return the share count and its label: XBRL's, or the override when XBRL has none."""
    sh = fund.get("shares")
    if sh.missing and shares is not None and math.isfinite(shares):
        return float(shares), label or "caller-supplied share count"
    return sh.value, "XBRL shares x price"


def _market_cap(
    fund: Fundamentals, price: float, pdate: pd.Timestamp | None, n_sh: float, src: str
) -> Figure:
    """``shares x price`` (never a provider's market-cap field), or a missing figure."""
    if not math.isfinite(price) or price <= 0:
        return missing_figure("market_cap", "USD", "no valid price")
    if not math.isfinite(n_sh):
        return missing_figure("market_cap", "USD", "no share count in the filings")
    sh = fund.get("shares")
    return Figure(
        "market_cap",
        n_sh * price,
        "USD",
        f"shares x price ({src})",
        sh.concept,
        None,
        pdate,
        sh.filed,
        sh.accessions,
    )


def _price_ratios(fund: Fundamentals, mcap: float) -> dict[str, Figure]:
    """Enterprise value and the ratios built on market cap and the TTM flows."""
    cash, debt = fund.get("cash").value, fund.get("debt").value
    ev = mcap + debt - cash if math.isfinite(cash) else float("nan")
    ni = fund.get("net_income_ttm").value
    rev = fund.get("revenue_ttm").value
    oi, da = fund.get("operating_income_ttm").value, fund.get("d_and_a_ttm").value
    ebitda = oi + da if math.isfinite(da) else float("nan")
    figs = {
        "enterprise_value": (
            Figure("enterprise_value", ev, "USD", "market_cap + debt - cash")
            if math.isfinite(ev)
            else missing_figure("enterprise_value", "USD", "market cap, debt or cash missing")
        ),
        "pe": _ratio(
            "pe",
            mcap,
            ni,
            "market_cap / net_income_ttm",
            positive_den=True,
            why="loss-maker: P/E not meaningful",
        ),
        "ps": _ratio(
            "ps", mcap, rev, "market_cap / revenue_ttm", positive_den=True, why="no revenue"
        ),
        "ev_sales": _ratio(
            "ev_sales", ev, rev, "EV / revenue_ttm", positive_den=True, why="no revenue"
        ),
        "net_debt_ebitda": _ratio(
            "net_debt_ebitda",
            debt - cash,
            ebitda,
            "(debt - cash) / (operating_income + d_and_a)",
            positive_den=True,
            why="EBITDA not positive",
        ),
        "interest_coverage": _ratio(
            "interest_coverage",
            oi,
            fund.get("interest_expense_ttm").value,
            "operating_income_ttm / interest_expense_ttm",
            positive_den=True,
            why="no interest expense",
        ),
    }
    return figs


def _share_growth(fund: Fundamentals) -> Figure:
    """Return shares over shares a year earlier minus one (a fall over 50 % reads as a split)."""
    sh, prior = fund.get("shares"), fund.get("shares_prior")
    if sh.missing or prior.missing:
        return missing_figure("share_growth", "fraction", "share counts a year apart not available")
    g = sh.value / prior.value - 1.0
    split = g < -0.5
    return Figure(
        "share_growth",
        float("nan") if split else g,
        "fraction",
        "shares / shares_prior - 1",
        sh.concept,
        prior.end,
        sh.end,
        sh.filed,
        (*prior.accessions, *sh.accessions),
        note=(
            f"share count fell {g:.0%}: consistent with a reverse split; "
            "dilution not assessed across it"
            if split
            else ""
        ),
    )


def valuation(
    fund: Fundamentals,
    price: float,
    price_date: DateLike | None,
    *,
    shares: float | None = None,
    shares_label: str = "",
) -> Valuation:
    """Market cap and valuation ratios from fundamentals and a price.

    Parameters
    ----------
    fund : Fundamentals
    price : float
        USD per share (raw, not dividend-adjusted, ideally).
    price_date : date-like or None
        Date of ``price`` (evidence date of every price-based figure).
    shares : float, optional
        Override share count (only when XBRL has none); ``shares_label`` must
        say where it came from.
    shares_label : str
        Label of the override (e.g. ``"holdings-implied estimate"``).

    Returns
    -------
    Valuation
        ``market_cap = shares x price`` (never a provider's market-cap field);
        ``pe = market_cap / net income TTM`` (NaN for loss-makers);
        ``ps = market_cap / revenue TTM``; ``ev_sales = (market_cap + debt -
        cash) / revenue TTM``; ``net_debt_ebitda = (debt - cash) / (operating
        income + D&A, TTM)``; ``interest_coverage = operating income TTM /
        interest expense TTM``; ``share_growth = shares / shares a year earlier - 1``.
    """
    if not isinstance(fund, Fundamentals):
        raise InputError("fund must be a Fundamentals from compute_fundamentals()")
    p = float(price) if price is not None else float("nan")
    pdate = pd.Timestamp(price_date) if price_date is not None else None
    n_sh, src = _share_count(fund, shares, shares_label)
    mcap = _market_cap(fund, p, pdate, n_sh, src)
    figs: dict[str, Figure] = {"market_cap": mcap}
    figs.update(_price_ratios(fund, mcap.value))
    figs["share_growth"] = _share_growth(fund)
    ni = fund.get("net_income_ttm").value
    prof: bool | None = None if not math.isfinite(ni) else ni > 0
    return Valuation(fund.ticker, p, pdate, figs, prof, src)
