"""``backtest_grid``: a parameter sweep, honest about how many configurations were tried.

Every configuration of the grid (:func:`~capsize.queries.backtesting.expand_grid`) runs
on the same IWM/SPY sessions. Two grids run in one pass of the engine's sweep kernels
(:mod:`capsize.backtest.sweep`): sleeves (weight x band x calendar x commission) and
rotations on ``rs_cross<F>_<S>`` signals (fast x slow x lag x hold x commission). Any
other grid runs configuration by configuration (``progress`` is called after each).

The best configuration (highest Sharpe ratio) is reported with the number of
configurations tried and its deflated Sharpe ratio (Bailey and Lopez de Prado, 2014:
the probability that its Sharpe ratio beats the best one expected from that many
trials of no skill), so a lucky best cell is not sold as skill.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from capsize import backtest as bt
from capsize.errors import InputError
from capsize.queries.backtesting._backtest import STAT_UNITS, describe
from capsize.queries.backtesting._params import check_strategy, expand_grid
from capsize.queries.backtesting._run import Legs, leg_returns, run_strategy, signal_series
from capsize.queries.backtesting._signals import proxy_closes
from capsize.queries.result import Cell, FigureSet, QueryResult, TableData, Unit, iso
from capsize.queries.session import parse_as_of, session_for

if TYPE_CHECKING:
    from capsize.data.store import Store
    from capsize.queries.session import Session

__all__ = ["GRID_STATS", "GridResult", "backtest_grid"]

GRID_STATS: tuple[str, ...] = ("cagr", "volatility", "sharpe", "max_drawdown", "turnover")
"""Statistics shown per configuration in the grid table."""

Progress = Callable[[int, int], None]
"""Called with (configurations done, configurations in all)."""


@dataclass(frozen=True)
class GridResult(QueryResult):
    """The answer of :func:`backtest_grid`.

    Figures: ``n_configs``, ``best.<stat>`` for :data:`GRID_STATS`,
    ``best.deflated_sharpe`` (probability), ``best.expected_max_sharpe``, and
    ``grid.<i>.<stat>`` (in the ``grid`` table). Tables: ``grid`` (one row per
    configuration, the varied parameters then the statistics), ``best``.

    Attributes
    ----------
    frame : DataFrame
        The tidy grid: one row per configuration, every parameter and every statistic
        of :data:`capsize.backtest.STAT_NAMES`.
    axes : tuple of str
        The parameters that vary (grid axes), in the order given.
    best : dict
        The best configuration's parameters.
    engine : str
        ``"sweep (numba)"``, ``"sweep (numpy)"`` or ``"single runs"``.
    """

    frame: pd.DataFrame = field(default_factory=pd.DataFrame)
    axes: tuple[str, ...] = ()
    best: dict[str, Any] = field(default_factory=dict)
    engine: str = ""


_CROSS = re.compile(r"rs_cross(\d+)_(\d+)")


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


def _sleeve_sweep(
    legs: Legs, configs: list[dict[str, Any]], start: pd.Timestamp, end: pd.Timestamp | None,
    runner: Any | None = None,
) -> pd.DataFrame | None:  # fmt: skip
    if not _single_values(configs, ("slippage_bps", "spread_bps")):
        return None
    c0 = configs[0]
    out = _sweep(
        runner,
        bt.sleeve_sweep,
        legs.returns,
        weights=sorted({c["weight"] for c in configs}),
        bands=sorted({c["band"] or None for c in configs}, key=lambda b: -1 if b is None else b),
        rebalance=list(
            dict.fromkeys(None if c["rebalance"] == "none" else c["rebalance"] for c in configs)
        ),
        cost_bps=sorted({c["cost_bps"] for c in configs}),
        slippage_bps=c0["slippage_bps"],
        spread_bps=c0["spread_bps"],
        start=start,
        end=end,
    )
    out["band"] = out["band"].fillna(0.0)
    out["rebalance"] = out["rebalance"].fillna("none")
    return _pick(out, configs, ["weight", "band", "rebalance", "cost_bps"])


def _ma_sweep(
    legs: Legs, configs: list[dict[str, Any]], start: pd.Timestamp, end: pd.Timestamp | None,
    runner: Any | None = None,
) -> pd.DataFrame | None:  # fmt: skip
    matches = [_CROSS.fullmatch(str(c["signal"])) for c in configs]
    pairs = [(int(m.group(1)), int(m.group(2))) for m in matches if m is not None]
    fixed = ("threshold", "below", "slippage_bps", "spread_bps")
    if len(pairs) != len(configs) or not _single_values(configs, fixed):
        return None
    keyed = [{**c, "fast": f, "slow": s} for c, (f, s) in zip(configs, pairs, strict=True)]
    c0 = configs[0]
    out = _sweep(
        runner,
        bt.ma_sweep,
        legs.returns,
        fast=sorted({c["fast"] for c in keyed}),
        slow=sorted({c["slow"] for c in keyed}),
        threshold=c0["threshold"],
        below=c0["below"],
        lag=sorted({c["lag"] for c in keyed}),
        hold=sorted({c["hold"] for c in keyed}),
        cost_bps=sorted({c["cost_bps"] for c in keyed}),
        slippage_bps=c0["slippage_bps"],
        spread_bps=c0["spread_bps"],
        start=start,
        end=end,
    )
    picked = _pick(out, keyed, ["fast", "slow", "lag", "hold", "cost_bps"])
    picked.attrs = out.attrs
    return picked.drop(columns=["fast", "slow"])


def _signal_sweep(
    s: Session, legs: Legs, configs: list[dict[str, Any]], start: pd.Timestamp,
    end: pd.Timestamp | None, runner: Any | None = None,
) -> pd.DataFrame | None:  # fmt: skip
    """Rotations on any signals: one pass of the engine's signal sweep per signal."""
    if not _single_values(configs, ("below", "slippage_bps", "spread_bps")):
        return None
    c0, parts = configs[0], []
    for name in dict.fromkeys(str(c["signal"]) for c in configs):
        group = [c for c in configs if c["signal"] == name]
        out = _sweep(
            runner,
            bt.sweep.signal_sweep,
            legs.returns,
            signal_series(s, name),
            thresholds=sorted({c["threshold"] for c in group}),
            below=c0["below"],
            lag=sorted({c["lag"] for c in group}),
            hold=sorted({c["hold"] for c in group}),
            cost_bps=sorted({c["cost_bps"] for c in group}),
            slippage_bps=c0["slippage_bps"],
            spread_bps=c0["spread_bps"],
            start=start,
            end=end,
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


def _one(s: Session, strategy: str, c: dict[str, Any], legs: Legs) -> bt.BacktestRun | bt.DcaResult:
    sig = signal_series(s, str(c["signal"])) if strategy == "rotation" else None
    return run_strategy(strategy, c, Legs(legs.returns, sig))


def _returns(run: bt.BacktestRun | bt.DcaResult) -> pd.Series | bt.BacktestRun:
    return run.dca.pct_change().iloc[1:] if isinstance(run, bt.DcaResult) else run


def _loop(
    s: Session, strategy: str, configs: list[dict[str, Any]], legs: Legs, window: _Span,
    progress: Progress | None,
) -> pd.DataFrame:  # fmt: skip
    rows = []
    for i, c in enumerate(configs, start=1):
        run = _returns(_one(s, strategy, c, legs))
        rows.append({**c, **bt.stats(run, start=window[0], end=window[1])})
        if progress is not None:
            progress(i, len(configs))
    return pd.DataFrame(rows)


_Span = tuple[pd.Timestamp, pd.Timestamp | None]
"""First and last session of the statistics (None: to the end)."""


def _run_grid(
    s: Session, strategy: str, configs: list[dict[str, Any]], legs: Legs, window: _Span,
    progress: Progress | None = None, runner: Any | None = None,
) -> tuple[pd.DataFrame, str]:  # fmt: skip
    fast = None
    if strategy == "sleeve":
        fast = _sleeve_sweep(legs, configs, *window, runner)
    elif strategy == "rotation":
        fast = _ma_sweep(legs, configs, *window, runner)
        if fast is None:
            fast = _signal_sweep(s, legs, configs, *window, runner)
    if fast is None:
        return _loop(s, strategy, configs, legs, window, progress), "single runs"
    if progress is not None:
        progress(len(configs), len(configs))
    return fast, f"sweep ({fast.attrs.get('backend', 'numba')})"


def _window_start(
    s: Session, strategy: str, configs: list[dict[str, Any]], legs: Legs, start: pd.Timestamp | None
) -> pd.Timestamp:
    """First session every configuration can trade: after the user's start and every warm-up."""
    first = pd.Timestamp(legs.returns.index[0])
    if start is not None:
        first = max(first, start)
    if strategy == "rotation":
        for name in dict.fromkeys(str(c["signal"]) for c in configs):
            sig = signal_series(s, name)
            if sig.empty:
                raise InputError(f"signal {name!r} has no value by the day; drop it from the grid")
            first = max(first, pd.Timestamp(sig.index[0]))
    later = legs.returns.index[legs.returns.index >= first]
    if len(later) < 2:
        raise InputError(
            f"the grid's window starts {iso(first)}, leaving fewer than two sessions; "
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


def _grid_table(ctx: _Ctx, frame: pd.DataFrame, axes: tuple[str, ...]) -> TableData:
    rows: list[tuple[Cell, ...]] = []
    for i, d in enumerate(frame.to_dict("records")):
        cells: list[Cell] = [str(d[a]) for a in axes]
        for k in GRID_STATS:
            unit, words = STAT_UNITS[k]
            cells.append(
                ctx.fs.add(
                    f"grid.{i}.{k}", float(d[k]), unit, f"configuration {i + 1}: {words}",
                    source=ctx.source, symbols=("IWM", "SPY"), window=ctx.window,
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


def _best_figures(
    ctx: _Ctx, frame: pd.DataFrame, best_i: int, dsr: bt.DeflatedSharpe, what: str
) -> None:
    n = len(frame)
    ctx.fs.add(
        "n_configs", n, "count", "configurations tried", source="capsize", window=ctx.window,
        formula="product of the grid axes' lengths",
    )  # fmt: skip
    for k in GRID_STATS:
        unit, words = STAT_UNITS[k]
        ctx.fs.add(
            f"best.{k}", float(frame[k].iloc[best_i]), unit, f"best configuration: {words}",
            source=ctx.source, symbols=("IWM", "SPY"), window=ctx.window,
            formula=f"the configuration with the highest Sharpe ratio of {n:,}: {what}",
        )  # fmt: skip
    ctx.fs.add(
        "best.deflated_sharpe", dsr.probability, "fraction",
        "deflated Sharpe ratio of the best configuration: probability that its true Sharpe "
        "ratio is above zero, allowing for every configuration tried",
        source=ctx.source, symbols=("IWM", "SPY"), window=ctx.window,
        formula=f"PSR against the best Sharpe expected from {dsr.n_trials:,} trials of no "
        "skill (Bailey and Lopez de Prado, 2014), from the best run's daily returns",
    )  # fmt: skip
    ctx.fs.add(
        "best.expected_max_sharpe", dsr.expected_max_sharpe, "ratio",
        f"best Sharpe ratio expected by luck from {n:,} configurations",
        source=ctx.source, symbols=("IWM", "SPY"), window=ctx.window,
        formula="expected maximum of the trials' Sharpe ratios under no skill, from their variance",
    )  # fmt: skip


def _walk_forward(
    s: Session, strategy: str, configs: list[dict[str, Any]], legs: Legs,
    first: pd.Timestamp, axes: tuple[str, ...], years: tuple[float, float],
    runner: Any | None = None,
) -> bt.WalkForward:  # fmt: skip
    """Choose the best configuration on ``years[0]`` years, evaluate it on the next ``years[1]``."""
    idx = pd.DatetimeIndex(legs.returns.index[legs.returns.index >= first])
    train, test = (round(y * 252) for y in years)
    if train < 2 or test < 2 or train + test > len(idx):
        raise InputError(
            f"walk_forward={years!r} (train, test years) does not fit the {len(idx):,} sessions "
            "of the window; use e.g. (5, 1)"
        )

    def evaluate(a: pd.Timestamp, b: pd.Timestamp) -> pd.DataFrame:
        return _run_grid(s, strategy, configs, legs, (a, b), runner=runner)[0]

    def returns_of(p: Any) -> pd.Series:
        r = _returns(_one(s, strategy, {**configs[0], **dict(p)}, legs))
        return r.returns if isinstance(r, bt.BacktestRun) else r

    return bt.walk_forward(
        idx, evaluate, params=list(axes), train=train, test=test, returns_of=returns_of
    )


def _wf_outputs(ctx: _Ctx, wf: bt.WalkForward, axes: tuple[str, ...]) -> TableData:
    f = wf.folds
    oos = wf.oos_returns
    st = bt.stats(oos) if oos is not None and len(oos) > 1 else {}
    what = "the best in-sample configuration of each fold, held over the next test window"
    for k, unit, words, v in (
        ("wf.n_folds", "count", "walk-forward folds", len(f)),
        ("wf.oos_sharpe", "ratio", "walk-forward: Sharpe ratio out of sample", st.get("sharpe")),
        ("wf.oos_cagr", "fraction", "walk-forward: CAGR out of sample", st.get("cagr")),
        ("wf.oos_percentile", "fraction",
         "walk-forward: median share of configurations the choice beat out of sample",
         float(f["oos_percentile"].median()) if len(f) else None),
    ):  # fmt: skip
        ctx.fs.add(
            k, v, unit, words, source=ctx.source, symbols=("IWM", "SPY"), window=ctx.window,  # type: ignore[arg-type]
            formula=f"{what}; test windows chained",
        )  # fmt: skip
    rows: list[tuple[Cell, ...]] = []
    for i, row in enumerate(f.to_dict("records")):
        chosen = ", ".join(f"{a}={row[a]}" for a in axes)
        cells: list[Cell] = [f"{iso(row['test_start'])}..{iso(row['test_end'])}", chosen]
        fold_cols: tuple[tuple[str, Unit, str], ...] = (
            ("in_sample", "ratio", "in-sample Sharpe of the choice"),
            ("out_of_sample", "ratio", "out-of-sample Sharpe of the choice"),
            ("oos_percentile", "fraction", "share of configurations it beat out of sample"),
        )
        for col, unit, words in fold_cols:
            cells.append(
                ctx.fs.add(
                    f"wf.{i}.{col}", float(row[col]), unit, f"fold {i + 1}: {words}",
                    source=ctx.source, symbols=("IWM", "SPY"),
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


def backtest_grid(
    source: Store | Session,
    as_of: object | None = None,
    *,
    strategy: str = "sleeve",
    start: object | None = None,
    progress: Progress | None = None,
    walk_forward: tuple[float, float] | None = None,
    runner: Any | None = None,
    **grid: object,
) -> GridResult:
    """Answer "which configuration would have paid best, and is that luck?" over a grid.

    Parameters
    ----------
    source : Store or Session
        The store, or a read session.
    as_of : date-like, optional
        Use only data dated on or before it; default the latest IWM/SPY close.
    strategy : {"rotation", "sleeve", "dca"}
    start : date-like, optional
        First session of the statistics (default: the first session every
        configuration's signal exists).
    progress : callable, optional
        ``progress(done, total)`` after each configuration (once for a one-pass sweep).
    walk_forward : (float, float), optional
        ``(train, test)`` in years: in each fold choose the best configuration (Sharpe)
        over ``train`` years and hold it over the next ``test`` years (table
        ``walk_forward``, figures ``wf.*``). Needs at least one grid axis.
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
        For an unknown strategy or parameter, a bad value, an empty or repeated axis
        value, or more than :data:`~capsize.queries.backtesting.MAX_CONFIGS`
        configurations.
    DataNotFound
        When the store has no IWM/SPY closes by ``as_of``.
    """
    s = session_for(source, as_of)
    strategy = check_strategy(strategy)
    configs = expand_grid(strategy, grid)
    axes = _axes(dict(grid))
    px = proxy_closes(s)
    legs = leg_returns(s, "sleeve", {}, None)
    first = _window_start(s, strategy, configs, legs, parse_as_of(start, "start"))
    frame, engine = _run_grid(s, strategy, configs, legs, (first, None), progress, runner)
    if frame["sharpe"].isna().all():
        raise InputError("no configuration of the grid has a Sharpe ratio; widen the window")
    best_i = int(np.nanargmax(frame["sharpe"].to_numpy()))
    best = {k: configs[best_i][k] for k in configs[best_i]}
    run = _one(s, strategy, best, legs)
    r = _returns(run)
    best_returns = (r.returns if isinstance(r, bt.BacktestRun) else r).loc[first:]
    dsr = bt.deflated_sharpe(best_returns, frame["sharpe"].to_numpy(), periods_per_year=252)
    window = f"{iso(first)}..{iso(px.day)}"
    ctx = _Ctx(FigureSet(px.day), px.source, window)
    what = describe(strategy, best)
    _best_figures(ctx, frame, best_i, dsr, what)
    for leg in ("IWM", "SPY"):
        ctx.fs.add(
            f"{leg}.sharpe", bt.stats(legs.returns[leg], start=first)["sharpe"], "ratio",
            f"{leg} buy and hold: Sharpe ratio (risk-free 0)", source=px.source, symbols=(leg,),
            window=window, formula="mean / standard deviation of daily returns x sqrt(252)",
        )  # fmt: skip
    tables = [_grid_table(ctx, frame, axes)]
    if walk_forward is not None:
        if not axes:
            raise InputError("walk_forward needs a grid axis (a parameter with several values)")
        wf = _walk_forward(s, strategy, configs, legs, first, axes, walk_forward, runner)
        tables.append(_wf_outputs(ctx, wf, axes))
    notes = (
        f"{len(frame):,} configurations tried ({engine}); best by Sharpe ratio: {what}.",
        "Deflated Sharpe ratio: the probability that the best configuration's Sharpe ratio "
        "beats the best one expected by luck from this many trials of no skill; it tests a "
        "Sharpe ratio above zero, not above buy and hold: compare best.sharpe with "
        "SPY.sharpe and IWM.sharpe over the same window.",
        f"Every configuration's statistics cover {window}; positions evolve from "
        f"{iso(legs.returns.index[0])} (warm-ups included).",
    )
    return GridResult(
        query="backtest_grid",
        as_of=px.day,
        requested_as_of=s.requested,
        params={
            "strategy": strategy,
            "start": iso(first),
            "walk_forward": None if walk_forward is None else list(walk_forward),
            **dict(grid.items()),
        },
        figures=ctx.fs.mapping(),
        tables=tuple(tables),
        notes=notes,
        sources=tuple(px.source.split("; ")),
        frame=frame,
        axes=axes,
        best=best,
        engine=engine,
    )
