"""Claims: sentences split into clauses, each clause turned into structured claims.

A clause needs a subject (or a pronoun / an elliptical clause that continues the previous
subject), a figure, and a kind rule (:mod:`._kinds`) that fits both; anything else gives no
claim. Signs follow direction words ("fell 8 %" is -8 %); relative claims put the subject
said to lead first ("small caps lagged the S&P 500 by 5 points" is S&P 500 over small caps
by +5 pp); distances from a high and drawdowns are negative percents.

``Claim.options`` by kind:

==================  =================================================================
kind                options
==================  =================================================================
return              ``basis``: "price" or "total" when the figure's own words say so
                    ("on a price basis", "excluding dividends"; "including dividends");
                    a fund named as the figure's vehicle ("through IWM") is the subject
                    (:mod:`._vehicle`)
record_high         ``basis``: "close" or "intraday"; ``measure``: "count" for "57
                    record closes" (claimed unit "count")
level               ``level_kind``: "close", "intraday", "support", "resistance" or
                    "peak" (a dated peak's level: the window's highest close)
drawdown            ``measure``: "max_drawdown" (peak to trough: "a drawdown of",
                    "correction") or "from_high" ("fell 20 % from its peak")
run                 ``period``: "year", "quarter", "month", "week" or "day";
                    ``direction``: "up", "down", "lead" or "lag" (subjects as written)
rate_level          ``measure``: "level" (claimed in %) or "change" (in bp or pp)
rate_cuts           ``move``: "cut" or "hike"
flows               ``direction``: "in" or "out" (the sign of the claimed dollars)
valuation           ``measure``: "forward_pe", "trailing_pe", "pe", "price_to_book" or
                    "price_to_sales"
==================  =================================================================
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from capsize.factcheck.claim import Claim, Claimed, Kind, Subject, Unit, Window
from capsize.factcheck.extract._dates import find_end, find_window, strip_dateline
from capsize.factcheck.extract._kinds import (
    KIND_RULES,
    LAG,
    LEAD,
    KindRule,
    cut_count,
    direction_of,
    run_count,
)
from capsize.factcheck.extract._subjects import SubjectHit, find_subjects, level_symbol
from capsize.factcheck.extract._text import Sentence, sentences
from capsize.factcheck.extract._values import Value, find_values, negate
from capsize.factcheck.extract._vehicle import figure_basis, stretches, vehicle

__all__ = ["extract_claims"]

_VERBS = (
    r"(?:fell|fallen|rose|risen|gained|lost|dropped|climbed|slid|added|jumped|declined|tumbled|"
    r"rallied|surged|slipped|shed|advanced|sank|soared|plunged|returned|ended|closed|finished|"
    r"up|down|set|hit|touched|reached|notched)"
)
# A consequence drawn from the clause before ("..., so small caps lagged by 5 points", "...,
# which means", "; hence"): a clause of its own ("so far", "so much" are not).
_CONSEQUENCE = (
    r"(?:so(?!\s+(?:far|much|many|that\s+far)\b)|thus|hence|therefore|which\s+(?:means|meant)|"
    r"meaning|that\s+is|in\s+other\s+words,?|i\.e\.,?)"
)
# Clause breaks. Contrasts ("while", "versus") may lend their window to the clause before
# them; other breaks do not ("rose 0.9 %, after tumbling 1.3 % on Thursday").
_CLAUSE_BREAK = re.compile(
    rf"[;,]\s+(?:and\s+)?{_CONSEQUENCE}\s+(?=[^;]*\d)"
    r"|;\s+"
    r"|(?P<contrast>,?\s+(?:while|whereas|but|even as|versus|vs\.|compared with|compared to|"
    r"against)\s+(?=[^;]*\d))"
    r"|,\s+(?:and|with)\s+(?=[^;]*\d)"
    rf"|\s+and\s+(?=(?:then\s+)?(?:has\s+|have\s+|had\s+|is\s+|are\s+|was\s+)?{_VERBS}\b)"
    r"|,\s+(?!(?:in|ex)cluding dividends\b)(?=(?:finally\s+|still\s+|again\s+)?\w+ing\b)"
    r"|,\s+(?=(?:powered|driven|led|helped|boosted|fueled|fuelled|weighed|dragged|pushed|lifted|"
    r"hurt|held back|set|reached|hit|posted|marked)\b)"
    r"|\s+[—–]\s+(?=\w+ing\b)"
    r"|,\s+(?=(?:its|their)\b)"
    r"|,\s+as\s+(?!much|many|well|fast|far|of\b|measured by\b|tracked by\b)"
    r"|,\s+(?=(?:far|well|down|up|off)\s+from\b)"
    r"|(?P<lend>,\s+(?=(?:up|down)\s+[^;,]*\d))|,\s+(?=to\s+[^;,]*\d)"
    r"|,?\s+(?P<seq>after|before)\s+(?=\w+ing\b[^;]*\d)",
    re.I,
)
_PRONOUN = re.compile(
    r"^\W*(?:it|they|its|their)\b|\bthe (?:index|fund|etf|benchmark|gauge|group|segment|asset|"
    r"cryptocurrency|token|yield|rate|stock)\b|\b(?:it|they)\s+(?:has|have|is|are|was|were|"
    r"rose|fell|gained|lost|ended|closed|remains?|recovered|sits?|trades?)\b",
    re.I,
)
# Forecasts, conditionals and futures state no checkable fact ("could reach 8,000 by
# year-end", "futures pointed to a 0.5 % higher open").
_FORECAST = re.compile(
    r"(?i:\b(?:expects?|expected to|forecasts?|forecasters?|projects?|projected|predicts?|"
    r"targets?|could|might|would|will|should|outlook|estimates? that|sees?|if|futures|"
    r"pointed to|pre-?market|after-hours)\b)|\bmay\b"
)
_BY = re.compile(r"\bby\s*$|\bof\s*$", re.I)
_INTRADAY = re.compile(r"intraday|during the session|in intraday trading", re.I)
_SUPPORT = re.compile(r"\b(support|resistance|floor|ceiling)\b", re.I)
_WITHIN = re.compile(r"\bwithin\b", re.I)
_OUT = re.compile(r"\b(?:out|left|pulled|withdr\w+|redemptions|outflows?|bled|lost)\b", re.I)
_TO = re.compile(r"\bto\s*$", re.I)
_CHANGE_TO = re.compile(r"\b(?:to|at|of|near|around|from)\s*$", re.I)
_MEASURES = (
    (re.compile(r"forward|next year's|expected", re.I), "forward_pe"),
    (re.compile(r"book", re.I), "price_to_book"),
    (re.compile(r"sales", re.I), "price_to_sales"),
    (re.compile(r"trailing", re.I), "trailing_pe"),
)


@dataclass(frozen=True)
class _Piece:
    """A clause: its text, its article offset, and what was found in it."""

    text: str
    start: int
    subjects: tuple[tuple[Subject, int], ...]  # (subject, offset in text; -1 if carried)
    values: tuple[Value, ...]
    window: Window | None


def _claim(
    p: _Piece,
    kind: Kind,
    subjects: tuple[Subject, ...],
    claimed: Claimed | None,
    window: Window | None = None,
    **options: object,
) -> Claim:
    return Claim(
        text=p.text,
        span=(p.start, p.start + len(p.text)),
        kind=kind,
        subjects=subjects,
        window=window if window is not None else p.window,
        claimed=claimed,
        options=dict(options),
    )


def _claimed(v: Value, unit: Unit, scale: float = 1.0) -> Claimed:
    return Claimed(v.low * scale, v.high * scale, unit, v.text.strip(), v.hedge)


def _signed(p: _Piece, v: Value, default: int = 1) -> Value:
    """``v`` with the sign of the direction word nearest before it (explicit signs kept)."""
    if v.x < 0 or v.text.lstrip().startswith(("+", "-", "−")):
        return v
    sign = direction_of(p.text, v.start) or default
    return negate(v) if sign < 0 else v


def _first(p: _Piece, units: frozenset[str]) -> Value | None:
    return next((v for v in p.values if v.unit in units), None)


def _subjects(p: _Piece) -> tuple[Subject, ...]:
    seen: dict[str, Subject] = {}
    for s, _at in p.subjects:
        seen.setdefault(s.symbol, s)
    return tuple(seen.values())


# --- builders: one per kind; each returns [] when the clause does not fit --------------------


def _flows(rule: KindRule, p: _Piece) -> list[Claim]:
    v = _first(p, rule.units)
    if v is None:
        return []
    sign = -1 if _OUT.search(p.text) else 1
    subjects = _subjects(p) or (
        Subject("funds", "US-EQUITY-FUNDS", "fund_group", "funds -> all US equity funds"),
    )
    val = negate(v) if sign < 0 else v
    return [
        _claim(
            p, "flows", subjects[:1], _claimed(val, "usd"), direction="out" if sign < 0 else "in"
        )
    ]


def _valuation(rule: KindRule, p: _Piece) -> list[Claim]:
    v = _first(p, rule.units)
    subjects = _subjects(p)
    if v is None or not subjects or v.x > 200:
        return []
    measure = next((m for rx, m in _MEASURES if rx.search(p.text)), "pe")
    return [_claim(p, "valuation", subjects[:1], _claimed(v, "x"), measure=measure)]


def _beta(rule: KindRule, p: _Piece) -> list[Claim]:
    v = _first(p, rule.units)
    subjects = _subjects(p)
    if v is None or not subjects or abs(v.x) > 5:
        return []
    bench = subjects[1:2] or (Subject("the S&P 500", "^GSPC", "index", "market -> ^GSPC"),)
    return [_claim(p, "beta", (subjects[0], *bench), _claimed(v, "x"))]


def _count(n: int, text: str) -> Claimed:
    return Claimed(float(n), float(n), "count", text)


def _rate_cuts(_rule: KindRule, p: _Piece) -> list[Claim]:
    found = cut_count(p.text)
    rates = tuple(s for s in _subjects(p) if s.kind == "rate")
    if found is None or not rates:
        return []
    n, move, m = found
    return [_claim(p, "rate_cuts", (rates[0],), _count(n, m.group(0)), move=move)]


def _run(_rule: KindRule, p: _Piece) -> list[Claim]:
    found = run_count(p.text)
    subjects = _subjects(p)
    if found is None or not subjects:
        return []
    n, period, m = found
    before = p.text[: m.start()]
    if LAG.search(p.text):
        direction = "lag"
    elif LEAD.search(p.text):
        direction = "lead"
    else:
        direction = "down" if direction_of(before, len(before)) < 0 else "up"
    return [
        _claim(p, "run", subjects[:2], _count(n, m.group(0)), period=period, direction=direction)
    ]


def _volatility(rule: KindRule, p: _Piece) -> list[Claim]:
    v = _first(p, rule.units)
    subjects = _subjects(p)
    if v is None or len(subjects) < 2:
        return []
    return [_claim(p, "volatility_ratio", subjects[:2], _claimed(v, "x"))]


def _volume(rule: KindRule, p: _Piece) -> list[Claim]:
    v = _first(p, rule.units)
    subjects = _subjects(p)
    if v is None or not subjects:
        return []
    return [_claim(p, "volume_change", subjects[:1], _claimed(_signed(p, v), "%"))]


def _below_high(kind: Kind, rule: KindRule, p: _Piece) -> list[Claim]:
    v = _first(p, rule.units)
    subjects = _subjects(p)
    if kind == "distance_from_high":  # "below its record": the index's record, if it has one
        subjects = tuple(level_symbol(s) for s in subjects)
    if v is None or not subjects:
        return []
    if kind == "distance_from_high" and _WITHIN.search(p.text[: v.start]):
        claimed = Claimed(-v.high, 0.0, "%", v.text.strip(), "within")
    else:
        claimed = _claimed(negate(v) if v.x > 0 else v, "%")
    return [_claim(p, kind, subjects[:1], claimed)]


def _distance(rule: KindRule, p: _Piece) -> list[Claim]:
    if direction_of(p.text, p.values[0].start if p.values else 0) < 0 and re.search(
        r"\b(?:fell|dropped|declined|slid|tumbled|plunged|sank|lost)\b", p.text, re.I
    ):
        return []  # "fell 20 % from its peak" is a drawdown
    return _below_high("distance_from_high", rule, p)


def _drawdown(rule: KindRule, p: _Piece) -> list[Claim]:
    measure = "max_drawdown" if _PEAK_TO_TROUGH.search(p.text) else "from_high"
    if measure == "from_high" and _dated_peak(p):
        return _from_dated_peak(rule, p)
    return [
        replace(c, options={**c.options, "measure": measure})
        for c in _below_high("drawdown", rule, p)
    ]


_PEAK_WORD = r"\b(?:peak|high|record|top)s?\b"
_PEAK_SET = r"(?:\s+of\s+\S+)?,?\s+(?:(?:which |that )?(?:it |was )?(?:reached|set|hit|touched|recorded|notched|struck|seen|marked)\s+)?"


def _dated_peak(p: _Piece) -> bool:
    """Whether the clause's period dates the peak ("from its peak of $126,000 reached in October 2025").

    The period names when the peak was set, not when the fall happened, when it follows the
    peak word (with at most the peak's level and a verb such as "reached" between them) and
    is a calendar period (not "this year": that is when the fall happened).
    """
    w = p.window
    if w is None or w.start is None or w.anchor or _CURRENT.search(w.label):
        return False
    pattern = _PEAK_WORD + _PEAK_SET + re.escape(w.label)
    return re.search(pattern, p.text, re.I) is not None


_CURRENT = re.compile(r"\b(?:this|so far|to date|past|last)\b", re.I)


def _from_dated_peak(rule: KindRule, p: _Piece) -> list[Claim]:
    """Read "fell 53 % from its peak of $126,000 reached in October 2025" as two claims.

    The fall runs from the named period's high to the article's date (as "down 53 % from its
    October 2025 peak"); a stated peak level is checked against that period's high.
    """
    w = p.window
    assert w is not None  # checked by _dated_peak
    assert w.start is not None
    period = Window(w.start + dt.timedelta(days=1), w.end, w.label)
    out = [replace(c, window=period) for c in _below_high("distance_from_high", rule, p)]
    level = next((v for v in p.values if v.unit in ("usd", "points")), None)
    if out and level is not None:
        unit: Unit = "usd" if level.unit == "usd" else "points"
        out.append(
            _claim(p, "level", out[0].subjects, _claimed(level, unit), period, level_kind="peak")
        )
    return out


_PEAK_TO_TROUGH = re.compile(r"drawdown|peak[- ]to[- ]trough|correction|bear market", re.I)


def _level_unit(subject: Subject, v: Value | None) -> Unit:
    if v is not None and v.unit == "usd":
        return "usd"
    return "points" if subject.kind == "index" else "usd"


def _record(rule: KindRule, p: _Piece) -> list[Claim]:
    """Return a record claim: its level, a count of records, or the bare fact.

    "a record 7,799" states the level, "57 record closes" a count; without a figure a verb
    must state it ("set a record on Friday"), and negations ("never closed at a record") do
    not count.
    """
    subjects = tuple(level_symbol(s) for s in _subjects(p))
    if not subjects or any(v.unit in ("%", "pp", "bp", "x") for v in p.values):
        return []
    basis = "intraday" if _INTRADAY.search(p.text) else "close"
    nth = _RECORD_NTH.search(p.text)
    if nth:  # "its 27th record close of the year on Aug. 13"
        return [_nth_record(p, subjects[0], int(nth.group(1)), basis)]
    v = _first(p, rule.units)
    if v is not None and v.unit == "" and v.x < 1000 and _RECORD_COUNT.match(p.text, v.end):
        count = Claimed(v.x, v.x, "count", v.text.strip())
        return [_claim(p, "record_high", subjects[:1], count, basis=basis, measure="count")]
    if v is not None and abs(v.x) < 10:
        return []
    if v is None and (_NEGATION.search(p.text) or not _RECORD_VERB.search(p.text)):
        return []
    claimed = _claimed(v, _level_unit(subjects[0], v)) if v is not None else None
    return [_claim(p, "record_high", subjects[:1], claimed, basis=basis)]


def _nth_record(p: _Piece, subject: Subject, n: int, basis: str) -> Claim:
    """Return the count claim of "its Nth record close (of the year)"."""
    window = p.window
    if window is not None and _OF_THE_YEAR.search(p.text):
        window = Window(dt.date(window.end.year - 1, 12, 31), window.end, window.label)
    count = Claimed(float(n), float(n), "count", f"{n}th record")
    return _claim(p, "record_high", (subject,), count, window, basis=basis, measure="count")


_RECORD_NTH = re.compile(r"\b(\d+)(?:st|nd|rd|th) (?:record|all-time high)", re.I)
_OF_THE_YEAR = re.compile(r"\b(?:of|this) (?:the )?year\b", re.I)
_RECORD_COUNT = re.compile(r"\s*(?:new |fresh )?(?:record|all-time)\b", re.I)
_RECORD_VERB = re.compile(
    r"\b(?:hit|hits|set|sets|notched|reached|touched|closed at|ended at|marked|posted|climbed to|"
    r"rose to|rallied to|surged to|is at|was at|sits? at)\b",
    re.I,
)
_NEGATION = re.compile(r"\b(?:not|never|no|except|without|yet to|failed to)\b", re.I)


def _rate_level(rule: KindRule, p: _Piece) -> list[Claim]:
    rates = tuple(s for s in _subjects(p) if s.kind == "rate")
    v = _first(p, rule.units)
    if not rates or v is None or _nearest_subject(p, v).kind != "rate":
        return []
    to = [u for u in p.values if u.unit == "%" and _TO.search(p.text[: u.start])]
    v = to[-1] if to and v.unit == "%" else v  # "from 4.18 % to 4.44 %": the level reached
    is_level = v.unit == "%" and (
        _CHANGE_TO.search(p.text[: v.start]) or direction_of(p.text, v.start) == 0
    )
    if is_level:
        return [_claim(p, "rate_level", rates[:1], _claimed(v, "%"), measure="level")]
    unit: Unit = "bp" if v.unit == "bp" else "pp"
    change = _claim(p, "rate_level", rates[:1], _claimed(_signed(p, v), unit), measure="change")
    if to and v.unit != "%":  # "rose 31 basis points in July to 4.75 %": the level too
        return [change, _claim(p, "rate_level", rates[:1], _claimed(to[-1], "%"), measure="level")]
    return [change]


def _relative(rule: KindRule, p: _Piece) -> list[Claim]:
    subjects = _subjects(p)
    v = _first(p, rule.units)
    lag, lead = LAG.search(p.text), LEAD.search(p.text)
    if len(subjects) < 2 or v is None or not (lag or lead or v.unit == "x"):
        return []
    if v.unit == "%" and not _BY.search(p.text[: v.start]):
        return []  # "up 22.9 %, ahead of growth's 14.9 %": two returns, not a spread
    pair = subjects[:2]
    if lag and not (lead and lead.start() < lag.start()):
        pair = (pair[1], pair[0])
    if v.unit == "x":
        return [_claim(p, "relative_return", pair, _claimed(v, "x"))]
    val = negate(v) if v.x < 0 else v
    return [_claim(p, "relative_return", pair, _claimed(val, "pp"))]


def _level(rule: KindRule, p: _Piece) -> list[Claim]:
    v = _first(p, rule.units)
    subjects = tuple(level_symbol(s) for s in _subjects(p))
    if v is None or not subjects or abs(v.x) < 10:
        return []
    sr = _SUPPORT.search(p.text)
    level_kind = (
        sr.group(1).lower() if sr else ("intraday" if _INTRADAY.search(p.text) else "close")
    )
    level_kind = {"floor": "support", "ceiling": "resistance"}.get(level_kind, level_kind)
    return [
        _claim(
            p,
            "level",
            subjects[:1],
            _claimed(v, _level_unit(subjects[0], v)),
            level_kind=level_kind,
        )
    ]


def _nearest_subject(p: _Piece, v: Value) -> Subject:
    """Return the subject a figure is about.

    "... 12.9 % for large caps" names it after the figure; otherwise it is the last subject
    named before it (a carried subject counts as before).
    """
    after = _FOR_SUBJECT.match(p.text, v.end)
    if after:
        following = [s for s, at in p.subjects if at == after.end()]
        if following:
            return following[0]
    before = [(at, s) for s, at in p.subjects if at < v.start]
    return max(before, key=lambda x: x[0])[1] if before else p.subjects[0][0]


def _listed_before(p: _Piece, v: Value) -> list[Subject]:
    """Return subjects listed together before ``v`` ("small and micro caps both rose 5 %")."""
    hits = sorted((at, s) for s, at in p.subjects if 0 <= at < v.start)
    if not hits:
        return [_nearest_subject(p, v)]
    group = [hits[-1]]
    for at, s in reversed(hits[:-1]):
        gap = p.text[at + len(s.phrase) : group[-1][0]]
        if not _LIST_GAP.fullmatch(gap):
            break
        group.append((at, s))
    return list(dict.fromkeys(s for _at, s in reversed(group)))


_FOR_SUBJECT = re.compile(
    r"\s*(?:(?:including|with|counting) dividends,?\s+)?"
    r"(?:for|in|of|from|by|through|via|using|as measured by)\s+",
    re.I,
)
_LIST_GAP = re.compile(r"\s*(?:,|and|, and|&|as well as)\s*", re.I)


def _return(rule: KindRule, p: _Piece) -> list[Claim]:
    values = [v for v in p.values if v.unit in rule.units]
    if not values or not p.subjects:
        return []
    if len(values) == 1:
        pairs = [(s, values[0]) for s in _listed_before(p, values[0])]
    else:
        pairs = [(_nearest_subject(p, v), v) for v in values]
    out = [_measured_return(p, s, v) for s, v in pairs]
    return list({(c.subjects, c.claimed): c for c in out}.values())  # a vehicle named twice


def _measured_return(p: _Piece, s: Subject, v: Value) -> Claim:
    """Return the claim of one stated return, measured as its own words say (:mod:`._vehicle`).

    A fund named as the figure's vehicle ("12.7 % including dividends through IWM") is the
    subject; ``basis`` is "price" or "total" when the figure's words name one.
    """
    spans = [(x.start, x.end) for x in p.values]
    stretch = stretches(spans, len(p.text))[spans.index((v.start, v.end))]
    hits = [SubjectHit(subj, at, at + len(subj.phrase)) for subj, at in p.subjects if at >= 0]
    fund = vehicle(p.text, hits, stretch, s)
    claim = _claim(p, "return", (fund or s,), _claimed(_signed(p, v), "%"))
    basis = figure_basis(p.text, stretch)
    return replace(claim, options={"basis": basis}) if basis else claim


_Builder = Callable[[KindRule, _Piece], list[Claim]]
_BUILDERS: dict[str, _Builder] = {
    "flows": _flows,
    "valuation": _valuation,
    "beta": _beta,
    "rate_cuts": _rate_cuts,
    "run": _run,
    "volatility_ratio": _volatility,
    "volume_change": _volume,
    "distance_from_high": _distance,
    "drawdown": _drawdown,
    "record_high": _record,
    "rate_level": _rate_level,
    "relative_return": _relative,
    "level": _level,
    "return": _return,
}


def _claims_of(p: _Piece, previous: Kind | None = None, contrast: bool = False) -> list[Claim]:
    """Return the claims of a clause: the first kind rule that fits, else the previous kind.

    A contrast ("..., against 19 % for the S&P 500") states the previous clause's measure.
    """
    if _FORECAST.search(p.text):
        return []
    rate = any(s.kind == "rate" for s, _at in p.subjects)
    for rule in KIND_RULES:
        if rule.words.search(p.text) or (rate and rule.kind == "rate_level"):
            if contrast and previous is not None and _generic(rule.kind, p.text):
                break  # no measure words of its own: the contrast keeps the previous measure
            found = _BUILDERS[rule.kind](rule, p)
            if found:
                return found + _with_change(found[0], p)
    if previous is not None:  # "..., versus 22 times for the S&P 500": the same measure
        rule = next(r for r in KIND_RULES if r.kind == previous)
        found = _BUILDERS[previous](rule, p)
        if found or not contrast:
            return found
        return _claims_of(p)  # the previous measure does not fit: read the clause on its own
    return []


_GENERIC = frozenset({"return", "level", "relative_return"})
_LEVEL_WORDS = re.compile(
    r"\b(?:price|closed|close|traded|held|stood|finished|ended|settled)\b", re.I
)


def _generic(kind: str, text: str) -> bool:
    """Return True when a clause's kind comes from no words of its own ("19 % for ...")."""
    return kind in _GENERIC and not (kind == "level" and _LEVEL_WORDS.search(text))


def _with_change(first: Claim, p: _Piece) -> list[Claim]:
    """Return the change a level claim also states ("closed at 299.96, up 0.8 %")."""
    if first.kind not in ("level", "record_high"):
        return []
    rule = KIND_RULES[-1]
    return _return(rule, p)


# --- clauses ---------------------------------------------------------------------------------


def _clauses(text: str) -> list[tuple[int, int, str]]:
    """Split a sentence into clauses: ``(start, end, break)``.

    ``break`` names the break before the clause: ``"contrast"`` ("while", "versus"),
    ``"seq"`` ("after", "before"), ``""`` for others and for the first clause.
    """
    out, pos, kind = [], 0, ""
    for m in _CLAUSE_BREAK.finditer(text):
        out.append((pos, m.start(), kind))
        pos = m.end()
        kind = "contrast" if m.group("contrast") or m.group("lend") else ""
        kind = "seq" if m.group("seq") else kind
    out.append((pos, len(text), kind))
    return [(s, e, k) for s, e, k in out if text[s:e].strip()]


def _clause_windows(
    own: list[tuple[Window, tuple[int, int]] | None], breaks: list[str]
) -> list[Window | None]:
    """Give each clause its own window, else the nearest earlier clause's, else a later one's.

    A later clause lends its window only across contrasts ("small caps lost 1.7 %, while the
    S&P 500 fell 1.4 % this week"), not across other breaks ("rose 0.9 %, after tumbling
    1.3 % on Thursday": Thursday is not the day of the rise).
    """
    out: list[Window | None] = []
    for i, found in enumerate(own):
        earlier = next((own[j] for j in range(i - 1, -1, -1) if own[j]), None)
        later = None
        for j in range(i + 1, len(own)):
            if breaks[j] != "contrast":
                break
            if own[j]:
                later = own[j]
                break
        pick = found or earlier or later
        out.append(pick[0] if pick else None)
    return out


def _piece(
    text: str,
    start: int,
    window: tuple[Window | None, tuple[int, int] | None],
    carry: tuple[Subject, ...],
    continues: bool,
    hits: list[SubjectHit],
) -> _Piece | None:
    """Find subjects and values of a clause (None when it states no figure).

    ``window`` is the clause's window and the span of its words in ``text`` (None when
    borrowed from another clause); ``hits`` are the subjects named in ``text``. A clause without a subject takes the carried subjects when
    it refers back ("it", "the index") or ``continues`` the sentence ("..., versus 2 % for").
    """
    subjects = tuple((h.subject, h.start) for h in hits)
    if not subjects and carry and (continues or _PRONOUN.search(text)):
        subjects = tuple((s, -1) for s in carry)
    elif continues and carry and _PARTICIPLE.match(text):  # "..., beating large caps by 5"
        named = {s.symbol for s, _at in subjects}
        subjects = tuple((s, -1) for s in carry if s.symbol not in named) + subjects
    masked = [(h.start, h.end) for h in hits]
    if window[1] is not None:
        masked.append(window[1])
    values = tuple(find_values(text, masked))
    if not values and not _FACT_WORDS.search(text):
        return None
    return _Piece(text, start, subjects, values, window[0])


_PARTICIPLE = re.compile(r"(?:finally\s+|still\s+|again\s+)?\w+ing\b", re.I)
_FACT_WORDS = re.compile(
    r"record|all[- ]time|straight|consecutive|in a row|streak|each of the (?:past|last)|\bcut|\bhike",
    re.I,
)


_CLAIM_UNITS: dict[str, Unit] = {"%": "%", "pp": "pp", "bp": "bp", "usd": "usd", "x": "x"}


def _unread_figures(p: _Piece, found: list[Claim]) -> list[Claim]:
    """Return a claim of kind "unread" for each figure of ``p`` that no claim in ``found`` reads.

    Only figures with a unit count (bare numbers are years, counts and levels too often to
    list); ``options["reason"]`` says why the figure was not read.
    """
    read = [c.claimed.text for c in found if c.claimed is not None]
    out = []
    for v in p.values:
        unit = _CLAIM_UNITS.get(v.unit)
        if unit is None or any(v.text.strip() in words for words in read):
            continue
        claimed = _claimed(v, unit)
        reason = _unread_reason(p, read)
        out.append(_claim(p, "unread", _subjects(p), claimed, reason=reason))
    return out


def _unread_reason(p: _Piece, read: list[str]) -> str:
    figure = "capsize could not read this figure"
    if read:
        return (
            f"{figure}: its clause is checked on {', '.join(repr(w) for w in read)}, and no claim "
            "kind reads this second figure of it (a starting level, a multiple, a comparison)"
        )
    if _FORECAST.search(p.text):
        return f"{figure}: a forecast, target or conditional states no past value to check"
    if not p.subjects:
        return (
            f"{figure}: its clause names no index, fund, stock, rate or fund group capsize measures"
        )
    return (
        f"{figure}: its wording matches none of the claim kinds capsize checks (a return, a "
        "spread, a level, a drawdown, ...); check it by hand"
    )


def _window_for(
    own: tuple[Window, tuple[int, int]] | None,
    fallback: Window | None,
    end: tuple[dt.date, tuple[int, int]] | None,
) -> Window | None:
    """Return a clause's window: its own, else ``fallback``.

    The sentence's end ("through Tuesday") clips a window it falls inside.
    """
    window = own[0] if own else fallback
    if window is None or end is None:
        return window
    if window.start is not None and window.start < end[0] < window.end:
        window = replace(window, end=end[0])  # "By Tuesday, ..., and ... had fallen 21 %"
    return window


def _sentence_claims(
    sent: Sentence, ad: dt.date | None, carry: tuple[Subject, ...], unread: bool = False
) -> tuple[list[Claim], tuple[Subject, ...]]:
    """Return the claims of a sentence and the subjects carried to the next one.

    ``unread``: also return a claim of kind "unread" for each figure no claim reads.
    """
    skip = strip_dateline(sent.text)
    body, base = sent.text[skip:], sent.start + skip
    spans = _clauses(body)
    own = [find_window(body[s:e], ad) for s, e, _k in spans]
    windows = _clause_windows(own, [k for _s, _e, k in spans])
    end = find_end(body, ad)
    claims: list[Claim] = []
    previous: Kind | None = None
    stated: Window | None = None  # the window of the last clause that made a claim
    for i, (s, e, brk) in enumerate(spans):
        raw = body[s:e]
        lead = len(raw) - len(raw.lstrip())
        mine = own[i]
        span = (mine[1][0] - lead, mine[1][1] - lead) if mine else None
        window = _window_for(mine, stated or windows[i], end)
        hits = find_subjects(raw.strip())
        piece = _piece(raw.strip(), base + s + lead, (window, span), carry, i > 0, hits)
        if piece is None:
            carry = tuple(h.subject for h in hits) or carry
            continue
        found = _claims_of(piece, previous, brk == "contrast")
        claims.extend(found)
        if unread:
            claims.extend(_unread_figures(piece, found))
        if found:
            previous, stated = found[0].kind, found[0].window or stated
        if piece.subjects:
            carry = tuple(dict.fromkeys(subj for subj, _ in piece.subjects))
    return claims, carry


def extract_claims(
    text: str, article_date: dt.date | None = None, *, unread: bool = False
) -> tuple[Claim, ...]:
    """Return every quantitative market claim in ``text``, in order.

    Parameters
    ----------
    text : str
        Plain article text (see :func:`load_article` for Markdown and HTML).
    article_date : datetime.date, optional
        The date relative windows are resolved from ("last week"); without it, claims with
        relative windows get ``window=None``.
    unread : bool, default False
        Also return, as claims of kind ``"unread"`` (``options["reason"]`` says why), every
        figure with a unit (%, pp, bp, $, x) that no claim reads, so none is dropped
        silently; the checker lists them as not checkable.

    Returns
    -------
    tuple of Claim
        Offsets (``Claim.span``) index ``text``.

    Examples
    --------
    >>> c, = extract_claims("Small caps rose 12.7 % year to date.", dt.date(2026, 8, 21))
    >>> c.kind, c.subjects[0].symbol, c.window.start, c.claimed.low, c.claimed.high
    ('return', 'IWM', datetime.date(2025, 12, 31), 12.65, 12.75)
    """
    out: list[Claim] = []
    carry: tuple[Subject, ...] = ()
    window: Window | None = None
    last_end = 0
    for sent in sentences(text):
        if "\n" in text[last_end : sent.start]:  # a new paragraph drops the running window
            window = None
        claims, carry = _sentence_claims(sent, article_date, carry, unread)
        out.extend(_with_window(c, window, article_date) for c in claims)
        read = [c for c in claims if c.kind != "unread"]
        if read:  # a sentence whose claims agree on one period sets the running window
            periods = {c.window for c in read}
            window = periods.pop() if len(periods) == 1 else None
        last_end = sent.end
    return tuple(_tidy(c) for c in out)


# Kinds that measure a change over a period: without a window of their own they take the one
# the paragraph last named ("Ether lagged, rising 46 %" after "... in 2024").
_PERIOD_KINDS = frozenset(
    {"return", "relative_return", "rate_cuts", "rate_level", "flows", "volume_change"}
)


def _with_window(c: Claim, window: Window | None, ad: dt.date | None) -> Claim:
    """Give a period claim without a window the paragraph's; "then" continues from its end."""
    if c.window is not None or window is None or c.kind not in _PERIOD_KINDS:
        return c
    if _THEN.search(c.text) and ad is not None:  # "They then rallied 42 % through year-end."
        end = find_end(c.text, ad)
        then = Window(window.end, end[0] if end else ad, "then", "", None)
        return replace(c, window=then) if then.end > window.end else c
    if window.anchor:
        return c
    return replace(c, window=window)


_THEN = re.compile(r"\bthen\b", re.I)


def _tidy(c: Claim) -> Claim:
    """Round float noise from the range arithmetic ("12.649999" -> 12.65)."""
    if c.claimed is None:
        return c
    low, high = (x if math.isinf(x) else round(x, 9) for x in (c.claimed.low, c.claimed.high))
    return replace(c, claimed=replace(c.claimed, low=low, high=high))
