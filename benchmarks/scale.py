"""Scale benchmark: universe breadth from a partitioned Parquet dataset, in one process and
on LocalClusters of 1 and 2 workers, a sweep run in parameter blocks, and the cost model.

Dataset: a synthetic universe of ``--tickers`` x ``--days`` (default 20,000 x 6,300:
1.0 GB of float64 closes if it were a dense panel) of seeded random walks with late
listings, delistings and missing bars, written in the layout of ``capsize data export
--parquet`` (``bars/bucket=<md5 digit>/year=<YYYY>/*.parquet`` plus the manifest; columns
symbol, basis, date, close, volume; ZSTD, row-group statistics). It is written once to
``--dir`` and reused while its manifest matches the arguments.

Runs (same dataset, same ``--partitions``, in this order):

1. ``single``: :func:`capsize.scale.dataset_breadth` in process, in a fresh process (so
   its peak RSS is its own), then a profile of the same partitions: read, kernel, combine.
2. ``cluster-1`` and ``cluster-2``: the same call on a new ``LocalCluster`` of 1 and of 2
   single-threaded worker processes; each worker reads its own partitions from the
   dataset (no panel is pickled). Peak memory per worker is the worker's own
   ``ru_maxrss`` (read with ``client.run`` after the run) and the largest RSS sampled
   every 0.25 s; the scheduler's overhead per task is timed with 200 empty tasks.
3. The three breadth tables are compared (counts exactly, float sums to 1e-12); with
   ``--tickers x --days`` up to 20M cells, also against ``compute_breadth`` on the whole
   panel.
4. Sweep blocks: ``ma_sweep`` single call vs ``partitioned_sweep`` (4 blocks) on each
   cluster, equal bit for bit; and the bootstrap drawn in blocks.

The cost model ``T(P, W) = t_index + t_part * ceil(P / W) + t_combine(P) + o * P`` is
fitted from the profile and the empty tasks, checked against the cluster runs, and used
for a 16-worker estimate on minute bars (assumptions printed).

Run:  python benchmarks/scale.py [--tickers 20000] [--days 6300] [--partitions 16]
      quick: python benchmarks/scale.py --tickers 2000 --days 1500 --partitions 8
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import subprocess
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

GIB = 2**30
MIB = 2**20
FLOAT_SUMS = ["ew_return", "ew_index", "ew_vs_cw"]


# --------------------------------------------------------------------------- dataset


def _bucket_table(syms: list[str], dates: pd.DatetimeIndex, rng: np.random.Generator) -> Any:
    """One bucket's bars as an Arrow table sorted by symbol and date (NaN bars left out)."""
    import pyarrow as pa

    n, m = len(dates), len(syms)
    close = 20.0 * np.exp(np.cumsum(rng.normal(2e-4, 0.02, (n, m)), axis=0))
    first = np.where(rng.random(m) < 0.2, rng.integers(0, n // 2, m), 0)  # listed late
    last = np.where(rng.random(m) < 0.1, rng.integers(n // 2, n, m), n)  # delisted
    t = np.arange(n)[:, None]
    valid = (t >= first) & (t < last) & (rng.random((n, m)) >= 0.005)  # 0.5 % bars missing
    volume = rng.integers(1_000, 5_000_000, (n, m)).astype(np.float64)
    keep = valid.T  # symbol-major: rows sorted by symbol, then date
    counts = keep.sum(axis=1)
    sym_idx = pa.array(np.repeat(np.arange(m, dtype=np.int32), counts))
    day_idx = np.broadcast_to(np.arange(n), (m, n))[keep]
    return pa.table(
        {
            "symbol": pa.DictionaryArray.from_arrays(sym_idx, pa.array(syms)).cast(pa.string()),
            "basis": pa.DictionaryArray.from_arrays(
                pa.array(np.zeros(int(counts.sum()), np.int32)), pa.array(["adjusted"])
            ).cast(pa.string()),
            "date": pa.array(dates.values.astype("datetime64[D]")[day_idx]),
            "close": close.T[keep],
            "volume": volume.T[keep],
            "year": pa.array(dates.year.to_numpy()[day_idx].astype(np.int32)),
        }
    )


def write_dataset(root: Path, tickers: int, days: int, seed: int) -> dict[str, Any]:
    """Write (or reuse) the synthetic dataset at ``root``; return its manifest."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from capsize._atomic import write_text
    from capsize.data.parquet import DATASET_FORMAT, MANIFEST, ticker_bucket

    spec = {"tickers": tickers, "days": days, "seed": seed}
    if (root / MANIFEST).is_file():
        old = json.loads((root / MANIFEST).read_text())
        if old.get("synthetic") == spec:
            return dict(old)
        shutil.rmtree(root)
    tmp = root.with_name(f".{root.name}.part")
    shutil.rmtree(tmp, ignore_errors=True)
    t0 = time.perf_counter()
    dates = pd.bdate_range("2001-01-02", periods=days)
    buckets: dict[str, list[str]] = {}
    for i in range(tickers):
        s = f"S{i:05d}"
        buckets.setdefault(ticker_bucket(s), []).append(s)
    seeds = np.random.SeedSequence(seed).spawn(16)
    rows = 0
    for b in sorted(buckets):
        table = _bucket_table(buckets[b], dates, np.random.default_rng(seeds[int(b, 16)]))
        rows += table.num_rows
        for year in np.unique(table["year"].to_numpy()):
            part = table.filter(pc.equal(table["year"], int(year))).drop_columns(["year"])
            out = tmp / "bars" / f"bucket={b}" / f"year={year}"
            out.mkdir(parents=True)
            pq.write_table(part, out / "data_0.parquet", compression="zstd", row_group_size=1 << 20)
        del table
    manifest = {
        "format": DATASET_FORMAT,
        "tables": {"bars": rows, "membership": 0, "macro": 0},
        "buckets": 16,
        "bucket_rule": "first hex digit of md5(symbol)",
        "last_date": str(dates[-1].date()),
        "synthetic": spec,
        "write_seconds": round(time.perf_counter() - t0, 1),
        "bytes": sum(f.stat().st_size for f in tmp.rglob("*.parquet")),
    }
    write_text(tmp / MANIFEST, json.dumps(manifest, indent=2) + "\n")
    shutil.rmtree(root, ignore_errors=True)
    os.replace(tmp, root)
    return manifest


# --------------------------------------------------------------------------- single process


def _tasks(path: str, partitions: int) -> tuple[list[Any], float]:
    """The partition tasks :func:`dataset_breadth` builds, and the time to build them."""
    from capsize.analytics import breadth as B
    from capsize.data.parquet import read_bars_index, ticker_bucket
    from capsize.scale import DatasetBreadthTask, ticker_blocks

    t0 = time.perf_counter()
    calendar, found = read_bars_index(path)
    syms = sorted(found, key=lambda t: (ticker_bucket(t), t))
    windows = B.check_windows((20, 50, 200))
    cells = len(calendar) * len(syms)
    tasks = [
        DatasetBreadthTask(path, tuple(syms[sl]), calendar, windows, 252, cells)
        for sl in ticker_blocks(len(syms), partitions)
    ]
    return tasks, time.perf_counter() - t0


def _profile(path: str, partitions: int, sample: int) -> dict[str, Any]:
    """Time the read and kernel of ``sample`` partitions (evenly spread), and the combine.

    The combine adds ``partitions`` (and 4 x ``partitions``) partial sums: the sampled
    ones repeated, which costs the same as distinct ones.
    """
    from capsize.analytics import breadth as B
    from capsize.analytics import engine as E
    from capsize.data.parquet import read_bars
    from capsize.scale import add_sums

    tasks, t_index = _tasks(path, partitions)
    reads, kernels, rows, sums = [], [], [], []
    step = max(1, len(tasks) // max(1, sample))
    for task in tasks[::step]:
        t0 = time.perf_counter()
        long = read_bars(path, tickers=task.tickers, columns=("close", "volume"))
        closes = E.Panel.from_long(long, "date", "symbol", "close", task.calendar, name="close")
        volume = E.Panel.from_long(long, "date", "symbol", "volume", task.calendar, name="volume")
        t1 = time.perf_counter()
        sums.append(B.breadth_sums(closes, volume, ma_windows=task.ma_windows, cells=task.cells))
        reads.append(t1 - t0)
        kernels.append(time.perf_counter() - t1)
        rows.append(len(long))
        del long, closes, volume
    combine = {}
    for k in (1, 4):  # combine of P and of 4P partial sums: t_combine(P) = a + b P
        parts = (sums * len(tasks))[: len(tasks) * k]
        t0 = time.perf_counter()
        B.breadth_table(add_sums(parts))
        combine[len(parts)] = time.perf_counter() - t0
    return {
        "t_index": t_index,
        "read": reads,
        "kernel": kernels,
        "rows": rows,
        "combine": combine,
        "result_bytes": int(sums[0].memory_usage(deep=True).sum()),
    }


def run_single(path: str, partitions: int, sample: int) -> dict[str, Any]:
    """In a fresh process: the timed in-process run, its peak RSS, then the profile."""
    from capsize.scale import dataset_breadth

    t0 = time.perf_counter()
    table = dataset_breadth(path, partitions=partitions).table
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {
        "table": table,
        "seconds": seconds,
        "peak": peak,
        "profile": _profile(path, partitions, sample),
    }


# --------------------------------------------------------------------------- cluster


def _worker_peak() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _worker_rss() -> int:
    import psutil

    return int(psutil.Process().memory_info().rss)


def _noop(i: int) -> int:
    return i


def _warm() -> None:
    import capsize.scale  # noqa: F401


class _Sampler:
    """Sample every worker's RSS every ``every`` seconds (``client.run``) and keep the max."""

    def __init__(self, client: Any, every: float = 0.25) -> None:
        self.client, self.every, self.peak = client, every, dict[str, int]()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            for w, rss in self.client.run(_worker_rss).items():
                self.peak[w] = max(self.peak.get(w, 0), rss)
            self._stop.wait(self.every)

    def __enter__(self) -> _Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run_cluster(path: str, partitions: int, workers: int, sweep: dict[str, Any]) -> dict[str, Any]:
    """Breadth, sweep blocks and bootstrap blocks on a new LocalCluster of ``workers``."""
    import distributed

    from capsize.scale import dataset_breadth, partitioned_bootstrap_ci, partitioned_sweep

    t0 = time.perf_counter()
    with (
        distributed.LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        start = time.perf_counter() - t0
        t0 = time.perf_counter()
        client.gather(client.map(_noop, range(200), pure=False))
        overhead = (time.perf_counter() - t0) / 200
        t0 = time.perf_counter()  # warm-up: imports and numba kernels on every worker
        client.run(_warm)
        few = [f"S{i:05d}" for i in range(8 * workers)]
        dataset_breadth(path, tickers=few, partitions=2 * workers, runner=client)
        warm = time.perf_counter() - t0
        base = client.run(_worker_rss)
        with _Sampler(client) as sampler, distributed.get_task_stream(client) as ts:
            t0 = time.perf_counter()
            table = dataset_breadth(path, partitions=partitions, runner=client).table
            seconds = time.perf_counter() - t0
        peak = client.run(_worker_peak)
        task_s = [
            sum(s["stop"] - s["start"] for s in t["startstops"] if s["action"] == "compute")
            for t in ts.data
        ]
        partitioned_sweep(sweep["fn"], sweep["legs"], fast=[5, 6], slow=[50], runner=client)
        t0 = time.perf_counter()
        grid = partitioned_sweep(sweep["fn"], sweep["legs"], blocks=4, runner=client, **sweep["kw"])
        sweep_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        ci = partitioned_bootstrap_ci(
            sweep["legs"]["s"], "sharpe", n=sweep["n_boot"], blocks=4, runner=client
        )
        boot_s = time.perf_counter() - t0
    return {
        "workers": workers,
        "start": start,
        "overhead": overhead,
        "warm": warm,
        "seconds": seconds,
        "table": table,
        "base_rss": base,
        "peak": peak,
        "sampled": sampler.peak,
        "task_seconds": task_s,
        "grid": grid,
        "sweep_seconds": sweep_s,
        "ci": ci,
        "boot_seconds": boot_s,
    }


# --------------------------------------------------------------------------- checks


def same_breadth(got: pd.DataFrame, ref: pd.DataFrame) -> str:
    """'bit-equal', 'equal (float sums within 1e-12)' or the first difference."""
    if got.equals(ref):
        return "bit-equal"
    try:
        exact = [c for c in ref.columns if c not in FLOAT_SUMS]
        pd.testing.assert_frame_equal(got[exact], ref[exact], check_exact=True)
        floats = [c for c in FLOAT_SUMS if c in ref.columns]
        pd.testing.assert_frame_equal(got[floats], ref[floats], rtol=1e-12, atol=1e-12)
    except AssertionError as exc:
        return f"DIFFERENT: {str(exc).splitlines()[0]}"
    return "equal (counts exactly, float sums within 1e-12)"


def whole_panel_check(path: str, table: pd.DataFrame) -> str:
    """Compare with compute_breadth on the whole panel read at once."""
    from capsize.analytics.breadth import compute_breadth
    from capsize.scale import read_panel

    closes = read_panel(path)
    volume = read_panel(path, column="volume")
    return same_breadth(table, compute_breadth(closes, volume=volume).table)


def sweep_case(days: int) -> dict[str, Any]:
    """An MA grid (pairs x lag x hold x cost) on seeded daily legs of ``days`` sessions."""
    from capsize.backtest import ma_sweep

    rng = np.random.default_rng(19)
    dates = pd.bdate_range("2001-01-02", periods=days)
    legs = pd.DataFrame(rng.normal(3e-4, 0.012, (days, 2)), index=dates, columns=["s", "l"])
    kw = {
        "fast": [5, 10, 15, 20, 30, 40, 50, 60],
        "slow": [50, 75, 100, 150, 200, 250],
        "lag": [1, 2, 3],
        "hold": [1, 5, 10],
        "cost_bps": [0, 5, 10],
    }
    return {"fn": ma_sweep, "legs": legs, "kw": kw, "n_boot": 20_000}


# --------------------------------------------------------------------------- report


def _gb(x: float) -> str:
    return f"{x / GIB:.2f} GiB"


def model(prof: dict[str, Any], overhead: float) -> dict[str, float]:
    """Fitted terms of T(P, W) = t_index + t_part ceil(P/W) + a + b P + o P."""
    (p1, c1), (p4, c4) = sorted(prof["combine"].items())
    b = (c4 - c1) / (p4 - p1)
    t_part = float(np.mean(np.add(prof["read"], prof["kernel"])))
    return {
        "t_index": prof["t_index"],
        "t_part": t_part,
        "t_read": float(np.mean(prof["read"])),
        "t_kernel": float(np.mean(prof["kernel"])),
        "a": c1 - b * p1,
        "b": b,
        "o": overhead,
        "rows_part": float(np.mean(prof["rows"])),
    }


def predict(m: dict[str, float], p: int, w: int) -> float:
    """Model time (s) of P partitions on W workers."""
    return m["t_index"] + m["t_part"] * math.ceil(p / w) + m["a"] + (m["b"] + m["o"]) * p


def minute_estimate(
    m: dict[str, float], bytes_per_row: float, tickers: int, rows_now: int
) -> list[str]:
    """Lines of the 16-worker minute-bar estimate, with its assumptions."""
    rows = tickers * 390 * 6300
    part_rows = m["rows_part"]  # partitions kept at the measured size (memory per worker)
    p = math.ceil(rows / part_rows)
    t_row = m["t_part"] / part_rows
    compute = math.ceil(p / 16) * m["t_part"]
    index = m["t_index"] * rows / rows_now  # the calendar scan on the client, linear in rows
    result = 390 * 6300 * 20 * 8  # per-minute sums: 20 float64 columns per bar
    combine = p * result / (16 * 1.25e9)  # tree reduction on the workers, 10 Gbit/s each
    lines = [
        f"  data: {tickers:,} tickers x 390 bars x 6,300 days = {rows / 1e9:.1f} G rows, "
        f"{rows * bytes_per_row / 1e12:.2f} TB of Parquet at the measured "
        f"{bytes_per_row:.1f} B/row; partitions of {part_rows / 1e6:.1f} M rows (as measured, "
        f"so a worker's memory stays as measured): P = {p:,}",
        f"  read + kernel, linear in rows ({t_row * 1e9:.0f} ns/row measured, local disk): "
        f"ceil(P/16) x t_part = {compute / 3600:.1f} h",
    ]
    net = {rate: rows * bytes_per_row / (16 * rate * 1e6) for rate in (100, 400)}
    for rate in (100, 400):
        lines.append(
            f"  + object storage at {rate} MB/s per worker: {net[rate] / 60:.0f} min "
            "(if not overlapped with compute)"
        )
    lines += [
        f"  + scheduler: {p:,} tasks x {m['o'] * 1e3:.1f} ms = {p * m['o']:.0f} s",
        f"  + calendar scan on the client (t_index, linear in rows): {index / 3600:.1f} h "
        "as built; seconds if the days and symbols came from the manifest",
        f"  + combine: per-minute sums of {result / 1e6:.0f} MB per partition, "
        f"{p * result / 1e12:.1f} TB in all: added on the client, hours; added on the "
        f"workers (tree reduction, 10 Gbit/s each) about {combine / 60:.0f} min",
        f"  total, 16 workers, 100 MB/s: about "
        f"{(compute + net[100] + combine + p * m['o']) / 3600:.1f} h with a tree reduction "
        "and the calendar from metadata; "
        f"{(compute + net[100] + index + p * m['o']) / 3600:.1f} h + the client-side combine "
        "as built",
    ]
    return lines


def _report_breadth(
    args: argparse.Namespace,
    manifest: dict[str, Any],
    single: dict[str, Any],
    clusters: list[dict[str, Any]],
) -> None:
    rows = manifest["tables"]["bars"]
    print(
        f"\n== dataset: {args.tickers:,} tickers x {args.days:,} days, {rows:,} bars "
        f"({args.tickers * args.days * 8 / GIB:.2f} GiB of float64 closes as a dense panel), "
        f"{manifest['bytes'] / MIB:,.0f} MiB of Parquet, written in {manifest['write_seconds']} s"
    )
    print(f"   load: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")
    print(f"\n== breadth over {args.partitions} ticker partitions")
    print(f"  single process   {single['seconds']:7.1f} s   peak RSS {_gb(single['peak'])}")
    for c in clusters:
        peaks = ", ".join(_gb(v) for v in c["peak"].values())
        sampled = ", ".join(_gb(v) for v in c["sampled"].values())
        print(
            f"  LocalCluster({c['workers']})  {c['seconds']:7.1f} s   peak RSS per worker "
            f"{peaks} (sampled max {sampled}); cluster start {c['start']:.1f} s, "
            f"warm-up {c['warm']:.1f} s"
        )
    print("\n== equality")
    for c in clusters:
        eq = same_breadth(c["table"], single["table"])
        print(f"  LocalCluster({c['workers']}) vs single: {eq}")
    if args.tickers * args.days <= 20_000_000:
        eq = whole_panel_check(str(args.dir), single["table"])
        print(f"  single vs compute_breadth(whole panel): {eq}")
    else:
        print("  (whole-panel compute_breadth skipped above 20M cells; tests cover it)")


def _report_model(
    args: argparse.Namespace,
    manifest: dict[str, Any],
    single: dict[str, Any],
    clusters: list[dict[str, Any]],
) -> None:
    prof = single["profile"]
    m = model(prof, clusters[-1]["overhead"])
    parts = np.add(prof["read"], prof["kernel"])
    print("\n== cost model  T(P, W) = t_index + t_part * ceil(P/W) + t_combine(P) + o * P")
    print(
        f"  t_index   (days and symbols of the dataset, on the client) {m['t_index']:.2f} s\n"
        f"  t_part    (read {m['t_read']:.2f} s + kernel {m['t_kernel']:.2f} s, mean of "
        f"{len(parts)} of {args.partitions} partitions of {m['rows_part'] / 1e6:.2f} M rows) "
        f"{m['t_part']:.2f} s (min {parts.min():.2f}, max {parts.max():.2f})\n"
        f"  t_combine (add the sums + finish) {m['a']:.3f} s + {m['b'] * 1e3:.2f} ms x P\n"
        "  o         (scheduler round trip per task, 200 empty tasks) "
        + ", ".join(f"W={c['workers']}: {c['overhead'] * 1e3:.1f} ms" for c in clusters)
    )
    for c in clusters:
        pred = predict({**m, "o": c["overhead"]}, args.partitions, c["workers"])
        mean_task = float(np.mean(c["task_seconds"])) if c["task_seconds"] else float("nan")
        print(
            f"  W={c['workers']}: model {pred:.1f} s, measured {c['seconds']:.1f} s "
            f"({(c['seconds'] - pred) / pred:+.0%}); mean task on the workers {mean_task:.2f} s "
            f"vs t_part {m['t_part']:.2f} s in process"
        )
    pred = predict({**m, "o": 0.0}, args.partitions, 1)
    print(
        f"  single process (no scheduler): model {pred:.1f} s, measured {single['seconds']:.1f} s"
    )
    print("\n== 16 workers, 20,000 tickers of minute bars (model, not measured)")
    rows = manifest["tables"]["bars"]
    for line in minute_estimate(m, manifest["bytes"] / rows, 20_000, rows):
        print(line)


def _report_blocks(
    args: argparse.Namespace, clusters: list[dict[str, Any]], refs: dict[str, Any]
) -> None:
    print(
        f"\n== sweep: ma_sweep, {len(refs['grid']):,} configurations x {args.days:,} days, 4 blocks"
    )
    print(f"  single call      {refs['grid_s']:6.2f} s")
    for c in clusters:
        eq = "bit-equal" if c["grid"].equals(refs["grid"]) else "DIFFERENT"
        print(f"  LocalCluster({c['workers']})  {c['sweep_seconds']:6.2f} s  {eq}")
    print(
        f"\n== bootstrap: Sharpe interval, {refs['n_boot']:,} resamples of {args.days:,} days, 4 blocks"
    )
    print(f"  single call      {refs['boot_s']:6.2f} s")
    for c in clusters:
        eq = "bit-equal" if c["ci"] == refs["ci"] else "DIFFERENT"
        print(f"  LocalCluster({c['workers']})  {c['boot_seconds']:6.2f} s  {eq}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tickers", type=int, default=20_000)
    ap.add_argument("--days", type=int, default=6_300)
    ap.add_argument("--partitions", type=int, default=16)
    ap.add_argument("--seed", type=int, default=19)
    ap.add_argument("--profile", type=int, default=4, help="partitions timed for the model")
    ap.add_argument("--dir", type=Path, default=Path("/tmp/capsize-scale-bench"))
    args = ap.parse_args()
    args.dir = args.dir / f"{args.tickers}x{args.days}"
    print(f"writing or reusing the dataset at {args.dir} ...", flush=True)
    manifest = write_dataset(args.dir, args.tickers, args.days, args.seed)
    path = str(args.dir)
    print(f"single process run (fresh process) ... {time.strftime('%H:%M:%S')}", flush=True)
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        single = pool.submit(run_single, path, args.partitions, args.profile).result()
    sweep = sweep_case(args.days)
    from capsize.backtest import block_bootstrap_ci

    sweep["fn"](sweep["legs"], fast=[5], slow=[50])  # numba kernels loaded, as on the workers
    t0 = time.perf_counter()
    refs: dict[str, Any] = {"grid": sweep["fn"](sweep["legs"], **sweep["kw"])}
    refs["grid_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    refs["ci"] = block_bootstrap_ci(sweep["legs"]["s"], "sharpe", n=sweep["n_boot"])
    refs["boot_s"] = time.perf_counter() - t0
    refs["n_boot"] = sweep["n_boot"]
    clusters = []
    for w in (1, 2):
        print(f"LocalCluster({w}) run ... {time.strftime('%H:%M:%S')}", flush=True)
        clusters.append(run_cluster(path, args.partitions, w, sweep))
    _report_breadth(args, manifest, single, clusters)
    _report_model(args, manifest, single, clusters)
    _report_blocks(args, clusters, refs)


if __name__ == "__main__":
    main()
