"""The report: a typed context of sourced figures, a rule-written narrative, charts, templates.

``build_context(store, as_of=...)`` computes every number once, with its provenance;
``write_narrative(ctx)`` writes the prose from it; ``render_html`` / ``render_markdown`` /
``render_pdf`` lay it out. Templates never compute.

Names are loaded lazily: importing a submodule (``capsize.report.cache``) does not load
the sections and the query layer.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY: dict[str, str] = {
    "DISCLAIMER": "capsize.report.context",
    "WATCH_RULES": "capsize.report.context",
    "ChartSeries": "capsize.report.context",
    "ChartSpec": "capsize.report.context",
    "Figure": "capsize.report.context",
    "Provenance": "capsize.report.context",
    "ReportContext": "capsize.report.context",
    "Section": "capsize.report.context",
    "Table": "capsize.report.context",
    "WatchItem": "capsize.report.context",
    "build_context": "capsize.report.context",
    "Narrative": "capsize.report.narrative",
    "write_narrative": "capsize.report.narrative",
    "render_html": "capsize.report.render",
    "render_markdown": "capsize.report.render",
    "render_pdf": "capsize.report.render",
}
"""Public name -> module that defines it (loaded on first access)."""

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


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'capsize.report' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
