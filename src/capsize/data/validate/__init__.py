"""One validation step between every file reader and the store.

Readers turn text into typed frames; this package decides, by dataset kind and in one
place, what may reach the store:

* :func:`parse_iso_dates`, :func:`parse_numbers`: strict cell parsing (ISO dates only,
  plain decimal numbers only), every refused cell with a reason;
* :func:`row_reasons` and :data:`KIND_RULES`: plausible dates (not after the import
  day, not before 1900, 1800 for the French century series) and value bounds per kind;
* :func:`file_problem`: files refused before reading (special files, dangling links,
  compressed or UTF-16 data, truncated Parquet, over-long lines);
* :func:`file_conflicts`, :func:`row_conflicts`, :func:`membership_shrink`: which file
  may write which key (one file per dataset, symbol ownership, agreeing values,
  membership snapshots that do not shrink).

Every reason is plain text (cell values are quoted with ``repr``); front ends escape it.
"""

from __future__ import annotations

from capsize.data.validate._conflicts import (
    CLOSE_TOLERANCE,
    file_conflicts,
    group_of,
    row_conflicts,
)
from capsize.data.validate._files import MAX_LINE_BYTES, file_problem
from capsize.data.validate._membership import MEMBERSHIP_MIN_RATIO, membership_shrink
from capsize.data.validate._rules import KIND_RULES, Bound, KindRule, row_reasons, rule_kind
from capsize.data.validate._text import (
    MISSING_TOKENS,
    NUMBER_PATTERN,
    parse_iso_dates,
    parse_numbers,
    plain_text,
)

__all__ = [
    "CLOSE_TOLERANCE",
    "KIND_RULES",
    "MAX_LINE_BYTES",
    "MEMBERSHIP_MIN_RATIO",
    "MISSING_TOKENS",
    "NUMBER_PATTERN",
    "Bound",
    "KindRule",
    "file_conflicts",
    "file_problem",
    "group_of",
    "membership_shrink",
    "parse_iso_dates",
    "parse_numbers",
    "plain_text",
    "row_conflicts",
    "row_reasons",
    "rule_kind",
]
