"""Report section on sources: the data used, its dates and its quality flags.

The files come from the provenance of every figure the other sections registered, so
the table lists exactly what the report used; the dates and quality counts come from
the :func:`~capsize.queries.sources.sources_of_files` query, point in time.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from capsize.errors import CapsizeError
from capsize.queries.result import QueryResult
from capsize.queries.sources import files_of, sources_of_files
from capsize.report._inputs import Inputs, num
from capsize.report._model import Figure, Section, Table

__all__ = ["sources_section"]


_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


def _last_used(figs: tuple[Figure, ...], day: str) -> dict[str, str]:
    """File -> the latest date (on or before ``day``) in the windows of the figures citing it.

    A figure citing several files (a total score over many inputs) says nothing about each
    file's own last date: it counts only for a file that no single-file figure cites.
    """
    single: dict[str, str] = {}
    shared: dict[str, str] = {}
    for f in figs:
        dates = [d for d in _ISO.findall(f.provenance.window) if d <= day]
        if not dates:
            continue
        end = max(dates)
        names = files_of([f.provenance.source])
        into = single if len(names) == 1 else shared
        for name in names:
            into[name] = max(into.get(name, end), end)
    return {**shared, **single}


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
    rules = _rules_table(inp)
    tables = (t,) if rules is None else (t, rules)
    notes = tuple(_method_notes(inp))  # shown with the report's method notes
    return Section("sources", "Sources and method", figures=figs, tables=tables, notes=notes)


def _rules_table(inp: Inputs) -> Table | None:
    """Tabulate the rating card's scoring rules: each component's thresholds, in its unit."""
    from capsize.report.sections.rating import reading_format, reading_words, rotation_answer

    try:
        r = rotation_answer(inp)
    except CapsizeError:
        return None
    rows: list[tuple[Figure | str, ...]] = []
    for c in r.components:
        fmt = reading_format(c.name)
        t = [
            inp.book.adopt(x, fmt, fid=f"rating.{c.name}.threshold.{i}")
            for i, x in enumerate(c.thresholds, start=1)
        ]
        side = "small caps" if c.higher_favours_small else "large caps"
        rows.append((c.label, reading_words(c), *t, side))
    return Table(
        ("Component", "Reading", "t1", "t2", "t3", "t4", "Higher reading favours"),
        tuple(rows),
        "Rating card rules: a reading under t1 scores minus two, under t2 minus one, up to t3 "
        "zero, up to t4 plus one, above t4 plus two when a higher reading favours small caps "
        "(signs reversed when it favours large caps). The total is the weighted mean of the "
        "assessed components. " + f"Weights: {r.weights_origin}.",
    )


_METHOD_PREFIXES = ("Flow estimate:", "French data count")


def _method_notes(inp: Inputs) -> list[str]:
    """Formulas and how-to notes of the queries the sections rendered (kept out of their text)."""
    out = [
        "Stale or missing data: refresh the store with 'capsize data update' (or import a "
        "folder with 'capsize data import DIR'); flows of other funds can be added from SEC "
        "N-PORT filings with 'capsize flows --nport FUND=CIK'."
    ]
    from capsize.queries import flows
    from capsize.report.sections.rating import rotation_answer

    asked: list[Callable[[], QueryResult]] = [
        lambda: inp.session.cached(("q", "flows"), lambda: flows(inp.session)),
        lambda: rotation_answer(inp),
    ]
    for ask in asked:
        try:
            res = ask()
        except CapsizeError:  # the section says what is missing
            continue
        out += [n for n in res.notes if n.startswith(_METHOD_PREFIXES)]
    return out
