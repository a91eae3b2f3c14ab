"""Regression of the small-minus-large spread on yield changes, full period and rolling."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from capsize.analytics.rates._inputs import Frequency, spread_and_yield_changes
from capsize.errors import InputError

__all__ = [
    "OlsFit",
    "RateRegression",
    "ols",
    "rate_sensitivity",
    "rolling_rate_correlation",
    "rolling_rate_sensitivity",
]


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


@dataclass(frozen=True)
class OlsFit:
    """Coefficients, standard errors and R-squared of one least-squares fit."""

    params: np.ndarray
    std_errors: np.ndarray
    r_squared: float


def ols(y: np.ndarray, x: np.ndarray, *, hac_lags: int | None = None) -> OlsFit:
    """Fit ``y = x b + e`` by least squares, with classical or Newey-West standard errors.

    Parameters
    ----------
    y : ndarray of shape (n,)
        Dependent variable.
    x : ndarray of shape (n, k)
        Regressors (include a column of ones for a constant); full column rank.
    hac_lags : int, optional
        None: classical standard errors ``sqrt(diag(s^2 (X'X)^-1))`` with
        ``s^2 = RSS / (n - k)``. An integer L: Newey-West (HAC) standard errors,
        ``(X'X)^-1 S (X'X)^-1`` with ``S = sum_t u_t^2 x_t x_t' + sum_{l=1..L}
        (1 - l/(L+1)) sum_t u_t u_{t-l} (x_t x_{t-l}' + x_{t-l} x_t')``, no small-sample
        correction (statsmodels' ``cov_type="HAC"`` default).

    Returns
    -------
    OlsFit

    Notes
    -----
    R-squared is ``1 - RSS/TSS`` with TSS around the mean of ``y`` (a constant is assumed).
    """
    xtx_inv = np.linalg.inv(x.T @ x)
    params = xtx_inv @ (x.T @ y)
    resid = y - x @ params
    rss = float(resid @ resid)
    if hac_lags is None:
        cov = xtx_inv * (rss / (len(y) - x.shape[1]))
    else:
        xu = x * resid[:, None]
        meat = xu.T @ xu
        for lag in range(1, hac_lags + 1):
            s = xu[lag:].T @ xu[:-lag]
            meat += (1.0 - lag / (hac_lags + 1.0)) * (s + s.T)
        cov = xtx_inv @ meat @ xtx_inv
    centred = y - y.mean()
    return OlsFit(params, np.sqrt(np.diag(cov)), 1.0 - rss / float(centred @ centred))


def rate_sensitivity(
    small: pd.Series,
    large: pd.Series,
    yields: pd.DataFrame,
    *,
    frequency: Frequency = "M",
    cov_type: Literal["HAC", "nonrobust"] = "HAC",
    maxlags: int | None = None,
    changes: pd.DataFrame | None = None,
) -> RateRegression:
    """Regress the small-minus-large spread on yield changes (full period).

    ``spread_t = a + sum_k b_k * d_yield_k,t + e_t`` (least squares in numpy, :func:`ols`)

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
    changes : DataFrame, optional
        :func:`spread_and_yield_changes` of these inputs at ``frequency``, computed once
        and reused across several fits (the prices and yields are then not read again).

    Returns
    -------
    RateRegression

    Raises
    ------
    InputError
        If fewer than ``n_regressors + 3`` aligned periods remain.
    """
    data = (
        changes
        if changes is not None
        else spread_and_yield_changes(small, large, yields, frequency=frequency)
    )
    xcols = [c for c in data.columns if c.startswith("d_")]
    if len(data) < len(xcols) + 3:
        raise InputError(
            f"only {len(data)} aligned periods of prices and yields; "
            f"need at least {len(xcols) + 3} (check that yields and prices overlap in time)"
        )
    x = np.column_stack([np.ones(len(data)), data[xcols].to_numpy(dtype=float)])
    if np.linalg.matrix_rank(x) < x.shape[1]:
        raise InputError(
            f"yield changes {xcols} are constant or collinear over the sample; "
            "pass yield series that move, and not copies of one another"
        )
    y = data["spread"].to_numpy(dtype=float)
    if cov_type == "HAC":
        lags = maxlags if maxlags is not None else _default_lags(len(data))
        fit = ols(y, x, hac_lags=lags)
        cov_text = f"HAC (Newey-West, {lags} lags)"
    elif cov_type == "nonrobust":
        fit = ols(y, x)
        cov_text = "nonrobust (classical OLS)"
    else:
        raise InputError(f"cov_type={cov_type!r} is not 'HAC' or 'nonrobust'")
    names = ["const", *xcols]
    return RateRegression(
        coefficients=pd.Series(fit.params, index=names, name="coef"),
        std_errors=pd.Series(fit.std_errors, index=names, name="se"),
        t_stats=pd.Series(fit.params / fit.std_errors, index=names, name="t"),
        r_squared=fit.r_squared,
        n_obs=len(y),
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
    changes: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Run a rolling OLS of the spread on yield changes.

    Parameters
    ----------
    small, large, yields, frequency
        As in :func:`rate_sensitivity`.
    window : int
        Periods per regression (36 months by default).
    changes : DataFrame, optional
        :func:`spread_and_yield_changes` of these inputs at ``frequency``, computed once
        and reused across several fits (the prices and yields are then not read again).

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
    data = (
        changes
        if changes is not None
        else spread_and_yield_changes(small, large, yields, frequency=frequency)
    )
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
    changes: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Compute the rolling Pearson correlation of the spread with each yield change.

    Parameters
    ----------
    small, large, yields, frequency
        As in :func:`rate_sensitivity`.
    window : int
        Periods per correlation.
    changes : DataFrame, optional
        :func:`spread_and_yield_changes` of these inputs at ``frequency``, computed once
        and reused across several fits (the prices and yields are then not read again).

    Returns
    -------
    DataFrame
        Indexed by window end, one column ``d_<series>`` per yield; rows before
        the first full window are dropped.
    """
    if window < 3:
        raise InputError(f"window={window} is too short; use at least 3 periods")
    data = (
        changes
        if changes is not None
        else spread_and_yield_changes(small, large, yields, frequency=frequency)
    )
    xcols = [c for c in data.columns if c.startswith("d_")]
    out = pd.DataFrame({c: data["spread"].rolling(window).corr(data[c]) for c in xcols})
    return out.dropna(how="all")
