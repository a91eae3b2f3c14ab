"""``backtest``: one strategy on IWM/SPY, point in time, every statistic with provenance.

Policy applied here, once, for every front end:

* **Legs**: IWM (small caps) and SPY (large caps), daily simple returns of adjusted
  (total-return) closes on the sessions both have, up to the session's day.
* **Signals**: from :func:`~capsize.queries.backtesting.signal_histories` (the rating card's
  own month-end scores, point in time) or the daily relative-strength ratio; a trade
  happens at the close ``lag`` sessions after the signal's close (``lag >= 1``).
* **Benchmarks**: buy-and-hold IWM and SPY over the same sessions.
* **Universe** ``french``: the same on two Ken French size portfolios, monthly from
  1926, point in time by their publication lag
  (:mod:`~capsize.queries.backtesting._universe`); ``hold``, ``lag`` and ``every``
  count months, the benchmarks are the two portfolios held.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from capsize import backtest as bt
from capsize.analytics.factors import DEFAULT_PUBLICATION_LAG_MONTHS as DEFAULT_LAG
from capsize.queries.backtesting._params import resolve_params
from capsize.queries.backtesting._riskfree import RiskFree, check_rf, risk_free
from capsize.queries.backtesting._run import Legs, leg_returns, run_strategy
from capsize.queries.backtesting._signals import CARD_SIGNALS, LARGE, SMALL, signal_histories
from capsize.queries.backtesting._universe import (
    ETF,
    FRENCH_LEGS,
    LegSet,
    Universe,
    check_universe,
    universe_legs,
)
from capsize.queries.result import (
    Cell,
    FigureSet,
    Provenance,
    QueryResult,
    SeriesData,
    TableData,
    Unit,
    iso,
)
from capsize.queries.session import parse_as_of, session_for
from capsize.queries.size import HISTORY_START, join_sources

if TYPE_CHECKING:
    from capsize.data.store import Store
    from capsize.queries.session import Session

__all__ = [
    "STAT_UNITS",
    "UNSIGNED",
    "BacktestResult",
    "backtest",
    "cash_words",
    "describe",
    "legs_note",
    "rf_figures",
    "rf_note",
    "signal_sources",
    "signal_start_note",
    "stat_words",
]

UNSIGNED: tuple[str, ...] = (
    "volatility",
    "hit_rate",
    "exposure",
    "turnover",
    "deflated_sharpe",
    "reality_check",
    "spa",
    "n_months",
    "oos_percentile",
    "chance",
)
"""Figure-id endings of levels and shares, shown without a sign (returns carry one)."""

STAT_UNITS: dict[str, tuple[Unit, str]] = {
    "total_return": ("fraction", "total return"),
    "cagr": ("fraction", "compound annual growth rate"),
    "volatility": ("fraction", "annualised volatility"),
    "sharpe": ("ratio", "Sharpe ratio (risk-free 0)"),
    "sortino": ("ratio", "Sortino ratio (risk-free 0)"),
    "max_drawdown": ("fraction", "maximum drawdown"),
    "max_drawdown_days": ("days", "longest drawdown, calendar days"),
    "calmar": ("ratio", "Calmar ratio (CAGR / |max drawdown|)"),
    "turnover": ("ratio", "turnover per year (sum of |weight changes|)"),
    "hit_rate": ("fraction", "share of sessions with a gain"),
    "exposure": ("fraction", "average small-cap weight"),
    "n_trades": ("count", "sessions with a trade"),
    "n_periods": ("count", "sessions"),
}
"""Unit and words of each statistic of :func:`capsize.backtest.stats`."""

_BENCH_STATS = ("total_return", "cagr", "volatility", "sharpe", "max_drawdown")

_ABOVE_RF = ("sharpe", "sortino")
"""Statistics measured above the risk-free rate."""


def stat_words(k: str, rf: RiskFree) -> str:
    """Words of statistic ``k``, the Sharpe and Sortino ratios naming their risk-free rate.

    Examples
    --------
    >>> from capsize.queries.backtesting._riskfree import ZERO
    >>> stat_words("sharpe", ZERO)
    'Sharpe ratio (rf 0)'
    """
    words = STAT_UNITS[k][1]
    return words.replace("(risk-free 0)", f"({rf.label})") if k in _ABOVE_RF else words


def rf_figures(fs: FigureSet, rf: RiskFree, index: pd.Index, periods_per_year: float) -> None:
    """Add ``rf`` (text: the rate the ratios are measured above) and ``rf.annual``."""
    r = rf.over(index)
    fs.add(
        "rf", None, "text", "risk-free rate of the Sharpe and Sortino ratios",
        source=rf.source or "capsize rule", window=rf.window,
        formula="risk-free return per period subtracted from each period's net return",
        note=rf.label,
    )  # fmt: skip
    fs.add(
        "rf.annual", 0.0 if r is None else float(r.mean()) * periods_per_year, "fraction",
        f"risk-free rate, mean per year ({rf.label})", source=rf.source or "capsize rule",
        window=rf.window or f"{iso(index[0])}..{iso(index[-1])}",
        formula=f"mean risk-free return per period x {periods_per_year:g}",
    )  # fmt: skip


@dataclass(frozen=True)
class BacktestResult(QueryResult):
    """The answer of :func:`backtest`.

    Figures: every statistic of :data:`STAT_UNITS` under its name (the strategy), its
    95% bootstrap intervals ``cagr.low``, ``cagr.high``, ``sharpe.low``, ``sharpe.high``,
    and ``IWM.<stat>``, ``SPY.<stat>`` (buy and hold) for ``total_return``, ``cagr``,
    ``volatility``, ``sharpe``, ``max_drawdown``; a DCA run adds ``final_dca``,
    ``final_lump_sum``, ``advantage``. Series: ``equity``, ``drawdown``,
    ``benchmark.IWM``, ``benchmark.SPY`` (or ``lump_sum`` for DCA). Tables: ``trades``,
    ``years``.

    Attributes
    ----------
    strategy : str
        ``rotation``, ``sleeve`` or ``dca``.
    description : str
        The strategy and its parameters in one sentence.
    legs : tuple of str
        The small leg's name, then the large leg's (figure-id prefixes of the benchmarks).
    """

    strategy: str = ""
    description: str = ""
    legs: tuple[str, str] = ("IWM", "SPY")


def describe(strategy: str, p: dict[str, Any], universe: Universe = ETF, cash: str = "0 %") -> str:
    """Say what a configuration does, in one sentence (``cash``: what cash earns)."""
    small, large = universe.small, universe.large
    per = "month" if universe.monthly else "session"
    cost = (
        f"costs {p['cost_bps']:g} bps + slippage {p['slippage_bps']:g} bps + half of a "
        f"{p['spread_bps']:g} bps spread per one-way trade"
    )
    if strategy == "rotation":
        other = large if p["below"] == "large" else f"cash (earning {cash})"
        return (
            f"{small} while {p['signal']} > {p['threshold']:g}, else {other}; trade at the "
            f"close {p['lag']} {per}(s) after the signal, hold at least {p['hold']} {per}(s); "
            f"{cost}"
        )
    if strategy == "sleeve":
        cal = (
            "no calendar rebalancing" if p["rebalance"] == "none" else f"rebalance {p['rebalance']}"
        )
        band = f", band {p['band']:g}" if p["band"] else ""
        return f"{p['weight']:.0%} {small} / {1 - p['weight']:.0%} {large}, {cal}{band}; {cost}"
    seg = small if p["segment"] == "small" else large
    every = per if p["every"] == 1 else f"{p['every']} {per}s"
    return (
        f"{p['n_buys']} equal purchases of {seg} every {every} against a lump "
        f"sum on the first {per}; {cost}"
    )


@dataclass
class _Ctx:
    fs: FigureSet
    source: str
    symbols: tuple[str, ...]
    window: str
    formula: str
    legs: LegSet
    rf: RiskFree


def _stat_figures(ctx: _Ctx, prefix: str, values: dict[str, float], names: tuple[str, ...]) -> None:
    who = prefix.rstrip(".") or "strategy"
    for k in names:
        unit = STAT_UNITS[k][0]
        words = stat_words(k, ctx.rf)
        v = values.get(k, np.nan)
        above = k in _ABOVE_RF and ctx.rf.returns is not None
        ctx.fs.add(
            f"{prefix}{k}",
            int(v) if unit == "count" and np.isfinite(v) else float(v),
            unit,
            f"{who}: {words}",
            source=join_sources(ctx.source, ctx.rf.source) if above else ctx.source,
            symbols=ctx.symbols if not prefix else (who,),
            window=f"{ctx.window}; {ctx.rf.window}" if above else ctx.window,
            formula=(
                f"{words} of the {_per(ctx)} net returns of: {ctx.formula}"
                if not prefix
                else f"{words}, buy and hold {who} ({_what_legs(ctx)})"
            )
            + (
                f"; returns minus the risk-free return per period ({ctx.rf.words})" if above else ""
            ),
            note="" if np.isfinite(v) else "not defined for this run",
        )


def _per(ctx: _Ctx) -> str:
    return "monthly" if ctx.legs.universe.monthly else "daily"


def _what_legs(ctx: _Ctx) -> str:
    u = ctx.legs.universe
    if not u.monthly:
        return "adjusted closes"
    return f"Ken French size portfolio, {u.weighting.upper()} monthly returns"


def _prov(ctx: _Ctx, what: str) -> Provenance:
    return Provenance(ctx.source, ctx.symbols, ctx.window, ctx.fs.as_of, f"{what}: {ctx.formula}")


def _drawdown(equity: pd.Series) -> pd.Series:
    """Equity / running peak - 1, the peak starting at 1 (the value before the run)."""
    peak = np.maximum.accumulate(np.maximum(equity.to_numpy(), 1.0))
    return pd.Series(equity.to_numpy() / peak - 1.0, index=equity.index)


def _years_table(ctx: _Ctx, rets: dict[str, pd.Series]) -> TableData:
    yearly = {
        k: (1.0 + r).groupby(pd.DatetimeIndex(r.index).year).prod() - 1.0 for k, r in rets.items()
    }
    frame = pd.DataFrame(yearly)
    rows: list[tuple[Cell, ...]] = []
    for year, row in frame.iterrows():
        cells: list[Cell] = [str(year)]
        for k, v in row.items():
            cells.append(
                ctx.fs.add(
                    f"year.{year}.{k}",
                    float(v),
                    "fraction",
                    f"{k} return in {year}",
                    source=ctx.source,
                    symbols=ctx.symbols,
                    window=f"sessions of {year} in {ctx.window}",
                    formula=f"product of (1 + {_per(ctx)} net return) - 1 over the calendar year "
                    "(partial at the ends of the run)",
                )
            )
        rows.append(tuple(cells))
    return TableData(
        "years",
        "Calendar-year returns (first and last years partial)",
        ("year", *yearly),
        tuple(rows),
    )


def _trades_table(ctx: _Ctx, run: bt.BacktestRun) -> TableData:
    rows: list[tuple[Cell, ...]] = []
    w = run.weights.iloc[:, 0]
    for i, (_, t) in enumerate(run.trades.iterrows()):
        day = pd.Timestamp(t["date"])
        rows.append(
            (
                iso(day) or "",
                ctx.fs.add(
                    f"trade.{i}.weight",
                    float(w.loc[day]),
                    "fraction",
                    f"{ctx.legs.names[0]} weight after the trade on {iso(day)}",
                    source=ctx.source,
                    symbols=ctx.symbols,
                    window=ctx.window,
                    formula=ctx.formula,
                ),
                ctx.fs.add(
                    f"trade.{i}.turnover",
                    float(t["turnover"]),
                    "fraction",
                    f"turnover on {iso(day)}",
                    source=ctx.source,
                    symbols=ctx.symbols,
                    window=ctx.window,
                    formula="sum over legs of |weight change|",
                ),
                ctx.fs.add(
                    f"trade.{i}.cost",
                    float(t["cost"]),
                    "fraction",
                    f"cost paid on {iso(day)}",
                    source=ctx.source,
                    symbols=ctx.symbols,
                    window=ctx.window,
                    formula="sum over legs of |weight change| x one-way rate",
                ),
            )
        )
    return TableData(
        "trades",
        "Trades (at the close of the day shown)",
        ("date", f"{ctx.legs.names[0]} weight", "turnover", "cost"),
        tuple(rows),
    )


def _series(ctx: _Ctx, equity: pd.Series, bench: dict[str, pd.Series]) -> list[SeriesData]:
    out = [
        SeriesData.from_series(
            "equity", "strategy, growth of 1", "ratio", equity, _prov(ctx, "equity")
        ),
        SeriesData.from_series(
            "drawdown", "strategy drawdown", "fraction", _drawdown(equity), _prov(ctx, "drawdown")
        ),
    ]
    for name, eq in bench.items():
        out.append(
            SeriesData.from_series(
                name, f"{name.split('.')[-1]}, growth of 1", "ratio", eq, _prov(ctx, name)
            )
        )
    return out


BOOTSTRAP_BLOCK = 21
"""Mean block (sessions) of the stationary bootstrap of a run's daily returns."""

BOOTSTRAP_BLOCK_MONTHS = 6
"""Mean block (months) of the stationary bootstrap of a run's monthly returns."""

BOOTSTRAP_N = 1000
"""Resamples of the run's intervals (seed 0: reproducible)."""


def _intervals(ctx: _Ctx, returns: pd.Series) -> None:
    """``cagr.low/high`` and ``sharpe.low/high``: 95% stationary block bootstrap intervals.

    The Sharpe ratio's interval resamples the returns in excess of the risk-free rate.
    """
    ls = ctx.legs
    block = BOOTSTRAP_BLOCK_MONTHS if ls.universe.monthly else BOOTSTRAP_BLOCK
    rf = ctx.rf.over(returns.index)
    for k in ("cagr", "sharpe"):
        unit, words = STAT_UNITS[k][0], stat_words(k, ctx.rf)
        x = returns - rf if k == "sharpe" and rf is not None else returns
        ci = bt.block_bootstrap_ci(
            x, k, mean_block=block, n=BOOTSTRAP_N, periods_per_year=ls.periods_per_year
        )
        for end, v in (("low", ci.low), ("high", ci.high)):
            ctx.fs.add(
                f"{k}.{end}", v, unit, f"strategy: {words}, 95% interval {end}",
                source=ctx.source, symbols=ctx.symbols, window=ctx.window,
                formula=f"stationary block bootstrap of the {_per(ctx)} net returns (mean block "
                f"{block} {ls.period}s, {BOOTSTRAP_N} resamples, seed 0); {ctx.formula}",
            )  # fmt: skip


def _rotation_or_sleeve(
    ctx: _Ctx, run: bt.BacktestRun, legs: Legs, intervals: bool
) -> tuple[list[SeriesData], list[TableData]]:
    rf = ctx.rf.over(run.returns.index)
    _stat_figures(ctx, "", bt.stats(run, rf=rf), tuple(STAT_UNITS))
    if intervals:
        _intervals(ctx, run.returns)
    rets = {"strategy": run.returns}
    bench: dict[str, pd.Series] = {}
    for leg in legs.names:
        r = legs.returns[leg]
        _stat_figures(ctx, f"{leg}.", bt.stats(r, rf=rf), _BENCH_STATS)
        rets[leg] = r
        bench[f"benchmark.{leg}"] = (1.0 + r).cumprod()
    return _series(ctx, run.equity, bench), [_trades_table(ctx, run), _years_table(ctx, rets)]


def _dca(ctx: _Ctx, res: bt.DcaResult) -> tuple[list[SeriesData], list[TableData]]:
    r_dca = res.dca.pct_change().iloc[1:]
    r_lump = res.lump_sum.pct_change().iloc[1:]
    _stat_figures(
        ctx,
        "",
        bt.stats(r_dca, rf=ctx.rf.over(r_dca.index)),
        tuple(k for k in STAT_UNITS if k not in ("turnover", "exposure", "n_trades")),
    )
    for k, v, words in (
        ("final_dca", res.final_dca, "final value of the averaging portfolio, growth of 1"),
        ("final_lump_sum", res.final_lump_sum, "final value of the lump sum, growth of 1"),
        ("advantage", res.advantage, "averaging vs lump sum: final_dca / final_lump_sum - 1"),
    ):
        ctx.fs.add(
            k,
            float(v),
            "ratio" if k != "advantage" else "fraction",
            words,
            source=ctx.source,
            symbols=ctx.symbols,
            window=ctx.window,
            formula=ctx.formula,
        )
    series = _series(ctx, res.dca, {"lump_sum": res.lump_sum})
    return series, [_years_table(ctx, {"dca": r_dca, "lump_sum": r_lump})]


def signal_sources(
    s: Session, signals: Sequence[object], ls: LegSet
) -> tuple[str, tuple[str, ...]]:
    """Return the files and symbols behind the legs and the rating-card ``signals`` traded.

    The card signals' inputs come from their own history (IWM/SPY, DGS2, FF3, fund
    shares, ...); ``rs_ma``/``rs_cross`` signals read the legs only.
    """
    card = [x for x in dict.fromkeys(signals) if isinstance(x, str) and x in CARD_SIGNALS]
    if not card:
        return ls.source, ls.names
    h = signal_histories(s)
    syms = tuple(dict.fromkeys((*ls.names, *(y for x in card for y in h.symbols.get(x, ())))))
    return join_sources(ls.source, *(h.sources.get(x, "") for x in card)), syms


def signal_start_note(s: Session, signals: Sequence[object], ls: LegSet) -> str | None:
    """Say where the card signals traded on the French legs start, and why (None: no such)."""
    card = [x for x in dict.fromkeys(signals) if isinstance(x, str) and x in CARD_SIGNALS]
    if not card or not ls.universe.monthly:
        return None
    h = signal_histories(s)
    valid = h.scores[card].notna()
    said = ", ".join(f"{x} {valid.index[valid[x]][0]:%Y-%m}" for x in card if valid[x].any())
    return (
        f"Signal start: {said or 'no month'}, not the legs' first month "
        f"({pd.Timestamp(ls.returns.index[0]):%Y-%m}): the rating card's signals are scored "
        f"at the month ends of the {SMALL}/{LARGE} history (from {HISTORY_START[:7]}, when "
        f"{SMALL} prices begin), not from the French portfolios, so the run starts there."
    )


def cash_words(rf: RiskFree) -> str:
    """Say what cash earns in a rotation holding cash: the run's risk-free rate, or 0 %."""
    return "0 %, rf zero asked" if rf.returns is None else f"the risk-free rate, {rf.words}"


def rf_note(rf: RiskFree) -> str:
    """Say what the Sharpe and Sortino ratios are measured above, in one sentence."""
    if rf.returns is None:
        return "Sharpe and Sortino ratios above a risk-free rate of 0 (rf zero asked)."
    return (
        f"Sharpe and Sortino ratios above the risk-free rate: {rf.words} ({rf.window}); "
        "French's RF counts as published two months after its month ends, later periods "
        "accrue the effective fed funds rate (DFF x days / 360, a little above the T-bill)."
    )


def _run_notes(ctx: _Ctx, s: Session, p: dict[str, Any], legs: Legs) -> tuple[str, ...]:
    notes = [f"Strategy: {ctx.formula}.", legs_note(ctx.legs.universe), rf_note(ctx.rf)]
    notes.extend(legs.notes)
    if p.get("signal") in CARD_SIGNALS:
        notes.append(
            f"Signal {p['signal']}: the rating card's month-end score, each month end scored "
            "only with data dated on or before it (French data lagged by their publication)."
        )
    if p.get("below") == "cash":
        notes.append(
            f"Cash: while out of {ctx.legs.names[0]} the run holds cash earning "
            f"{cash_words(ctx.rf)} per period (the rate the Sharpe ratio subtracts)."
        )
    start = signal_start_note(s, [p.get("signal")], ctx.legs)
    return tuple(notes) if start is None else (*notes, start)


def legs_note(u: Universe) -> str:
    """Say what the legs are and when a trade happens, in one sentence."""
    if not u.monthly:
        return (
            "Legs: IWM and SPY adjusted (total-return) closes; a signal known at a close is "
            "traded at a later close (lag >= 1), so no trade uses data it could not know."
        )
    return (
        f"Legs: Ken French size portfolios {u.small} ({FRENCH_LEGS[u.small]}) and {u.large} "
        f"({FRENCH_LEGS[u.large]}), {u.weighting.upper()} monthly total returns; a month "
        f"counts as published {DEFAULT_LAG} months after its end; a signal known at a "
        "month end is traded at a later month end (lag >= 1). Portfolio returns, not "
        "investable funds: costs are the parameters given."
    )


def backtest(
    source: Store | Session, as_of: object | None = None, *, strategy: str = "rotation",
    start: object | None = None, universe: str = "etf", small: str | None = None,
    large: str | None = None, weighting: str | None = None, intervals: bool = True,
    rf: str = "tbill", **params: object,
) -> BacktestResult:  # fmt: skip
    """Answer "would this strategy have paid?" on IWM and SPY, from data available by ``as_of``.

    With ``universe="french"`` the legs are two Ken French size portfolios, monthly
    from 1926 (default ``ME1`` against ``ME10``, value-weighted).

    Parameters
    ----------
    source : Store or Session
        The store, or a read session.
    as_of : date-like, optional
        The run ends on the last IWM/SPY close on or before it; no data dated after it
        is read (signals included). Default: the latest close.
    strategy : {"rotation", "sleeve", "dca"}
        See :data:`capsize.queries.backtesting.PARAMS` for each one's parameters.
    start : date-like, optional
        First session of the run (default: the first with both legs and the signal).
    universe : {"etf", "french"}, default "etf"
        IWM/SPY daily, or French size portfolios monthly (periods are then months).
    small, large : str, optional
        French legs: ``ME1``..``ME10``, ``Q1``..``Q5``, ``T1``..``T3`` (or French's labels);
        default ``ME1`` and ``ME10``. Refused with ``universe="etf"``.
    weighting : {"vw", "ew"}, optional
        French portfolios value- (default) or equal-weighted.
    intervals : bool, default True
        Compute the bootstrap intervals (``cagr.low`` ...); False skips them (cheaper,
        for a summary line).
    rf : {"tbill", "zero"}, default "tbill"
        Risk-free rate of the Sharpe and Sortino ratios: French's one-month T-bill
        (point in time; the fed funds rate after its last published day, see
        :mod:`~capsize.queries.backtesting._riskfree`), or 0. Figure ``rf`` says which.
    **params
        The strategy's parameters (:data:`~capsize.queries.backtesting.PARAMS`; an unknown
        or misplaced name raises, it is never ignored).

    Returns
    -------
    BacktestResult

    Raises
    ------
    InputError
        For an unknown strategy, parameter or signal, or a value out of range.
    DataNotFound
        When the store has no IWM/SPY closes, or fewer than two sessions to run.
    """
    s = session_for(source, as_of)
    u = check_universe(universe, small, large, weighting)
    p = resolve_params(strategy, params, monthly=u.monthly)
    choice = check_rf(rf)
    first = parse_as_of(start, "start")
    ls = universe_legs(s, u)
    legs = leg_returns(s, strategy, p, first, u)
    src, syms = signal_sources(s, [p.get("signal")], ls)
    window = f"{iso(legs.returns.index[0])}..{iso(legs.returns.index[-1])}"
    rfr = risk_free(s, ls, choice).within(legs.returns.index)  # the dates this run uses
    what = describe(strategy, p, u, cash_words(rfr))
    ctx = _Ctx(FigureSet(ls.day), src, syms, window, what, ls, rfr)
    rf_figures(ctx.fs, rfr, legs.returns.index, ls.periods_per_year)
    run = run_strategy(strategy, p, legs, rfr.over(legs.returns.index))
    if isinstance(run, bt.DcaResult):
        series, tables = _dca(ctx, run)
    else:
        series, tables = _rotation_or_sleeve(ctx, run, legs, intervals)
    return BacktestResult(
        query="backtest", as_of=ls.day, requested_as_of=s.requested,
        params={"strategy": strategy, "start": iso(first), "rf": choice, **u.settings(), **p},
        figures=ctx.fs.mapping(), tables=tuple(tables), series=tuple(series),
        notes=_run_notes(ctx, s, p, legs), sources=tuple(join_sources(src, rfr.source).split("; ")),
        strategy=strategy,
        description=ctx.formula, legs=(u.small, u.large),
    )  # fmt: skip
