"""Benchmark: capsize TTM fundamentals and screen metrics vs plain-Python baselines.

Both sides run in the same process on the same data; results are checked equal
before timing. The table prints the median time of each and the ratio
(baseline time / capsize time; > 1 means capsize is faster).

Tasks:
* ``ttm``: TTM revenue and net income from the recorded Marvell companyfacts
  (8,053 facts) — ``capsize.stocks.fundamentals.ttm`` vs a plain-Python
  FY + YTD - prior YTD over the parsed JSON (the method the tests use);
* ``metrics``: screen metrics (dollar volume, 12-1 momentum, 6-month relative
  strength, volatility of simple daily returns) of N synthetic stocks, 600 days each, without risk
  flags — ``compute_metrics`` vs a numpy loop.

Run:  python benchmarks/stocks.py [--repeats 3] [--n 500]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from capsize.data.providers.sec import parse_companyfacts
from capsize.stocks.fundamentals import ttm
from capsize.stocks.gather import StockEvidence
from capsize.stocks.screener import compute_metrics


def _shared() -> Path:
    env = os.environ.get("CAPSIZE_SHARED")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared"


def _time(fn: Any, repeats: int) -> tuple[float, Any]:
    out = None
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def plain_ttm(raw: dict[str, Any], concept: str) -> float:
    best: dict[tuple[str, str], dict[str, Any]] = {}
    for r in raw["facts"]["us-gaap"][concept]["units"]["USD"]:
        if "start" not in r:
            continue
        k = (r["start"], r["end"])
        if k not in best or r["filed"] >= best[k]["filed"]:
            best[k] = r

    def dur(k: tuple[str, str]) -> int:
        return (dt.date.fromisoformat(k[1]) - dt.date.fromisoformat(k[0])).days + 1

    latest = max(k[1] for k in best)
    ytd = max((k for k in best if k[1] == latest and dur(k) < 350), key=dur)
    fy = next(
        k
        for k in best
        if 350 <= dur(k) <= 380
        and 0 <= (dt.date.fromisoformat(ytd[0]) - dt.date.fromisoformat(k[1])).days <= 8
    )
    prior = next(k for k in best if k[0] == fy[0] and abs(dur(k) - dur(ytd)) <= 10)
    return float(best[fy]["val"] + best[ytd]["val"] - best[prior]["val"])


def plain_metrics(c: np.ndarray, v: np.ndarray, b: np.ndarray) -> tuple[float, float, float, float]:
    dv = float(np.median(c[-20:] * v[-20:]))
    mom = c[-22] / c[-253] - 1
    rs = (c[-1] / c[-127] - 1) - (b[-1] / b[-127] - 1)
    vol = float((c[1:] / c[:-1] - 1)[-252:].std(ddof=1) * math.sqrt(252))  # simple returns
    return dv, mom, rs, vol


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--n", type=int, default=500)
    args = ap.parse_args()
    rows = []

    path = _shared() / "fixtures" / "sec" / "companyfacts_CIK0001835632_Marvell.json"
    raw = json.loads(path.read_text())
    facts, _ = parse_companyfacts(path.read_bytes())
    pairs = (
        ("revenue", "RevenueFromContractWithCustomerExcludingAssessedTax"),
        ("net_income", "NetIncomeLoss"),
    )
    for metric, concept in pairs:
        assert ttm(facts, metric).value == plain_ttm(raw, concept)
    t_cap, _ = _time(lambda: [ttm(facts, m) for m, _ in pairs], args.repeats)
    t_base, _ = _time(lambda: [plain_ttm(raw, c) for _, c in pairs], args.repeats)
    rows.append(("ttm (2 metrics, MRVL)", t_cap, t_base))

    rng = np.random.default_rng(11)
    idx = pd.bdate_range(end="2025-06-30", periods=600)
    bench = pd.Series(100 * np.cumprod(1 + rng.normal(0.0003, 0.01, 600)), index=idx)
    evs = []
    for i in range(args.n):
        c = pd.Series(10 * np.cumprod(1 + rng.normal(0.0005, 0.02, 600)), index=idx)
        v = pd.Series(rng.uniform(5e4, 2e5, 600), index=idx)
        evs.append(
            StockEvidence(
                f"S{i}", idx[-1], close=c, volume=v, benchmark=bench, benchmark_symbol="B"
            )
        )
    m0 = compute_metrics(evs[0], with_flags=False).values
    p0 = plain_metrics(evs[0].close.to_numpy(), evs[0].volume.to_numpy(), bench.to_numpy())
    assert np.allclose(
        [m0["dollar_volume"], m0["mom_12_1"], m0["rs_6m"], m0["vol_1y"]], p0, rtol=1e-9
    )
    t_cap, _ = _time(lambda: [compute_metrics(e, with_flags=False) for e in evs], args.repeats)
    t_base, _ = _time(
        lambda: [
            plain_metrics(e.close.to_numpy(), e.volume.to_numpy(), bench.to_numpy()) for e in evs
        ],
        args.repeats,
    )
    rows.append((f"metrics ({args.n} stocks)", t_cap, t_base))

    print(f"{'task':<26}{'capsize s':>12}{'baseline s':>12}{'ratio':>8}")
    for name, a, b in rows:
        print(f"{name:<26}{a:>12.4f}{b:>12.4f}{b / a:>8.2f}")


if __name__ == "__main__":
    main()
