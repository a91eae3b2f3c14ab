"""Claims: sentences split into clauses, each clause turned into structured claims.

A clause needs a subject (or a pronoun / an elliptical clause that continues the previous
subject), a figure, and a kind rule (:mod:`._kinds`) that fits both; anything else gives no
claim. Signs follow direction words ("fell 8 %" is -8 %); relative claims put the subject
said to lead first ("small caps lagged the S&P 500 by 5 points" is S&P 500 over small caps
by +5 pp); distances from a high and drawdowns are negative percents.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from capsize.factcheck.claim import Claim, Claimed, Kind, Subject, Unit, Window
from capsize.factcheck.extract._dates import find_window, strip_dateline
from capsize.factcheck.extract._kinds import (
    KIND_RULES,
    LAG,
    LEAD,
    KindRule,
    cut_count,
    direction_of,
    run_count,
)
from capsize.factcheck.extract._subjects import find_subjects, level_symbol
from capsize.factcheck.extract._text import Sentence, sentences
from capsize.factcheck.extract._values import Value, find_values, negate

__all__ = ["extract_claims"]

_VERBS = (
    r"(?:fell|fallen|rose|risen|gained|lost|dropped|climbed|slid|added|jumped|declined|tumbled|"
    r"rallied|surged|slipped|shed|advanced|sank|soared|plunged|returned|ended|closed|finished)"
)
_CLAUSE_BREAK = re.compile(
    r";\s+|,?\s+(?:while|whereas|but|even as|versus|vs\.|compared with|compared to)\s+(?=[^;]*\d)"
    r"|,\s+(?:and|with)\s+(?=[^;]*\d)"
    rf"|\s+and\s+(?=(?:then\s+)?(?:has\s+|have\s+|had\s+|is\s+|was\s+)?{_VERBS}\b)"
    r"|,\s+(?=(?:outpacing|outperforming|lagging|trailing|beating|topping|"
    r"leaving|putting|taking|bringing|sending|marking)\b)"
    r"|,?\s+(?P<seq>after|before)\s+(?=\w+ing\b[^;]*\d)",
    re.I,
)
_PRONOUN = re.compile(
    r"^\W*(?:it|they|its|their|the (?:index|fund|etf|benchmark|gauge|group|segment|asset|"
    r"cryptocurrency|token|yield|rate|stock))\b|\b(?:it|they)\s+(?:has|have|is|are|was|were|"
    r"rose|fell|gained|lost|ended|closed|remains?)\b",
    re.I,
)
# Forecasts and conditionals state no checkable fact ("could reach 8,000 by year-end").
_FORECAST = re.compile(
    r"(?i:\b(?:expects?|expected to|forecasts?|forecasters?|projects?|projected|predicts?|"
    r"targets?|could|might|would|will|should|outlook|estimates? that|sees?|if)\b)|\bmay\b"
)
_BY = re.compile(r"\bby\s*$|\bof\s*$", re.I)
_INTRADAY = re.compile(r"intraday|during the session|in intraday trading", re.I)
_SUPPORT = re.compile(r"\b(support|resistance|floor|ceiling)\b", re.I)
_WITHIN = re.compile(r"\bwithin\b", re.I)
_OUT = re.compile(r"\b(?:out|left|pulled|withdr\w+|redemptions|outflows?|bled|lost)\b", re.I)
_CHANGE_TO = re.compile(r"\b(?:to|at|of|near|around)\s*$", re.I)
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
    run_mask: tuple[int, int] | None


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
    return _below_high("drawdown", rule, p)


def _level_unit(subject: Subject, v: Value | None) -> Unit:
    if v is not None and v.unit == "usd":
        return "usd"
    return "points" if subject.kind == "index" else "usd"


def _record(rule: KindRule, p: _Piece) -> list[Claim]:
    subjects = tuple(level_symbol(s) for s in _subjects(p))
    if not subjects or any(v.unit in ("%", "pp", "bp", "x") for v in p.values):
        return []
    v = _first(p, rule.units)
    if v is not None and abs(v.x) < 10:
        return []
    claimed = _claimed(v, _level_unit(subjects[0], v)) if v is not None else None
    basis = "intraday" if _INTRADAY.search(p.text) else "close"
    return [_claim(p, "record_high", subjects[:1], claimed, basis=basis)]


def _rate_level(rule: KindRule, p: _Piece) -> list[Claim]:
    rates = tuple(s for s in _subjects(p) if s.kind == "rate")
    v = _first(p, rule.units)
    if not rates or v is None:
        return []
    is_level = v.unit == "%" and (
        _CHANGE_TO.search(p.text[: v.start]) or direction_of(p.text, v.start) == 0
    )
    if is_level:
        return [_claim(p, "rate_level", rates[:1], _claimed(v, "%"), measure="level")]
    unit: Unit = "bp" if v.unit == "bp" else "pp"
    return [_claim(p, "rate_level", rates[:1], _claimed(_signed(p, v), unit), measure="change")]


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


def _return(rule: KindRule, p: _Piece) -> list[Claim]:
    values = [v for v in p.values if v.unit in rule.units]
    if not values or not p.subjects:
        return []
    subj = _subjects(p)
    if len(values) >= 2 and len(subj) >= 2:
        pairs = list(zip(subj, values, strict=False))
    else:  # one figure: it belongs to the subjects named before it ("A rose 5 %, like B")
        first = {s.symbol: at for s, at in reversed(p.subjects)}
        before = [s for s in subj if first[s.symbol] < values[0].start]
        pairs = [(s, values[0]) for s in (before or subj)]
    return [_claim(p, "return", (s,), _claimed(_signed(p, v), "%")) for s, v in pairs]


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


def _claims_of(p: _Piece, previous: Kind | None = None) -> list[Claim]:
    """Return the claims of a clause: the first kind rule that fits, else the previous kind."""
    if _FORECAST.search(p.text):
        return []
    for rule in KIND_RULES:
        if rule.words.search(p.text):
            found = _BUILDERS[rule.kind](rule, p)
            if found:
                return found + _with_change(found[0], p)
    if previous is not None:  # "..., versus 22 times for the S&P 500": the same measure
        rule = next(r for r in KIND_RULES if r.kind == previous)
        return _BUILDERS[previous](rule, p)
    return []


def _with_change(first: Claim, p: _Piece) -> list[Claim]:
    """Return the change a level claim also states ("closed at 299.96, up 0.8 %")."""
    if first.kind not in ("level", "record_high"):
        return []
    rule = KIND_RULES[-1]
    return _return(rule, p)


# --- clauses ---------------------------------------------------------------------------------


def _clauses(text: str) -> list[tuple[int, int, bool]]:
    """Split a sentence into clauses: ``(start, end, after_sequence_word)``."""
    out, pos, seq = [], 0, False
    for m in _CLAUSE_BREAK.finditer(text):
        out.append((pos, m.start(), seq))
        pos, seq = m.end(), bool(m.group("seq"))
    out.append((pos, len(text), seq))
    return [(s, e, q) for s, e, q in out if text[s:e].strip()]


def _clause_windows(
    own: list[tuple[Window, tuple[int, int]] | None], seq: list[bool]
) -> list[Window | None]:
    """Give each clause its own window, else the nearest earlier clause's, else a later one's.

    A later clause's window is not borrowed across "after"/"before" ("rose 0.9 %, after
    tumbling 1.3 % on Thursday": Thursday is not the day of the rise).
    """
    out: list[Window | None] = []
    for i, found in enumerate(own):
        earlier = next((own[j] for j in range(i - 1, -1, -1) if own[j]), None)
        later = None
        for j in range(i + 1, len(own)):
            if seq[j]:
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
) -> _Piece | None:
    """Find subjects and values of a clause (None when it states no figure).

    ``window`` is the clause's window and the span of its words in ``text`` (None when
    borrowed from another clause). A clause without a subject takes the carried subjects when
    it refers back ("it", "the index") or ``continues`` the sentence ("..., versus 2 % for").
    """
    hits = find_subjects(text)
    subjects = tuple((h.subject, h.start) for h in hits)
    if not subjects and carry and (continues or _PRONOUN.search(text)):
        subjects = tuple((s, -1) for s in carry)
    masked = [(h.start, h.end) for h in hits]
    if window[1] is not None:
        masked.append(window[1])
    values = tuple(find_values(text, masked))
    if not values and not _FACT_WORDS.search(text):
        return None
    return _Piece(text, start, subjects, values, window[0], None)


_FACT_WORDS = re.compile(
    r"record|all[- ]time|straight|consecutive|in a row|streak|\bcut|\bhike", re.I
)


def _sentence_claims(
    sent: Sentence, ad: dt.date | None, carry: tuple[Subject, ...]
) -> tuple[list[Claim], tuple[Subject, ...]]:
    skip = strip_dateline(sent.text)
    body, base = sent.text[skip:], sent.start + skip
    spans = _clauses(body)
    own = [find_window(body[s:e], ad) for s, e, _q in spans]
    windows = _clause_windows(own, [q for _s, _e, q in spans])
    claims: list[Claim] = []
    previous: Kind | None = None
    for i, (s, e, _q) in enumerate(spans):
        raw = body[s:e]
        lead = len(raw) - len(raw.lstrip())
        mine = own[i]
        span = mine[1] if mine else None
        if span is not None:  # the window's span, in the stripped clause
            span = (span[0] - lead, span[1] - lead)
        piece = _piece(raw.strip(), base + s + lead, (windows[i], span), carry, i > 0)
        if piece is None:
            carry = tuple(h.subject for h in find_subjects(raw)) or carry
            continue
        found = _claims_of(piece, previous)
        claims.extend(found)
        previous = found[0].kind if found else previous
        if piece.subjects:
            carry = tuple(dict.fromkeys(subj for subj, _ in piece.subjects))
    return claims, carry


def extract_claims(text: str, article_date: dt.date | None = None) -> tuple[Claim, ...]:
    """Return every quantitative market claim in ``text``, in order.

    Parameters
    ----------
    text : str
        Plain article text (see :func:`load_article` for Markdown and HTML).
    article_date : datetime.date, optional
        The date relative windows are resolved from ("last week"); without it, claims with
        relative windows get ``window=None``.

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
    for sent in sentences(text):
        claims, carry = _sentence_claims(sent, article_date, carry)
        out.extend(claims)
    return tuple(_tidy(c) for c in out)


def _tidy(c: Claim) -> Claim:
    """Round float noise from the range arithmetic ("12.649999" -> 12.65)."""
    if c.claimed is None:
        return c
    low, high = (x if math.isinf(x) else round(x, 9) for x in (c.claimed.low, c.claimed.high))
    return replace(c, claimed=replace(c.claimed, low=low, high=high))
