"""The persisted report cache: reused only for the same data, code, settings and day."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from capsize.data.store import Store
from capsize.queries import open_session
from capsize.queries.session import Session, data_version
from capsize.report.cache import cache_key, cached_context


@pytest.fixture
def home(store_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the filled home (the tests write to its store)."""
    shutil.copy2(store_home / "capsize.duckdb", tmp_path / "capsize.duckdb")
    monkeypatch.setenv("CAPSIZE_HOME", str(tmp_path))
    return tmp_path


def _values(ctx: object) -> list[tuple[str, object]]:
    return [(f.id, f.value) for f in ctx.figures]  # type: ignore[attr-defined]


def _spy_last(home: Path) -> tuple[pd.Timestamp, float]:
    s = Store.open(home / "capsize.duckdb", read_only=True)
    try:
        bars = s.bars("SPY", basis="adjusted")
    finally:
        s.close()
    return pd.Timestamp(bars.index[-1]), float(bars["close"].iloc[-1])


def test_cache_hit_then_a_changed_store_is_rebuilt(home: Path) -> None:
    with open_session() as s:
        first, hit = cached_context(s)
    assert not hit
    assert len(list((home / "cache" / "report").glob("context-*.pickle"))) == 1
    with open_session() as s:
        again, hit = cached_context(s)
    assert hit
    assert _values(again) == _values(first)

    # Change one close (same dates, same row count): the old answer must not be served.
    day, close = _spy_last(home)
    w = Store.open(home / "capsize.duckdb")
    try:
        w.write_bars(
            pd.DataFrame(
                {"symbol": ["SPY"], "basis": ["adjusted"], "date": [day], "close": [close * 1.1]}
            ),
            source="test: SPY close +10%",
        )
    finally:
        w.close()
    with open_session() as s:
        changed, hit = cached_context(s)
    assert not hit
    assert changed.fig("scoreboard", "SPY.1D").value != first.fig("scoreboard", "SPY.1D").value

    # An unreadable cache file is rebuilt, not trusted.
    for p in (home / "cache" / "report").glob("context-*.pickle"):
        p.write_bytes(b"not a pickle")
    with open_session() as s:
        rebuilt, hit = cached_context(s)
    assert not hit
    assert _values(rebuilt) == _values(changed)


def test_data_version_changes_with_any_deletion(home: Path, truncated_home) -> None:  # type: ignore[no-untyped-def]
    def version(path: Path) -> str:
        s = Store.open(path, read_only=True)
        try:
            return data_version(s)
        finally:
            s.close()

    full = version(home / "capsize.duckdb")
    assert full == version(home / "capsize.duckdb")
    assert version(truncated_home("2026-08-20") / "capsize.duckdb") != full


def test_cache_key_depends_on_day_and_settings(home: Path) -> None:
    with open_session() as latest, open_session("2026-08-20") as earlier:
        assert cache_key(latest) == cache_key(latest)
        assert cache_key(latest) != cache_key(earlier)
        configured = Session(
            latest.store,
            latest.requested,
            replace(latest.settings, segments={"small": {"proxies": ["IJR"]}}),
        )
        assert cache_key(configured) != cache_key(latest)


def test_no_cache_env_builds_without_writing(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAPSIZE_NO_CACHE", "1")
    with open_session() as s:
        _, hit = cached_context(s)
    assert not hit
    assert not (home / "cache" / "report").exists()
