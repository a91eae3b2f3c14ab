"""Turn URL parameters (text) into a query's typed keyword arguments, validated once.

The API and the pages both call :func:`parse_params`, so a parameter means the same on
both; a bad one raises :class:`~capsize.errors.InputError` naming it and the fix.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from capsize.errors import InputError
from capsize.queries.session import parse_as_of
from capsize.web._registry import Param, ParamKind

__all__ = [
    "FIRST_DAY",
    "ISO_DATE",
    "LAST_DAY",
    "LIST_ITEM",
    "MAX_LIST_ITEMS",
    "MAX_TEXT",
    "RESERVED",
    "RULE_ITEM",
    "canonical",
    "check_table",
    "parse_day",
    "parse_params",
    "split_list",
    "split_rules",
]

ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
"""Pattern of a day parameter (``as_of=YYYY-MM-DD``) checked before the handler runs."""

RESERVED = ("as_of", "format", "table", "limit", "offset", "sort", "order")
"""URL parameters the web itself takes (never passed to a query as such, except as_of)."""

LIST_ITEM = r"^[A-Za-z0-9^.=_:\-]{1,32}$"
"""One item of a ``list`` parameter: a symbol, series id, window or segment name."""
RULE_ITEM = r"^[A-Za-z0-9_]{1,32}(<=|>=|==|!=|<|>|=)[A-Za-z0-9_.+\-]{1,32}$"
"""One item of a ``rules`` parameter: ``column op value`` without spaces (``pe<=15``)."""
MAX_LIST_ITEMS = 50
"""Most items in one ``list`` parameter."""
MAX_TEXT = 200
"""Longest ``str`` parameter."""
FIRST_DAY = "1900-01-01"
"""Earliest as-of day accepted (before any data the store holds)."""
LAST_DAY = "2199-12-31"
"""Latest as-of day accepted."""

_ITEM = re.compile(LIST_ITEM)
_RULE = re.compile(RULE_ITEM)
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def split_rules(name: str, values: Sequence[str]) -> tuple[str, ...]:
    """Split comma-separated screen rules (``pe<=15,price>=5``) into items.

    Raises
    ------
    InputError
        On a malformed rule or more than :data:`MAX_LIST_ITEMS`.
    """
    items = [x.replace(" ", "") for v in values for x in v.split(",") if x.strip()]
    for item in items:
        if not _RULE.match(item):
            raise InputError(
                f"{name}: {item[:40]!r} is not a rule; write 'column op value' with op one of "
                "< <= > >= == !=, e.g. pe<=15"
            )
    if len(items) > MAX_LIST_ITEMS:
        raise InputError(f"{name}: {len(items)} rules; give at most {MAX_LIST_ITEMS}")
    return tuple(dict.fromkeys(items))


def split_list(name: str, values: Sequence[str]) -> tuple[str, ...]:
    """Split comma- or space-separated text (repeated parameters joined) into items.

    Raises
    ------
    InputError
        On a malformed item or more than :data:`MAX_LIST_ITEMS`.
    """
    items = [x for v in values for x in re.split(r"[,\s]+", v) if x]
    for item in items:
        if not _ITEM.match(item):
            shown = item[:32] + ("..." if len(item) > 32 else "")
            raise InputError(
                f"{name}: {shown!r} is not a symbol or name; use letters, digits and ^.=_:- "
                "separated by commas, e.g. IWM,SPY"
            )
    if len(items) > MAX_LIST_ITEMS:
        raise InputError(f"{name}: {len(items)} items; give at most {MAX_LIST_ITEMS}")
    return tuple(dict.fromkeys(items))


def _number(p: Param, text: str, cast: Callable[[str], float]) -> float:
    try:
        value = cast(text)
    except ValueError:
        raise InputError(f"{p.name} {text[:40]!r} is not a number; e.g. {p.name}=20") from None
    if not math.isfinite(value):
        raise InputError(f"{p.name} must be a finite number")
    if p.minimum is not None and value < p.minimum:
        raise InputError(f"{p.name} {value:g} is below its minimum {p.minimum:g}")
    if p.maximum is not None and value > p.maximum:
        raise InputError(f"{p.name} {value:g} is above its maximum {p.maximum:g}")
    return value


def _bool(p: Param, text: str) -> bool:
    low = text.strip().lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise InputError(f"{p.name} {text[:40]!r} is not true or false")


def _choice(p: Param, text: str) -> str:
    if text not in p.choices:
        raise InputError(f"{p.name} {text[:40]!r} is not one of: {', '.join(p.choices)}")
    return text


def check_table(name: str, names: Sequence[str], where: str) -> None:
    """Check that ``table=name`` names one of ``names``, the tables of ``where``.

    Raises
    ------
    InputError
        Naming the parameter and listing the valid tables.
    """
    if name not in names:
        valid = ", ".join(names) or "none"
        raise InputError(f"table {name[:40]!r} is not a table of {where}; give one of: {valid}")


def parse_day(text: str | None, name: str = "as_of") -> str | None:
    """Return ``text`` as a checked ISO day (None stays None).

    Raises
    ------
    InputError
        When it is not an ISO date, or lies outside :data:`FIRST_DAY` .. :data:`LAST_DAY`
        (pandas cannot format every day of years 1..9999; no data is that old).
    """
    if text is None:
        return None
    day = parse_as_of(text, name)
    iso = f"{day.year:04d}-{day.month:02d}-{day.day:02d}" if day is not None else text
    if not FIRST_DAY <= iso <= LAST_DAY:
        raise InputError(f"{name} {iso} is out of range; use a day from {FIRST_DAY} to {LAST_DAY}")
    return iso


def _date(p: Param, text: str) -> str:
    return parse_day(text, p.name) or text


def _text(p: Param, text: str) -> str:
    if len(text) > MAX_TEXT or any(ord(ch) < 32 for ch in text):
        raise InputError(f"{p.name}: give printable text of at most {MAX_TEXT} characters")
    return text


_SCALAR: dict[ParamKind, Callable[[Param, str], object]] = {
    "int": lambda p, t: int(_number(p, t, int)),
    "float": lambda p, t: _number(p, t, float),
    "bool": _bool,
    "choice": _choice,
    "date": _date,
    "str": _text,
}


def _value(p: Param, values: Sequence[str]) -> object:
    if p.kind == "list":
        return list(split_list(p.name, values))
    if p.kind == "rules":
        return list(split_rules(p.name, values))
    if len(values) > 1:
        raise InputError(f"{p.name} is given {len(values)} times; give it once")
    return _SCALAR[p.kind](p, values[0].strip())


def parse_params(params: Sequence[Param], given: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """Return the keyword arguments for a query from URL parameters.

    Parameters
    ----------
    params : sequence of Param
        The query's parameters.
    given : mapping of str to sequence of str
        URL parameters (every value of a repeated one); :data:`RESERVED` ones are skipped.
        A parameter not given (or empty) is left out, so the function's default applies.

    Raises
    ------
    InputError
        On an unknown parameter (a typo must not be ignored), a bad value, or a required
        parameter not given.
    """
    known = {p.name: p for p in params}
    unknown = [k for k in given if k not in known and k not in RESERVED]
    if unknown:
        names = ", ".join(sorted(known)) or "none besides as_of"
        raise InputError(f"unknown parameter {unknown[0][:40]!r}; this query takes: {names}")
    out: dict[str, Any] = {}
    for p in params:
        values = [v for v in given.get(p.name, ()) if v.strip() != ""]
        if values:
            out[p.name] = _value(p, values)
        elif p.required:
            raise InputError(f"parameter {p.name!r} is required ({p.help or p.kind})")
    return out


def canonical(kwargs: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """Return a hashable, order-independent key of parsed arguments (caches, ETags)."""
    return tuple(sorted((k, repr(v)) for k, v in kwargs.items()))
