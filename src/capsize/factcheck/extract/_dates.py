"""Dates: the article's date, and the window a claim's words name, resolved from it.

Every window follows one rule: ``start`` is the **base day** (the change is measured from the
last close on or before it) and ``end`` the last day (at most the article's date). So "in the
third quarter" of 2025 is ``2025-06-30 .. 2025-09-30``, "year to date" on 2026-08-21 is
``2025-12-31 .. 2026-08-21``, "since September" is ``<Aug 31> .. <article date>``, "last week"
on a Monday is the Sunday before the previous Monday (its base close is that Friday's) to the
previous Friday. Anchored windows ("since the March low") search the anchor in
``start .. anchor_end`` (March) and measure from it to ``end``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from capsize.factcheck.claim import Window
from capsize.factcheck.extract._calendar import (
    MONTH_RE,
    NUMBER_WORD_RE,
    ORDINAL_RE,
    WEEKDAYS,
    add_months,
    month_end,
    month_number,
    number_value,
    ordinal_value,
)

__all__ = [
    "DATE_RE",
    "article_date",
    "find_end",
    "find_window",
    "parse_date",
    "strip_dateline",
]

_DAY = dt.timedelta(days=1)
_Y = r"(?:19|20)\d\d"

#: A full calendar date as articles write it: "Aug. 21, 2026", "21 August 2026", "2026-08-21".
DATE_RE = (
    rf"(?:(?P<m1>{MONTH_RE})\s?(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?,?\s(?P<y1>{_Y})"
    rf"|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s(?:of\s)?(?P<m2>{MONTH_RE})\s?,?\s(?P<y2>{_Y})"
    rf"|(?P<y3>{_Y})-(?P<m3>[01]\d)-(?P<d3>[0-3]\d))"
)
_DATE = re.compile(rf"\b{DATE_RE}(?![\d-])", re.I)
_LABELLED = re.compile(
    r"\b(?:published|updated|posted|dated?|first published|last updated)\b[:\s]*(?:on\s)?(?P<rest>[^\n<]{4,60})",
    re.I,
)
_META = re.compile(
    r"(?:published_time|datePublished|pubdate|article:published|\"date\")[^>]{0,40}?"
    r"(?P<iso>(?:19|20)\d\d-[01]\d-[0-3]\d)",
    re.I,
)
_DATELINE = re.compile(
    rf"^[ \t]*(?:[A-Z][A-Za-z.'-]*(?:[ \t]+[A-Z][A-Za-z.'-]*)*,[ \t]*)?(?:\w+day,\s)?{DATE_RE}"
    r"[ \t]*(?:\([^)]*\)[ \t]*)?[—–-]+[ \t]*",
    re.M,
)


def parse_date(m: re.Match[str]) -> dt.date | None:
    """Return the date of a :data:`DATE_RE` match (None when it is not a real date)."""
    g = m.groupdict()
    try:
        if g.get("y3"):
            return dt.date(int(g["y3"]), int(g["m3"]), int(g["d3"]))
        n = "1" if g.get("y1") else "2"
        return dt.date(int(g["y" + n]), month_number(g["m" + n]), int(g["d" + n]))
    except ValueError:
        return None


def _dateparser_date(text: str) -> dt.date | None:
    """Parse a labelled date our patterns do not know ("Mon 8/24/2026 4:05 PM")."""
    import dateparser  # 0.25 s import: only for dates the patterns above do not read

    got = dateparser.parse(
        text,
        languages=["en"],
        settings={"STRICT_PARSING": True, "REQUIRE_PARTS": ["day", "month", "year"]},
    )
    return got.date() if got is not None else None


def article_date(text: str) -> dt.date | None:
    r"""Return the article's date from its dateline or a date in its text.

    In order: a "Published"/"Updated"/"Date:" label or a dateline ("NEW YORK, Aug. 21, 2026
    —") in the first 800 characters, an HTML ``published_time`` meta tag, the first full
    date in the first 800 characters, then the first full date anywhere. Dates without a day
    ("March 2025") do not count.

    Examples
    --------
    >>> article_date("NEW YORK, Aug. 21, 2026 — Small caps rose.")
    datetime.date(2026, 8, 21)
    >>> article_date("Published March 3, 2025\\n\\nStocks...")
    datetime.date(2025, 3, 3)
    >>> article_date("Small caps rose 5 % in 2024.") is None
    True
    """
    head = text[:800]
    for m in _LABELLED.finditer(head):
        found = _DATE.search(m.group("rest"))
        day = parse_date(found) if found else _dateparser_date(m.group("rest").strip())
        if day:
            return day
    for rx in (_DATELINE, _DATE):
        for hit in rx.finditer(head):
            if day := parse_date(hit):
                return day
    if meta := _META.search(text):
        return dt.date.fromisoformat(meta.group("iso"))
    for hit in _DATE.finditer(text):
        if day := parse_date(hit):
            return day
    return None


def strip_dateline(sentence: str) -> int:
    """Return how many leading characters of ``sentence`` are a dateline (0 if none)."""
    m = _DATELINE.match(sentence)
    return m.end() if m else 0


# --------------------------------------------------------------------------------------------
# Windows. Each rule is a regex and a resolver (match, article date) -> Window | None; the
# first rule in table order that matches and resolves wins.

_Resolver = Callable[[re.Match[str], dt.date | None], Window | None]
_QUARTERS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_PARTS = {"early": (1, 10), "mid": (11, 20), "middle": (11, 20), "late": (21, 31)}


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern[str]
    resolve: _Resolver


def _g(m: re.Match[str], *names: str) -> str | None:
    """Return the first of the named groups that matched."""
    d = m.groupdict()
    return next((d[n] for n in names if d.get(n)), None)


def _int(m: re.Match[str], *names: str) -> int | None:
    v = _g(m, *names)
    return int(v) if v else None


def _w(
    start: dt.date | None,
    end: dt.date,
    m: re.Match[str],
    ad: dt.date | None,
    anchor: str = "",
    anchor_end: dt.date | None = None,
) -> Window:
    """Build a window ending at most on the article's date."""
    if ad is not None and end > ad:
        end = ad
    return Window(start, end, " ".join(m.group(0).split()), anchor, anchor_end)


def _recent_year(month: int, year: int | None, ad: dt.date | None) -> int | None:
    """Return the year given, else the year of the most recent ``month`` on or before ``ad``."""
    if year is not None:
        return year
    if ad is None:
        return None
    return ad.year if month <= ad.month else ad.year - 1


def _period(
    first_month: int, months: int, year: int | None, m: re.Match[str], ad: dt.date | None
) -> Window | None:
    """Return the calendar period of ``months`` months from ``first_month`` (the latest begun)."""
    year = _recent_year(first_month, year, ad)
    if year is None:
        return None
    last = add_months(dt.date(year, first_month, 1), months - 1)
    return _w(dt.date(year, first_month, 1) - _DAY, month_end(last.year, last.month), m, ad)


def _quarter(m: re.Match[str], ad: dt.date | None) -> Window | None:
    q = _QUARTERS[(_g(m, "q", "q2", "q3") or "1").lower()]
    return _period(3 * q - 2, 3, _int(m, "y", "y3"), m, ad)


def _half(m: re.Match[str], ad: dt.date | None) -> Window | None:
    h = 1 if (_g(m, "h", "h2") or "").lower() in ("first", "1") else 2
    return _period(6 * h - 5, 6, _int(m, "y", "y2"), m, ad)


def _relative_quarter(m: re.Match[str], ad: dt.date | None) -> Window | None:
    if ad is None:
        return None
    first = dt.date(ad.year, 3 * ((ad.month - 1) // 3) + 1, 1)
    if (_g(m, "which") or "").lower() == "last":
        first = add_months(first, -3)
    last = add_months(first, 2)
    return _w(first - _DAY, month_end(last.year, last.month), m, ad)


def _anchor(m: re.Match[str], ad: dt.date | None) -> Window | None:
    kind = "low" if m.group("a").lower() in ("low", "lows", "bottom", "trough") else "high"
    mon, day, year = _g(m, "mon"), _g(m, "day"), _int(m, "y", "y_only")
    if ad is None:
        return None
    if mon is None:
        if year is None:
            return None
        first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    else:
        month = month_number(mon)
        y = _recent_year(month, year, ad)
        assert y is not None
        first = dt.date(y, month, int(day)) if day else dt.date(y, month, 1)
        last = first if day else month_end(y, month)
    return _w(first, ad, m, ad, anchor=kind, anchor_end=min(last, ad))


def _sessions_back(ad: dt.date, n: int) -> dt.date:
    """Return the weekday ``n`` weekdays before ``ad`` (exchange holidays are not known here)."""
    day = ad
    while n:
        day -= _DAY
        n -= day.weekday() < 5
    return day


def _lookback(m: re.Match[str], ad: dt.date | None) -> Window | None:
    if ad is None:
        return None
    n = number_value(_g(m, "n") or "1")
    unit = (_g(m, "unit") or "year").lower()
    if unit.startswith(("session", "trading")):
        start = _sessions_back(ad, n)
    elif unit in ("day", "week"):
        start = ad - _DAY * n * (7 if unit == "week" else 1)
    else:
        start = add_months(ad, -n * {"month": 1, "quarter": 3}.get(unit, 12))
    return _w(start, ad, m, ad)


def _week(m: re.Match[str], ad: dt.date | None) -> Window | None:
    if ad is None:
        return None
    monday = ad - _DAY * ad.weekday()
    if (_g(m, "which") or "").lower() == "last":
        monday -= 7 * _DAY
        return _w(monday - _DAY, monday + 4 * _DAY, m, ad)
    return _w(monday - _DAY, ad, m, ad)


def _month_rel(m: re.Match[str], ad: dt.date | None) -> Window | None:
    if ad is None:
        return None
    this_first = dt.date(ad.year, ad.month, 1)
    if (_g(m, "which") or "").lower() in ("last", "previous", "prior"):
        prev_end = this_first - _DAY
        return _w(prev_end.replace(day=1) - _DAY, prev_end, m, ad)
    return _w(this_first - _DAY, ad, m, ad)


def _ytd(m: re.Match[str], ad: dt.date | None) -> Window | None:
    year = _int(m, "y", "y2") or (ad.year if ad else None)
    if year is None:
        return None
    end = ad if ad and ad.year == year else dt.date(year, 12, 31)
    return _w(dt.date(year - 1, 12, 31), end, m, ad)


def _last_year(m: re.Match[str], ad: dt.date | None) -> Window | None:
    if ad is None:
        return None
    return _w(dt.date(ad.year - 2, 12, 31), dt.date(ad.year - 1, 12, 31), m, ad)


def _date_of(
    mon: str | None, day: str | None, year: int | None, ad: dt.date | None
) -> dt.date | None:
    if mon is None or day is None:
        return None
    month = month_number(mon)
    y = _recent_year(month, year, ad)
    if y is None:
        return None
    try:
        return dt.date(y, month, int(day))
    except ValueError:
        return None


def _between_dates(m: re.Match[str], ad: dt.date | None) -> Window | None:
    end = _date_of(_g(m, "m2", "m1"), m.group("d2"), _int(m, "y2"), ad)
    if end is None:
        return None
    start = _date_of(m.group("m1"), m.group("d1"), _int(m, "y1") or end.year, ad)
    return _w(start, end, m, ad) if start and start < end else None


def _between_months(m: re.Match[str], ad: dt.date | None) -> Window | None:
    m2 = month_number(m.group("m2"))
    y2 = _recent_year(m2, _int(m, "y2"), ad)
    if y2 is None:
        return None
    m1 = month_number(m.group("m1"))
    y1 = _int(m, "y1") or (y2 if m1 <= m2 else y2 - 1)
    return _w(dt.date(y1, m1, 1) - _DAY, month_end(y2, m2), m, ad)


def _from_year_end(m: re.Match[str], ad: dt.date | None) -> Window | None:
    """Resolve "from the end of 2024 to the April 8 low": Dec. 31, 2024 .. April 8."""
    start = dt.date(int(m.group("y1")), 12, 31)
    end = _date_of(m.group("m2"), m.group("d2"), _int(m, "y2") or start.year + 1, ad)
    return _w(start, end, m, ad) if end and end > start else None


def _month_noun(m: re.Match[str], ad: dt.date | None) -> Window | None:
    """Resolve a month used as an adjective ("a 3 % August gain")."""
    return _month(m, ad)


def _week_to(m: re.Match[str], ad: dt.date | None) -> Window | None:
    """Resolve "the week to Aug. 14" / "the week ended Aug. 14": that date's Monday-Friday."""
    end = _date_of(m.group("mon"), m.group("day"), _int(m, "y"), ad)
    if end is None:
        return None
    monday = end - _DAY * end.weekday()
    return _w(monday - _DAY, end, m, ad)


def _lookback_to(m: re.Match[str], ad: dt.date | None) -> Window | None:
    """Resolve "over the five sessions to Friday": a look-back ending on the named day."""
    day = _weekday(m, ad)
    return _lookback(m, day.end) if day is not None else None


def _last_weekday(m: re.Match[str], ad: dt.date | None) -> Window | None:
    """Resolve "since last Friday": the named day of the week before the article's week."""
    if ad is None:
        return None
    monday = ad - _DAY * ad.weekday() - 7 * _DAY
    day = monday + _DAY * WEEKDAYS.index(m.group("wd").lower())
    return _w(day, ad, m, ad)


def _midyear(m: re.Match[str], ad: dt.date | None) -> Window | None:
    """Resolve "by midyear": the first half of the article's year (or the last one begun)."""
    if ad is None:
        return None
    year = ad.year if ad.month >= 7 else ad.year - 1
    return _w(dt.date(year - 1, 12, 31), dt.date(year, 6, 30), m, ad)


def _since_date(m: re.Match[str], ad: dt.date | None) -> Window | None:
    start = _date_of(m.group("mon"), m.group("day"), _int(m, "y"), ad)
    if start is None or ad is None:
        return None
    return _w(start, ad, m, ad)


def _since_month(m: re.Match[str], ad: dt.date | None) -> Window | None:
    month = month_number(m.group("mon"))
    year = _recent_year(month, _int(m, "y"), ad)
    if year is None or ad is None:
        return None
    first_day = _PARTS.get((_g(m, "part") or "").lower(), (1, 31))[0]
    start = month_end(year, month) if m.group("end") else dt.date(year, month, first_day) - _DAY
    return _w(start, ad, m, ad)


def _year_start(m: re.Match[str], ad: dt.date | None) -> Window | None:
    """Resolve "at the start of 2024": the close the year starts from (Dec. 31, 2023)."""
    year = _int(m, "y") or (ad.year if ad else None)
    if year is None:
        return None
    return _w(dt.date(year - 1, 12, 30), dt.date(year - 1, 12, 31), m, ad)


def _since_year(m: re.Match[str], ad: dt.date | None) -> Window | None:
    if ad is None:
        return None
    year = int(m.group("y"))
    start = dt.date(year, 12, 31) if m.group("end") else dt.date(year - 1, 12, 31)
    return _w(start, ad, m, ad)


def _month(m: re.Match[str], ad: dt.date | None) -> Window | None:
    month = month_number(_g(m, "mon", "mon2") or "")
    year = _recent_year(month, _int(m, "y"), ad)
    if year is None:
        return None
    part = (_g(m, "part", "part2") or "").lower().replace("the ", "").replace(" of", "").strip("- ")
    first_day, last_day = _PARTS.get(part, (1, 31))
    last = month_end(year, month) if last_day == 31 else dt.date(year, month, last_day)
    return _w(dt.date(year, month, first_day) - _DAY, last, m, ad)


def _year(m: re.Match[str], ad: dt.date | None) -> Window | None:
    year = int(m.group("y"))
    if ad is not None and year > ad.year:
        return None
    return _w(dt.date(year - 1, 12, 31), dt.date(year, 12, 31), m, ad)


def _weekday(m: re.Match[str], ad: dt.date | None) -> Window | None:
    if ad is None:
        return None
    word = (m.group("wd") or "today").lower()
    if word == "today":
        day = ad
    elif word == "yesterday":
        day = _sessions_back(ad, 1)
    else:
        day = ad - _DAY * ((ad.weekday() - WEEKDAYS.index(word)) % 7)
    return _w(day - _DAY, day, m, ad)


def _on_date(m: re.Match[str], ad: dt.date | None) -> Window | None:
    day = _date_of(m.group("mon"), m.group("day"), _int(m, "y"), ad)
    if day is None or (ad is not None and day > ad):
        return None
    return _w(day - _DAY, day, m, ad)


_RUN_MONTHS = {"year": 12, "quarter": 3, "month": 1}
_NAMED_YEAR = re.compile(r"\b((?:19|20)\d\d)\b")


def _the_period(m: re.Match[str], ad: dt.date | None) -> Window | None:
    """Resolve "for the year", "in the quarter", "for the month", "finished the week".

    The period (year, half, quarter, month, week) is the one the article is in, or the one
    just ended when the article is
    within its first 15 days (a Jan. 6 article's "for the year" is last year; a Monday
    article's "the week" is last week).
    """
    if ad is None:
        return None
    unit = m.group("p").lower()
    if unit == "week":
        monday = ad - _DAY * ad.weekday()
        if ad.weekday() == 0:
            return _w(monday - 8 * _DAY, monday - 3 * _DAY, m, ad)
        return _w(monday - _DAY, ad, m, ad)
    months = {"year": 12, "half": 6, "quarter": 3, "month": 1}[unit]
    first = dt.date(ad.year, (ad.month - 1) // months * months + 1, 1)
    if (ad - first).days < 15:
        first = add_months(first, -months)
    last = add_months(first, months - 1)
    return _w(first - _DAY, month_end(last.year, last.month), m, ad)


def _run(m: re.Match[str], ad: dt.date | None) -> Window | None:
    """N straight periods: the last N complete years/quarters/months, or N sessions/weeks to date."""
    if ad is None:
        return None
    o = _g(m, "o")
    n = ordinal_value(o) if o else number_value(_g(m, "n", "n2", "n3") or "1")
    unit = (_g(m, "u", "u2", "u3") or "year").lower()
    if unit in ("day", "session"):
        return _w(_sessions_back(ad, n), ad, m, ad)
    if unit == "week":
        return _w(ad - _DAY * 7 * n, ad, m, ad)
    months = _RUN_MONTHS[unit]
    named = [int(y) for y in _NAMED_YEAR.findall(m.string) if int(y) <= ad.year]
    # "for a fifth straight year in 2025": the run ends with 2025
    ref = dt.date(max(named) + 1, 1, 1) if named and unit == "year" else ad
    first = dt.date(ref.year, (ref.month - 1) // months * months + 1, 1)
    return _w(add_months(first, -n * months) - _DAY, first - _DAY, m, ad)


_MON = rf"(?P<mon>{MONTH_RE})"
_UNITS = r"(?:trading day|day|session|week|month|quarter|year)"
_RULE_TABLE: tuple[tuple[str, _Resolver], ...] = (
    (
        rf"\b(?:since|from|off|above|below|of|to) (?:the|its|their|a|an) (?:(?:early|mid|late)[- ])?(?:{_MON}\.?\s?(?P<day>\d{{1,2}})?(?:,? (?P<y>{_Y}))?|(?P<y_only>{_Y}))[ -]"
        r"(?:closing |intraday |bear-market |bear market |pandemic |post-election |record )?(?P<a>lows?|bottom|trough|highs?|peak|top|record(?: high| close)?|all-time high)\b",
        _anchor,
    ),
    (
        rf"\bsince the (?:[\w-]+ ){{0,3}}?(?P<a>low|bottom|trough|high|peak) on {_MON}\.? (?P<day>\d{{1,2}})(?:,? (?P<y>{_Y}))?",
        _anchor,
    ),
    (
        rf"\b(?:(?:in|during|for|over) )?the week (?:to|ended|ending|through) {_MON}\.? (?P<day>\d{{1,2}})(?:,? (?P<y>{_Y}))?",
        _week_to,
    ),
    (
        rf"\b(?:(?:over|in|during|for) )?the (?:past |last )?(?P<n>{NUMBER_WORD_RE}) (?P<unit>session|trading day|day|week)s "
        r"(?:to|through|ended|ending) (?P<wd>monday|tuesday|wednesday|thursday|friday)\b",
        _lookback_to,
    ),
    (
        r"\b(?:since|from) last (?P<wd>monday|tuesday|wednesday|thursday|friday)\b",
        _last_weekday,
    ),
    (r"\b(?:by|at|through) mid-?year\b", _midyear),
    (
        rf"\bfrom the end of (?P<y1>{_Y}) (?:to|through|until) (?:the )?(?P<m2>{MONTH_RE})\.? (?P<d2>\d{{1,2}})\b(?:,? (?P<y2>{_Y}))?",
        _from_year_end,
    ),
    (
        rf"\b(?:between|from) (?P<m1>{MONTH_RE}) (?P<d1>\d{{1,2}})(?:,? (?P<y1>{_Y}))? (?:and|to|through|until) (?:(?P<m2>{MONTH_RE}) )?(?P<d2>\d{{1,2}})(?:,? (?P<y2>{_Y}))?",
        _between_dates,
    ),
    (
        rf"\b(?:between|from) (?P<m1>{MONTH_RE})(?: (?P<y1>{_Y}))? (?:and|to|through|until) (?P<m2>{MONTH_RE})(?: (?P<y2>{_Y}))?",
        _between_months,
    ),
    (rf"\bsince {_MON} (?P<day>\d{{1,2}})\b(?:,? (?P<y>{_Y}))?", _since_date),
    (
        rf"\bsince (?P<end>the end of )?(?:(?P<part>early|mid|late)[- ]|the start of |the beginning of )?{_MON}(?: (?P<y>{_Y}))?\b",
        _since_month,
    ),
    (
        rf"\bsince (?P<end>the end of )?(?:the start of |the beginning of )?(?P<y>{_Y})\b",
        _since_year,
    ),
    (
        rf"\b(?:at|from|near) the (?:start|beginning) of (?:(?P<y>{_Y})|the year)\b",
        _year_start,
    ),
    (
        rf"\b(?:(?:a|the|its|their) (?P<o>{ORDINAL_RE})|(?P<n>{NUMBER_WORD_RE})) (?:straight|consecutive|successive) (?:[\w%+-]+ ){{0,3}}?(?P<u>year|quarter|month|week|day|session)s?\b"
        rf"|\b(?P<n2>{NUMBER_WORD_RE}) (?P<u2>year|quarter|month|week|day|session)s? in a row\b"
        rf"|\beach of the (?:past|last) (?P<n3>{NUMBER_WORD_RE}) (?P<u3>year|quarter|month|week|day|session)s\b",
        _run,
    ),
    (
        rf"\bthe (?P<q>first|second|third|fourth)[ -]quarter(?: of (?P<y>{_Y}))?|\b(?P<q2>first|second|third|fourth)-quarter\b|\bQ(?P<q3>[1-4])(?: (?P<y3>{_Y}))?\b",
        _quarter,
    ),
    (r"\b(?P<which>last|this) quarter\b|\bquarter[- ]to[- ]date\b", _relative_quarter),
    (
        rf"\bthe (?P<h>first|second) half(?: of (?P<y>{_Y}))?|\bH(?P<h2>[12])(?: (?P<y2>{_Y}))?\b",
        _half,
    ),
    (
        rf"\b(?:(?:over|in|during|for|across|within) )?the (?:past|last|previous|prior|trailing) (?:(?P<n>{NUMBER_WORD_RE}) )?(?P<unit>trading day|day|session|week|month|quarter|year)s?\b"
        r"|\btrailing (?:12|twelve)[- ]month",
        _lookback,
    ),
    (r"\b(?P<which>last|this) week\b|\bso far this week\b|\bweek[- ]to[- ]date\b", _week),
    (
        r"\b(?P<which>last|this|previous|prior) month\b|\bso far this month\b|\bmonth[- ]to[- ]date\b",
        _month_rel,
    ),
    (
        rf"\b(?:year[- ]to[- ]date|YTD|so far (?:this year|in (?P<y>{_Y}))|this year|(?:from|since) where it (?:started|began) the year|since the (?:start|beginning) of (?:the |this )?year|in (?P<y2>{_Y}) so far)\b",
        _ytd,
    ),
    (r"\blast year\b|\bthe previous year\b", _last_year),
    (
        rf"\b(?:in|during|for|over|through(?:out)?|across|of|ended|closed|finished|(?:at )?the end of) (?:the month of )?(?P<part>early |late |mid-|the middle of )?{_MON}(?!\.? ?\d{{1,2}}\b)(?: (?P<y>{_Y}))?\b"
        rf"|\b(?P<part2>early|late|mid)[- ](?P<mon2>{MONTH_RE})(?: (?P<y_>{_Y}))?",
        _month,
    ),
    (
        rf"\b(?:in|during|for|over|throughout|across|of|ended|closed|finished|closed out|(?:at )?the end of) (?:all of |calendar |the year )?(?P<y>{_Y})\b(?![-–]\d)",
        _year,
    ),
    (
        rf"\b{_MON}(?: (?P<y>{_Y}))?(?:'s)? (?:gain|loss|rally|decline|drop|advance|slide|rise|sell-?off|rebound|slump|surge)s?\b",
        _month_noun,
    ),
    (
        r"\b(?:from|than|versus|vs\.?|compared with) a year (?:ago|earlier)|\byear[- ](?:over|on)[- ]year\b",
        _lookback,
    ),
    (
        r"(?<!early )(?<!late )(?<!later )(?<!earlier )\b(?:for|in|over|on|during|ended|finished|closed|through) the (?:full |whole |entire )?(?P<p>year|half|quarter|month|week)\b",
        _the_period,
    ),
    (rf"\bon {_MON}\.? (?P<day>\d{{1,2}})\b(?:,? (?P<y>{_Y}))?", _on_date),
    (
        r"\b(?:on |in )?(?P<wd>monday|tuesday|wednesday|thursday|friday|today|yesterday)(?:'s session)?\b|\bon the (?P<today>day|session)\b",
        _weekday,
    ),
)
_MONTH_WORDS = frozenset(
    [
        "jan",
        "january",
        "feb",
        "february",
        "mar",
        "march",
        "apr",
        "april",
        "may",
        "jun",
        "june",
        "jul",
        "july",
        "aug",
        "august",
        "sep",
        "sept",
        "september",
        "oct",
        "october",
        "nov",
        "november",
        "dec",
        "december",
    ]
)
# Words one of which a clause must contain for a rule to be tried (a fast gate: most clauses
# name no window, and trying every pattern on them is the costly part of extraction).
# "<year>" stands for any four-digit year.
_TRIGGERS: dict[_Resolver, frozenset[str]] = {
    _anchor: frozenset(
        ["low", "lows", "bottom", "trough", "high", "highs", "peak", "top", "record"]
    ),
    _between_dates: frozenset({"between", "from"}),
    _between_months: frozenset({"between", "from"}),
    _since_date: frozenset({"since"}),
    _since_month: frozenset({"since"}),
    _since_year: frozenset({"since"}),
    _year_start: frozenset({"start", "beginning"}),
    _run: frozenset({"straight", "consecutive", "successive", "row", "each"}),
    _week_to: frozenset({"week"}),
    _lookback_to: frozenset({"sessions", "days", "weeks"}),
    _last_weekday: frozenset({"last"}),
    _midyear: frozenset({"midyear", "mid"}),
    _quarter: frozenset({"quarter", "q1", "q2", "q3", "q4"}),
    _relative_quarter: frozenset({"quarter"}),
    _half: frozenset({"half", "h1", "h2"}),
    _lookback: frozenset(
        ["past", "last", "previous", "prior", "trailing", "ago", "earlier", "year"]
    ),
    _week: frozenset({"week"}),
    _month_rel: frozenset({"month"}),
    _ytd: frozenset({"year", "ytd", "date"}),
    _last_year: frozenset({"year"}),
    _month: _MONTH_WORDS,
    _year: frozenset({"<year>"}),
    _the_period: frozenset({"year", "half", "quarter", "month", "week"}),
    _on_date: _MONTH_WORDS,
    _from_year_end: frozenset({"end"}),
    _month_noun: _MONTH_WORDS,
    _weekday: frozenset(
        [
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "today",
            "yesterday",
            "day",
            "session",
        ]
    ),
}
_RULES = tuple(_Rule(re.compile(p, re.I), f) for p, f in _RULE_TABLE)
_WORD = re.compile(r"[a-z0-9]+")


def _words(text: str) -> frozenset[str]:
    """Return the lower-case words of ``text``, with "<year>" when it names a year."""
    words = set(_WORD.findall(text.lower()))
    if any(len(w) == 4 and w[:2] in ("19", "20") and w.isdigit() for w in words):
        words.add("<year>")
    return frozenset(words)


def find_window(text: str, ad: dt.date | None) -> tuple[Window, tuple[int, int]] | None:
    """Return the window named in ``text`` (resolved from the article's date) and its span.

    Parameters
    ----------
    text : str
        A sentence or clause.
    ad : datetime.date or None
        The article's date; relative windows ("last week") need it.

    Returns
    -------
    (Window, (start, end)) or None
        The window phrase that comes first in the clause (on a tie, the more specific rule:
        anchors, ranges, "since", runs, quarters, halves, look-backs, weeks, months, year to
        date, calendar months, years, days); an end named by "through Tuesday" or "as of
        Aug. 20" clips it.

    Examples
    --------
    >>> w, _ = find_window("up 8 % in the third quarter", dt.date(2025, 11, 3))
    >>> w.start, w.end
    (datetime.date(2025, 6, 30), datetime.date(2025, 9, 30))
    """
    end = find_end(text, ad)
    if end is not None:  # "by Tuesday" is the end, not the window
        a, b = end[1]
        text = text[:a] + " " * (b - a) + text[b:]
    best: tuple[int, int, Window, tuple[int, int]] | None = None
    words = _words(text)
    for order, rule in enumerate(_RULES):
        if words.isdisjoint(_TRIGGERS[rule.resolve]):
            continue
        for m in rule.pattern.finditer(text):
            w = rule.resolve(m, ad)
            if w is not None:
                start = -1 if rule.resolve is _run else m.start()  # a run sets its own window
                if best is None or start < best[0]:
                    best = (start, order, w, m.span())
                break
    if best is None:
        return None
    window = best[2]
    if end is not None and end[0] < window.end:
        window = replace(window, end=end[0])
    return window, best[3]


_END = re.compile(
    rf"\b(?:by|through|thru|as of|until|till) (?:(?P<wd>monday|tuesday|wednesday|thursday|friday|yesterday)"
    rf"|{_MON}\.? (?P<day>\d{{1,2}})(?:,? (?P<y>{_Y}))?|(?P<ye>year-end|year end|the end of the year))\b",
    re.I,
)


def find_end(text: str, ad: dt.date | None) -> tuple[dt.date, tuple[int, int]] | None:
    """Return the end date a clause sets ("through Tuesday", "as of Aug. 20") and its span.

    Examples
    --------
    >>> find_end("down 15 % this year through Tuesday", dt.date(2025, 4, 9))[0]
    datetime.date(2025, 4, 8)
    """
    m = _END.search(text)
    if m is None:
        return None
    if m.group("ye"):  # the year the article is in, or the one just ended in early January
        if ad is None:
            return None
        year = ad.year - 1 if (ad.month, ad.day) <= (1, 15) else ad.year
        return min(dt.date(year, 12, 31), ad), m.span()
    w = _weekday(m, ad) if m.group("wd") else _on_date(m, ad)
    return (w.end, m.span()) if w is not None else None
