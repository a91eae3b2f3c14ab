"""Report section "Do the signals work?": renders ``signal_record`` on the report day.

One row per rating-card signal: its out-of-sample rank correlation with the next month's
IWM-minus-SPY return and the 95 % bootstrap interval, its hit rate, what rotating on it
would have added against a 50/50 mix, and a verdict in words; a signal without a
history says so instead of showing numbers. The note above the table is the query's
one-sentence verdict, naming the signals that do not work. A second table gives the long
record of the simplest advice, a fixed small-cap sleeve, on the Ken French size deciles
since 1926 (the ``backtest`` query, ``universe="french"``) against holding the largest
decile. Every number is a query figure adopted with its provenance.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from capsize.errors import DataNotFound
from capsize.report._inputs import Inputs, num, pct
from capsize.report._model import Figure, Section, Table

if TYPE_CHECKING:
    from capsize.queries.backtesting import BacktestResult, SignalRecordResult, SignalRow

__all__ = ["SIGNALS_TITLE", "signals_section"]

SIGNALS_TITLE = "Do the signals work?"

_COLUMNS = (
    "Signal",
    "Months",
    "Rank corr.",
    "Interval low",
    "Interval high",
    "Hit rate",
    "Rotation vs 50/50, per year",
    "Verdict",
)


LONG_SLEEVE: dict[str, object] = {
    "strategy": "sleeve",
    "weight": 0.2,
    "rebalance": "A",
    "cost_bps": 10.0,
}
"""The long-history line: 20 % in the smallest size decile, rebalanced each January."""

_LONG_COLUMNS = (
    "Since 1926",
    "CAGR",
    "Sharpe",
    "Max drawdown",
    "ME10 CAGR",
    "ME10 Sharpe",
    "ME10 max drawdown",
)
_LONG_LABEL = (
    "One fifth in the smallest decile (ME1), four fifths in the largest (ME10), rebalanced "
    "each January, 10 bps costs"
)
"""Words of :data:`LONG_SLEEVE` (no percent sign: numbers in the report are figures)."""


def _long_answer(inp: Inputs) -> BacktestResult:
    from capsize.queries.backtesting import backtest

    result: BacktestResult = inp.session.cached(
        ("q", "backtest", "french_sleeve"),
        lambda: backtest(inp.session, universe="french", intervals=False, **LONG_SLEEVE),  # type: ignore[arg-type]
    )
    return result


def _long_table(inp: Inputs) -> tuple[dict[str, Figure], Table]:
    """Return the fixed sleeve against holding ME10 over the French history, one row."""
    try:
        res = _long_answer(inp)
    except DataNotFound as exc:
        row = (_LONG_LABEL, *(["n/a"] * (len(_LONG_COLUMNS) - 1)))
        caption = f"Long history not shown: {exc}"
        return {}, Table(_LONG_COLUMNS, (row,), caption)
    shown = (
        ("cagr", pct("no months", 1)),
        ("sharpe", num("no months", 2)),
        ("max_drawdown", pct("no months", 1)),
        ("ME10.cagr", pct("no months", 1)),
        ("ME10.sharpe", num("no months", 2)),
        ("ME10.max_drawdown", pct("no months", 1)),
    )
    figs = {
        f"signals.french_sleeve.{k}": inp.book.adopt(
            res.fig(k), fmt, fid=f"signals.french_sleeve.{k}"
        )
        for k, fmt in shown
    }
    eq = res.get_series("equity").to_series()
    rf = res.fig("rf").note  # "rf: 1-month T-bill, Ken French": the Sharpe ratio's rate
    cols = tuple(f"{c} ({rf})" if c.endswith("Sharpe") else c for c in _LONG_COLUMNS)
    caption = (
        "The simplest small-cap advice over the long record: Ken French size deciles "
        f"(value-weighted, monthly total returns {eq.index[0]:%Y-%m} to {eq.index[-1]:%Y-%m}, "
        "months counted as published two months after their end); ME10 is the largest "
        "decile held throughout. Portfolio returns, not funds. Sharpe ratios above French's "
        "one-month Treasury bill return, each month's known two months after its end."
    )
    return figs, Table(cols, ((_LONG_LABEL, *figs.values()),), caption)


def _answer(inp: Inputs) -> SignalRecordResult:
    from capsize.queries.backtesting import signal_record

    result: SignalRecordResult = inp.session.cached(
        ("q", "signal_record"), lambda: signal_record(inp.session)
    )
    return result


def _cells(inp: Inputs, r: SignalRow) -> tuple[dict[str, Figure], tuple[Figure | str, ...]]:
    if not r.figures:
        why = r.reason.removeprefix("no history: ")
        na = "n/a"
        return {}, (r.label, na, na, na, na, na, na, f"untested: no history ({why})")
    corr = num("too few months", 2, sign=True)
    shown = {
        "oos.n_months": num("no months", 0),
        "oos.rank_corr": corr,
        "oos.rank_corr.low": corr,
        "oos.rank_corr.high": corr,
        "oos.hit_rate": pct("no months", 0, sign=False),
        "oos.excess": pct("no months", 1),
    }
    figs = {
        f"{r.key}.{k}": inp.book.adopt(r.figures[k], fmt, fid=f"signals.{r.key}.{k}")
        for k, fmt in shown.items()
    }
    f = [figs[f"{r.key}.{k}"] for k in shown]
    return figs, (r.label, f[0], f[1], f[2], f[3], f[4], f[5], r.verdict)


def signals_section(inp: Inputs) -> Section:
    """Each rating-card signal's out-of-sample record, the failures included."""
    res = _answer(inp)
    figs: dict[str, Figure] = {}
    rows: list[tuple[Figure | str, ...]] = []
    for r in res.rows:
        f, row = _cells(inp, r)
        figs.update(f)
        rows.append(row)
    span = (
        f"month ends {res.oos_start:%Y-%m} to {res.oos_end:%Y-%m}"
        if res.oos_start is not None and res.oos_end is not None
        else "no month end"
    )
    lead = res.verdict.replace("Out of sample", f"Out of sample ({span})", 1)
    caption = (
        "Rank correlation of each month-end signal with the IWM minus SPY return of the "
        "following month (entered at the next session's close), with its stationary block "
        "bootstrap interval (95 percent); hit rate: months the favoured side won. Works: the "
        "interval "
        "lies above zero; works backwards: below zero. The card's rules are fixed, not fitted: "
        f"decisions before {res.params['oos_start']} are kept out of this record as the "
        "in-sample period."
    )
    long_figs, long_table = _long_table(inp)
    figs.update(long_figs)
    return Section(
        "signals",
        SIGNALS_TITLE,
        figures=figs,
        tables=(Table(_COLUMNS, tuple(rows), caption), long_table),
        notes=(lead,),
    )
