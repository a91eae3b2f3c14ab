"""The report's words: a headline and a summary chosen by rules from the context.

Every number in the narrative is a :class:`~capsize.report._model.Figure`
taken from the context (never recomputed here). The rules, in one place:

* **Who led** over a window: small caps lead when ``IWM - SPY`` exceeds
  :data:`TIE` (0.1 percentage point), lag when it is below ``-TIE``, and are
  "in step" otherwise. Windows: the day (1D), the month to date (MTD), the year
  to date (YTD).
* **Headline**: the bottom line (:func:`capsize.queries.bottom_line`, rules in
  :mod:`capsize.rules.bottom_line`): the year, the month, the trend and the rating card
  reconciled in one or two sentences; without it, the day's verdict then the year's.
* **Trend**: above or below the 200-day average of the IWM/SPY ratio.
* **Streak**: the current run of full calendar years led by one side, when it
  is at least :data:`STREAK_MIN` years long.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from capsize.rules.bottom_line import RULE as BOTTOM_LINE_RULE

if TYPE_CHECKING:
    from capsize.queries.size import BottomLineResult
    from capsize.report._inputs import Inputs
    from capsize.report._model import Figure, Section
    from capsize.report.context import ReportContext

__all__ = [
    "RULES",
    "STREAK_MIN",
    "TIE",
    "Narrative",
    "Part",
    "bottom_line_parts",
    "write_narrative",
]

TIE = 0.001
"""Spreads within +/- 0.1 percentage point count as "in step" (fraction)."""
STREAK_MIN = 2
"""Mention a calendar-year streak from this many years."""
RATE_LINK = 0.2
"""|52-week correlation| of the spread with 2-year yield changes above which rates are called a driver."""

RULES = (
    BOTTOM_LINE_RULE,
    "Small caps lead over a window when IWM minus SPY exceeds a tenth of a percentage point, lag "
    "when it is below minus a tenth of a point, and are in step otherwise (windows: day, month to date, "
    "year to date; total returns).",
    "The trend is the IWM/SPY ratio against its 200-day average.",
    "A calendar-year streak is mentioned from two full years.",
    "Rates are called a driver when the 52-week correlation of weekly small-minus-large returns "
    "with weekly 2-year yield changes is beyond two tenths either way.",
)

Part = "Figure | str"


@dataclass(frozen=True)
class Narrative:
    """Headline and summary, as sequences of text and figures.

    Attributes
    ----------
    headline : tuple of (Figure or str)
    paragraphs : tuple of tuple of (Figure or str)
    rules : tuple of str
        The rules used, stated for the method section.
    """

    headline: tuple[Figure | str, ...]
    paragraphs: tuple[tuple[Figure | str, ...], ...]
    rules: tuple[str, ...] = RULES

    def text(self) -> str:
        """Plain text of headline and paragraphs (figures as shown)."""

        def j(parts: tuple[Figure | str, ...]) -> str:
            return "".join(p if isinstance(p, str) else p.formatted for p in parts)

        return "\n\n".join([j(self.headline), *(j(p) for p in self.paragraphs)])


def _verdict(f: Figure | None) -> str | None:
    """``"lead"``, ``"lag"``, ``"step"`` or None (missing)."""
    if f is None or not f.available:
        return None
    v = float(f.value or 0.0)
    return "lead" if v > TIE else ("lag" if v < -TIE else "step")


_DAY_WORDS = {
    "lead": "Small caps beat large caps",
    "lag": "Small caps trail large caps",
    "step": "Small and large caps move in step",
}
_WINDOW_WORDS = {
    "lead": "small caps are ahead by ",
    "lag": "small caps are behind by ",
    "step": "small and large caps are level, ",
}


def _headline(sc: Section) -> tuple[Figure | str, ...]:
    """Say the day's verdict, then the year's (agreeing or not)."""
    day, ytd = sc.fig("IWM-SPY.1D"), sc.fig("IWM-SPY.YTD")
    vd, vy = _verdict(day), _verdict(ytd)
    if vd is None or day is None:
        return ("Small caps vs large caps",)
    head: list[Figure | str] = [_DAY_WORDS[vd]]
    if vd != "step":
        head += [" by ", sc.fig("IWM-SPY.1D.abs") or day]
    if vy is None:
        return tuple(head)
    if vy == "step":
        return (*head, "; level for the year")
    word = "ahead" if vy == "lead" else "behind"
    still = (vy == "lead" and vd == "lag") or (vy == "lag" and vd == "lead")
    head.append(f", but still {word}" if still else f"; {word}")
    ymag = sc.fig("IWM-SPY.YTD.abs")
    if ymag is not None and ymag.available:
        head += [" by ", ymag]
    return (*head, " for the year")


def _tape_paragraph(ctx: ReportContext) -> list[Figure | str]:
    """Describe the day's moves, the segment leader and laggard, month and year to date."""
    sc = ctx.section("scoreboard")
    out: list[Figure | str] = []
    i1, s1 = sc.fig("IWM.1D"), sc.fig("SPY.1D")
    if i1 is not None and s1 is not None and i1.available and s1.available:
        out += [f"On {ctx.day} the Russell 2000 ETF (IWM) returned ", i1, " against ", s1]
        out.append(" for the S&P 500 ETF (SPY).")
    out += _movers(ctx.section("tape"))
    for label, w in (("Month to date", "MTD"), ("Year to date", "YTD")):
        f, a, b = sc.fig(f"IWM-SPY.{w}"), sc.fig(f"IWM.{w}"), sc.fig(f"SPY.{w}")
        v = _verdict(f)
        if f is None or v is None or a is None or b is None:
            continue
        mag = sc.fig(f"IWM-SPY.{w}.abs") or f
        out += [f" {label} {_WINDOW_WORDS[v]}", mag, " (IWM ", a, ", SPY ", b, ")."]
    return out


def _group(figs: list[Figure], verb: str, tied: str) -> list[Figure | str]:
    """Say "IWM led (+0.8%)" or "SPY and QQQ tied for last (+0.4%, +0.4%)" (tie rule: 0.1 pp)."""
    names = [f.provenance.symbols[0] for f in figs]
    if len(figs) == 1:
        return [f"{names[0]} {verb} (", figs[0], ")"]
    who = ", ".join(names[:-1]) + " and " + names[-1]
    if len({f.formatted for f in figs}) == 1:
        return [f"{who} tied {tied} (", figs[0], " each)"]
    out: list[Figure | str] = [f"{who} tied {tied} ("]
    for i, f in enumerate(figs):
        out += [", " if i else "", f]
    return [*out, ")"]


def _movers(tape: Section) -> list[Figure | str]:
    """Name the leader and the laggard among the segment proxies; ties are said as ties."""

    def picks(key: str) -> list[Figure]:
        return [f for i in range(10) if (f := tape.fig(f"{key}.{i}")) is not None]

    lead, lag = picks("leader"), picks("laggard")
    if not lead or not lag:
        return []
    return [
        " Among the segment proxies, ",
        *_group(lead, "led", "for the lead"),
        " and ",
        *_group(lag, "lagged", "for last"),
        ".",
    ]


def _trend_sentences(ctx: ReportContext) -> list[Figure | str]:
    """Place the IWM/SPY ratio against its 200-day average and the last crossover."""
    rs = ctx.section("relative")
    v200 = rs.fig("small.vs200")
    if v200 is None or not v200.available:
        return []
    side = "above" if float(v200.value or 0) > 0 else "below"
    out: list[Figure | str] = [
        f"The trend {'favours' if side == 'above' else 'is against'} small caps: the IWM/SPY "
        "ratio stands ",
        rs.fig("small.vs200.abs") or v200,
        f" {side} its 200-day average",
    ]
    cross = rs.fig("small.days_since_cross")
    if cross is not None and cross.available:
        out += [", and its 50-day average last crossed the 200-day ", cross, " sessions ago"]
    return [*out, "."]


def _streak_sentence(ctx: ReportContext) -> list[Figure | str]:
    """Name a run of calendar years led by one side, from :data:`STREAK_MIN` years."""
    streak = ctx.section("leadership").fig("streak")
    if streak is None or not streak.available or int(streak.value or 0) < STREAK_MIN:
        return []
    who = "Large" if "Large" in streak.label else "Small"
    vy = _verdict(ctx.section("scoreboard").fig("IWM-SPY.YTD"))
    breaking = (who == "Large" and vy == "lead") or (who == "Small" and vy == "lag")
    end = "; this year, so far, is going the other way." if breaking else "."
    return [f" {who} caps have led ", streak, " full calendar years in a row", end]


def _size_sentence(ctx: ReportContext) -> list[Figure | str]:
    """Give the size factor's last ten years and their rank in its history."""
    ten = ctx.fig("size", "10y.ann")
    if ten is None or not ten.available:
        return []
    out: list[Figure | str] = [
        " Over the last ten years the Fama-French size factor (SMB) returned ",
        ten,
        " a year",
    ]
    pctl = ctx.fig("size", "10y.pctl")
    if pctl is not None and pctl.available:
        out += ["; ", pctl, " of all ten-year windows since 1926 were no stronger"]
    return [*out, "."]


def _score_sentence(ctx: ReportContext) -> list[Figure | str]:
    """Quote the rotation score and its verdict."""
    rating = ctx.section("rating")
    score = rating.fig("score")
    if not rating.available or score is None or not score.available:
        return []
    verdict = next((n for n in rating.notes if n.startswith("Verdict: ")), "")
    words = verdict.removeprefix("Verdict: ").rstrip(".")
    return [
        " The rotation score, which weighs trend, breadth, rates and the size factor, is ",
        score,
        f" ({words}).",
    ]


def _report_id(q: str, rel: str) -> str:
    """Return the report id under which a section already shows the query figure ``q``."""
    if q == "score":
        return "rating.score"
    if q.startswith("ratio."):
        return f"rs.{rel}.{q.removeprefix('ratio.')}"
    return f"score.{q}"


def bottom_line_parts(inp: Inputs) -> tuple[Figure | str, ...]:
    """Ask the ``bottom_line`` query and adopt its figures under the ids the sections use.

    The scoreboard's spreads, the relative-strength ratio and the rotation score are
    registered once in the report's figure book; adopting them here under the same ids
    returns the very figures the sections show (one value, one provenance).
    """
    from capsize.queries.size import bottom_line
    from capsize.report._inputs import num, pct, pp, pp_abs

    res: BottomLineResult = inp.session.cached(
        ("q", "bottom_line"), lambda: bottom_line(inp.session)
    )
    rel = "small"
    out: list[Figure | str] = []
    for p in res.parts:
        if isinstance(p, str):
            out.append(p)
            continue
        q = res.fig(p.fid)
        if q.unit == "score":
            out.append(
                inp.book.adopt(q, num("no component assessed", 2, sign=True), fid="rating.score")
            )
            continue
        signed = pp("no data") if q.unit == "pp" else pct("no data")
        f = inp.book.adopt(q, signed, fid=_report_id(q.id, rel))
        if p.form == "abs":
            f = inp.book.magnitude(
                f, pp_abs("no data") if q.unit == "pp" else pct("no data", sign=False)
            )
        out.append(f)
    return tuple(out)


def write_narrative(ctx: ReportContext) -> Narrative:
    """Choose the headline and summary sentences from the context's figures."""
    paragraphs = (
        _tape_paragraph(ctx),
        [
            *_trend_sentences(ctx),
            *_streak_sentence(ctx),
            *_size_sentence(ctx),
            *([] if ctx.bottom_line else _score_sentence(ctx)),  # the headline quotes it
        ],
        list(_drivers(ctx, card=not ctx.bottom_line)),
    )
    paras = tuple(tuple(p) for p in paragraphs if p)
    head = ctx.bottom_line or _headline(ctx.section("scoreboard"))
    return Narrative(head, paras)


def _drivers(ctx: ReportContext, *, card: bool = True) -> tuple[Figure | str, ...]:
    """Build the "what moves it" paragraph from the rates and (``card``) rating-card figures."""
    out: list[Figure | str] = []
    rates = ctx.section("rates")
    lvl, chg, corr = rates.fig("DGS2.level"), rates.fig("DGS2.chg1m"), rates.fig("corr.DGS2")
    if rates.available and lvl is not None and lvl.available:
        out += ["What moves it: the 2-year Treasury yield stands at ", lvl]
        if chg is not None and chg.available:
            out += [" (", chg, " over the month)"]
        out.append(".")
        if corr is not None and corr.available:
            out += [_rate_link(float(corr.value or 0.0)), " (52-week correlation ", corr, ")."]
    rating = ctx.section("rating")
    names = {
        "relative_strength": "trend",
        "breadth": "breadth",
        "rates_regime": "rates",
        "flows": "flows",
        "valuation": "valuation",
        "size_factor_regime": "the size-factor regime",
    }
    scored = [
        (word, f)
        for key, word in names.items()
        if (f := rating.fig(f"{key}.score")) is not None and f.available
    ]
    if card and rating.available and scored:
        out.append(" On the rating card, ")
        for i, (word, f) in enumerate(scored):
            sep = "" if i == 0 else (" and " if i == len(scored) - 1 else ", ")
            out += [sep, f"{word} scores ", f]
        out.append(".")
    return tuple(out)


def _rate_link(c: float) -> str:
    """Words for the 52-week correlation of the spread with yield changes."""
    if c <= -RATE_LINK:
        return " Over the last year small caps have done better in weeks when yields fell"
    if c >= RATE_LINK:
        return " Over the last year small caps have done better in weeks when yields rose"
    return " Over the last year the small-minus-large spread has had little link to yields"
