"""CSV export, safe to open in a spreadsheet: one writer for every CSV capsize produces.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return or a
line feed would be run as a formula by Excel, LibreOffice or Google Sheets (CSV formula
injection); such a cell is written with a leading ``'``, which the spreadsheet shows as
text. Numbers are written as numbers (a negative figure stays ``-0.25``): only text is
quoted. Used by the web API's ``?format=csv`` and by ``capsize screen --export x.csv``.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence

__all__ = ["FORMULA_START", "csv_text", "safe_cell"]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
"""First characters that make a spreadsheet read a cell as a formula."""


def safe_cell(text: str) -> str:
    r"""Neutralise spreadsheet formulas: text starting with ``= + - @`` or a control is quoted.

    Parameters
    ----------
    text : str
        A text cell.

    Returns
    -------
    str
        ``text``, with a leading ``'`` when it starts with one of :data:`FORMULA_START`.

    Examples
    --------
    >>> safe_cell('=HYPERLINK("http://x")')
    '\'=HYPERLINK("http://x")'
    >>> safe_cell("IWM")
    'IWM'
    """
    return "'" + text if text.startswith(FORMULA_START) else text


def _value(cell: object) -> str:
    """Return a number as its shortest exact text (NaN/inf: empty), anything else as safe text."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return str(cell)
    if isinstance(cell, float):
        return repr(cell) if math.isfinite(cell) else ""
    if isinstance(cell, int):
        return str(cell)
    return safe_cell(str(cell))


def csv_text(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    r"""Return a CSV document: a header row, then ``rows``; text cells made formula-safe.

    Parameters
    ----------
    columns : sequence of str
        Header.
    rows : iterable of sequences
        Cells: numbers (written as numbers), text (made safe) or None (empty).

    Returns
    -------
    str
        CSV with ``\r\n`` line ends (RFC 4180).

    Examples
    --------
    >>> csv_text(["ticker", "pe"], [["=1+2", -1.5], ["IWM", None]]).splitlines()
    ['ticker,pe', "'=1+2,-1.5", 'IWM,']
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(str(c)) for c in columns])
    for row in rows:
        writer.writerow([_value(c) for c in row])
    return out.getvalue()
