"""capsize: where US micro and small caps stand against large caps, with evidence."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from capsize.errors import (
    CapsizeError,
    DataNotFound,
    InputError,
    ProviderError,
    SchemaError,
    StoreError,
)

try:
    __version__ = version("capsize")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "CapsizeError",
    "DataNotFound",
    "InputError",
    "ProviderError",
    "SchemaError",
    "StoreError",
    "__version__",
]
