"""Render performance answers as rich tables: figures formatted by unit, n/a reasons footnoted.

Imported by the commands when they run (never at ``capsize --help``); nothing here
computes a figure.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from typing import TYPE_CHECKING

from capsize._cli._common import console, print_table
from capsize._format import fmt_large, fmt_num, fmt_pct

if TYPE_CHECKING:
    from capsize.queries.result import Figure, QueryResult, TableData

__all__ = ["Footnotes", "blank", "caption", "fmt_figure", "print_result_table"]

_SHORT = (
    ("no price-return series", "no raw closes"),
    ("no total-return series", "no total-return series"),
)


class Footnotes:
    """Collect long n/a reasons once; cells show ``[n]``."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def tag(self, reason: str) -> str:
        """Return the short text for ``reason`` (a footnote mark for long ones)."""
        if not reason:
            return ""
        for key, short in _SHORT:
            if key in reason:
                return short
        if len(reason) <= 24:
            return reason
        if reason not in self.items:
            self.items.append(reason)
        return f"[{self.items.index(reason) + 1}]"

    def lines(self) -> list[str]:
        """Return the footnotes, numbered."""
        return [f"[{i}] {text}" for i, text in enumerate(self.items, start=1)]


def _pp(v: float, digits: int) -> str:
    return f"{v * 100:+.1f} pp"


def _whole(v: float, digits: int) -> str:
    return fmt_large(v) if abs(v) >= 1e5 else f"{int(v):,}"


def _pct(v: float, digits: int) -> str:
    return fmt_pct(v, digits)


def _num(v: float, digits: int) -> str:
    return fmt_num(v, digits)


def _ratio(v: float, digits: int) -> str:
    return fmt_num(v, 2)


_BY_UNIT: dict[str, Callable[[float, int], str]] = {
    "fraction": _pct,
    "pp": _pp,
    "count": _whole,
    "sessions": _whole,
    "days": _whole,
    "ratio": _ratio,
}


def fmt_figure(
    f: Figure, notes: Footnotes | None = None, digits: int = 2, *, sign: bool = True
) -> str:
    """Format a figure by its unit; a missing value is ``n/a`` with its (footnoted) reason.

    ``sign=False`` drops the ``+`` of positive fractions (levels such as volatility).
    """
    if f.unit in ("text", "date"):
        return f.note if f.value is not None or f.unit == "text" else f"n/a ({f.note})"
    if f.value is None:
        reason = f.note if notes is None else notes.tag(f.note)
        return f"n/a ({reason})" if reason else "n/a"
    if f.unit == "fraction" and not sign:
        return fmt_pct(float(f.value), digits, sign=False)
    return _BY_UNIT.get(f.unit, _num)(float(f.value), digits)


def caption(result: QueryResult, *extra: str) -> str:
    """Return the lines under a table: as-of, notes, then the sources."""
    lines = [f"As of {result.as_of:%Y-%m-%d}.", *extra, *result.notes]
    lines.append("Sources: " + ", ".join(result.sources))
    return "\n".join(lines)


def print_result_table(
    table: TableData,
    *,
    drop: Sequence[str] = (),
    notes: Footnotes | None = None,
    caption_lines: Iterable[str] = (),
    digits: int = 2,
    unsigned: Collection[str] = (),
) -> None:
    """Print ``table`` without the ``drop`` columns; figures formatted, n/a footnoted.

    Figures whose id is in ``unsigned`` are shown without a ``+`` sign.
    """
    foot = notes or Footnotes()
    keep = [i for i, c in enumerate(table.columns) if c not in drop]
    rows: list[list[str]] = []
    numeric: set[int] = set()
    for row in table.rows:
        out: list[str] = []
        for j, i in enumerate(keep):
            cell = row[i]
            if cell is None:
                out.append("")
            elif isinstance(cell, str):
                out.append(cell)
            else:
                numeric.add(j)
                out.append(fmt_figure(cell, foot, digits, sign=cell.id not in unsigned))
        rows.append(out)
    lines = [*caption_lines, *(foot.lines() if notes is None else [])]
    print_table(
        rows,
        [table.columns[i] for i in keep],
        title=table.title,
        caption="\n".join(lines) or None,
        right_align=tuple(sorted(numeric)),
    )


def blank() -> None:
    """Print an empty line between tables."""
    console.print()
