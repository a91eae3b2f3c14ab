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
from capsize.backtest.sweep._backend import kernels, vectorize_enabled
from capsize.backtest.sweep._block import rotation_blocks, vectorizable
from capsize.backtest.sweep._window import as_list, column, stats_window
from capsize.errors import InputError

if TYPE_CHECKING:
    from capsize._typing import DateLike, FloatArray

__all__ = [
    "RotationConfigs",
    "RotationLegs",
    "grid_axes",
    "rotation_grid",
    "rotation_sweep",
    "with_params",
]


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


def rotation_sweep(
    r: pd.DataFrame,
    rows: FloatArray,
    signals: FloatArray,
    labels: pd.DataFrame,
    *,
    lag: int | Sequence[int],
    hold: int | Sequence[int],
    cost_bps: float | Sequence[float],
    below: str,
    cash: pd.Series | None,
    slippage_bps: float,
    spread_bps: float | Mapping[str, float],
    rf: float | pd.Series | None,
    start: DateLike | None,
    end: DateLike | None,
    periods_per_year: float | None,
) -> pd.DataFrame:
    """Run every ``signal x lag x hold x cost`` rotation and return parameters and statistics.

    The set-up shared by :func:`~capsize.backtest.ma_sweep` and
    :func:`~capsize.backtest.signal_sweep`.

    Parameters
    ----------
    r : DataFrame of shape (n_periods, 2)
        Checked returns, small-cap leg first.
    rows : ndarray of shape (n_rows, n_periods)
        Signal rows: moving averages, or one raw signal.
    signals : ndarray of shape (n_signals, 3)
        ``(row, divisor row or -1, threshold)`` of each signal of the grid.
    labels : DataFrame with n_signals rows
        The parameter columns naming each signal (``fast, slow`` or ``threshold``).
    lag, hold, cost_bps, below, cash, slippage_bps, spread_bps, rf, start, end, periods_per_year
        As in :func:`~capsize.backtest.ma_sweep`.

    Returns
    -------
    DataFrame
        ``labels`` columns, ``lag, hold, cost_bps``, then the statistics; rows in the
        order of ``itertools.product(signals, lags, holds, costs)``.
    """
    lags, holds, costs = grid_axes(lag, hold, cost_bps)
    legs = RotationLegs.of(r, below, cash, slippage_bps, spread_bps)
    shape = (len(signals), len(lags), len(holds), len(costs))
    i_sig, i_lag, i_hold, i_cost = np.indices(shape).reshape(4, -1)
    rates = np.array([legs.switch_rate(c) for c in costs])
    grid = RotationConfigs(
        fast=signals[i_sig, 0].astype(np.int64),
        slow=signals[i_sig, 1].astype(np.int64),
        threshold=signals[i_sig, 2].astype(np.float64),
        lag=np.array(lags, dtype=np.int64)[i_lag],
        hold=np.array(holds, dtype=np.int64)[i_hold],
        rate=rates[i_cost],
    )
    res = rotation_grid(
        rows, grid, legs, rf=rf, start=start, end=end, periods_per_year=periods_per_year
    )
    params = labels.iloc[i_sig].reset_index(drop=True)
    params["lag"] = grid.lag
    params["hold"] = grid.hold
    params["cost_bps"] = np.array(costs)[i_cost]
    return with_params(params, res)


@dataclass(frozen=True, eq=False)
class RotationConfigs:
    """One entry per configuration: signal rows, threshold, lag, hold and switch cost."""

    fast: np.ndarray
    slow: np.ndarray
    threshold: FloatArray
    lag: np.ndarray
    hold: np.ndarray
    rate: FloatArray

    def take(self, idx: np.ndarray) -> RotationConfigs:
        """Return the configurations at positions ``idx``."""
        return RotationConfigs(
            *(np.ascontiguousarray(getattr(self, f)[idx]) for f in self.__dataclass_fields__)
        )


def rotation_grid(
    rows: FloatArray,
    grid: RotationConfigs,
    legs: RotationLegs,
    *,
    rf: float | pd.Series | None,
    start: DateLike | None,
    end: DateLike | None,
    periods_per_year: float | None,
) -> pd.DataFrame:
    """Run the rotation grid and return one row of statistics per configuration.

    Configurations that trade to the signal's side at every close (``hold == 1``, see
    :func:`~capsize.backtest.sweep._block.vectorizable`) run on the vectorized numpy
    path when the AOT kernels are not loaded (see :mod:`~capsize.backtest.sweep._backend`);
    the others on the kernels (AOT, numba JIT, or the numpy loop). ``attrs["backend"]``
    names what ran: ``"aot"``, ``"vectorized"``, ``"numba"``, ``"numpy"`` or
    ``"vectorized+numba"`` (``"vectorized+numpy"``).
    """
    t0, t1, days = stats_window(legs.index, start, end)
    n = len(grid.fast)
    out = np.empty((n, len(ACC_FIELDS)))
    rf_arr = np.ascontiguousarray(rf_returns(rf, legs.index))  # the kernels' layout
    fast_path = (
        vectorizable(rows, grid.fast, grid.slow, grid.hold)
        if vectorize_enabled()
        else np.zeros(n, dtype=np.bool_)
    )
    used = []
    if fast_path.any():
        used.append("vectorized")
        rotation_blocks(
            rows, grid.fast, grid.slow, grid.lag, grid.rate, grid.threshold, legs.to_unit,
            legs.r_small, legs.r_other, rf_arr, days, t0, t1, out, np.flatnonzero(fast_path),
        )  # fmt: skip
    rest = np.flatnonzero(~fast_path)
    if rest.size:
        k = kernels()
        used.append(k.name)
        g = grid.take(rest)
        part = np.empty((rest.size, len(ACC_FIELDS)))
        k.ma_rotation(
            rows, g.fast, g.slow, g.lag, g.hold, g.rate, g.threshold,
            legs.to_unit, legs.r_small, legs.r_other, rf_arr, days, t0, t1, part,
        )  # fmt: skip
        out[rest] = part
    ppy = (
        infer_periods_per_year(legs.index) if periods_per_year is None else float(periods_per_year)
    )
    res = summarize(out, ppy)
    res.attrs.update(n_configs=n, backend="+".join(used))
    return res


def with_params(params: pd.DataFrame, stats: pd.DataFrame) -> pd.DataFrame:
    """Join parameter columns and statistics, keeping the statistics' ``attrs``."""
    res = pd.concat([params, stats], axis=1)
    res.attrs.update(stats.attrs)
    return res
