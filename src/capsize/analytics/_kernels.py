"""Loop kernels over a dense ``(n_days, n_tickers)`` float64 panel, and numpy fallbacks.

The loop kernels are plain Python functions written for numba: the engine compiles them
lazily with ``numba.njit(cache=True, nogil=True)`` (see :func:`capsize.analytics.engine.kernels`),
so importing this module never imports numba. Every kernel walks the panel row by row
(time outer) and keeps one small state vector per ticker (ticker inner), which matches the
C-order layout: each row is read once, contiguously, and the independent per-ticker
accumulators break the dependent-add chain so several tickers are in flight at once.

Rolling windows count rows (trading days), not observations; NaN is "no bar". The
rolling mean and variance reproduce the add/remove algorithms of pandas'
``window_aggregations.roll_mean`` / ``roll_var`` (Kahan-compensated sums, Welford
updates, "all values equal" detection), so results equal ``DataFrame.rolling`` to the
last bit in practice and always within 1e-9.

The ``np_*`` functions are vectorized numpy equivalents used when numba is missing or
disabled (``CAPSIZE_NO_NUMBA=1``); they agree with pandas within 1e-9 but are slower and
allocate whole-panel temporaries.
"""

# ruff: noqa: SIM108, SIM114  (explicit branches keep the numba loops readable and branch-cheap)
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from capsize._typing import FloatArray

__all__ = [
    "KERNEL_NAMES",
    "above_ma_counts",
    "cs_mean_count",
    "new_extremes_counts",
    "np_above_ma_counts",
    "np_cs_mean_count",
    "np_new_extremes_counts",
    "np_roll_beta",
    "np_roll_maxmin",
    "np_roll_mean",
    "np_roll_var",
    "roll_beta",
    "roll_maxmin",
    "roll_mean",
    "roll_var",
]

KERNEL_NAMES = (
    "above_ma_counts",
    "cs_mean_count",
    "new_extremes_counts",
    "roll_beta",
    "roll_maxmin",
    "roll_mean",
    "roll_var",
)


# --------------------------------------------------------------------------- numba sources


def roll_mean(x: FloatArray, w: int, minp: int) -> FloatArray:  # pragma: no cover - jitted
    """Compute the rolling mean over ``w`` rows with ``minp`` observations (pandas algorithm)."""
    n, m = x.shape
    out = np.empty((n, m))
    nobs = np.zeros(m, np.int64)
    neg = np.zeros(m, np.int64)
    ncons = np.zeros(m, np.int64)
    s = np.zeros(m)
    cadd = np.zeros(m)
    crem = np.zeros(m)
    prev = np.empty(m)
    for j in range(m):
        prev[j] = x[0, j]
    for t in range(n):
        if w > 1 and t >= w:
            for j in range(m):
                v = x[t - w, j]
                if v == v:
                    nobs[j] -= 1
                    y = -v - crem[j]
                    tt = s[j] + y
                    crem[j] = tt - s[j] - y
                    s[j] = tt
                    if v < 0.0 or (v == 0.0 and math.copysign(1.0, v) < 0.0):
                        neg[j] -= 1
        if w == 1:
            for j in range(m):
                nobs[j] = 0
                neg[j] = 0
                s[j] = 0.0
                cadd[j] = 0.0
                ncons[j] = 0
                prev[j] = x[t, j]
        for j in range(m):
            v = x[t, j]
            if v == v:
                nobs[j] += 1
                y = v - cadd[j]
                tt = s[j] + y
                cadd[j] = tt - s[j] - y
                s[j] = tt
                if v < 0.0 or (v == 0.0 and math.copysign(1.0, v) < 0.0):
                    neg[j] += 1
                if v == prev[j]:
                    ncons[j] += 1
                else:
                    ncons[j] = 1
                prev[j] = v
            k = nobs[j]
            if k >= minp and k > 0:
                r = s[j] / k
                if ncons[j] >= k:
                    r = prev[j]
                elif neg[j] == 0 and r < 0.0:
                    r = 0.0
                elif neg[j] == k and r > 0.0:
                    r = 0.0
                out[t, j] = r
            else:
                out[t, j] = np.nan
    return out


def roll_var(
    x: FloatArray, w: int, minp: int, ddof: int, returns: bool
) -> FloatArray:  # pragma: no cover - jitted
    """Compute the rolling variance over ``w`` rows (pandas 3 ``roll_var``: Welford + Kahan).

    A window whose running sum of squares lost more than ~13 digits to cancellation is
    recomputed from scratch, as pandas does. With ``returns=True`` the series is the
    simple return ``x[t] / x[t-1] - 1``, computed inline (no return panel is allocated).
    """
    n, m = x.shape
    tol = 2.220446049250313e-16 * 1e3
    out = np.empty((n, m))
    nobs = np.zeros(m)
    mean = np.zeros(m)
    ssq = np.zeros(m)
    cadd = np.zeros(m)
    crem = np.zeros(m)
    unstable = np.zeros(m, np.bool_)
    minp = max(minp, 1)
    for t in range(n):
        if t >= w and w > 1:
            tr = t - w
            for j in range(m):
                if returns:
                    v = x[tr, j] / x[tr - 1, j] - 1.0 if tr >= 1 else np.nan
                else:
                    v = x[tr, j]
                if v == v:
                    nobs[j] -= 1.0
                    if nobs[j] != 0.0:
                        p2 = ssq[j]
                        pm = mean[j] - crem[j]
                        y = v - crem[j]
                        tt = y - mean[j]
                        crem[j] = tt + mean[j] - y
                        mean[j] = mean[j] - tt / nobs[j]
                        ssq[j] = ssq[j] - (v - pm) * (v - mean[j])
                        if p2 * tol > ssq[j]:
                            unstable[j] = True
                    else:
                        mean[j] = 0.0
                        ssq[j] = 0.0
                        unstable[j] = False
        s0 = t - w + 1 if t - w + 1 > 0 else 0
        for j in range(m):
            fresh = w == 1 or t == 0 or unstable[j]
            lo = t if not unstable[j] else s0
            if w == 1 or t == 0:
                lo = s0
            if fresh:
                nobs[j] = 0.0
                mean[j] = 0.0
                ssq[j] = 0.0
                cadd[j] = 0.0
                crem[j] = 0.0
            for r in range(lo, t + 1):
                if returns:
                    v = x[r, j] / x[r - 1, j] - 1.0 if r >= 1 else np.nan
                else:
                    v = x[r, j]
                if v == v:
                    p2 = ssq[j]
                    nobs[j] += 1.0
                    pm = mean[j] - cadd[j]
                    y = v - cadd[j]
                    tt = y - mean[j]
                    cadd[j] = tt + mean[j] - y
                    mean[j] = mean[j] + tt / nobs[j]
                    ssq[j] = ssq[j] + (v - pm) * (v - mean[j])
                    if p2 * tol > ssq[j]:
                        unstable[j] = True
            if unstable[j] and not fresh:
                # pandas: adds flagged the window; recompute it from scratch
                nobs[j] = 0.0
                mean[j] = 0.0
                ssq[j] = 0.0
                cadd[j] = 0.0
                crem[j] = 0.0
                for r in range(s0, t + 1):
                    if returns:
                        v = x[r, j] / x[r - 1, j] - 1.0 if r >= 1 else np.nan
                    else:
                        v = x[r, j]
                    if v == v:
                        nobs[j] += 1.0
                        pm = mean[j] - cadd[j]
                        y = v - cadd[j]
                        tt = y - mean[j]
                        cadd[j] = tt + mean[j] - y
                        mean[j] = mean[j] + tt / nobs[j]
                        ssq[j] = ssq[j] + (v - pm) * (v - mean[j])
            unstable[j] = False
            k = nobs[j]
            if k >= minp and k > ddof:
                r2 = ssq[j] / (k - ddof)
                out[t, j] = r2 if r2 > 0.0 else 0.0
            else:
                out[t, j] = np.nan
    return out


def roll_maxmin(x: FloatArray, w: int, minp: int, is_max: bool) -> FloatArray:  # pragma: no cover
    """Compute the rolling max (or min) over ``w`` rows (a ring-buffer deque per ticker)."""
    n, m = x.shape
    out = np.empty((n, m))
    cap = w + 1
    buf = np.empty((cap, m), np.int64)
    head = np.zeros(m, np.int64)
    size = np.zeros(m, np.int64)
    cnt = np.zeros(m, np.int64)
    for t in range(n):
        for j in range(m):
            if t >= w and x[t - w, j] == x[t - w, j]:
                cnt[j] -= 1
            if size[j] > 0 and buf[head[j], j] <= t - w:
                head[j] = (head[j] + 1) % cap
                size[j] -= 1
            v = x[t, j]
            if v == v:
                cnt[j] += 1
                while size[j] > 0:
                    last = buf[(head[j] + size[j] - 1) % cap, j]
                    lv = x[last, j]
                    if (is_max and lv <= v) or ((not is_max) and lv >= v):
                        size[j] -= 1
                    else:
                        break
                buf[(head[j] + size[j]) % cap, j] = t
                size[j] += 1
            if cnt[j] >= minp and cnt[j] > 0:
                out[t, j] = x[buf[head[j], j], j]
            else:
                out[t, j] = np.nan
    return out


def above_ma_counts(
    x: FloatArray, w: int, minp: int
) -> tuple[FloatArray, FloatArray]:  # pragma: no cover - jitted
    """Per row: how many tickers close above their ``w``-row mean, and how many have both.

    The mean is the pandas rolling mean (same algorithm as :func:`roll_mean`), computed
    on the fly; nothing but per-ticker state is allocated.
    """
    n, m = x.shape
    above = np.zeros(n)
    valid = np.zeros(n)
    nobs = np.zeros(m, np.int64)
    neg = np.zeros(m, np.int64)
    ncons = np.zeros(m, np.int64)
    s = np.zeros(m)
    cadd = np.zeros(m)
    crem = np.zeros(m)
    prev = np.empty(m)
    for j in range(m):
        prev[j] = x[0, j]
    for t in range(n):
        if w > 1 and t >= w:
            for j in range(m):
                v = x[t - w, j]
                if v == v:
                    nobs[j] -= 1
                    y = -v - crem[j]
                    tt = s[j] + y
                    crem[j] = tt - s[j] - y
                    s[j] = tt
                    if v < 0.0 or (v == 0.0 and math.copysign(1.0, v) < 0.0):
                        neg[j] -= 1
        a = 0.0
        c = 0.0
        for j in range(m):
            v = x[t, j]
            if w == 1:
                nobs[j] = 0
                neg[j] = 0
                s[j] = 0.0
                cadd[j] = 0.0
                ncons[j] = 0
                prev[j] = v
            if v == v:
                nobs[j] += 1
                y = v - cadd[j]
                tt = s[j] + y
                cadd[j] = tt - s[j] - y
                s[j] = tt
                if v < 0.0 or (v == 0.0 and math.copysign(1.0, v) < 0.0):
                    neg[j] += 1
                if v == prev[j]:
                    ncons[j] += 1
                else:
                    ncons[j] = 1
                prev[j] = v
                k = nobs[j]
                if k >= minp:
                    r = s[j] / k
                    if ncons[j] >= k:
                        r = prev[j]
                    elif neg[j] == 0 and r < 0.0:
                        r = 0.0
                    elif neg[j] == k and r > 0.0:
                        r = 0.0
                    c += 1.0
                    if v > r:
                        a += 1.0
        above[t] = a
        valid[t] = c
    return above, valid


def roll_beta(p: FloatArray, mkt: FloatArray, w: int, minp: int) -> FloatArray:  # pragma: no cover
    """Compute the rolling beta of each ticker's simple returns on the benchmark's, over ``w`` rows.

    Returns are computed inline from prices ``p`` (n, m) and ``mkt`` (n,). A row enters
    a ticker's window only when both its return and the benchmark return exist, so the
    benchmark is used only on days the stock has data.
    """
    n, m = p.shape
    out = np.empty((n, m))
    cnt = np.zeros(m)
    sx = np.zeros(m)
    sy = np.zeros(m)
    sxy = np.zeros(m)
    syy = np.zeros(m)
    for t in range(n):
        if t >= w:
            tr = t - w
            if tr >= 1:
                y = mkt[tr] / mkt[tr - 1] - 1.0
                if y == y:
                    for j in range(m):
                        xv = p[tr, j] / p[tr - 1, j] - 1.0
                        if xv == xv:
                            cnt[j] -= 1.0
                            if cnt[j] == 0.0:
                                sx[j] = 0.0
                                sy[j] = 0.0
                                sxy[j] = 0.0
                                syy[j] = 0.0
                            else:
                                sx[j] -= xv
                                sy[j] -= y
                                sxy[j] -= xv * y
                                syy[j] -= y * y
        y = mkt[t] / mkt[t - 1] - 1.0 if t >= 1 else np.nan
        for j in range(m):
            if t >= 1 and y == y:
                xv = p[t, j] / p[t - 1, j] - 1.0
                if xv == xv:
                    cnt[j] += 1.0
                    sx[j] += xv
                    sy[j] += y
                    sxy[j] += xv * y
                    syy[j] += y * y
            k = cnt[j]
            if k >= minp and k > 1.0:
                my = sy[j] / k
                var = syy[j] / k - my * my
                if var > 0.0:
                    out[t, j] = (sxy[j] / k - (sx[j] / k) * my) / var
                else:
                    out[t, j] = np.nan
            else:
                out[t, j] = np.nan
    return out


def new_extremes_counts(
    x: FloatArray, w: int, minp: int
) -> tuple[FloatArray, FloatArray, FloatArray]:  # pragma: no cover - jitted
    """Per row: tickers above the max / below the min of their previous ``w`` rows.

    A ticker counts (``valid``) on row ``t`` when ``x[t]`` exists and rows ``t-w..t-1``
    hold at least ``minp`` observations; it is a new high when ``x[t]`` is strictly above
    their maximum, a new low when strictly below their minimum.
    """
    n, m = x.shape
    highs = np.zeros(n)
    lows = np.zeros(n)
    valid = np.zeros(n)
    cap = w + 1
    bmax = np.empty((cap, m), np.int64)
    bmin = np.empty((cap, m), np.int64)
    hmax = np.zeros(m, np.int64)
    smax = np.zeros(m, np.int64)
    hmin = np.zeros(m, np.int64)
    smin = np.zeros(m, np.int64)
    cnt = np.zeros(m, np.int64)
    for t in range(n):
        h = 0.0
        lo = 0.0
        c = 0.0
        for j in range(m):
            # window = rows t-w .. t-1: evict row t-w-1
            if t - w - 1 >= 0 and x[t - w - 1, j] == x[t - w - 1, j]:
                cnt[j] -= 1
            if smax[j] > 0 and bmax[hmax[j], j] < t - w:
                hmax[j] = (hmax[j] + 1) % cap
                smax[j] -= 1
            if smin[j] > 0 and bmin[hmin[j], j] < t - w:
                hmin[j] = (hmin[j] + 1) % cap
                smin[j] -= 1
            v = x[t, j]
            if v == v:
                if cnt[j] >= minp and cnt[j] > 0:
                    c += 1.0
                    if v > x[bmax[hmax[j], j], j]:
                        h += 1.0
                    if v < x[bmin[hmin[j], j], j]:
                        lo += 1.0
                cnt[j] += 1
                while smax[j] > 0 and x[bmax[(hmax[j] + smax[j] - 1) % cap, j], j] <= v:
                    smax[j] -= 1
                bmax[(hmax[j] + smax[j]) % cap, j] = t
                smax[j] += 1
                while smin[j] > 0 and x[bmin[(hmin[j] + smin[j] - 1) % cap, j], j] >= v:
                    smin[j] -= 1
                bmin[(hmin[j] + smin[j]) % cap, j] = t
                smin[j] += 1
        highs[t] = h
        lows[t] = lo
        valid[t] = c
    return highs, lows, valid


def cs_mean_count(x: FloatArray) -> tuple[FloatArray, FloatArray]:  # pragma: no cover - jitted
    """Per row: NaN-skipping mean and count of non-NaN values across tickers."""
    n, m = x.shape
    mean = np.empty(n)
    count = np.empty(n)
    for t in range(n):
        s = 0.0
        c = 0.0
        for j in range(m):
            v = x[t, j]
            if v == v:
                s += v
                c += 1.0
        count[t] = c
        mean[t] = s / c if c > 0 else np.nan
    return mean, count


# --------------------------------------------------------------------------- numpy fallbacks


def _window_sum(a: FloatArray, w: int) -> FloatArray:
    """Sum over the last ``w`` rows (fewer at the start) via a cumulative sum."""
    c = np.cumsum(a, axis=0)
    out = c.copy()
    if w < a.shape[0]:
        out[w:] = c[w:] - c[:-w]
    return out


def _centre(v: FloatArray, ok: np.ndarray) -> FloatArray:
    """Column means over ``ok`` cells (0 for empty columns): a shift against cancellation."""
    cnt = ok.sum(axis=0)
    tot = np.where(ok, v, 0.0).sum(axis=0)
    return np.asarray(np.where(cnt > 0, tot / np.maximum(cnt, 1), 0.0), dtype=np.float64)


def _returns(x: FloatArray) -> FloatArray:
    r = np.full_like(x, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        r[1:] = x[1:] / x[:-1] - 1.0
    return r


def np_roll_mean(x: FloatArray, w: int, minp: int) -> FloatArray:
    """Vectorized rolling mean (cumulative sums of centred values)."""
    ok = ~np.isnan(x)
    centre = _centre(x, ok)
    xc = np.where(ok, x - centre, 0.0)
    cnt = _window_sum(ok.astype(np.float64), w)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = _window_sum(xc, w) / cnt + centre
    out[(cnt < minp) | (cnt == 0)] = np.nan
    return np.asarray(out, dtype=np.float64)


def np_roll_var(x: FloatArray, w: int, minp: int, ddof: int, returns: bool) -> FloatArray:
    """Vectorized rolling variance (centred cumulative sums)."""
    v = _returns(x) if returns else x
    ok = ~np.isnan(v)
    centre = _centre(v, ok)
    vc = np.where(ok, v - centre, 0.0)
    cnt = _window_sum(ok.astype(np.float64), w)
    s1 = _window_sum(vc, w)
    s2 = _window_sum(vc * vc, w)
    with np.errstate(divide="ignore", invalid="ignore"):
        var = (s2 - s1 * s1 / cnt) / (cnt - ddof)
    var = np.where(var < 0.0, 0.0, var)
    var[(cnt < minp) | (cnt <= ddof)] = np.nan
    return np.asarray(var, dtype=np.float64)


def np_roll_maxmin(x: FloatArray, w: int, minp: int, is_max: bool) -> FloatArray:
    """Vectorized rolling max/min (van Herk / Gil-Werman block prefix/suffix scans)."""
    n, m = x.shape
    fill = -np.inf if is_max else np.inf
    acc = np.maximum if is_max else np.minimum
    nb = -(-n // w)
    pad = np.full((nb * w, m), fill)
    pad[:n] = np.where(np.isnan(x), fill, x)
    blocks = pad.reshape(nb, w, m)
    pre = acc.accumulate(blocks, axis=1).reshape(nb * w, m)[:n]
    suf = acc.accumulate(blocks[:, ::-1], axis=1)[:, ::-1].reshape(nb * w, m)[:n]
    out = pre.copy()
    if w > 1 and n >= w:
        out[w - 1 :] = acc(suf[: n - w + 1], pre[w - 1 :])
    cnt = _window_sum((~np.isnan(x)).astype(np.float64), w)
    out[(cnt < minp) | (cnt == 0)] = np.nan
    return np.asarray(out, dtype=np.float64)


def np_above_ma_counts(x: FloatArray, w: int, minp: int) -> tuple[FloatArray, FloatArray]:
    """Vectorized counterpart of :func:`above_ma_counts`."""
    ma = np_roll_mean(x, w, minp)
    ok = ~np.isnan(x) & ~np.isnan(ma)
    above = (ok & (x > ma)).sum(axis=1).astype(np.float64)
    return above, ok.sum(axis=1).astype(np.float64)


def np_roll_beta(p: FloatArray, mkt: FloatArray, w: int, minp: int) -> FloatArray:
    """Vectorized counterpart of :func:`roll_beta` (centred cumulative sums)."""
    rx = _returns(p)
    ry = _returns(mkt[:, None])[:, 0]
    ok = ~np.isnan(rx) & ~np.isnan(ry)[:, None]
    yb = np.broadcast_to(ry[:, None], rx.shape)
    cx = _centre(rx, ok)
    cy = _centre(yb, ok)
    xc = np.where(ok, rx - cx, 0.0)
    yc = np.where(ok, yb - cy, 0.0)
    cnt = _window_sum(ok.astype(np.float64), w)
    sx = _window_sum(xc, w)
    sy = _window_sum(yc, w)
    with np.errstate(divide="ignore", invalid="ignore"):
        my = sy / cnt
        var = _window_sum(yc * yc, w) / cnt - my * my
        beta = (_window_sum(xc * yc, w) / cnt - sx / cnt * my) / var
    beta[(cnt < minp) | (cnt <= 1) | ~(var > 0)] = np.nan
    return np.asarray(beta, dtype=np.float64)


def np_new_extremes_counts(
    x: FloatArray, w: int, minp: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Vectorized counterpart of :func:`new_extremes_counts`."""
    hi = np.full_like(x, np.nan)
    lo = np.full_like(x, np.nan)
    hi[1:] = np_roll_maxmin(x[:-1], w, minp, True)
    lo[1:] = np_roll_maxmin(x[:-1], w, minp, False)
    ok = ~np.isnan(x) & ~np.isnan(hi)
    highs = (ok & (x > hi)).sum(axis=1).astype(np.float64)
    lows = (ok & (x < lo)).sum(axis=1).astype(np.float64)
    return highs, lows, ok.sum(axis=1).astype(np.float64)


def np_cs_mean_count(x: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Vectorized counterpart of :func:`cs_mean_count`."""
    ok = ~np.isnan(x)
    count = ok.sum(axis=1).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(ok, x, 0.0).sum(axis=1) / count
    return np.asarray(mean, dtype=np.float64), count
