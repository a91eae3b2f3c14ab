"""Typed building blocks of the report context: figures, tables, charts, sections.

Every number the report shows is a :class:`Figure`: its value, the text shown
(made by :mod:`capsize._format`, never by a template), a label and a
:class:`Provenance`. Tables and narrative hold figures, not floats, so the
provenance table at the end of the report can list everything shown.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, TypeAlias

from capsize.queries.result import Provenance

if TYPE_CHECKING:
    from capsize.queries.result import Figure as QueryFigure

__all__ = [
    "Cell",
    "ChartSeries",
    "ChartSpec",
    "Figure",
    "FigureBook",
    "Provenance",
    "Section",
    "Table",
]


@dataclass(frozen=True)
class Figure:
    """One number shown in the report.

    Attributes
    ----------
    id : str
        Unique id (``"scoreboard.IWM.YTD"``).
    value : float, int or None
        The raw value (NaN/None when missing).
    formatted : str
        The text shown, from :mod:`capsize._format` (``"n/a (reason)"`` when missing).
    label : str
        What it is, in words.
    provenance : Provenance
        Where it comes from.
    """

    id: str
    value: float | int | None
    formatted: str
    label: str
    provenance: Provenance

    @property
    def available(self) -> bool:
        """True when the value is a finite number."""
        v = self.value
        return v is not None and math.isfinite(float(v))

    @property
    def tone(self) -> str:
        """``"pos"``, ``"neg"`` or ``""``: CSS hint for signed figures."""
        if not self.available or self.formatted[:1] not in ("+", "-"):
            return ""
        return "pos" if float(self.value or 0.0) > 0 else "neg"


Cell: TypeAlias = "Figure | str"


@dataclass(frozen=True)
class Table:
    """A table of figures and text labels.

    Attributes
    ----------
    columns : tuple of str
        Column headers.
    rows : tuple of tuple of Cell
        Each cell a :class:`Figure` or a text label (no numbers in labels).
    caption : str
        Shown under the table.
    highlight : tuple of int
        Row indices to emphasise (e.g. spread rows).
    """

    columns: tuple[str, ...]
    rows: tuple[tuple[Figure | str, ...], ...]
    caption: str = ""
    highlight: tuple[int, ...] = ()


@dataclass(frozen=True)
class ChartSeries:
    """One line or bar series of a chart (values may be NaN: gaps)."""

    name: str
    x: tuple[str, ...]
    y: tuple[float, ...]
    dash: bool = False
    color: str | None = None


@dataclass(frozen=True)
class ChartSpec:
    """What a chart shows; drawn by :mod:`capsize.report.charts` (uPlot or matplotlib).

    Attributes
    ----------
    id : str
        File-safe id.
    title : str
        Title.
    kind : {"line", "bar"}
        Chart type.
    series : tuple of ChartSeries
        Data.
    y_label : str
        Y axis label with units.
    source : str
        Source line printed under the chart.
    y_format : {"pct", "num", "ratio", "usd"}
        How to format y ticks (pct: values are fractions; usd: dollar amounts).
    log_y : bool
        Log scale.
    hline : float or None
        Reference line.
    """

    id: str
    title: str
    kind: Literal["line", "bar"]
    series: tuple[ChartSeries, ...]
    y_label: str
    source: str
    y_format: Literal["pct", "num", "ratio", "usd"] = "num"
    log_y: bool = False
    hline: float | None = None


@dataclass(frozen=True)
class Section:
    """One section of the report.

    Attributes
    ----------
    key, title : str
        Identifier and heading.
    available : bool
        False when the section's data is missing; ``reason`` says why.
    reason : str
        Why the section is not available ("" when it is).
    figures : mapping of str to Figure
        Named figures (narrative and watch rules pick them by name).
    tables : tuple of Table
    charts : tuple of ChartSpec
    notes : tuple of str
        Plain-text notes (method, staleness); dates allowed, numbers only via figures.
    """

    key: str
    title: str
    available: bool = True
    reason: str = ""
    figures: Mapping[str, Figure] = field(default_factory=dict)
    tables: tuple[Table, ...] = ()
    charts: tuple[ChartSpec, ...] = ()
    notes: tuple[str, ...] = ()

    def fig(self, name: str) -> Figure | None:
        """Return the named figure, or None."""
        return self.figures.get(name)


class FigureBook:
    """Collects every figure of one report (ids unique, insertion order kept)."""

    def __init__(self, as_of: str) -> None:
        self.as_of = as_of
        self._figs: dict[str, Figure] = {}

    def add(
        self,
        fid: str,
        value: float | int | None,
        fmt: Callable[[float | int | None], str],
        label: str,
        *,
        source: str,
        symbols: tuple[str, ...] | list[str],
        window: str,
        formula: str,
    ) -> Figure:
        """Format ``value`` with ``fmt`` and register the figure under ``fid``."""
        if fid in self._figs:
            return self._figs[fid]
        v: float | int | None = value
        if isinstance(v, float) and not math.isfinite(v):
            v = None
        text = fmt(v)
        fig = Figure(
            fid, v, text, label, Provenance(source, tuple(symbols), window, self.as_of, formula)
        )
        self._figs[fid] = fig
        return fig

    def adopt(
        self,
        qfig: QueryFigure,
        fmt: Callable[[float | int | None], str],
        *,
        fid: str | None = None,
        label: str | None = None,
    ) -> Figure:
        """Register a query figure for display: its value and provenance, unchanged.

        Parameters
        ----------
        qfig : capsize.queries.Figure
            The figure as the query layer computed it.
        fmt : callable
            Formats the value (the n/a reason is the query figure's note when missing).
        fid, label : str, optional
            Report id and label (default: the query's).
        """
        key = fid or qfig.id
        if key in self._figs:
            return self._figs[key]
        text = fmt(qfig.value)
        if qfig.value is None and qfig.note and text.startswith("n/a"):
            text = f"n/a ({qfig.note})"
        fig = Figure(key, qfig.value, text, label or qfig.label, qfig.provenance)
        self._figs[key] = fig
        return fig

    def magnitude(self, fig: Figure, fmt: Callable[[float | int | None], str]) -> Figure:
        """Register the absolute value of ``fig`` (for prose where words carry the sign)."""
        v = None if not fig.available else abs(float(fig.value or 0.0))
        p = fig.provenance
        return self.add(
            f"{fig.id}.abs",
            v,
            fmt,
            f"{fig.label} (size, sign in words)",
            source=p.source,
            symbols=p.symbols,
            window=p.window,
            formula=f"abs({p.formula})",
        )

    def all(self) -> tuple[Figure, ...]:
        """Every registered figure in insertion order."""
        return tuple(self._figs.values())
