"""Checks on accepted bars: OHLC consistency, stale runs, zero volume and jumps.

Each check takes the sorted, deduplicated rows of :class:`~capsize.data.quality._core.Accepted`
and returns findings frames (rows are kept). Used by
:mod:`capsize.data.quality._checks`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Final

import numpy as np
import pandas as pd

from capsize._format import fmt_pct
from capsize.data.quality._core import Accepted
from capsize.data.quality._findings import findings_frame, fmt_px, iso_days, true_runs

__all__ = ["PRICE_COLS", "jump_checks", "ohlc_checks", "stale_checks", "zero_volume_checks"]

PRICE_COLS: Final[tuple[str, ...]] = ("open", "high", "low", "close")
"""Price columns of a bar (each must be > 0)."""
_EPS: Final[float] = 1e-6  # relative slack for OHLC consistency (files carry ~8 significant digits)


def ohlc_checks(core: Accepted) -> list[pd.DataFrame]:
    """``high_below_low`` and ``close/open_outside_range`` warnings (rows kept)."""
    out: list[pd.DataFrame] = []
    v = core.vals
    nan = np.full(len(core.code), np.nan)
    o, h, lo, c = (v.get(k, nan) for k in PRICE_COLS)
    with np.errstate(invalid="ignore"):
        hl = h < lo
        bad_c = ~hl & ((c < lo * (1 - _EPS)) | (c > h * (1 + _EPS)))
        bad_o = ~hl & ((o < lo * (1 - _EPS)) | (o > h * (1 + _EPS)))
    i = np.flatnonzero(hl)
    if len(i):
        det = [
            f"high {fmt_px(h[j])} < low {fmt_px(lo[j])} on {d} "
            f"(open {fmt_px(o[j])}, close {fmt_px(c[j])}); row kept"
            for j, d in zip(i.tolist(), iso_days(core.ns[i]), strict=True)
        ]
        out.append(findings_frame(core.key_at(i), core.ns[i], "high_below_low", "warning", det))
    for mask, what, arr in ((bad_c, "close", c), (bad_o, "open", o)):
        i = np.flatnonzero(mask)
        if len(i):
            det = [
                f"{what} {fmt_px(arr[j])} outside [low {fmt_px(lo[j])}, high {fmt_px(h[j])}] "
                f"on {d}; row kept"
                for j, d in zip(i.tolist(), iso_days(core.ns[i]), strict=True)
            ]
            out.append(
                findings_frame(core.key_at(i), core.ns[i], f"{what}_outside_range", "warning", det)
            )
    return out


def stale_checks(
    core: Accepted, col: str, label: str, check: str, min_run: int, severity: str
) -> list[pd.DataFrame]:
    """One ``check`` finding per run of ``min_run`` or more identical values of ``col``."""
    out: list[pd.DataFrame] = []
    x = core.vals.get(col)
    if x is None or len(x) < 2:
        return out
    code = core.code
    eq = np.r_[False, (x[1:] == x[:-1]) & (code[1:] == code[:-1])]
    starts, lengths = true_runs(eq, code)
    sel = lengths + 1 >= min_run
    if sel.any():
        s0 = starts[sel] - 1
        s1 = starts[sel] + lengths[sel] - 1
        det = [
            f"{label} unchanged at {fmt_px(x[a])} on {n:,} consecutive rows, {d0}..{d1}"
            for a, n, d0, d1 in zip(
                s0.tolist(),
                (lengths[sel] + 1).tolist(),
                iso_days(core.ns[s0]),
                iso_days(core.ns[s1]),
                strict=True,
            )
        ]
        out.append(findings_frame(core.key_at(s0), core.ns[s0], check, severity, det))
    return out


def zero_volume_checks(core: Accepted, min_run: int) -> list[pd.DataFrame]:
    """One ``zero_volume_run`` warning per run of ``min_run`` or more zero volumes."""
    vol = core.vals.get("volume")
    if vol is None:
        return []
    starts, lengths = true_runs(vol == 0, core.code)
    sel = lengths >= min_run
    if not sel.any():
        return []
    s0 = starts[sel]
    s1 = s0 + lengths[sel] - 1
    det = [
        f"volume 0 on {n:,} consecutive rows, {d0}..{d1} (no trades, or volume unknown)"
        for n, d0, d1 in zip(
            lengths[sel].tolist(), iso_days(core.ns[s0]), iso_days(core.ns[s1]), strict=True
        )
    ]
    return [findings_frame(core.key_at(s0), core.ns[s0], "zero_volume_run", "warning", det)]


def _split_label(k: float, up: bool) -> str:
    fr = Fraction(k).limit_denominator(100)
    p, q = fr.numerator, fr.denominator
    return f"{q}:{p} reverse split" if up else f"{p}:{q} split"


def jump_checks(
    core: Accepted, basis: str, ratios: Sequence[float], tol: float, large: float
) -> list[pd.DataFrame]:
    """``split_jump`` warnings (close ratio near a split ratio) and ``large_move`` notes."""
    c = core.vals["close"]
    code = core.code
    if len(c) < 2:
        return []
    pair = np.flatnonzero(code[1:] == code[:-1]) + 1  # index of the later row
    with np.errstate(over="ignore", divide="ignore"):
        r = c[pair] / c[pair - 1]
    kmin = float(min(ratios)) if ratios else math.inf
    hi = min(1.0 + large, kmin * (1 - tol))
    lo = max(1.0 - large, (1 + tol) / kmin)
    cand = np.flatnonzero((r >= hi) | (r <= lo))
    if not len(cand):
        return []
    j1 = pair[cand]
    rc = r[cand]
    out: list[pd.DataFrame] = []
    hit = np.zeros(len(cand), dtype=bool)
    labels = np.empty(len(cand), dtype=object)
    if ratios:
        k = np.asarray(ratios, dtype=np.float64)
        with np.errstate(over="ignore", invalid="ignore"):
            dev = np.concatenate([np.abs(rc[:, None] / k - 1), np.abs(rc[:, None] * k - 1)], axis=1)
        best = np.argmin(dev, axis=1)
        hit = dev[np.arange(len(cand)), best] <= tol
        for j in np.flatnonzero(hit).tolist():
            b = int(best[j])
            labels[j] = _split_label(float(k[b % len(k)]), up=b < len(k))
    d1 = iso_days(core.ns[j1])
    d0 = iso_days(core.ns[j1 - 1])
    if basis == "raw":
        why = "possible unadjusted split"
    else:
        why = f"the data is {basis}, so a possible bad adjustment or bad tick"
    i = np.flatnonzero(hit)
    if len(i):
        det = [
            f"close {fmt_px(c[j1[j]])} on {d1[j]} vs {fmt_px(c[j1[j] - 1])} on {d0[j]}: "
            f"×{fmt_px(rc[j])}, near a {labels[j]}; {why}"
            for j in i.tolist()
        ]
        out.append(findings_frame(core.key_at(j1[i]), core.ns[j1[i]], "split_jump", "warning", det))
    i = np.flatnonzero(~hit & (np.abs(rc - 1) > large))
    if len(i):
        det = [
            f"close {fmt_px(c[j1[j]])} on {d1[j]} vs {fmt_px(c[j1[j] - 1])} on {d0[j]}: "
            f"{fmt_pct(rc[j] - 1)} (×{fmt_px(rc[j])}), not near a split ratio"
            for j in i.tolist()
        ]
        out.append(findings_frame(core.key_at(j1[i]), core.ns[j1[i]], "large_move", "info", det))
    return out
