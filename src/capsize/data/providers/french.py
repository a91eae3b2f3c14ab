"""Ken French Data Library: factor and portfolio files.

The library publishes zipped CSV files at
``https://mba.tuck.dartmouth.edu/pages/faculty/ken.french/ftp/<NAME>_CSV.zip``.
Each CSV has a free-text preamble, one or more sections (an optional indented
title line, a header line starting with ``,`` or ``Date,``, then rows keyed by
``YYYYMM``, ``YYYYMMDD`` or ``YYYY``) and a copyright footer.

:func:`parse_french_csv` is the pure parser (reused by the local importer);
:class:`FrenchFetcher` downloads, unzips and parses one file.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import pandas as pd

from capsize.errors import InputError, SchemaError

__all__ = [
    "FRENCH_BASE_URL",
    "french_section_key",
    "parse_french_csv",
]

FRENCH_BASE_URL = "https://mba.tuck.dartmouth.edu/pages/faculty/ken.french/ftp/"
MISSING_CODES: tuple[float, ...] = (-99.99, -999.0)
"""Values French uses for missing data (``-99.99`` or ``-999``)."""

_DATE_RE = re.compile(r"^(\d{4}|\d{6}|\d{8}|\d{4}-\d{2}|\d{4}-\d{2}-\d{2})$")
_EXCEL_DEC_RE = re.compile(r"^(\d+)-Dec$")


@dataclass(frozen=True)
class _Section:
    title: str
    header: list[str]
    header_line: int
    rows: list[tuple[int, list[str]]]


def _is_data(fields: list[str]) -> bool:
    return bool(fields) and _DATE_RE.match(fields[0]) is not None


def _is_header(fields: list[str]) -> bool:
    if len(fields) < 2 or fields[0].casefold() not in {"", "date"}:
        return False
    names = [f for f in fields[1:] if f]
    return bool(names) and all(not _looks_numeric(f) for f in names)


def _looks_numeric(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def _date_kind(token: str) -> str:
    if "-" in token:
        return "iso_month" if len(token) == 7 else "iso_day"
    return {4: "year", 6: "month", 8: "day"}[len(token)]


_FREQUENCY = {
    "year": "annual",
    "month": "monthly",
    "iso_month": "monthly",
    "day": "daily",
    "iso_day": "daily",
}
_FORMAT = {
    "year": "%Y",
    "month": "%Y%m",
    "iso_month": "%Y-%m",
    "day": "%Y%m%d",
    "iso_day": "%Y-%m-%d",
}


def _clean_column(name: str) -> str:
    name = name.strip()
    m = _EXCEL_DEC_RE.match(name)
    # "Dec 2" mangled by a spreadsheet into "2-Dec": restore French's own label.
    return f"Dec {m.group(1)}" if m else name


def _split_sections(lines: list[str], name: str) -> list[_Section]:
    sections: list[_Section] = []
    current: _Section | None = None
    prev_text: str | None = None  # the previous non-blank, non-table line, if directly above
    for lineno, raw in enumerate(lines, start=1):
        line = raw.rstrip()
        if not line.strip():
            current = None
            prev_text = None
            continue
        fields = [f.strip() for f in line.split(",")]
        if _is_data(fields):
            if current is None:
                raise SchemaError(
                    f"{name}: line {lineno} holds data ({line[:40]!r}) but no header line "
                    "precedes it; the file layout changed, update capsize's French parser"
                )
            current.rows.append((lineno, fields))
            continue
        if _is_header(fields):
            if current is not None:
                raise SchemaError(
                    f"{name}: line {lineno} is a second header inside one section; "
                    "the file layout changed"
                )
            title = prev_text.strip() if prev_text is not None else ""
            current = _Section(title, [_clean_column(f) for f in fields[1:]], lineno, [])
            sections.append(current)
            prev_text = None
            continue
        if current is not None:
            raise SchemaError(
                f"{name}: line {lineno} ({line[:40]!r}) interrupts the table that starts on "
                f"line {current.header_line}; the file layout changed"
            )
        prev_text = line
    return sections


def _section_frame(sec: _Section, name: str) -> pd.DataFrame:
    if not sec.rows:
        raise SchemaError(
            f"{name}: section {sec.title or '(untitled)'!r} "
            f"(header on line {sec.header_line}) has no rows"
        )
    ncol = len(sec.header)
    if sec.header[-1] == "":  # trailing comma on the header line
        ncol -= 1
    columns = sec.header[:ncol]
    if len(set(columns)) != len(columns) or "" in columns:
        raise SchemaError(
            f"{name}: header on line {sec.header_line} has empty or duplicated "
            f"column names {columns}"
        )
    kinds = {_date_kind(fields[0]) for _, fields in sec.rows}
    if len(kinds) != 1:
        raise SchemaError(
            f"{name}: section {sec.title or '(untitled)'!r} mixes date formats {sorted(kinds)}"
        )
    kind = kinds.pop()
    values: list[list[float]] = []
    for lineno, fields in sec.rows:
        cells = fields[1:]
        if len(cells) == ncol + 1 and cells[-1] == "":
            cells = cells[:-1]
        if len(cells) != ncol:
            raise SchemaError(
                f"{name}: line {lineno} has {len(cells)} values but the header on line "
                f"{sec.header_line} names {ncol} columns; the file layout changed"
            )
        row: list[float] = []
        for cell in cells:
            if cell == "":
                row.append(math.nan)
                continue
            try:
                v = float(cell)
            except ValueError:
                raise SchemaError(
                    f"{name}: line {lineno} has a non-numeric value {cell!r}"
                ) from None
            row.append(math.nan if v in MISSING_CODES else v)
        values.append(row)
    tokens = [fields[0] for _, fields in sec.rows]
    try:
        index = pd.DatetimeIndex(pd.to_datetime(tokens, format=_FORMAT[kind]))
    except ValueError as exc:
        raise SchemaError(f"{name}: unparseable date in section {sec.title!r}: {exc}") from None
    freq = _FREQUENCY[kind]
    if freq == "monthly":
        index = index + pd.offsets.MonthEnd(0)
    elif freq == "annual":
        index = index + pd.offsets.YearEnd(0)
    index.name = "date"
    if index.has_duplicates:
        raise SchemaError(f"{name}: section {sec.title!r} repeats dates")
    frame = pd.DataFrame(values, index=index, columns=columns, dtype="float64").sort_index()
    title = sec.title or freq.capitalize()
    frame.attrs["title"] = title
    frame.attrs["frequency"] = freq
    frame.attrs["key"] = french_section_key(title, freq)
    return frame


def french_section_key(title: str, frequency: str) -> str:
    """Map a section title to a short, vintage-independent key.

    Titles vary between vintages (``Value Weight Returns -- Monthly`` in 2021,
    ``Average Value Weight Returns -- Monthly`` in 2026); the key does not.

    Parameters
    ----------
    title : str
        Section title as printed (or the frequency word for untitled sections).
    frequency : str
        ``daily``, ``monthly`` or ``annual``.

    Returns
    -------
    str
        ``daily``/``monthly``/``annual`` for plain factor sections, ``vw_<freq>``
        and ``ew_<freq>`` for value- and equal-weighted portfolio returns,
        ``n_firms`` and ``avg_firm_size``; otherwise the lower-cased title.

    Examples
    --------
    >>> french_section_key("Average Equal Weighted Returns -- Monthly", "monthly")
    'ew_monthly'
    >>> french_section_key("Annual Factors: January-December", "annual")
    'annual'
    """
    t = title.casefold()
    if "number of firms" in t:
        return "n_firms"
    if "firm size" in t:
        return "avg_firm_size"
    if "value weight" in t:
        return f"vw_{frequency}"
    if "equal weight" in t:
        return f"ew_{frequency}"
    if t in {"daily", "monthly", "annual"} or "factors" in t:
        return frequency
    return t.strip()


def parse_french_csv(text: str, *, name: str = "<French CSV>") -> dict[str, pd.DataFrame]:
    r"""Parse a Ken French Data Library CSV into one frame per section.

    Parameters
    ----------
    text : str
        The CSV text (CRLF or LF, optional BOM).
    name : str, optional
        File name used in error messages.

    Returns
    -------
    dict of str to DataFrame
        Section title (stripped; untitled sections are named ``Daily``,
        ``Monthly`` or ``Annual`` after their dates) -> frame of shape
        (n_periods, n_columns), float64, values in percent as published (counts
        and average firm sizes as published). The index is a tz-naive
        ``DatetimeIndex`` named ``date`` at period end: ``YYYYMM`` -> month end,
        ``YYYY`` -> December 31, ``YYYYMMDD`` and ISO dates as given.
        ``frame.attrs`` holds ``title``, ``frequency`` and ``key`` (see
        :func:`french_section_key`). Column labels mangled by spreadsheets
        (``2-Dec``) are restored (``Dec 2``).

    Raises
    ------
    SchemaError
        If no section is found, data appears without a header, a row's width
        differs from its header, dates or values do not parse, or a section
        title repeats: the layout changed and the output would be garbage.

    Notes
    -----
    NaN policy: ``-99.99`` and ``-999`` (French's missing codes) and empty
    cells become NaN; no row is dropped.

    Examples
    --------
    >>> text = "Preamble\r\n\r\n,Mkt-RF,RF\r\n192607,2.96,0.22\r\n192608,-99.99,0.25\r\n"
    >>> frame = parse_french_csv(text)["Monthly"]
    >>> frame.index[0].date(), float(frame.loc["1926-07-31", "Mkt-RF"])
    (datetime.date(1926, 7, 31), 2.96)
    >>> bool(frame["Mkt-RF"].isna().iloc[1])
    True
    """
    if not isinstance(text, str):
        raise InputError(f"text must be str, got {type(text).__name__}; decode the file first")
    text = text.removeprefix("\ufeff")
    if text.lstrip()[:1] == "<":
        raise SchemaError(f"{name}: got an HTML/XML page, not a French data CSV")
    sections = _split_sections(text.splitlines(), name)
    if not sections:
        raise SchemaError(
            f"{name}: no data section found (expected a header line like ',Mkt-RF,SMB,...' "
            "followed by YYYYMM rows); the file layout changed or this is not a French CSV"
        )
    out: dict[str, pd.DataFrame] = {}
    for sec in sections:
        frame = _section_frame(sec, name)
        title = str(frame.attrs["title"])
        if title in out:
            raise SchemaError(f"{name}: section title {title!r} appears twice")
        out[title] = frame
    return out
