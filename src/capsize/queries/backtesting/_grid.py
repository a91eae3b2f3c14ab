"""``backtest_grid``: a parameter sweep, honest about how many configurations were tried.

Every configuration of the grid (:func:`~capsize.queries.backtesting.expand_grid`) runs
on the same IWM/SPY sessions. Two grids run in one pass of the engine's sweep kernels
(:mod:`capsize.backtest.sweep`): sleeves (weight x band x calendar x commission) and
rotations on ``rs_cross<F>_<S>`` signals (fast x slow x lag x hold x commission). Any
other grid runs configuration by configuration (``progress`` is called after each).

The best configuration (highest Sharpe ratio, above French's one-month T-bill by default:
:mod:`~capsize.queries.backtesting._riskfree`) is reported with the number of
configurations tried and of distinct strategies among them (identical configurations
count once in every multiple-testing figure), its deflated Sharpe ratio (Bailey and Lopez de Prado, 2014:
the probability that its Sharpe ratio beats the best one expected from that many
trials of no skill) and a data-snooping test **against buy and hold of the large-cap
leg** (:func:`capsize.backtest.reality_check`: White's reality check, 2000, and
Hansen's SPA test, 2005, on every configuration's net returns), so a lucky best cell
is not sold as skill. The same grid runs on Ken French size portfolios monthly
(``universe="french"``, :mod:`~capsize.queries.backtesting._universe`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from capsize import backtest as bt
from capsize.errors import InputError
from capsize.queries.backtesting._backtest import (
    STAT_UNITS,
    cash_words,
    describe,
    legs_note,
    rf_figures,
    rf_note,
    signal_sources,
    signal_start_note,
    stat_words,
)
from capsize.queries.backtesting._params import check_strategy, expand_grid
from capsize.queries.backtesting._riskfree import ZERO, RiskFree, check_rf, risk_free
from capsize.queries.backtesting._run import Legs, leg_returns, run_strategy, signal_series
from capsize.queries.backtesting._trials import Trials, count_trials
from capsize.queries.backtesting._universe import (
    LegSet,
    Universe,
    check_universe,
    universe_legs,
)
from capsize.queries.result import Cell, FigureSet, QueryResult, TableData, Unit, iso
from capsize.queries.session import parse_as_of, session_for
from capsize.queries.size import join_sources

if TYPE_CHECKING:
    from capsize._typing import FloatArray
    from capsize.data.store import Store
    from capsize.queries.session import Session

__all__ = ["GRID_STATS", "REALITY_MAX_CONFIGS", "GridResult", "backtest_grid"]

GRID_STATS: tuple[str, ...] = ("cagr", "volatility", "sharpe", "max_drawdown", "turnover")
"""Statistics shown per configuration in the grid table."""

REALITY_MAX_CONFIGS = 1_000
"""Largest grid the reality check runs on (it needs every configuration's return series,
one single run each); a larger grid reports it as not computed, with the reason."""

_REALITY_BLOCK = {"session": 21, "month": 6}
_REALITY_N = 1000

Progress = Callable[[int, int], None]
"""Called with (configurations done, configurations in all)."""


@dataclass(frozen=True)
class GridResult(QueryResult):
    """The answer of :func:`backtest_grid`.

    Figures: ``n_configs``, ``n_distinct`` (distinct strategies: configurations with
    identical returns count once, :mod:`~capsize.queries.backtesting._trials`), ``rf``
    and ``rf.annual`` (the risk-free rate of the ratios), ``best.<stat>`` for :data:`GRID_STATS`,
    ``best.deflated_sharpe`` (probability), ``best.expected_max_sharpe``,
    ``best.reality_check`` and ``best.spa`` (p-values against buy and hold of the
    large leg), ``<leg>.sharpe`` of both legs, and ``grid.<i>.<stat>`` (in the ``grid``
    table). Tables: ``grid`` (one row per configuration, the varied parameters then the
    statistics), ``walk_forward`` when asked.

    Attributes
    ----------
    frame : DataFrame
        The tidy grid: one row per configuration, every parameter, every statistic
        of :data:`capsize.backtest.STAT_NAMES` and ``strategy_id`` (configurations with
        the same id yield the same returns).
    axes : tuple of str
        The parameters that vary (grid axes), in the order given.
    best : dict
        The best configuration's parameters.
    engine : str
        ``"sweep (<backend>)"`` (``vectorized``, ``vectorized+numba``, ``numba``, ``numpy``,
        or ``"<n> parameter blocks on Dask"``) or ``"single runs"``.
    legs : tuple of str
        The small leg's name, then the large leg's (the benchmark of the reality check).
    reality : RealityCheck or None
        The data-snooping test (None: grid above :data:`REALITY_MAX_CONFIGS`).
    """

    frame: pd.DataFrame = field(default_factory=pd.DataFrame)
    axes: tuple[str, ...] = ()
    best: dict[str, Any] = field(default_factory=dict)
    engine: str = ""
    legs: tuple[str, str] = ("IWM", "SPY")
    reality: bt.RealityCheck | None = None


_CROSS = re.compile(r"rs_cross(\d+)_(\d+)")

_Span = tuple[pd.Timestamp, pd.Timestamp | None]
"""First and last period of the statistics (None: to the end)."""


@dataclass(frozen=True)
class _Grid:
    """One grid question: the session, the configurations and the legs they run on."""

    s: Session
    strategy: str
    configs: list[dict[str, Any]]
    axes: tuple[str, ...]
    legs: Legs
    ls: LegSet
    runner: Any | None = None
    """A :mod:`capsize.scale` runner or Dask client for the one-pass sweeps (None: here)."""
    rfr: RiskFree = ZERO
    """The risk-free rate of the Sharpe and Sortino ratios."""
    history: pd.DataFrame | None = None
    """The legs' whole history when ``legs`` starts later (the moving averages' warm-up)."""

    @property
    def rf(self) -> pd.Series | None:
        """Risk-free returns on the legs' periods (None: a rate of 0)."""
        return self.rfr.over(self.legs.returns.index)

    @property
    def u(self) -> Universe:
        return self.ls.universe

    def signal(self, name: str) -> pd.Series:
        return signal_series(self.s, name, self.u)

    def run(self, c: dict[str, Any]) -> bt.BacktestRun | bt.DcaResult:
        sig = self.signal(str(c["signal"])) if self.strategy == "rotation" else None
        return run_strategy(self.strategy, c, Legs(self.legs.returns, sig), self.rf)

    def returns(self, c: dict[str, Any]) -> pd.Series:
        """Net returns per period of one configuration (a DCA: of the averaging portfolio)."""
        run = self.run(c)
        return run.dca.pct_change().iloc[1:] if isinstance(run, bt.DcaResult) else run.returns


def _single_values(configs: list[dict[str, Any]], names: tuple[str, ...]) -> bool:
    return all(len({repr(c[n]) for c in configs}) == 1 for n in names)


def _sweep(
    runner: Any | None, fn: Callable[..., pd.DataFrame], *args: Any, **kw: Any
) -> pd.DataFrame:
    """Run a sweep here, or cut into parameter blocks on ``runner`` (one per worker thread)."""
    if runner is None:
        return fn(*args, **kw)
    from capsize.scale import default_partitions, partitioned_sweep

    blocks = default_partitions(runner)
    out = partitioned_sweep(fn, *args, blocks=blocks, runner=runner, **kw)
    out.attrs = {"backend": f"{blocks} parameter blocks on Dask", "n_configs": len(out)}
    return out


def _sleeve_sweep(g: _Grid, window: _Span) -> pd.DataFrame | None:
    configs = g.configs
    if not _single_values(configs, ("slippage_bps", "spread_bps")):
        return None
    c0 = configs[0]
    out = _sweep(
        g.runner,
        bt.sleeve_sweep,
        g.legs.returns,
        weights=sorted({c["weight"] for c in configs}),
        bands=sorted({c["band"] or None for c in configs}, key=lambda b: -1 if b is None else b),
        rebalance=list(
            dict.fromkeys(None if c["rebalance"] == "none" else c["rebalance"] for c in configs)
        ),
        cost_bps=sorted({c["cost_bps"] for c in configs}),
        slippage_bps=c0["slippage_bps"],
        spread_bps=c0["spread_bps"],
        rf=g.rf,
        start=window[0],
        end=window[1],
    )
    out["band"] = out["band"].fillna(0.0)
    out["rebalance"] = out["rebalance"].fillna("none")
    return _pick(out, configs, ["weight", "band", "rebalance", "cost_bps"])


def _ma_sweep(g: _Grid, window: _Span) -> pd.DataFrame | None:
    configs = g.configs
    matches = [_CROSS.fullmatch(str(c["signal"])) for c in configs]
    pairs = [(int(m.group(1)), int(m.group(2))) for m in matches if m is not None]
    fixed = ("threshold", "below", "slippage_bps", "spread_bps")
    if len(pairs) != len(configs) or not _single_values(configs, fixed):
        return None
    keyed = [{**c, "fast": f, "slow": s} for c, (f, s) in zip(configs, pairs, strict=True)]
    c0 = configs[0]
    history = g.legs.returns if g.history is None else g.history
    out = _sweep(
        g.runner,
        bt.ma_sweep,
        history,
        fast=sorted({c["fast"] for c in keyed}),
        slow=sorted({c["slow"] for c in keyed}),
        threshold=c0["threshold"],
        below=c0["below"],
        cash=g.rf if c0["below"] == "cash" else None,
        lag=sorted({c["lag"] for c in keyed}),
        hold=sorted({c["hold"] for c in keyed}),
        cost_bps=sorted({c["cost_bps"] for c in keyed}),
        slippage_bps=c0["slippage_bps"],
        spread_bps=c0["spread_bps"],
        rf=g.rf,
        start=window[0],
        end=window[1],
        trade_start=g.legs.returns.index[0],
    )
    picked = _pick(out, keyed, ["fast", "slow", "lag", "hold", "cost_bps"])
    picked.attrs = out.attrs
    return picked.drop(columns=["fast", "slow"])


def _signal_sweep(g: _Grid, window: _Span) -> pd.DataFrame | None:
    """Rotations on any signals: one pass of the engine's signal sweep per signal."""
    configs = g.configs
    if not _single_values(configs, ("below", "slippage_bps", "spread_bps")):
        return None
    c0, parts = configs[0], []
    for name in dict.fromkeys(str(c["signal"]) for c in configs):
        group = [c for c in configs if c["signal"] == name]
        out = _sweep(
            g.runner,
            bt.sweep.signal_sweep,
            g.legs.returns,
            g.signal(name),
            thresholds=sorted({c["threshold"] for c in group}),
            below=c0["below"],
            cash=g.rf if c0["below"] == "cash" else None,
            lag=sorted({c["lag"] for c in group}),
            hold=sorted({c["hold"] for c in group}),
            cost_bps=sorted({c["cost_bps"] for c in group}),
            slippage_bps=c0["slippage_bps"],
            spread_bps=c0["spread_bps"],
            rf=g.rf,
            start=window[0],
            end=window[1],
        )
        parts.append(out.assign(signal=name))
    every = pd.concat(parts, ignore_index=True)
    every.attrs = parts[0].attrs
    return _pick(every, configs, ["signal", "threshold", "lag", "hold", "cost_bps"])


def _pick(out: pd.DataFrame, configs: list[dict[str, Any]], keys: list[str]) -> pd.DataFrame:
    """Rows of a sweep for the configurations asked, in their order, with every parameter."""
    merged = pd.DataFrame(configs).merge(out, on=keys, how="left", validate="one_to_one")
    merged.attrs = out.attrs
    return merged


def _loop(g: _Grid, window: _Span, progress: Progress | None) -> pd.DataFrame:
    rows = []
    for i, c in enumerate(g.configs, start=1):
        run = g.run(c)
        r = run.dca.pct_change().iloc[1:] if isinstance(run, bt.DcaResult) else run
        rows.append({**c, **bt.stats(r, rf=g.rf, start=window[0], end=window[1])})
        if progress is not None:
            progress(i, len(g.configs))
    return pd.DataFrame(rows)


def _run_grid(
    g: _Grid, window: _Span, progress: Progress | None = None
) -> tuple[pd.DataFrame, str]:
    fast = None
    if g.strategy == "sleeve":
        fast = _sleeve_sweep(g, window)
    elif g.strategy == "rotation":
        fast = _ma_sweep(g, window)
        if fast is None:
            fast = _signal_sweep(g, window)
    if fast is None:
        return _loop(g, window, progress), "single runs"
    if progress is not None:
        progress(len(g.configs), len(g.configs))
    return fast, f"sweep ({fast.attrs.get('backend', 'numba')})"


def _window_start(g: _Grid, start: pd.Timestamp | None) -> pd.Timestamp:
    """First period every configuration can trade: after the user's start and every warm-up."""
    index = g.legs.returns.index
    first = pd.Timestamp(index[0])
    if start is not None:
        first = max(first, start)
    if g.strategy == "rotation":
        for name in dict.fromkeys(str(c["signal"]) for c in g.configs):
            sig = g.signal(name)
            if sig.empty:
                raise InputError(f"signal {name!r} has no value by the day; drop it from the grid")
            first = max(first, pd.Timestamp(sig.index[0]))
    later = index[index >= first]
    if len(later) < 2:
        raise InputError(
            f"the grid's window starts {iso(first)}, leaving fewer than two {g.ls.period}s; "
            "choose an earlier start"
        )
    return pd.Timestamp(later[0])


def _axes(given: dict[str, object]) -> tuple[str, ...]:
    return tuple(k for k, v in given.items() if isinstance(v, (list, tuple)) and len(v) > 1)


@dataclass
class _Ctx:
    fs: FigureSet
    source: str
    window: str
    symbols: tuple[str, ...]
    rf: RiskFree = ZERO

    def of(self, k: str) -> tuple[str, str]:
        """Source and window of statistic ``k`` (the risk-free file for the ratios above it)."""
        if k in ("sharpe", "sortino") and self.rf.returns is not None:
            return join_sources(self.source, self.rf.source), f"{self.window}; {self.rf.window}"
        return self.source, self.window


def _grid_table(ctx: _Ctx, frame: pd.DataFrame, axes: tuple[str, ...]) -> TableData:
    rows: list[tuple[Cell, ...]] = []
    for i, d in enumerate(frame.to_dict("records")):
        cells: list[Cell] = [str(d[a]) for a in axes]
        for k in GRID_STATS:
            unit, words = STAT_UNITS[k][0], stat_words(k, ctx.rf)
            source, window = ctx.of(k)
            cells.append(
                ctx.fs.add(
                    f"grid.{i}.{k}", float(d[k]), unit, f"configuration {i + 1}: {words}",
                    source=source, symbols=ctx.symbols, window=window,
                    formula=", ".join(f"{a}={d[a]}" for a in axes) or "the one configuration",
                    note="" if math.isfinite(float(d[k])) else "not defined for this run",
                )
            )  # fmt: skip
        rows.append(tuple(cells))
    return TableData(
        "grid",
        f"{len(frame):,} configurations, statistics over {ctx.window}",
        (*axes, *GRID_STATS),
        tuple(rows),
    )


def _count_figures(ctx: _Ctx, trials: Trials) -> None:
    """``n_configs`` (configurations tried) and ``n_distinct`` (distinct strategies)."""
    ctx.fs.add(
        "n_configs", trials.n_configs, "count", "configurations tried", source="capsize",
        window=ctx.window, formula="product of the grid axes' lengths",
    )  # fmt: skip
    ctx.fs.add(
        "n_distinct", trials.n_distinct, "count",
        "distinct strategies tried (identical configurations count once)", source="capsize",
        window=ctx.window, formula=trials.method,
    )  # fmt: skip


def _best_figures(
    ctx: _Ctx, frame: pd.DataFrame, best: tuple[int, bt.DeflatedSharpe, str], trials: Trials
) -> None:
    best_i, dsr, what = best
    n, d = trials.n_configs, trials.n_distinct
    _count_figures(ctx, trials)
    for k in GRID_STATS:
        unit, words = STAT_UNITS[k][0], stat_words(k, ctx.rf)
        source, window = ctx.of(k)
        ctx.fs.add(
            f"best.{k}", float(frame[k].iloc[best_i]), unit, f"best configuration: {words}",
            source=source, symbols=ctx.symbols, window=window,
            formula=f"the configuration with the highest Sharpe ratio of {n:,}: {what}",
        )  # fmt: skip
    source, window = ctx.of("sharpe")
    ctx.fs.add(
        "best.deflated_sharpe", dsr.probability, "fraction",
        "deflated Sharpe ratio of the best configuration: probability that its true Sharpe "
        f"ratio ({ctx.rf.label}) is above zero, allowing for every distinct strategy tried",
        source=source, symbols=ctx.symbols, window=window,
        formula=f"PSR against the best Sharpe expected from {dsr.n_trials:,} trials of no "
        f"skill ({d:,} distinct strategies of {n:,} configurations; Bailey and Lopez de "
        "Prado, 2014), from the best run's returns per period",
    )  # fmt: skip
    ctx.fs.add(
        "best.expected_max_sharpe", dsr.expected_max_sharpe, "ratio",
        f"best Sharpe ratio ({ctx.rf.label}) expected by luck from {d:,} distinct strategies",
        source=source, symbols=ctx.symbols, window=window,
        formula="expected maximum of the distinct strategies' Sharpe ratios under no skill, "
        "from their variance",
    )  # fmt: skip


_Matrix = tuple["FloatArray", pd.Series]
"""Every configuration's net returns (n_periods, n_configs) and the large leg's, aligned."""


def _returns_matrix(g: _Grid, first: pd.Timestamp) -> _Matrix:
    """Every configuration's net returns over the window (one single run each)."""
    bench = g.legs.returns.iloc[:, 1].loc[first:]
    cols = [g.returns(c).reindex(bench.index).to_numpy() for c in g.configs]
    x = np.column_stack(cols)
    ok = np.isfinite(x).all(axis=1)  # a DCA has no return on the run's first period
    return x[ok], bench[ok]


def _tested(
    g: _Grid, frame: pd.DataFrame, first: pd.Timestamp, asked: bool
) -> tuple[Trials, bt.RealityCheck | None]:
    """Return the distinct strategies, and White's and Hansen's tests of them vs the large leg.

    The tests need every configuration's return series: they run (and duplicates are
    found on the series) for grids of at most :data:`REALITY_MAX_CONFIGS` when asked;
    otherwise duplicates are found on the statistics (:mod:`._trials`).
    """
    if not asked or len(g.configs) > REALITY_MAX_CONFIGS:
        return count_trials(frame), None
    x, bench = _returns_matrix(g, first)
    trials = count_trials(frame, x)
    rc = bt.reality_check(
        x[:, trials.first], bench, mean_block=_REALITY_BLOCK[g.ls.period], n=_REALITY_N, seed=0
    )
    return trials, rc


def _reality_figures(
    ctx: _Ctx, g: _Grid, rc: bt.RealityCheck | None, asked: bool, trials: Trials
) -> None:
    large = g.ls.names[1]
    n, d = trials.n_configs, trials.n_distinct
    why = (
        ""
        if rc is not None
        else f"not computed: {n:,} configurations, more than {REALITY_MAX_CONFIGS:,} (each "
        "needs its own return series); narrow the grid"
        if asked
        else "not computed: reality_check=False"
    )
    how = (
        f"stationary block bootstrap of the {d:,} distinct strategies' net returns minus "
        f"{large}'s ({trials.method}), mean block {_REALITY_BLOCK[g.ls.period]} "
        f"{g.ls.period}s, {_REALITY_N} resamples, seed 0"
    )
    for fid, value, words, cite in (
        ("best.reality_check", None if rc is None else rc.p_value,
         "White's reality check", "White, 2000"),
        ("best.spa", None if rc is None else rc.spa_p_value,
         "Hansen's SPA test (consistent)", "Hansen, 2005"),
    ):  # fmt: skip
        ctx.fs.add(
            fid, value, "fraction",
            f"{words}: p-value that the highest mean return above buy and hold of {large} "
            f"among {d:,} distinct strategies ({n:,} configurations) is luck",
            source=ctx.source, symbols=ctx.symbols, window=ctx.window,
            formula=f"{words} ({cite}) on mean excess returns over {large}; {how}", note=why,
        )  # fmt: skip


def _walk_forward(g: _Grid, first: pd.Timestamp, years: tuple[float, float]) -> bt.WalkForward:
    """Choose the best configuration on ``years[0]`` years, evaluate it on the next ``years[1]``."""
    index = g.legs.returns.index
    idx = pd.DatetimeIndex(index[index >= first])
    train, test = (round(y * g.ls.periods_per_year) for y in years)
    if train < 2 or test < 2 or train + test > len(idx):
        raise InputError(
            f"walk_forward={years!r} (train, test years) does not fit the {len(idx):,} "
            f"{g.ls.period}s of the window; use e.g. (5, 1)"
        )

    def evaluate(a: pd.Timestamp, b: pd.Timestamp) -> pd.DataFrame:
        return _run_grid(g, (a, b))[0]

    def returns_of(p: Any) -> pd.Series:
        return g.returns({**g.configs[0], **dict(p)})

    return bt.walk_forward(
        idx, evaluate, params=list(g.axes), train=train, test=test, returns_of=returns_of
    )


def _wf_outputs(ctx: _Ctx, wf: bt.WalkForward, axes: tuple[str, ...]) -> TableData:
    f = wf.folds
    oos = wf.oos_returns
    st = bt.stats(oos, rf=ctx.rf.over(oos.index)) if oos is not None and len(oos) > 1 else {}
    sharpe = f"Sharpe ratio ({ctx.rf.label})"
    what = "the best in-sample configuration of each fold, held over the next test window"
    for k, unit, words, v in (
        ("wf.n_folds", "count", "walk-forward folds", len(f)),
        ("wf.oos_sharpe", "ratio", f"walk-forward: {sharpe} out of sample", st.get("sharpe")),
        ("wf.oos_cagr", "fraction", "walk-forward: CAGR out of sample", st.get("cagr")),
        ("wf.oos_percentile", "fraction",
         "walk-forward: median share of the other configurations the choice beat out of "
         "sample", float(f["oos_percentile"].median()) if len(f) else None),
        ("wf.chance", "fraction",
         "walk-forward: the same share for a choice without skill (every configuration "
         "as if chosen, averaged; 0.5 without ties)",
         float(f["oos_chance"].median()) if len(f) else None),
    ):  # fmt: skip
        ctx.fs.add(
            k, v, unit, words, source=ctx.source, symbols=ctx.symbols, window=ctx.window,  # type: ignore[arg-type]
            formula=f"{what}; test windows chained",
        )  # fmt: skip
    rows: list[tuple[Cell, ...]] = []
    for i, row in enumerate(f.to_dict("records")):
        chosen = ", ".join(f"{a}={row[a]}" for a in axes)
        cells: list[Cell] = [f"{iso(row['test_start'])}..{iso(row['test_end'])}", chosen]
        fold_cols: tuple[tuple[str, Unit, str], ...] = (
            ("in_sample", "ratio", f"in-sample {sharpe} of the choice"),
            ("out_of_sample", "ratio", f"out-of-sample {sharpe} of the choice"),
            (
                "oos_percentile",
                "fraction",
                "share of the other configurations it beat out of sample",
            ),
        )
        for col, unit, words in fold_cols:
            cells.append(
                ctx.fs.add(
                    f"wf.{i}.{col}", float(row[col]), unit, f"fold {i + 1}: {words}",
                    source=ctx.source, symbols=ctx.symbols,
                    window=f"train {iso(row['train_start'])}..{iso(row['train_end'])}, "
                    f"test {iso(row['test_start'])}..{iso(row['test_end'])}",
                    formula=what,
                )
            )  # fmt: skip
        rows.append(tuple(cells))
    return TableData(
        "walk_forward",
        "Walk-forward: the in-sample choice evaluated out of sample",
        ("test window", "chosen", "in sample", "out of sample", "beat"),
        tuple(rows),
    )


def _prepare(
    s: Session, strategy: str, grid: dict[str, object], u: Universe, start: object | None,
    runner: Any | None = None, rf: str = "tbill",
) -> tuple[_Grid, pd.Timestamp]:  # fmt: skip
    """Check the grid, read the legs and find the first period every configuration trades."""
    strategy = check_strategy(strategy)
    configs = expand_grid(strategy, grid, monthly=u.monthly)
    ls = universe_legs(s, u)
    legs = leg_returns(s, "sleeve", {}, None, u)
    g = _Grid(s, strategy, configs, _axes(grid), legs, ls, runner, risk_free(s, ls, rf))
    first = _window_start(g, parse_as_of(start, "start"))
    # every configuration runs from the window's first period, as its single run does
    trimmed = Legs(legs.returns.loc[first:], None)
    rfr = g.rfr.within(trimmed.returns.index)  # the rate's dates this window uses
    return replace(g, legs=trimmed, history=legs.returns, rfr=rfr), first


def _best(
    g: _Grid, frame: pd.DataFrame, first: pd.Timestamp, trials: Trials
) -> tuple[int, bt.DeflatedSharpe]:
    """Return the best configuration by Sharpe ratio and its deflated Sharpe ratio.

    The deflation counts distinct strategies (their Sharpe ratios give the variance);
    the best run's returns are taken in excess of the risk-free rate, as its Sharpe ratio.
    """
    sharpe = frame["sharpe"].to_numpy(dtype=np.float64)
    if np.isnan(sharpe).all():
        raise InputError("no configuration of the grid has a Sharpe ratio; widen the window")
    best_i = int(np.nanargmax(sharpe))
    best_returns = g.returns(g.configs[best_i]).loc[first:]
    rf = g.rfr.over(best_returns.index)
    dsr = bt.deflated_sharpe(
        best_returns if rf is None else best_returns - rf,
        sharpe[trials.first],
        n_trials=trials.n_distinct,
        periods_per_year=g.ls.periods_per_year,
    )
    return best_i, dsr


def _leg_figures(ctx: _Ctx, g: _Grid, first: pd.Timestamp) -> None:
    per = "monthly" if g.u.monthly else "daily"
    for leg in g.ls.names:
        ctx.fs.add(
            f"{leg}.sharpe",
            bt.stats(g.legs.returns[leg], rf=g.rf, start=first)["sharpe"], "ratio",
            f"{leg} buy and hold: {stat_words('sharpe', g.rfr)}",
            source=join_sources(g.ls.source, g.rfr.source), symbols=(leg,),
            window=ctx.of("sharpe")[1],
            formula=f"mean / standard deviation of {per} returns in excess of the risk-free "
            f"return ({g.rfr.words}) x sqrt({g.ls.periods_per_year:g})",
        )  # fmt: skip


def _notes(g: _Grid, trials: Trials, engine: str, what: str, window: str) -> tuple[str, ...]:
    small, large = g.ls.names
    n, d = trials.n_configs, trials.n_distinct
    return (
        f"{n:,} configurations tried ({engine}), {d:,} distinct strategies; best by "
        f"{stat_words('sharpe', g.rfr)}: {what}.",
        f"Distinct strategies: {trials.method}. The deflated Sharpe ratio and the reality "
        "check count distinct strategies, not configurations.",
        "Deflated Sharpe ratio: the probability that the best configuration's Sharpe ratio "
        "beats the best one expected by luck from this many trials of no skill; it tests a "
        f"Sharpe ratio above zero, not above buy and hold: compare best.sharpe with "
        f"{large}.sharpe and {small}.sharpe over the same window.",
        f"Reality check (White, 2000) and SPA test (Hansen, 2005): p-values that the highest "
        f"mean return above buy and hold of {large} among the {d:,} distinct strategies is "
        "luck; small (below 0.05) means an edge beyond data snooping. They test mean returns, "
        "not risk: a bigger small-cap weight earns the size premium with more risk.",
        f"Every configuration runs over {window}, as its single run with that start: a "
        f"sleeve starts at its target weight, a rotation holds {large} (or cash) until its "
        "first position, taken lag periods later from the signal known then (paying that "
        "trade's cost); signals and moving averages use the history before the start.",
        legs_note(g.u),
        rf_note(g.rfr),
    )


def _figures(
    ctx: _Ctx, g: _Grid, frame: pd.DataFrame, best: tuple[int, bt.DeflatedSharpe, str],
    tested: tuple[Trials, bt.RealityCheck | None], check: tuple[pd.Timestamp, bool],
) -> None:  # fmt: skip
    """Add the best cell's, the reality check's, the legs' and the risk-free figures.

    ``check``: the first period of the statistics, and whether the test is asked.
    """
    first, asked = check
    trials, rc = tested
    _best_figures(ctx, frame, best, trials)
    _reality_figures(ctx, g, rc, asked, trials)
    _leg_figures(ctx, g, first)
    index = g.legs.returns.index
    rf_figures(ctx.fs, g.rfr, index[index >= first], g.ls.periods_per_year)


def _tables(
    ctx: _Ctx, g: _Grid, frame: pd.DataFrame, first: pd.Timestamp,
    walk_forward: tuple[float, float] | None,
) -> tuple[TableData, ...]:  # fmt: skip
    tables = [_grid_table(ctx, frame, g.axes)]
    if walk_forward is not None:
        if not g.axes:
            raise InputError("walk_forward needs a grid axis (a parameter with several values)")
        wf = _walk_forward(g, first, walk_forward)
        tables.append(_wf_outputs(ctx, wf, g.axes))
    return tuple(tables)


def backtest_grid(
    source: Store | Session, as_of: object | None = None, *, strategy: str = "sleeve",
    start: object | None = None, progress: Progress | None = None,
    walk_forward: tuple[float, float] | None = None, universe: str = "etf",
    small: str | None = None, large: str | None = None, weighting: str | None = None,
    reality_check: bool = True, runner: Any | None = None, rf: str = "tbill",
    **grid: object,
) -> GridResult:  # fmt: skip
    """Answer "which configuration would have paid best, and is that luck?" over a grid.

    Parameters
    ----------
    source : Store or Session
    as_of : date-like, optional
        Use only data dated on or before it; default the latest close of the legs.
    strategy : {"rotation", "sleeve", "dca"}
    start : date-like, optional
        First period of the statistics (default: the first all configurations can trade).
    progress : callable, optional
        ``progress(done, total)`` after each configuration (once for a one-pass sweep).
    walk_forward : (float, float), optional
        ``(train, test)`` years: per fold, the best configuration (Sharpe) over ``train``
        held over the next ``test`` (table ``walk_forward``, figures ``wf.*``).
    universe, small, large, weighting
        The legs, as in :func:`~capsize.queries.backtesting.backtest` (default IWM/SPY
        daily; ``universe="french"``: Ken French size portfolios monthly from 1926).
    reality_check : bool, default True
        Run White's and Hansen's tests (one single run per configuration; False skips).
    rf : {"tbill", "zero"}, default "tbill"
        Risk-free rate of the Sharpe and Sortino ratios (and of the deflated Sharpe
        ratio), as in :func:`~capsize.queries.backtesting.backtest`; figure ``rf``.
    runner : capsize.scale runner or distributed.Client, optional
        Run the one-pass sweeps cut into parameter blocks there (one per worker thread;
        :func:`capsize.scale.connect` builds one); the rows equal the single call's.
        Grids run configuration by configuration stay in this process.
    **grid
        Parameters (:data:`~capsize.queries.backtesting.PARAMS`); a list is a grid axis.

    Returns
    -------
    GridResult

    Raises
    ------
    InputError
        For a bad strategy, universe, parameter or axis, or above ``MAX_CONFIGS`` configurations.
    DataNotFound
        When the store has no closes (or French months) of the legs by ``as_of``.
    """
    s = session_for(source, as_of)
    u = check_universe(universe, small, large, weighting)
    choice = check_rf(rf)
    g, first = _prepare(s, strategy, dict(grid), u, start, runner, choice)
    frame, engine = _run_grid(g, (first, None), progress)
    trials, rc = _tested(g, frame, first, reality_check)
    frame = frame.assign(strategy_id=trials.ids)
    best_i, dsr = _best(g, frame, first, trials)
    signals = [c.get("signal") for c in g.configs]
    src, syms = signal_sources(s, signals, g.ls)
    ctx = _Ctx(FigureSet(g.ls.day), src, f"{iso(first)}..{iso(g.ls.day)}", syms, g.rfr)
    what = describe(g.strategy, g.configs[best_i], u, cash_words(g.rfr))
    _figures(ctx, g, frame, (best_i, dsr, what), (trials, rc), (first, reality_check))
    tables = _tables(ctx, g, frame, first, walk_forward)  # adds the wf.* figures
    return GridResult(
        query="backtest_grid", as_of=g.ls.day, requested_as_of=s.requested,
        params={"strategy": g.strategy, "start": iso(first),
                "walk_forward": None if walk_forward is None else list(walk_forward),
                "rf": choice, **u.settings(), **dict(grid.items())},
        figures=ctx.fs.mapping(), tables=tables, frame=frame, axes=g.axes, engine=engine,
        notes=(*_notes(g, trials, engine, what, ctx.window),
               *filter(None, [signal_start_note(s, signals, g.ls)])),
        sources=tuple(join_sources(src, g.rfr.source).split("; ")),
        best=dict(g.configs[best_i]), legs=g.ls.names, reality=rc,
    )  # fmt: skip
