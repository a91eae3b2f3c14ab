"""Data layer: the embedded store, providers, import/update and quality checks."""

from __future__ import annotations

from capsize.data.ingest import ImportReport, import_folder
from capsize.data.quality import (
    FINDING_COLUMNS,
    BarsCheck,
    CheckResult,
    SeriesCheck,
    check_bars,
    check_series,
    summarize,
)
from capsize.data.store import BASES, IntegrityReport, Provenance, Store
from capsize.data.update import UpdateReport, update_from_providers

__all__ = [
    "BASES",
    "FINDING_COLUMNS",
    "BarsCheck",
    "CheckResult",
    "ImportReport",
    "IntegrityReport",
    "Provenance",
    "SeriesCheck",
    "Store",
    "UpdateReport",
    "check_bars",
    "check_series",
    "import_folder",
    "summarize",
    "update_from_providers",
]
