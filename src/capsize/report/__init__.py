"""The report: a typed context of sourced figures, a rule-written narrative, charts, templates.

``build_context(store, as_of=...)`` computes every number once, with its provenance;
``write_narrative(ctx)`` writes the prose from it; ``render_html`` / ``render_markdown`` /
``render_pdf`` lay it out. Templates never compute.
"""

from __future__ import annotations

from capsize.report.context import (
    DISCLAIMER,
    WATCH_RULES,
    ChartSeries,
    ChartSpec,
    Figure,
    Provenance,
    ReportContext,
    Section,
    Table,
    WatchItem,
    build_context,
)
from capsize.report.narrative import Narrative, write_narrative
from capsize.report.render import render_html, render_markdown, render_pdf

__all__ = [
    "DISCLAIMER",
    "WATCH_RULES",
    "ChartSeries",
    "ChartSpec",
    "Figure",
    "Narrative",
    "Provenance",
    "ReportContext",
    "Section",
    "Table",
    "WatchItem",
    "build_context",
    "render_html",
    "render_markdown",
    "render_pdf",
    "write_narrative",
]
