"""Report section on sources: the data used, its dates and its quality flags.

The files come from the provenance of every figure the other sections registered, so
the table lists exactly what the report used; the dates and quality counts come from
the :func:`~capsize.queries.sources.sources_of_files` query, point in time.
"""

from __future__ import annotations

import re

from capsize.queries.sources import files_of, sources_of_files
from capsize.report._inputs import Inputs, num
from capsize.report._model import Figure, Section, Table

__all__ = ["sources_section"]


_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


def _last_used(figs: tuple[Figure, ...], day: str) -> dict[str, str]:
    """File -> the latest date (on or before ``day``) in the windows of the figures citing it."""
    out: dict[str, str] = {}
    for f in figs:
        dates = [d for d in _ISO.findall(f.provenance.window) if d <= day]
        if not dates:
            continue
        end = max(dates)
        for name in files_of([f.provenance.source]):
            out[name] = max(out.get(name, end), end)
    return out


def sources_section(inp: Inputs) -> Section:
    """List the data used (source, first date, last date used), quality flags up to the report day."""
    files = files_of(f.provenance.source for f in inp.book.all())
    res = inp.session.cached(
        ("q", "sources_of_files", tuple(files)), lambda: sources_of_files(inp.session, None, files)
    )
    table = res.table("sources")
    used = _last_used(inp.book.all(), inp.day)
    figs: dict[str, Figure] = {}
    rows: list[tuple[Figure | str, ...]] = []
    for row in table.rows:
        cells: list[Figure | str] = []
        for cell in row:
            if isinstance(cell, str) or cell is None:
                cells.append(cell or "")
                continue
            fig = inp.book.adopt(cell, num("n/a", 0), fid=f"quality.{cell.id}")
            figs[cell.id] = fig
            cells.append(fig)
        if isinstance(row[1], str) and row[1] in used:  # the windows say which rows were used
            cells[4] = min(str(cells[4]), used[row[1]]) if cells[4] else used[row[1]]
        rows.append(tuple(cells))
    caption = (
        "Last date used: the latest date in the windows of the figures that cite the file (else "
        "the file's latest row on or before the report day). Quality findings "
        "come from the checks run when the data were imported (gaps, stale values, jumps); only "
        "findings dated on or before the report day are counted."
    )
    t = Table(table.columns, tuple(rows), caption)
    return Section("sources", "Sources and method", figures=figs, tables=(t,), notes=res.notes[1:])
