"""Rotation score history and its evidence (forward returns by score bucket)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from capsize.analytics.factors import (
    DEFAULT_PUBLICATION_LAG_MONTHS,
    OVERREADING_WARNING,
    bucket_labels,
)
from capsize.analytics.rotation._components import (
    breadth_component,
    clean_series,
    flows_component,
    rates_regime_component,
    relative_strength_component,
    size_factor_regime_component,
    valuation_component,
)
from capsize.analytics.rotation._score import (
    COMPONENTS,
    ComponentReading,
    resolve_weights,
    rotation_score,
)
from capsize.errors import InputError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = [
    "RotationHistory",
    "RotationInputs",
    "ScoreEvidence",
    "build_readings",
    "rotation_history",
    "score_forward_returns",
    "spearman",
]


# ---------------------------------------------------------------------------
# history and evidence
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RotationInputs:
    """The frames the score is built from (any may be None: NOT ASSESSED)."""

    small_prices: pd.Series | None = None
    large_prices: pd.Series | None = None
    yields_2y: pd.Series | None = None
    ff_monthly: pd.DataFrame | None = None
    breadth_panel: pd.DataFrame | None = None
    small_shares: pd.Series | None = None
    large_shares: pd.Series | None = None
    relative_valuation: pd.Series | None = None
    names: tuple[str, str] = ("IWM", "SPY")
    publication_lag_months: int = DEFAULT_PUBLICATION_LAG_MONTHS
    extra: dict[str, ComponentReading] = field(default_factory=dict)


def build_readings(inputs: RotationInputs, as_of: object) -> dict[str, ComponentReading | None]:
    """Build every component reading available on ``as_of`` (point in time)."""
    out: dict[str, ComponentReading | None] = dict.fromkeys(COMPONENTS)
    if inputs.small_prices is not None and inputs.large_prices is not None:
        out["relative_strength"] = relative_strength_component(
            inputs.small_prices, inputs.large_prices, as_of=as_of, names=inputs.names
        )
    if inputs.breadth_panel is not None:
        out["breadth"] = breadth_component(inputs.breadth_panel, as_of=as_of)
    if inputs.yields_2y is not None:
        out["rates_regime"] = rates_regime_component(inputs.yields_2y, as_of=as_of)
    if inputs.small_shares is not None:
        out["flows"] = flows_component(
            inputs.small_shares, as_of=as_of, large_shares=inputs.large_shares, names=inputs.names
        )
    if inputs.relative_valuation is not None:
        out["valuation"] = valuation_component(inputs.relative_valuation, as_of=as_of)
    if inputs.ff_monthly is not None:
        out["size_factor_regime"] = size_factor_regime_component(
            inputs.ff_monthly, as_of=as_of, publication_lag_months=inputs.publication_lag_months
        )
    ts = pd.Timestamp(as_of)  # type: ignore[arg-type]
    for k, r in inputs.extra.items():
        out[k] = r if pd.Timestamp(r.as_of) <= ts else None
    return out


@dataclass(frozen=True)
class RotationHistory:
    """Monthly point-in-time scores.

    ``frame`` is indexed by score date with columns ``score``, ``label``,
    ``n_assessed`` and one integer-or-NaN column per component score.
    """

    frame: pd.DataFrame
    weights: dict[str, float]
    publication_lag_months: int


def rotation_history(
    inputs: RotationInputs,
    dates: Sequence[object] | pd.DatetimeIndex,
    *,
    weights: Mapping[str, float] | None = None,
) -> RotationHistory:
    """Score every date in ``dates`` using only data available on that date.

    Each date calls :func:`build_readings` then :func:`rotation_score`, so a
    historical reading is exactly what the live command would have shown.
    """
    rows = []
    for d in pd.DatetimeIndex(list(dates)):
        sc = rotation_score(build_readings(inputs, d), as_of=d, weights=weights)
        row: dict[str, object] = {"date": d, "score": sc.score, "label": sc.label}
        row["n_assessed"] = sum(c.status == "ASSESSED" for c in sc.components)
        for c in sc.components:
            row[c.name] = math.nan if c.score is None else float(c.score)
        rows.append(row)
    frame = pd.DataFrame(rows).set_index("date") if rows else pd.DataFrame()
    return RotationHistory(frame, resolve_weights(weights), inputs.publication_lag_months)


@dataclass(frozen=True)
class ScoreEvidence:
    """How past scores related to later small-minus-large returns.

    ``table`` rows are (bucket, horizon) with ``n_obs`` (monthly, overlapping),
    ``n_independent`` (non-overlapping windows), ``mean``, ``median``, ``hit_rate``
    (forward relative return > 0) and ``rank_corr`` (Spearman, score vs forward
    return, over all observations of that horizon).
    """

    table: pd.DataFrame
    horizons_months: tuple[int, ...]
    bins: tuple[float, ...]
    warning: str
    first: pd.Timestamp | None
    last: pd.Timestamp | None


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman rank correlation (average ranks for ties); NaN with < 3 points or no spread.

    Examples
    --------
    >>> round(spearman(np.array([1.0, 2.0, 3.0, 4.0]), np.array([10.0, 20.0, 15.0, 40.0])), 12)
    0.8
    """
    if len(a) < 3:
        return math.nan
    ra = pd.Series(a).rank().to_numpy()
    rb = pd.Series(b).rank().to_numpy()
    if ra.std() == 0 or rb.std() == 0:
        return math.nan
    return float(np.corrcoef(ra, rb)[0, 1])


def _ratio_at(rel: pd.Series, d: pd.Timestamp, max_gap_days: int = 7) -> float | None:
    """Last small/large ratio on or before ``d`` (None when older than ``max_gap_days``)."""
    k = int(rel.index.searchsorted(d, side="right")) - 1
    if k < 0 or (d - rel.index[k]).days > max_gap_days:
        return None
    return float(rel.iloc[k])


def _forward_observations(scores: pd.Series, rel: pd.Series, h: int) -> np.ndarray:
    """Rows (month number, score, forward relative return over ``h`` months)."""
    obs: list[tuple[int, float, float]] = []
    last_price = pd.Timestamp(rel.index[-1]) if len(rel) else None
    for d_raw, sc in scores.items():
        d = pd.Timestamp(str(d_raw))
        end = d + pd.DateOffset(months=h)
        if last_price is None or end > last_price:
            continue
        a, b = _ratio_at(rel, d), _ratio_at(rel, end)
        if a is None or b is None:
            continue
        obs.append((d.year * 12 + d.month, float(sc), b / a - 1.0))
    return np.array(obs, dtype="float64").reshape(-1, 3)


def _bucket_row(sel: np.ndarray, label: str, h: int, rank_corr: float) -> dict[str, object]:
    """Statistics of one (score bucket, horizon) cell from its observation rows."""
    fwd = sel[:, 2]
    count, nxt = 0, -math.inf
    for m in sel[:, 0]:
        if m >= nxt:
            count, nxt = count + 1, m + h
    some = len(fwd) > 0
    return {
        "bucket": label,
        "horizon_months": h,
        "n_obs": len(fwd),
        "n_independent": count,
        "mean": float(fwd.mean()) if some else math.nan,
        "median": float(np.median(fwd)) if some else math.nan,
        "hit_rate": float((fwd > 0).mean()) if some else math.nan,
        "rank_corr": rank_corr,
    }


def score_forward_returns(
    history: RotationHistory | pd.DataFrame,
    small_prices: pd.Series,
    large_prices: pd.Series,
    *,
    horizons_months: Sequence[int] = (3, 6, 12),
    bins: Sequence[float] = (-math.inf, -0.5, 0.5, math.inf),
) -> ScoreEvidence:
    """Forward small-vs-large returns after past score readings.

    The forward return after a reading on date ``t`` is
    ``(S[t+h] / S[t]) / (L[t+h] / L[t]) - 1`` with month-end closes (last close
    on or before each date, at most 7 days before it), ``h`` in months. Score
    buckets are left-closed.
    """
    frame = history.frame if isinstance(history, RotationHistory) else history
    if "score" not in frame.columns:
        raise InputError("history must have a 'score' column (from rotation_history)")
    s = clean_series(small_prices, "small_prices", None)
    lg = clean_series(large_prices, "large_prices", None)
    both = pd.concat([s, lg], axis=1, join="inner")
    scores = frame["score"].dropna()
    rel = both.iloc[:, 0] / both.iloc[:, 1]
    edges = tuple(float(b) for b in bins)
    labels = bucket_labels(edges, "num")
    rows: list[dict[str, object]] = []
    for h in horizons_months:
        arr = _forward_observations(scores, rel, h)
        rc = spearman(arr[:, 1], arr[:, 2])
        for i, label in enumerate(labels):
            sel = arr[(arr[:, 1] >= edges[i]) & (arr[:, 1] < edges[i + 1])]
            rows.append(_bucket_row(sel, label, h, rc))
    first = pd.Timestamp(scores.index[0]) if len(scores) else None
    last = pd.Timestamp(scores.index[-1]) if len(scores) else None
    return ScoreEvidence(
        pd.DataFrame(rows), tuple(horizons_months), edges, OVERREADING_WARNING, first, last
    )
