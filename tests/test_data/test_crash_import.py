"""Crash safety of ``data import``: SIGKILL at any moment leaves the old or the new store.

A populated store (a slice of ``shared/data``) is re-imported from a modified copy of the
folder in a subprocess, killed with SIGKILL at 10 seeded moments spread over the import's
duration. After each kill the store is opened and every table is fingerprinted (row count
and an order-independent hash of all rows, timestamps of writing left out); the
fingerprint must equal the old state's or the new state's exactly.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

duckdb = pytest.importorskip("duckdb")

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX only")

N_MEMBERS = 60  # universe and universe_ohlcv files in the slice: several groups, short run
KILLS = 10
SEED = 13

# Runs one import in a child process; START is printed just before the import opens the
# store, DONE once it has returned (the store closed).
_DRIVER = """
import sys
from capsize.queries.data import import_folder
print("START", flush=True)
import_folder(sys.argv[1], force=len(sys.argv) > 2)
print("DONE", flush=True)
"""

Fingerprint = dict[str, tuple[int, int]]


def fingerprint(db: Path) -> Fingerprint:
    """Rows and an order-independent hash of every table (TIMESTAMP columns left out).

    Opened for writing, as the next capsize command would, so a leftover WAL is replayed.
    """
    con = duckdb.connect(str(db))
    try:
        tables = [
            str(r[0])
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE NOT temporary ORDER BY table_name"
            ).fetchall()
        ]
        out: Fingerprint = {}
        for table in tables:
            cols = [
                str(name)
                for name, kind, *_ in con.execute(f"DESCRIBE {table}").fetchall()
                if not str(kind).startswith("TIMESTAMP")
            ]
            quoted = ", ".join(f'"{c}"' for c in cols)
            row = con.execute(
                f"SELECT count(*), coalesce(sum(hash({quoted})::HUGEINT), 0) FROM {table}"
            ).fetchone()
            assert row is not None
            out[table] = (int(row[0]), int(row[1]))
        return out
    finally:
        con.close()


def _scale_prices(path: Path, factor: float) -> None:
    frame = pd.read_csv(path)
    for col in ("open", "high", "low", "close", "adj_close"):
        if col in frame.columns:
            frame[col] = frame[col] * factor
    frame.to_csv(path, index=False)


def _slice(shared: Path, dest: Path, members: list[str]) -> None:
    """Copy the small folders of ``shared`` and ``members`` of the universe folders."""
    for name in ("prices", "macro", "holdings", "flows"):
        shutil.copytree(shared / name, dest / name)
    for name in ("universe", "universe_ohlcv"):
        (dest / name).mkdir(parents=True)
        for member in members:
            if (shared / name / member).exists():
                shutil.copy2(shared / name / member, dest / name / member)


def _changed_copy(old: Path, new: Path, shared: Path, extra: str) -> None:
    """``new``: ``old`` with prices, members and a macro series changed and a file added."""
    shutil.copytree(old, new)
    _scale_prices(new / "prices" / "IWM.csv", 1.001)
    _scale_prices(new / "prices" / "RUT.csv", 0.999)
    for name in ("universe", "universe_ohlcv"):
        first = sorted((new / name).glob("*.csv"))[0]
        _scale_prices(first, 1.002)
        if (shared / name / extra).exists():
            shutil.copy2(shared / name / extra, new / name / extra)
    macro = pd.read_csv(new / "macro" / "DGS2.csv")
    macro["value"] = macro["value"] + 0.01
    macro.to_csv(new / "macro" / "DGS2.csv", index=False)


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["CAPSIZE_HOME"] = str(home)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_src()), env.get("PYTHONPATH")) if p)
    return env


def _src() -> Path:
    import capsize

    return Path(capsize.__file__).resolve().parents[1]


def _start(home: Path, folder: Path, *extra: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", _DRIVER, str(folder), *extra],
        env=_env(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip() == "START", proc.stderr.read() if proc.stderr else line
    return proc


def _run(home: Path, folder: Path, *extra: str) -> float:
    """Import ``folder`` into ``home`` in a child process; return the import's seconds."""
    proc = _start(home, folder, *extra)
    began = time.monotonic()
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    assert "DONE" in out
    return time.monotonic() - began


def _fresh(template: Path, home: Path) -> Path:
    home.mkdir(parents=True)
    shutil.copy2(template, home / "capsize.duckdb")
    return home / "capsize.duckdb"


@pytest.fixture(scope="module")
def folders(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """An old slice of the shared data and a changed copy of it."""
    root = tmp_path_factory.mktemp("crash")
    listed = sorted(p.name for p in (shared_data / "universe_ohlcv").glob("*.csv"))
    members, extra = listed[:N_MEMBERS], listed[N_MEMBERS]
    _slice(shared_data, root / "old", members)
    _changed_copy(root / "old", root / "new", shared_data, extra)
    return root / "old", root / "new"


@pytest.fixture(scope="module")
def old_store(folders: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store file holding the old folder (closed, checkpointed)."""
    home = tmp_path_factory.mktemp("old_home")
    _run(home, folders[0])
    return home / "capsize.duckdb"


def test_sigkill_leaves_old_or_new_state(
    folders: tuple[Path, Path], old_store: Path, tmp_path: Path
) -> None:
    old_fp = fingerprint(old_store)
    ref = _fresh(old_store, tmp_path / "reference")
    duration = _run(ref.parent, folders[1])
    new_fp = fingerprint(ref)
    changed = sorted(t for t in old_fp if old_fp[t] != new_fp.get(t))
    assert {"bars", "macro", "catalog"} <= set(changed), changed
    rng = np.random.default_rng(SEED)
    # One moment in each tenth of the import's measured duration (stratified, seeded).
    moments = [duration * (i + rng.uniform(0.05, 0.95)) / KILLS for i in range(KILLS)]
    outcomes = []
    for i, moment in enumerate(moments):
        db = _fresh(old_store, tmp_path / f"kill{i}")
        proc = _start(db.parent, folders[1])
        time.sleep(moment)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        got = fingerprint(db)
        state = "old" if got == old_fp else "new" if got == new_fp else "neither"
        diff = sorted(t for t in got if got[t] not in (old_fp.get(t), new_fp.get(t)))
        outcomes.append((round(moment, 2), proc.returncode, state, diff))
    print(f"import {duration:.1f} s; kills (seconds, exit, state): {outcomes}")
    assert all(state != "neither" for *_, state, _ in outcomes), outcomes


def test_import_twice_is_idempotent(
    folders: tuple[Path, Path], old_store: Path, tmp_path: Path
) -> None:
    db = _fresh(old_store, tmp_path / "again")
    before = fingerprint(db)
    _run(db.parent, folders[0])
    assert fingerprint(db) == before
    _run(db.parent, folders[0], "--force")
    assert fingerprint(db) == before
