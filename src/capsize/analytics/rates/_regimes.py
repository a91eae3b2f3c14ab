"""What small-minus-large did after months when yields rose, fell or stayed flat."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from capsize.analytics.rates._inputs import spread_and_yield_changes
from capsize.errors import InputError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["DEFAULT_HORIZONS", "rate_regime_table"]

DEFAULT_HORIZONS: tuple[int, ...] = (1, 3, 6, 12)
"""Forward horizons (months) of the regime table."""


def rate_regime_table(
    small: pd.Series,
    large: pd.Series,
    yields: pd.DataFrame,
    *,
    threshold_bp: float = 10.0,
    horizons: Sequence[int] = DEFAULT_HORIZONS,
    changes: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Tabulate what small-minus-large did after yields rose, fell or stayed flat.

    Each month is classified by the change of each yield over that month:
    ``rising`` if the change is at least ``+threshold_bp``, ``falling`` if at
    most ``-threshold_bp``, ``flat`` otherwise. For each class the table gives
    the average and the hit rate (share of months with a positive value) of
    the small-minus-large return over the *next* h months.

    Parameters
    ----------
    small, large : Series of shape (n_days,)
        Closing prices.
    yields : DataFrame of shape (n_days, n_series), percent
        Yield levels (month-end values are used).
    threshold_bp : float
        Classification threshold, basis points (default 10).
    horizons : sequence of int
        Forward horizons in months (default 1, 3, 6, 12).
    changes : DataFrame, optional
        :func:`spread_and_yield_changes` of these inputs at monthly frequency, computed
        once and reused (the prices and yields are then not read again).

    Returns
    -------
    DataFrame
        MultiIndex ``(series, regime)``; columns ``months`` (number of months
        classified), then for each h: ``mean_<h>m`` (fraction), ``hit_<h>m``
        (fraction of months with small ahead) and ``n_<h>m`` (months with a
        complete forward window). ``attrs`` holds ``start``, ``end``,
        ``threshold_bp`` and ``formula``.

    Notes
    -----
    The forward value is ``prod(1 + r_small) - prod(1 + r_large)`` over months
    ``t+1 .. t+h``; months whose window runs past the data are left out
    (never padded). Windows overlap for h > 1, so consecutive months are not
    independent observations. A last month the data end inside (before its last
    business day) is left out: it is neither classified nor used as a forward month
    (``attrs["partial_month_left_out"]`` names its last date), so every month used is
    complete and ``attrs["end"]`` is never after the data.
    """
    if threshold_bp < 0:
        raise InputError(f"threshold_bp={threshold_bp} must be >= 0")
    hs = [int(h) for h in horizons]
    if not hs or min(hs) < 1:
        raise InputError(f"horizons={list(horizons)} must be positive whole months")
    data = (
        changes
        if changes is not None
        else spread_and_yield_changes(small, large, yields, frequency="M")
    )
    partial = data.index[-1] if data.attrs.get("partial_last") else None
    if partial is not None:
        data = data.iloc[:-1]  # an incomplete month is neither classified nor a forward month
    if data.empty:
        raise InputError("no complete month of prices and yields to classify")
    fwd = _forward_spreads(data, hs)
    rows: list[dict[str, object]] = []
    index: list[tuple[str, str]] = []
    thr = threshold_bp / 100.0
    for col in [c for c in data.columns if c.startswith("d_")]:
        change = data[col].to_numpy()
        regime = np.where(change >= thr, "rising", np.where(change <= -thr, "falling", "flat"))
        for name in ("rising", "flat", "falling"):
            rows.append(_regime_row(regime == name, fwd, hs))
            index.append((col[2:], name))
    out = pd.DataFrame(rows, index=pd.MultiIndex.from_tuples(index, names=["series", "regime"]))
    out.attrs.update(
        start=pd.Timestamp(data.index[0]),
        end=pd.Timestamp(data.index[-1]),
        partial_month_left_out=None if partial is None else pd.Timestamp(partial),
        threshold_bp=float(threshold_bp),
        formula=(
            "forward small-minus-large = prod(1+r_small) - prod(1+r_large) over months t+1..t+h"
        ),
    )
    return out


def _forward_spreads(data: pd.DataFrame, horizons: list[int]) -> dict[int, np.ndarray]:
    """Small-minus-large compounded over months t+1..t+h, per month t (NaN past the data)."""
    gs = np.log1p(data["small"]).to_numpy()
    gl = np.log1p(data["large"]).to_numpy()
    n = len(data)
    fwd: dict[int, np.ndarray] = {}
    for h in horizons:
        vals = np.full(n, np.nan)
        for i in range(n - h):
            vals[i] = np.expm1(gs[i + 1 : i + 1 + h].sum()) - np.expm1(gl[i + 1 : i + 1 + h].sum())
        fwd[h] = vals
    return fwd


def _regime_row(
    mask: np.ndarray, fwd: dict[int, np.ndarray], horizons: list[int]
) -> dict[str, object]:
    """Months in the regime, and per horizon the mean, hit rate and count of forward values."""
    row: dict[str, object] = {"months": int(mask.sum())}
    for h in horizons:
        v = fwd[h][mask]
        v = v[~np.isnan(v)]
        row[f"mean_{h}m"] = float(v.mean()) if v.size else float("nan")
        row[f"hit_{h}m"] = float((v > 0).mean()) if v.size else float("nan")
        row[f"n_{h}m"] = int(v.size)
    return row
