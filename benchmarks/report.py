"""Benchmark ``capsize report`` on the shared data: where the time goes, cold and warm.

Uses the store at ``CAPSIZE_HOME`` when it holds data; otherwise imports the shared data
(``CAPSIZE_SHARED`` or ``../shared``) into a temporary home first (not timed).

Prints, for a cold and a warm in-process run, the time of each step (loading the
closes, each section, the narrative, the charts, the template) against a baseline
measured in the same run: one ``store.closes`` call for the report's proxies. Then the
end-to-end time of the ``capsize report`` command in a fresh process (twice; the
second is the warm figure, goal < 3 s).

Run: ``python benchmarks/report.py [--as-of 2025-10-08]``
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def shared_data() -> Path:
    env = os.environ.get("CAPSIZE_SHARED")
    base = Path(env) if env else Path(__file__).resolve().parents[2] / "shared"
    return base / "data"


def _home() -> Path:
    from capsize.data.store import Store

    home = os.environ.get("CAPSIZE_HOME")
    if home and (Path(home) / "capsize.duckdb").exists():
        s = Store.open(Path(home) / "capsize.duckdb", read_only=True)
        try:
            if not s.is_empty():
                return Path(home)
        finally:
            s.close()
    tmp = Path(tempfile.mkdtemp(prefix="capsize-bench-"))
    from capsize.data.ingest import import_folder

    print(f"importing {shared_data()} into {tmp} (not timed) ...", flush=True)
    s = Store.open(tmp / "capsize.duckdb")
    try:
        import_folder(s, shared_data())
    finally:
        s.close()
    return tmp


def _timed(steps: list[tuple[str, float]], name: str, fn: Callable[[], Any]) -> Any:
    t = time.perf_counter()
    out = fn()
    steps.append((name, time.perf_counter() - t))
    return out


def one_run(home: Path, as_of: str | None) -> list[tuple[str, float]]:
    """Time each step of build_context + render_html in this process."""
    from capsize.data.store import Store
    from capsize.report import charts as C
    from capsize.report._inputs import _all_candidates, load_inputs
    from capsize.report.context import build_context
    from capsize.report.narrative import write_narrative
    from capsize.report.render import render_html
    from capsize.report.sections import market as M
    from capsize.report.sections import rates as RA
    from capsize.report.sections import rating as RT
    from capsize.report.sections import risk as RI
    from capsize.report.sections import size as SZ
    from capsize.report.sections import sources as SO
    from capsize.segments import default_segments

    steps: list[tuple[str, float]] = []
    store = Store.open(home / "capsize.duckdb", read_only=True)
    try:
        held = set(store.symbols())
        syms = [s for s in _all_candidates(default_segments()) if s in held]
        _timed(steps, "baseline: store.closes(proxies)", lambda: store.closes(syms, as_of=as_of))
        inp = _timed(steps, "load inputs (closes once, proxies)", lambda: load_inputs(store, as_of))
        _timed(steps, "section scoreboard", lambda: M.scoreboard_section(inp))
        _timed(steps, "section tape", lambda: M.tape_section(inp))
        _timed(steps, "section relative strength", lambda: M.relative_section(inp))
        _timed(steps, "section leadership", lambda: M.leadership_section(inp))
        _timed(steps, "section highs", lambda: M.highs_section(inp))
        _timed(steps, "section risk", lambda: RI.risk_section(inp))
        _timed(steps, "section rates", lambda: RA.rates_section(inp))
        _timed(steps, "section size factor", lambda: SZ.size_factor_section(inp))
        _timed(steps, "section rating card (breadth panel)", lambda: RT.rating_section(inp))
        _timed(steps, "section sources", lambda: SO.sources_section(inp))
        ctx = _timed(steps, "build_context (all of the above)", lambda: build_context(store, as_of))
    finally:
        store.close()
    n = _timed(steps, "narrative", lambda: write_narrative(ctx))
    divs = _timed(steps, "chart divs (uPlot json)", lambda: C.html_charts(ctx))
    _timed(steps, "uPlot + chart driver bundle", C.chart_assets)
    _timed(steps, "template render (html)", lambda: render_html(ctx, n, divs))
    return steps


def cli_run(home: Path, as_of: str | None, out: Path) -> float:
    args = [sys.executable, "-m", "capsize.cli", "report", "-q", "--out", str(out)]
    if as_of:
        args += ["--as-of", as_of]
    code = "from capsize.cli import main; import sys; sys.argv=['capsize', *sys.argv[1:]]; main()"
    cmd = [sys.executable, "-c", code, *args[3:]]
    t = time.perf_counter()
    subprocess.run(
        cmd, check=True, env={**os.environ, "CAPSIZE_HOME": str(home)}, capture_output=True
    )
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--as-of", default=None, help="report day (default: latest)")
    ns = ap.parse_args()
    home = _home()
    runs = [one_run(home, ns.as_of) for _ in range(2)]
    base = runs[1][0][1]
    print(f"\ncapsize report, in-process, as of {ns.as_of or 'latest'} (store {home})")
    print(f"{'step':40s} {'cold s':>8s} {'warm s':>8s} {'warm / baseline':>16s}")
    for (name, cold), (_, warm) in zip(runs[0], runs[1], strict=True):
        print(f"{name:40s} {cold:8.3f} {warm:8.3f} {warm / base:15.1f}x")
    total_warm = sum(
        t
        for name, t in runs[1]
        if name.startswith(("build_context", "narrative", "chart divs", "uPlot", "template"))
    )
    print(
        f"{'build + render total (warm)':40s} {'':8s} {total_warm:8.3f} {total_warm / base:15.1f}x"
    )
    with tempfile.TemporaryDirectory() as out:
        first = cli_run(home, ns.as_of, Path(out))
        second = cli_run(home, ns.as_of, Path(out))
    print(
        f"\n'capsize report' end to end (new process): cold {first:.2f} s, warm {second:.2f} s (goal < 3 s)"
    )


if __name__ == "__main__":
    main()
