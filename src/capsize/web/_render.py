"""Turn a :class:`~capsize.queries.result.QueryResult` into what a page shows.

Generic over every query: named figures become cards, tables become tables whose figure
cells keep their raw value (for sorting) and id (for the explain popover), series become
charts (one chart per unit), drawn in the browser by the report's uPlot driver from the
same payload as the HTML report's charts (one look for both). Numbers are formatted by
:mod:`capsize._format`, the one formatter of the CLI and the report. Nothing here
computes a figure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from capsize._format import NA, fmt_money, fmt_num, fmt_pct, fmt_ratio, is_missing
from capsize.queries.result import Figure, QueryResult, SeriesData, TableData
from capsize.report.charts import PALETTE

__all__ = [
    "CardView",
    "CellView",
    "ChartView",
    "ResultView",
    "TableView",
    "chart_payload",
    "format_figure",
    "view_result",
]


def _money(v: float) -> str:
    return fmt_money(v, compact=abs(v) >= 1e6)


def _suffix(word: str, digits: int = 0, sign: bool = False) -> Callable[[float], str]:
    def fmt(v: float) -> str:
        return f"{fmt_num(v, digits, sign=sign)} {word}"

    return fmt


def _plain(v: float) -> str:
    return fmt_num(v, 2)


_BY_UNIT: dict[str, Callable[[float], str]] = {
    "fraction": lambda v: fmt_pct(v, 1),
    "pp": lambda v: f"{v * 100:+.1f} pp",
    "ratio": fmt_ratio,
    "count": lambda v: fmt_num(v, 0),
    "usd": _money,
    "percent": lambda v: f"{v:.2f}%",
    "bp": _suffix("bp", 0, sign=True),
    "level": lambda v: fmt_num(v, 2),
    "days": _suffix("days"),
    "sessions": _suffix("sessions"),
    "score": lambda v: fmt_num(v, 1),
}


def format_figure(fig: Figure) -> str:
    """Return the figure as a person reads it (``"+12.5%"``, ``"$1.2B"``; ``"n/a (reason)"``)."""
    if fig.unit in ("date", "text"):
        return fig.note or NA
    if is_missing(fig.value):
        return f"{NA} ({fig.note})" if fig.note else NA
    fmt = _BY_UNIT.get(fig.unit, _plain)
    return fmt(float(fig.value))  # type: ignore[arg-type]


@dataclass(frozen=True)
class CardView:
    """A named figure shown as a card."""

    id: str
    label: str
    text: str
    note: str


@dataclass(frozen=True)
class CellView:
    """A table cell: its text, its sort key, (for a figure) its id, and why it is n/a."""

    text: str
    sort: str
    fig: str | None = None
    why: str = ""


@dataclass(frozen=True)
class TableView:
    """A table of a result (possibly one page of it)."""

    name: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[CellView, ...], ...]
    numeric: tuple[bool, ...]


@dataclass(frozen=True)
class ChartView:
    """One chart: the result's series of one unit, drawn in the browser by uPlot.

    ``payload`` is what the chart driver (``capsize/report/static/charts.js``) draws:
    ``x`` (days as seconds since 1970 UTC, the union of the series' dates), ``y`` (one
    list per series, None where a series has no value), ``series`` (label, colour),
    ``fmt`` (``pct`` for fractions, ``ratio``, or None), ``ylabel``.
    """

    id: str
    title: str
    unit: str
    payload: Mapping[str, Any]


@dataclass(frozen=True)
class ResultView:
    """What a page section shows of a result (``data``: the figures, as the API gives them)."""

    cards: tuple[CardView, ...]
    tables: tuple[TableView, ...]
    charts: tuple[ChartView, ...]
    notes: tuple[str, ...]
    sources: tuple[str, ...]
    as_of: str
    data: Mapping[str, Any] = field(default_factory=dict)


def _card(f: Figure) -> CardView:
    """Return a named figure's card; a missing one reads "n/a", its reason below in small."""
    if is_missing(f.value) and f.unit not in ("date", "text"):
        return CardView(f.id, f.label, NA, f.note or "not available")
    return CardView(f.id, f.label, format_figure(f), "")


def _cell(cell: Figure | str | None) -> CellView:
    """Return a table cell; a missing figure reads "n/a" (its reason: the explain popover)."""
    if isinstance(cell, Figure):
        if is_missing(cell.value) and cell.unit not in ("date", "text"):
            return CellView(NA, "", cell.id, cell.note)
        sort = "" if cell.value is None else repr(float(cell.value))
        return CellView(format_figure(cell), sort, cell.id)
    if cell is None or cell == "":
        return CellView(NA, "", None, "no value")
    return CellView(cell, cell)


def _table(t: TableData) -> TableView:
    numeric = tuple(
        any(isinstance(row[i], Figure) for row in t.rows) for i in range(len(t.columns))
    )
    rows = tuple(tuple(_cell(c) for c in row) for row in t.rows)
    return TableView(t.name, t.title, t.columns, rows, numeric)


_CHART_FORMAT = {"fraction": "pct", "pp": "pct", "ratio": "ratio"}
"""Axis format of the chart driver by unit (others: plain numbers)."""
_YLABEL = {"usd": "USD", "fraction": "", "pp": "", "ratio": "", "level": "", "count": ""}
"""Y-axis label by unit (others: the unit's name)."""
_EPOCH = date(1970, 1, 1)


def _seconds(day: str) -> int:
    """Return an ISO day as seconds since 1970-01-01 UTC (uPlot's time axis)."""
    return (date.fromisoformat(day[:10]) - _EPOCH).days * 86_400


def chart_payload(unit: str, group: Sequence[SeriesData]) -> dict[str, Any]:
    """Return the chart driver's payload for series of one unit (aligned on their dates)."""
    days = sorted({d for s in group for d in s.dates})
    pos = {d: i for i, d in enumerate(days)}
    ys: list[list[float | None]] = []
    for s in group:
        col: list[float | None] = [None] * len(days)
        for d, v in zip(s.dates, s.values, strict=True):
            col[pos[d]] = None if is_missing(v) else float(v)
        ys.append(col)
    series = [
        {"label": s.label, "color": PALETTE[i % len(PALETTE)], "dash": False}
        for i, s in enumerate(group)
    ]
    return {
        "x": [_seconds(d) for d in days],
        "y": ys,
        "series": series,
        "kind": "line",
        "fmt": _CHART_FORMAT.get(unit),
        "log": False,
        "hline": None,
        "ylabel": _YLABEL.get(unit, unit),
    }


def _charts(prefix: str, series: Sequence[SeriesData]) -> tuple[ChartView, ...]:
    by_unit: dict[str, list[SeriesData]] = {}
    for s in series:
        by_unit.setdefault(s.unit, []).append(s)
    out = []
    for i, (unit, group) in enumerate(by_unit.items()):
        labels = [s.label for s in group]
        title = ", ".join(labels) if len(group) <= 3 else f"{len(group)} series ({unit})"
        out.append(ChartView(f"{prefix}-chart-{i}", title, unit, chart_payload(unit, group)))
    return tuple(out)


def _select(t: TableView, columns: Sequence[str]) -> TableView:
    keep = [i for c in columns for i, name in enumerate(t.columns) if name == c]
    if not keep:
        return t
    rows = tuple(tuple(row[i] for i in keep) for row in t.rows)
    return replace(
        t,
        columns=tuple(t.columns[i] for i in keep),
        rows=rows,
        numeric=tuple(t.numeric[i] for i in keep),
    )


def _transpose(t: TableView) -> TableView:
    if len(t.rows) != 1:
        return t
    rows = tuple((CellView(c, c), cell) for c, cell in zip(t.columns, t.rows[0], strict=True))
    return replace(t, columns=("field", "value"), rows=rows, numeric=(False, True))


def _tables(result: QueryResult, columns: Sequence[str], transpose: bool) -> tuple[TableView, ...]:
    views = [_table(t) for t in result.tables]
    if views and columns:
        views[0] = _select(views[0], columns)
    if views and transpose:
        views[0] = _transpose(views[0])
    return tuple(views)


def view_result(
    prefix: str,
    result: QueryResult,
    *,
    columns: Sequence[str] = (),
    transpose: bool = False,
    figures: Mapping[str, Any] | None = None,
) -> ResultView:
    """Return what a page shows of ``result`` (``prefix`` keeps DOM ids unique).

    Named figures that also appear in a table are shown in the table only. ``columns``
    picks the first table's columns shown; ``transpose`` shows a one-row first table as
    (field, value) rows. Neither changes a figure. ``figures``: the ``figures`` of
    ``result.to_dict()`` when already made (the explain popover's data).
    """
    in_tables = {f.id for t in result.tables for f in t.figures()}
    cards = tuple(_card(f) for f in result.figures.values() if f.id not in in_tables)
    return ResultView(
        cards,
        _tables(result, columns, transpose),
        _charts(prefix, result.series),
        tuple(result.notes),
        tuple(result.sources),
        f"{result.as_of:%Y-%m-%d}",
        {"figures": result.to_dict()["figures"] if figures is None else figures},
    )
