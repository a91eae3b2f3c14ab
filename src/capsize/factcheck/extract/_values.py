"""Values: the numbers a claim states, with their unit, precision and hedge, as ranges.

Precision is half a step of the last digit written: "12.7 %" is 12.65..12.75, "8 %" is
7.5..8.5, "2,150" is 2,145..2,155, and a round figure of four or more digits is rounded at
its last non-zero digit ("21,000" is 20,500..21,500). Hedges widen or open the range:

=========================================  =======================================
hedge                                      range for x with half-step h
=========================================  =======================================
nearly, almost, just under, close to       x - max(h, 10 % of x) .. x
about, around, roughly, some, ~            x ± max(h, 5 % of x)
just over                                  x .. x + max(h, 10 % of x)
more than, over, above, at least, topped   x .. inf
less than, under, below, at most, up to    -inf .. x
=========================================  =======================================

Fractions and multiples are approximate: "a fifth" is 20 % ± 10 % of 20 (18..22), "twice"
is 2.0 x ± 0.2.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

from capsize.factcheck.claim import Unit
from capsize.factcheck.extract._calendar import MONTH_RE, number_value

__all__ = ["Value", "find_values", "hedge_range", "negate"]


@dataclass(frozen=True)
class Value:
    """A stated value: its range, unit and the words stating it.

    Attributes
    ----------
    start, end : int
        Span in the text searched.
    low, high : float
        The range (precision and hedge applied), in ``unit``; dollar amounts in USD.
    unit : Unit or ""
        ``""`` for a bare number (a level, or a count when the context says so).
    text : str
        The words ("nearly 3 %").
    hedge : str
        The hedge word, or "".
    x : float
        The number as written (scaled: "$20 billion" is 2e10).
    """

    start: int
    end: int
    low: float
    high: float
    unit: Unit | str
    text: str
    hedge: str
    x: float


_HEDGES = {
    "nearly": "below",
    "almost": "below",
    "just under": "below",
    "just below": "below",
    "just shy of": "below",
    "a shade under": "below",
    "close to": "below",
    "approaching": "below",
    "about": "about",
    "around": "about",
    "roughly": "about",
    "approximately": "about",
    "some": "about",
    "an estimated": "about",
    "as much as": "about",
    "~": "about",
    "just over": "above",
    "just above": "above",
    "more than": "min",
    "over": "min",
    "above": "min",
    "at least": "min",
    "north of": "min",
    "in excess of": "min",
    "upwards of": "min",
    "better than": "min",
    "exceeding": "min",
    "topped": "min",
    "less than": "max",
    "under": "max",
    "below": "max",
    "at most": "max",
    "no more than": "max",
    "up to": "max",
    "fewer than": "max",
}
_HEDGE_RE = "|".join(re.escape(h) for h in sorted(_HEDGES, key=len, reverse=True))

_NUM = r"[-+−]?(?:\$\s?)?\d{1,3}(?:,\d{3})+(?:\.\d+)?|[-+−]?(?:\$\s?)?\d+(?:\.\d+)?"
_UNIT = (
    r"\s?(?P<unit>%|percent(?:age points?)?|per cent|percentage points?|pp(?:ts?)?\b|ppt\b|"
    r"basis points?|bps?\b|points?\b|pts\b|times\b|x\b|-fold\b)"
)
_SCALE = r"\s?(?P<scale>trillion|billion|million|thousand|tn\b|bn\b|mn\b|[tbmk]\b)"
_SCALES = {
    "trillion": 1e12,
    "tn": 1e12,
    "t": 1e12,
    "billion": 1e9,
    "bn": 1e9,
    "b": 1e9,
    "million": 1e6,
    "mn": 1e6,
    "m": 1e6,
    "thousand": 1e3,
    "k": 1e3,
}
_UNITS: dict[str, Unit] = {
    "%": "%",
    "percent": "%",
    "per cent": "%",
    "pp": "pp",
    "ppt": "pp",
    "ppts": "pp",
    "percentage point": "pp",
    "percentage points": "pp",
    "percent point": "pp",
    "basis point": "bp",
    "basis points": "bp",
    "bp": "bp",
    "bps": "bp",
    "point": "points",
    "points": "points",
    "pts": "points",
    "times": "x",
    "x": "x",
    "-fold": "x",
}

_NUMBER = re.compile(
    rf"(?<![\w.,])(?P<n1>{_NUM})(?:{_SCALE})?(?:{_UNIT})?"
    rf"(?:(?:\s?[-–—]\s?|\sto\s(?=[-+−]?\d[\d.]*\s?(?:%|percent|per cent|percentage|pp|basis|bps?\b)))(?P<n2>{_NUM})(?:{_SCALE.replace('scale', 'scale2')})?(?:{_UNIT.replace('unit', 'unit2')})?)?"
    rf"|\bbetween (?P<b1>{_NUM}) and (?P<b2>{_NUM})(?:{_UNIT.replace('unit', 'unit3')})",
    re.I,
)
# The hedge before a number ("nearly 3 %"), looked for in the few words before it: cheaper than
# trying every hedge at every position of the text.
_HEDGE_BEFORE = re.compile(rf"(?<![\w-])(?P<hedge>{_HEDGE_RE})\s+$", re.I)

# One number, never a range (the parts of "from X to Y").
_SINGLE = re.compile(
    rf"(?P<n1>{_NUM})(?:{_SCALE})?(?:{_UNIT})?(?P<n2>(?!))?(?P<b1>(?!))?"
    r"(?P<scale2>(?!))?(?P<unit2>(?!))?",
    re.I,
)

_FRACTIONS = {
    "fifth": 20.0,
    "quarter": 25.0,
    "third": 100 / 3,
    "half": 50.0,
    "tenth": 10.0,
    "two-thirds": 200 / 3,
    "two thirds": 200 / 3,
    "three-quarters": 75.0,
}
_FRACTION = re.compile(
    r"(?:(?P<hedge>nearly|almost|about|roughly|more than|over|less than)\s+)?"
    r"(?:by |of )?(?:(?:a|one)[ -](?P<f>fifth|quarter|third|tenth)|(?P<f2>half|two[- ]thirds|three-quarters))\b"
    r"(?= (?:of|from|in|over|since|last|this|year|on|versus|vs|compared|as)\b|[,.;]|$)",
    re.I,
)
_MULTIPLES = {"twice": 2.0, "double": 2.0, "triple": 3.0, "half as": 0.5}
# Verbs that state a percent change: "doubled" is +100 %, "halved" -50 %.
_CHANGES = {"doubled": 100.0, "tripled": 200.0, "quadrupled": 300.0, "halved": -50.0}
_WORD_X = {
    "two": 2.0,
    "three": 3.0,
    "four": 4.0,
    "five": 5.0,
    "one and a half": 1.5,
    "one-and-a-half": 1.5,
}
_MULTIPLE = re.compile(
    r"(?:(?P<hedge>nearly|almost|about|roughly|more than|over|less than)\s+)?"
    r"(?:(?P<m>twice|double|triple|half as|doubled|tripled|quadrupled|halved)|(?P<w>one and a half|one-and-a-half|two|three|four|five) times)\b",
    re.I,
)
_POINT_WORDS = re.compile(
    r"\b(?:a |one )?(?P<w>quarter|half)[ -](?:a[ -])?(?:percentage[ -])?point\b|\bhalf a (?:percentage )?point\b",
    re.I,
)
_WORD_PCT = re.compile(
    r"(?:(?P<hedge>nearly|almost|about|roughly|more than|less than)\s+)?"
    r"(?P<w>one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty)"
    r"(?: and a half)? (?P<unit>percent|per cent|percentage points?|basis points)\b",
    re.I,
)
# Numbers that are not market figures: times, phone numbers, page and list numbers,
# ages and counts of people, ordinals, hyphenated periods ("10-year", "50-day").
_NOT_A_FIGURE = re.compile(
    r"\d{1,2}:\d\d|\(?\b\d{3}\)?[ .-]\d{3}[ .-]\d{4}\b|\+\d[\d ()-]{7,}"
    r"|\b(?:pages?|p\.|pp\.|no\.|top|chapter|section|figure|table|item|number|aged?|rank(?:ed)?)\s?\d+"
    r"|\b\d+(?:st|nd|rd|th)\b|\b\d+[- ](?:year|month|week|day|session|hour|minute)s?[- ]old\b|\b\d+-(?:year|month|week|day|session)\b"
    r"|\b\d[\d,]*\s(?:people|employees|workers|analysts|economists|investors|traders|strategists|"
    r"funds|companies|firms|stocks|members|names|jobs|readers|years? old|shares? (?:of|in))\b",
    re.I,
)
_DATEISH = re.compile(
    rf"\b{MONTH_RE}\s?\d{{1,2}}\b|\b(?:19|20)\d\d\b(?![\d,%]|\.\d)(?!\s?(?:points|pts))", re.I
)


def _step(number: str) -> float:
    """Half a step of the last digit written ("12.7" -> 0.05; "21,000" -> 500)."""
    digits = number.replace(",", "").lstrip("+-−$ ")
    if "." in digits:
        return 0.5 * 10.0 ** -len(digits.split(".")[1])
    if len(digits) >= 4:
        trailing = len(digits) - len(digits.rstrip("0"))
        return 0.5 * 10.0**trailing
    return 0.5


def _number(text: str) -> float:
    return float(text.replace(",", "").replace("$", "").replace("−", "-").replace(" ", ""))


def hedge_range(x: float, half_step: float, hedge: str) -> tuple[float, float]:
    """Return the range ``(low, high)`` a value ``x`` written to ``half_step`` means.

    Examples
    --------
    >>> hedge_range(3.0, 0.5, "nearly")
    (2.5, 3.0)
    >>> hedge_range(10.0, 0.5, "more than")
    (10.0, inf)
    """
    how = _HEDGES.get(hedge.lower(), "")
    wide = max(half_step, 0.1 * abs(x))
    if how == "below":
        return x - wide, x
    if how == "about":
        return x - max(half_step, 0.05 * abs(x)), x + max(half_step, 0.05 * abs(x))
    if how == "above":
        return x, x + wide
    if how == "min":
        return x, math.inf
    if how == "max":
        return -math.inf, x
    return x - half_step, x + half_step


def negate(v: Value) -> Value:
    """Return ``v`` with its sign flipped ("fell 8 %": 7.95..8.05 -> -8.05..-7.95)."""
    return replace(v, low=-v.high, high=-v.low, x=-v.x)


def _unit_of(m: re.Match[str], *groups: str) -> Unit | str:
    for g in groups:
        word = (m.group(g) or "").lower()
        if word:
            return _UNITS.get(word, _UNITS.get(word.rstrip("s"), ""))
    return ""


def _scale_of(m: re.Match[str], *groups: str) -> float:
    for g in groups:
        word = (m.group(g) or "").lower()
        if word:
            return _SCALES[word]
    return 1.0


def _numeric(m: re.Match[str], text: str) -> Value | None:
    if m.group("b1"):
        n1, n2 = m.group("b1"), m.group("b2")
        unit: Unit | str = _unit_of(m, "unit3")
        scale = 1.0
    else:
        n1, n2 = m.group("n1"), m.group("n2")
        unit = _unit_of(m, "unit", "unit2")
        scale = _scale_of(m, "scale", "scale2")
    before = _HEDGE_BEFORE.search(text, max(0, m.start() - 24), m.start())
    start, hedge = (before.start(), before.group("hedge")) if before else (m.start(), "")
    words = text[start : m.end()]
    dollars = "$" in (n1 + (n2 or ""))
    if dollars or (scale != 1.0 and unit == ""):
        unit = "usd" if dollars else unit
    if n2 is not None:
        low, high = sorted((_number(n1) * scale, _number(n2) * scale))
        return Value(start, m.end(), low, high, unit, words, hedge, (low + high) / 2)
    x = _number(n1) * scale
    low, high = hedge_range(x, _step(n1) * scale, hedge)
    return Value(start, m.end(), low, high, unit, words, hedge, x)


def _fraction(m: re.Match[str]) -> Value:
    x = _FRACTIONS[(m.group("f") or m.group("f2")).lower().replace(" ", "-")]
    low, high = hedge_range(x, 0.1 * x, m.group("hedge") or "")
    return Value(m.start(), m.end(), low, high, "%", m.group(0), m.group("hedge") or "", x)


def _multiple(m: re.Match[str]) -> Value:
    word = (m.group("m") or "").lower()
    hedge = m.group("hedge") or ""
    if word in _CHANGES:  # hedges read on the size: "more than halved" is -inf..-50 %
        x = _CHANGES[word]
        low, high = hedge_range(abs(x), 0.1 * abs(x), hedge)
        if x < 0:
            low, high = -high, -low
        return Value(m.start(), m.end(), low, high, "%", m.group(0), hedge, x)
    x = _MULTIPLES[word] if word else _WORD_X[m.group("w").lower()]
    low, high = hedge_range(x, 0.1 * x, hedge)
    return Value(m.start(), m.end(), low, high, "x", m.group(0), hedge, x)


def _point_word(m: re.Match[str]) -> Value:
    x = 25.0 if (m.group("w") or "").lower() == "quarter" else 50.0
    return Value(m.start(), m.end(), x, x, "bp", m.group(0), "", x)


def _word_pct(m: re.Match[str]) -> Value:
    x = float(number_value(m.group("w"))) + (0.5 if "half" in m.group(0).lower() else 0.0)
    low, high = hedge_range(x, 0.5, m.group("hedge") or "")
    unit = _unit_of(m, "unit")
    return Value(m.start(), m.end(), low, high, unit, m.group(0), m.group("hedge") or "", x)


# "40 % of Russell 2000 companies": a share of a count, not a market figure.
_SHARE_OF = re.compile(
    r"\s+of\s+(?:the\s+|all\s+)?(?:[\w&'-]+\s+){0,3}(?:companies|stocks|firms|members|names|"
    r"constituents|holdings|issuers|components|shares outstanding)\b",
    re.I,
)
_FROM = re.compile(r"\bfrom\s*$", re.I)


def _two_values(text: str, m: re.Match[str]) -> list[Value]:
    """Read "from X to Y" as two values, each with its own unit (or Y's when X has none)."""
    out = []
    for g in ("n1", "n2"):
        one = _SINGLE.match(text, m.start(g))
        v = _numeric(one, text) if one else None
        if v is not None:
            out.append(replace(v, unit=v.unit or _unit_of(m, "unit2", "unit")))
    return out


_DIGIT = re.compile(r"\d")
# Words that state a value without digits ("a fifth", "twice", "a quarter point", "three percent").
_VALUE_WORDS = re.compile(
    r"\b(?:fifth|quarter|third|tenth|half|thirds|quarters|twice|double|triple|doubled|tripled|"
    r"quadrupled|halved|times|percent|per cent|percentage|basis)\b",
    re.I,
)


def _masked(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in spans)


def find_values(text: str, masked: list[tuple[int, int]] | None = None) -> list[Value]:
    """Return the market figures stated in ``text``, in order.

    Parameters
    ----------
    text : str
        A sentence or clause.
    masked : list of (start, end), optional
        Spans to ignore (subject names such as "Russell 2000", the window's words).

    Returns
    -------
    list of Value
        Years on their own, dates, times, phone and page numbers, ordinals, ages and counts of
        people are left out. A bare number (no unit, no $) is kept with unit ``""``.

    Examples
    --------
    >>> [(v.low, v.high, v.unit) for v in find_values("rose 12.7 % to $20 billion")]
    [(12.649999999999999, 12.75, '%'), (19500000000.0, 20500000000.0, 'usd')]
    """
    digits = _DIGIT.search(text) is not None
    if not digits and not _VALUE_WORDS.search(text):
        return []
    spans = list(masked or [])
    if digits:
        spans += [m.span() for m in _NOT_A_FIGURE.finditer(text)]
        spans += [m.span() for m in _DATEISH.finditer(text)]
    out: list[Value] = []
    taken: list[tuple[int, int]] = []
    words = ((_POINT_WORDS, _point_word), (_FRACTION, _fraction), (_MULTIPLE, _multiple))
    for rx, make in (*words, (_WORD_PCT, _word_pct)):
        for m in rx.finditer(text):
            if not _masked(spans + taken, *m.span()):
                out.append(make(m))
                taken.append(m.span())
    for m in _NUMBER.finditer(text):
        core = m.span("n1") if m.group("n1") else m.span("b1")
        if _masked(spans + taken, *core):
            continue
        if m.group("n2") and (  # "from 4.18 % to 4.44 %", "3 basis points to 4.19 %"
            _FROM.search(text, 0, m.start()) or (m.group("unit") and " to " in m.group(0))
        ):
            out += _two_values(text, m)
            continue
        v = _numeric(m, text)
        if v is not None and not _SHARE_OF.match(text, v.end):
            out.append(v)
    return sorted(out, key=lambda v: v.start)
