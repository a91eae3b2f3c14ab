"""Data providers: one module per source, query -> fetch -> standard frame."""

from __future__ import annotations

from capsize.data.providers._base import Clock, Fetcher, ProviderResult, utc_now

__all__ = ["Clock", "Fetcher", "ProviderResult", "utc_now"]
