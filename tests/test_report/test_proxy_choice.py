"""Which proxy stands for a segment, and that a substitution is stated."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from capsize.data.store import Store
from capsize.report import build_context


def test_passed_over_proxy_is_named(store_home: Path) -> None:
    store = Store.open(store_home / "capsize.duckdb", read_only=True)
    try:
        ctx = build_context(store, as_of="2026-08-21")
    finally:
        store.close()
    mega = next(p for p in ctx.proxies if p.segment == "mega")
    assert mega.symbol == "QQQ"
    assert [s for s, _ in mega.passed_over] == ["OEF"]
    assert any("preferred OEF last closed 2026-07-31" in n for n in ctx.notes)


def test_no_substitution_when_preferred_is_fresh(store_home: Path) -> None:
    store = Store.open(store_home / "capsize.duckdb", read_only=True)
    try:
        ctx = build_context(store, as_of="2025-10-08")
    finally:
        store.close()
    mega = next(p for p in ctx.proxies if p.segment == "mega")
    assert mega.symbol == "OEF"
    assert mega.passed_over == ()
    assert mega.last_date == pd.Timestamp("2025-10-08")
    assert not any("Substituted" in n for n in ctx.notes)
