"""Backtest sweep benchmark: capsize's sweep engine vs vectorbt on the same grids.

Grids, over IWM and SPY total-return closes from ``$CAPSIZE_SHARED/data/prices``
(2000-05-26 .. 2026-08-21, ~6,600 sessions):

(a) **moving-average pairs**: 1,000 (fast, slow) pairs (fast 2..41 x slow 50..290 step
    10) on the IWM close; hold IWM while the fast average is above the slow one, else
    cash; trade at the next close (lag 1); no costs. vectorbt: ``MA.run`` x 2 and
    ``Portfolio.from_signals`` (entries shifted one bar). capsize: ``ma_sweep``.
(b) **sleeves, calendar rebalancing**: 1,000 configurations (250 IWM weights in 0..30 %
    x rebalance monthly / quarterly / yearly / never) in an IWM/SPY portfolio, no costs.
    vectorbt: ``Portfolio.from_orders`` with target percents on rebalance dates, cash
    shared per group, ``call_seq="auto"``. capsize: ``sleeve_sweep``.
(c) **sleeves, the full 10,000-configuration grid**: 25 weights x 20 bands (none and
    0.5..10 points) x 4 calendar rules x 5 costs (0..20 bps), capsize only: vectorbt has
    no band rule (a band is path-dependent: it needs a hand-written numba order function
    via ``from_order_func``, i.e. writing the kernel oneself), its fee model (fees taken
    from cash on each order) differs from capsize's (cost as a fraction of the portfolio
    at the trade), and the grid would need 20,000 price columns (about 1 GB per float
    array) in vectorbt.

Costs are zero in (a) and (b) so both engines compute the same thing; results (total
return, Sharpe with 252 periods a year, max drawdown per configuration) are compared:
"identical" within 1e-9 relative (the bar), "agree" within 1e-7. vectorbt runs with an
initial cash of 1,000,000 (returns do not depend on it). With a cash of 1 the sleeves
agreed only to 2.6e-8: vectorbt compares share counts and cash amounts with an absolute
tolerance (``abs_tol = 1e-12`` in ``vectorbt.utils.math_``), which at that scale drops or
rounds small rebalances (e.g. a 30 % sleeve drifted by 3e-7 on 2013-03-01); with
1,000,000 they agree to ~3e-14 (measured).

**Fairness.** Each engine runs in its own fresh process, started the same way. numpy,
pandas and the data are loaded before the clock starts (both need them); the clock then
covers ``import vectorbt`` / ``import capsize.backtest`` **and** the first call ("first
call": imports, numba compilation or cache loading, the work). "call only" is the first
call without the import; "second call" is the same call again in that process.

**Backends** (the ``backend`` column: ``attrs["backend"]`` of capsize's result). By
default capsize runs its kernels from the module compiled ahead of time at install
(``aot:<cpu variant>``, e.g. ``aot:x86-64-v3``; see
``src/capsize/backtest/sweep/_backend.py``), which imports no numba. For a
before/after in the same run, ``capsize-ma-jit`` and ``capsize-sleeve-jit`` run the same
grids with ``CAPSIZE_NO_AOT=1`` (the engine without the AOT module: the vectorized numpy
path for the MA grid, numba's JIT kernel for the sleeves), and ``capsize-ma-kernel``
with ``CAPSIZE_NO_AOT=1 CAPSIZE_NO_VECTORIZE=1`` (every configuration on numba's JIT
kernel). A capsize task printed with ``numba``/``vectorized`` instead of ``aot`` means
the module is not built (``pip install -e .`` builds it).

**Bytecode.** vectorbt is imported from site-packages, whose ``.pyc`` files pip wrote at
install; capsize is imported from the source tree. The driver byte-compiles
``src/capsize`` once before the runs (``compileall``) so both import from bytecode, as an
installed capsize does: without it, on a machine with ``PYTHONDONTWRITEBYTECODE=1`` (as
here), every run compiles capsize's ~30 modules from source (~50 ms of CPU, measured).

**numba caches.** Mode ``cold``: ``NUMBA_CACHE_DIR`` is a new empty folder, so every
numba function either library uses is compiled inside its first call. Mode ``warm``: the
same folder after the cold pass (or after a discarded priming pass when only ``warm``
is asked), i.e. the on-disk caches a user has after the first use.

**Memory.** Peak resident set growth of the process (VmHWM after ``clear_refs``; numba
allocations are invisible to tracemalloc): "import+call" from before the import to the
end of the first call, "call" from after the import. ``--tracemalloc`` adds tracemalloc's
peak of Python/numpy allocations (it slows both engines, so timings are taken without it).

The machine's load average (``os.getloadavg``) is printed before and after each task:
the figures of a loaded machine are slower for both engines, not comparable across runs.
Wall-clock times are printed with the process's CPU time (``time.process_time``, all
threads): on a shared, loaded machine the wall clock of a sub-second task is mostly
waiting for a core, so CPU-time ratios are printed too.

vectorbt is in the ``bench`` extra (``pip install "capsize[bench]"``), never in ``dev``.
Run: ``python benchmarks/backtest.py [--cache cold|warm|both] [--python PATH]``
(``--python``: the interpreter that has vectorbt, if not this one).
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
FAST = np.arange(2, 42)
SLOW = np.arange(50, 300, 10)
WEIGHTS_B = np.linspace(0.0, 0.3, 250)
RULES = ["M", "Q", "A", None]
TASKS = (
    "vbt-ma",
    "capsize-ma",
    "capsize-ma-jit",
    "capsize-ma-kernel",
    "vbt-sleeve",
    "capsize-sleeve",
    "capsize-sleeve-jit",
    "capsize-sleeve10k",
)
TASK_ENV = {
    "capsize-ma-jit": {"CAPSIZE_NO_AOT": "1"},
    "capsize-ma-kernel": {"CAPSIZE_NO_AOT": "1", "CAPSIZE_NO_VECTORIZE": "1"},
    "capsize-sleeve-jit": {"CAPSIZE_NO_AOT": "1"},
}
"""Environment of the before/after tasks (the others run with no CAPSIZE_NO_* variable)."""
Result = tuple[dict[str, np.ndarray], str]
"""An engine's results (total return, Sharpe, max drawdown per configuration), backend."""
INIT_CASH = 1_000_000.0


# --------------------------------------------------------------------------- data


def closes() -> pd.DataFrame:
    shared = Path(os.environ.get("CAPSIZE_SHARED", ROOT.parent / "shared")) / "data" / "prices"
    cols = [
        pd.read_csv(shared / f"{s}.csv", parse_dates=["date"]).set_index("date")["close"].rename(s)
        for s in ("IWM", "SPY")
    ]
    return pd.concat(cols, axis=1, sort=True).dropna()


def returns(c: pd.DataFrame) -> pd.DataFrame:
    """Per-period returns with a 0 first row: both engines start at the first close."""
    return c.pct_change().fillna(0.0)


def rebalance_mask(index: pd.DatetimeIndex, rule: str | None) -> np.ndarray:
    mask = np.zeros(len(index), dtype=bool)
    if rule is not None:
        p = index.to_period({"M": "M", "Q": "Q", "A": "Y"}[rule]).asi8
        mask[1:] = p[1:] != p[:-1]
    return mask


# --------------------------------------------------------------------------- memory


def _status(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def _reset_peak() -> None:
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


# --------------------------------------------------------------------------- engines


def _stats(res: pd.DataFrame) -> Result:
    stats = {k: res[k].to_numpy() for k in ("total_return", "sharpe", "max_drawdown")}
    used = str(res.attrs["backend"])
    if used == "aot":  # with the CPU variant of the module: "aot:x86-64-v3"
        from capsize.backtest.sweep._backend import kernels

        used = kernels().label
    return stats, used


def vbt_ma(c: pd.DataFrame) -> Result:
    import vectorbt as vbt

    close = c["IWM"]
    pairs = [(f, s) for f in FAST for s in SLOW]
    f_ma = vbt.MA.run(close, window=[p[0] for p in pairs], short_name="fast")
    s_ma = vbt.MA.run(close, window=[p[1] for p in pairs], short_name="slow")
    above = f_ma.ma.to_numpy() / s_ma.ma.to_numpy() - 1.0 > 0.0
    entries = np.zeros_like(above)
    entries[1:] = above[:-1]  # the signal of close t is traded at close t + 1
    pf = vbt.Portfolio.from_signals(
        close,
        pd.DataFrame(entries, index=close.index),
        pd.DataFrame(~entries, index=close.index),
        init_cash=INIT_CASH,
        freq="1D",
    )
    stats = {
        "total_return": pf.total_return().to_numpy(),
        "sharpe": pf.sharpe_ratio(year_freq="252 days").to_numpy(),
        "max_drawdown": pf.max_drawdown().to_numpy(),
    }
    return stats, "vectorbt"


def capsize_ma(c: pd.DataFrame) -> Result:
    from capsize import backtest as bt

    res = bt.ma_sweep(
        returns(c), fast=list(FAST), slow=list(SLOW), price=c["IWM"], below="cash", lag=1
    )
    return _stats(res)


def vbt_sleeve(c: pd.DataFrame) -> Result:
    import vectorbt as vbt

    grid = [(w, rule) for w in WEIGHTS_B for rule in RULES]
    k = len(grid)
    n = len(c)
    close = pd.DataFrame(np.tile(c.to_numpy(), (1, k)), index=c.index)
    size = np.full((n, 2 * k), np.nan)
    masks = {rule: rebalance_mask(pd.DatetimeIndex(c.index), rule) for rule in RULES}
    for j, (w, rule) in enumerate(grid):
        rows = masks[rule].copy()
        rows[0] = True
        size[rows, 2 * j] = w
        size[rows, 2 * j + 1] = 1.0 - w
    pf = vbt.Portfolio.from_orders(
        close,
        size,
        size_type="targetpercent",
        group_by=np.repeat(np.arange(k), 2),
        cash_sharing=True,
        call_seq="auto",
        init_cash=INIT_CASH,
        freq="1D",
    )
    stats = {
        "total_return": pf.total_return().to_numpy(),
        "sharpe": pf.sharpe_ratio(year_freq="252 days").to_numpy(),
        "max_drawdown": pf.max_drawdown().to_numpy(),
    }
    return stats, "vectorbt"


def capsize_sleeve(c: pd.DataFrame) -> Result:
    from capsize import backtest as bt

    res = bt.sleeve_sweep(returns(c), weights=list(WEIGHTS_B), rebalance=RULES)
    return _stats(res)


def capsize_sleeve10k(c: pd.DataFrame) -> Result:
    from capsize import backtest as bt

    res = bt.sleeve_sweep(
        returns(c),
        weights=list(np.linspace(0.0, 0.3, 25)),
        bands=[None, *np.linspace(0.005, 0.1, 19)],
        rebalance=RULES,
        cost_bps=[0.0, 2.0, 5.0, 10.0, 20.0],
    )
    assert len(res) == 10_000
    return _stats(res)


ENGINES = {
    "vbt-ma": vbt_ma,
    "capsize-ma": capsize_ma,
    "capsize-ma-jit": capsize_ma,
    "capsize-ma-kernel": capsize_ma,
    "vbt-sleeve": vbt_sleeve,
    "capsize-sleeve": capsize_sleeve,
    "capsize-sleeve-jit": capsize_sleeve,
    "capsize-sleeve10k": capsize_sleeve10k,
}


def worker(task: str, out: Path, trace: bool) -> None:
    """Run one engine twice in this fresh process; write timings, memory and results."""
    c = closes()
    fn = ENGINES[task]
    _reset_peak()
    rss0 = _status("VmRSS")
    c0 = time.process_time()
    t0 = time.perf_counter()
    if task.startswith("vbt"):
        import vectorbt  # noqa: F401
    else:
        import capsize.backtest  # noqa: F401
    t_import = time.perf_counter() - t0
    rss1 = _status("VmRSS")
    if trace:
        tracemalloc.start()
    t1 = time.perf_counter()
    res, used = fn(c)
    t2 = time.perf_counter()
    cpu_first = time.process_time() - c0
    traced = tracemalloc.get_traced_memory()[1] if trace else 0
    tracemalloc.stop()
    peak = _status("VmHWM")
    c3, t3 = time.process_time(), time.perf_counter()
    fn(c)
    second = time.perf_counter() - t3
    cpu_second = time.process_time() - c3
    np.savez(out / f"{task}.npz", **res)
    info = {
        "first_s": t2 - t0,
        "import_s": t_import,
        "call_s": t2 - t1,
        "second_s": second,
        "cpu_first_s": cpu_first,
        "cpu_second_s": cpu_second,
        "peak_rss_bytes": peak - rss0,
        "call_rss_bytes": max(peak - rss1, 0),
        "traced_bytes": traced,
        "numba_imported": "numba" in sys.modules,
        "backend": used,
    }
    (out / f"{task}.json").write_text(json.dumps(info))


# --------------------------------------------------------------------------- driver


def _run(python: str, task: str, out: Path, cache_dir: str, trace: bool) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAPSIZE_NO_")}
    env.update(TASK_ENV.get(task, {}), PYTHONPATH=str(ROOT / "src"), NUMBA_CACHE_DIR=cache_dir)
    cmd = [python, __file__, "--worker", task, "--out", str(out)] + (
        ["--tracemalloc"] if trace else []
    )
    load0 = os.getloadavg()[0]
    subprocess.run(cmd, env=env, check=True)
    info = dict(json.loads((out / f"{task}.json").read_text()))
    info["load"] = (load0, os.getloadavg()[0])
    return info


def _check(out: Path, a: str, b: str) -> float:
    """Return the largest relative difference between two engines' results."""
    ra, rb = np.load(out / f"{a}.npz"), np.load(out / f"{b}.npz")
    worst = 0.0
    for key in ra.files:
        x, y = ra[key], rb[key]
        if x.shape != y.shape or not np.array_equal(np.isnan(x), np.isnan(y)):
            raise SystemExit(f"{a} vs {b}: {key} differ in shape or NaN pattern")
        ok = ~np.isnan(x)
        rel = np.abs(x[ok] - y[ok]) / np.maximum(np.abs(y[ok]), 1e-12)
        worst = max(worst, float(rel.max(initial=0.0)))
    return worst


def _mb(x: float) -> str:
    return f"{x / 2**20:8.1f} MB"


def _line(task: str, i: dict[str, Any]) -> str:
    return (
        f"{task:18s} first {i['first_s']:7.3f} s (import {i['import_s']:5.2f} + call "
        f"{i['call_s']:7.3f})  second {i['second_s']:7.3f} s  CPU first {i['cpu_first_s']:7.3f} s "
        f"second {i['cpu_second_s']:7.3f} s  peak RSS +{_mb(i['peak_rss_bytes'])}"
        f" (call +{_mb(i['call_rss_bytes'])})  numba {'yes' if i['numba_imported'] else 'no '}"
        f"  backend {i['backend']:13s} load {i['load'][0]:.1f}->{i['load'][1]:.1f}"
    )


def _ratios(out: Path, info: dict[str, dict[str, Any]], vbt: str, cap: str) -> str:
    v, c = info[vbt], info[cap]
    diff = _check(out, vbt, cap)
    verdict = "identical" if diff <= 1e-9 else "agree" if diff <= 1e-7 else "DIFFER"
    mem = max(c["peak_rss_bytes"], c["traced_bytes"]) / max(v["peak_rss_bytes"], v["traced_bytes"])
    return (
        f"{cap:18s} vs {vbt}: {verdict} (max rel diff {diff:.1e}); faster: first call "
        f"{v['first_s'] / c['first_s']:6.1f}x, call only {v['call_s'] / c['call_s']:6.1f}x, "
        f"second call {v['second_s'] / c['second_s']:6.1f}x; CPU time: first call "
        f"{v['cpu_first_s'] / c['cpu_first_s']:6.1f}x, second {v['cpu_second_s'] / c['cpu_second_s']:6.1f}x; "
        f"peak memory capsize/vectorbt "
        f"{mem:.4f} (call only {c['call_rss_bytes'] / v['call_rss_bytes']:.4f})"
    )


def report(modes: list[str], python: str, trace: bool) -> None:
    compileall.compile_dir(ROOT / "src" / "capsize", quiet=1)  # bytecode, as when installed
    print(f"byte-compiled {ROOT / 'src' / 'capsize'} (capsize imports from .pyc, as vectorbt)")
    with tempfile.TemporaryDirectory() as cache:
        if modes == ["warm"]:  # fill the caches first (timings discarded)
            prime = RESULTS / "backtest-prime"
            prime.mkdir(parents=True, exist_ok=True)
            for task in TASKS:
                _run(python, task, prime, cache, trace=False)
        for mode in modes:
            out = RESULTS / f"backtest-{mode}"
            out.mkdir(parents=True, exist_ok=True)
            info = {task: _run(python, task, out, cache, trace) for task in TASKS}
            print(f"\n== numba cache: {mode} ==")
            for task, i in info.items():
                print(_line(task, i))
            for vbt, cap in (
                ("vbt-ma", "capsize-ma"),
                ("vbt-ma", "capsize-ma-jit"),
                ("vbt-ma", "capsize-ma-kernel"),
                ("vbt-sleeve", "capsize-sleeve"),
                ("vbt-sleeve", "capsize-sleeve-jit"),
            ):
                print(_ratios(out, info, vbt, cap))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cache", choices=["cold", "warm", "both"], default="both")
    ap.add_argument("--python", default=sys.executable, help="interpreter with vectorbt")
    ap.add_argument(
        "--tracemalloc",
        action="store_true",
        help="also trace Python/numpy allocations (slows both)",
    )
    ap.add_argument("--worker", choices=TASKS, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, args.out, args.tracemalloc)
        return
    modes = ["cold", "warm"] if args.cache == "both" else [args.cache]
    report(modes, args.python, args.tracemalloc)


if __name__ == "__main__":
    main()
