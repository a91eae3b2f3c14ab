"""Honest model selection: the deflated Sharpe ratio and walk-forward evaluation.

A grid of thousands of configurations always has a best cell; :func:`deflated_sharpe`
(Bailey & López de Prado, 2014) asks how likely its Sharpe ratio beats the best one
expected from that many tries of strategies without skill. :func:`walk_forward` picks a
configuration in each training window and reports how it did in the next, unseen one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from capsize.backtest._inputs import check_returns_series, infer_periods_per_year
from capsize.errors import InputError

if TYPE_CHECKING:
    from capsize._typing import FloatArray

__all__ = [
    "DeflatedSharpe",
    "WalkForward",
    "deflated_sharpe",
    "distinct_trials",
    "expected_max_sharpe",
    "walk_forward",
]

_EULER = 0.5772156649015329
_N = NormalDist()


@dataclass(frozen=True)
class DeflatedSharpe:
    """The deflated Sharpe ratio of a selected strategy.

    Attributes
    ----------
    sharpe : float
        Annualized Sharpe ratio of the selected strategy.
    expected_max_sharpe : float
        Annualized Sharpe ratio the best of ``n_trials`` skill-less strategies is
        expected to reach (the deflation benchmark, ``SR0``).
    probability : float
        Probability that the true Sharpe ratio exceeds ``expected_max_sharpe`` (the
        DSR); above 0.95 is the usual bar for calling it skill.
    n_trials : int
        Configurations tried.
    n_periods : int
        Length of the selected strategy's return series.
    """

    sharpe: float
    expected_max_sharpe: float
    probability: float
    n_trials: int
    n_periods: int


def expected_max_sharpe(n_trials: int, sharpe_var: float) -> float:
    """Return the expected maximum of ``n_trials`` Sharpe ratios of zero true mean.

    Parameters
    ----------
    n_trials : int
        Number of independent configurations tried.
    sharpe_var : float
        Variance of the Sharpe ratio estimates across the trials (same units as the
        result: per period, or annualized squared).

    Returns
    -------
    float
        ``sqrt(V) ((1 - γ) Z⁻¹(1 - 1/N) + γ Z⁻¹(1 - 1/(N e)))``; 0 for one trial.

    Examples
    --------
    >>> round(expected_max_sharpe(100, 1.0), 4)
    2.5306
    """
    if n_trials < 1:
        raise InputError(f"n_trials={n_trials!r} must be at least 1")
    if n_trials == 1:
        return 0.0
    z1 = _N.inv_cdf(1.0 - 1.0 / n_trials)
    z2 = _N.inv_cdf(1.0 - 1.0 / (n_trials * math.e))
    return math.sqrt(max(sharpe_var, 0.0)) * ((1.0 - _EULER) * z1 + _EULER * z2)


def distinct_trials(values: FloatArray) -> np.ndarray:
    """Return the distinct strategy of each column of ``values`` (equal columns: one strategy).

    Parameters
    ----------
    values : ndarray of shape (n_rows, n_configs)
        One column per configuration: its net returns per period (or its row of
        statistics).

    Returns
    -------
    ndarray of int64, shape (n_configs,)
        The distinct strategy of each configuration, numbered 0, 1, ... in order of first
        appearance; ``ids.max() + 1`` strategies were tried.

    Notes
    -----
    Exact: two columns are the same strategy only when they are equal bit for bit
    (``-0.0`` counts as ``0.0`` and a NaN equals a NaN in the same place); no tolerance.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[0.0, 0.1, -0.0, 0.1], [0.2, 0.3, 0.2, 0.3]])
    >>> distinct_trials(x).tolist()
    [0, 1, 0, 1]
    """
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 2:
        raise InputError(f"values must be 2-D (n_rows, n_configs); got {x.ndim} dimension(s)")
    # + 0.0 turns -0.0 into 0.0; every NaN gets the one canonical bit pattern
    cols = np.ascontiguousarray(np.where(np.isnan(x), np.nan, x + 0.0).T)
    seen: dict[bytes, int] = {}
    ids = np.empty(cols.shape[0], dtype=np.int64)
    for k, col in enumerate(cols):
        ids[k] = seen.setdefault(col.tobytes(), len(seen))
    return ids


def deflated_sharpe(
    returns: pd.Series,
    trial_sharpes: Sequence[float] | FloatArray,
    *,
    n_trials: int | None = None,
    periods_per_year: float | None = None,
) -> DeflatedSharpe:
    """Return the deflated Sharpe ratio of the selected strategy's returns.

    Parameters
    ----------
    returns : Series of simple returns per period
        The selected (best) configuration's returns; no NaN.
    trial_sharpes : sequence of float
        Annualized Sharpe ratios of every configuration tried (e.g. the ``sharpe``
        column of a sweep); their variance sets the deflation benchmark.
    n_trials : int, optional
        Effective number of independent trials; default ``len(trial_sharpes)``
        (conservative when the configurations are correlated).
    periods_per_year : float, optional
        Default: inferred from the index spacing.

    Returns
    -------
    DeflatedSharpe

    Notes
    -----
    Per-period Sharpe ``SR``, skewness ``g3`` and (non-excess) kurtosis ``g4`` of the
    returns over ``T`` periods give
    ``DSR = Φ((SR - SR0) sqrt(T - 1) / sqrt(1 - g3 SR + (g4 - 1) / 4 SR²))`` with
    ``SR0`` from :func:`expected_max_sharpe`. NaN Sharpe ratios among the trials are
    ignored for the variance but still count as trials.
    """
    x = check_returns_series(returns).to_numpy()
    ppy = infer_periods_per_year(returns.index) if periods_per_year is None else periods_per_year
    trials = np.asarray(trial_sharpes, dtype=np.float64)
    n = len(trials) if n_trials is None else int(n_trials)
    finite = trials[np.isfinite(trials)]
    var = float(np.var(finite, ddof=1)) / ppy if len(finite) > 1 else 0.0
    sr0 = expected_max_sharpe(n, var)
    sd = float(np.std(x, ddof=1))
    if sd == 0:
        raise InputError("returns are constant; the Sharpe ratio is undefined")
    sr = float(np.mean(x)) / sd
    z = (x - x.mean()) / float(np.std(x))
    g3, g4 = float(np.mean(z**3)), float(np.mean(z**4))
    den = 1.0 - g3 * sr + (g4 - 1.0) / 4.0 * sr * sr
    prob = _N.cdf((sr - sr0) * math.sqrt(len(x) - 1) / math.sqrt(den))
    root = math.sqrt(ppy)
    return DeflatedSharpe(sr * root, sr0 * root, prob, n, len(x))


@dataclass(frozen=True, eq=False)
class WalkForward:
    """In-sample choices evaluated out of sample.

    Attributes
    ----------
    folds : DataFrame
        One row per fold: ``train_start, train_end, test_start, test_end``, the chosen
        parameters, ``in_sample`` (the metric of the choice in training),
        ``out_of_sample`` (its metric in the test window), ``oos_median`` (median
        metric of all configurations in the test window), ``oos_percentile`` (share of
        the *other* configurations the choice beat out of sample, 0..1) and
        ``oos_chance`` (that share averaged over every configuration as if chosen: 0.5
        without ties, the level of a choice without skill).
    oos_returns : Series or None
        The chosen configurations' returns over the test windows, chained (when a
        ``returns_of`` function was given).
    metric : str
        The column the choice maximised.
    """

    folds: pd.DataFrame
    oos_returns: pd.Series | None
    metric: str


def _fold_bounds(n: int, train: int, test: int, anchored: bool) -> list[tuple[int, int, int]]:
    if train < 2 or test < 2:
        raise InputError(f"train={train} and test={test} must each be at least 2 periods")
    if train + test > n:
        raise InputError(f"train={train} + test={test} periods exceed the {n} available")
    return [(0 if anchored else s - train, s, min(s + test, n)) for s in range(train, n - 1, test)]


def _metric_of(table: pd.DataFrame, choice: Mapping[str, Any], metric: str) -> float:
    mask = pd.Series(True, index=table.index)
    for p, v in choice.items():
        mask &= (table[p] == v) | (table[p].isna() & pd.isna(v))
    hit = table[mask.to_numpy()]
    if hit.empty:
        raise InputError(f"the test window has no row for {dict(choice)}; evaluate the same grid")
    return float(hit[metric].iloc[0])


def _beat_shares(values: FloatArray, got: float) -> dict[str, float]:
    """Share of the *other* configurations the choice beat, and the same share by chance.

    ``oos_percentile``: configurations with a finite metric strictly below the choice's,
    over the number of others (the choice is not in its own denominator: with two
    configurations it is 0 or 1). ``oos_chance``: the mean of that share over every
    configuration as if it were chosen (0.5 without ties), what a choice without skill
    scores on average. NaN when fewer than two configurations have a metric.
    """
    v = values[np.isfinite(values)]
    k = len(v) - 1
    if k < 1 or not math.isfinite(got):
        return {"oos_percentile": math.nan, "oos_chance": math.nan}
    below = np.searchsorted(np.sort(v), v, side="left")  # others strictly below each one
    return {
        "oos_percentile": float((v < got).sum()) / k,
        "oos_chance": float(below.mean()) / k,
    }


def walk_forward(
    index: pd.DatetimeIndex,
    evaluate: Callable[[pd.Timestamp, pd.Timestamp], pd.DataFrame],
    *,
    params: Sequence[str],
    train: int,
    test: int,
    metric: str = "sharpe",
    anchored: bool = False,
    returns_of: Callable[[Mapping[str, Any]], pd.Series] | None = None,
) -> WalkForward:
    """Choose the best configuration in each training window, evaluate it in the next.

    Parameters
    ----------
    index : DatetimeIndex
        The periods of the history (e.g. ``returns.index``).
    evaluate : callable (start, end) -> DataFrame
        Statistics of every configuration over ``start .. end`` inclusive, one row per
        configuration, with the ``params`` columns and ``metric`` (e.g. a
        :func:`capsize.backtest.ma_sweep` call with ``start``/``end``). It must use
        no data after ``end`` to compute positions (sweeps do not).
    params : sequence of str
        Columns identifying a configuration.
    train, test : int
        Window lengths in periods; folds step forward by ``test``.
    metric : str, default "sharpe"
        Column to maximise in sample (NaN never wins).
    anchored : bool, default False
        True: every training window starts at the first period (expanding).
    returns_of : callable (params mapping) -> Series, optional
        Full-history returns of one configuration; when given, the chosen
        configurations' test-window returns are chained into ``oos_returns``.

    Returns
    -------
    WalkForward
    """
    idx = pd.DatetimeIndex(index)
    rows, pieces = [], []
    for a, b, c in _fold_bounds(len(idx), train, test, anchored):
        ins = evaluate(idx[a], idx[b - 1])
        if ins[metric].notna().sum() == 0:
            raise InputError(f"no configuration has a {metric} in the window {idx[a].date()}..")
        best = ins.iloc[int(np.nanargmax(ins[metric].to_numpy(dtype=np.float64)))]
        choice = {p: best[p] for p in params}
        oos = evaluate(idx[b], idx[c - 1])
        got = _metric_of(oos, choice, metric)
        rows.append({
            "train_start": idx[a], "train_end": idx[b - 1], "test_start": idx[b], "test_end": idx[c - 1],
            **choice, "in_sample": float(best[metric]), "out_of_sample": got,
            "oos_median": float(oos[metric].median()),
            **_beat_shares(oos[metric].to_numpy(dtype=np.float64), got),
        })  # fmt: skip
        if returns_of is not None:
            pieces.append(returns_of(choice).loc[idx[b] : idx[c - 1]])
    oos_returns = pd.concat(pieces) if pieces else None
    return WalkForward(pd.DataFrame(rows), oos_returns, metric)
