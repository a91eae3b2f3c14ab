"""Benchmark capsize.data.quality.check_bars on the whole small-cap universe.

Loads every ``universe/*.csv`` of the shared data (``CAPSIZE_SHARED`` or ``../shared``)
into one long frame (~4.5M rows), shuffles nothing (file order = per-ticker ascending),
and prints the time of ``check_bars`` against a baseline measured in the same run:
sorting the frame by key and date. Falls back to a seeded synthetic frame of the
same size when the shared data is absent.

Run: ``python benchmarks/quality.py [--synthetic] [--repeat N]``
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from capsize.data.quality import check_bars, summarize


def shared_data() -> Path:
    env = os.environ.get("CAPSIZE_SHARED")
    base = Path(env) if env else Path(__file__).resolve().parents[2] / "shared"
    return base / "data"


def load_universe(folder: Path) -> pd.DataFrame:
    frames = []
    for f in sorted(folder.glob("*.csv")):
        df = pd.read_csv(f, usecols=["date", "open", "high", "low", "close", "volume"])
        df.insert(0, "key", f.stem)
        frames.append(df)
    out = pd.concat(frames, ignore_index=True)
    out["date"] = pd.to_datetime(out["date"], format="ISO8601")
    for c in ["open", "high", "low", "close", "volume"]:
        out[c] = out[c].astype("float64")
    return out


def synthetic(n_keys: int = 2250, n_days: int = 2000) -> pd.DataFrame:
    rng = np.random.default_rng(42)
    days = pd.bdate_range("2018-01-02", periods=n_days)
    close = 20 * np.exp(np.cumsum(rng.normal(0, 0.03, (n_keys, n_days)), axis=1))
    return pd.DataFrame(
        {
            "key": np.repeat([f"K{i:04d}" for i in range(n_keys)], n_days),
            "date": np.tile(days.values, n_keys),
            "open": close.ravel() * 0.99,
            "high": close.ravel() * 1.02,
            "low": close.ravel() * 0.98,
            "close": close.ravel(),
            "volume": rng.integers(0, 1_000_000, n_keys * n_days).astype("float64"),
        }
    )


def best_of(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--synthetic", action="store_true")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    folder = shared_data() / "universe"
    t0 = time.perf_counter()
    if args.synthetic or not folder.is_dir():
        df, what = synthetic(), "synthetic (seed 42)"
    else:
        df, what = load_universe(folder), f"{folder}"
    load_s = time.perf_counter() - t0
    print(f"data: {what}: {len(df):,} rows, {df['key'].nunique():,} keys (load {load_s:.1f}s)")
    shuffled = df.sample(frac=1.0, random_state=1).reset_index(drop=True)
    # dirty: 1% of rows appended again (half with a changed close), 0.1% negative closes
    rng = np.random.default_rng(3)
    extra = df.sample(frac=0.01, random_state=2).copy()
    extra.loc[extra.index[::2], "close"] *= 1.01
    dirty = pd.concat([df, extra], ignore_index=True)
    bad = rng.choice(len(dirty), size=len(dirty) // 1000, replace=False)
    dirty.loc[bad, "close"] = -1.0

    base = best_of(lambda: df.sort_values(["key", "date"], kind="stable"), args.repeat)
    rows = [("baseline: sort_values(key, date)", base)]
    rows.append(
        (
            "sort_values(key, date), shuffled",
            best_of(lambda: shuffled.sort_values(["key", "date"], kind="stable"), args.repeat),
        )
    )
    res = None

    def run() -> None:
        nonlocal res
        res = check_bars(df, basis="adjusted", calendar="XNYS")

    rows.append(("check_bars, file order, XNYS", best_of(run, args.repeat)))
    rows.append(
        (
            "check_bars, no calendar",
            best_of(lambda: check_bars(df, basis="adjusted", calendar=None), args.repeat),
        )
    )
    rows.append(
        (
            "check_bars, shuffled rows, XNYS",
            best_of(lambda: check_bars(shuffled, basis="adjusted"), args.repeat),
        )
    )
    rows.append(
        (
            "check_bars, 1% dup + 0.1% bad, XNYS",
            best_of(lambda: check_bars(dirty, basis="adjusted"), args.repeat),
        )
    )
    print(f"{'case':<36} {'seconds':>8} {'x baseline':>11}")
    for name, s in rows:
        print(f"{name:<36} {s:>8.2f} {s / base:>11.2f}")
    assert res is not None
    print(
        f"clean {len(res.clean):,}  rejected {len(res.rejected):,}  findings {len(res.findings):,}"
    )
    print(res.findings["check"].value_counts().to_string())
    s = summarize(res.findings)
    print(s.sort_values("total", ascending=False).head(10).to_string(index=False))


if __name__ == "__main__":
    main()
