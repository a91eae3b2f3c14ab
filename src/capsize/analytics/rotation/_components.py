"""Rotation component builders: pure functions on frames, point in time."""

from __future__ import annotations

import numpy as np
import pandas as pd

from capsize.analytics.factors import (
    DEFAULT_PUBLICATION_LAG_MONTHS,
    point_in_time,
    publication_cutoff,
)
from capsize.analytics.rotation._score import (
    SCORING_RULES,
    ComponentReading,
)
from capsize.errors import InputError

__all__ = [
    "breadth_component",
    "clean_series",
    "flows_component",
    "rates_regime_component",
    "relative_strength_component",
    "size_factor_regime_component",
    "valuation_component",
]


# ---------------------------------------------------------------------------
# component builders: pure functions on frames, point in time
# ---------------------------------------------------------------------------


def clean_series(x: pd.Series, name: str, as_of: object | None) -> pd.Series:
    """Validate a dated series and return it as float64, NaN dropped, cut at ``as_of``.

    Raises
    ------
    InputError
        When ``x`` (the argument ``name``) is not a Series on an increasing DatetimeIndex.
    """
    if not isinstance(x, pd.Series) or not isinstance(x.index, pd.DatetimeIndex):
        raise InputError(f"{name} must be a Series with a DatetimeIndex")
    if not x.index.is_monotonic_increasing:
        raise InputError(f"{name} dates must be increasing; sort it first")
    out: pd.Series = x
    if out.dtype != "float64" or out.hasnans:
        out = out.astype("float64").dropna()
    if as_of is not None:
        cut = pd.Timestamp(as_of)  # type: ignore[arg-type]
        out = out.iloc[: int(out.index.searchsorted(cut, side="right"))]
    return out


def relative_strength_component(
    small: pd.Series,
    large: pd.Series,
    *,
    as_of: object | None = None,
    window: int = 200,
    names: tuple[str, str] = ("IWM", "SPY"),
) -> ComponentReading | None:
    """Small/large price ratio against its ``window``-day mean.

    Parameters
    ----------
    small, large : Series of shape (n_days,), total-return closes
    as_of : date-like, optional
        Use only closes dated on or before it.

    Returns
    -------
    ComponentReading or None
        None when fewer than ``window`` common days are available.
    """
    s, lg = clean_series(small, "small", as_of), clean_series(large, "large", as_of)
    # join only the recent tail (fast path); fall back to the full join if dates diverge
    both = pd.concat([s.iloc[-2 * window :], lg.iloc[-2 * window :]], axis=1, join="inner")
    if len(both) < window:
        both = pd.concat([s, lg], axis=1, join="inner")
    both = both.iloc[-window:]
    if len(both) < window:
        return None
    ratio = both.iloc[:, 0] / both.iloc[:, 1]
    mean = float(ratio.mean())
    last = float(ratio.iloc[-1])
    value = last / mean - 1.0
    d = pd.Timestamp(both.index[-1])
    return ComponentReading(
        "relative_strength",
        value,
        SCORING_RULES["relative_strength"].units,
        f"{names[0]}/{names[1]} ratio {last:.4f} on {d:%Y-%m-%d} is {value * 100:+.1f}% "
        f"against its {window}-day mean {mean:.4f} (since {both.index[0]:%Y-%m-%d})",
        d,
        f"adjusted closes {names[0]}, {names[1]}",
        pd.Timestamp(both.index[0]),
    )


def breadth_component(
    panel: pd.DataFrame,
    *,
    as_of: object | None = None,
    window: int = 200,
    min_names: int = 50,
    universe: str = "small-cap universe",
) -> ComponentReading | None:
    """Share of stocks whose last close is above their ``window``-day mean.

    Parameters
    ----------
    panel : DataFrame of shape (n_days, n_stocks), closes
    min_names : int
        Fewer stocks with a full window -> None (not assessed).

    Notes
    -----
    A stock counts only with ``window`` valid closes in the last ``window`` rows
    and a close on the last row.
    """
    if not isinstance(panel, pd.DataFrame) or not isinstance(panel.index, pd.DatetimeIndex):
        raise InputError("panel must be a DataFrame of closes with a DatetimeIndex")
    p = panel if as_of is None else panel.loc[panel.index <= pd.Timestamp(as_of)]  # type: ignore[arg-type]
    p = p.dropna(how="all").iloc[-window:]
    if len(p) < window:
        return None
    full = p.notna().all()
    p = p.loc[:, full]
    n = p.shape[1]
    if n < min_names:
        return None
    above = int((p.iloc[-1] > p.mean()).sum())
    value = above / n
    d = pd.Timestamp(p.index[-1])
    return ComponentReading(
        "breadth",
        value,
        SCORING_RULES["breadth"].units,
        f"{above:,} of {n:,} stocks in the {universe} ({value * 100:.0f}%) closed above "
        f"their {window}-day mean on {d:%Y-%m-%d}",
        d,
        universe,
        pd.Timestamp(p.index[0]),
    )


def rates_regime_component(
    yields: pd.Series,
    *,
    as_of: object | None = None,
    months: int = 3,
    max_gap_days: int = 10,
    name: str = "DGS2",
) -> ComponentReading | None:
    """Change of a yield (percent) over ``months`` months, in percentage points.

    The earlier point is the last observation on or before ``last_date - months``;
    it must be within ``max_gap_days`` of that date (else None).
    """
    y = clean_series(yields, "yields", as_of)
    if y.empty:
        return None
    d = pd.Timestamp(y.index[-1])
    target = d - pd.DateOffset(months=months)
    before = y.loc[y.index <= target]
    if before.empty or (target - before.index[-1]).days > max_gap_days:
        return None
    d0 = pd.Timestamp(before.index[-1])
    v0, v1 = float(before.iloc[-1]), float(y.iloc[-1])
    value = v1 - v0
    return ComponentReading(
        "rates_regime",
        value,
        SCORING_RULES["rates_regime"].units,
        f"{name} {v1:.2f}% on {d:%Y-%m-%d} vs {v0:.2f}% on {d0:%Y-%m-%d}: "
        f"{value:+.2f} pp over {months} months",
        d,
        f"FRED {name}",
        d0,
    )


def _share_change(
    s: pd.Series, window_days: int, match_days: int
) -> tuple[float, str, pd.Timestamp, pd.Timestamp] | None:
    """Change from the observation closest to ``window_days`` before the last one."""
    if s.empty:
        return None
    d1 = pd.Timestamp(s.index[-1])
    target = d1 - pd.Timedelta(days=window_days)
    gap = np.abs((pd.DatetimeIndex(s.index) - target).days.to_numpy())
    ok = (gap <= match_days) & (s.index < d1)
    if not ok.any():
        return None
    k = int(np.argmin(np.where(ok, gap, np.iinfo(np.int64).max)))
    d0, v0, v1 = pd.Timestamp(s.index[k]), float(s.iloc[k]), float(s.iloc[-1])
    text = f"{v0:,.0f} on {d0:%Y-%m-%d} to {v1:,.0f} on {d1:%Y-%m-%d}"
    return v1 / v0 - 1.0, text, d0, d1


def flows_component(
    shares: pd.Series,
    *,
    as_of: object | None = None,
    large_shares: pd.Series | None = None,
    window_days: int = 182,
    match_days: int = 31,
    names: tuple[str, str] = ("IWM", "SPY"),
) -> ComponentReading | None:
    """Change of ETF shares outstanding over ``window_days`` (fraction).

    The change runs from the observation closest to ``window_days`` before the last
    one on or before ``as_of`` (it must lie within ``match_days`` of that date) to the
    last one; otherwise None. With ``large_shares`` the large-cap fund's change is
    subtracted.

    Notes
    -----
    The reading is dated at its last observation, however old: whether it is too old
    to score is the staleness rule's call (:func:`rotation_score`), not the builder's.
    """
    a = _share_change(clean_series(shares, "shares", as_of), window_days, match_days)
    if a is None:
        return None
    value, text, first, d = a
    evidence = f"{names[0]} shares outstanding {text} ({value * 100:+.1f}%)"
    source = f"{names[0]} shares outstanding"
    if large_shares is not None:
        lg = clean_series(large_shares, "large_shares", as_of)
        b = _share_change(lg, window_days, match_days)
        if b is None:
            return None
        value = value - b[0]
        first, d = min(first, b[2]), max(d, b[3])
        evidence += f" minus {names[1]} {b[1]} ({b[0] * 100:+.1f}%)"
        source += f", {names[1]} shares outstanding"
    units = SCORING_RULES["flows"].units
    return ComponentReading("flows", value, units, evidence, d, source, first)


def valuation_component(
    relative_valuation: pd.Series,
    *,
    as_of: object | None = None,
    min_history: int = 60,
    name: str = "small/large P/E",
) -> ComponentReading | None:
    """Percentile of the latest small/large valuation ratio within its own history.

    ``min_history`` observations are required (else None). Percentile = share of
    observations at or below the latest one.
    """
    v = clean_series(relative_valuation, "relative_valuation", as_of)
    if len(v) < min_history:
        return None
    last = float(v.iloc[-1])
    pct = float((v <= last).mean())
    d = pd.Timestamp(v.index[-1])
    return ComponentReading(
        "valuation",
        pct,
        SCORING_RULES["valuation"].units,
        f"{name} {last:.2f} on {d:%Y-%m-%d} is at the {pct * 100:.0f}th percentile of "
        f"{len(v):,} readings since {v.index[0]:%Y-%m-%d}",
        d,
        name,
        pd.Timestamp(v.index[0]),
    )


def size_factor_regime_component(
    ff_monthly: pd.DataFrame,
    *,
    as_of: object | None = None,
    publication_lag_months: int = DEFAULT_PUBLICATION_LAG_MONTHS,
    column: str = "SMB",
    dataset: str = "FF3 monthly",
) -> ComponentReading | None:
    """Mean of the annualised trailing 12- and 36-month factor returns.

    Parameters
    ----------
    ff_monthly : DataFrame of shape (n_months, n_factors), percent
    as_of : date-like, optional
        Only months published by ``as_of`` (see
        :func:`capsize.analytics.factors.point_in_time`) are used.

    Returns
    -------
    ComponentReading or None
        None with fewer than 36 complete months.
    """
    if not isinstance(ff_monthly, pd.DataFrame) or column not in ff_monthly.columns:
        raise InputError(f"ff_monthly must be a DataFrame with a {column!r} column")
    pit = point_in_time(ff_monthly[[column]], as_of, publication_lag_months)
    x = pit[column].replace([-99.99, -999.0], np.nan).dropna().iloc[-36:] / 100.0
    if len(x) < 36:
        return None
    # the last 36 valid months must be consecutive
    months = pd.DatetimeIndex(x.index).to_period("M")
    if (months[-1] - months[0]).n != 35:
        return None
    g12 = float(np.prod(1.0 + x.iloc[-12:].to_numpy()))
    g36 = float(np.prod(1.0 + x.to_numpy()))
    a12, a36 = g12 - 1.0, g36 ** (1.0 / 3.0) - 1.0
    value = (a12 + a36) / 2.0
    d = pd.Timestamp(x.index[-1])
    if as_of is not None:
        cut = publication_cutoff(as_of, publication_lag_months)
        lag_note = (
            f"French data lag {publication_lag_months} months: latest month usable on "
            f"{pd.Timestamp(as_of):%Y-%m-%d} is {cut:%Y-%m}"  # type: ignore[arg-type]
        )
        behind = (cut.year - x.index[-1].year) * 12 + (cut.month - x.index[-1].month)
        if behind > 0:
            lag_note += f"; the data in hand stop {behind} month(s) earlier (stale vintage)"
    else:
        lag_note = "no as_of given: all months used"
    return ComponentReading(
        "size_factor_regime",
        value,
        SCORING_RULES["size_factor_regime"].units,
        f"{column} trailing 12 months {a12 * 100:+.1f}%, trailing 36 months "
        f"{a36 * 100:+.1f}%/yr (to {d:%Y-%m}); {lag_note}",
        d,
        f"Ken French {dataset} {column}",
        pd.Timestamp(x.index[0]),
    )
