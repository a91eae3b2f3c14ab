"""Benchmark: capsize window returns and rolling beta vs a plain pandas implementation.

Both sides run in the same process on the same data, results are checked equal
(window returns to 1e-12, rolling beta to 1e-9), and the table prints the
median time of each and the ratio (pandas time / capsize time; > 1 means
capsize is faster).

Data:
* ``real``: every symbol in ``$CAPSIZE_SHARED/data/prices`` (adjusted closes,
  index levels), wide frame date x symbol, NaN where a symbol has no bar;
* ``synthetic``: seeded random walks, 6,300 days x 200 symbols, 2% missing bars.

Tasks:
* window returns: YTD, since 2020-03-23, trailing 1Y and calendar years
  2001..2025 for every symbol (``performance_table`` with
  ``closes_adjusted`` only) vs a pandas loop using ``Series.asof``;
* rolling beta: 252-day beta of every symbol's daily returns on SPY's
  (pairwise complete days) vs ``rolling(252).cov / rolling(252).var`` per column.

Run:  python benchmarks/analytics.py [--repeats 3] [--sizes real,synthetic]
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

from capsize.analytics import performance as perf
from capsize.analytics import risk

if TYPE_CHECKING:
    from collections.abc import Callable

REPO = Path(__file__).resolve().parents[1]


def shared_prices() -> Path | None:
    env = os.environ.get("CAPSIZE_SHARED")
    base = Path(env).expanduser() if env else REPO.parent / "shared"
    path = base / "data" / "prices"
    return path if path.is_dir() else None


def load_real() -> pd.DataFrame | None:
    folder = shared_prices()
    if folder is None:
        return None
    cols = {}
    for f in sorted(folder.glob("*.csv")):
        df = pd.read_csv(f, usecols=["date", "close"], parse_dates=["date"], index_col="date")
        sym = f.stem if f.stem not in ("GSPC", "RUT", "IXIC", "VIX") else f"^{f.stem}"
        cols[sym] = df["close"]
    return pd.DataFrame(cols).sort_index()


def synthetic(n_days: int = 6300, n_sym: int = 200, seed: int = 42) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2001-01-02", periods=n_days)
    mkt = rng.normal(0.0003, 0.011, n_days)
    rets = mkt[:, None] * rng.uniform(0.5, 1.6, n_sym) + rng.normal(0, 0.01, (n_days, n_sym))
    closes = 50.0 * np.exp(np.cumsum(rets, axis=0))
    closes[rng.random(closes.shape) < 0.02] = np.nan
    cols = ["SPY", *[f"S{i:03d}" for i in range(1, n_sym)]]
    frame = pd.DataFrame(closes, index=dates, columns=cols)
    frame["SPY"] = 100.0 * np.exp(np.cumsum(mkt))
    return frame


def windows(last: pd.Timestamp) -> list[perf.Window]:
    out = [perf.ytd(last), perf.since("2020-03-23", last), perf.trailing("1Y", last)]
    out += [perf.calendar_year(y) for y in range(2001, 2026)]
    return out


# --------------------------------------------------------------------------- pandas baselines


def pandas_window_returns(closes: pd.DataFrame, wins: list[perf.Window]) -> pd.DataFrame:
    rows = []
    for sym in closes.columns:
        s = closes[sym].dropna()
        for w in wins:
            end = s.index[-1] if w.end is None else w.end
            base = s.asof(w.start) if s.index[0] <= w.start else np.nan
            last = s.asof(end) if s.index[0] <= end else np.nan
            rows.append((sym, w.label, last / base - 1.0))
    return pd.DataFrame(rows, columns=["symbol", "window", "total_return"])


def capsize_window_returns(closes: pd.DataFrame, wins: list[perf.Window]) -> pd.DataFrame:
    return perf.performance_table(closes, None, wins, max_stale_days=None)


def pandas_rolling_beta(rets: pd.DataFrame, bench: pd.Series, w: int) -> pd.DataFrame:
    out = {}
    for c in rets.columns:
        x = rets[c]
        both = x.notna() & bench.notna()
        xm, bm = x.where(both), bench.where(both)
        out[c] = xm.rolling(w, min_periods=w).cov(bm) / bm.rolling(w, min_periods=w).var()
    return pd.DataFrame(out)


def capsize_rolling_beta(rets: pd.DataFrame, bench: pd.Series, w: int) -> pd.DataFrame:
    return risk.rolling_beta(rets, bench, w)


# --------------------------------------------------------------------------- harness


def timed(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def check_returns(ours: pd.DataFrame, theirs: pd.DataFrame) -> float:
    a = ours["total_return"].to_numpy()
    b = theirs["total_return"].to_numpy()
    if not np.array_equal(np.isnan(a), np.isnan(b)):
        raise AssertionError("window returns: NaN pattern differs from pandas")
    ok = ~np.isnan(a)
    return float(np.max(np.abs(a[ok] - b[ok]))) if ok.any() else 0.0


def check_beta(ours: pd.DataFrame, theirs: pd.DataFrame) -> float:
    a, b = ours.to_numpy(), theirs.to_numpy()
    ok = ~np.isnan(a) & ~np.isnan(b)
    # pandas keeps tiny non-NaN values where the window is constant; capsize gives NaN there
    return float(np.max(np.abs(a[ok] - b[ok]))) if ok.any() else 0.0


def run(
    name: str, closes: pd.DataFrame, repeats: int
) -> list[tuple[str, str, int, float, float, float]]:
    wins = windows(closes.index[-1])
    rows = []
    t_pd, out_pd = timed(lambda: pandas_window_returns(closes, wins), repeats)
    t_cs, out_cs = timed(lambda: capsize_window_returns(closes, wins), repeats)
    err = check_returns(out_cs, out_pd)
    if err > 1e-12:
        raise AssertionError(f"window returns differ from pandas by {err:g}")
    rows.append((name, "window returns", closes.shape[1] * len(wins), t_pd, t_cs, err))

    rets = perf.returns_from_closes(closes)
    bench = rets["SPY"]
    t_pd, out_pd = timed(lambda: pandas_rolling_beta(rets, bench, 252), repeats)
    t_cs, out_cs = timed(lambda: capsize_rolling_beta(rets, bench, 252), repeats)
    err = check_beta(out_cs, out_pd)
    if err > 1e-9:
        raise AssertionError(f"rolling beta differs from pandas by {err:g}")
    rows.append((name, "rolling beta 252d", closes.shape[1], t_pd, t_cs, err))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sizes", default="real,synthetic")
    args = parser.parse_args()
    results = []
    for size in args.sizes.split(","):
        if size == "real":
            frame = load_real()
            if frame is None:
                print("real: shared data not found (set CAPSIZE_SHARED); skipped")
                continue
        elif size == "synthetic":
            frame = synthetic()
        else:
            raise SystemExit(f"unknown size {size!r}")
        results += run(f"{size} ({frame.shape[0]}x{frame.shape[1]})", frame, args.repeats)
    header = (
        f"{'dataset':<22} {'task':<18} {'items':>6} {'pandas s':>9} {'capsize s':>10} "
        f"{'ratio':>7} {'max |diff|':>11}"
    )
    print(header)
    print("-" * len(header))
    for name, task, items, t_pd, t_cs, err in results:
        print(
            f"{name:<22} {task:<18} {items:>6} {t_pd:>9.4f} {t_cs:>10.4f} "
            f"{t_pd / t_cs:>6.2f}x {err:>11.1e}"
        )
    print("ratio = pandas time / capsize time (median of repeats); > 1: capsize faster")


if __name__ == "__main__":
    main()
