"""Market breadth of a universe: is the average stock doing what the index does.

Per trading day: the share of members above their 20/50/200-day average,
advancers/decliners and the cumulative A/D line, new 52-week highs and lows, up and
down volume, the McClellan oscillator, and an equal-weight index of the members next
to a cap-weighted proxy (IWM). All computations run on the dense panel engine
(:mod:`capsize.analytics.engine`); frames in, a frozen :class:`BreadthResult` out.

Notes
-----
NaN policy:

* A member counts on a day only where it has the data the figure needs (a close, a
  full enough average window, a return); every count column has a ``*_covered``
  companion, and percentages are ``count / covered`` (NaN when nothing is covered).
* Windows count trading days of the panel's calendar (missing bars are NaN rows).
* Returns do not bridge gaps: a member with no bar yesterday neither advances nor
  declines today.
* Up/down volume only sums members with a volume figure that day (``volume_covered``):
  the universe's volume data is partial (see the store's provenance), so compare
  up/down volume only between days with similar coverage.
* Daily returns are not screened: a bad tick moves the equal-weight index by
  ``1 / members`` of its size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from capsize.analytics import engine as E
from capsize.errors import DataNotFound, InputError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from capsize._typing import DateLike
    from capsize.universe import Universe

__all__ = [
    "MCCLELLAN_FORMULA",
    "BreadthResult",
    "breadth_sums",
    "breadth_table",
    "check_windows",
    "compute_breadth",
    "ema",
    "universe_panel",
]

MCCLELLAN_FORMULA = (
    "McClellan oscillator = EMA19 - EMA39 of net advances (advancers - decliners), "
    "classic unadjusted variant; EMA alpha = 2/(n+1), seeded with the first day"
)


@dataclass(frozen=True)
class BreadthResult:
    """Daily breadth of a universe.

    Attributes
    ----------
    table : DataFrame indexed by date
        One row per trading day; columns ``members``, ``with_close``,
        ``pct_above_{w}`` / ``above_{w}`` / ``covered_{w}`` for each average window,
        ``advancers``, ``decliners``, ``unchanged``, ``net_advances``, ``ad_line``
        (net advances summed after the first row, 0 on it),
        ``new_highs``, ``new_lows``, ``hl_covered``, ``up_volume``, ``down_volume``
        (shares), ``volume_covered``, ``mcclellan``, ``ew_return``, ``ew_index``,
        ``cw_return``, ``cw_index`` (both indexes = 100 on the first row) and
        ``ew_vs_cw`` (``ew_index / cw_index - 1``). Percentages are fractions.
    universe : str
        Universe name (e.g. ``"IWM"``).
    members : int
        Members with prices in the panel.
    caveat : str
        Survivorship caveat to show with every figure.
    benchmark : str or None
        Cap-weighted proxy of ``cw_index``.
    ma_windows : tuple of int
        Average windows, trading days.
    high_low_window : int
        New-high/low look-back, trading days.
    mcclellan_formula : str
        Formula of the oscillator.
    """

    table: pd.DataFrame
    universe: str
    members: int
    caveat: str
    benchmark: str | None
    ma_windows: tuple[int, ...]
    high_low_window: int
    mcclellan_formula: str = MCCLELLAN_FORMULA

    @property
    def start(self) -> pd.Timestamp:
        """First day of the table."""
        return pd.Timestamp(self.table.index[0])

    @property
    def end(self) -> pd.Timestamp:
        """Last day of the table."""
        return pd.Timestamp(self.table.index[-1])

    def on(self, date: DateLike | None = None) -> pd.Series:
        """Return the row of the last trading day on or before ``date`` (default: last row).

        Raises
        ------
        DataNotFound
            When ``date`` is before the first row.
        """
        if date is None:
            return self.table.iloc[-1]
        ts = pd.Timestamp(date)
        pos = int(self.table.index.searchsorted(ts, side="right")) - 1
        if pos < 0:
            raise DataNotFound(
                f"no breadth on or before {ts.date()}; data starts {self.start.date()}"
            )
        return self.table.iloc[pos]

    def compare(self, windows: Sequence[int] = (21, 63, 252)) -> pd.DataFrame:
        """Equal-weight vs cap-weight returns over trailing windows ending on the last row.

        Returns
        -------
        DataFrame indexed by window (trading days) with columns ``start``, ``end``,
        ``ew_return``, ``cw_return`` and ``difference`` (fractions; NaN when the
        window reaches before the first row or the benchmark is missing).
        """
        rows = []
        ew = self.table["ew_index"].to_numpy()
        cw = self.table["cw_index"].to_numpy()
        n = len(self.table)
        for w in windows:
            if w < 1:
                raise InputError(f"window {w} must be a positive number of trading days")
            i0 = n - 1 - w
            if i0 < 0:
                rows.append((w, pd.NaT, self.end, np.nan, np.nan))
                continue
            e_ret = ew[-1] / ew[i0] - 1.0
            c_ret = cw[-1] / cw[i0] - 1.0
            rows.append((w, self.table.index[i0], self.end, e_ret, c_ret))
        out = pd.DataFrame(rows, columns=["window", "start", "end", "ew_return", "cw_return"])
        out["difference"] = out["ew_return"] - out["cw_return"]
        return out.set_index("window")


def ema(values: pd.Series | np.ndarray, span: int) -> np.ndarray:
    """Exponential moving average with ``alpha = 2 / (span + 1)``, seeded with the first value.

    Equals ``Series.ewm(span=span, adjust=False).mean()`` for a series without NaN.

    Examples
    --------
    >>> ema(np.array([1.0, 2.0, 3.0]), 3).tolist()
    [1.0, 1.5, 2.25]
    """
    if span < 1:
        raise InputError(f"span={span} must be at least 1")
    x = np.asarray(values, dtype=np.float64)
    if np.isnan(x).any():
        raise InputError("ema input must not contain NaN")
    return np.asarray(pd.Series(x).ewm(span=span, adjust=False).mean().to_numpy(), dtype=np.float64)


def compute_breadth(
    closes: E.Panel | pd.DataFrame,
    *,
    volume: E.Panel | pd.DataFrame | None = None,
    benchmark: pd.Series | None = None,
    benchmark_name: str | None = "IWM",
    universe: Universe | None = None,
    ma_windows: Sequence[int] = (20, 50, 200),
    high_low_window: int = 252,
    start: DateLike | None = None,
    as_of: DateLike | None = None,
) -> BreadthResult:
    """Compute daily breadth of a universe.

    Parameters
    ----------
    closes : Panel or DataFrame of shape (n_days, n_tickers), adjusted closes
        Member closes; NaN = no bar.
    volume : Panel or DataFrame, optional
        Share volume, aligned to ``closes`` by date and ticker (absent = NaN).
    benchmark : Series, optional
        Cap-weighted proxy closes (IWM adjusted close), aligned by date.
    benchmark_name : str, optional
        Name of the proxy for provenance.
    universe : Universe, optional
        Restricts the panel to its members and supplies the caveat. Without it the
        caveat says the member list is whatever the panel holds.
    ma_windows : sequence of int
        Average windows, trading days (a full window is required).
    high_low_window : int
        Look-back of new highs/lows, trading days (a full window is required).
    start : date-like, optional
        First row of the table, the *base day*: the A/D line is 0 and both indexes are
        100 at its close (the line sums the net advances of the later rows). Earlier
        history still warms up the windows and EMAs. Default: the first day of
        ``closes`` (see :mod:`capsize.rules.breadth` for the rule front ends use).
    as_of : date-like, optional
        Ignore data after this day.

    Returns
    -------
    BreadthResult
    """
    panel, name, caveat = universe_panel(E.as_panel(closes, "closes").until(as_of), universe)
    if panel.shape[0] < 2 or panel.shape[1] < 1:
        raise DataNotFound("the closes panel needs at least two days and one ticker")
    windows = check_windows(ma_windows)
    sums = breadth_sums(panel, volume, ma_windows=windows, high_low_window=high_low_window)
    ew_return = E.cross_section_mean(np.ascontiguousarray(E.returns(panel.values, 1))).to_numpy()
    table = breadth_table(sums, benchmark=benchmark, start=start, ew_return=ew_return)
    return BreadthResult(
        table=table,
        universe=name,
        members=panel.shape[1],
        caveat=caveat,
        benchmark=benchmark_name if benchmark is not None else None,
        ma_windows=windows,
        high_low_window=int(high_low_window),
    )


def check_windows(ma_windows: Sequence[int]) -> tuple[int, ...]:
    """Return the average windows as ints; raise :class:`InputError` unless all are >= 1."""
    windows = tuple(int(w) for w in ma_windows)
    if any(w < 1 for w in windows):
        raise InputError(f"ma_windows={windows} must be positive numbers of trading days")
    return windows


def breadth_sums(
    closes: E.Panel,
    volume: E.Panel | pd.DataFrame | None = None,
    *,
    ma_windows: Sequence[int] = (20, 50, 200),
    high_low_window: int = 252,
    cells: int | None = None,
) -> pd.DataFrame:
    """Per-day breadth sums over the tickers of ``closes``: additive across ticker partitions.

    Parameters
    ----------
    closes : Panel of shape (n_days, n_tickers), adjusted closes
        The members (or one partition of them).
    volume : Panel or DataFrame, optional
        Share volume, aligned to ``closes`` by date and ticker.
    ma_windows, high_low_window : see :func:`compute_breadth`
    cells : int, optional
        Size of the whole panel when ``closes`` is a partition of it (the kernels are
        chosen as for the whole panel; see :func:`capsize.analytics.engine.pct_above_average`).

    Returns
    -------
    DataFrame indexed by date
        Columns ``members``, ``with_close``, ``above_{w}`` / ``covered_{w}``,
        ``advancers``, ``decliners``, ``unchanged``, ``new_highs``, ``new_lows``,
        ``hl_covered``, ``up_volume`` / ``down_volume`` (shares; 0 when nothing is
        covered), ``volume_covered``, ``ret_sum`` (sum of the members' daily simple
        returns) and ``ret_count``. Every column is a sum over tickers, so the sums of
        disjoint partitions add up to the sums of their union (counts exactly; the float
        sums up to summation order).
    """
    windows = check_windows(ma_windows)
    r = E.returns(closes.values, 1)
    cols: dict[str, np.ndarray] = {
        "members": np.full(len(closes.dates), float(closes.shape[1])),
        "with_close": E.cross_section_count(closes, cells=cells).to_numpy(),
    }
    for w in windows:
        res = E.pct_above_average(closes, w, cells=cells)
        cols[f"above_{w}"] = res["above"].to_numpy()
        cols[f"covered_{w}"] = res["covered"].to_numpy()
    cols.update(_advance_cols(r))
    hl = E.new_highs_lows(closes, high_low_window, cells=cells)
    cols["new_highs"] = hl["new_highs"].to_numpy()
    cols["new_lows"] = hl["new_lows"].to_numpy()
    cols["hl_covered"] = hl["covered"].to_numpy()
    cols.update(_volume_cols(closes, r, volume))
    ok = ~np.isnan(r)
    cols["ret_sum"] = np.where(ok, r, 0.0).sum(axis=1)
    cols["ret_count"] = ok.sum(axis=1).astype(np.float64)
    return pd.DataFrame(cols, index=closes.dates)


def breadth_table(
    sums: pd.DataFrame,
    *,
    benchmark: pd.Series | None = None,
    start: DateLike | None = None,
    ew_return: np.ndarray | None = None,
) -> pd.DataFrame:
    """Turn breadth sums (:func:`breadth_sums`, possibly added over partitions) into the table.

    Parameters
    ----------
    sums : DataFrame indexed by date
        Output of :func:`breadth_sums`, or the sum of several over disjoint tickers.
    benchmark, start : see :func:`compute_breadth`
    ew_return : ndarray of shape (n_days,), optional
        Equal-weight daily return, fraction (default ``ret_sum / ret_count``, NaN when
        no member has a return).

    Returns
    -------
    DataFrame
        :attr:`BreadthResult.table`.
    """
    dates = pd.DatetimeIndex(sums.index)
    windows = [int(c.split("_")[1]) for c in sums.columns if c.startswith("above_")]
    cols: dict[str, np.ndarray] = {
        "members": sums["members"].to_numpy(),
        "with_close": sums["with_close"].to_numpy(),
    }
    with np.errstate(divide="ignore", invalid="ignore"):
        for w in windows:
            above, covered = sums[f"above_{w}"].to_numpy(), sums[f"covered_{w}"].to_numpy()
            cols[f"pct_above_{w}"] = np.where(covered > 0, above / covered, np.nan)
            cols[f"above_{w}"] = above
            cols[f"covered_{w}"] = covered
        for c in ("advancers", "decliners", "unchanged"):
            cols[c] = sums[c].to_numpy()
        cols["net_advances"] = cols["advancers"] - cols["decliners"]
        for c in ("new_highs", "new_lows", "hl_covered"):
            cols[c] = sums[c].to_numpy()
        nv = sums["volume_covered"].to_numpy()
        for c in ("up_volume", "down_volume"):
            cols[c] = np.where(nv > 0, sums[c].to_numpy(), np.nan)
        cols["volume_covered"] = nv
        cols["mcclellan"] = ema(cols["net_advances"], 19) - ema(cols["net_advances"], 39)
        if ew_return is None:
            cnt = sums["ret_count"].to_numpy()
            ew_return = np.where(cnt > 0, sums["ret_sum"].to_numpy() / cnt, np.nan)
    cols["ew_return"] = np.asarray(ew_return, dtype=np.float64)
    cols.update(_benchmark_cols(dates, benchmark))
    return _based_table(pd.DataFrame(cols, index=dates), start)


def universe_panel(panel: E.Panel, universe: Universe | None) -> tuple[E.Panel, str, str]:
    """Restrict the panel to the universe's members; return it, the name and the caveat.

    Raises
    ------
    DataNotFound
        When no member of ``universe`` is in ``panel``.
    """
    if universe is None:
        return (
            panel,
            panel.name,
            "Universe = the tickers of the panel as given; no membership history, so "
            "survivorship bias is unknown.",
        )
    held = set(panel.tickers)
    keep = [t for t in universe.members if t in held]
    if not keep:
        raise DataNotFound(f"none of the {universe.name} members is in the closes panel")
    return panel.select(keep), universe.name, universe.caveat


def _advance_cols(r: np.ndarray) -> dict[str, np.ndarray]:
    adv = (r > 0.0).sum(axis=1).astype(np.float64)
    dec = (r < 0.0).sum(axis=1).astype(np.float64)
    return {
        "advancers": adv,
        "decliners": dec,
        "unchanged": (r == 0.0).sum(axis=1).astype(np.float64),
    }


def _volume_cols(
    panel: E.Panel, r: np.ndarray, volume: E.Panel | pd.DataFrame | None
) -> dict[str, np.ndarray]:
    n = len(panel.dates)
    if volume is None:
        return {
            "up_volume": np.zeros(n),
            "down_volume": np.zeros(n),
            "volume_covered": np.zeros(n),
        }
    vol = E.align_values(E.as_panel(volume, "volume"), panel.dates, panel.tickers)
    has = ~np.isnan(vol) & ~np.isnan(r)
    nv = has.sum(axis=1).astype(np.float64)
    up = np.where(has & (r > 0.0), vol, 0.0).sum(axis=1)
    down = np.where(has & (r < 0.0), vol, 0.0).sum(axis=1)
    return {
        "up_volume": up,
        "down_volume": down,
        "volume_covered": nv,
    }


def _benchmark_cols(dates: pd.DatetimeIndex, benchmark: pd.Series | None) -> dict[str, np.ndarray]:
    if benchmark is None:
        return {"cw_return": np.full(len(dates), np.nan), "_cw_level": np.full(len(dates), np.nan)}
    b = benchmark.reindex(dates).to_numpy(dtype=np.float64, na_value=np.nan)
    cw_ret = np.full(len(dates), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        cw_ret[1:] = b[1:] / b[:-1] - 1.0
    return {"cw_return": cw_ret, "_cw_level": b}


def _based_table(table: pd.DataFrame, start: DateLike | None) -> pd.DataFrame:
    """Cut the table at ``start`` and base the A/D line (0) and the indexes (100) there."""
    if start is not None:
        table = table.loc[table.index >= pd.Timestamp(start)]
        if table.empty:
            raise DataNotFound(f"no trading day on or after start={pd.Timestamp(start).date()}")
    table = table.copy()
    net_adv = table["net_advances"]
    table["ad_line"] = net_adv.cumsum() - net_adv.iloc[0]  # 0 at the base (first) row
    ew_r = table["ew_return"].to_numpy().copy()
    ew_r[0] = 0.0
    table["ew_index"] = 100.0 * np.cumprod(1.0 + np.nan_to_num(ew_r, nan=0.0))
    level = table.pop("_cw_level")
    first = level.first_valid_index()
    table["cw_index"] = 100.0 * level / level.loc[first] if first is not None else np.nan
    if first is not None and first != table.index[0]:
        # rebase the equal-weight index to the benchmark's first day too
        table["ew_index"] = 100.0 * table["ew_index"] / table["ew_index"].loc[first]
    table["ew_vs_cw"] = table["ew_index"] / table["cw_index"] - 1.0
    table.index.name = "date"
    return table
