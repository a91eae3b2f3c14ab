"""Benchmark the CLI's start-up: ``--help`` and the quick commands, end to end in a new process.

Goals (issue "One question, one answer", item 6): ``capsize --help`` and every
``capsize COMMAND --help`` under 0.3 s; ``perf``, ``highs`` and ``compare`` under 0.5 s
warm. Each case runs as a new process (``python -m capsize.cli ...`` is what the
``capsize`` script does), ``--repeat`` times after one warm-up; the table shows the
median and the best, and their ratio to the baseline ``python -c pass`` measured in the
same run (the interpreter's own start-up: the floor no command can beat).

Uses the store at ``CAPSIZE_HOME`` when it holds data; otherwise imports the shared data
(``CAPSIZE_SHARED`` or ``../shared``) into a temporary home first (not timed).

Run: ``python benchmarks/cli.py [--repeat 7]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HELP_GOAL = 0.3
COMMAND_GOAL = 0.5
COMMANDS = (
    ("perf IWM SPY IWC --ytd --as-of 2025-10-08", COMMAND_GOAL),
    ("highs IWM ^RUT --as-of 2025-10-08", COMMAND_GOAL),
    ("compare IWM SPY --as-of 2025-10-08", COMMAND_GOAL),
)


def shared_data() -> Path:
    env = os.environ.get("CAPSIZE_SHARED")
    base = Path(env) if env else Path(__file__).resolve().parents[2] / "shared"
    return base / "data"


def _home() -> Path:
    home = os.environ.get("CAPSIZE_HOME")
    if home and (Path(home) / "capsize.duckdb").exists():
        return Path(home)
    tmp = Path(tempfile.mkdtemp(prefix="capsize-bench-cli-"))
    print(f"importing {shared_data()} into {tmp} (not timed) ...", flush=True)
    env = {**os.environ, "CAPSIZE_HOME": str(tmp)}
    subprocess.run(
        [sys.executable, "-m", "capsize.cli", "data", "import", str(shared_data())],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return tmp


def _subcommands() -> list[str]:
    """Top-level command names, read from the Typer app (so new commands are timed too)."""
    import typer.main

    from capsize.cli import app

    group = typer.main.get_command(app)
    return sorted(group.commands)  # type: ignore[attr-defined]


def _time(argv: list[str], env: dict[str, str], repeat: int) -> list[float]:
    out: list[float] = []
    for i in range(repeat + 1):
        t = time.perf_counter()
        res = subprocess.run(argv, env=env, capture_output=True, check=False)
        dt = time.perf_counter() - t
        if res.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed: {res.stderr.decode()[:300]}")
        if i:  # the first run warms caches (bytecode, page cache, numba)
            out.append(dt)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    home = _home()
    env = {**os.environ, "CAPSIZE_HOME": str(home), "COLUMNS": "150"}
    py = [sys.executable]
    cli = [*py, "-m", "capsize.cli"]
    base = statistics.median(_time([*py, "-c", "pass"], env, args.repeat))
    cases: list[tuple[str, list[str], float]] = [("capsize --help", [*cli, "--help"], HELP_GOAL)]
    cases += [
        (f"capsize {c} --help", [*cli, *c.split(), "--help"], HELP_GOAL) for c in _subcommands()
    ]
    cases += [(f"capsize {c}", [*cli, *c.split()], goal) for c, goal in COMMANDS]
    print(f"baseline python -c pass: {base:.3f} s (median of {args.repeat})\n")
    print(f"{'case':<58} {'median s':>9} {'best s':>8} {'x base':>7} {'goal s':>7}  met")
    missed = 0
    for name, argv, goal in cases:
        times = _time(argv, env, args.repeat)
        med, best = statistics.median(times), min(times)
        ok = med < goal
        missed += not ok
        print(
            f"{name:<58} {med:>9.3f} {best:>8.3f} {med / base:>7.1f} {goal:>7.1f}  "
            f"{'yes' if ok else 'NO'}"
        )
    print(f"\n{len(cases) - missed} of {len(cases)} cases met their goal (median).")


if __name__ == "__main__":
    main()
