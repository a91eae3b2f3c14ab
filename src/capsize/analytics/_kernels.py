"""Loop kernels over a dense ``(n_days, n_tickers)`` float64 panel, and numpy fallbacks.

The loop kernels are plain Python functions written for numba: the engine compiles them
lazily with ``numba.njit(cache=True, nogil=True, error_model="numpy")`` (see
:func:`capsize.analytics.engine.kernels`), so importing this module never imports numba.
Every kernel walks the panel row by row (time outer) and keeps one small state vector per
ticker (ticker inner), which matches the C-order layout: each row is read once,
contiguously, and the independent per-ticker accumulators break the dependent-add chain,
so several tickers are in flight at once (the inner loops are branch-free so that LLVM
vectorizes them). Tickers go in chunks of :data:`CHUNK` for cache locality. Kernels are
serial on purpose: a ``prange`` over the chunks was measured slower on a shared 2-core
machine (thread wake-ups under load cost more than the second core gave).

Rolling windows count rows (trading days), not observations; NaN is "no bar". The
rolling mean and variance reproduce the add/remove algorithms of pandas'
``window_aggregations.roll_mean`` / ``roll_var`` (Kahan-compensated sums, Welford
updates, "all values equal" detection), so results equal ``DataFrame.rolling`` to the
last bit in practice and always within 1e-9.

The ``np_*`` functions are vectorized numpy equivalents used when numba is missing or
disabled (``CAPSIZE_NO_NUMBA=1``); they agree with pandas within 1e-9 but are slower and
allocate whole-panel temporaries.
"""

# ruff: noqa: SIM114  (explicit branches keep the numba loops readable and branch-cheap)
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
    "np_above_ma_counts_from",
    "np_cs_mean_count",
    "np_mean_prefix",
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

CHUNK = 512
"""Tickers per chunk: each chunk's per-ticker state and ring buffers stay in cache."""

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


def roll_mean(x: FloatArray, w: int, minp: int, out: FloatArray) -> FloatArray:  # pragma: no cover
    """Compute the rolling mean over ``w`` rows with ``minp`` observations (pandas algorithm)."""
    n, m = x.shape
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
    x: FloatArray, w: int, minp: int, ddof: int, returns: bool, out: FloatArray
) -> FloatArray:  # pragma: no cover - jitted
    """Compute the rolling variance over ``w`` rows (pandas 3 ``roll_var``: Welford + Kahan).

    A window whose running sum of squares lost more than ~13 digits to cancellation is
    recomputed from scratch, as pandas does. With ``returns=True`` the series is the
    simple return ``x[t] / x[t-1] - 1``, computed once per row into a ring buffer of
    ``w + 1`` rows (no return panel is allocated). Tickers go in chunks; the inner
    loop over a chunk is branch-free so that it vectorizes.
    """
    n, m = x.shape
    tol = 2.220446049250313e-16 * 1e3
    minp = max(minp, 1)
    cap = w + 1
    nch = (m + CHUNK - 1) // CHUNK
    for ch in range(nch):
        j0 = ch * CHUNK
        j1 = min(m, j0 + CHUNK)
        cw = j1 - j0
        nobs = np.zeros(cw)
        mean = np.zeros(cw)
        ssq = np.zeros(cw)
        cadd = np.zeros(cw)
        crem = np.zeros(cw)
        unstable = np.zeros(cw, np.bool_)
        ring = np.empty((cap if returns else 1, cw))
        for t in range(n):
            if returns:
                rt = ring[t % cap]
                if t == 0:
                    rt[:] = np.nan
                else:
                    cur_x = x[t, j0:j1]
                    prv_x = x[t - 1, j0:j1]
                    for j in range(cw):
                        rt[j] = cur_x[j] / prv_x[j] - 1.0
                cur = rt
            else:
                cur = x[t, j0:j1]
            if w > 1 and t >= w:
                old = ring[(t - w) % cap] if returns else x[t - w, j0:j1]
                for j in range(cw):
                    v = old[j]
                    okv = v == v
                    k = nobs[j] - (1.0 if okv else 0.0)
                    pm = mean[j] - crem[j]
                    y = v - crem[j]
                    tt = y - mean[j]
                    nc = tt + mean[j] - y
                    nm = mean[j] - tt / k
                    ns = ssq[j] - (v - pm) * (v - nm)
                    nz = k != 0.0
                    flag = (unstable[j] | (ssq[j] * tol > ns)) if nz else False
                    unstable[j] = flag if okv else unstable[j]
                    mean[j] = (nm if nz else 0.0) if okv else mean[j]
                    ssq[j] = (ns if nz else 0.0) if okv else ssq[j]
                    crem[j] = (nc if nz else crem[j]) if okv else crem[j]
                    nobs[j] = k
            if w == 1:
                nobs[:] = 0.0
                mean[:] = 0.0
                ssq[:] = 0.0
                cadd[:] = 0.0
                crem[:] = 0.0
            for j in range(cw):
                v = cur[j]
                okv = v == v
                k = nobs[j] + (1.0 if okv else 0.0)
                pm = mean[j] - cadd[j]
                y = v - cadd[j]
                tt = y - mean[j]
                nc = tt + mean[j] - y
                nm = mean[j] + tt / k
                ns = ssq[j] + (v - pm) * (v - nm)
                unstable[j] = unstable[j] | (okv & (ssq[j] * tol > ns))
                mean[j] = nm if okv else mean[j]
                ssq[j] = ns if okv else ssq[j]
                cadd[j] = nc if okv else cadd[j]
                nobs[j] = k
            if w > 1:
                s0 = t - w + 1 if t - w + 1 > 0 else 0
                for j in range(cw):
                    if unstable[j]:
                        # pandas: the window is recomputed from scratch
                        nobs[j] = 0.0
                        mean[j] = 0.0
                        ssq[j] = 0.0
                        cadd[j] = 0.0
                        crem[j] = 0.0
                        for r in range(s0, t + 1):
                            v = ring[r % cap, j] if returns else x[r, j0 + j]
                            if v == v:
                                nobs[j] += 1.0
                                pm = mean[j] - cadd[j]
                                y = v - cadd[j]
                                tt = y - mean[j]
                                cadd[j] = tt + mean[j] - y
                                mean[j] = mean[j] + tt / nobs[j]
                                ssq[j] = ssq[j] + (v - pm) * (v - mean[j])
                        unstable[j] = False
            o = out[t, j0:j1]
            for j in range(cw):
                k = nobs[j]
                r2 = ssq[j] / (k - ddof)
                r2 = r2 if r2 > 0.0 else 0.0
                o[j] = r2 if (k >= minp) & (k > ddof) else np.nan
    return out


def roll_maxmin(
    x: FloatArray, w: int, minp: int, is_max: bool, out: FloatArray
) -> FloatArray:  # pragma: no cover - jitted
    """Compute the rolling max (or min) over ``w`` rows (a ring-buffer deque per ticker)."""
    n, m = x.shape
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
    """Count, per row, the tickers above their ``w``-row mean and the tickers covered.

    The mean is the pandas rolling mean (the algorithm of :func:`roll_mean`, bit for
    bit), computed on the fly: nothing but per-ticker state is allocated. Tickers go in
    chunks; the inner loop is branch-free (selects, not ifs) so it vectorizes.
    """
    n, m = x.shape
    nch = (m + CHUNK - 1) // CHUNK
    above_c = np.zeros((nch, n))
    valid_c = np.zeros((nch, n))
    for ch in range(nch):
        j0 = ch * CHUNK
        j1 = min(m, j0 + CHUNK)
        cw = j1 - j0
        nobs = np.zeros(cw, np.int64)
        neg = np.zeros(cw, np.int64)
        ncons = np.zeros(cw, np.int64)
        s = np.zeros(cw)
        cadd = np.zeros(cw)
        crem = np.zeros(cw)
        prev = x[0, j0:j1].copy()
        for t in range(n):
            if w > 1 and t >= w:
                old = x[t - w, j0:j1]
                for j in range(cw):
                    v = old[j]
                    okv = v == v
                    y = -v - crem[j]
                    tt = s[j] + y
                    nc = tt - s[j] - y
                    s[j] = tt if okv else s[j]
                    crem[j] = nc if okv else crem[j]
                    nobs[j] -= 1 if okv else 0
                    neg[j] -= 1 if okv and math.copysign(1.0, v) < 0.0 else 0
            cur = x[t, j0:j1]
            if w == 1:
                nobs[:] = 0
                neg[:] = 0
                s[:] = 0.0
                cadd[:] = 0.0
                ncons[:] = 0
                prev[:] = cur
            a = 0
            c = 0
            for j in range(cw):
                v = cur[j]
                okv = v == v
                y = v - cadd[j]
                tt = s[j] + y
                nc = tt - s[j] - y
                s[j] = tt if okv else s[j]
                cadd[j] = nc if okv else cadd[j]
                k = nobs[j] + (1 if okv else 0)
                nobs[j] = k
                ng = neg[j] + (1 if okv and math.copysign(1.0, v) < 0.0 else 0)
                neg[j] = ng
                nce = (ncons[j] + 1 if v == prev[j] else 1) if okv else ncons[j]
                ncons[j] = nce
                pv = v if okv else prev[j]
                prev[j] = pv
                r = s[j] / k
                r = pv if nce >= k else r
                r = 0.0 if (ng == 0) & (r < 0.0) else r
                r = 0.0 if (ng == k) & (r > 0.0) else r
                ok = okv & (k >= minp)
                c += 1 if ok else 0
                a += 1 if ok & (v > r) else 0
            above_c[ch, t] = a
            valid_c[ch, t] = c
    return above_c.sum(axis=0), valid_c.sum(axis=0)


def roll_beta(
    p: FloatArray, mkt: FloatArray, w: int, minp: int, out: FloatArray
) -> FloatArray:  # pragma: no cover - jitted
    """Compute the rolling beta of each ticker's simple returns on the benchmark's.

    Returns are computed once per row from prices ``p`` (n, m) and ``mkt`` (n,) into a
    ring buffer of ``w + 1`` rows. A row enters a ticker's window only when both its
    return and the benchmark return exist, so the benchmark is used only on days the
    stock has data. Running sums are reset to zero whenever a window empties. Tickers
    go in chunks.
    """
    n, m = p.shape
    cap = w + 1
    rm = np.full(n, np.nan)
    for t in range(1, n):
        rm[t] = mkt[t] / mkt[t - 1] - 1.0
    nch = (m + CHUNK - 1) // CHUNK
    for ch in range(nch):
        j0 = ch * CHUNK
        j1 = min(m, j0 + CHUNK)
        cw = j1 - j0
        cnt = np.zeros(cw)
        sx = np.zeros(cw)
        sy = np.zeros(cw)
        sxy = np.zeros(cw)
        syy = np.zeros(cw)
        ring = np.empty((cap, cw))
        for t in range(n):
            rt = ring[t % cap]
            if t == 0:
                rt[:] = np.nan
            else:
                cur_p = p[t, j0:j1]
                prv_p = p[t - 1, j0:j1]
                for j in range(cw):
                    rt[j] = cur_p[j] / prv_p[j] - 1.0
            if t >= w:
                y = rm[t - w]
                if y == y:
                    old = ring[(t - w) % cap]
                    for j in range(cw):
                        xv = old[j]
                        ok = xv == xv
                        k = cnt[j] - (1.0 if ok else 0.0)
                        keep = k != 0.0
                        sx[j] = ((sx[j] - xv) if keep else 0.0) if ok else sx[j]
                        sy[j] = ((sy[j] - y) if keep else 0.0) if ok else sy[j]
                        sxy[j] = ((sxy[j] - xv * y) if keep else 0.0) if ok else sxy[j]
                        syy[j] = ((syy[j] - y * y) if keep else 0.0) if ok else syy[j]
                        cnt[j] = k
            y = rm[t]
            if y == y:
                for j in range(cw):
                    xv = rt[j]
                    ok = xv == xv
                    cnt[j] += 1.0 if ok else 0.0
                    sx[j] += xv if ok else 0.0
                    sy[j] += y if ok else 0.0
                    sxy[j] += xv * y if ok else 0.0
                    syy[j] += y * y if ok else 0.0
            o = out[t, j0:j1]
            for j in range(cw):
                k = cnt[j]
                inv = 1.0 / k
                my = sy[j] * inv
                var = syy[j] * inv - my * my
                b = (sxy[j] * inv - (sx[j] * inv) * my) / var
                o[j] = b if (k >= minp) & (k > 1.0) & (var > 0.0) else np.nan
    return out


def new_extremes_counts(
    x: FloatArray, w: int, minp: int
) -> tuple[FloatArray, FloatArray, FloatArray]:  # pragma: no cover - jitted
    """Count, per row, tickers above the max / below the min of their previous ``w`` rows.

    A ticker counts (``valid``) on row ``t`` when ``x[t]`` exists and rows ``t-w..t-1``
    hold at least ``minp`` observations; it is a new high when ``x[t]`` is strictly above
    their maximum, a new low when strictly below their minimum.

    Van Herk / Gil-Werman: rows are cut into blocks of ``w``; the window of row ``t`` is
    the suffix of the previous block (precomputed once per block) plus the prefix of the
    current one (a running max), so each value is touched a constant number of times
    whatever ``w``. Tickers go in chunks so the suffix buffers stay in cache;
    NaN is replaced by -inf/+inf (exact, since a result needs ``minp >= 1`` values).
    """
    n, m = x.shape
    chunk = CHUNK // 2  # two (w, chunk) suffix buffers: keep them within L2
    nch = (m + chunk - 1) // chunk
    highs_c = np.zeros((nch, n))
    lows_c = np.zeros((nch, n))
    valid_c = np.zeros((nch, n))
    ninf = -np.inf
    pinf = np.inf
    for ch in range(nch):
        j0 = ch * chunk
        j1 = min(m, j0 + chunk)
        cw = j1 - j0
        sufmax = np.empty((w, cw))
        sufmin = np.empty((w, cw))
        pmax = np.full(cw, ninf)
        pmin = np.full(cw, pinf)
        cnt = np.zeros(cw, np.int64)
        for t in range(n):
            o = t % w
            if o == 0 and t >= w:
                rowv = x[t - 1, j0:j1]
                smx = sufmax[w - 1]
                smn = sufmin[w - 1]
                for jj in range(cw):
                    v = rowv[jj]
                    smx[jj] = v if v == v else ninf
                    smn[jj] = v if v == v else pinf
                for r in range(w - 2, -1, -1):
                    rv = x[t - w + r, j0:j1]
                    a0 = sufmax[r + 1]
                    b0 = sufmin[r + 1]
                    a1 = sufmax[r]
                    b1 = sufmin[r]
                    for jj in range(cw):
                        v = rv[jj]
                        a1[jj] = max(v if v == v else ninf, a0[jj])
                        b1[jj] = min(v if v == v else pinf, b0[jj])
                pmax[:] = ninf
                pmin[:] = pinf
            cur = x[t, j0:j1]
            sa = sufmax[o]
            sb = sufmin[o]
            full = t >= w
            first = o == 0
            add = x[t - 1, j0:j1] if t >= 1 else cur
            tadd = 1 if t >= 1 else 0
            sub = x[t - w - 1, j0:j1] if t - w - 1 >= 0 else cur
            tsub = 1 if t - w - 1 >= 0 else 0
            h = 0
            lo = 0
            c = 0
            for jj in range(cw):
                p = add[jj]
                q = sub[jj]
                k = cnt[jj] + (tadd if p == p else 0) - (tsub if q == q else 0)
                cnt[jj] = k
                v = cur[jj]
                if full:
                    mx = sa[jj] if first else max(sa[jj], pmax[jj])
                    mn = sb[jj] if first else min(sb[jj], pmin[jj])
                else:
                    mx = pmax[jj]
                    mn = pmin[jj]
                ok = (v == v) & (k >= minp) & (k > 0)
                c += 1 if ok else 0
                h += 1 if ok & (v > mx) else 0
                lo += 1 if ok & (v < mn) else 0
                pmax[jj] = max(v if v == v else ninf, pmax[jj])
                pmin[jj] = min(v if v == v else pinf, pmin[jj])
            highs_c[ch, t] = h
            lows_c[ch, t] = lo
            valid_c[ch, t] = c
    return highs_c.sum(axis=0), lows_c.sum(axis=0), valid_c.sum(axis=0)


def cs_mean_count(x: FloatArray) -> tuple[FloatArray, FloatArray]:  # pragma: no cover - jitted
    """Compute, per row, the NaN-skipping mean and count across tickers.

    Four interleaved partial sums break the dependent-add chain.
    """
    n, m = x.shape
    mean = np.empty(n)
    count = np.empty(n)
    m4 = m - m % 4
    for t in range(n):
        row = x[t]
        s0 = s1 = s2 = s3 = 0.0
        c0 = c1 = c2 = c3 = 0
        for j in range(0, m4, 4):
            v0, v1, v2, v3 = row[j], row[j + 1], row[j + 2], row[j + 3]
            s0 += v0 if v0 == v0 else 0.0
            s1 += v1 if v1 == v1 else 0.0
            s2 += v2 if v2 == v2 else 0.0
            s3 += v3 if v3 == v3 else 0.0
            c0 += 1 if v0 == v0 else 0
            c1 += 1 if v1 == v1 else 0
            c2 += 1 if v2 == v2 else 0
            c3 += 1 if v3 == v3 else 0
        for j in range(m4, m):
            v = row[j]
            s0 += v if v == v else 0.0
            c0 += 1 if v == v else 0
        c = float(c0 + c1 + c2 + c3)
        count[t] = c
        mean[t] = ((s0 + s1) + (s2 + s3)) / c if c > 0 else np.nan
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


def np_roll_mean(x: FloatArray, w: int, minp: int, dest: FloatArray) -> FloatArray:
    """Vectorized rolling mean (cumulative sums of centred values)."""
    ok = ~np.isnan(x)
    centre = _centre(x, ok)
    xc = np.where(ok, x - centre, 0.0)
    cnt = _window_sum(ok.astype(np.float64), w)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = _window_sum(xc, w) / cnt + centre
    out[(cnt < minp) | (cnt == 0)] = np.nan
    dest[...] = out
    return dest


def np_roll_var(
    x: FloatArray, w: int, minp: int, ddof: int, returns: bool, dest: FloatArray
) -> FloatArray:
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
    dest[...] = var
    return dest


def np_roll_maxmin(
    x: FloatArray,
    w: int,
    minp: int,
    is_max: bool,
    dest: FloatArray | None = None,
    *,
    cnt: FloatArray | None = None,
) -> FloatArray:
    """Vectorized rolling max/min (van Herk / Gil-Werman block prefix/suffix scans).

    ``cnt``: the values per window (``_window_sum`` of the not-NaN cells) when the
    caller has it (a max and a min of one panel share it).
    """
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
    if cnt is None:
        cnt = _window_sum((~np.isnan(x)).astype(np.float64), w)
    out[(cnt < minp) | (cnt == 0)] = np.nan
    if dest is None:
        return np.asarray(out, dtype=np.float64)
    dest[...] = out
    return dest


def np_mean_prefix(x: FloatArray) -> tuple[np.ndarray, FloatArray, FloatArray, FloatArray]:
    """Cumulative sums behind :func:`np_roll_mean` of every window, computed once.

    Returns (not-NaN mask, column centres, cumulative count, cumulative centred sum),
    for :func:`np_above_ma_counts_from`.
    """
    ok = ~np.isnan(x)
    centre = _centre(x, ok)
    xc = np.where(ok, x - centre, 0.0)
    return ok, centre, np.cumsum(ok.astype(np.float64), axis=0), np.cumsum(xc, axis=0)


def _window_diff(c: FloatArray, w: int) -> FloatArray:
    """:func:`_window_sum` from the cumulative sum ``c``."""
    out = c.copy()
    if w < c.shape[0]:
        out[w:] = c[w:] - c[:-w]
    return out


def np_above_ma_counts_from(
    x: FloatArray,
    prefix: tuple[np.ndarray, FloatArray, FloatArray, FloatArray],
    w: int,
    minp: int,
) -> tuple[FloatArray, FloatArray]:
    """:func:`np_above_ma_counts` with the cumulative sums of :func:`np_mean_prefix`."""
    ok, centre, cum_ok, cum_xc = prefix
    cnt = _window_diff(cum_ok, w)
    with np.errstate(divide="ignore", invalid="ignore"):
        ma = _window_diff(cum_xc, w) / cnt + centre
    ma[(cnt < minp) | (cnt == 0)] = np.nan
    ok = ok & ~np.isnan(ma)
    above = (ok & (x > ma)).sum(axis=1).astype(np.float64)
    return above, ok.sum(axis=1).astype(np.float64)


def np_above_ma_counts(x: FloatArray, w: int, minp: int) -> tuple[FloatArray, FloatArray]:
    """Vectorized counterpart of :func:`above_ma_counts`."""
    return np_above_ma_counts_from(x, np_mean_prefix(x), w, minp)


def np_roll_beta(p: FloatArray, mkt: FloatArray, w: int, minp: int, dest: FloatArray) -> FloatArray:
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
    dest[...] = beta
    return dest


def np_new_extremes_counts(
    x: FloatArray, w: int, minp: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Vectorized counterpart of :func:`new_extremes_counts`."""
    hi = np.full_like(x, np.nan)
    lo = np.full_like(x, np.nan)
    cnt = _window_sum((~np.isnan(x[:-1])).astype(np.float64), w)  # shared by max and min
    hi[1:] = np_roll_maxmin(x[:-1], w, minp, True, cnt=cnt)
    lo[1:] = np_roll_maxmin(x[:-1], w, minp, False, cnt=cnt)
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
