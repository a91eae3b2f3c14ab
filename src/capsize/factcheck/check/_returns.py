"""Returns: a subject's change over a window, and one subject against another."""

from __future__ import annotations

import pandas as pd

from capsize.errors import CapsizeError
from capsize.factcheck.check._context import Alternative, CheckContext, Measured, NotCheckable
from capsize.factcheck.check._subjects import counterpart, need_start, subject, subjects
from capsize.factcheck.claim import Claim
from capsize.queries import Figure, QueryResult
from capsize.queries.factcheck import period_change

__all__ = ["check_relative", "check_return"]

_BASIS_WORDS = {"total": "total return", "price": "price return"}


def _change(ctx: CheckContext, claim: Claim, symbol: str) -> QueryResult:
    start, end = need_start(ctx, claim)
    w = claim.window
    anchor = w.anchor if w is not None else ""
    until = getattr(w, "anchor_end", None)  # added to Window by the extraction branch
    res = period_change(
        ctx.at(end), symbol=symbol, start=start, end=end, anchor=anchor, anchor_end=until
    )
    ctx.fresh(res, end, symbol)
    return res


def _options(res: QueryResult, symbol: str) -> list[tuple[float, str, Figure]]:
    """Available (fraction, definition, figure) of a change: total first, then price."""
    out: list[tuple[float, str, Figure]] = []
    for basis in ("total", "price"):
        fig = res.fig(f"{symbol}.{basis}")
        if fig.value is not None:
            what = f"{_BASIS_WORDS[basis]} of {symbol}, closes {fig.provenance.window}"
            out.append((float(fig.value), what, fig))
    if not out:
        reason = res.fig(f"{symbol}.total").note or res.fig(f"{symbol}.price").note
        raise NotCheckable(f"no return of {symbol} over the window: {reason}")
    return out


def _in_unit(r: float, res: QueryResult, symbol: str, unit: str) -> float:
    """Express a fraction ``r`` in the claim's unit (% / points change / x multiple)."""
    if unit == "points":
        base = res.value(f"{symbol}.base")
        return float(base) * r if base is not None else float("nan")
    if unit == "x":
        return 1.0 + r
    return r * 100.0


def _proxy(ctx: CheckContext, claim: Claim, symbol: str) -> list[tuple[float, str, Figure]]:
    other = counterpart(symbol)
    if other is None:
        return []
    try:
        res = _change(ctx, claim, other[0])
        return [(v, f"{other[1]}: {d}", f) for v, d, f in _options(res, other[0])]
    except (NotCheckable, CapsizeError):  # a missing proxy only drops an option
        return []


def _previous_close(
    ctx: CheckContext, claim: Claim, res: QueryResult, symbol: str
) -> list[tuple[float, str, Figure]]:
    """Measure the change to the previous session's close, for a window ending on the article's day.

    An article dated a trading day is often written before that day's close.
    """
    end_day = pd.Timestamp(str(res.params.get("end")))
    if ctx.end_of(claim) < ctx.day or res.as_of != ctx.day or end_day != ctx.day:
        return []
    start, _ = need_start(ctx, claim)
    before = ctx.day - pd.Timedelta(days=1)
    if start >= before:
        return []
    try:
        prev = period_change(ctx.at(before), symbol=symbol, start=start, end=before)
        return [
            (v, f"to the previous close, before the article's day: {d}", f)
            for v, d, f in _options(prev, symbol)[:1]
        ]
    except (NotCheckable, CapsizeError):
        return []


def check_return(ctx: CheckContext, claim: Claim) -> Measured:
    """Change of one subject over the claim's window (total return first, then price)."""
    sym = subject(claim).symbol
    res = _change(ctx, claim, sym)
    opts = _options(res, sym)
    unit = claim.claimed.unit if claim.claimed is not None else "%"
    value, definition, fig = opts[0]
    others = [*opts[1:], *_proxy(ctx, claim, sym)]
    if not (claim.window is not None and claim.window.anchor):
        others += _previous_close(ctx, claim, res, sym)
    alts = [Alternative(_in_unit(v, res, sym, unit), d, (f,)) for v, d, f in others]
    base, end = res.fig(f"{sym}.base"), res.fig(f"{sym}.end")
    return Measured(
        _in_unit(value, res, sym, unit),
        f"{definition} = end close / base close - 1",
        (fig, base, end),
        tuple(alts),
    )


def _spread(a: float, b: float, unit: str) -> float:
    if unit == "x":
        return a / b if b != 0 else float("nan")
    return (a - b) * 100.0


def check_relative(ctx: CheckContext, claim: Claim) -> Measured:
    """One subject's change against another's (pp spread, or a ratio of returns)."""
    sa, sb = subjects(claim)
    ra, rb = _change(ctx, claim, sa.symbol), _change(ctx, claim, sb.symbol)
    oa, ob = _options(ra, sa.symbol), _options(rb, sb.symbol)
    unit = claim.claimed.unit if claim.claimed is not None else "pp"
    (va, da, fa), (vb, db, fb) = oa[0], ob[0]
    alts: list[Alternative] = []
    pairs = [(x, y) for x in oa for y in ob][1:]
    pa, pb = _proxy(ctx, claim, sa.symbol), _proxy(ctx, claim, sb.symbol)
    pairs += [(x, y) for x in (pa[:1] or oa[:1]) for y in (pb[:1] or ob[:1])][
        : 1 if pa or pb else 0
    ]
    for (xa, xda, xfa), (xb, xdb, xfb) in pairs:
        alts.append(Alternative(_spread(xa, xb, unit), f"{xda} vs {xdb}", (xfa, xfb)))
    word = "ratio of the returns" if unit == "x" else "difference of the returns, pp"
    return Measured(_spread(va, vb, unit), f"{da} vs {db}; {word}", (fa, fb), tuple(alts))
