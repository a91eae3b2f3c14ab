"""Calendar words: month names, number words, and date arithmetic used by the extractors."""

from __future__ import annotations

import calendar
import datetime as dt

__all__ = [
    "MONTH_RE",
    "NUMBER_WORD_RE",
    "ORDINAL_RE",
    "WEEKDAYS",
    "add_months",
    "month_end",
    "month_number",
    "number_value",
    "ordinal_value",
]

#: A month name or abbreviation ("Aug.", "Sept", "September"), as a regex group body.
MONTH_RE = (
    r"(?:Jan(?:uary|\.)?|Feb(?:ruary|\.)?|Mar(?:ch|\.)?|Apr(?:il|\.)?|May|June?|July?|"
    r"Aug(?:ust|\.)?|Sep(?:tember|t\.?|\.)?|Oct(?:ober|\.)?|Nov(?:ember|\.)?|Dec(?:ember|\.)?)"
)

_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "a dozen": 12,
}
_ORDINALS = {
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "2nd": 2,
    "3rd": 3,
    "4th": 4,
    "5th": 5,
    "6th": 6,
    "7th": 7,
    "8th": 8,
    "9th": 9,
    "10th": 10,
}

#: A count written in words or digits ("three", "12").
NUMBER_WORD_RE = r"(?:\d{1,3}|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + ")"
#: An ordinal ("third", "5th").
ORDINAL_RE = "(?:" + "|".join(sorted(_ORDINALS, key=len, reverse=True)) + ")"

# English month abbreviations (not calendar.month_abbr, which follows the locale).
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def month_number(name: str) -> int:
    """Return 1..12 for a month name or abbreviation ("Aug.", "sept", "March").

    Examples
    --------
    >>> month_number("Sept."), month_number("march")
    (9, 3)
    """
    return _MONTHS.index(name.strip(". ").lower()[:3]) + 1


def number_value(word: str) -> int:
    """Return the value of a count written in digits or words ("three" -> 3)."""
    w = word.lower().strip()
    return int(w) if w.isdigit() else _NUMBER_WORDS[w]


def ordinal_value(word: str) -> int:
    """Return the value of an ordinal ("third" -> 3)."""
    return _ORDINALS[word.lower()]


def month_end(year: int, month: int) -> dt.date:
    """Return the last day of ``year``-``month``."""
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def add_months(day: dt.date, months: int) -> dt.date:
    """Return ``day`` moved by ``months`` calendar months (clipped to the month's end).

    Examples
    --------
    >>> add_months(dt.date(2026, 8, 31), -6)
    datetime.date(2026, 2, 28)
    """
    idx = day.year * 12 + day.month - 1 + months
    year, month = divmod(idx, 12)
    return min(
        dt.date(year, month + 1, 1) + dt.timedelta(days=day.day - 1), month_end(year, month + 1)
    )
