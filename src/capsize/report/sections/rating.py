"""The rating card: renders ``rotation_score`` on the report day.

The query applies the configured weights and the one staleness rule; every figure is
adopted as the query computed it.
"""

from __future__ import annotations

from capsize.queries.size import RotationScoreResult, rotation_score
from capsize.report._inputs import Inputs, num, pct
from capsize.report._model import Figure, Section, Table

__all__ = ["rating_section", "rotation_answer"]


def rotation_answer(inp: Inputs) -> RotationScoreResult:
    """Return the rotation score on the report day (asked once per report, without history)."""
    result: RotationScoreResult = inp.session.cached(
        ("q", "rotation_score", None, False), lambda: rotation_score(inp.session, history=False)
    )
    return result


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
        why = "not assessed: " + (c.reason or "no data")
        s = inp.book.adopt(
            c.score, num(why, 0, sign=True), fid=f"rating.{c.name}.score", label=f"{c.label} score"
        )
        w = inp.book.adopt(
            c.weight_used,
            pct("no weight", 0, sign=False),
            fid=f"rating.{c.name}.weight",
            label=f"{c.label} weight used",
        )
        figs[f"{c.name}.score"], figs[f"{c.name}.weight"] = s, w
        rows.append((c.label, s, w))
    t = Table(
        ("Component", "Score", "Weight used"),
        tuple(rows),
        "Each component scores from minus two (favours large caps) to plus two (favours small "
        "caps) by published thresholds; components without fresh data on the report day are "
        "not assessed and their weight is spread over the others. Weights come from the "
        "configuration when it sets them. Evidence for each score is in the provenance table.",
    )
    notes = [f"Verdict: {r.label}."]
    notes += [n for n in r.notes if n.startswith("Breadth universe:")]
    return Section("rating", "Rating card", figures=figs, tables=(t,), notes=tuple(notes))
