"""Typed, immutable answers of the query layer, with provenance on every figure.

A query answers one user question (a scoreboard, breadth, a rating card, ...) as a
:class:`QueryResult`: named :class:`Figure` values, :class:`TableData` tables whose
numeric cells are figures, :class:`SeriesData` time series for charts, and plain-text
notes. Every figure carries a :class:`Provenance` (source, symbols, window, as-of,
formula). Front ends (CLI, report, web, fact-checker) format and render results; they
never compute a figure themselves.

Serialised form (``QueryResult.to_dict()``, schema :data:`SCHEMA_VERSION`)::

    {
      "schema": "capsize.query/1",
      "query": "breadth",
      "as_of": "2025-06-26",            # the answer's as-of: the last date any figure uses
      "requested_as_of": "2025-06-26",  # what was asked (null: latest)
      "sources": ["universe/*.csv", "holdings/IWM_membership_history_major-index-etfs.csv"],
      "params": {...},                  # the question's parameters, JSON-ready
      "figures": {"<id>": {"value": 0.736, "unit": "fraction", "label": "...",
                           "note": "", "provenance": {"source", "symbols", "window",
                           "as_of", "formula"}}},
      "tables": {"<name>": {"title", "columns": [...], "rows": [[cell, ...]]}},
                                        # a numeric cell is {"figure": "<id>"}
      "series": {"<name>": {"label", "unit", "dates": [...], "values": [...],
                            "provenance": {...}}},
      "notes": ["..."]
    }

Units: ``fraction`` (0.05 = 5 %), ``pp`` (a spread of fractions, 0.05 = 5 pp),
``ratio``, ``count``, ``usd``, ``percent`` (already in percent, e.g. yields), ``bp``,
``level`` (index or price level), ``days``, ``sessions``, ``score``, ``date`` (value is
an ordinal day number; ``note`` holds the ISO date), ``text`` (``value`` is None,
``note`` holds the text).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal, TypeAlias

import pandas as pd

from capsize.errors import InputError

__all__ = [
    "SCHEMA_VERSION",
    "Cell",
    "Figure",
    "FigureSet",
    "Provenance",
    "QueryResult",
    "SeriesData",
    "TableData",
    "Unit",
    "iso",
]

SCHEMA_VERSION = "capsize.query/1"
"""Version tag of the serialised result; bumped on any incompatible change."""

Unit = Literal[
    "fraction",
    "pp",
    "ratio",
    "count",
    "usd",
    "percent",
    "bp",
    "level",
    "days",
    "sessions",
    "score",
    "date",
    "text",
]


def iso(day: object | None) -> str | None:
    """Return ``day`` as ``YYYY-MM-DD`` (None stays None)."""
    if day is None:
        return None
    ts = pd.Timestamp(str(day)) if not isinstance(day, pd.Timestamp) else day
    if pd.isna(ts):
        return None
    return ts.strftime("%Y-%m-%d")


def _clean(value: Any) -> Any:
    """Turn numpy scalars, NaN/inf and timestamps into JSON-ready values."""
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, pd.Timestamp):
        return iso(value)
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return value


@dataclass(frozen=True)
class Provenance:
    """Where a figure comes from.

    Attributes
    ----------
    source : str
        Data source(s): store files or provider, ``"; "``-joined, or ``"capsize rule"``
        for a threshold.
    symbols : tuple of str
        Symbols or series used.
    window : str
        Dates used, e.g. ``"2024-12-31..2025-10-08"``.
    as_of : str
        The as-of date (ISO) of the answer; no data dated after it was read.
    formula : str
        The computation, in words or symbols (``"total return = end/base - 1"``).
    """

    source: str
    symbols: tuple[str, ...]
    window: str
    as_of: str
    formula: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "source": self.source,
            "symbols": list(self.symbols),
            "window": self.window,
            "as_of": self.as_of,
            "formula": self.formula,
        }


@dataclass(frozen=True)
class Figure:
    """One number of an answer, with its unit and provenance.

    Attributes
    ----------
    id : str
        Unique within the result (``"IWM.YTD.total"``).
    value : float, int or None
        The value; None when not available (``note`` says why).
    unit : Unit
        How to read ``value`` (see the module docstring).
    label : str
        What it is, in words.
    provenance : Provenance
        Where it comes from.
    note : str
        Why the value is missing, or a short qualifier ("estimate"); "" otherwise.
    """

    id: str
    value: float | int | None
    unit: Unit
    label: str
    provenance: Provenance
    note: str = ""

    def __post_init__(self) -> None:
        v = self.value
        if v is not None and not isinstance(v, int):
            fv = float(v)
            object.__setattr__(self, "value", fv if math.isfinite(fv) else None)

    @property
    def available(self) -> bool:
        """True when the value is a finite number."""
        return self.value is not None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (the id is the key it is stored under)."""
        return {
            "value": _clean(self.value),
            "unit": self.unit,
            "label": self.label,
            "note": self.note,
            "provenance": self.provenance.to_dict(),
        }


Cell: TypeAlias = "Figure | str | None"


@dataclass(frozen=True)
class TableData:
    """A table of an answer: text labels and figures.

    Attributes
    ----------
    name : str
        Key of the table in the result.
    title : str
        What the table shows.
    columns : tuple of str
        Column headers.
    rows : tuple of tuple of Cell
        Cells: a :class:`Figure` (numbers), a string (labels, dates) or None (empty).
    """

    name: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(
                    f"table {self.name}: row of {len(row)} cells, {len(self.columns)} columns"
                )

    def figures(self) -> Iterable[Figure]:
        """Every figure in the table, row by row."""
        for row in self.rows:
            yield from (c for c in row if isinstance(c, Figure))

    def to_frame(self) -> pd.DataFrame:
        """Return the table with figures replaced by their values."""
        data = [[c.value if isinstance(c, Figure) else c for c in row] for row in self.rows]
        return pd.DataFrame(data, columns=list(self.columns))

    def to_csv(self) -> str:
        """Return the table as CSV: figures as plain numbers, text cells formula-safe.

        See :func:`capsize._csv_export.csv_text` (the one CSV writer of capsize).
        """
        from capsize._csv_export import csv_text

        return csv_text(
            self.columns,
            ([c.value if isinstance(c, Figure) else c for c in row] for row in self.rows),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict; a figure cell is ``{"figure": id}``."""
        return {
            "title": self.title,
            "columns": list(self.columns),
            "rows": [
                [{"figure": c.id} if isinstance(c, Figure) else c for c in row] for row in self.rows
            ],
        }


@dataclass(frozen=True)
class SeriesData:
    """A dated series of an answer (for charts), with its provenance.

    Attributes
    ----------
    name : str
        Key of the series in the result.
    label : str
        What it is.
    unit : Unit
        How to read the values.
    dates : tuple of str
        ISO dates, ascending.
    values : tuple of float
        Values (NaN: a gap).
    provenance : Provenance
        Where it comes from.
    """

    name: str
    label: str
    unit: Unit
    dates: tuple[str, ...]
    values: tuple[float, ...]
    provenance: Provenance

    @classmethod
    def from_series(
        cls, name: str, label: str, unit: Unit, s: pd.Series, provenance: Provenance
    ) -> SeriesData:
        """Build from a date-indexed pandas series."""
        idx = pd.DatetimeIndex(s.index)
        return cls(
            name,
            label,
            unit,
            tuple(idx.strftime("%Y-%m-%d")),
            tuple(float(v) for v in s.to_numpy(dtype=float)),
            provenance,
        )

    def to_series(self) -> pd.Series:
        """Return a float series on a tz-naive DatetimeIndex named ``date``."""
        idx = pd.DatetimeIndex(pd.to_datetime(list(self.dates)), name="date")
        return pd.Series(self.values, index=idx, name=self.name, dtype=float)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "label": self.label,
            "unit": self.unit,
            "dates": list(self.dates),
            "values": [_clean(v) for v in self.values],
            "provenance": self.provenance.to_dict(),
        }


def _frozen(mapping: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class QueryResult:
    """The answer to one question, point in time, with provenance on every figure.

    Subclasses may add typed attributes; every number a front end shows must also be
    a figure (directly or in a table) so that it serialises with its provenance.

    Attributes
    ----------
    query : str
        Name of the question (``"breadth"``).
    as_of : Timestamp
        The answer's as-of date: the end of its window, never after the request.
    requested_as_of : Timestamp or None
        The as-of date asked for (None: the latest data).
    params : mapping
        The question's parameters (JSON-ready values).
    figures : mapping of str to Figure
        Named figures.
    tables : tuple of TableData
    series : tuple of SeriesData
    notes : tuple of str
        Plain-text notes for the reader (staleness, caveats, rules applied).
    sources : tuple of str
        Every source behind the answer.
    """

    query: str
    as_of: pd.Timestamp
    requested_as_of: pd.Timestamp | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    figures: Mapping[str, Figure] = field(default_factory=dict)
    tables: tuple[TableData, ...] = ()
    series: tuple[SeriesData, ...] = ()
    notes: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", _frozen(self.params))
        object.__setattr__(self, "figures", _frozen(self.figures))
        for fid, fig in self.figures.items():
            if fid != fig.id:
                raise ValueError(f"figure stored as {fid!r} has id {fig.id!r}")

    # ------------------------------------------------------------------ access
    def fig(self, fid: str) -> Figure:
        """Return the figure ``fid`` (also looked up in tables).

        Raises
        ------
        InputError
            When the result has no such figure.
        """
        found = self.figures.get(fid)
        if found is not None:
            return found
        for f in self.all_figures():
            if f.id == fid:
                return f
        raise InputError(f"{self.query}: no figure {fid!r}; known: {', '.join(self.figures)}")

    def value(self, fid: str) -> float | int | None:
        """Shortcut for ``fig(fid).value``."""
        return self.fig(fid).value

    def table(self, name: str) -> TableData:
        """Return the table ``name``."""
        for t in self.tables:
            if t.name == name:
                return t
        raise InputError(f"{self.query}: no table {name!r}")

    def get_series(self, name: str) -> SeriesData:
        """Return the series ``name``."""
        for s in self.series:
            if s.name == name:
                return s
        raise InputError(f"{self.query}: no series {name!r}")

    def all_figures(self) -> tuple[Figure, ...]:
        """Named figures then table figures, each id once, in order."""
        out: dict[str, Figure] = dict(self.figures)
        for t in self.tables:
            for f in t.figures():
                out.setdefault(f.id, f)
        return tuple(out.values())

    # ------------------------------------------------------------------ export
    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready form documented in :mod:`capsize.queries.result`."""
        return {
            "schema": SCHEMA_VERSION,
            "query": self.query,
            "as_of": iso(self.as_of),
            "requested_as_of": iso(self.requested_as_of),
            "sources": list(self.sources),
            "params": _clean(dict(self.params)),
            "figures": {f.id: f.to_dict() for f in self.all_figures()},
            "tables": {t.name: t.to_dict() for t in self.tables},
            "series": {s.name: s.to_dict() for s in self.series},
            "notes": list(self.notes),
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per figure: id, value, unit, label, note and the provenance fields."""
        rows = [
            {
                "id": f.id,
                "value": f.value,
                "unit": f.unit,
                "label": f.label,
                "note": f.note,
                "source": f.provenance.source,
                "symbols": " ".join(f.provenance.symbols),
                "window": f.provenance.window,
                "as_of": f.provenance.as_of,
                "formula": f.provenance.formula,
            }
            for f in self.all_figures()
        ]
        cols = [
            "id",
            "value",
            "unit",
            "label",
            "note",
            "source",
            "symbols",
            "window",
            "as_of",
            "formula",
        ]
        return pd.DataFrame(rows, columns=cols).set_index("id")


class FigureSet:
    """Collects the figures of one answer, all stamped with the answer's as-of date.

    Parameters
    ----------
    as_of : date-like
        The answer's as-of date (ISO text or Timestamp).

    Examples
    --------
    >>> fs = FigureSet("2025-10-08")
    >>> f = fs.add("IWM.YTD", 0.1254, "fraction", "IWM total return YTD", source="prices/IWM.csv",
    ...            symbols=("IWM",), window="2024-12-31..2025-10-08", formula="end/base - 1")
    >>> f.provenance.as_of, fs["IWM.YTD"].value
    ('2025-10-08', 0.1254)
    """

    def __init__(self, as_of: object) -> None:
        self.as_of = iso(as_of) or ""
        self._figs: dict[str, Figure] = {}

    def add(
        self,
        fid: str,
        value: float | int | None,
        unit: Unit,
        label: str,
        *,
        source: str,
        symbols: Iterable[str] = (),
        window: str = "",
        formula: str = "",
        note: str = "",
    ) -> Figure:
        """Create the figure ``fid`` and keep it (an id can be added only once).

        Raises
        ------
        ValueError
            When ``fid`` was added before (a programming error).
        """
        if fid in self._figs:
            raise ValueError(f"figure {fid!r} added twice")
        fig = Figure(
            fid,
            value,
            unit,
            label,
            Provenance(source, tuple(symbols), window, self.as_of, formula),
            note,
        )
        self._figs[fid] = fig
        return fig

    def __getitem__(self, fid: str) -> Figure:
        return self._figs[fid]

    def __contains__(self, fid: object) -> bool:
        return fid in self._figs

    def mapping(self) -> dict[str, Figure]:
        """Return the figures by id, in the order added."""
        return dict(self._figs)
