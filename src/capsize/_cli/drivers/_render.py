"""Print query results as tables: every number is a query figure, formatted by its unit.

Private to :mod:`capsize._cli.drivers`; imports of pandas-backed modules stay inside the
functions so that ``capsize --help`` does not load them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from capsize.queries.result import Figure, QueryResult, TableData

__all__ = ["cell_text", "emit_result", "fig_text", "print_footer", "print_result_table"]


def _unit_formatters() -> dict[str, Callable[[float], str]]:
    from capsize._format import fmt_money, fmt_num, fmt_pct

    return {
        "fraction": lambda v: fmt_pct(v, 1),
        "pp": lambda v: f"{v * 100:+.2f} pp",
        "usd": lambda v: fmt_money(v, compact=True),
        "percent": lambda v: f"{v:.2f}%",
        "bp": lambda v: f"{v:+.0f} bp",
        "count": lambda v: f"{int(v):,}",
        "ratio": lambda v: fmt_num(v, 2, sign=True),
        "level": lambda v: fmt_num(v, 2),
        "score": lambda v: fmt_num(v, 2, sign=True),
        "days": lambda v: f"{int(v):,} days",
        "sessions": lambda v: f"{int(v):,} sessions",
    }


_UNSIGNED = (".hit_", "dominance.", "_share")
"""Figure ids of shares (hit rates, market-cap shares): shown without a + sign."""


def fig_text(fig: Figure) -> str:
    """Format one figure by its unit; a missing value is ``n/a (why)``."""
    if fig.unit in ("date", "text"):
        return fig.note or "n/a"
    if fig.value is None:
        return f"n/a ({fig.note})" if fig.note else "n/a"
    if fig.unit == "fraction" and any(k in fig.id for k in _UNSIGNED):
        from capsize._format import fmt_pct

        return fmt_pct(float(fig.value), 1, sign=False)
    fmt = _unit_formatters().get(fig.unit)
    return fmt(float(fig.value)) if fmt is not None else str(fig.value)


def cell_text(cell: Any) -> str:
    """Format a table cell: a figure by its unit, a label as is, empty as ``-``.

    Plain text: :func:`capsize._cli._common.print_table` shows it literally.
    """
    from capsize.queries.result import Figure

    if isinstance(cell, Figure):
        return fig_text(cell)
    return "-" if cell is None else str(cell)


def print_result_table(
    table: TableData,
    *,
    caption: str | None = None,
    title: str | None = None,
    columns: Sequence[int] | None = None,
) -> None:
    """Print a result table (optionally a subset of its columns), numbers right-aligned."""
    from capsize._cli._common import print_table
    from capsize.queries.result import Figure

    keep = list(range(len(table.columns))) if columns is None else list(columns)
    rows = [[cell_text(r[i]) for i in keep] for r in table.rows]
    numeric = [j for j, i in enumerate(keep) if any(isinstance(r[i], Figure) for r in table.rows)]
    print_table(
        rows,
        [table.columns[i] for i in keep],
        title=title or table.title,
        caption=caption,
        right_align=numeric,
    )


def print_footer(result: QueryResult, *, skip: Sequence[str] = ()) -> None:
    """Print the notes (except those starting with a ``skip`` prefix), as-of and sources."""
    from capsize._cli._common import console

    for note in result.notes:
        if not any(note.startswith(p) for p in skip):
            console.print(f"note: {note}", highlight=False, markup=False)
    day = result.to_dict()["as_of"] or "n/a"
    console.print(
        f"as of {day}; sources: {'; '.join(result.sources)}", highlight=False, markup=False
    )


def emit_result(result: QueryResult, extra: dict[str, Any] | None = None) -> None:
    """Print ``result.to_dict()`` as JSON (``extra`` keys added at the top level)."""
    from capsize._cli._common import emit_json

    out = result.to_dict()
    out.update(extra or {})
    emit_json(out)
