"""``bottom_line``: one or two sentences that reconcile the tape, the trend and the rating card.

The sentences are chosen by the stated rules of :mod:`capsize.rules.bottom_line`; every
number in them is a figure of another query, carried unchanged (same id, value and
provenance): the small-minus-large spreads of :func:`~capsize.queries.performance.scoreboard`
(``<S>-<L>.YTD``, ``.MTD``, ``.1D``), the ratio against its averages of
:func:`~capsize.queries.performance.relative_strength` (``ratio.vs50``, ``ratio.vs200``)
and the total of :func:`~capsize.queries.size.rotation_score` (``score``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from capsize._format import fmt_num, fmt_pct
from capsize.errors import CapsizeError
from capsize.queries.performance import relative_strength, scoreboard
from capsize.queries.result import QueryResult
from capsize.queries.session import session_for
from capsize.queries.size._rotation import rotation_score
from capsize.rules import bottom_line as B

if TYPE_CHECKING:
    from capsize.data.store import Store
    from capsize.queries.performance import RelativeStrengthResult, ScoreboardResult
    from capsize.queries.result import Figure
    from capsize.queries.session import Session
    from capsize.queries.size._rotation import RotationScoreResult

__all__ = ["BottomLineResult", "Mention", "bottom_line"]

Form = Literal["abs", "signed"]


@dataclass(frozen=True)
class Mention:
    """A figure quoted in the sentence: its id in the answer and how it is said.

    ``abs``: its size only (the words carry the sign); ``signed``: as is.
    """

    fid: str
    form: Form


Part = "str | Mention"


@dataclass(frozen=True)
class BottomLineResult(QueryResult):
    """The bottom line.

    Attributes
    ----------
    parts : tuple of (str or Mention)
        The sentences as text and quoted figures (ids of ``figures``).
    year, month, ratio, card, case : str
        The classifications the rules made ("" when missing) and the card case.
    """

    parts: tuple[str | Mention, ...] = ()
    year: str = ""
    month: str = ""
    ratio: str = ""
    card: str = ""
    case: str = ""

    @property
    def text(self) -> str:
        """The sentences with each figure formatted by its unit."""
        return "".join(
            p if isinstance(p, str) else _say(self.fig(p.fid), p.form) for p in self.parts
        )


def _say(f: Figure, form: Form) -> str:
    v = f.value
    if v is None:
        return "n/a"
    x = abs(float(v)) if form == "abs" else float(v)
    x = 0.0 if round(x, 3) == 0 else x  # no "-0.00"
    if f.unit == "pp":
        return f"{fmt_num(x * 100, 1, sign=form == 'signed')} pp"
    if f.unit == "score":
        return fmt_num(x, 2, sign=round(x, 2) != 0)
    return fmt_pct(x, 1, sign=form == "signed")


@dataclass
class _Inputs:
    board: ScoreboardResult
    rel: RelativeStrengthResult | None
    card: RotationScoreResult
    pair: str


def _value(f: Figure | None) -> float | None:
    return None if f is None or f.value is None else float(f.value)


def _year_sentence(
    inp: _Inputs, figs: dict[str, Figure], out: list[str | Mention]
) -> tuple[str, str]:
    """Year to date and month to date (the tape); return the two verdicts ("" when missing)."""
    ytd, mtd = inp.board.fig(f"{inp.pair}.YTD"), inp.board.fig(f"{inp.pair}.MTD")
    vy, vm = B.verdict(_value(ytd)), B.verdict(_value(mtd))
    if vy is None:
        return "", ""
    figs[ytd.id] = ytd
    words = {"lead": "lead", "trail": "trail", "level": "are level with"}
    out.append(f"Small caps {words[vy]} large caps")
    out += [" by ", Mention(ytd.id, "abs")] if vy != "level" else []
    out.append(" this year")
    if vm is None:
        return vy, ""
    figs[mtd.id] = mtd
    if vm == "level":
        out.append(", level this month")
    else:
        joint = ", and" if vm == vy else f", but {vm}"
        out += [f"{joint} by ", Mention(mtd.id, "abs"), " this month"]
    return vy, vm


_RATIO_SIDES = {
    "up": ("above", " and ", "above"),
    "down": ("below", " and ", "below"),
    "pulling back": ("above", " but ", "below"),
    "recovering": ("below", " but ", "above"),
}
"""Ratio trend -> (side of the 200-day average, joint, side of the 50-day average)."""


def _ratio_clause(inp: _Inputs, figs: dict[str, Figure], vy: str, out: list[str | Mention]) -> str:
    """Add the ratio against its averages when it does not simply agree with the year."""
    if inp.rel is None or not vy:
        return ""
    v200, v50 = inp.rel.fig("ratio.vs200"), inp.rel.fig("ratio.vs50")
    trend = B.ratio_trend(_value(v200), _value(v50))
    if trend is None:
        return ""
    if (trend, vy) in (("up", "lead"), ("down", "trail")):
        return trend
    figs[v200.id], figs[v50.id] = v200, v50
    s200, joint, s50 = _RATIO_SIDES[trend]
    out += [f"; the {inp.rel.a}/{inp.rel.b} ratio is ", Mention(v200.id, "abs")]
    out += [f" {s200} its 200-day average{joint}", Mention(v50.id, "abs"), f" {s50} its 50-day"]
    return trend


def _card_sentence(
    inp: _Inputs, figs: dict[str, Figure], vy: str
) -> tuple[list[str | Mention], str, str]:
    score = inp.card.score
    lean = B.card_lean(_value(score))
    case = B.card_case(vy or None, lean)  # type: ignore[arg-type]
    if case == "none" or score is None:
        return [B.CARD_SENTENCES["none"]], lean, case
    figs[score.id] = score
    side = {"small": "small", "large": "large"}.get(lean, "")
    out: list[str | Mention] = [B.CARD_SENTENCES[case].format(side=side)]
    out += [" (score ", Mention(score.id, "signed"), " on a scale from minus two to plus two)"]
    out += _drivers(inp, lean)
    return [*out, "."], lean, case


def _drivers(inp: _Inputs, lean: str) -> list[str | Mention]:
    """Name the assessed components pushing the score (both sides when split)."""
    small = [
        B.COMPONENT_WORDS[c.name][0]
        for c in inp.card.components
        if c.score.value is not None and float(c.score.value) > 0
    ]
    large = [
        B.COMPONENT_WORDS[c.name][1]
        for c in inp.card.components
        if c.score.value is not None and float(c.score.value) < 0
    ]
    sides = ((small, "small"), (large, "large"))
    parts = [
        f"{_join(words)} {'favour' if len(words) > 1 else 'favours'} {side} caps"
        for words, side in sides
        if words and lean in (side, "neutral")
    ]
    return [": " + "; ".join(parts)] if parts else []


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def bottom_line(source: Store | Session, as_of: object | None = None) -> BottomLineResult:
    """Answer "so what?": the year, the month, the trend and the rating card in two sentences.

    Parameters
    ----------
    source : Store or Session
        The store, or a read session.
    as_of : date-like, optional
        Use only data dated on or before it.

    Returns
    -------
    BottomLineResult
        Its figures are the scoreboard's, relative strength's and rotation score's figures
        quoted, unchanged; ``notes`` states the rule (:data:`capsize.rules.bottom_line.RULE`).

    Raises
    ------
    DataNotFound
        No IWM and SPY closes on or before the as-of.
    """
    s = session_for(source, as_of)
    board: ScoreboardResult = s.cached(("q", "scoreboard", "blend"), lambda: scoreboard(s))
    a, b = board.spreads[0][:2] if board.spreads else ("IWM", "SPY")
    try:
        rel: RelativeStrengthResult | None = s.cached(
            ("q", "relative_strength", a, b), lambda: relative_strength(s, a=a, b=b)
        )
    except CapsizeError:
        rel = None
    card: RotationScoreResult = s.cached(
        ("q", "rotation_score", None, False), lambda: rotation_score(s, history=False)
    )
    inp = _Inputs(board, rel, card, f"{a}-{b}")
    figs: dict[str, Figure] = {}
    first: list[str | Mention] = []
    vy, vm = _year_sentence(inp, figs, first)
    trend = _ratio_clause(inp, figs, vy, first)
    first += ["."] if first else []
    second, lean, case = _card_sentence(inp, figs, vy)
    return BottomLineResult(
        query="bottom_line",
        as_of=board.as_of,
        requested_as_of=s.requested,
        params={},
        figures=figs,
        notes=(B.RULE,),
        sources=tuple(dict.fromkeys((*board.sources, *card.sources))),
        parts=(*first, " ", *second) if first else tuple(second),
        year=vy,
        month=vm,
        ratio=trend,
        card=lean,
        case=case,
    )
