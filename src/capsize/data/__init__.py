"""Data layer: the embedded store, providers, import/update and quality checks.

Names are loaded on first use, so ``import capsize.data.store`` does not load the
importer, the providers or the quality checks.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY: dict[str, str] = {
    "ImportReport": "capsize.data.ingest",
    "import_folder": "capsize.data.ingest",
    "FINDING_COLUMNS": "capsize.data.quality",
    "BarsCheck": "capsize.data.quality",
    "CheckResult": "capsize.data.quality",
    "SeriesCheck": "capsize.data.quality",
    "check_bars": "capsize.data.quality",
    "check_series": "capsize.data.quality",
    "summarize": "capsize.data.quality",
    "BASES": "capsize.data.store",
    "IntegrityReport": "capsize.data.store",
    "Provenance": "capsize.data.store",
    "Store": "capsize.data.store",
    "UpdateReport": "capsize.data.update",
    "update_from_providers": "capsize.data.update",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'capsize.data' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


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
