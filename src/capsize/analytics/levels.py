"""Support and resistance of an index or ETF: clustered swing pivots and a volume profile.

A swing high is a bar whose high is the highest of the ``pivot_window`` bars on each
side; a swing low likewise with lows. Pivot prices within ``tolerance`` of each other
are clustered into one level; each level reports its number of touches (pivots in the
cluster), first and last touch dates and its distance from the last close. A
volume-at-price profile spreads each bar's volume evenly over its high-low range.
Frames in, a frozen :class:`LevelsResult` out; no I/O.

Notes
-----
NaN policy: bars without a close are dropped; a bar without high/low uses its close
for both (close-only data gives close pivots); a bar without volume adds nothing to
the profile (``profile_coverage`` says how many bars had a volume). The last
``pivot_window`` bars cannot be confirmed as pivots yet and are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from capsize.errors import DataNotFound, InputError, SchemaError

if TYPE_CHECKING:
    from capsize._typing import DateLike

__all__ = ["Level", "LevelsResult", "find_levels", "swing_pivots", "volume_profile"]


@dataclass(frozen=True)
class Level:
    """One support or resistance level.

    Attributes
    ----------
    price : float
        Mean price of the clustered pivots (same basis as the bars).
    low, high : float
        Lowest and highest pivot of the cluster.
    kind : {"support", "resistance"}
        Below the last close = support, otherwise resistance.
    touches : int
        Number of swing pivots in the cluster.
    first_touch, last_touch : Timestamp
        Dates of the earliest and latest pivot.
    distance : float
        ``price / last_close - 1`` (fraction; negative for support).
    """

    price: float
    low: float
    high: float
    kind: Literal["support", "resistance"]
    touches: int
    first_touch: pd.Timestamp
    last_touch: pd.Timestamp
    distance: float


@dataclass(frozen=True)
class LevelsResult:
    """Levels of one symbol.

    Attributes
    ----------
    symbol : str
    levels : tuple of Level
        Sorted by price, highest first.
    last_close : float
    last_date : Timestamp
    start : Timestamp
        First bar of the look-back.
    profile : DataFrame
        Columns ``price_low``, ``price_high``, ``volume`` (shares), one row per bin.
    point_of_control : float
        Mid price of the bin with the most volume (NaN without volume).
    profile_coverage : int
        Bars that had a volume.
    params : dict
        ``lookback``, ``pivot_window``, ``tolerance``, ``min_touches``, ``bins``.
    """

    symbol: str
    levels: tuple[Level, ...]
    last_close: float
    last_date: pd.Timestamp
    start: pd.Timestamp
    profile: pd.DataFrame
    point_of_control: float
    profile_coverage: int
    params: dict[str, float]

    def nearest(self, kind: Literal["support", "resistance"]) -> Level | None:
        """Return the level of ``kind`` closest to the last close, if any."""
        cands = [lv for lv in self.levels if lv.kind == kind]
        return min(cands, key=lambda lv: abs(lv.distance)) if cands else None

    def to_frame(self) -> pd.DataFrame:
        """Return the levels as a frame (one row per level)."""
        cols = ["price", "low", "high", "kind", "touches", "first_touch", "last_touch", "distance"]
        return pd.DataFrame([{c: getattr(lv, c) for c in cols} for lv in self.levels], columns=cols)


def _prepare(bars: pd.DataFrame, as_of: DateLike | None, lookback: int) -> pd.DataFrame:
    if "close" not in bars.columns:
        raise SchemaError(f"bars need a 'close' column; they have {list(bars.columns)}")
    if not isinstance(bars.index, pd.DatetimeIndex):
        raise InputError("bars must have a DatetimeIndex")
    df = bars.sort_index()
    if as_of is not None:
        df = df.loc[df.index <= pd.Timestamp(as_of)]
    df = df[df["close"].notna()]
    df = df.iloc[-lookback:]
    close = df["close"].astype("float64")
    high = df.get("high", close).astype("float64").fillna(close)
    low = df.get("low", close).astype("float64").fillna(close)
    vol = (
        df["volume"].astype("float64")
        if "volume" in df
        else pd.Series(np.nan, index=df.index, dtype="float64")
    )
    return pd.DataFrame({"high": high, "low": low, "close": close, "volume": vol})


def swing_pivots(high: np.ndarray, low: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Return boolean masks of swing highs and swing lows.

    Bar ``t`` is a swing high when ``high[t]`` is ``>=`` every high in ``t-k..t-1``
    and ``>`` every high in ``t+1..t+k`` (a flat top counts once, at its last bar);
    symmetric for lows. Bars within ``k`` of either end are never pivots.

    Examples
    --------
    >>> h = np.array([1.0, 2.0, 3.0, 2.0, 1.0])
    >>> swing_pivots(h, h, 2)[0].tolist()
    [False, False, True, False, False]
    """
    n = len(high)
    if k < 1:
        raise InputError(f"pivot_window={k} must be at least 1")
    is_hi = np.zeros(n, dtype=bool)
    is_lo = np.zeros(n, dtype=bool)
    if n < 2 * k + 1:
        return is_hi, is_lo
    from numpy.lib.stride_tricks import sliding_window_view

    hw = sliding_window_view(high, 2 * k + 1)
    lw = sliding_window_view(low, 2 * k + 1)
    centre_h, centre_l = hw[:, k], lw[:, k]
    hi = (centre_h >= hw[:, :k].max(axis=1)) & (centre_h > hw[:, k + 1 :].max(axis=1))
    lo = (centre_l <= lw[:, :k].min(axis=1)) & (centre_l < lw[:, k + 1 :].min(axis=1))
    is_hi[k : n - k] = hi
    is_lo[k : n - k] = lo
    return is_hi, is_lo


def volume_profile(
    high: np.ndarray, low: np.ndarray, volume: np.ndarray, bins: int
) -> pd.DataFrame:
    """Spread each bar's volume evenly over its [low, high] range into ``bins`` price bins.

    A bar with ``high == low`` puts all its volume in the bin containing that price.
    Bars without volume add nothing.
    """
    if bins < 1:
        raise InputError(f"bins={bins} must be at least 1")
    lo_all, hi_all = float(np.min(low)), float(np.max(high))
    if hi_all <= lo_all:
        hi_all = lo_all * (1 + 1e-9) + 1e-9
    edges = np.linspace(lo_all, hi_all, bins + 1)
    v = np.where(np.isnan(volume), 0.0, volume)
    width = high - low
    left, right = edges[:-1][None, :], edges[1:][None, :]
    overlap = np.clip(np.minimum(high[:, None], right) - np.maximum(low[:, None], left), 0.0, None)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(width[:, None] > 0, overlap / width[:, None], 0.0)
    point = width <= 0
    if point.any():
        idx = np.clip(np.searchsorted(edges, low[point], side="right") - 1, 0, bins - 1)
        share[np.flatnonzero(point), idx] = 1.0
    vol_bins = (share * v[:, None]).sum(axis=0)
    return pd.DataFrame({"price_low": edges[:-1], "price_high": edges[1:], "volume": vol_bins})


def _clusters(
    prices: np.ndarray, dates: np.ndarray, tolerance: float
) -> list[tuple[list[float], list[np.datetime64]]]:
    """Cluster pivots sorted by price: a pivot within ``tolerance`` of the running mean joins."""
    clusters: list[tuple[list[float], list[np.datetime64]]] = []
    for price, date in zip(prices, dates, strict=True):
        if clusters:
            members, when = clusters[-1]
            mean = sum(members) / len(members)
            if abs(price / mean - 1.0) <= tolerance:
                members.append(float(price))
                when.append(date)
                continue
        clusters.append(([float(price)], [date]))
    return clusters


def _levels(
    clusters: list[tuple[list[float], list[np.datetime64]]], last_close: float, min_touches: int
) -> list[Level]:
    """Levels of the clusters with enough touches, highest price first."""
    levels = []
    for prices, when in clusters:
        if len(prices) < min_touches:
            continue
        p = sum(prices) / len(prices)
        levels.append(
            Level(
                price=p,
                low=min(prices),
                high=max(prices),
                kind="support" if p < last_close else "resistance",
                touches=len(prices),
                first_touch=pd.Timestamp(min(when)),
                last_touch=pd.Timestamp(max(when)),
                distance=p / last_close - 1.0,
            )
        )
    levels.sort(key=lambda lv: lv.price, reverse=True)
    return levels


def _point_of_control(profile: pd.DataFrame) -> float:
    """Mid price of the bin with the most volume (NaN when no bin has volume)."""
    vols = profile["volume"].to_numpy()
    if not len(vols) or vols.max() <= 0:
        return float("nan")
    i = int(vols.argmax())
    return float((profile["price_low"].iloc[i] + profile["price_high"].iloc[i]) / 2)


def find_levels(
    bars: pd.DataFrame,
    *,
    symbol: str,
    lookback: int = 252,
    pivot_window: int = 5,
    tolerance: float = 0.015,
    min_touches: int = 2,
    bins: int = 40,
    as_of: DateLike | None = None,
) -> LevelsResult:
    """Find support and resistance levels of one symbol.

    Parameters
    ----------
    bars : DataFrame indexed by date
        Columns ``close`` and optionally ``high``, ``low``, ``volume`` (one basis).
    symbol : str
        Symbol, for provenance.
    lookback : int
        Bars (trading days) to use, ending on ``as_of``.
    pivot_window : int
        Bars on each side a swing pivot must dominate.
    tolerance : float
        Pivots whose price is within this fraction of the running cluster mean join it.
    min_touches : int
        Levels with fewer pivots are dropped.
    bins : int
        Number of price bins of the volume profile.
    as_of : date-like, optional
        Ignore bars after this day.

    Returns
    -------
    LevelsResult
    """
    if lookback < 2 * pivot_window + 1:
        raise InputError(f"lookback={lookback} must be at least 2 * pivot_window + 1")
    if not 0 < tolerance < 0.5:
        raise InputError(f"tolerance={tolerance} must be a fraction between 0 and 0.5")
    if min_touches < 1:
        raise InputError(f"min_touches={min_touches} must be at least 1")
    df = _prepare(bars, as_of, lookback)
    if len(df) < 2 * pivot_window + 1:
        raise DataNotFound(
            f"{symbol}: {len(df)} bars with a close; levels need at least {2 * pivot_window + 1}"
        )
    high, low = df["high"].to_numpy(), df["low"].to_numpy()
    is_hi, is_lo = swing_pivots(high, low, pivot_window)
    dates = df.index
    piv_price = np.concatenate([high[is_hi], low[is_lo]])
    piv_date = np.concatenate([dates.values[is_hi], dates.values[is_lo]])
    order = np.argsort(piv_price, kind="stable")
    piv_price, piv_date = piv_price[order], piv_date[order]

    last_close = float(df["close"].iloc[-1])
    levels = _levels(_clusters(piv_price, piv_date, tolerance), last_close, min_touches)
    vol = df["volume"].to_numpy()
    profile = volume_profile(high, low, vol, bins)
    has_vol = int(np.sum(~np.isnan(vol)))
    poc = _point_of_control(profile) if has_vol else float("nan")
    return LevelsResult(
        symbol=symbol,
        levels=tuple(levels),
        last_close=last_close,
        last_date=pd.Timestamp(dates[-1]),
        start=pd.Timestamp(dates[0]),
        profile=profile,
        point_of_control=poc,
        profile_coverage=has_vol,
        params={
            "lookback": float(lookback),
            "pivot_window": float(pivot_window),
            "tolerance": float(tolerance),
            "min_touches": float(min_touches),
            "bins": float(bins),
        },
    )
