"""Benchmark: the rates and flows drivers vs plain numpy/pandas baselines.

Both sides run in the same process on the same data; results are checked equal
before timing. The table prints the median time of each and the ratio
(baseline time / capsize time; > 1 means capsize is faster).

Tasks (real data from ``$CAPSIZE_SHARED/data`` or ``../shared/data``):
* rolling OLS: 252-day regression of the daily IWM-SPY spread on daily DGS2
  and DGS10 changes (``rolling_rate_sensitivity``, statsmodels RollingOLS) vs a
  loop of ``numpy.linalg.lstsq`` per window;
* policy turns: ``detect_policy_turns`` on the full daily DFF (1954..2026),
  no baseline (absolute time only);
* daily flows: ``daily_flows`` on the real EWJ/EWY/EWZ shares history tiled
  to 100 synthetic funds x 210 days vs a plain per-row Python loop with the
  same rules.

Run:  python benchmarks/drivers.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from capsize.analytics import flows as FL
from capsize.analytics import rates as R

if TYPE_CHECKING:
    from collections.abc import Callable


def _shared() -> Path:
    env = os.environ.get("CAPSIZE_SHARED")
    root = Path(env) if env else Path(__file__).resolve().parents[2] / "shared"
    return root / "data"


def _timeit(fn: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _series(path: Path, col: str) -> pd.Series:
    f = pd.read_csv(path, parse_dates=["date"], index_col="date")
    return f[col].rename(path.stem)


def _lstsq_rolling(data: pd.DataFrame, window: int) -> np.ndarray:
    x = np.column_stack([np.ones(len(data)), data[["d_DGS2", "d_DGS10"]].to_numpy()])
    y = data["spread"].to_numpy()
    out = np.full((len(data), 3), np.nan)
    for end in range(window, len(data) + 1):
        out[end - 1], *_ = np.linalg.lstsq(x[end - window : end], y[end - window : end], rcond=None)
    return out


def _loop_flows(shares: pd.DataFrame, max_gap: int, stale_run: int) -> float:
    total = 0.0
    for _, g in shares.sort_values(["fund", "date"]).groupby("fund"):
        so = g["shares_outstanding"].to_list()
        nav = g["nav"].to_list()
        dates = g["date"].to_list()
        n = len(so)
        run = [0] * n
        i = 0
        while i < n:
            j = i
            while j + 1 < n and so[j + 1] == so[i]:
                j += 1
            for k in range(i, j + 1):
                run[k] = j - i + 1
            i = j + 1
        for k in range(1, n):
            if run[k] >= stale_run or run[k - 1] >= stale_run:
                continue
            if (dates[k] - dates[k - 1]).days > max_gap or nav[k] != nav[k]:
                continue
            total += (so[k] - so[k - 1]) * nav[k]
    return total


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    data = _shared()
    iwm = _series(data / "prices" / "IWM.csv", "close")
    spy = _series(data / "prices" / "SPY.csv", "close")
    ylds = pd.concat(
        [_series(data / "macro" / f"{s}.csv", "value") for s in ("DGS2", "DGS10")],
        axis=1,
        sort=True,
    )
    dff = _series(data / "macro" / "DFF.csv", "value")
    rows = []

    aligned = R.spread_and_yield_changes(iwm, spy, ylds, frequency="D")
    ours = R.rolling_rate_sensitivity(iwm, spy, ylds, window=252, frequency="D")
    base = _lstsq_rolling(aligned, 252)
    np.testing.assert_allclose(
        ours[["coef_const", "coef_d_DGS2", "coef_d_DGS10"]].to_numpy(),
        base[251:],
        rtol=1e-7,
        atol=1e-10,
    )
    t_ours = _timeit(
        lambda: R.rolling_rate_sensitivity(iwm, spy, ylds, window=252, frequency="D"), args.repeats
    )
    t_base = _timeit(lambda: _lstsq_rolling(aligned, 252), args.repeats)
    rows.append((f"rolling OLS 252d ({len(aligned):,} days)", t_ours, t_base))

    t_turns = _timeit(lambda: R.detect_policy_turns(dff), args.repeats)
    rows.append((f"policy turns on DFF ({len(dff):,} days)", t_turns, float("nan")))

    country = pd.read_csv(data / "flows" / "EWJ_EWY_EWZ_shares_outstanding_ishares_yuhancai3.csv")
    country = country.rename(columns={"ticker": "fund"})
    rng = np.random.default_rng(0)
    tiles = []
    for i in range(34):
        t = country.copy()
        t["fund"] = t["fund"] + str(i)
        t["nav"] = t["nav"].fillna(50.0) * (1 + rng.normal(0, 0.01, len(t)))
        tiles.append(t)
    shares = pd.concat(tiles, ignore_index=True).assign(source="bench")
    shares["date"] = pd.to_datetime(shares["date"])
    ours_total = FL.daily_flows(shares)["flow"].sum()
    base_total = _loop_flows(shares, 5, 10)
    assert abs(ours_total - base_total) <= 1e-6 * max(1.0, abs(base_total))
    t_ours = _timeit(lambda: FL.daily_flows(shares), args.repeats)
    t_base = _timeit(lambda: _loop_flows(shares, 5, 10), args.repeats)
    rows.append(
        (f"daily flows ({shares['fund'].nunique()} funds, {len(shares):,} rows)", t_ours, t_base)
    )

    print(f"{'task':<44} {'capsize s':>10} {'baseline s':>11} {'ratio':>7}")
    for name, a, b in rows:
        ratio = b / a if b == b else float("nan")
        b_txt = f"{b:11.4f}" if b == b else f"{'n/a':>11}"
        r_txt = f"{ratio:7.2f}" if ratio == ratio else f"{'n/a':>7}"
        print(f"{name:<44} {a:10.4f} {b_txt} {r_txt}")


if __name__ == "__main__":
    main()
