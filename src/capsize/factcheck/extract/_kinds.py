"""Kinds: which measure a clause states, decided by a table of trigger words.

Each rule names a :data:`~capsize.factcheck.claim.Kind`, the words that trigger it and the
units its value may have; the first rule whose words appear and whose value is present wins
(:data:`KIND_RULES`, most specific first). A clause with no rule is no claim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from capsize.factcheck.claim import Kind
from capsize.factcheck.extract._calendar import (
    NUMBER_WORD_RE,
    ORDINAL_RE,
    number_value,
    ordinal_value,
)

__all__ = [
    "DOWN",
    "KIND_RULES",
    "LAG",
    "LEAD",
    "UP",
    "KindRule",
    "cut_count",
    "direction_of",
    "run_count",
]

#: Words that make a change negative ("fell 8 %") ...
DOWN = frozenset(
    [
        "fell",
        "fall",
        "falls",
        "falling",
        "fallen",
        "lost",
        "lose",
        "loses",
        "losing",
        "dropped",
        "drop",
        "drops",
        "dropping",
        "declined",
        "decline",
        "declines",
        "declining",
        "slid",
        "slide",
        "slides",
        "sliding",
        "sank",
        "sink",
        "sinks",
        "sinking",
        "tumbled",
        "tumble",
        "tumbles",
        "tumbling",
        "plunged",
        "plunge",
        "plunges",
        "plunging",
        "plummeted",
        "slumped",
        "slump",
        "slumps",
        "slumping",
        "retreated",
        "retreat",
        "retreats",
        "retreating",
        "shed",
        "sheds",
        "shedding",
        "down",
        "lower",
        "decreased",
        "sagged",
        "sagging",
        "skidded",
        "dipped",
        "dip",
        "dips",
        "dipping",
        "eased",
        "eases",
        "weakened",
        "erased",
        "slipped",
        "slip",
        "slips",
        "slipping",
        "shrank",
        "shrunk",
        "contracted",
        "left",
        "pulled",
        "withdrew",
        "withdrawn",
        "outflow",
        "outflows",
        "redemptions",
        "exited",
        "bled",
        "loss",
        "losses",
        "lowered",
        "cut",
        "cuts",
        "reduced",
        "trimmed",
        "negative",
        "sell-off",
        "selloff",
    ]
)
#: ... and positive ("gained 8 %").
UP = frozenset(
    [
        "rose",
        "rise",
        "rises",
        "rising",
        "risen",
        "gained",
        "gain",
        "gains",
        "gaining",
        "climbed",
        "climb",
        "climbs",
        "climbing",
        "jumped",
        "jump",
        "jumps",
        "jumping",
        "surged",
        "surge",
        "surges",
        "surging",
        "soared",
        "soar",
        "soars",
        "soaring",
        "rallied",
        "rally",
        "rallies",
        "rallying",
        "advanced",
        "advance",
        "advances",
        "advancing",
        "up",
        "higher",
        "added",
        "add",
        "adds",
        "adding",
        "increased",
        "increase",
        "increases",
        "returned",
        "return",
        "returns",
        "rebounded",
        "rebound",
        "rebounds",
        "rebounding",
        "firmed",
        "popped",
        "popping",
        "grew",
        "grow",
        "grows",
        "inflow",
        "inflows",
        "poured",
        "attracted",
        "drew",
        "widened",
        "expanded",
        "positive",
        "recovered",
        "recovering",
        "bounced",
    ]
)
# Two-word phrases that override their first word ("pulled in" is money coming in).
_PHRASES = {("gave", "up"): -1, ("gives", "up"): -1, ("pulled", "in"): 1, ("took", "in"): 1}
_TOKEN = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)?")


#: Relative verbs: the first subject leads ...
LEAD = re.compile(
    r"\b(?:outperform\w*|outpac\w*|outrun|outran|beat(?:en|ing|s)?|topp?(?:ed|ing)|ahead of|"
    r"edged out|outdid|outshone|led)\b",
    re.I,
)
#: ... or lags.
LAG = re.compile(
    r"\b(?:lag(?:s|ged|ging)?|trail(?:s|ed|ing)?|underperform\w*|behind|fell short of|"
    r"trailed|lagged)\b",
    re.I,
)


@dataclass(frozen=True)
class KindRule:
    """A kind, the words that trigger it, and the units its value may have."""

    kind: Kind
    words: re.Pattern[str]
    units: frozenset[str]


def _rx(p: str) -> re.Pattern[str]:
    return re.compile(p, re.I)


_RUN = (
    rf"\b(?:(?:a|the|its|their) (?P<o>{ORDINAL_RE})|(?P<n>{NUMBER_WORD_RE})) (?:straight|consecutive|successive) (?:[\w%+-]+ ){{0,3}}?"
    r"(?P<u>year|quarter|month|week|day|session|trading day)s?\b"
    rf"|\b(?P<n2>{NUMBER_WORD_RE}) (?P<u2>year|quarter|month|week|day|session)s? in a row\b"
    rf"|\b(?P<n3>{NUMBER_WORD_RE})[- ](?P<u3>day|session|week|month|year)s? (?:winning |losing )?(?:streak|run)\b"
    rf"|\beach of the (?:past|last) (?P<n4>{NUMBER_WORD_RE}) (?P<u4>year|quarter|month|week|day|session)s\b"
)
_RUN_RE = _rx(_RUN)
_CUTS = (
    rf"\b(?P<n>{NUMBER_WORD_RE}|one) (?:more |further |straight |consecutive )?"
    r"(?:(?:quarter|half)[- ](?:percentage[- ])?point |interest[- ]rate |rate |policy )*"
    r"(?P<what>cut|hike|reduction|increase)s?\b"
    rf"|\b(?:cut|hiked|raised|lowered|trimmed|eased|reduced) (?:interest |its policy |its benchmark |the policy )?(?:rates? )?(?:(?P<n2>{NUMBER_WORD_RE}) times|(?P<n3>twice|once))"
)
_CUTS_RE = _rx(_CUTS)

#: The rules, most specific first.
KIND_RULES: tuple[KindRule, ...] = (
    KindRule(
        "flows",
        _rx(
            r"\b(?:(?:in|out)flows?\b|\bflow(?:ed|ing)? (?:out of|into)|\b(?:pulled|yanked|pumped)\b|\bnet (?:flows?|selling|buying|redemptions)\b|\bredemptions\b|poured|pulled (?:out )?(?:of|from)|withdr[ae]wn?|\bleft (?:u\.s\. |us )?(?:equity |stock )?(?:funds|etfs?)|funds? (?:took in|attracted|lost|bled)|(?:into|from|out of) (?:u\.s\. )?(?:equity |stock |small-cap |large-cap )?(?:funds|etfs?))"
        ),
        frozenset({"usd"}),
    ),
    KindRule(
        "valuation",
        _rx(
            r"\bp/?e\b|price[- ]to[- ](?:earnings|book|sales)|times (?:forward |trailing |next year's |expected )?(?:earnings|profits|sales|book)|earnings multiple|valuation multiple|forward multiple"
        ),
        frozenset({"x", ""}),
    ),
    KindRule("beta", _rx(r"\bbeta\b"), frozenset({"", "x"})),
    KindRule("rate_cuts", _CUTS_RE, frozenset({"count"})),
    KindRule("run", _RUN_RE, frozenset({"count"})),
    KindRule(
        "volatility_ratio",
        _rx(
            r"volatil\w*|\bswings?\b|\bswung\b|\bswinging\b|\bmoves? (?:\w+ )?(?:as much|more)|standard deviation|choppier"
        ),
        frozenset({"x"}),
    ),
    KindRule(
        "volume_change",
        _rx(r"\b(?:trading )?volumes?\b|shares (?:traded|changed hands)|turnover"),
        frozenset({"%"}),
    ),
    KindRule(
        "distance_from_high",
        _rx(
            r"\b(?:below|off|beneath|under|shy of|short of|within|from)\s+(?:\S+\s+){0,4}?(?:record|peak|high|all-time high|top)s?\b"
        ),
        frozenset({"%"}),
    ),
    KindRule(
        "drawdown",
        _rx(
            r"\bdrawdown|\bcorrection\b|bear market|peak[- ]to[- ]trough|\bfrom (?:its|their|the) (?:\S+ ){0,3}(?:peak|high|record)"
        ),
        frozenset({"%"}),
    ),
    KindRule(
        "record_high",
        _rx(
            r"\brecords?\b|all[- ]time high|fresh high|new high|highest (?:close|level|finish|ever)|\bpeaked\b|record territory"
        ),
        frozenset({"", "points", "usd", "none"}),
    ),
    KindRule(
        "rate_level",
        _rx(r"\byields?\b|\brates?\b|\bfed\b|funds rate|treasur"),
        frozenset({"%", "bp", "pp"}),
    ),
    KindRule(
        "relative_return",
        _rx(
            LEAD.pattern
            + "|"
            + LAG.pattern
            + r"|\bthan\b|\bgap\b|\bspread\b|\bversus\b|\bvs\.?|as (?:much|fast|far) as"
        ),
        frozenset({"pp", "%", "points", "x"}),
    ),
    KindRule(
        "level",
        _rx(
            r"\b(?:closed|ended|finished|settled|traded|trades|trading|stood|stands|sits?|hit|reached|topped|crossed|broke|above|below|support|resistance|level|near|at|to|around|under|over|touched|high of|low of)\b"
        ),
        frozenset({"", "points", "usd"}),
    ),
    KindRule("return", _rx(r"."), frozenset({"%"})),
)


def run_count(text: str) -> tuple[int, str, re.Match[str]] | None:
    """Return ``(count, period, match)`` of a run ("three straight years" -> 3, "year")."""
    m = _RUN_RE.search(text)
    if m is None:
        return None
    o = m.group("o")
    n = (
        ordinal_value(o)
        if o
        else number_value(next(g for g in m.group("n", "n2", "n3", "n4") if g))
    )
    unit = next(g for g in m.group("u", "u2", "u3", "u4") if g).lower()
    return n, "day" if unit in ("session", "trading day") else unit, m


def cut_count(text: str) -> tuple[int, str, re.Match[str]] | None:
    """Return ``(count, "cut" | "hike", match)`` of a rate-move count ("three rate cuts")."""
    m = _CUTS_RE.search(text)
    if m is None:
        return None
    word = (m.group("n") or m.group("n2") or m.group("n3") or "one").lower()
    n = {"one": 1, "once": 1, "twice": 2}.get(word) or number_value(word)
    what = (m.group("what") or m.group(0)).lower()
    return n, "hike" if ("hike" in what or "increase" in what or "raise" in what) else "cut", m


def _directions(text: str) -> tuple[tuple[int, int], ...]:
    """Return ``(offset, sign)`` of every direction word in ``text``."""
    tokens = [(m.start(), m.group(0).lower()) for m in _TOKEN.finditer(text)]
    out = []
    for i, (at, word) in enumerate(tokens):
        nxt = tokens[i + 1][1] if i + 1 < len(tokens) else ""
        sign = _PHRASES.get((word, nxt)) or (-1 if word in DOWN else 1 if word in UP else 0)
        if sign:
            out.append((at, sign))
    return tuple(out)


def direction_of(text: str, before: int) -> int:
    """Return -1, +1 or 0: the direction word nearest before offset ``before`` in ``text``.

    Without one before it, the first direction word after it counts ("a 0.9 % gain").

    Examples
    --------
    >>> direction_of("small caps fell 8 %", 16), direction_of("a 0.9 % gain", 2)
    (-1, 1)
    """
    found = _directions(text)
    earlier = [sign for at, sign in found if at < before]
    if earlier:
        return earlier[-1]
    return next((sign for at, sign in found if at >= before), 0)
