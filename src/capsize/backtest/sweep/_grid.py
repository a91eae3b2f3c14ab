"""Shared machinery of the rotation sweeps: legs, costs, grid axes, the kernel call."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from capsize.backtest._costs import leg_rate, spread_of
from capsize.backtest._inputs import cash_returns, check_lag, infer_periods_per_year
from capsize.backtest._stats import rf_returns
from capsize.backtest.sweep._acc import ACC_FIELDS, summarize
from capsize.backtest.sweep._backend import kernels
from capsize.backtest.sweep._window import as_list, column, stats_window
from capsize.errors import InputError

if TYPE_CHECKING:
    from capsize._typing import DateLike, FloatArray

__all__ = ["RotationLegs", "grid_axes", "rotation_grid", "with_params"]


def grid_axes(
    lag: int | Sequence[int], hold: int | Sequence[int], cost_bps: float | Sequence[float]
) -> tuple[list[int], list[int], list[float]]:
    """Return the checked lag, hold and commission axes of a rotation grid."""
    lags = [check_lag(int(v)) for v in as_list(lag, "lag")]  # type: ignore[call-overload]
    holds = [check_lag(int(v), "hold") for v in as_list(hold, "hold")]  # type: ignore[call-overload]
    costs = [float(v) for v in as_list(cost_bps, "cost_bps")]  # type: ignore[arg-type]
    return lags, holds, costs


@dataclass(frozen=True, eq=False)
class RotationLegs:
    """The two legs of a rotation as the kernels take them, with their cost inputs."""

    index: pd.DatetimeIndex
    r_small: FloatArray
    r_other: FloatArray
    to_unit: float
    slippage_bps: float
    spread_small: float
    spread_other: float
    two_legs: bool

    @classmethod
    def of(
        cls,
        r: pd.DataFrame,
        below: str,
        cash: pd.Series | None,
        slippage_bps: float,
        spread_bps: float | Mapping[str, float],
    ) -> RotationLegs:
        """Build the legs from a checked (small, large) frame and ``below``."""
        if below not in ("large", "cash"):
            raise InputError(f"below={below!r} must be 'large' or 'cash'")
        small, large = (str(c) for c in r.columns)
        two = below == "large"
        other = column(r, large) if two else np.ascontiguousarray(cash_returns(cash, r.index))
        return cls(
            index=pd.DatetimeIndex(r.index),
            r_small=column(r, small),
            r_other=other,
            to_unit=2.0 if two else 1.0,
            slippage_bps=slippage_bps,
            spread_small=spread_of(spread_bps, small),
            spread_other=spread_of(spread_bps, large) if two else 0.0,
            two_legs=two,
        )

    def switch_rate(self, cost_bps: float) -> float:
        """Cost of one switch (fraction of the portfolio) at commission ``cost_bps``."""
        rate = leg_rate(cost_bps, self.slippage_bps, self.spread_small)
        if self.two_legs:
            rate += leg_rate(cost_bps, self.slippage_bps, self.spread_other)
        return rate


def rotation_grid(
    rows: FloatArray,
    grid: Sequence[tuple[int, int, float, int, int, float]],
    legs: RotationLegs,
    *,
    rf: float | pd.Series | None,
    start: DateLike | None,
    end: DateLike | None,
    periods_per_year: float | None,
) -> pd.DataFrame:
    """Run the rotation kernel over ``grid`` and return one row of statistics per entry.

    ``grid`` entries are ``(row, divisor_row or -1, threshold, lag, hold, cost_bps)``;
    ``rows`` holds the signal rows (moving averages, or one raw signal).
    """
    t0, t1, days = stats_window(legs.index, start, end)
    out = np.empty((len(grid), len(ACC_FIELDS)))
    k = kernels()
    k.ma_rotation(
        rows,
        np.array([g[0] for g in grid], dtype=np.int64),
        np.array([g[1] for g in grid], dtype=np.int64),
        np.array([g[3] for g in grid], dtype=np.int64),
        np.array([g[4] for g in grid], dtype=np.int64),
        np.array([legs.switch_rate(g[5]) for g in grid]),
        np.array([g[2] for g in grid]),
        legs.to_unit, legs.r_small, legs.r_other,
        rf_returns(rf, legs.index), days, t0, t1, out,
    )  # fmt: skip
    ppy = (
        infer_periods_per_year(legs.index) if periods_per_year is None else float(periods_per_year)
    )
    res = summarize(out, ppy)
    res.attrs.update(n_configs=len(grid), backend="numba" if k.numba else "numpy")
    return res


def with_params(params: pd.DataFrame, stats: pd.DataFrame) -> pd.DataFrame:
    """Join parameter columns and statistics, keeping the statistics' ``attrs``."""
    res = pd.concat([params, stats], axis=1)
    res.attrs.update(stats.attrs)
    return res
