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

import io
import math
import re
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from capsize.data.providers._base import ProviderResult
from capsize.data.providers._http import (
    HttpFetcher,
    Payload,
    get_bytes,
    reject_unknown,
)
from capsize.errors import InputError, ProviderError, SchemaError

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Mapping


__all__ = [
    "FRENCH_BASE_URL",
    "FRENCH_DATASETS",
    "FrenchDataset",
    "FrenchFetcher",
    "FrenchQuery",
    "french_section_key",
    "normalize_french_column",
    "parse_french_csv",
    "unzip_single_csv",
]

PROVIDER = "french"
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


def normalize_french_column(name: str) -> str:
    """Return French's own label for a column name (strip, undo spreadsheet mangling).

    Spreadsheets turn the decile label ``Dec 2`` into a date, saved back as
    ``2-Dec``; the library itself writes ``Dec 2``.

    Parameters
    ----------
    name : str
        Column name as found in a file.

    Returns
    -------
    str

    Examples
    --------
    >>> normalize_french_column(" 2-Dec"), normalize_french_column("Mom   ")
    ('Dec 2', 'Mom')
    """
    name = name.strip()
    m = _EXCEL_DEC_RE.match(name)
    return f"Dec {m.group(1)}" if m else name


_clean_column = normalize_french_column


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


def _section_columns(sec: _Section, name: str) -> list[str]:
    """Return the column names (without the empty one a trailing comma adds)."""
    if not sec.rows:
        raise SchemaError(
            f"{name}: section {sec.title or '(untitled)'!r} "
            f"(header on line {sec.header_line}) has no rows"
        )
    columns = sec.header[:-1] if sec.header[-1] == "" else sec.header
    if len(set(columns)) != len(columns) or "" in columns:
        raise SchemaError(
            f"{name}: header on line {sec.header_line} has empty or duplicated "
            f"column names {columns}"
        )
    return columns


def _cell(cell: str, name: str, lineno: int) -> float:
    if cell == "":
        return math.nan
    try:
        v = float(cell)
    except ValueError:
        raise SchemaError(f"{name}: line {lineno} has a non-numeric value {cell!r}") from None
    return math.nan if v in MISSING_CODES else v


def _section_values(sec: _Section, ncol: int, name: str) -> list[list[float]]:
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
        values.append([_cell(cell, name, lineno) for cell in cells])
    return values


def _section_index(sec: _Section, name: str) -> tuple[pd.DatetimeIndex, str]:
    """Return the period-end dates of the rows, and the frequency."""
    kinds = {_date_kind(fields[0]) for _, fields in sec.rows}
    if len(kinds) != 1:
        raise SchemaError(
            f"{name}: section {sec.title or '(untitled)'!r} mixes date formats {sorted(kinds)}"
        )
    kind = kinds.pop()
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
    return index, freq


def _section_frame(sec: _Section, name: str) -> pd.DataFrame:
    columns = _section_columns(sec, name)
    values = _section_values(sec, len(columns), name)
    index, freq = _section_index(sec, name)
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


@dataclass(frozen=True)
class FrenchDataset:
    """A known French Data Library dataset.

    Attributes
    ----------
    name : str
        capsize dataset name (``FF3``, ``FF5_2x3``, ``Momentum``, ``ME_portfolios``).
    files : Mapping[str, str]
        ``daily``/``monthly`` -> file stem on the library (``<stem>_CSV.zip``).
    required_columns : tuple of str
        Columns the first section must have; otherwise the layout changed.
    """

    name: str
    files: Mapping[str, str]
    required_columns: tuple[str, ...]


FRENCH_DATASETS: Mapping[str, FrenchDataset] = {
    d.name: d
    for d in (
        FrenchDataset(
            "FF3",
            {"monthly": "F-F_Research_Data_Factors", "daily": "F-F_Research_Data_Factors_daily"},
            ("Mkt-RF", "SMB", "HML", "RF"),
        ),
        FrenchDataset(
            "FF5_2x3",
            {
                "monthly": "F-F_Research_Data_5_Factors_2x3",
                "daily": "F-F_Research_Data_5_Factors_2x3_daily",
            },
            ("Mkt-RF", "SMB", "HML", "RMW", "CMA", "RF"),
        ),
        FrenchDataset(
            "Momentum",
            {"monthly": "F-F_Momentum_Factor", "daily": "F-F_Momentum_Factor_daily"},
            ("Mom",),
        ),
        FrenchDataset(
            "ME_portfolios",
            {"monthly": "Portfolios_Formed_on_ME", "daily": "Portfolios_Formed_on_ME_daily"},
            ("Lo 30", "Med 40", "Hi 30", "Lo 20", "Hi 20", "Lo 10", "Hi 10"),
        ),
    )
}
"""Datasets capsize knows, by name."""

_ME_KEYS = {
    "vw": "ME_portfolios_VW",
    "ew": "ME_portfolios_EW",
    "n_firms": "ME_portfolios_nfirms",
    "avg_firm_size": "ME_portfolios_avgsize",
}


@dataclass(frozen=True)
class FrenchQuery:
    """A validated French library request.

    Attributes
    ----------
    dataset : FrenchDataset
        What to download.
    frequency : str
        ``monthly`` (the file also holds annual sections) or ``daily``.
    """

    dataset: FrenchDataset
    frequency: str

    @property
    def file(self) -> str:
        """File stem on the library."""
        return self.dataset.files[self.frequency]

    @property
    def url(self) -> str:
        """Address of the zip archive."""
        return f"{FRENCH_BASE_URL}{self.file}_CSV.zip"


def _result_key(dataset: str, section_key: str) -> str:
    if dataset != "ME_portfolios":
        return dataset
    prefix = section_key.split("_")[0] if section_key[:3] in {"vw_", "ew_"} else section_key
    return _ME_KEYS.get(prefix, f"ME_portfolios:{section_key}")


def unzip_single_csv(body: bytes, *, name: str) -> tuple[str, str]:
    """Return ``(member name, text)`` of the one CSV inside a French zip archive.

    Parameters
    ----------
    body : bytes
        The zip archive.
    name : str
        Archive name or URL for messages.

    Returns
    -------
    tuple of (str, str)

    Raises
    ------
    ProviderError
        If the archive is corrupt (e.g. truncated download).
    SchemaError
        If it does not hold exactly one CSV.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as zf:
            members = [m for m in zf.namelist() if m.lower().endswith((".csv", ".txt"))]
            if len(members) != 1:
                raise SchemaError(f"{name}: expected one CSV in the archive, found {zf.namelist()}")
            data = zf.read(members[0])
    except (zipfile.BadZipFile, EOFError) as exc:
        raise ProviderError(
            f"{name}: corrupt or truncated zip archive ({exc}); download it again",
            provider=PROVIDER,
        ) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
    return members[0], text


class FrenchFetcher(HttpFetcher[FrenchQuery, Payload]):
    """Download and parse a Ken French Data Library file.

    Parameters
    ----------
    client : httpx.Client, optional
        Injected client; defaults to :func:`~capsize.data.providers._http.make_client`.
    clock : callable, optional
        Current UTC time for ``retrieved_at``.
    settings : Settings, optional
        Used only to build the default client.

    Notes
    -----
    Parameters: ``dataset`` (one of :data:`FRENCH_DATASETS`: ``FF3``,
    ``FF5_2x3``, ``Momentum``, ``ME_portfolios``) and ``frequency``
    (``monthly``, default, or ``daily``). Results: dataset ``factors``, one per
    section; key ``FF3``/``FF5_2x3``/``Momentum`` or, for size portfolios,
    ``ME_portfolios_VW``, ``ME_portfolios_EW``, ``ME_portfolios_nfirms``,
    ``ME_portfolios_avgsize``; ``meta["frequency"]`` in {daily, monthly,
    annual}, ``meta["title"]`` the section title, ``meta["file"]``. Values
    are in percent as published, ``-99.99``/``-999`` already NaN.

    Examples
    --------
    >>> FrenchFetcher().transform_query({"dataset": "FF3", "frequency": "daily"}).url
    'https://mba.tuck.dartmouth.edu/pages/faculty/ken.french/ftp/F-F_Research_Data_Factors_daily_CSV.zip'
    """

    provider = PROVIDER
    cache_ttl = 86400.0  # the library is revised monthly: a day

    def transform_query(self, params: Mapping[str, Any]) -> FrenchQuery:
        """Validate ``dataset`` and ``frequency``."""
        reject_unknown(params, {"dataset", "frequency"}, fetcher="FrenchFetcher")
        name = params.get("dataset")
        if not isinstance(name, str) or name not in FRENCH_DATASETS:
            raise InputError(f"dataset={name!r} is not one of {sorted(FRENCH_DATASETS)}")
        freq = params.get("frequency", "monthly")
        ds = FRENCH_DATASETS[name]
        if freq not in ds.files:
            raise InputError(f"frequency={freq!r} must be one of {sorted(ds.files)}")
        return FrenchQuery(ds, str(freq))

    def extract(self, query: FrenchQuery) -> Payload:
        """Download the zip archive (HTML or non-zip bodies raise)."""
        return get_bytes(
            self.client,
            query.url,
            provider=PROVIDER,
            what=f"Ken French file {query.file}",
            zip_archive=True,
            not_found=f"the French library has no file {query.file}_CSV.zip",
            cache_ttl=self.cache_ttl,
        )

    def transform(
        self, query: FrenchQuery, raw: Payload, *, retrieved_at: dt.datetime
    ) -> list[ProviderResult]:
        """Unzip, parse and check the expected columns."""
        member, text = unzip_single_csv(raw.body, name=raw.url)
        sections = parse_french_csv(text, name=member)
        first = next(iter(sections.values()))
        lacking = [c for c in query.dataset.required_columns if c not in first.columns]
        if lacking:
            raise SchemaError(
                f"{member}: first section lacks columns {lacking} (got {list(first.columns)}); "
                "the French file layout changed"
            )
        results: list[ProviderResult] = []
        for title, frame in sections.items():
            key = _result_key(query.dataset.name, str(frame.attrs["key"]))
            meta = {
                "dataset": query.dataset.name,
                "frequency": frame.attrs["frequency"],
                "title": title,
                "file": member,
                "first_date": frame.index[0].date(),
                "last_date": frame.index[-1].date(),
                "cached": raw.cached,
            }
            results.append(
                ProviderResult("factors", key, frame, f"{PROVIDER} {raw.url}", retrieved_at, meta)
            )
        return results
