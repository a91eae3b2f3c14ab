"""Each size segment's returns through its first proxy with data.

Re-exported by :mod:`capsize.analytics.performance` (and ``capsize.segment_performance``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from capsize.analytics.performance._table import performance_table
from capsize.analytics.performance._windows import Window
from capsize.segments import DEFAULT_SEGMENTS, SegmentSet, Style

if TYPE_CHECKING:
    from capsize._typing import DateLike

__all__ = ["segment_performance"]


def segment_performance(
    closes_adjusted: pd.DataFrame | None,
    closes_raw: pd.DataFrame | None,
    windows: Sequence[Window],
    as_of: DateLike | None = None,
    *,
    segments: SegmentSet = DEFAULT_SEGMENTS,
    style: Style = "blend",
    max_stale_days: int | None = 7,
) -> pd.DataFrame:
    """Compute each size segment's returns through its first proxy (of ``style``) with data.

    Parameters
    ----------
    closes_adjusted, closes_raw : DataFrame of shape (n_days, n_symbols) or None
        As in :func:`capsize.analytics.performance.performance_table`.
    windows : sequence of Window
        Windows to compute.
    as_of : date, optional
        Data cutoff.
    segments : SegmentSet
        Segments and proxies (default :data:`DEFAULT_SEGMENTS`).
    style : {"blend", "value", "growth", "equal-weight"}
        Which proxies to use.
    max_stale_days : int or None
        See :func:`capsize.analytics.performance.series_return`.

    Returns
    -------
    DataFrame
        The columns of ``performance_table`` plus ``segment``, ``label``,
        ``band`` (first columns); a segment without a proxy with data has one
        row per window with NaN returns and the reason in ``total_reason`` and
        ``price_reason``.
    """
    available: set[str] = set()
    for frame in (closes_adjusted, closes_raw):
        if frame is not None:
            available |= {str(c) for c in frame.columns if frame[c].notna().any()}
    parts = []
    for seg in segments:
        cands = [p for p in seg.proxies if p.style == style and p.symbol in available]
        head = {"segment": seg.key, "label": seg.label, "band": seg.band_label()}
        if not cands:
            listed = ", ".join(p.symbol for p in seg.proxies if p.style == style) or "none"
            why = f"no data for any {style} proxy of {seg.key} ({listed})"
            parts.append(
                pd.DataFrame(
                    [
                        {
                            **head,
                            "symbol": None,
                            "window": w.label,
                            "total_return": np.nan,
                            "price_return": np.nan,
                            "total_reason": why,
                            "price_reason": why,
                        }
                        for w in windows
                    ]
                )
            )
            continue
        sym = cands[0].symbol
        adj = (
            closes_adjusted[[sym]]
            if closes_adjusted is not None and sym in closes_adjusted.columns
            else None
        )
        raw = closes_raw[[sym]] if closes_raw is not None and sym in closes_raw.columns else None
        t = performance_table(adj, raw, windows, as_of, max_stale_days=max_stale_days)
        for i, (k, v) in enumerate(head.items()):
            t.insert(i, k, v)
        parts.append(t)
    out = pd.concat(parts, ignore_index=True)
    out.attrs["style"] = style
    return out
