"""Rates, Fed moves, fund flows, volume, and what the shared data cannot settle (valuation)."""

from __future__ import annotations

import pandas as pd

from capsize.errors import CapsizeError
from capsize.factcheck.check._context import Alternative, CheckContext, Measured, NotCheckable
from capsize.factcheck.check._subjects import need_start, subject
from capsize.factcheck.claim import Claim
from capsize.queries import Figure
from capsize.queries.factcheck import fund_flow, rate_change, rate_moves, volume_change

__all__ = [
    "check_flows",
    "check_rate_cuts",
    "check_rate_level",
    "check_valuation",
    "check_volume",
]

_RATE_TWINS = {"DFF": "FEDFUNDS", "FEDFUNDS": "DFF"}


def _value(fig: Figure, scale: float = 1.0) -> float:
    if fig.value is None:
        raise NotCheckable(f"{fig.label}: {fig.note or 'n/a'}")
    return float(fig.value) * scale


def check_rate_level(ctx: CheckContext, claim: Claim) -> Measured:
    """Measure a rate's level on the date (percent), or its change over the window (bp / pp)."""
    sid = subject(claim).symbol
    end = ctx.end_of(claim)
    unit = claim.claimed.unit if claim.claimed is not None else "%"
    change = unit in ("bp", "pp")
    start = need_start(ctx, claim)[0] if change else None
    res = rate_change(ctx.at(end), series=sid, start=start, end=end)
    ctx.fresh(res, end, sid)
    fig = res.fig(f"{sid}.change" if change else f"{sid}.level")
    value = _value(fig, 0.01 if unit == "pp" else 1.0)
    alts: list[Alternative] = []
    if change and sid == "DFF" and start is not None:
        alts += _effective_later(ctx, claim, start, end)
    twin = _RATE_TWINS.get(sid)
    if twin is not None and not change:
        try:
            other = rate_change(ctx.at(end), series=twin, end=end).fig(f"{twin}.level")
            alts.append(Alternative(_value(other), other.label, (other,)))
        except (CapsizeError, NotCheckable):
            pass
    return Measured(value, f"{fig.label}: {fig.provenance.formula}", (fig,), tuple(alts))


EFFECTIVE_LAG_DAYS = 5
"""Days after a Fed decision by which the effective rate (DFF) has moved with the target."""


def _effective_later(
    ctx: CheckContext, claim: Claim, start: pd.Timestamp, end: pd.Timestamp
) -> list[Alternative]:
    """Measure the effective rate's change a few days later (the target moves first, DFF the next day)."""
    later = min(end + pd.Timedelta(days=EFFECTIVE_LAG_DAYS), ctx.day)
    if later <= end:
        return []
    try:
        res = rate_change(ctx.at(later), series="DFF", start=start, end=later)
    except CapsizeError:
        return []
    fig = res.fig("DFF.change")
    unit = claim.claimed.unit if claim.claimed is not None else "bp"
    return [
        Alternative(
            _value(fig, 0.01 if unit == "pp" else 1.0),
            f"effective fed funds rate to {later:%Y-%m-%d}: the target moves on the decision "
            "day, the effective rate the next day",
            (fig,),
        )
    ]


def check_rate_cuts(ctx: CheckContext, claim: Claim) -> Measured:
    """Count the Fed cuts (or hikes) within the window, from the effective funds rate."""
    start, end = need_start(ctx, claim)
    res = rate_moves(ctx.at(end), start=start, end=end)
    move = claim.options.get("move", claim.options.get("direction", "cut"))
    hikes = str(move).lower().startswith("hike")
    fig = res.fig("hikes" if hikes else "cuts")
    moves = res.fig("moves")
    return Measured(
        _value(fig),
        f"{fig.label} ({fig.provenance.window}): {fig.provenance.formula}; moves: {moves.note}",
        (fig, moves),
    )


def check_flows(ctx: CheckContext, claim: Claim) -> Measured:
    """Net flows of a fund whose daily share counts the store holds (IWM); else not checkable."""
    first = claim.subjects[0] if claim.subjects else None
    if first is None or first.kind == "fund_group" or not first.symbol:
        what = repr(first.phrase) if first is not None else "the funds named"
        raise NotCheckable(
            f"flows of {what} are not in the shared data: it holds daily share counts of "
            "IWM only (and month-end IVV); no flow totals for groups of funds"
        )
    subj = subject(claim)
    start, end = need_start(ctx, claim)
    try:
        res = fund_flow(ctx.at(end), fund=subj.symbol, start=start, end=end)
    except CapsizeError as exc:
        raise NotCheckable(f"{exc}") from None
    ctx.fresh(res, end, f"{subj.symbol} share counts")
    fig = res.fig(f"{subj.symbol}.flow")
    return Measured(
        _value(fig),
        f"{fig.label} ({fig.provenance.window}): {fig.provenance.formula}",
        (fig, res.fig(f"{subj.symbol}.shares.start"), res.fig(f"{subj.symbol}.shares.end")),
    )


def check_volume(ctx: CheckContext, claim: Claim) -> Measured:
    """Change of mean daily volume, in %.

    A window under 300 days ("in July from a year earlier") is compared with the same dates
    a year earlier; a longer one ("from a year ago") compares 20 sessions at each end.
    """
    sym = subject(claim).symbol
    start, end = need_start(ctx, claim)
    try:
        res = volume_change(
            ctx.at(end), symbol=sym, start=start, end=end, year_earlier=(end - start).days < 300
        )
    except CapsizeError as exc:
        raise NotCheckable(f"{exc}") from None
    ctx.fresh(res, end, f"{sym} volume")
    fig = res.fig(f"{sym}.volume.change")
    return Measured(
        _value(fig, 100.0),
        f"{fig.label} ({fig.provenance.window}): {fig.provenance.formula}",
        (fig, res.fig(f"{sym}.volume.start"), res.fig(f"{sym}.volume.end")),
    )


def check_valuation(ctx: CheckContext, claim: Claim) -> Measured:
    """Valuation ratios: not checkable from the shared data (the reason names what is missing)."""
    measure = str(claim.options.get("measure", "")).lower()
    if "forward" in measure or "forward" in claim.text.lower():
        raise NotCheckable(
            "forward earnings estimates are not in capsize's data (no analyst-estimate source)"
        )
    raise NotCheckable(
        "valuation ratios need company earnings from SEC filings (the 'capsize stocks "
        "valuation' query fetches them online); the offline shared data hold prices only"
    )
