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
    "Scale: -2 strongly favours large caps, -1 leans large, 0 neutral, +1 leans small, "
    "+2 strongly favours small caps (the total reads 'leans' from 0.5 either way and "
    "'strongly' from 1.25)."
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


def _band(c: ComponentRow, t: tuple[Figure, ...]) -> str:
    """Return the rule band the reading fell in, in the reading's unit ("" when not assessed)."""
    if c.score.value is None:
        return ""
    raw = int(c.score.value) * (1 if c.higher_favours_small else -1)
    f = [x.formatted for x in t]
    bands = {
        -2: f"under {f[0]}",
        -1: f"{f[0]} up to {f[1]}",
        0: f"{f[1]} to {f[2]}",
        1: f"over {f[2]} to {f[3]}",
        2: f"over {f[3]}",
    }
    return bands.get(raw, "")


def _row(inp: Inputs, c: ComponentRow) -> tuple[dict[str, Figure], tuple[Figure | str, ...]]:
    fmt = reading_format(c.name)
    status = short_status(c, inp.as_of)
    reading = inp.book.adopt(
        c.reading, fmt, fid=f"rating.{c.name}.reading", label=f"{c.label} reading"
    )
    if reading.value is None:
        reading = Figure(reading.id, None, "n/a", reading.label, reading.provenance)
    t = tuple(
        inp.book.adopt(x, fmt, fid=f"rating.{c.name}.threshold.{i}")
        for i, x in enumerate(c.thresholds, start=1)
    )
    score = inp.book.adopt(
        c.score, num(status, 0, sign=True), fid=f"rating.{c.name}.score", label=f"{c.label} score"
    )
    if score.value is None:  # the short phrase, never the query's log line
        score = Figure(score.id, None, status or "n/a", score.label, score.provenance)
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
    return figs, (label, reading, _band(c, t) or "not scored", score, weight, when)


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
        ("Component", "Reading", "Rule band", "Score", "Weight", "As of"),
        tuple(rows),
        "Each component scores from -2 (favours large caps) to +2 (favours small caps) by the "
        "band its reading falls in (the full rules are in the method section); weight: the share "
        "of the total after renormalisation. "
        f"{staleness.RULE[0].upper()}{staleness.RULE[1:]} A component not assessed gets no "
        "weight; the others' weights are scaled up to sum to 100%.",
    )
    notes = [f"Verdict: {r.label}.", SCALE]
    notes += [n for n in r.notes if n.startswith("Breadth universe:")]
    return Section("rating", "Rating card", figures=figs, tables=(t,), notes=tuple(notes))
