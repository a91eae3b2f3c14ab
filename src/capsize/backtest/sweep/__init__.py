"""Sweep engine: a whole parameter grid in one pass, results as a tidy frame.

:func:`ma_sweep` runs moving-average rotations (fast x slow x lag x hold x cost) on the
small/large relative-strength ratio or on one price; :func:`signal_sweep` runs a rotation
on any signal (threshold x lag x hold x cost); :func:`sleeve_sweep` runs fixed
small-cap sleeves (weight x band x calendar x cost). Each row equals the single run of
:func:`capsize.backtest.rotation` / :func:`capsize.backtest.sleeve` with the same
parameters, summarised by :func:`capsize.backtest.stats`.

The kernels are numba loops (:mod:`._loops`), compiled at install time into an extension
module that loads without numba (``"aot"``), else compiled by numba's JIT on first use
and cached on disk, else a numpy fallback when numba is missing or ``CAPSIZE_NO_NUMBA=1``
(a :class:`~capsize.errors.PerformanceWarning` says so); see :mod:`._backend`. Without
the AOT module, rotations that trade to the signal's side at every close (``hold == 1``:
moving-average pairs, threshold grids) run on a vectorized numpy path (:mod:`._block`)
that needs no numba import, its rows equal to the kernel's bit for bit;
``CAPSIZE_NO_VECTORIZE=1`` sends every configuration to the kernels. Statistics are streamed per configuration, so memory
does not grow with configurations x periods: 10,000+ configurations over decades of
sessions fit in a few megabytes.
"""

from __future__ import annotations

from capsize.backtest.sweep._acc import ACC_FIELDS
from capsize.backtest.sweep._backend import using_numba
from capsize.backtest.sweep._ma import ma_signal, ma_sweep, relative_strength
from capsize.backtest.sweep._signal import signal_sweep
from capsize.backtest.sweep._sleeve import sleeve_sweep

__all__ = [
    "ACC_FIELDS",
    "ma_signal",
    "ma_sweep",
    "relative_strength",
    "signal_sweep",
    "sleeve_sweep",
    "using_numba",
]
