"""Panel engine: a dense date x ticker float64 panel and NaN-aware kernels over it.

The universe is loaded once into a :class:`Panel` — ``values`` of shape
``(n_days, n_tickers)``, C-order, NaN where a stock has no bar — and every indicator
(rolling mean/max/min/std, returns, rolling volatility and beta, breadth counts) runs
over that same array. Kernels are numba loops (compiled on first use with
``cache=True``, so a second process loads them from disk instead of recompiling); when
numba is missing or ``CAPSIZE_NO_NUMBA=1`` a vectorized numpy fallback is used and a
:class:`~capsize.errors.PerformanceWarning` is issued once.

No Python loop runs over tickers in a hot path. The module is I/O-free except for the
two explicit helpers :func:`save_panel` / :func:`load_panel`, which cache a dense panel
at a path chosen by the caller (``.npy`` for the values plus a ``.json`` sidecar).

Notes
-----
NaN policy, common to every kernel:

* A window of ``w`` counts **rows** (trading days of the panel's calendar), not
  observations: a missing trading day is a NaN row and still occupies its place.
* A windowed result is NaN when the window holds fewer than ``min_periods``
  non-NaN values (default ``min_periods = window``), exactly like
  ``DataFrame.rolling(window, min_periods=min_periods)``.
* Returns are simple returns ``x[t] / x[t-1] - 1`` between consecutive rows; a NaN on
  either row gives NaN (no bridging across gaps), like ``pct_change(fill_method=None)``.
* Cross-sectional counts and means skip NaN and report how many tickers they cover.
"""

from __future__ import annotations

import functools
import json
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from capsize._atomic import atomic_path, write_text
from capsize.analytics import _kernels as _k
from capsize.errors import InputError, PerformanceWarning, SchemaError

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from capsize._typing import DateLike, FloatArray

__all__ = [
    "NUMBA_MIN_CELLS",
    "Panel",
    "above_average_counter",
    "align_values",
    "as_panel",
    "cross_section_count",
    "cross_section_mean",
    "kernels",
    "load_panel",
    "new_highs_lows",
    "numba_min_cells",
    "pct_above_average",
    "returns",
    "rolling_beta",
    "rolling_max",
    "rolling_mean",
    "rolling_min",
    "rolling_std",
    "rolling_volatility",
    "save_panel",
    "using_numba",
]

_PANEL_FORMAT = 1


@dataclass(frozen=True, eq=False)
class Panel:
    """A dense date x ticker panel of float64 values.

    Attributes
    ----------
    values : ndarray of shape (n_days, n_tickers), float64, C-order
        NaN where a ticker has no value on that trading day.
    dates : DatetimeIndex of length n_days
        Trading days, strictly increasing, tz-naive.
    tickers : Index of length n_tickers
        Unique ticker symbols.
    name : str
        What the values are (``"close"``, ``"volume"``, ...), for provenance.

    Examples
    --------
    >>> import pandas as pd
    >>> long = pd.DataFrame({"date": pd.to_datetime(["2024-01-02", "2024-01-03", "2024-01-02"]),
    ...                      "ticker": ["A", "A", "B"], "close": [1.0, 2.0, 3.0]})
    >>> p = Panel.from_long(long, "date", "ticker", "close")
    >>> p.values.tolist()
    [[1.0, 3.0], [2.0, nan]]
    """

    values: FloatArray
    dates: pd.DatetimeIndex
    tickers: pd.Index
    name: str = "value"

    def __post_init__(self) -> None:
        v = self.values
        if not isinstance(v, np.ndarray) or v.dtype != np.float64 or v.ndim != 2:
            raise InputError("values must be a 2-D float64 ndarray of shape (n_days, n_tickers)")
        if v.shape != (len(self.dates), len(self.tickers)):
            raise InputError(
                f"values has shape {v.shape} but there are {len(self.dates)} dates and "
                f"{len(self.tickers)} tickers"
            )
        if not isinstance(self.dates, pd.DatetimeIndex):
            raise InputError("dates must be a pandas DatetimeIndex")
        if len(self.dates) > 1 and not self.dates.is_monotonic_increasing:
            raise InputError("dates must be increasing")
        if not self.dates.is_unique:
            raise InputError("dates must be unique")
        if not self.tickers.is_unique:
            raise InputError("tickers must be unique")

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_days, n_tickers)``."""
        return (len(self.dates), len(self.tickers))

    @property
    def nbytes(self) -> int:
        """Size of the float64 values, bytes."""
        return int(self.values.nbytes)

    @classmethod
    def from_long(
        cls,
        df: pd.DataFrame,
        date_col: str,
        key_col: str,
        value_col: str,
        calendar: pd.DatetimeIndex | None = None,
        *,
        name: str | None = None,
    ) -> Panel:
        """Scatter a long table ``(date, key, value)`` into a dense panel.

        Parameters
        ----------
        df : DataFrame
            One row per (date, key); NaN values are allowed.
        date_col, key_col, value_col : str
            Column names.
        calendar : DatetimeIndex, optional
            The trading days of the panel. Days of the calendar without a row become
            NaN rows; a row dated outside the calendar raises :class:`InputError`.
            Default: the sorted distinct dates of ``df``.
        name : str, optional
            Name of the panel (default ``value_col``).

        Returns
        -------
        Panel

        Notes
        -----
        Uses ``factorize`` codes and one fancy-index scatter (never ``DataFrame.pivot``);
        tickers are sorted. A duplicated (date, key) pair raises :class:`InputError`.
        """
        for col in (date_col, key_col, value_col):
            if col not in df.columns:
                raise SchemaError(f"column {col!r} is missing; the frame has {list(df.columns)}")
        dates_raw = pd.DatetimeIndex(pd.to_datetime(df[date_col].to_numpy()))
        if dates_raw.tz is not None:
            dates_raw = dates_raw.tz_localize(None)
        key_codes, keys = _key_codes(df[key_col])
        if (key_codes < 0).any():
            raise InputError(f"column {key_col!r} has missing keys")
        if calendar is None:
            d_int = dates_raw.asi8
            if (d_int == np.iinfo(np.int64).min).any():
                raise InputError(f"column {date_col!r} has missing dates")
            d_codes, uniq = pd.factorize(d_int, sort=True)
            unit_dtype = dates_raw.values.dtype  # datetime64 of the column's own unit
            cal = pd.DatetimeIndex(np.asarray(uniq).view(unit_dtype).astype("datetime64[ns]"))
        else:
            cal = _check_calendar(calendar)
            d_codes = cal.get_indexer(dates_raw)
            if (d_codes < 0).any():
                bad = dates_raw[d_codes < 0]
                raise InputError(
                    f"{len(bad)} rows are dated outside the calendar (first {bad[0].date()}); "
                    "pass a calendar that contains them or filter the rows"
                )
        n_d, n_k = len(cal), len(keys)
        flat = d_codes.astype(np.int64) * n_k + key_codes
        seen = np.zeros(n_d * n_k, dtype=np.bool_)
        seen[flat] = True
        if int(np.count_nonzero(seen)) != len(flat):
            raise InputError(
                f"duplicate ({date_col}, {key_col}) rows; aggregate or drop them first"
            )
        del seen
        values = np.full((n_d, n_k), np.nan)
        values.reshape(-1)[flat] = pd.to_numeric(df[value_col], errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan
        )
        return cls(
            values,
            pd.DatetimeIndex(cal, name="date"),
            pd.Index(keys, name="ticker"),
            name or value_col,
        )

    @classmethod
    def from_wide(
        cls,
        frame: pd.DataFrame,
        calendar: pd.DatetimeIndex | None = None,
        *,
        name: str = "value",
    ) -> Panel:
        """Build a panel from a wide frame (DatetimeIndex x ticker columns).

        Parameters
        ----------
        frame : DataFrame of shape (n_days, n_tickers)
            Numeric values; NaN = no bar.
        calendar : DatetimeIndex, optional
            Reindex rows to these trading days (missing days become NaN rows).
        name : str
            Name of the panel.
        """
        if not isinstance(frame.index, pd.DatetimeIndex):
            raise InputError("frame must have a DatetimeIndex of trading days")
        f = frame.sort_index()
        if calendar is not None:
            f = f.reindex(_check_calendar(calendar))
        idx = pd.DatetimeIndex(f.index)
        if idx.tz is not None:
            idx = idx.tz_localize(None)
        values = np.ascontiguousarray(f.to_numpy(dtype=np.float64, na_value=np.nan))
        return cls(
            values,
            pd.DatetimeIndex(idx, name="date"),
            pd.Index(f.columns.astype(str), name="ticker"),
            name,
        )

    def to_frame(self) -> pd.DataFrame:
        """Return the panel as a wide DataFrame (a copy)."""
        return pd.DataFrame(self.values.copy(), index=self.dates, columns=self.tickers)

    def select(self, tickers: Sequence[str]) -> Panel:
        """Return the sub-panel of ``tickers`` (in that order); unknown tickers raise."""
        idx = self.tickers.get_indexer(pd.Index(tickers))
        if (idx < 0).any():
            missing = [t for t, i in zip(tickers, idx, strict=True) if i < 0]
            raise InputError(f"tickers not in the panel: {missing[:10]}")
        return Panel(
            np.ascontiguousarray(self.values[:, idx]), self.dates, self.tickers[idx], self.name
        )

    def until(self, as_of: DateLike | None) -> Panel:
        """Return the rows dated on or before ``as_of`` (all rows when None)."""
        if as_of is None:
            return self
        n = int(self.dates.searchsorted(pd.Timestamp(as_of), side="right"))
        return Panel(self.values[:n], self.dates[:n], self.tickers, self.name)

    def like(self, values: FloatArray, name: str) -> Panel:
        """Return a panel with the same dates and tickers and new ``values``."""
        return Panel(values, self.dates, self.tickers, name)


def _key_codes(col: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes of a key column and its sorted distinct keys.

    A categorical column reuses its codes (no string hashing): the categories are
    sorted and the codes remapped with one take.
    """
    if isinstance(col.dtype, pd.CategoricalDtype):
        cats = pd.Index(col.cat.categories)
        codes = np.asarray(col.cat.codes.to_numpy(), dtype=np.int64)
        order = cats.argsort()
        rank = np.empty(len(cats), dtype=np.int64)
        rank[order] = np.arange(len(cats))
        used = np.zeros(len(cats), dtype=np.bool_)
        used[codes[codes >= 0]] = True
        if not used.all():  # drop unused categories, keep the sorted order
            keep = np.flatnonzero(used[order])
            remap = np.full(len(cats), -1, dtype=np.int64)
            remap[order[keep]] = np.arange(len(keep))
            out = np.where(codes >= 0, remap[np.maximum(codes, 0)], -1)
            return out, pd.Index(cats[order[keep]])
        out = np.where(codes >= 0, rank[np.maximum(codes, 0)], -1)
        return out, pd.Index(cats[order])
    codes, uniq = pd.factorize(col.to_numpy(), sort=True)
    return np.asarray(codes, dtype=np.int64), pd.Index(uniq)


def _check_calendar(calendar: pd.DatetimeIndex) -> pd.DatetimeIndex:
    cal = pd.DatetimeIndex(calendar)
    if cal.tz is not None:
        cal = cal.tz_localize(None)
    if not cal.is_unique or not cal.is_monotonic_increasing:
        raise InputError("calendar must be strictly increasing trading days")
    return cal


# --------------------------------------------------------------------------- disk cache


def save_panel(panel: Panel, path: str | os.PathLike[str]) -> Path:
    """Write ``panel`` to ``path`` (``<path>.npy`` + ``<path>.json``); return the npy path.

    This and :func:`load_panel` are the engine's only I/O; the caller picks the folder
    (for example the store's). The write goes to temporary files renamed into place, so
    a concurrent reader never sees half a panel.
    """
    base = Path(path)
    if base.suffix in {".npy", ".json"}:
        base = base.with_suffix("")
    base.parent.mkdir(parents=True, exist_ok=True)
    npy, meta = base.with_suffix(".npy"), base.with_suffix(".json")
    with atomic_path(npy) as part, part.open("wb") as fh:
        np.save(fh, np.ascontiguousarray(panel.values), allow_pickle=False)
    payload = {
        "format": _PANEL_FORMAT,
        "name": panel.name,
        "dates": [d.strftime("%Y-%m-%d") for d in panel.dates],
        "tickers": [str(t) for t in panel.tickers],
    }
    write_text(meta, json.dumps(payload))
    return npy


def as_panel(data: Panel | pd.DataFrame, name: str) -> Panel:
    """Return ``data`` as a :class:`Panel` (a wide date x ticker frame is converted).

    Raises
    ------
    InputError
        If ``data`` is neither; the message names the argument ``name``.
    """
    if isinstance(data, Panel):
        return data
    if isinstance(data, pd.DataFrame):
        return Panel.from_wide(data, name=name)
    raise InputError(f"{name} must be a Panel or a wide DataFrame (date x ticker)")


def align_values(panel: Panel, dates: pd.DatetimeIndex, tickers: pd.Index) -> FloatArray:
    """Return ``panel`` values on ``dates`` x ``tickers`` (NaN where absent).

    Returns
    -------
    ndarray of shape (len(dates), len(tickers)), float64
    """
    ri = panel.dates.get_indexer(dates)
    ci = panel.tickers.get_indexer(tickers)
    out = np.full((len(dates), len(tickers)), np.nan)
    rr, cc = np.flatnonzero(ri >= 0), np.flatnonzero(ci >= 0)
    if len(rr) and len(cc):
        out[np.ix_(rr, cc)] = panel.values[np.ix_(ri[rr], ci[cc])]
    return out


def load_panel(path: str | os.PathLike[str], *, mmap: bool = False) -> Panel:
    """Read a panel written by :func:`save_panel`.

    Parameters
    ----------
    path : path-like
        The base path given to :func:`save_panel` (with or without ``.npy``).
    mmap : bool
        Memory-map the values read-only instead of reading them into memory.

    Raises
    ------
    DataNotFound
        When the files do not exist.
    SchemaError
        When they do not form a valid panel.
    """
    from capsize.errors import DataNotFound

    base = Path(path)
    if base.suffix in {".npy", ".json"}:
        base = base.with_suffix("")
    npy, meta = base.with_suffix(".npy"), base.with_suffix(".json")
    if not npy.is_file() or not meta.is_file():
        raise DataNotFound(f"no cached panel at {str(base)!r}; build it with save_panel")
    try:
        info = json.loads(meta.read_text())
        values = np.load(npy, mmap_mode="r" if mmap else None, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise SchemaError(f"cached panel {str(base)!r} is unreadable ({exc}); delete it") from exc
    if info.get("format") != _PANEL_FORMAT:
        raise SchemaError(f"cached panel {str(base)!r} has an old format; delete it")
    return Panel(
        values,
        pd.DatetimeIndex(pd.to_datetime(info["dates"]), name="date"),
        pd.Index(info["tickers"], name="ticker"),
        str(info["name"]),
    )


# --------------------------------------------------------------------------- kernels


def using_numba() -> bool:
    """Return True when the numba kernels are in use (numba importable, not disabled)."""
    return bool(kernels().numba)


@functools.cache
def _compiled(disabled: bool) -> SimpleNamespace:
    if not disabled:
        try:
            import numba
        except ImportError:
            numba_ok = False
        else:
            numba_ok = True
        if numba_ok:
            jit = numba.njit(cache=True, nogil=True, error_model="numpy")
            ns = {name: jit(getattr(_k, name)) for name in _k.KERNEL_NAMES}
            return SimpleNamespace(numba=True, **ns)
        reason = "numba is not installed (pip install numba)"
    else:
        reason = "CAPSIZE_NO_NUMBA=1 is set"
    warnings.warn(
        f"capsize panel engine: {reason}; using slower numpy kernels",
        PerformanceWarning,
        stacklevel=4,
    )
    ns = {name: getattr(_k, "np_" + name) for name in _k.KERNEL_NAMES}
    return SimpleNamespace(numba=False, **ns)


def kernels() -> SimpleNamespace:
    """Return the active kernel set (numba, or numpy when numba is unavailable/disabled)."""
    disabled = os.environ.get("CAPSIZE_NO_NUMBA", "").strip().lower() in {"1", "true", "yes"}
    return _compiled(disabled)


def _arr(panel: Panel | FloatArray, name: str = "panel") -> FloatArray:
    values = panel.values if isinstance(panel, Panel) else panel
    if not isinstance(values, np.ndarray) or values.ndim != 2:
        raise InputError(f"{name} must be a Panel or a 2-D float64 array (n_days, n_tickers)")
    if values.dtype != np.float64:
        raise InputError(f"{name} must hold float64 values, not {values.dtype}")
    return np.ascontiguousarray(values)


def _window(window: int, min_periods: int | None) -> tuple[int, int]:
    if not isinstance(window, (int, np.integer)) or isinstance(window, bool) or window < 1:
        raise InputError(f"window={window!r} must be a positive whole number of rows")
    if min_periods is None:
        return int(window), int(window)
    if not isinstance(min_periods, (int, np.integer)) or not 0 <= min_periods <= window:
        raise InputError(f"min_periods={min_periods!r} must be between 0 and window={window}")
    return int(window), int(min_periods)


def _out(x: FloatArray) -> FloatArray:
    """Allocate an output panel with numpy (which asks for transparent huge pages).

    Allocating inside the kernel would use numba's allocator and fault the output in
    4 KiB pages: for a 150 MB panel that costs more than the kernel itself.
    """
    return np.empty(x.shape, dtype=np.float64)


def _wrap(panel: Panel | FloatArray, values: FloatArray, name: str) -> Any:
    return panel.like(values, name) if isinstance(panel, Panel) else values


NUMBA_MIN_CELLS = 4_000_000
"""Panels with fewer cells than this run the numpy kernels, larger ones the numba kernels.

In a new process, numba costs about a second before its first kernel runs (importing
numba and scipy's BLAS, then loading each cached kernel), while the numpy kernels take
tens of milliseconds on a report-sized panel (2,000 tickers x 450 sessions: 30 ms for
the share above the 200-session average). The numba kernels pay off on long panels
(decades of the universe). ``CAPSIZE_NUMBA_MIN_CELLS`` overrides it (``0``: always
numba when available).
"""


def numba_min_cells() -> int:
    """Return the panel size (cells) from which the numba kernels are used.

    Reads ``CAPSIZE_NUMBA_MIN_CELLS`` (a whole number; default :data:`NUMBA_MIN_CELLS`).

    Raises
    ------
    InputError
        When the variable is set but is not a whole number >= 0.
    """
    text = os.environ.get("CAPSIZE_NUMBA_MIN_CELLS", "").strip()
    if not text:
        return NUMBA_MIN_CELLS
    if not text.isdigit():
        raise InputError(
            f"CAPSIZE_NUMBA_MIN_CELLS={text!r} is not a whole number; unset it or use e.g. 0"
        )
    return int(text)


def _call(name: str, x: FloatArray, cells: int | None = None) -> Callable[..., Any]:
    """Return the kernel ``name`` for the panel ``x``: numpy when small, else the active set.

    ``cells`` overrides the size the choice is made on (default ``x.size``): a partition
    of a larger panel passes the whole panel's size, so it runs the same kernels.
    """
    if (x.size if cells is None else cells) < numba_min_cells():
        return getattr(_k, "np_" + name)  # type: ignore[no-any-return]
    return getattr(kernels(), name)  # type: ignore[no-any-return]


def rolling_mean(panel: Panel | FloatArray, window: int, min_periods: int | None = None) -> Any:
    """Compute the rolling mean over ``window`` rows of each ticker.

    Parameters
    ----------
    panel : Panel or ndarray of shape (n_days, n_tickers)
    window : int
        Rows (trading days).
    min_periods : int, optional
        Minimum non-NaN values in the window (default ``window``).

    Returns
    -------
    Panel or ndarray of shape (n_days, n_tickers)
        Same type as ``panel``. Equals ``frame.rolling(window, min_periods).mean()``.
    """
    w, mp = _window(window, min_periods)
    x = _arr(panel)
    return _wrap(panel, _call("roll_mean", x)(x, w, mp, _out(x)), f"mean{w}")


def rolling_std(
    panel: Panel | FloatArray, window: int, min_periods: int | None = None, ddof: int = 1
) -> Any:
    """Compute the rolling standard deviation over ``window`` rows; see :func:`rolling_mean`."""
    w, mp = _window(window, min_periods)
    x = _arr(panel)
    var = _call("roll_var", x)(x, w, mp, int(ddof), False, _out(x))
    return _wrap(panel, np.sqrt(var, out=var), f"std{w}")


def rolling_max(panel: Panel | FloatArray, window: int, min_periods: int | None = None) -> Any:
    """Compute the rolling maximum over ``window`` rows (NaN skipped); see :func:`rolling_mean`."""
    w, mp = _window(window, min_periods)
    x = _arr(panel)
    return _wrap(panel, _call("roll_maxmin", x)(x, w, mp, True, _out(x)), f"max{w}")


def rolling_min(panel: Panel | FloatArray, window: int, min_periods: int | None = None) -> Any:
    """Compute the rolling minimum over ``window`` rows (NaN skipped); see :func:`rolling_mean`."""
    w, mp = _window(window, min_periods)
    x = _arr(panel)
    return _wrap(panel, _call("roll_maxmin", x)(x, w, mp, False, _out(x)), f"min{w}")


def returns(panel: Panel | FloatArray, periods: int = 1) -> Any:
    """Compute simple returns over ``periods`` rows: ``x[t] / x[t - periods] - 1``.

    Equals ``frame.pct_change(periods, fill_method=None)``; the first ``periods`` rows
    and any row whose start or end value is NaN are NaN.
    """
    if not isinstance(periods, (int, np.integer)) or periods < 1:
        raise InputError(f"periods={periods!r} must be a positive whole number of rows")
    x = _arr(panel)
    out = np.empty_like(x)
    out[:periods] = np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        np.divide(x[periods:], x[:-periods], out=out[periods:])
    out[periods:] -= 1.0
    return _wrap(panel, out, f"ret{periods}")


def rolling_volatility(
    panel: Panel | FloatArray, window: int = 63, min_periods: int | None = None, ddof: int = 1
) -> Any:
    """Compute the rolling standard deviation of daily simple returns (not annualized).

    Equals ``frame.pct_change(fill_method=None).rolling(window, min_periods).std(ddof)``;
    returns are computed inside the kernel, so no return panel is allocated.
    """
    w, mp = _window(window, min_periods)
    x = _arr(panel)
    var = _call("roll_var", x)(x, w, mp, int(ddof), True, _out(x))
    return _wrap(panel, np.sqrt(var, out=var), f"vol{w}")


def rolling_beta(
    panel: Panel | FloatArray,
    benchmark: pd.Series | FloatArray,
    window: int = 252,
    min_periods: int | None = None,
) -> Any:
    """Compute the rolling beta of each ticker's daily returns on the benchmark's daily returns.

    Parameters
    ----------
    panel : Panel or ndarray of shape (n_days, n_tickers), prices
    benchmark : Series or ndarray of shape (n_days,), prices
        A Series is aligned to ``panel.dates`` (missing days become NaN).
    window, min_periods : int
        Rows and minimum paired observations.

    Returns
    -------
    Panel or ndarray of shape (n_days, n_tickers)
        ``cov(r_i, r_m) / var(r_m)`` over the days in the window where both returns
        exist (the benchmark is used only on days the stock has data); NaN when the
        benchmark variance is zero.
    """
    w, mp = _window(window, min_periods)
    x = _arr(panel)
    if isinstance(benchmark, pd.Series):
        if not isinstance(panel, Panel):
            raise InputError("benchmark as a Series needs a Panel to align on")
        m = benchmark.reindex(panel.dates).to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        m = np.asarray(benchmark, dtype=np.float64)
    if m.shape != (x.shape[0],):
        raise InputError(f"benchmark has shape {m.shape}; expected ({x.shape[0]},)")
    beta = _call("roll_beta", x)(x, np.array(m, dtype=np.float64), w, mp, _out(x))
    return _wrap(panel, beta, f"beta{w}")


def _dates(panel: Panel | FloatArray) -> pd.Index:
    if isinstance(panel, Panel):
        return panel.dates
    return pd.RangeIndex(_arr(panel).shape[0])


def pct_above_average(
    panel: Panel | FloatArray,
    window: int,
    min_periods: int | None = None,
    *,
    cells: int | None = None,
) -> pd.DataFrame:
    """Per day: how many tickers close above their ``window``-row average.

    Parameters
    ----------
    panel : Panel or ndarray of shape (n_days, n_tickers)
    window, min_periods : int
        Rows and minimum observations of the average.
    cells : int, optional
        Size (cells) of the whole panel when ``panel`` is a partition of it: the kernels
        are then chosen as for the whole panel, so partitioned counts add up to its
        counts exactly. Default: the size of ``panel``.

    Returns
    -------
    DataFrame indexed by date with columns ``above`` (count), ``covered`` (tickers with
    a value and an average that day) and ``pct`` (``above / covered``, fraction; NaN
    when nothing is covered).

    Notes
    -----
    The average is :func:`rolling_mean` (computed inside the kernel, not stored); the
    comparison is strict (``close > average``).
    """
    w, mp = _window(window, min_periods)
    x = _arr(panel)
    above, covered = _call("above_ma_counts", x, cells)(x, w, mp)
    return _above_frame(panel, above, covered)


def _above_frame(panel: Panel | FloatArray, above: FloatArray, covered: FloatArray) -> pd.DataFrame:
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(covered > 0, above / covered, np.nan)
    return pd.DataFrame({"above": above, "covered": covered, "pct": pct}, index=_dates(panel))


def above_average_counter(
    panel: Panel | FloatArray, *, cells: int | None = None
) -> Callable[[int], pd.DataFrame]:
    """Return ``f(window)`` equal to ``pct_above_average(panel, window, cells=cells)``.

    Several windows over one panel share the numpy kernel's cumulative sums (computed
    at the first call); with the numba kernels each window is its own pass.

    Parameters
    ----------
    panel : Panel or ndarray of shape (n_days, n_tickers)
    cells : int, optional
        As in :func:`pct_above_average`.
    """
    x = _arr(panel)
    if _call("above_ma_counts", x, cells) is not _k.np_above_ma_counts:
        return lambda window: pct_above_average(panel, window, cells=cells)
    held: list[tuple[np.ndarray, FloatArray, FloatArray, FloatArray]] = []

    def count(window: int) -> pd.DataFrame:
        w, mp = _window(window, None)
        if not held:
            held.append(_k.np_mean_prefix(x))
        above, covered = _k.np_above_ma_counts_from(x, held[0], w, mp)
        return _above_frame(panel, above, covered)

    return count


def new_highs_lows(
    panel: Panel | FloatArray,
    window: int = 252,
    min_periods: int | None = None,
    *,
    cells: int | None = None,
) -> pd.DataFrame:
    """Per day: tickers making a new ``window``-row high or low.

    A ticker makes a new high on day ``t`` when its value is strictly above the maximum
    of the previous ``window`` rows (which must hold ``min_periods`` values; default
    ``window``), a new low when strictly below their minimum.

    Parameters
    ----------
    panel : Panel or ndarray of shape (n_days, n_tickers)
    window, min_periods : int
        Look-back rows and minimum observations in it.
    cells : int, optional
        Size (cells) of the whole panel when ``panel`` is a partition of it: the kernels
        are then chosen as for the whole panel, so partitioned counts add up to its
        counts exactly. Default: the size of ``panel``.

    Returns
    -------
    DataFrame indexed by date with columns ``new_highs``, ``new_lows``, ``covered``.
    """
    w, mp = _window(window, min_periods)
    mp = max(mp, 1)
    x = _arr(panel)
    highs, lows, covered = _call("new_extremes_counts", x, cells)(x, w, mp)
    return pd.DataFrame(
        {"new_highs": highs, "new_lows": lows, "covered": covered}, index=_dates(panel)
    )


def cross_section_mean(panel: Panel | FloatArray) -> pd.Series:
    """Per day: the NaN-skipping mean across tickers (NaN when no ticker has a value)."""
    x = _arr(panel)
    mean, _ = _call("cs_mean_count", x)(x)
    return pd.Series(mean, index=_dates(panel), name="mean")


def cross_section_count(panel: Panel | FloatArray, *, cells: int | None = None) -> pd.Series:
    """Per day: how many tickers have a non-NaN value (``cells``: see :func:`pct_above_average`)."""
    x = _arr(panel)
    _, count = _call("cs_mean_count", x, cells)(x)
    return pd.Series(count, index=_dates(panel), name="count")
