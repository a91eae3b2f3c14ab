"""Choice of the sweep kernels: numba when available, else the numpy fallback."""

from __future__ import annotations

import functools
import os
import warnings
from types import SimpleNamespace

from capsize.errors import PerformanceWarning

__all__ = ["kernels", "using_numba", "vectorize_enabled"]


@functools.cache
def _load(disabled: bool) -> SimpleNamespace:
    if not disabled:
        try:
            from capsize.backtest.sweep import _loops
        except ImportError:
            reason = "numba is not installed (pip install numba)"
        else:
            return SimpleNamespace(
                numba=True, ma_rotation=_loops.ma_rotation, sleeve_grid=_loops.sleeve_grid
            )
    else:
        reason = "CAPSIZE_NO_NUMBA=1 is set"
    warnings.warn(
        f"capsize sweep engine: {reason}; using slower numpy kernels",
        PerformanceWarning,
        stacklevel=4,
    )
    from capsize.backtest.sweep import _vector

    return SimpleNamespace(
        numba=False, ma_rotation=_vector.ma_rotation, sleeve_grid=_vector.sleeve_grid
    )


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes"}


def vectorize_enabled() -> bool:
    """Return False when ``CAPSIZE_NO_VECTORIZE=1``: every configuration then runs on the kernels.

    The vectorized path (:mod:`capsize.backtest.sweep._block`) gives the kernels' results
    to the last bit; the switch exists to compare the two (tests, benchmarks).
    """
    return not _flag("CAPSIZE_NO_VECTORIZE")


def kernels() -> SimpleNamespace:
    """Return the active sweep kernels (numba, or numpy when unavailable or disabled).

    ``CAPSIZE_NO_NUMBA=1`` selects the numpy kernels; the first call in that mode (or
    without numba) issues a :class:`~capsize.errors.PerformanceWarning`.
    """
    return _load(_flag("CAPSIZE_NO_NUMBA"))


def using_numba() -> bool:
    """Return True when the sweep engine runs the numba kernels."""
    return bool(kernels().numba)
