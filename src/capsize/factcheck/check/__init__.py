"""Checking: each claim answered by a query, judged against its claimed value.

``check_claim(claim, source, article_date)`` returns a
:class:`~capsize.factcheck.claim.Verdict`: *supported* (the computed value is within the
claimed range widened by the stated tolerance), *close* (within a wider stated band, or
supported under another common definition, which is named), *contradicted* (the computed
value is shown) or *not checkable* (the reason names the data or feature missing). Every
number comes from a ``capsize.queries`` answer, read point in time: nothing dated after
the article's date (or the window's end).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import pandas as pd

from capsize.errors import CapsizeError
from capsize.factcheck.check._context import CheckContext, Measured, NotCheckable
from capsize.factcheck.check._highs import check_distance, check_drawdown, check_level, check_record
from capsize.factcheck.check._macro import (
    check_flows,
    check_rate_cuts,
    check_rate_level,
    check_valuation,
    check_volume,
)
from capsize.factcheck.check._returns import check_relative, check_return
from capsize.factcheck.check._risk import check_beta, check_volatility_ratio
from capsize.factcheck.check._runs import check_run
from capsize.factcheck.check._subjects import counterpart
from capsize.factcheck.check._tolerance import BANDS, RATE_BAND, Band
from capsize.factcheck.check._verdict import not_checkable, verdict_of
from capsize.factcheck.claim import Claim, Verdict
from capsize.queries import Session, session_for
from capsize.queries.factcheck import preload_closes

if TYPE_CHECKING:
    from capsize.queries.session import Source

__all__ = ["BANDS", "CHECKERS", "RATE_BAND", "Band", "check_claim", "check_claims"]

Checker = Callable[[CheckContext, Claim], Measured]

CHECKERS: dict[str, Checker] = {
    "return": check_return,
    "relative_return": check_relative,
    "record_high": check_record,
    "distance_from_high": check_distance,
    "drawdown": check_drawdown,
    "level": check_level,
    "volatility_ratio": check_volatility_ratio,
    "beta": check_beta,
    "run": check_run,
    "volume_change": check_volume,
    "flows": check_flows,
    "valuation": check_valuation,
    "rate_level": check_rate_level,
    "rate_cuts": check_rate_cuts,
}
"""Claim kind -> the checker that measures it."""


def _context(source: Source | CheckContext, article_date: object) -> CheckContext:
    if isinstance(source, CheckContext):
        return source
    day = pd.Timestamp(str(article_date)).normalize()
    s = session_for(source, None) if isinstance(source, Session) else session_for(source, day)
    if s.requested is None or s.requested != day:
        s = Session(s.store, day, s.settings)
    return CheckContext(s, day.date())


def check_claim(
    claim: Claim, source: Source | CheckContext, article_date: dt.date | str
) -> Verdict:
    """Check one claim against the data on or before ``article_date``.

    Parameters
    ----------
    claim : Claim
        The structured claim.
    source : Store, Session or CheckContext
        Where to read (a session at another date is re-opened at the article's date).
    article_date : date or ISO str
        The article's date: nothing dated after it is read.

    Returns
    -------
    Verdict
        Never raises for missing data: a claim the data cannot settle is "not checkable"
        with the reason.
    """
    if claim.kind == "unread":  # a figure extraction could not read: its reason says why
        return not_checkable(claim, str(claim.options.get("reason", "the figure was not read")))
    ctx = _context(source, article_date)
    checker = CHECKERS.get(claim.kind)
    if checker is None:
        return not_checkable(claim, f"claims of kind {claim.kind!r} are not supported yet")
    try:
        measured = checker(ctx, claim)
    except NotCheckable as exc:
        return not_checkable(claim, str(exc))
    except CapsizeError as exc:
        return not_checkable(claim, f"the data cannot answer it: {exc}")
    return verdict_of(claim, measured, at_least=claim.kind == "run")


def check_claims(
    claims: Iterable[Claim], source: Source, article_date: dt.date | str
) -> list[Verdict]:
    """Check claims in order, sharing one read session (each series is read once)."""
    ctx = _context(source, article_date)
    todo = list(claims)
    _preload(ctx, todo)
    return [check_claim(c, ctx, ctx.article_date) for c in todo]


def _preload(ctx: CheckContext, claims: list[Claim]) -> None:
    """Read the closes of every symbol the claims name (and their proxies) in one query."""
    wanted = {s.symbol for c in claims for s in c.subjects if s.symbol}
    wanted |= {pair[0] for x in list(wanted) if (pair := counterpart(x)) is not None}
    try:
        preload_closes(ctx.session, sorted(wanted))
    except CapsizeError:  # a read error shows again, per claim, as "not checkable"
        return
