"""Runs: how many calendar periods in a row a subject rose, fell, led or lagged."""

from __future__ import annotations

from capsize.factcheck.check._context import Alternative, CheckContext, Measured
from capsize.factcheck.check._subjects import subject
from capsize.factcheck.claim import Claim
from capsize.queries.factcheck import calendar_runs

__all__ = ["DIRECTION_WORDS", "check_run"]

DIRECTION_WORDS: dict[str, str] = {
    "up": "up",
    "gain": "up",
    "rise": "up",
    "rose": "up",
    "down": "down",
    "fall": "down",
    "fell": "down",
    "loss": "down",
    "decline": "down",
    "lead": "lead",
    "led": "lead",
    "beat": "lead",
    "outperform": "lead",
    "lag": "lag",
    "lagged": "lag",
    "trail": "lag",
    "underperform": "lag",
}
"""Direction words of run claims -> the direction ``calendar_runs`` counts."""

_PERIODS = {"years": "year", "months": "month", "weeks": "week", "days": "day", "sessions": "day"}


def check_run(ctx: CheckContext, claim: Claim) -> Measured:
    """Length of the run of complete periods ending by the claim's date.

    The claim "N straight years" holds when the last N complete periods all qualified, so
    a longer run supports it (``at least``); the run counting the current, unfinished
    period is another definition.
    """
    sym = subject(claim).symbol
    versus = next((s.symbol for s in claim.subjects[1:] if s.symbol), None)
    raw_period = str(claim.options.get("period", "year")).lower()
    period = _PERIODS.get(raw_period, raw_period)
    default = "lead" if versus else "up"
    direction = DIRECTION_WORDS.get(str(claim.options.get("direction", default)).lower(), default)
    end = ctx.end_of(claim)
    res = calendar_runs(
        ctx.at(end), symbol=sym, versus=versus, period=period, direction=direction, end=end
    )
    ctx.fresh(res, end, sym)
    run, cur = res.fig("run.complete"), res.fig("run.with_current")
    who = f"{sym} vs {versus}" if versus else sym
    return Measured(
        float(run.value or 0),
        f"complete {period}s in a row ({direction}) of {who}, the last ending "
        f"{res.fig('run.last_period').note}; {run.provenance.formula}",
        (run, res.fig("run.last_period")),
        (Alternative(float(cur.value or 0), f"counting the current, unfinished {period}", (cur,)),),
    )
