"""Benchmark: importing the whole shared data folder vs DuckDB's own read_csv of the same files.

Run: ``python benchmarks/import_store.py [DATA_DIR [REPEATS]]`` (default ``../shared/data``, 3).
Prints a table of medians and the ratio to the baseline measured in the same run.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from capsize.data.ingest import import_folder
from capsize.data.providers.local import scan_folder
from capsize.data.store import Store


def baseline(files: list[str]) -> float:
    """DuckDB reads every CSV file into a table (typed, sniffed), nothing else."""
    con = duckdb.connect()
    t = time.perf_counter()
    groups: dict[str, list[str]] = {}
    for f in files:
        with open(f, encoding="utf-8-sig", errors="replace") as fh:
            groups.setdefault(fh.readline().strip(), []).append(f)
    for i, group in enumerate(groups.values()):
        con.execute(f"CREATE TABLE t{i} AS SELECT * FROM read_csv(?, filename = true)", [group])
    dt = time.perf_counter() - t
    con.close()
    return dt


def baseline_typed(files: list[str]) -> float:
    """DuckDB reads every bar file with declared column types (no sniffing): the tight floor."""
    con = duckdb.connect()
    t = time.perf_counter()
    groups: dict[str, list[str]] = {}
    for f in files:
        with open(f, encoding="utf-8-sig", errors="replace") as fh:
            groups.setdefault(fh.readline().strip(), []).append(f)
    for i, (header, group) in enumerate(groups.items()):
        cols = {c: ("DATE" if c == "date" else "DOUBLE") for c in header.split(",")}
        con.execute(
            f"CREATE TABLE t{i} AS SELECT * FROM read_csv(?, header = true, filename = true, columns = ?, auto_detect = false)",
            [group, cols],
        )
    dt = time.perf_counter() - t
    con.close()
    return dt


def capsize_import(root: Path, *, force: bool, db: Path) -> float:
    store = Store.open(db)
    t = time.perf_counter()
    import_folder(store, root, force=force)
    dt = time.perf_counter() - t
    store.close()
    return dt


def main() -> None:
    root = Path(
        sys.argv[1]
        if len(sys.argv) > 1
        else Path(__file__).resolve().parents[2] / "shared" / "data"
    )
    specs = scan_folder(root)
    bar_files = [str(s.path) for s in specs if s.kind == "bars"]
    all_csv = [
        str(s.path)
        for s in specs
        if s.path.suffix == ".csv"
        and s.kind in ("bars", "macro", "factors", "fund_shares", "membership")
    ]
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    base_bars = statistics.median(baseline(bar_files) for _ in range(reps))
    base_all = statistics.median(baseline(all_csv) for _ in range(reps))
    base_typed = statistics.median(baseline_typed(bar_files) for _ in range(reps))
    cold, warm = [], []
    for _ in range(reps):
        with tempfile.TemporaryDirectory() as d:
            db = Path(d) / "b.duckdb"
            cold.append(capsize_import(root, force=False, db=db))
            warm.append(capsize_import(root, force=False, db=db))
    forced = []
    with tempfile.TemporaryDirectory() as d:
        db = Path(d) / "b.duckdb"
        capsize_import(root, force=False, db=db)
        forced.append(capsize_import(root, force=True, db=db))
    rows = [
        ("DuckDB read_csv, bar files only (baseline)", base_bars),
        ("DuckDB read_csv, all tabular files", base_all),
        ("DuckDB read_csv, bar files, declared types (floor)", base_typed),
        ("capsize import, empty store", statistics.median(cold)),
        ("capsize re-import, unchanged files (hash skip)", statistics.median(warm)),
        ("capsize re-import --force (merge into full store)", statistics.median(forced)),
    ]
    print(f"{len(specs)} files under {root}; {len(bar_files)} bar files; median of {reps}")
    print(f"{'case':<52} {'seconds':>8} {'x read_csv':>11} {'x floor':>8}")
    for name, sec in rows:
        print(f"{name:<52} {sec:8.2f} {sec / base_bars:11.2f} {sec / base_typed:8.2f}")


if __name__ == "__main__":
    main()
