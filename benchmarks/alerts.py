"""Benchmark: evaluating 1,000 alert rules after an update, vectorized engine vs one query at a time.

Both ways run in the same process on the same store and must agree on the events.

* vectorized: :func:`capsize.queries.alerts.evaluate_alerts` with all the rules: one
  session, one shared read per field (the prices the rules need, over their lookback),
  the universe and flows read once, each rule's kernel run over its history;
* one query at a time: the same function called once per rule (a new session each:
  what a loop over the query layer would do).

The rules are seeded and mixed: price levels, moving averages, 52-week/all-time highs
and lows, relative strength against IWM, volume surges (symbols with volume), breadth
levels, thrusts, net highs, flow records and the rotation sign, over the universe's
symbols. The one-at-a-time loop runs on a stratified sample (``--sample``, default
100 rules) and is scaled to 1,000 (the rules of a kind cost about the same each);
``--sample 1000`` runs it whole.

Equality: besides the sample above (events equal), every rule the batched engine
evaluates (:func:`capsize.alerts.evaluate_batch`) is compared with its own kernel on
the same inputs, as of each ``--check-days`` day (default: the latest and 2025-06-30):
days, fires, evidence and provenance must be equal.

Data: the store of ``$CAPSIZE_HOME`` (or ``--home``); when it is empty, the shared data
folder is imported into a temporary home first (not timed).

``--stages`` also times the vectorized evaluation's parts once (the shared price read,
the universe read, the rotation scores, the flows, the batched one-symbol price rules,
then each kind's other rules, one kernel each), in wall-clock
and CPU seconds: where an evaluation after an update spends its time.

Run:  python benchmarks/alerts.py [--rules 1000] [--sample 100] [--repeats 3] [--stages]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from capsize.alerts import Rule
from capsize.data.store import Store
from capsize.queries.alerts import evaluate_alerts
from capsize.queries.stocks.sec import sec_source

NO_SEC = sec_source(enabled=False)


def _store(home: str | None) -> Store:
    path = Path(home or os.environ.get("CAPSIZE_HOME", "")) / "capsize.duckdb"
    if (home or os.environ.get("CAPSIZE_HOME")) and path.exists():
        return Store.open(path, read_only=True)
    from capsize.data.ingest import import_folder

    shared = Path(os.environ.get("CAPSIZE_SHARED", "../shared")) / "data"
    tmp = Path(tempfile.mkdtemp(prefix="capsize-bench-alerts-")) / "capsize.duckdb"
    store = Store.open(tmp)
    import_folder(store, shared)
    store.close()
    return Store.open(tmp, read_only=True)


def _symbol_rules(
    rng: np.random.Generator, stocks: list[str], with_volume: list[str], n: int
) -> list[Rule]:
    out: list[Rule] = []
    for i in range(n):
        sym = str(rng.choice(stocks))
        k = i % 5
        if k == 0:
            rule = Rule(
                f"r{i}",
                f"r{i}",
                "price_level",
                symbols=(sym,),
                params={"level": float(rng.uniform(5, 200))},
            )
        elif k == 1:
            rule = Rule(
                f"r{i}",
                f"r{i}",
                "price_ma",
                symbols=(sym,),
                params={"window": int(rng.choice([20, 50, 100, 200]))},
            )
        elif k == 2:
            params = {
                "span": str(rng.choice(["52w", "all"])),
                "extreme": str(rng.choice(["high", "low"])),
            }
            rule = Rule(f"r{i}", f"r{i}", "new_extreme", symbols=(sym,), params=params)
        elif k == 3:
            rule = Rule(
                f"r{i}",
                f"r{i}",
                "rs_cross",
                symbols=(sym, "IWM"),
                params={"window": int(rng.choice([50, 200]))},
            )
        else:
            vsym = str(rng.choice(with_volume))
            rule = Rule(
                f"r{i}",
                f"r{i}",
                "volume_surge",
                symbols=(vsym,),
                params={"multiple": float(rng.uniform(1.5, 3))},
            )
        out.append(rule)
    return out


def _universe_rules(rng: np.random.Generator, n: int, start: int) -> list[Rule]:
    out: list[Rule] = []
    for j in range(n):
        i, k = start + j, j % 5
        if k == 0:
            params = {
                "level": float(rng.uniform(0.2, 0.8)),
                "window": int(rng.choice([20, 50, 200])),
            }
            out.append(Rule(f"r{i}", f"r{i}", "breadth_level", params=params))
        elif k == 1:
            out.append(Rule(f"r{i}", f"r{i}", "breadth_thrust"))
        elif k == 2:
            out.append(
                Rule(
                    f"r{i}", f"r{i}", "net_highs", params={"level": float(rng.integers(-100, 200))}
                )
            )
        elif k == 3:
            params = {
                "side": str(rng.choice(["inflow", "outflow"])),
                "period": str(rng.choice(["week", "month"])),
            }
            out.append(Rule(f"r{i}", f"r{i}", "flow_record", params=params))
        else:
            out.append(Rule(f"r{i}", f"r{i}", "rotation_sign"))
    return out


def make_rules(store: Store, n: int, seed: int = 7) -> list[Rule]:
    """``n`` seeded rules: 90 % on symbols of the universe, 10 % universe-wide."""
    rng = np.random.default_rng(seed)
    stocks = store.symbols("stock")
    vol = store.con.execute(
        "SELECT DISTINCT symbol FROM bars WHERE volume IS NOT NULL AND date >= DATE '2025-01-01'"
    ).fetchall()
    with_volume = sorted(str(r[0]) for r in vol)
    n_uni = n // 10
    return _symbol_rules(rng, stocks, with_volume, n - n_uni) + _universe_rules(
        rng, n_uni, n - n_uni
    )


def _timed(fn: Callable[[], Any], repeats: int) -> tuple[float, float, Any]:
    """Median wall-clock and CPU seconds of ``repeats`` calls, and the last result."""
    wall, cpu, out = [], [], None
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return statistics.median(wall), statistics.median(cpu), out


def _stages(store: Store, rules: list[Rule]) -> None:
    """Print the wall-clock and CPU seconds of each part of one vectorized evaluation."""
    from collections import defaultdict

    from capsize.alerts import evaluate_batch, evaluate_rule
    from capsize.queries.alerts import SessionInputs
    from capsize.queries.session import session_for

    inputs = SessionInputs(session_for(store, None), sec=NO_SEC)
    parts: list[tuple[str, Callable[[], Any]]] = [
        ("shared price read (prefetch)", lambda: inputs.prefetch(rules)),
        ("universe read", lambda: inputs.memo(("universe",), inputs.universe_closes)),
        ("rotation scores", inputs.rotation_scores),
        ("segment flows", lambda: inputs.segment_flows("small")),
    ]
    for name, fn in parts:
        wall, cpu, _ = _timed(fn, 1)
        print(f"  {name:44s} {wall:9.3f} {cpu:9.3f}")
    wall, cpu, batched = _timed(lambda: evaluate_batch(rules, inputs), 1)
    name = f"one-symbol price rules, batched ({len(batched)} rules)"
    print(f"  {name:44s} {wall:9.3f} {cpu:9.3f}")
    per: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for i, rule in enumerate(rules):
        if i in batched:
            continue
        wall, cpu, _ = _timed(lambda r=rule: evaluate_rule(r, inputs), 1)
        row = per[rule.kind]
        row[0], row[1], row[2] = row[0] + 1, row[1] + wall, row[2] + cpu
    for kind, (n, wall, cpu) in sorted(per.items(), key=lambda kv: -kv[1][2]):
        print(f"  {kind + f' ({int(n)} rules)':44s} {wall:9.3f} {cpu:9.3f}")


def _same(a: Any, b: Any) -> bool:
    """Two evaluations of one rule hold the same days, fires, evidence and provenance."""
    sa, sb = a.signal, b.signal
    if not (sa.index.equals(sb.index) and sa.subjects == sb.subjects):
        return False
    if not (np.array_equal(sa.fire, sb.fire) and np.array_equal(a.fired, b.fired)):
        return False
    if dict(sa.symbols) != dict(sb.symbols) or list(sa.sources) != list(sb.sources):
        return False
    if dict(sa.unavailable) != dict(sb.unavailable) or list(sa.values) != list(sb.values):
        return False
    return all(
        np.array_equal(va.values, vb.values, equal_nan=True)
        and (va.label, va.unit, va.formula) == (vb.label, vb.unit, vb.formula)
        for va, vb in zip(sa.values.values(), sb.values.values(), strict=True)
    )


def check_batch(store: Store, rules: list[Rule], days: list[Any]) -> list[str]:
    """Check the batched evaluation against each rule's kernel, as of each day.

    Every rule the batch evaluates must equal :func:`capsize.alerts.evaluate_rule` on the
    same inputs (days, fires before and after the cool-down, evidence arrays and labels,
    provenance). Returns one line per day: rules batched, rules left to their kernel.
    """
    from capsize.alerts import evaluate_batch, evaluate_rule
    from capsize.queries.alerts import SessionInputs
    from capsize.queries.session import session_for

    lines = []
    for day in days:
        inputs = SessionInputs(session_for(store, day), sec=NO_SEC)
        inputs.prefetch(rules)
        batched = evaluate_batch(rules, inputs)
        for i, ev in batched.items():
            one = evaluate_rule(rules[i], inputs)
            assert _same(ev, one), f"batched {rules[i].id} differs from its kernel as of {day}"
        lines.append(
            f"as of {day or 'latest'}: {len(batched)} rules batched, equal to their kernels"
        )
    return lines


def _fires(res: Any) -> set[tuple[str, ...]]:
    return {tuple(str(c) for c in row) for row in res.table("fires").rows}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rules", type=int, default=1000)
    ap.add_argument("--sample", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--home", default=None)
    ap.add_argument("--stages", action="store_true", help="time the parts of one evaluation")
    ap.add_argument(
        "--check-days",
        default="latest,2025-06-30",
        help="as-of days (comma-separated; 'latest' = the data's end) on which every batched "
        "rule is checked against its own kernel",
    )
    args = ap.parse_args()
    store = _store(args.home)
    rules = make_rules(store, args.rules)
    step = max(1, len(rules) // args.sample)
    sample = rules[::step][: args.sample]
    vec_t, vec_c, vec = _timed(
        lambda: evaluate_alerts(store, rules=tuple(rules), sec=NO_SEC), args.repeats
    )
    sym_rules = tuple(r for r in rules if r.symbols)
    sym_t, sym_c, _ = _timed(
        lambda: evaluate_alerts(store, rules=sym_rules, sec=NO_SEC), args.repeats
    )
    one_t, one_c, ones = _timed(
        lambda: [evaluate_alerts(store, rules=(r,), sec=NO_SEC) for r in sample], 1
    )
    want = set().union(*(_fires(x) for x in ones))
    got = {f for f in _fires(vec) if f[0] in {r.id for r in sample}}
    assert got == want, f"vectorized and one-at-a-time disagree: {sorted(got ^ want)[:5]}"
    days = [None if d == "latest" else d for d in args.check_days.split(",") if d]
    checked = check_batch(store, rules, days)
    k = len(rules) / len(sample)
    kinds = sorted({r.kind for r in rules})
    print(f"rules: {len(rules)} ({', '.join(kinds)}); events now: {int(vec.value('fires'))}")
    print(f"{'':46s} {'wall s':>9s} {'CPU s':>9s}")
    print(
        f"vectorized, all {len(rules)} rules (median of {args.repeats}) {vec_t:13.3f} {vec_c:9.3f}"
    )
    print(f"  of which the {len(sym_rules)} symbol rules alone {sym_t:17.3f} {sym_c:9.3f}")
    print(f"one query at a time, {len(sample)} rules {one_t:24.3f} {one_c:9.3f}")
    print(f"one query at a time, scaled to {len(rules)} {one_t * k:22.3f} {one_c * k:9.3f}")
    print(
        f"speed-up (wall, CPU): {one_t * k / vec_t:.1f}x, {one_c * k / vec_c:.1f}x (goal >= 20x, < 1 s)"
    )
    print(f"load average (1, 5, 15 min): {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for line in checked:
        print(line)
    if args.stages:
        print("parts of one vectorized evaluation (each kind: its rules after the reads)")
        _stages(store, rules)
    store.close()


if __name__ == "__main__":
    main()
