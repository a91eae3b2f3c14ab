"""Benchmark ``capsize report`` on the shared data: where the time goes, in a new process.

Uses the store at ``CAPSIZE_HOME`` when it holds data; otherwise imports the shared data
(``CAPSIZE_SHARED`` or ``../shared``) into a temporary home first (not timed).

Two measurements, each in fresh Python processes (nothing warm in memory but the OS
file cache):

1. **Steps.** A child process builds the report step by step, as ``capsize report`` does,
   and times each step (wall and CPU): the CLI's imports, the report's imports, opening
   the session, choosing the proxies, every section (in build order, each with the
   imports and queries it triggers first), the watch list and Sources, the narrative,
   the charts, the HTML template and the atomic write. The baseline, measured in the
   same child, is one ``store.closes`` read of the report's proxies; every step is shown
   as a ratio to it. The child runs ``--repeat`` times; the table shows the median.
2. **Warm steps.** A child process runs the warm path step by step, as ``capsize
   report`` does when the same report was written before: the CLI's imports (Typer is
   not imported: :mod:`capsize._cli.warm` reads the options), the warm path's imports,
   the settings, the store's stamp file, the cache key (code files, libraries,
   ``config.toml``), reading the cached files and writing them (atomic).
3. **End to end.** ``capsize report -q --out FILE`` in a new process, ``--repeat``
   times: without the report cache (``CAPSIZE_NO_CACHE=1``: every query runs), and with
   a warm cache (same store data, code, settings and day: the cached files are written
   again without pandas or DuckDB), each with ``PYTHONDONTWRITEBYTECODE=1`` and
   capsize's ``__pycache__`` folders removed first (every run compiles capsize's
   modules, as in a checkout only ever run that way), then with bytecode cached;
   and the exact user command ``capsize report --data-dir DATA`` (no options: the
   default file name in the current folder), warm. Wall and CPU time, against the
   start-up of a bare ``python -c pass`` measured in the same run. Goal: under 1 s warm.

Byte-compiled modules matter less on the warm path (it loads a dozen capsize modules);
on the building path ``PYTHONDONTWRITEBYTECODE=1`` makes every run compile capsize's
modules again (about 0.3 s of CPU).

On a shared, loaded machine wall times stretch; the CPU column and the ratios are the
more stable figures.

Run: ``python benchmarks/report.py [--as-of 2026-08-21] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

Step = tuple[str, float, float]


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


# --------------------------------------------------------------------------- child


def _timed(steps: list[Step], name: str, fn: Callable[[], Any]) -> Any:
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    steps.append((name, time.perf_counter() - w, time.process_time() - c))
    return out


def child(as_of: str | None, out: Path) -> list[Step]:
    """Run the report step by step in this (new) process and time each step."""
    steps: list[Step] = []
    _timed(
        steps, "import capsize.cli, build the Typer app", lambda: __import__("capsize.cli").cli.app
    )

    def imports() -> None:
        import capsize.queries
        import capsize.report.context
        import capsize.report.narrative
        import capsize.report.render  # noqa: F401

    _timed(steps, "import report + queries modules", imports)
    from capsize._atomic import write_text
    from capsize.queries import open_session
    from capsize.report import charts as C
    from capsize.report.context import SECTIONS, build_section, finish_context, load_inputs
    from capsize.report.narrative import write_narrative
    from capsize.report.render import render_html

    sess = open_session(as_of)
    session = _timed(steps, "open session (store, settings)", sess.__enter__)
    try:
        inp = _timed(
            steps, "proxies + report day (load_inputs)", lambda: load_inputs(session, as_of)
        )
        secs = {
            key: _timed(
                steps, f"section {key}", lambda k=key, t=title, b=build: build_section(inp, k, t, b)
            )
            for key, title, build in SECTIONS
        }
        ctx = _timed(steps, "watch list + sources section", lambda: finish_context(inp, secs))
        from capsize.queries.performance import candidate_symbols

        syms = [s for s in candidate_symbols(inp.segments) if s in set(session.symbols())]
        _timed(
            steps,
            "BASELINE: store.closes(proxies)",
            lambda: session.store.closes(syms, as_of=as_of),
        )
    finally:
        sess.__exit__(None, None, None)
    narrative = _timed(steps, "narrative", lambda: write_narrative(ctx))
    divs = _timed(steps, "chart divs (uPlot json)", lambda: C.html_charts(ctx))
    _timed(steps, "uPlot + chart driver bundle", C.chart_assets)
    html = _timed(steps, "template render (html)", lambda: render_html(ctx, narrative, divs))
    _timed(steps, "write file (atomic)", lambda: write_text(out, html))
    return steps


def warm_child(as_of: str | None, out: Path) -> list[Step]:
    """Run the warm path step by step in this (new) process and time each step."""
    steps: list[Step] = []

    def cli_imports() -> None:
        import capsize._cli.warm
        import capsize.cli  # noqa: F401

    _timed(steps, "import capsize.cli + _cli.warm", cli_imports)
    args = ["report", "-q", "--out", str(out)] + (["--as-of", as_of] if as_of else [])
    from capsize._cli.warm import parse_report_args

    _timed(steps, "read the options (no Typer)", lambda: parse_report_args(args))
    _timed(steps, "import capsize.report.output", lambda: __import__("capsize.report.output"))
    from capsize.config import load_settings
    from capsize.data.stamp import read_stamp
    from capsize.report.cache import cached_files, key_for
    from capsize.report.output import iso_day, write_files

    settings = _timed(steps, "settings (config.toml, env)", load_settings)
    stamp = _timed(steps, "store stamp (data version)", lambda: read_stamp(settings.store_path))
    if stamp is None:
        raise SystemExit("no valid store stamp: run the report once first")
    key = _timed(
        steps,
        "cache key (code, libraries, settings)",
        lambda: key_for(stamp.version, settings, iso_day(as_of)),
    )
    files = _timed(steps, "read cached files", lambda: cached_files(settings, key, "html", None))
    if files is None:
        raise SystemExit("no cached report: run the report once first")
    _timed(steps, "write file (atomic)", lambda: write_files(files, "html", out))
    return steps


# --------------------------------------------------------------------------- parent


def _run_child(home: Path, as_of: str | None, out: Path, mode: str = "--child") -> list[Step]:
    cmd = [sys.executable, __file__, mode, "--out", str(out)]
    if as_of:
        cmd += ["--as-of", as_of]
    env = {**os.environ, "CAPSIZE_HOME": str(home)}
    done = subprocess.run(cmd, check=True, env=env, capture_output=True, text=True)
    return [tuple(x) for x in json.loads(done.stdout.splitlines()[-1])]  # type: ignore[misc]


def _wall(
    cmd: list[str], home: Path, *, cwd: Path | None = None, env: dict[str, str] | None = None
) -> tuple[float, float]:
    """Run ``cmd`` in a new process; return its wall time and CPU time (user + system).

    ``env`` values of ``""`` remove the variable.
    """
    full = {**os.environ, "CAPSIZE_HOME": str(home), **(env or {})}
    full = {k: v for k, v in full.items() if v != ""}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, check=True, env=full, capture_output=True, cwd=cwd)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _warm_table(runs: list[list[Step]]) -> None:
    names = [n for n, _, _ in runs[0]]
    print(f"{'step':42s} {'wall s':>8s} {'cpu s':>8s}")
    for i, n in enumerate(names):
        w = statistics.median(r[i][1] for r in runs)
        c = statistics.median(r[i][2] for r in runs)
        print(f"{n:42s} {w:8.3f} {c:8.3f}")
    total = [sum(x[1] for x in r) for r in runs], [sum(x[2] for x in r) for r in runs]
    print(f"{'total':42s} {statistics.median(total[0]):8.3f} {statistics.median(total[1]):8.3f}")


def _steps_table(runs: list[list[Step]]) -> None:
    names = [n for n, _, _ in runs[0]]
    wall = {n: statistics.median(r[i][1] for r in runs) for i, n in enumerate(names)}
    cpu = {n: statistics.median(r[i][2] for r in runs) for i, n in enumerate(names)}
    base = next(n for n in names if n.startswith("BASELINE"))
    print(f"{'step':42s} {'wall s':>8s} {'cpu s':>8s} {'cpu / baseline':>15s}")
    for n in names:
        print(f"{n:42s} {wall[n]:8.3f} {cpu[n]:8.3f} {cpu[n] / cpu[base]:14.1f}x")
    total_w = sum(v for n, v in wall.items() if n != base)
    total_c = sum(v for n, v in cpu.items() if n != base)
    print(
        f"{'total (without the baseline)':42s} {total_w:8.3f} {total_c:8.3f} {total_c / cpu[base]:14.1f}x"
    )


def _drop_bytecode() -> None:
    """Remove the compiled modules of capsize (not of the libraries: pip compiles those)."""
    import shutil

    import capsize

    for folder in Path(capsize.__file__).parent.rglob("__pycache__"):
        shutil.rmtree(folder, ignore_errors=True)


def _end_to_end(home: Path, as_of: str | None, out: Path, repeat: int) -> None:
    cli = [sys.executable, "-m", "capsize.cli", "report", "-q", "--out", str(out)]
    if as_of:
        cli += ["--as-of", as_of]
    user = [sys.executable, "-m", "capsize.cli", "report", "--data-dir", str(shared_data())]
    rows: list[tuple[str, list[tuple[float, float]]]] = []
    for bc, label in (("1", "no capsize .pyc, not written"), ("", "bytecode cached")):
        env = {"PYTHONDONTWRITEBYTECODE": bc}
        if bc:  # as in a checkout never run without PYTHONDONTWRITEBYTECODE=1
            _drop_bytecode()
        _wall(
            [sys.executable, "-m", "capsize.cli", "--help"], home, env=env
        )  # compiles when allowed
        bare = [_wall([sys.executable, "-c", "pass"], home, env=env) for _ in range(repeat)]
        warm = [_wall(cli, home, env=env) for _ in range(repeat)]
        with tempfile.TemporaryDirectory() as cwd:
            _wall(user, home, cwd=Path(cwd), env=env)  # the default name: cached by the first run
            exact = [_wall(user, home, cwd=Path(cwd), env=env) for _ in range(repeat)]
        helps = [
            _wall([sys.executable, "-m", "capsize.cli", "--help"], home, env=env)
            for _ in range(repeat)
        ]
        rows += [
            (f"baseline: python -c pass ({label})", bare),
            (f"report -q --out FILE, warm ({label})", warm),
            (f"report --data-dir DATA, warm ({label})", exact),
            (f"capsize --help ({label})", helps),
        ]
    built = [_wall(cli, home, env={"CAPSIZE_NO_CACHE": "1"}) for _ in range(repeat)]
    rows.append(("report, no cache (CAPSIZE_NO_CACHE=1): builds", built))
    print("\n'capsize report' end to end, new process each run (goal < 1 s warm)")
    print(f"{'run':60s} {'wall s':>8s} {'cpu s':>8s} {'cpu / pass':>11s}")
    base_cpu = statistics.median(c for _, c in rows[0][1])
    for name, runs_ in rows:
        w = statistics.median(x for x, _ in runs_)
        c = statistics.median(x for _, x in runs_)
        print(f"{name:60s} {w:8.2f} {c:8.2f} {c / base_cpu:10.1f}x")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--as-of", default=None, help="report day (default: latest)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each measurement")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--warm-child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, default=None, help=argparse.SUPPRESS)
    ns = ap.parse_args()
    if ns.child or ns.warm_child:
        steps = child(ns.as_of, ns.out) if ns.child else warm_child(ns.as_of, ns.out)
        print(json.dumps(steps))
        return
    home = _home()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "r.html"
        runs = [_run_child(home, ns.as_of, out) for _ in range(ns.repeat)]
        print(f"\ncapsize report built step by step, new process each run, median of {ns.repeat}")
        print(f"(as of {ns.as_of or 'latest'}, store {home})")
        _steps_table(runs)
        cli = [sys.executable, "-m", "capsize.cli", "report", "-q", "--out", str(out)]
        _wall(cli + (["--as-of", ns.as_of] if ns.as_of else []), home)  # fills the cache
        warm = [_run_child(home, ns.as_of, out, "--warm-child") for _ in range(ns.repeat)]
        print(f"\nthe warm path step by step, new process each run, median of {ns.repeat}")
        _warm_table(warm)
        _end_to_end(home, ns.as_of, out, ns.repeat)


if __name__ == "__main__":
    main()
