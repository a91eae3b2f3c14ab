"""Show query answers in the report: adopt figures and tables, formatted by unit.

Internal module of the drivers sections (rates, flows). Every number comes from a query
figure, registered with :meth:`FigureBook.adopt` so its value and provenance are the
query's; a missing value shows as ``n/a (the query's reason)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from capsize._format import fmt_money
from capsize.report._inputs import num, pct, pp
from capsize.report._model import Table

if TYPE_CHECKING:
    from capsize.queries.result import Figure as QueryFigure
    from capsize.queries.result import TableData
    from capsize.report._model import Figure, FigureBook

__all__ = ["adopt", "adopt_table", "unit_format"]

Fmt = Callable[[float | int | None], str]


def _date_text(note: str) -> Fmt:
    return lambda v: note if v is not None else "n/a"


def unit_format(qfig: QueryFigure) -> Fmt:
    """Return the report's formatter for a query figure, chosen by its unit."""
    unit, fid = qfig.unit, qfig.id
    if unit in ("date", "text"):
        return _date_text(qfig.note)
    if unit == "fraction":
        share = ".hit_" in fid or fid.startswith("dominance.")
        return pct("", 0 if ".hit_" in fid else 1, sign=not share)  # type: ignore[no-any-return]
    table: dict[str, Fmt] = {
        "percent": num("", 2, suffix="%"),
        "bp": num("", 0, sign=True, suffix=" bp"),
        "ratio": num("", 2, sign=True),
        "pp": pp(""),
        "count": num("", 0),
        "usd": lambda v: fmt_money(v, compact=True),
    }
    fmt: Fmt = table.get(unit) or num("", 2)
    return fmt


def adopt(book: FigureBook, qfig: QueryFigure, prefix: str) -> Figure:
    """Register ``qfig`` as the report figure ``<prefix>.<query id>`` (value, provenance kept)."""
    return book.adopt(qfig, unit_format(qfig), fid=f"{prefix}.{qfig.id}")


def adopt_table(
    book: FigureBook,
    table: TableData,
    prefix: str,
    *,
    caption: str = "",
    columns: Sequence[int] | None = None,
    highlight: Callable[[tuple[object, ...]], bool] | None = None,
) -> Table:
    """Turn a query table into a report table, adopting every figure cell.

    Parameters
    ----------
    book : FigureBook
        The report's figure book.
    table : TableData
        The query's table.
    prefix : str
        Report id prefix (``"rates"``): a cell ``X`` becomes the report figure ``rates.X``.
    caption : str
        Caption under the table.
    columns : sequence of int, optional
        Columns to show (default all).
    highlight : callable, optional
        Rows for which it returns True are emphasised.
    """
    from capsize.queries.result import Figure as QFig

    keep = list(range(len(table.columns))) if columns is None else list(columns)
    rows: list[tuple[Figure | str, ...]] = []
    marks: list[int] = []
    for i, row in enumerate(table.rows):
        cells: list[Figure | str] = []
        for j in keep:
            c = row[j]
            cells.append(
                adopt(book, c, prefix) if isinstance(c, QFig) else ("" if c is None else str(c))
            )
        rows.append(tuple(cells))
        if highlight is not None and highlight(row):
            marks.append(i)
    return Table(tuple(table.columns[j] for j in keep), tuple(rows), caption, tuple(marks))
