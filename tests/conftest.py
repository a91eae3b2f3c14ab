"""Shared fixtures: the real data folder, a clean environment, a temp home."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

# Timing-based hypothesis checks are flaky on a loaded 2-core CI machine; speed lives in benchmarks/.
hypothesis_settings.register_profile(
    "capsize", deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
hypothesis_settings.load_profile("capsize")

_REPO = Path(__file__).resolve().parents[1]

# pytest-xdist workers inherit COLUMNS=80 / LINES=24 from execnet; the CLI reads COLUMNS for
# its table width when stdout is not a terminal (150 otherwise), so tests would wrap differently
# in a parallel run than in a serial one. Tests that need a width set it themselves.
for _name in ("COLUMNS", "LINES"):
    os.environ.pop(_name, None)


def shared_dir() -> Path:
    """Return the shared folder (``CAPSIZE_SHARED`` or ``../shared`` beside the repo)."""
    env = os.environ.get("CAPSIZE_SHARED")
    return Path(env).expanduser().resolve() if env else (_REPO.parent / "shared").resolve()


def _require(path: Path, what: str) -> Path:
    if not path.exists():
        reason = f"{what} not found at {path}; set CAPSIZE_SHARED to the shared folder"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real market data folder (``shared/data``)."""
    return _require(shared_dir() / "data", "shared market data")


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """The recorded provider responses (``shared/fixtures``)."""
    return _require(shared_dir() / "fixtures", "recorded provider fixtures")


@pytest.fixture(autouse=True)
def clean_environ(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Clear ``CAPSIZE_*`` variables and point ``CAPSIZE_HOME`` at a temp dir."""
    saved = {
        k: v for k, v in os.environ.items() if k.startswith("CAPSIZE_") and k != "CAPSIZE_SHARED"
    }
    for k in saved:
        del os.environ[k]
    os.environ["CAPSIZE_HOME"] = str(tmp_path_factory.mktemp("capsize_home"))
    try:
        yield
    finally:
        for k in [k for k in os.environ if k.startswith("CAPSIZE_") and k != "CAPSIZE_SHARED"]:
            del os.environ[k]
        os.environ.update(saved)


@pytest.fixture(scope="session")
def store_home(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A capsize home whose store holds the whole shared data folder (imported once).

    Tests must treat it as read-only; use ``monkeypatch.setenv("CAPSIZE_HOME", str(store_home))``
    to point the CLI at it, or ``Store.open(store_home / "capsize.duckdb", read_only=True)``.
    """
    from capsize.data.ingest import import_folder
    from capsize.data.store import Store

    home = tmp_path_factory.mktemp("filled_home")
    store = Store.open(home / "capsize.duckdb")
    try:
        import_folder(store, shared_data)
    finally:
        store.close()
    return home


@pytest.fixture(scope="module")
def store(store_home: Path) -> Iterator[Any]:
    """The filled store of ``store_home``, opened read-only once per module and closed after it.

    A module that needs a store of its own (empty, writable) defines its own ``store``.
    """
    from capsize.data.store import Store

    s = Store.open(store_home / "capsize.duckdb", read_only=True)
    try:
        yield s
    finally:
        s.close()


_DATED_TABLES: tuple[tuple[str, str], ...] = (
    ("bars", "date"),
    ("actions", "date"),
    ("macro", "date"),
    ("factors", "date"),
    ("holdings", "as_of"),
    ("membership", "snapshot_date"),
    ("fund_shares", "date"),
    ("quality_log", "date"),
)


def truncate_store_file(path: Path, day: str) -> None:
    """Delete every row dated after ``day`` from the store file at ``path`` (in place).

    The catalog's ranges are clipped to ``day`` and its rows counted again, so the copy
    looks like a store filled on ``day``.
    """
    import duckdb

    con = duckdb.connect(str(path))
    try:
        con.execute("BEGIN")
        for table, col in _DATED_TABLES:
            con.execute(f"DELETE FROM {table} WHERE {col} > ?::DATE", [day])
        con.execute("DELETE FROM catalog WHERE first_date > ?::DATE", [day])
        con.execute(
            "UPDATE catalog SET last_date = least(last_date, ?::DATE) WHERE last_date IS NOT NULL",
            [day],
        )
        con.execute("COMMIT")
    finally:
        con.close()


@pytest.fixture(scope="session")
def truncated_home(
    store_home: Path, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], Path]:
    """Factory: ``truncated_home("2025-10-08")`` is a home whose store is a copy of
    ``store_home``'s with every row dated after that day removed (cached per day).
    """
    import shutil

    made: dict[str, Path] = {}

    def make(day: str) -> Path:
        if day not in made:
            home = tmp_path_factory.mktemp(f"truncated_{day}")
            shutil.copy2(store_home / "capsize.duckdb", home / "capsize.duckdb")
            truncate_store_file(home / "capsize.duckdb", day)
            made[day] = home
        return made[day]

    return make
