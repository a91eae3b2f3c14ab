"""Returns: a subject's change over a window, and one subject against another."""

from __future__ import annotations

import re

import pandas as pd

from capsize.errors import CapsizeError
from capsize.factcheck.check._context import Alternative, CheckContext, Measured, NotCheckable
from capsize.factcheck.check._subjects import (
    COUNTERPARTS,
    counterpart,
    need_start,
    subject,
    subjects,
)
from capsize.factcheck.claim import Claim
from capsize.queries import Figure, QueryResult
from capsize.queries.factcheck import period_change

__all__ = ["check_relative", "check_return", "spread_label"]

_BASIS_WORDS = {"total": "total return", "price": "price return"}

_Option = tuple[float, str, Figure]


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


_LAST_WEEK = re.compile(r"\b(?:last|past|previous) week\b", re.I)


def _week_to_article_day(
    ctx: CheckContext, claim: Claim, symbol: str
) -> list[tuple[float, str, Figure]]:
    """Measure the week ending on the article's day, for "last week" in a Friday article.

    Written after Friday's close, "last week" often means the week just ended (Friday to
    Friday), not the calendar week before.
    """
    w = claim.window
    if w is None or ctx.day.weekday() != _FRIDAY or not _LAST_WEEK.search(w.label):
        return []
    if pd.Timestamp(w.end) >= ctx.day:
        return []
    start = ctx.day - pd.Timedelta(days=7)
    try:
        res = period_change(ctx.at(ctx.day), symbol=symbol, start=start, end=ctx.day)
        return [
            (v, f"the week ending on the article's day (a Friday, after the close): {d}", f)
            for v, d, f in _options(res, symbol)[:1]
        ]
    except (NotCheckable, CapsizeError):
        return []


_FRIDAY = 4


def _basis_first(opts: list[_Option], basis: str) -> list[_Option]:
    """Put the first return on ``basis`` (the subject's own, else its proxy's) first."""
    at = next((i for i, o in enumerate(opts) if _BASIS_WORDS[basis] in o[1]), 0)
    return [opts[at], *opts[:at], *opts[at + 1 :]]


def check_return(ctx: CheckContext, claim: Claim) -> Measured:
    """Change of one subject over the claim's window (total return first, then price).

    A claim worded as a price return ("share price", "excluding dividends") takes the price
    return first: the subject's own, else its index counterpart's when the data holds no
    raw closes of the subject. A claim worded as including dividends takes the total return
    first: an index's is its ETF counterpart's (the index level has no dividends).
    """
    sym = subject(claim).symbol
    res = _change(ctx, claim, sym)
    opts = [*_options(res, sym), *_proxy(ctx, claim, sym)]
    basis = claim.options.get("basis")
    if basis in _BASIS_WORDS:
        opts = _basis_first(opts, str(basis))
    unit = claim.claimed.unit if claim.claimed is not None else "%"
    value, definition, fig = opts[0]
    others = opts[1:]
    if not (claim.window is not None and claim.window.anchor):
        others += _previous_close(ctx, claim, res, sym)
        others += _week_to_article_day(ctx, claim, sym)
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


def _bases(ctx: CheckContext, claim: Claim, symbol: str, proxy: str = "") -> dict[str, _Option]:
    """Return ``{basis: (fraction, definition, figure)}`` of ``symbol`` ({} when unavailable)."""
    try:
        res = _change(ctx, claim, symbol)
    except (NotCheckable, CapsizeError):
        if proxy:  # a missing proxy only drops an option
            return {}
        raise
    out: dict[str, _Option] = {}
    for basis in ("total", "price"):
        fig = res.fig(f"{symbol}.{basis}")
        if fig.value is not None:
            what = f"{_BASIS_WORDS[basis]} of {symbol}, closes {fig.provenance.window}"
            out[basis] = (float(fig.value), f"{proxy}: {what}" if proxy else what, fig)
    if not out and not proxy:
        reason = res.fig(f"{symbol}.total").note or res.fig(f"{symbol}.price").note
        raise NotCheckable(f"no return of {symbol} over the window: {reason}")
    return out


def _sides(
    ctx: CheckContext, claim: Claim, symbol: str
) -> list[tuple[str, int, dict[str, _Option]]]:
    """Return the named symbol and its index/ETF counterpart: ``(symbol, proxies, bases)``."""
    out = [(symbol, 0, _bases(ctx, claim, symbol))]
    other = counterpart(symbol)
    if other is not None:
        out.append((other[0], 1, _bases(ctx, claim, other[0], other[1])))
    return out


def _like_pairs(ctx: CheckContext, claim: Claim, a: str, b: str) -> list[tuple[_Option, _Option]]:
    """Pairs compared like with like: the same basis on both sides, best first.

    An ETF against an index (IWM total return vs ^GSPC price) mixes bases: the pair is
    ranked after ETF vs ETF (total return) and index vs index (price return), then by the
    number of proxies used, then total before price.
    """
    ranked: list[tuple[tuple[int, int, int], _Option, _Option]] = []
    paired = a.upper() in COUNTERPARTS and b.upper() in COUNTERPARTS
    for sa, na, ba in _sides(ctx, claim, a):
        for sb, nb, bb in _sides(ctx, claim, b):
            mixed = int(paired and sa.startswith("^") != sb.startswith("^"))
            for rank, basis in enumerate(("total", "price")):
                if basis in ba and basis in bb:
                    ranked.append(((mixed, na + nb, rank), ba[basis], bb[basis]))
    ranked.sort(key=lambda r: r[0])
    return [(x, y) for _, x, y in ranked]


def check_relative(ctx: CheckContext, claim: Claim) -> Measured:
    """One subject's change against another's (pp spread, or a ratio of returns).

    Both sides use the same definition (total vs total, price vs price); an ETF against an
    index is compared through the counterpart (IWM vs SPY on total return, ^RUT vs ^GSPC on
    price return), the definition named.
    """
    sa, sb = subjects(claim)
    pairs = _like_pairs(ctx, claim, sa.symbol, sb.symbol)
    if not pairs:
        raise NotCheckable(
            f"no common return definition (total or price) of {sa.symbol} and {sb.symbol}"
        )
    unit = claim.claimed.unit if claim.claimed is not None else "pp"
    word = "ratio of the returns" if unit == "x" else "difference of the returns, pp"
    (va, da, fa), (vb, db, fb) = pairs[0]
    alts = []
    for (xa, xda, xfa), (xb, xdb, xfb) in pairs[1:4]:
        label = spread_label(xfa, xfb, unit)
        alts.append(
            Alternative(_spread(xa, xb, unit), f"{label}: {xda} vs {xdb}", (xfa, xfb), label)
        )
    label = spread_label(fa, fb, unit)
    definition = f"{label}: {da} vs {db}; {word}"
    return Measured(_spread(va, vb, unit), definition, (fa, fb), tuple(alts), label=label)


def spread_label(a: Figure, b: Figure, unit: str) -> str:
    """Name a computed spread by its figures: "SPY − IWM, total return" ("SPY / IWM" for ratios).

    The figures' ids are ``"<symbol>.<basis>"`` (:func:`~capsize.queries.factcheck.period_change`).
    """
    (sa, ba), (sb, bb) = (f.id.rsplit(".", 1) for f in (a, b))
    basis = _BASIS_WORDS.get(ba, ba) if ba == bb else f"{ba} vs {bb} return"
    return f"{sa} / {sb}, {basis}" if unit == "x" else f"{sa} − {sb}, {basis}"
