"""Highs and levels: records, distance from a high, falls within a window, price levels."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from capsize.factcheck._units import EPOCH
from capsize.factcheck.check._context import Alternative, CheckContext, Measured, NotCheckable
from capsize.factcheck.check._subjects import subject
from capsize.factcheck.claim import Claim
from capsize.queries import Figure, QueryResult
from capsize.queries.factcheck import window_extremes

__all__ = [
    "RECORD_LOOKBACK_DAYS",
    "check_distance",
    "check_drawdown",
    "check_level",
    "check_record",
]

RECORD_LOOKBACK_DAYS = 7
"""A record "now" (a claim without a window start) must be set within this many days."""

LEVEL_LOOKBACK_DAYS = 92
"""Window of a support/resistance claim without a start: about three months."""


def _extremes(
    ctx: CheckContext, claim: Claim, start: pd.Timestamp | None = None
) -> tuple[str, QueryResult]:
    sym = subject(claim).symbol
    end = ctx.end_of(claim)
    res = window_extremes(ctx.at(end), symbol=sym, start=start, end=end)
    ctx.fresh(res, end, sym)
    return sym, res


def _pct(fig: Figure) -> float:
    if fig.value is None:
        raise NotCheckable(f"{fig.label}: {fig.note or 'n/a'}")
    return float(fig.value) * 100.0


def _series_word(res: QueryResult) -> str:
    return str(res.params.get("series", "close"))


def check_distance(ctx: CheckContext, claim: Claim) -> Measured:
    """How far the last close is below a high: the record, or a named period's high.

    A window of more than a week that ends before the article ("its November 2021 peak")
    names the peak's period: the high is that period's and the last close the article's.
    Otherwise the high is the record by the window's end; the other is the alternative.
    """
    start, wend = ctx.start_of(claim), ctx.end_of(claim)
    named = start is not None and (wend - start).days > RECORD_LOOKBACK_DAYS
    anchor_end = getattr(claim.window, "anchor_end", None)
    if named and anchor_end is not None:
        sym = subject(claim).symbol
        res = window_extremes(ctx.at(wend), symbol=sym, start=start, end=wend, high_end=anchor_end)
        ctx.fresh(res, wend, sym)
        first, other = res.fig(f"{sym}.from_period_high"), res.fig(f"{sym}.from_record")
    elif named and wend < ctx.day - pd.Timedelta(days=RECORD_LOOKBACK_DAYS):
        sym = subject(claim).symbol
        res = window_extremes(ctx.session, symbol=sym, start=start, end=ctx.day, high_end=wend)
        ctx.fresh(res, ctx.day, sym)
        first, other = res.fig(f"{sym}.from_period_high"), res.fig(f"{sym}.from_record")
    else:
        sym, res = _extremes(ctx, claim, start if named else None)
        record, high = res.fig(f"{sym}.from_record"), res.fig(f"{sym}.from_window_high")
        first, other = (high, record) if named else (record, high)
    word = _series_word(res)
    alts = (Alternative(_pct(other), other.label, (other,)),) if other.value is not None else ()
    return Measured(
        _pct(first),
        f"{first.label} ({word}s, {first.provenance.window}): {first.provenance.formula}",
        (first, res.fig(f"{sym}.last"), res.fig(f"{sym}.record_close.date")),
        alts,
        magnitude=True,
    )


def check_drawdown(ctx: CheckContext, claim: Claim) -> Measured:
    """Measure the fall within a window: peak to trough; the drop from the window's high as another.

    "Fell 20 % from its peak" and "a drawdown of 20 %" both read as peak to trough (the
    extraction's ``measure`` option does not change the main definition).
    """
    sym, res = _extremes(ctx, claim, ctx.start_of(claim))
    mdd, off = res.fig(f"{sym}.max_drawdown"), res.fig(f"{sym}.from_window_high")
    return Measured(
        _pct(mdd),
        f"{mdd.label} ({_series_word(res)}s, {mdd.provenance.window}): {mdd.provenance.formula}",
        (mdd, res.fig(f"{sym}.window_high"), res.fig(f"{sym}.window_high.date")),
        (Alternative(_pct(off), off.label, (off,)),),
        magnitude=True,
    )


def _day_number(fig: Figure) -> float:
    if fig.value is None:
        raise NotCheckable(f"{fig.label}: {fig.note or 'n/a'}")
    day = dt.date.fromisoformat(fig.note)
    return float((day - EPOCH).days)


def check_record(ctx: CheckContext, claim: Claim) -> Measured:
    """Check a record high: set within the window (or the last week), at the claimed level or date."""
    end = ctx.end_of(claim)
    start = ctx.start_of(claim) or end - pd.Timedelta(days=RECORD_LOOKBACK_DAYS)
    if claim.claimed is not None and claim.claimed.unit == "count":
        return _record_count(ctx, claim, start)
    sym, res = _extremes(ctx, claim)
    intraday = claim.options.get("basis") == "intraday"
    keys = ("record_intraday", "record_close") if intraday else ("record_close", "record_intraday")
    main, other = res.fig(f"{sym}.{keys[0]}"), res.fig(f"{sym}.{keys[1]}")
    when, other_when = res.fig(f"{sym}.{keys[0]}.date"), res.fig(f"{sym}.{keys[1]}.date")
    if main.value is None:
        raise NotCheckable(f"{main.label}: {main.note}")
    set_on = pd.Timestamp(when.note)
    fact = start <= set_on <= end
    unit = claim.claimed.unit if claim.claimed is not None else ""
    definition = (
        f"{main.label} by {end:%Y-%m-%d}: {main.value:,.2f} set {when.note} "
        f"({_series_word(res)}s; the claim's window {start:%Y-%m-%d}..{end:%Y-%m-%d})"
    )
    if unit == "date":
        value, alt_value = _day_number(when), _day_number(other_when) if other.value else None
    else:
        value, alt_value = float(main.value), other.value
    alts = () if alt_value is None else (Alternative(float(alt_value), other.label, (other,)),)
    return Measured(
        value if claim.claimed is not None else None,
        definition,
        (main, when, res.fig(f"{sym}.last")),
        alts,
        fact=fact,
    )


def _record_count(ctx: CheckContext, claim: Claim, start: pd.Timestamp) -> Measured:
    """Count the record closes within the window ("57 record closes in 2024")."""
    sym, res = _extremes(ctx, claim, start)
    fig = res.fig(f"{sym}.window_records")
    return Measured(
        float(fig.value or 0),
        f"{fig.label} ({fig.provenance.window}): {fig.provenance.formula}",
        (fig,),
    )


def _support(ctx: CheckContext, claim: Claim, kind: str, end: pd.Timestamp) -> Measured:
    """Read support (resistance) as the lowest (highest) close of the window (3 months)."""
    first = ctx.start_of(claim) or end - pd.Timedelta(days=LEVEL_LOOKBACK_DAYS)
    sym, res = _extremes(ctx, claim, first)
    key = "window_low" if kind == "support" else "window_high"
    fig = res.fig(f"{sym}.{key}")
    return Measured(
        float(fig.value or 0.0),
        f"{kind} read as the {fig.label.split(' ', 1)[1]} ({fig.provenance.window})",
        (fig, res.fig(f"{sym}.{key}.date")),
    )


def _peak_level(ctx: CheckContext, claim: Claim) -> Measured:
    """Read a stated peak ("its peak of $126,000 reached in October 2025"): the window's high.

    The highest close is the main definition, the highest intraday high the other.
    """
    sym, res = _extremes(ctx, claim, ctx.start_of(claim))
    figs = [res.fig(f"{sym}.{k}") for k in ("window_high", "window_high_intraday")]
    held = [f for f in figs if f.value is not None]
    if not held:
        raise NotCheckable(f"{sym}: no closes in {claim.window.label if claim.window else ''}")
    first, *others = held
    when = res.fig(f"{sym}.window_high.date")
    return Measured(
        float(first.value or 0.0),
        f"{first.label} ({first.provenance.window}), set {when.note}",
        (first, when),
        tuple(Alternative(float(f.value or 0.0), f.label, (f,)) for f in others),
    )


def check_level(ctx: CheckContext, claim: Claim) -> Measured:
    """Measure a price level: the close on the day (intraday as another); support/resistance."""
    kind = str(claim.options.get("level_kind", ""))
    end = ctx.end_of(claim)
    if kind in ("support", "resistance"):
        return _support(ctx, claim, kind, end)
    if kind == "peak":
        return _peak_level(ctx, claim)
    start = ctx.start_of(claim)
    span_days = (end - start).days if start is not None else 0
    if kind == "intraday" and start is not None and span_days > 1:
        sym, res = _extremes(ctx, claim, start)
        keys: tuple[str, ...] = (
            "window_high_intraday",
            "window_low_intraday",
            "window_high",
            "window_low",
        )
    else:
        sym, res = _extremes(ctx, claim, end - pd.Timedelta(days=RECORD_LOOKBACK_DAYS))
        keys = ("last", "last_high", "last_low")
    figs = [res.fig(f"{sym}.{k}") for k in keys]  # main first
    held = [f for f in figs if f.value is not None]
    if kind == "intraday" and claim.claimed is not None:
        mid = (claim.claimed.low + claim.claimed.high) / 2
        intraday = [f for f in held if "intraday" in f.label]
        rest = [f for f in held if f not in intraday]
        held = sorted(intraday, key=lambda f: abs(float(f.value or 0) - mid)) + rest
    if not held:
        raise NotCheckable(f"{sym}: no closes or intraday bars near {end:%Y-%m-%d}")
    raw = [f for f in res.figures.values() if f.id == f"{sym}.last_raw" and f.value is not None]
    first, *others = raw + held if kind != "intraday" else held + raw
    series = "raw close" if first in raw else _series_word(res)
    stand_in = _ADJUSTED if series == "adjusted close" else ""
    what = "adjusted close, raw close missing" if stand_in else f"{series}s"
    return Measured(
        float(first.value or 0.0),
        f"{first.label} on {first.provenance.window} ({what})",
        (first,),
        tuple(Alternative(float(f.value or 0.0), f.label, (f,)) for f in others),
        stand_in=stand_in,
    )


_ADJUSTED = (
    "the dividend-adjusted close (the data hold no raw close for this day; the quoted close "
    "differs by the dividends paid since)"
)
