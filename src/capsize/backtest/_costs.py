"""Trading costs: commission, slippage and a half-spread by liquidity tier, in basis points.

A trade of a fraction ``|Δw|`` of the portfolio in one leg costs ``|Δw| x rate`` of the
portfolio's value, where the leg's one-way rate is::

    rate = (cost_bps + slippage_bps + spread_bps / 2) / 10_000

``spread_bps`` is the full quoted bid-ask spread: a one-way trade crosses half of it. The
cost is taken from the portfolio at the close where the trade happens, so a period's net
return is ``(1 + gross) x (1 - cost) - 1``.

:data:`DEFAULT_SPREAD_BPS` maps the tiers of :mod:`capsize.rules.liquidity` to a typical
quoted spread; they are stated assumptions, not measurements, and a parameter everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping

from capsize.backtest._inputs import check_nonnegative
from capsize.errors import InputError
from capsize.rules.liquidity import TIER_NAMES

__all__ = ["DEFAULT_SPREAD_BPS", "leg_rate", "spread_for_tier"]

DEFAULT_SPREAD_BPS: Mapping[str, float] = {
    "high": 1.0,
    "medium": 5.0,
    "low": 20.0,
    "thin": 60.0,
    "illiquid": 200.0,
}
"""Assumed full bid-ask spread (bps) per liquidity tier of :mod:`capsize.rules.liquidity`."""


def spread_for_tier(tier: str, table: Mapping[str, float] | None = None) -> float:
    """Return the full bid-ask spread (bps) of a liquidity tier.

    Parameters
    ----------
    tier : str
        One of :data:`capsize.rules.liquidity.TIER_NAMES`.
    table : mapping of str to float, optional
        Spread (bps) per tier; default :data:`DEFAULT_SPREAD_BPS`.

    Returns
    -------
    float
        Spread in basis points.

    Examples
    --------
    >>> spread_for_tier("medium")
    5.0
    """
    tbl = DEFAULT_SPREAD_BPS if table is None else table
    if tier not in TIER_NAMES or tier not in tbl:
        raise InputError(
            f"tier={tier!r} is not one of {list(TIER_NAMES)} (or missing from the table)"
        )
    return check_nonnegative(tbl[tier], f"spread for tier {tier!r}")


def leg_rate(cost_bps: float, slippage_bps: float, spread_bps: float) -> float:
    """Return the one-way cost rate of a leg as a fraction of the value traded.

    Parameters
    ----------
    cost_bps, slippage_bps : float
        Commission and slippage per trade, bps of the value traded.
    spread_bps : float
        Full quoted spread, bps; a one-way trade pays half.

    Returns
    -------
    float
        ``(cost_bps + slippage_bps + spread_bps / 2) / 10_000``.

    Examples
    --------
    >>> leg_rate(5.0, 2.0, 2.0)
    0.0008
    """
    total = (
        check_nonnegative(cost_bps, "cost_bps")
        + check_nonnegative(slippage_bps, "slippage_bps")
        + check_nonnegative(spread_bps, "spread_bps") / 2.0
    )
    return total / 10_000.0


def spread_of(spread_bps: float | Mapping[str, float], leg: str) -> float:
    """Return the spread (bps) of ``leg`` from a number (all legs) or a per-leg mapping."""
    if isinstance(spread_bps, Mapping):
        if leg not in spread_bps:
            raise InputError(f"spread_bps has no entry for leg {leg!r}; give one per column")
        return float(spread_bps[leg])
    return float(spread_bps)
