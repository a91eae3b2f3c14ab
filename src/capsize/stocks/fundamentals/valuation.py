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
    sh = fund.get("shares")
    if sh.missing and shares is not None and math.isfinite(shares):
        n_sh, src = float(shares), shares_label or "caller-supplied share count"
    else:
        n_sh, src = sh.value, "XBRL shares x price"
    figs: dict[str, Figure] = {}
    if not math.isfinite(p) or p <= 0:
        mcap = missing_figure("market_cap", "USD", "no valid price")
    elif not math.isfinite(n_sh):
        mcap = missing_figure("market_cap", "USD", "no share count in the filings")
    else:
        mcap = Figure(
            "market_cap",
            n_sh * p,
            "USD",
            f"shares x price ({src})",
            sh.concept,
            None,
            pdate,
            sh.filed,
            sh.accessions,
        )
    figs["market_cap"] = mcap
    m = mcap.value
    cash, debt = fund.get("cash").value, fund.get("debt").value
    debt0 = debt if math.isfinite(debt) else float("nan")
    ev = m + debt0 - cash if math.isfinite(cash) else float("nan")
    figs["enterprise_value"] = (
        Figure("enterprise_value", ev, "USD", "market_cap + debt - cash")
        if math.isfinite(ev)
        else missing_figure("enterprise_value", "USD", "market cap, debt or cash missing")
    )
    ni = fund.get("net_income_ttm").value
    rev = fund.get("revenue_ttm").value
    figs["pe"] = _ratio(
        "pe",
        m,
        ni,
        "market_cap / net_income_ttm",
        positive_den=True,
        why="loss-maker: P/E not meaningful",
    )
    figs["ps"] = _ratio(
        "ps", m, rev, "market_cap / revenue_ttm", positive_den=True, why="no revenue"
    )
    figs["ev_sales"] = _ratio(
        "ev_sales", ev, rev, "EV / revenue_ttm", positive_den=True, why="no revenue"
    )
    oi, da = fund.get("operating_income_ttm").value, fund.get("d_and_a_ttm").value
    ebitda = oi + da if math.isfinite(da) else float("nan")
    net_debt = debt0 - cash
    figs["net_debt_ebitda"] = _ratio(
        "net_debt_ebitda",
        net_debt,
        ebitda,
        "(debt - cash) / (operating_income + d_and_a)",
        positive_den=True,
        why="EBITDA not positive",
    )
    figs["interest_coverage"] = _ratio(
        "interest_coverage",
        oi,
        fund.get("interest_expense_ttm").value,
        "operating_income_ttm / interest_expense_ttm",
        positive_den=True,
        why="no interest expense",
    )
    prior = fund.get("shares_prior")
    if sh.missing or prior.missing:
        figs["share_growth"] = missing_figure(
            "share_growth", "fraction", "share counts a year apart not available"
        )
    else:
        g = sh.value / prior.value - 1.0
        if g < -0.5:
            figs["share_growth"] = Figure(
                "share_growth",
                float("nan"),
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
                ),
            )
        else:
            figs["share_growth"] = Figure(
                "share_growth",
                g,
                "fraction",
                "shares / shares_prior - 1",
                sh.concept,
                prior.end,
                sh.end,
                sh.filed,
                (*prior.accessions, *sh.accessions),
            )
    prof: bool | None = None if not math.isfinite(ni) else ni > 0
    return Valuation(fund.ticker, p, pdate, figs, prof, src)
