"""Volume and liquidity of ETFs and universe members, with coverage stated everywhere.

Per symbol: average daily volume (shares) and dollar volume, year-over-year change,
turnover, the Amihud (2002) illiquidity measure and a liquidity tier. For a universe:
how many members each figure covers, the tier counts, an aggregate year-over-year
change on a fixed set of members, and a monthly dollar-volume history split into
coverage segments. Frames in, frozen results out; no I/O.

Notes
-----
Coverage rules (the universe's volume data is partial and ends at different dates for
different tickers):

* A symbol's figures over a window are computed only when it has a volume on at least
  ``min_coverage`` of the window's trading days (default 90%); otherwise they are NaN
  and ``note`` says why.
* A year-over-year change compares two adjacent windows of ``yoy_window`` trading days
  and needs the coverage rule in *both*; the aggregate change sums only members that
  pass it in both windows, so it is never computed across a change in coverage.
* Monthly history carries ``n_covered`` and a ``segment`` that changes whenever the
  number of covered members moves by more than ``segment_tolerance``;
  :meth:`VolumeHistory.change` refuses to compare months of different segments.
* Dollar volume = adjusted close x share volume. The adjusted close is below the
  traded price by the dividends paid since, so older dollar volumes are understated
  by that amount (a few percent a year for dividend payers).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from capsize.analytics import engine as E
from capsize.errors import DataNotFound, InputError
from capsize.rules.dollar_volume import VolumeUnit, dollar_volume
from capsize.rules.liquidity import TIER_NAMES, liquidity_tier

if TYPE_CHECKING:
    from capsize._typing import DateLike
    from capsize.universe import Universe

__all__ = [
    "AMIHUD_FORMULA",
    "PARTIAL_COLUMNS",
    "LiquidityResult",
    "VolumeHistory",
    "check_params",
    "liquidity",
    "liquidity_columns",
    "liquidity_inputs",
    "liquidity_result",
    "volume_history",
]

AMIHUD_FORMULA = "Amihud illiquidity = mean over days of |daily return| / dollar volume, x 1e6"


@dataclass(frozen=True)
class LiquidityResult:
    """Liquidity per symbol over a trailing window, with coverage.

    Attributes
    ----------
    table : DataFrame indexed by ticker
        ``adv_shares`` (shares/day; NaN when the volume is not a share count),
        ``adv_dollars`` and ``median_dollars`` (USD/day), ``days_with_volume``,
        ``coverage`` (fraction of the window), ``last_volume_date``, ``yoy_adv_shares``
        and ``yoy_adv_dollars`` (fractions), ``turnover`` (ADV shares / shares
        outstanding, per day), ``amihud`` (see :data:`AMIHUD_FORMULA`), ``tier`` (from
        :func:`capsize.rules.liquidity.liquidity_tier` on ``median_dollars``; ``"n/a"``
        without one) and ``note`` (why a figure is missing).
    window_start, window_end : Timestamp
        The trailing window (trading days of the panel).
    window : int
        Window length, trading days.
    yoy_window : int
        Length of each year-over-year window, trading days.
    universe : str or None
        Universe name when the symbols are its members.
    caveat : str
        Coverage (and survivorship) caveat to show with the figures.
    summary : Series
        Aggregate figures: ``symbols``, ``covered``, ``total_adv_dollars``,
        ``median_adv_dollars``, ``yoy_adv_dollars`` and ``yoy_covered`` (members in
        both windows), one ``tier_<name>`` count per tier of
        :data:`capsize.rules.liquidity.TIER_NAMES` and ``untiered`` (symbols without
        enough dollar volume data for a tier).
    """

    table: pd.DataFrame
    window_start: pd.Timestamp
    window_end: pd.Timestamp
    window: int
    yoy_window: int
    universe: str | None
    caveat: str
    summary: pd.Series


def _dollar_panel(close: np.ndarray, vol: np.ndarray, units: list[VolumeUnit]) -> np.ndarray:
    """Daily dollar volume of every column, by its volume unit (one rule)."""
    out = np.full(close.shape, np.nan)
    for unit in set(units):
        cols = np.array([u == unit for u in units])
        out[:, cols] = dollar_volume(close[:, cols], vol[:, cols], unit)
    return out


def _window_stats(
    close: np.ndarray,
    vol: np.ndarray,
    dv_all: np.ndarray,
    shares: np.ndarray,
    lo: int,
    hi: int,
) -> dict[str, np.ndarray]:
    c, dv = close[lo:hi], dv_all[lo:hi]
    ok = ~np.isnan(dv)
    n_ok = ok.sum(axis=0).astype(np.float64)
    v = np.where(ok & shares[None, :], vol[lo:hi], 0.0)
    prev = (
        close[lo - 1 : hi - 1] if lo > 0 else np.vstack([np.full((1, c.shape[1]), np.nan), c[:-1]])
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        adv_sh = np.where(shares, v.sum(axis=0) / n_ok, np.nan)
        adv_d = np.where(ok, dv, 0.0).sum(axis=0) / n_ok
        r = np.abs(c / prev - 1.0)
        ami_ok = ok & (dv > 0) & ~np.isnan(r)
        ami = np.where(ami_ok, r / np.where(ami_ok, dv, 1.0), 0.0).sum(axis=0) / ami_ok.sum(axis=0)
    med = np.full(c.shape[1], np.nan)
    has = n_ok > 0
    if c.shape[0] and has.any():
        med[has] = np.nanmedian(dv[:, has], axis=0)
    return {
        "n": n_ok,
        "adv_shares": adv_sh,
        "adv_dollars": adv_d,
        "median_dollars": med,
        "amihud": ami * 1e6,
    }


@dataclass(frozen=True)
class _Yoy:
    shares: np.ndarray
    dollars: np.ndarray
    both: np.ndarray
    now: np.ndarray
    then: np.ndarray


def _yoy(
    close: np.ndarray,
    vol: np.ndarray,
    dv: np.ndarray,
    shares: np.ndarray,
    yoy_window: int,
    min_coverage: float,
) -> _Yoy:
    """Year-over-year changes, only for symbols covered in both windows."""
    n, k = close.shape
    if n < 2 * yoy_window:
        nan = np.full(k, np.nan)
        no = np.zeros(k, dtype=bool)
        return _Yoy(nan, nan.copy(), no, nan.copy(), nan.copy())
    a = _window_stats(close, vol, dv, shares, n - yoy_window, n)
    b = _window_stats(close, vol, dv, shares, n - 2 * yoy_window, n - yoy_window)
    both = (a["n"] / yoy_window >= min_coverage) & (b["n"] / yoy_window >= min_coverage)
    with np.errstate(invalid="ignore", divide="ignore"):
        yoy_sh = np.where(both, a["adv_shares"] / b["adv_shares"] - 1.0, np.nan)
        yoy_d = np.where(both, a["adv_dollars"] / b["adv_dollars"] - 1.0, np.nan)
    return _Yoy(yoy_sh, yoy_d, both, a["adv_dollars"], b["adv_dollars"])


def _note(
    has_volume: bool,
    ok: bool,
    n_days: float,
    w: int,
    last: pd.Timestamp,
    yoy_ok: bool,
    yoy_possible: bool,
    yoy_window: int,
) -> str:
    """Why a symbol's figures are missing ("" when none is)."""
    if not has_volume:
        return "no volume data"
    if not ok:
        return f"volume on {int(n_days)} of {w} days (last {last:%Y-%m-%d})"
    if not yoy_possible:
        return f"yoy needs {2 * yoy_window} trading days"
    if not yoy_ok:
        return "yoy: volume coverage differs between the two years"
    return ""


def _summary(
    table: pd.DataFrame, ok: np.ndarray, both: np.ndarray, aggregate: float
) -> dict[str, float | int]:
    adv_d = table["adv_dollars"].to_numpy(dtype=np.float64)
    out: dict[str, float | int] = {
        "symbols": len(table),
        "covered": int(ok.sum()),
        "total_adv_dollars": float(np.nansum(adv_d)) if ok.any() else np.nan,
        "median_adv_dollars": float(np.nanmedian(adv_d)) if ok.any() else np.nan,
        "yoy_adv_dollars": aggregate,
        "yoy_covered": int(both.sum()),
    }
    for name in TIER_NAMES:
        out[f"tier_{name}"] = int((table["tier"] == name).sum())
    out["untiered"] = int((table["tier"] == "n/a").sum())
    return out


def _restrict(cp: E.Panel, universe: Universe | None) -> E.Panel:
    if universe is None:
        return cp
    held = set(cp.tickers)
    keep = [t for t in universe.members if t in held]
    if not keep:
        raise DataNotFound(f"none of the {universe.name} members is in the closes panel")
    return cp.select(keep)


def check_params(window: int, yoy_window: int, min_coverage: float) -> None:
    """Raise :class:`InputError` unless the windows are positive and the coverage in (0, 1]."""
    if window < 1 or yoy_window < 1:
        raise InputError(f"window={window} and yoy_window={yoy_window} must be positive")
    if not 0.0 < min_coverage <= 1.0:
        raise InputError(f"min_coverage={min_coverage} must be in (0, 1]")


PARTIAL_COLUMNS = ("covered", "yoy_now_dollars", "yoy_then_dollars", "yoy_both")
"""Per-ticker columns of :func:`liquidity_columns` that only the summary uses."""


def _last_volume_dates(dv: np.ndarray, dates: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Each column's last day with a dollar volume (NaT when it has none)."""
    n = dv.shape[0]
    has_v = ~np.isnan(dv)
    any_v = has_v.any(axis=0)
    last_idx = np.where(any_v, n - 1 - np.argmax(has_v[::-1], axis=0), 0)
    return pd.DatetimeIndex(np.where(any_v, dates.values[last_idx], np.datetime64("NaT")))


def _notes(
    dv: np.ndarray, ok: np.ndarray, cur: dict[str, np.ndarray], last: pd.DatetimeIndex,
    yoy: _Yoy, w: int, yoy_window: int,
) -> list[str]:  # fmt: skip
    has = (~np.isnan(dv)).any(axis=0)
    possible = dv.shape[0] >= 2 * yoy_window
    return [
        _note(bool(has[i]), bool(ok[i]), float(cur["n"][i]), w, last[i], bool(yoy.both[i]),
              possible, yoy_window)
        for i in range(dv.shape[1])
    ]  # fmt: skip


def liquidity_columns(
    closes: E.Panel,
    volume: np.ndarray,
    units: Sequence[VolumeUnit],
    *,
    window: int,
    yoy_window: int,
    min_coverage: float,
) -> pd.DataFrame:
    """Per-ticker liquidity figures of ``closes``: one row per ticker, independent of the others.

    The rows of disjoint ticker partitions (all on the same dates) concatenate into the
    rows of their union, so :func:`liquidity_result` gives the same result whether the
    panel was measured whole or partition by partition.

    Parameters
    ----------
    closes : Panel of shape (n_days, n_tickers), adjusted closes, USD
    volume : ndarray of the same shape
        Volume aligned to ``closes``, in each ticker's unit (``units``); NaN = none.
    units : sequence of {"shares", "usd", "none"}
        Volume unit of each ticker.
    window, yoy_window, min_coverage
        As for :func:`liquidity` (``window`` already capped at the panel's length).

    Returns
    -------
    DataFrame indexed by ticker
        The columns of :attr:`LiquidityResult.table` but ``turnover``, plus the
        :data:`PARTIAL_COLUMNS` the summary needs: ``covered`` (bool), ``yoy_now_dollars``
        and ``yoy_then_dollars`` (ADV $ of the two year windows) and ``yoy_both`` (bool).
    """
    close, n, w = closes.values, closes.shape[0], int(window)
    dv = _dollar_panel(close, volume, list(units))
    shares = np.array([u == "shares" for u in units], dtype=bool)
    cur = _window_stats(close, volume, dv, shares, n - w, n)
    ok = cur["n"] / w >= min_coverage
    yoy = _yoy(close, volume, dv, shares, yoy_window, min_coverage)
    last = _last_volume_dates(dv, closes.dates)
    med = np.where(ok, cur["median_dollars"], np.nan)
    return pd.DataFrame(
        {
            "adv_shares": np.where(ok, cur["adv_shares"], np.nan),
            "adv_dollars": np.where(ok, cur["adv_dollars"], np.nan),
            "median_dollars": med,
            "days_with_volume": cur["n"],
            "coverage": cur["n"] / w,
            "last_volume_date": last,
            "yoy_adv_shares": yoy.shares,
            "yoy_adv_dollars": yoy.dollars,
            "amihud": np.where(ok, cur["amihud"], np.nan),
            "tier": [liquidity_tier(float(x)) or "n/a" for x in med],
            "note": _notes(dv, ok, cur, last, yoy, w, yoy_window),
            "covered": ok,
            "yoy_now_dollars": yoy.now,
            "yoy_then_dollars": yoy.then,
            "yoy_both": yoy.both,
        },
        index=pd.Index(closes.tickers, name="ticker"),
    )


def _aggregate_yoy(cols: pd.DataFrame) -> float:
    both = cols["yoy_both"].to_numpy(dtype=bool)
    if not both.any():
        return float("nan")
    now = float(np.sum(cols["yoy_now_dollars"].to_numpy(dtype=np.float64)[both]))
    then = float(np.sum(cols["yoy_then_dollars"].to_numpy(dtype=np.float64)[both]))
    return now / then - 1.0 if then > 0 else float("nan")


def liquidity_result(
    columns: pd.DataFrame,
    dates: pd.DatetimeIndex,
    *,
    window: int,
    yoy_window: int,
    min_coverage: float,
    shares_outstanding: pd.Series | None = None,
    universe: Universe | None = None,
) -> LiquidityResult:
    """Finish :func:`liquidity_columns` (of the whole panel, or its partitions concatenated).

    Parameters
    ----------
    columns : DataFrame indexed by ticker
        :func:`liquidity_columns` rows of every ticker, in panel order.
    dates : DatetimeIndex
        Trading days of the panel the rows were measured on.
    window, yoy_window, min_coverage, shares_outstanding, universe
        As for :func:`liquidity` (``window`` already capped at the panel's length).

    Returns
    -------
    LiquidityResult
        The summary is computed here from the gathered rows (the median of the members'
        ADV $ and the tier counts need every member, not partial sums).
    """
    ok = columns["covered"].to_numpy(dtype=bool)
    both = columns["yoy_both"].to_numpy(dtype=bool)
    table = columns.drop(columns=list(PARTIAL_COLUMNS))
    table.insert(list(table.columns).index("amihud"), "turnover", np.nan)
    if shares_outstanding is not None:
        so = shares_outstanding.reindex(table.index).astype("float64")
        table["turnover"] = table["adv_shares"] / so.where(so > 0)
    n, w = len(dates), int(window)
    start, end = dates[n - w], dates[n - 1]
    caveat = (
        f"Volume covers {int(ok.sum()):,} of {len(table):,} symbols over "
        f"{start.strftime('%Y-%m-%d')}..{end.strftime('%Y-%m-%d')} "
        f"(>= {min_coverage:.0%} of days); year-over-year only where both years are covered "
        f"({int(both.sum()):,} symbols)."
    )
    if universe is not None:
        caveat = caveat + " " + universe.caveat
    return LiquidityResult(
        table=table,
        window_start=start,
        window_end=end,
        window=w,
        yoy_window=int(yoy_window),
        universe=universe.name if universe is not None else None,
        caveat=caveat,
        summary=pd.Series(_summary(table, ok, both, _aggregate_yoy(columns)), dtype="object"),
    )


def liquidity_inputs(
    closes: E.Panel | pd.DataFrame,
    volume: E.Panel | pd.DataFrame,
    *,
    as_of: DateLike | None = None,
    volume_units: Mapping[str, VolumeUnit] | None = None,
    universe: Universe | None = None,
) -> tuple[E.Panel, np.ndarray, list[VolumeUnit]]:
    """Return the closes panel (cut at ``as_of``, restricted), aligned volume and units.

    Raises
    ------
    DataNotFound
        When fewer than two days remain or no member is in the panel.
    """
    cp = _restrict(E.as_panel(closes, "closes").until(as_of), universe)
    if cp.shape[0] < 2:
        raise DataNotFound("liquidity needs at least two trading days of closes")
    vol: np.ndarray = E.align_values(E.as_panel(volume, "volume"), cp.dates, cp.tickers)
    units: list[VolumeUnit] = [(volume_units or {}).get(str(t), "shares") for t in cp.tickers]
    return cp, vol, units


def liquidity(
    closes: E.Panel | pd.DataFrame,
    volume: E.Panel | pd.DataFrame,
    *,
    window: int = 63,
    yoy_window: int = 252,
    min_coverage: float = 0.9,
    as_of: DateLike | None = None,
    shares_outstanding: pd.Series | None = None,
    volume_units: Mapping[str, VolumeUnit] | None = None,
    universe: Universe | None = None,
) -> LiquidityResult:
    """Compute liquidity per symbol over the trailing ``window`` ending on ``as_of``.

    Parameters
    ----------
    closes : Panel or DataFrame of shape (n_days, n_symbols), adjusted closes, USD
    volume : Panel or DataFrame
        Aligned to ``closes`` by date and ticker; absent = NaN (no volume known). In
        each symbol's unit (``volume_units``).
    window : int
        Trailing window, trading days (default 63, about three months).
    yoy_window : int
        Length of each of the two windows compared year over year (default 252).
    min_coverage : float
        Fraction of a window's days that must have a dollar volume (default 0.9).
    as_of : date-like, optional
        Last day of the window (default: the last day of ``closes``).
    shares_outstanding : Series, optional
        Ticker -> shares outstanding, for turnover (NaN turnover where absent).
    volume_units : mapping of ticker to {"shares", "usd", "none"}, optional
        Unit of each symbol's volume (default ``"shares"``): dollar volume follows
        :func:`capsize.rules.dollar_volume.dollar_volume`; ``"none"`` gives no figure.
    universe : Universe, optional
        Restrict to its members and add its caveat.

    Returns
    -------
    LiquidityResult
        :func:`liquidity_result` of :func:`liquidity_columns` (``capsize.scale`` runs the
        latter per ticker partition).
    """
    check_params(window, yoy_window, min_coverage)
    cp, vol, units = liquidity_inputs(
        closes, volume, as_of=as_of, volume_units=volume_units, universe=universe
    )
    w = min(window, cp.shape[0])
    cols = liquidity_columns(
        cp, vol, units, window=w, yoy_window=yoy_window, min_coverage=min_coverage
    )
    return liquidity_result(
        cols,
        cp.dates,
        window=w,
        yoy_window=yoy_window,
        min_coverage=min_coverage,
        shares_outstanding=shares_outstanding,
        universe=universe,
    )


@dataclass(frozen=True)
class VolumeHistory:
    """Monthly dollar volume of a set of symbols, split into coverage segments.

    Attributes
    ----------
    table : DataFrame indexed by month end
        ``dollar_volume`` (USD/day, mean over the month's days, summed over covered
        symbols), ``n_covered`` (symbols with volume on at least ``min_coverage`` of
        the month's days; only they are summed) and ``segment`` (changes when
        ``n_covered`` moves by more than ``segment_tolerance``).
    segment_tolerance : float
        Relative change in ``n_covered`` that starts a new segment.
    """

    table: pd.DataFrame
    segment_tolerance: float

    def change(self, start: DateLike, end: DateLike) -> float:
        """Return the change in monthly dollar volume from ``start``'s month to ``end``'s.

        Raises
        ------
        InputError
            When the two months are in different coverage segments (the covered set
            changed in between, so the change would mix coverage and trading).
        """
        t = self.table
        i0 = int(t.index.searchsorted(pd.Timestamp(start)))
        i1 = int(t.index.searchsorted(pd.Timestamp(end)))
        if i0 >= len(t) or i1 >= len(t):
            raise DataNotFound("no monthly volume for that month")
        a, b = t.iloc[i0], t.iloc[i1]
        if a["segment"] != b["segment"]:
            raise InputError(
                f"volume coverage changed between {t.index[i0].date()} "
                f"({int(a['n_covered'])} symbols) and {t.index[i1].date()} "
                f"({int(b['n_covered'])} symbols); no trend across a coverage change"
            )
        return float(b["dollar_volume"] / a["dollar_volume"] - 1.0)


def volume_history(
    closes: E.Panel | pd.DataFrame,
    volume: E.Panel | pd.DataFrame,
    *,
    min_coverage: float = 0.9,
    segment_tolerance: float = 0.02,
) -> VolumeHistory:
    """Build the monthly dollar-volume history with coverage segments.

    Parameters
    ----------
    closes, volume : Panel or DataFrame
        As for :func:`liquidity`.
    min_coverage : float
        Fraction of a month's trading days a symbol needs a volume on to be summed.
    segment_tolerance : float
        A new segment starts when ``n_covered`` changes by more than this fraction
        from the previous month (or the covered set loses or gains that share).

    Returns
    -------
    VolumeHistory
    """
    cp = E.as_panel(closes, "closes")
    vol = E.align_values(E.as_panel(volume, "volume"), cp.dates, cp.tickers)
    dv = cp.values * vol
    month = cp.dates.to_period("M")
    codes, months = pd.factorize(month, sort=True)
    n_m = len(months)
    days = np.bincount(codes, minlength=n_m).astype(np.float64)
    ok = ~np.isnan(dv)
    cnt = np.zeros((n_m, cp.shape[1]))
    tot = np.zeros((n_m, cp.shape[1]))
    np.add.at(cnt, codes, ok.astype(np.float64))
    np.add.at(tot, codes, np.where(ok, dv, 0.0))
    covered = cnt >= min_coverage * days[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_dv = np.where(covered, tot / cnt, 0.0).sum(axis=1)
    n_cov = covered.sum(axis=1)
    seg = np.zeros(n_m, dtype=np.int64)
    for i in range(1, n_m):
        prev, now = covered[i - 1], covered[i]
        base = max(int(prev.sum()), 1)
        moved = int((prev != now).sum()) / base
        seg[i] = seg[i - 1] + (1 if moved > segment_tolerance else 0)
    table = pd.DataFrame(
        {
            "dollar_volume": np.where(n_cov > 0, mean_dv, np.nan),
            "n_covered": n_cov,
            "segment": seg,
        },
        index=pd.DatetimeIndex(
            pd.PeriodIndex(months).to_timestamp(how="end").normalize(), name="month"
        ),
    )
    return VolumeHistory(table=table, segment_tolerance=float(segment_tolerance))
