"""Forward relative returns conditional on the trailing spread, with independent-episode counts."""

from __future__ import annotations

import itertools
import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from capsize.analytics.factors._series import cumulative_growth
from capsize.analytics.factors._types import (
    OVERREADING_WARNING,
    ForwardReturnTable,
    Provenance,
    RelativeSeries,
)
from capsize.errors import InputError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "bucket_labels",
    "conditional_forward_returns",
]


def bucket_labels(bins: Sequence[float], fmt: str = "pct") -> list[str]:
    """Readable left-closed bucket names: "below -5%", "-5% to +0%", "+5% and above".

    Parameters
    ----------
    bins : sequence of float
        Strictly increasing edges (``-inf``/``inf`` allowed at the ends).
    fmt : {"pct", "num"}
        ``"pct"``: edges are fractions shown as percent; ``"num"``: plain numbers.

    Examples
    --------
    >>> bucket_labels([-float("inf"), -0.05, 0.0, float("inf")])
    ['below -5%', '-5% to +0%', '+0% and above']
    """

    def f(v: float) -> str:
        return f"{v * 100:+.0f}%" if fmt == "pct" else f"{v:+g}"

    out = []
    for lo, hi in itertools.pairwise(bins):
        if not math.isfinite(lo):
            out.append(f"below {f(hi)}")
        elif not math.isfinite(hi):
            out.append(f"{f(lo)} and above")
        else:
            out.append(f"{f(lo)} to {f(hi)}")
    return out


def _independent(months: np.ndarray, horizon: int) -> int:
    """Greedy count of non-overlapping windows among month positions."""
    count, next_free = 0, -1
    for m in months:
        if m >= next_free:
            count += 1
            next_free = m + horizon
    return count


def conditional_forward_returns(
    rel: pd.Series | RelativeSeries,
    lookback_months: int = 60,
    horizons_months: Sequence[int] = (12, 36, 60),
    bins: Sequence[float] = (-math.inf, -0.05, 0.0, 0.05, math.inf),
) -> ForwardReturnTable:
    """Forward small-vs-large returns grouped by the trailing annualised spread.

    For every month ``t`` the trailing ``lookback_months`` relative return is
    annualised and put in a bucket (``bins``, fraction per year, left-closed);
    the forward relative return over months ``t+1 .. t+h`` is recorded.

    Notes
    -----
    Overlapping windows inflate ``n_months``; ``n_independent`` counts forward
    windows that do not overlap (greedy, earliest first) and ``n_episodes`` counts
    separate runs of consecutive months in the bucket. Read the averages against
    those counts, not against ``n_months``.
    """
    if lookback_months < 1 or any(h < 1 for h in horizons_months):
        raise InputError("lookback_months and horizons_months must be positive month counts")
    edges = [float(b) for b in bins]
    if len(edges) < 2 or any(b >= c for b, c in itertools.pairwise(edges)):
        raise InputError("bins must be at least two strictly increasing edges")
    prov = rel.provenance if isinstance(rel, RelativeSeries) else None
    line = cumulative_growth(rel)
    lv = np.concatenate([[1.0], line.to_numpy()])  # lv[k] = line after k months
    n = len(line)
    labels = bucket_labels(edges)
    pos = np.arange(n)
    trailing = np.full(n, np.nan)
    ok = pos + 1 - lookback_months >= 0
    trailing[ok] = (lv[pos[ok] + 1] / lv[pos[ok] + 1 - lookback_months]) ** (
        12.0 / lookback_months
    ) - 1.0
    bucket = pd.cut(pd.Series(trailing), edges, right=False, labels=False)
    rows: list[dict[str, object]] = []
    for b, label in enumerate(labels):
        in_b = (bucket == b).to_numpy()
        for h in horizons_months:
            valid = in_b & (pos + 1 + h <= n)
            t = pos[valid]
            fwd = lv[t + 1 + h] / lv[t + 1] - 1.0
            ann = (1.0 + fwd) ** (12.0 / h) - 1.0
            runs = int(np.sum(np.diff(np.concatenate([[0], in_b.astype(int)])) == 1))
            rows.append(
                {
                    "bucket": label,
                    "horizon_months": h,
                    "n_months": len(t),
                    "n_independent": _independent(t, h),
                    "n_episodes": runs,
                    "mean_ann": float(np.mean(ann)) if len(t) else math.nan,
                    "median_ann": float(np.median(ann)) if len(t) else math.nan,
                    "hit_rate": float(np.mean(fwd > 0)) if len(t) else math.nan,
                    "worst": float(np.min(fwd)) if len(t) else math.nan,
                    "best": float(np.max(fwd)) if len(t) else math.nan,
                }
            )
    last_b = bucket.iloc[-1]
    current = None if pd.isna(last_b) else labels[int(last_b)]
    if prov is None:
        prov = Provenance(
            "caller series",
            str(line.name),
            "relative returns",
            pd.Timestamp(line.index[0]),
            pd.Timestamp(line.index[-1]),
        )
    return ForwardReturnTable(
        table=pd.DataFrame(rows),
        lookback_months=lookback_months,
        horizons_months=tuple(horizons_months),
        bins=tuple(edges),
        current_bucket=current,
        warning=OVERREADING_WARNING,
        provenance=prov,
    )
