"""Rates as a driver of size rotation: regressions, regimes and Fed policy turns.

The claim tested here is the common one: "small companies carry more
floating-rate debt, so rates drive them". Each function measures one version of
it on data passed in; nothing here reads files or the network.

* :func:`rate_sensitivity` regresses the small-minus-large return spread on
  changes in Treasury yields (statsmodels OLS, Newey-West t-statistics by default).
* :func:`rolling_rate_sensitivity` and :func:`rolling_rate_correlation` show how
  that relation moves over time.
* :func:`rate_regime_table` groups months by whether yields rose, fell or stayed
  flat by a stated threshold and reports what small-minus-large did *next*.
* :func:`detect_policy_turns` finds the first cut and the first hike of each Fed
  cycle in the effective fed funds rate, and :func:`policy_event_study` follows
  small vs large from three months before to twelve months after each turn.

Units: prices in any currency (only ratios are used); yields in percent, as FRED
publishes them, so a yield *change* of ``1.0`` is 100 basis points; returns and
spreads are fractions (0.01 = 1%).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from capsize.analytics._rates_policy import (
    PolicyEventStudy,
    _as_price_series,
    detect_policy_turns,
    policy_event_study,
)
from capsize.errors import InputError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "DEFAULT_HORIZONS",
    "PolicyEventStudy",
    "RateRegression",
    "detect_policy_turns",
    "policy_event_study",
    "rate_regime_table",
    "rate_sensitivity",
    "rolling_rate_correlation",
    "rolling_rate_sensitivity",
    "spread_and_yield_changes",
]

Frequency = Literal["D", "W", "M"]
DEFAULT_HORIZONS: tuple[int, ...] = (1, 3, 6, 12)
"""Forward horizons (months) of the regime table."""

_PERIOD_RULE = {"W": "W-FRI", "M": "ME"}


# ---------------------------------------------------------------------------
# input checks
# ---------------------------------------------------------------------------


def _as_yields(yields: pd.DataFrame | pd.Series, name: str = "yields") -> pd.DataFrame:
    frame = yields.to_frame() if isinstance(yields, pd.Series) else yields
    if not isinstance(frame, pd.DataFrame) or frame.shape[1] == 0:
        raise InputError(f"{name} must be a DataFrame with one column per yield series (percent)")
    if not isinstance(frame.index, pd.DatetimeIndex):
        raise InputError(f"{name} must have a DatetimeIndex")
    out: pd.DataFrame = frame.apply(pd.to_numeric, errors="coerce").astype("float64")
    return out.sort_index()


def _check_frequency(frequency: str) -> Frequency:
    if frequency not in ("D", "W", "M"):
        raise InputError(f"frequency={frequency!r} is not one of 'D', 'W', 'M'")
    return frequency  # type: ignore[return-value]


def spread_and_yield_changes(
    small: pd.Series,
    large: pd.Series,
    yields: pd.DataFrame,
    *,
    frequency: Frequency = "M",
) -> pd.DataFrame:
    """Align the small-minus-large return spread with yield changes.

    Parameters
    ----------
    small, large : Series of shape (n_days,)
        Closing prices (total-return adjusted for ETFs) of the small and large
        leg, indexed by date.
    yields : DataFrame of shape (n_days, n_series), percent
        One column per yield series (e.g. ``DGS2``, ``DGS10``).
    frequency : {"D", "W", "M"}
        ``"D"``: consecutive days on which both prices and every yield exist;
        ``"W"``/``"M"``: last observation of each week (Friday) / month.

    Returns
    -------
    DataFrame
        Columns ``small``, ``large`` (simple returns, fractions), ``spread``
        (``small - large``) and ``d_<series>`` (yield change, percentage points),
        indexed by period end; rows with any missing value dropped.

    Notes
    -----
    NaN policy: prices and yields are first reduced to the dates (``"D"``) or
    period ends (``"W"``, ``"M"``) where each is observed; returns and changes
    are taken between consecutive rows, so a holiday in one series never
    pairs a two-day return with a one-day yield change.
    """
    freq = _check_frequency(frequency)
    s = _as_price_series(small, "small")
    lg = _as_price_series(large, "large")
    y = _as_yields(yields)
    if freq == "D":
        joined = pd.concat(
            [s.rename("small"), lg.rename("large"), y], axis=1, join="inner", sort=True
        ).dropna()
    else:
        rule = _PERIOD_RULE[freq]
        parts = [s.rename("small"), lg.rename("large")] + [y[c].dropna() for c in y.columns]
        joined = pd.concat([p.resample(rule).last() for p in parts], axis=1, sort=True).dropna()
    out = pd.DataFrame(index=joined.index)
    out["small"] = joined["small"].pct_change()
    out["large"] = joined["large"].pct_change()
    out["spread"] = out["small"] - out["large"]
    for c in y.columns:
        out[f"d_{c}"] = joined[c].diff()
    out = out.dropna()
    out.index.name = "date"
    return out


# ---------------------------------------------------------------------------
# regression
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RateRegression:
    """OLS of the small-minus-large spread on yield changes.

    Attributes
    ----------
    coefficients, std_errors, t_stats : Series
        Indexed by ``const`` and ``d_<series>``; a coefficient is the spread
        (fraction) per one percentage point (100 bp) change in that yield.
    r_squared : float
    n_obs : int
    start, end : Timestamp
        First and last period used.
    frequency : str
        ``D``, ``W`` or ``M``.
    cov_type : str
        How standard errors were computed, e.g. ``"HAC (Newey-West, 3 lags)"``.
    small, large : str
        Names of the two legs.
    formula : str
        The model in words.
    """

    coefficients: pd.Series
    std_errors: pd.Series
    t_stats: pd.Series
    r_squared: float
    n_obs: int
    start: pd.Timestamp
    end: pd.Timestamp
    frequency: str
    cov_type: str
    small: str
    large: str
    formula: str


def _default_lags(n: int) -> int:
    # Newey-West (1994) rule of thumb floor(4 (n/100)^(2/9)).
    return int(np.floor(4.0 * (n / 100.0) ** (2.0 / 9.0)))


def rate_sensitivity(
    small: pd.Series,
    large: pd.Series,
    yields: pd.DataFrame,
    *,
    frequency: Frequency = "M",
    cov_type: Literal["HAC", "nonrobust"] = "HAC",
    maxlags: int | None = None,
) -> RateRegression:
    """Regress the small-minus-large spread on yield changes (full period).

    ``spread_t = a + sum_k b_k * d_yield_k,t + e_t``

    Parameters
    ----------
    small, large : Series of shape (n_days,)
        Closing prices of the two legs.
    yields : DataFrame of shape (n_days, n_series), percent
        Yield levels; their period changes are the regressors.
    frequency : {"D", "W", "M"}
        Sampling frequency (see :func:`spread_and_yield_changes`).
    cov_type : {"HAC", "nonrobust"}
        ``"HAC"`` (default): Newey-West standard errors, robust to the
        autocorrelation and heteroskedasticity of returns; ``"nonrobust"``:
        classical OLS standard errors.
    maxlags : int, optional
        HAC lags; default ``floor(4 (n/100)^(2/9))``.

    Returns
    -------
    RateRegression

    Raises
    ------
    InputError
        If fewer than ``n_regressors + 3`` aligned periods remain.
    """
    import statsmodels.api as sm

    data = spread_and_yield_changes(small, large, yields, frequency=frequency)
    xcols = [c for c in data.columns if c.startswith("d_")]
    if len(data) < len(xcols) + 3:
        raise InputError(
            f"only {len(data)} aligned periods of prices and yields; "
            f"need at least {len(xcols) + 3} (check that yields and prices overlap in time)"
        )
    x = sm.add_constant(data[xcols].to_numpy(), has_constant="add")
    if np.linalg.matrix_rank(x) < x.shape[1]:
        raise InputError(
            f"yield changes {xcols} are constant or collinear over the sample; "
            "pass yield series that move, and not copies of one another"
        )
    y = data["spread"].to_numpy()
    model = sm.OLS(y, x)
    if cov_type == "HAC":
        lags = maxlags if maxlags is not None else _default_lags(len(data))
        fit = model.fit(cov_type="HAC", cov_kwds={"maxlags": lags})
        cov_text = f"HAC (Newey-West, {lags} lags)"
    elif cov_type == "nonrobust":
        fit = model.fit()
        cov_text = "nonrobust (classical OLS)"
    else:
        raise InputError(f"cov_type={cov_type!r} is not 'HAC' or 'nonrobust'")
    names = ["const", *xcols]
    return RateRegression(
        coefficients=pd.Series(np.asarray(fit.params, dtype=float), index=names, name="coef"),
        std_errors=pd.Series(np.asarray(fit.bse, dtype=float), index=names, name="se"),
        t_stats=pd.Series(np.asarray(fit.tvalues, dtype=float), index=names, name="t"),
        r_squared=float(fit.rsquared),
        n_obs=int(fit.nobs),
        start=pd.Timestamp(data.index[0]),
        end=pd.Timestamp(data.index[-1]),
        frequency=frequency,
        cov_type=cov_text,
        small=str(small.name) if small.name is not None else "small",
        large=str(large.name) if large.name is not None else "large",
        formula="spread = a + " + " + ".join(f"b*{c}" for c in xcols) + " + e",
    )


def rolling_rate_sensitivity(
    small: pd.Series,
    large: pd.Series,
    yields: pd.DataFrame,
    *,
    window: int = 36,
    frequency: Frequency = "M",
) -> pd.DataFrame:
    """Run a rolling OLS of the spread on yield changes.

    Parameters
    ----------
    small, large, yields, frequency
        As in :func:`rate_sensitivity`.
    window : int
        Periods per regression (36 months by default).

    Returns
    -------
    DataFrame
        Indexed by window end; columns ``coef_<x>`` and ``t_<x>`` for ``const``
        and each ``d_<series>``, plus ``r_squared``. Rows before the first full
        window are dropped.

    Notes
    -----
    Each window is solved from windowed cross-products (``X'X``, ``X'y``,
    ``y'y`` as differences of cumulative sums), the method of statsmodels'
    ``RollingOLS``, in one batched solve. Rolling t-statistics use classical
    (nonrobust) standard errors; they overstate significance when residuals
    are autocorrelated. A window whose ``X'X`` is singular gives NaN.
    """
    if window < 5:
        raise InputError(f"window={window} is too short; use at least 5 periods")
    data = spread_and_yield_changes(small, large, yields, frequency=frequency)
    xcols = [c for c in data.columns if c.startswith("d_")]
    if len(data) < window:
        raise InputError(
            f"only {len(data)} aligned periods; window={window} needs at least that many"
        )
    x = np.column_stack([np.ones(len(data)), data[xcols].to_numpy()])
    params, tvals, r2 = _rolling_ols(data["spread"].to_numpy(dtype=float), x, window)
    names = ["const", *xcols]
    out = pd.DataFrame(index=data.index[window - 1 :])
    for i, n in enumerate(names):
        out[f"coef_{n}"] = params[:, i]
    for i, n in enumerate(names):
        out[f"t_{n}"] = tvals[:, i]
    out["r_squared"] = r2
    return out


def _window_sums(a: np.ndarray, window: int) -> np.ndarray:
    """Sum trailing windows along axis 0 (one row per complete window)."""
    c = np.cumsum(a, axis=0)
    head = c[window - 1 : window]
    return np.concatenate([head, c[window:] - c[:-window]], axis=0)


def _rolling_ols(
    y: np.ndarray, x: np.ndarray, window: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """OLS over every trailing window: (params, t-values, R²), one row per window end."""
    k = x.shape[1]
    xtx = _window_sums(x[:, :, None] * x[:, None, :], window)
    xty = _window_sums(x * y[:, None], window)
    yty = _window_sums(y * y, window)
    ysum = _window_sums(y, window)
    m = len(yty)
    params = np.full((m, k), np.nan)
    tvals = np.full((m, k), np.nan)
    r2 = np.full(m, np.nan)
    ok = np.abs(np.linalg.det(xtx)) > 1e-300
    if ok.any():
        inv = np.linalg.inv(xtx[ok])
        b = np.einsum("nij,nj->ni", inv, xty[ok])
        rss = np.maximum(yty[ok] - np.einsum("ni,ni->n", b, xty[ok]), 0.0)
        sigma2 = rss / (window - k)
        se = np.sqrt(np.einsum("nii->ni", inv) * sigma2[:, None])
        tss = yty[ok] - ysum[ok] ** 2 / window
        params[ok] = b
        with np.errstate(divide="ignore", invalid="ignore"):
            tvals[ok] = b / se
            r2[ok] = 1.0 - rss / tss
    return params, tvals, r2


def rolling_rate_correlation(
    small: pd.Series,
    large: pd.Series,
    yields: pd.DataFrame,
    *,
    window: int = 36,
    frequency: Frequency = "M",
) -> pd.DataFrame:
    """Compute the rolling Pearson correlation of the spread with each yield change.

    Parameters
    ----------
    small, large, yields, frequency
        As in :func:`rate_sensitivity`.
    window : int
        Periods per correlation.

    Returns
    -------
    DataFrame
        Indexed by window end, one column ``d_<series>`` per yield; rows before
        the first full window are dropped.
    """
    if window < 3:
        raise InputError(f"window={window} is too short; use at least 3 periods")
    data = spread_and_yield_changes(small, large, yields, frequency=frequency)
    xcols = [c for c in data.columns if c.startswith("d_")]
    out = pd.DataFrame({c: data["spread"].rolling(window).corr(data[c]) for c in xcols})
    return out.dropna(how="all")


# ---------------------------------------------------------------------------
# regimes
# ---------------------------------------------------------------------------


def rate_regime_table(
    small: pd.Series,
    large: pd.Series,
    yields: pd.DataFrame,
    *,
    threshold_bp: float = 10.0,
    horizons: Sequence[int] = DEFAULT_HORIZONS,
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
    independent observations.
    """
    if threshold_bp < 0:
        raise InputError(f"threshold_bp={threshold_bp} must be >= 0")
    hs = [int(h) for h in horizons]
    if not hs or min(hs) < 1:
        raise InputError(f"horizons={list(horizons)} must be positive whole months")
    data = spread_and_yield_changes(small, large, yields, frequency="M")
    gs = np.log1p(data["small"]).to_numpy()
    gl = np.log1p(data["large"]).to_numpy()
    n = len(data)
    fwd: dict[int, np.ndarray] = {}
    for h in hs:
        vals = np.full(n, np.nan)
        for i in range(n - h):
            vals[i] = np.expm1(gs[i + 1 : i + 1 + h].sum()) - np.expm1(gl[i + 1 : i + 1 + h].sum())
        fwd[h] = vals
    rows: list[dict[str, object]] = []
    index: list[tuple[str, str]] = []
    thr = threshold_bp / 100.0
    for col in [c for c in data.columns if c.startswith("d_")]:
        change = data[col].to_numpy()
        regime = np.where(change >= thr, "rising", np.where(change <= -thr, "falling", "flat"))
        for name in ("rising", "flat", "falling"):
            mask = regime == name
            row: dict[str, object] = {"months": int(mask.sum())}
            for h in hs:
                v = fwd[h][mask]
                v = v[~np.isnan(v)]
                row[f"mean_{h}m"] = float(v.mean()) if v.size else float("nan")
                row[f"hit_{h}m"] = float((v > 0).mean()) if v.size else float("nan")
                row[f"n_{h}m"] = int(v.size)
            rows.append(row)
            index.append((col[2:], name))
    out = pd.DataFrame(rows, index=pd.MultiIndex.from_tuples(index, names=["series", "regime"]))
    out.attrs.update(
        start=pd.Timestamp(data.index[0]),
        end=pd.Timestamp(data.index[-1]),
        threshold_bp=float(threshold_bp),
        formula=(
            "forward small-minus-large = prod(1+r_small) - prod(1+r_large) over months t+1..t+h"
        ),
    )
    return out
