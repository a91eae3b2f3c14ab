"""Pydantic models of the API's JSON, for the OpenAPI document and request bodies.

:class:`QueryAnswer` mirrors ``QueryResult.to_dict()`` (schema ``capsize.query/1``,
documented in :mod:`capsize.queries.result`): the endpoints send the query's own dict,
and this model only describes it (schemathesis checks every response against it).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from capsize.queries.result import Unit
from capsize.queries.watchlists import MAX_NAME_CHARS, MAX_NOTE_CHARS, MAX_SYMBOLS

__all__ = [
    "ErrorBody",
    "ErrorDetail",
    "FigureModel",
    "FigureRef",
    "ProvenanceModel",
    "QueryAnswer",
    "QueryInfo",
    "SeriesModel",
    "TableModel",
    "WatchlistIn",
    "WatchlistOut",
]

UnitName = Unit
"""The query layer's units (one list: :data:`capsize.queries.result.Unit`)."""


class ProvenanceModel(BaseModel):
    """Where a figure comes from."""

    source: str
    symbols: list[str]
    window: str
    as_of: str
    formula: str


class FigureModel(BaseModel):
    """One number with its unit and provenance (``value`` null: not available, see ``note``)."""

    value: float | int | None
    unit: UnitName
    label: str
    note: str
    provenance: ProvenanceModel


class FigureRef(BaseModel):
    """A numeric table cell: the id of a figure in ``figures``."""

    model_config = ConfigDict(extra="forbid")
    figure: str


class TableModel(BaseModel):
    """A table: text cells, figure references or null."""

    title: str
    columns: list[str]
    rows: list[list[FigureRef | str | None]]


class SeriesModel(BaseModel):
    """A dated series for charts (a null value is a gap)."""

    label: str
    unit: UnitName
    dates: list[str]
    values: list[float | None]
    provenance: ProvenanceModel


class QueryAnswer(BaseModel):
    """The answer to one question: ``QueryResult.to_dict()``."""

    model_config = ConfigDict(populate_by_name=True)
    schema_: Literal["capsize.query/1"] = Field(alias="schema")
    query: str
    as_of: str | None
    requested_as_of: str | None
    sources: list[str]
    params: dict[str, Any]
    figures: dict[str, FigureModel]
    tables: dict[str, TableModel]
    series: dict[str, SeriesModel]
    notes: list[str]


class ErrorDetail(BaseModel):
    """What went wrong, in one line, and a stable code."""

    code: str
    message: str


class ErrorBody(BaseModel):
    """The body of every error response."""

    error: ErrorDetail


class ParamInfo(BaseModel):
    """One parameter of a query."""

    name: str
    kind: str
    required: bool
    default: Any = None
    help: str
    choices: list[str]


class QueryInfo(BaseModel):
    """A query the API serves (or lists as not available in this build)."""

    name: str
    title: str
    group: str
    endpoint: str
    available: bool
    reason: str
    list_like: bool
    params: list[ParamInfo]


class WatchlistIn(BaseModel):
    """A watchlist to create or replace."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=MAX_NAME_CHARS)
    symbols: list[str] = Field(default_factory=list, max_length=MAX_SYMBOLS)
    note: str = Field(default="", max_length=MAX_NOTE_CHARS)


class WatchlistOut(BaseModel):
    """A stored watchlist."""

    id: int
    name: str
    symbols: list[str]
    note: str
    created_at: str
    updated_at: str
