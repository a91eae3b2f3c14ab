"""The rating card: renders ``rotation_score`` on the report day.

The query applies the configured weights and the one staleness rule
(:mod:`capsize.rules.staleness`); every figure is adopted as the query computed it. Each
component shows its reading, the band of the rule it fell in, its score, its weight and
its as-of date; a stale component says so in a short phrase ("stale since 31 Jul"), the
rule itself is stated once in the caption.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pandas as pd

from capsize.queries.size import RotationScoreResult, rotation_score
from capsize.report._inputs import Inputs, num, pct
from capsize.report._model import Figure, Section, Table
from capsize.rules import staleness

if TYPE_CHECKING:
    from collections.abc import Callable

    from capsize.queries.size import ComponentRow

__all__ = [
    "READING_NAMES",
    "SCALE",
    "rating_section",
    "reading_format",
    "reading_words",
    "rotation_answer",
    "short_status",
]

SCALE = (
    "Scale: from minus two (strongly favours large caps) through zero (neutral) to plus two "
    "(strongly favours small caps); the total leans to one side from half a point and "
    "favours it strongly from one and a quarter."
)
"""What the score means, shown as the card's label."""

READING_NAMES = {
    "relative_strength": "IWM/SPY ratio vs its 200-day average",
    "breadth": "members above their 200-day average",
    "rates_regime": "2-year yield, 3-month change",
    "flows": "small-cap fund shares, 6-month change",
    "valuation": "small/large valuation, percentile",
    "size_factor_regime": "size factor (SMB), 12/36-month average",
}
"""Short words for each component's reading on the card (the full rule: method section)."""

_SIGNED = ("relative_strength", "flows", "size_factor_regime")
"""Readings that are changes (shown with a sign); the others are levels or shares."""


def rotation_answer(inp: Inputs) -> RotationScoreResult:
    """Return the rotation score on the report day (asked once per report, without history)."""
    result: RotationScoreResult = inp.session.cached(
        ("q", "rotation_score", None, False), lambda: rotation_score(inp.session, history=False)
    )
    return result


def reading_format(name: str) -> Callable[[float | int | None], str]:
    """Formatter of a component's reading in its unit (rates: a yield change, in bp)."""
    if name == "rates_regime":
        return lambda v: "n/a" if v is None else num("", 0, sign=True, suffix=" bp")(v * 100)
    return pct("no reading", 1 if name in _SIGNED else 0, sign=name in _SIGNED)  # type: ignore[no-any-return]


def reading_words(c: ComponentRow) -> str:
    """Say what a component's reading is, without its unit ("3-month change of the ...")."""
    return re.sub(r"\s*\([^()]*\)$", "", c.reading.provenance.formula.removesuffix(", pp"))


def _day(ts: pd.Timestamp, year: int) -> str:
    return f"{ts.day} {ts:%b}" if ts.year == year else f"{ts.day} {ts:%b %Y}"


def short_status(c: ComponentRow, as_of: pd.Timestamp) -> str:
    """Return a short phrase for a component not assessed: "stale since 31 Jul", "no data"."""
    if c.status == "ASSESSED":
        return ""
    if c.as_of is None:
        return "no data"
    if staleness.freshness(c.as_of, as_of, c.frequency).stale:
        return f"stale since {_day(c.as_of, as_of.year)}"
    return "not assessed"


def _threshold(c: ComponentRow, t: tuple[Figure, ...]) -> Figure | str:
    """Return the threshold the reading passed to earn its score ("neutral band": none)."""
    if c.score.value is None:
        return "not scored"
    raw = int(c.score.value) * (1 if c.higher_favours_small else -1)
    index = {-2: 0, -1: 1, 1: 2, 2: 3}.get(raw)
    return "neutral band" if index is None else t[index]


def _row(inp: Inputs, c: ComponentRow) -> tuple[dict[str, Figure], tuple[Figure | str, ...]]:
    fmt = reading_format(c.name)
    status = short_status(c, inp.as_of)
    reading = inp.book.adopt(
        c.reading, fmt, fid=f"rating.{c.name}.reading", label=f"{c.label} reading"
    )
    t = tuple(
        inp.book.adopt(x, fmt, fid=f"rating.{c.name}.threshold.{i}")
        for i, x in enumerate(c.thresholds, start=1)
    )
    signed = num("", 0, sign=True)
    score = inp.book.adopt(  # a missing score: the short phrase, never the query's log line
        c.score,
        lambda v: signed(v) if v is not None else (status or "not assessed"),
        fid=f"rating.{c.name}.score",
        label=f"{c.label} score",
    )
    weight = inp.book.adopt(
        c.weight_used,
        pct("no weight", 0, sign=False),
        fid=f"rating.{c.name}.weight",
        label=f"{c.label} weight used",
    )
    when = _day(c.as_of, inp.as_of.year) if c.as_of is not None else "no data"
    figs = {
        f"{c.name}.reading": reading,
        f"{c.name}.score": score,
        f"{c.name}.weight": weight,
    }
    what = READING_NAMES.get(c.name) or reading_words(c)
    label = f"{c.label}: {what}" if what else c.label
    return figs, (label, reading, _threshold(c, t), score, weight, when)


def rating_section(inp: Inputs) -> Section:
    """Rotation score on a -2..+2 scale from the components that have data on the report day."""
    r = rotation_answer(inp)
    figs: dict[str, Figure] = {}
    figs["score"] = inp.book.adopt(
        r.fig("score"),
        num("no component had data", 2, sign=True),
        fid="rating.score",
        label="rotation score (-2 favours large caps, +2 small caps)",
    )
    rows: list[tuple[Figure | str, ...]] = []
    for c in r.components:
        f, row = _row(inp, c)
        figs.update(f)
        rows.append(row)
    t = Table(
        ("Component", "Reading", "Threshold passed", "Score", "Weight", "As of"),
        tuple(rows),
        "Each component scores from minus two (favours large caps) to plus two (favours small "
        "caps) by the thresholds its reading passed (all thresholds: method section); weight: "
        "its share of the total after renormalisation. "
        f"{staleness.RULE[0].upper()}{staleness.RULE[1:]} A component not assessed gets no "
        "weight; the others' weights are scaled up to make the whole.",
    )
    notes = [f"Verdict: {r.label}.", SCALE]
    notes += [n for n in r.notes if n.startswith("Breadth universe:")]
    return Section("rating", "Rating card", figures=figs, tables=(t,), notes=tuple(notes))
