"""``signal_record``: whether each rating-card signal predicts small vs large caps, out of sample.

Method, stated once (the result's notes repeat it):

* **Signals**: the rating card's month-end scores (-2..+2), each month end scored only
  with data dated on or before it (:func:`~capsize.queries.backtesting.signal_histories`).
* **Next period**: the small-minus-large (IWM minus SPY) total return from the close of
  the first session after a month end to the close of the first session after the next
  one (:func:`~capsize.queries.backtesting.next_period_returns`): the month a reader acting
  on the signal would have held.
* **Fixed split**: nothing in the card is fitted by capsize (its thresholds are written
  rules), so the record is split at a stated date, :data:`OOS_START`: before it is the
  in-sample period (shown for comparison), from it the out-of-sample record.
* **Record**: the Spearman rank correlation of the signal with the next month's
  small-minus-large return, with a stationary block bootstrap 95 % interval; the hit rate
  (months the side the signal favoured won, neutral months left out); and the rotation
  on the signal (IWM while the score is above 0, else SPY, traded at the next session's
  close) against a 50/50 mix rebalanced monthly, as an annualised excess return with its
  interval.
* **Verdict**: *works* when the rank correlation's interval lies above zero, *works
  backwards* when it lies below zero, *does not work* otherwise; *untested* without a
  history.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from capsize import backtest as bt
from capsize.analytics.rotation import spearman
from capsize.queries.backtesting._run import Legs, leg_returns, signal_series
from capsize.queries.backtesting._signals import (
    CARD_SIGNALS,
    LARGE,
    SMALL,
    SignalHistories,
    next_period_returns,
    signal_histories,
)
from capsize.queries.result import Cell, Figure, FigureSet, QueryResult, TableData, Unit, iso
from capsize.queries.session import parse_as_of, session_for
from capsize.queries.size import join_sources

if TYPE_CHECKING:
    from capsize.data.store import Store
    from capsize.queries.session import Session

__all__ = [
    "BLOCK_DAYS",
    "BLOCK_MONTHS",
    "LEVEL",
    "N_BOOT",
    "OOS_START",
    "SEED",
    "SignalRecordResult",
    "SignalRow",
    "signal_record",
    "verdict_sentence",
]

OOS_START = "2013-01-01"
"""First decision date of the out-of-sample record (about half of the IWM history)."""

N_BOOT = 2000
"""Bootstrap resamples."""

BLOCK_MONTHS = 6
"""Mean block length of the stationary bootstrap of monthly pairs (months)."""

BLOCK_DAYS = 21
"""Mean block length of the stationary bootstrap of daily excess returns (sessions)."""

SEED = 17
"""Seed of the bootstrap's generator (the record is reproducible)."""

LEVEL = 0.95
"""Confidence level of the intervals."""

_VERDICT_RULE = (
    "works: the out-of-sample rank correlation's 95% interval lies above zero; works "
    "backwards: it lies below zero; does not work: the interval includes zero"
)


@dataclass(frozen=True)
class SignalRow:
    """One signal's record.

    Attributes
    ----------
    key, label : str
        Signal key (:data:`~capsize.queries.backtesting.CARD_SIGNALS`) and name.
    verdict : {"works", "works backwards", "does not work", "untested"}
        See the module docstring.
    reason : str
        Why untested ("" otherwise).
    figures : dict of str to Figure
        ``is.n_months``, ``is.rank_corr``, ``oos.n_months``, ``oos.rank_corr``,
        ``oos.rank_corr.low``, ``oos.rank_corr.high``, ``oos.hit_rate``, ``oos.excess``,
        ``oos.excess.low``, ``oos.excess.high`` (empty when untested).
    """

    key: str
    label: str
    verdict: str
    reason: str
    figures: dict[str, Figure]


@dataclass(frozen=True)
class SignalRecordResult(QueryResult):
    """The answer of :func:`signal_record`.

    Figures ``<signal>.<stat>`` (see :class:`SignalRow`), ``<signal>.verdict`` (text)
    and ``verdict`` (text: the sentence). Tables: ``record`` (out of sample),
    ``in_sample``.

    Attributes
    ----------
    rows : tuple of SignalRow
        One per card signal, in card order.
    verdict : str
        One sentence: which signals work and which do not.
    oos_start, oos_end : Timestamp
        First and last decision month end of the out-of-sample record.
    """

    rows: tuple[SignalRow, ...] = ()
    verdict: str = ""
    oos_start: pd.Timestamp | None = None
    oos_end: pd.Timestamp | None = None


# ---------------------------------------------------------------------------
# bootstrap
# ---------------------------------------------------------------------------


def _interval(values: np.ndarray) -> tuple[float, float]:
    ok = values[np.isfinite(values)]
    if len(ok) < 0.9 * len(values):
        return math.nan, math.nan
    a = (1.0 - LEVEL) / 2.0
    return float(np.quantile(ok, a)), float(np.quantile(ok, 1.0 - a))


def _corr_interval(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Rank-correlation interval: month pairs resampled together by the stationary bootstrap."""
    idx = bt.stationary_indices(len(x), BLOCK_MONTHS, N_BOOT, np.random.default_rng(SEED))
    rx = pd.DataFrame(x[idx].T).rank().to_numpy()
    ry = pd.DataFrame(y[idx].T).rank().to_numpy()
    rx = rx - rx.mean(axis=0)
    ry = ry - ry.mean(axis=0)
    den = np.sqrt((rx**2).sum(axis=0) * (ry**2).sum(axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = (rx * ry).sum(axis=0) / den
    return _interval(corr)


# ---------------------------------------------------------------------------
# one signal
# ---------------------------------------------------------------------------


@dataclass
class _Ctx:
    fs: FigureSet
    s: Session
    h: SignalHistories
    fwd: pd.DataFrame
    legs: Legs
    bench: pd.Series
    split: pd.Timestamp


def _hit_rate(x: np.ndarray, y: np.ndarray) -> float:
    side = np.sign(x)
    sel = side != 0
    return float((side[sel] * y[sel] > 0).mean()) if sel.any() else math.nan


def _excess(ctx: _Ctx, key: str) -> tuple[float, float, float]:
    """Annualised mean daily excess of the rotation on ``key`` over 50/50, out of sample."""
    signal = signal_series(ctx.s, key)
    rets = ctx.legs.returns.loc[signal.index[0] :]
    run = bt.rotation(rets, signal, threshold=0.0, below="large", lag=1)
    diff = (run.returns - ctx.bench.reindex(run.returns.index)).loc[ctx.split :].dropna()
    if len(diff) < 2 * BLOCK_DAYS:
        return math.nan, math.nan, math.nan
    ci = bt.block_bootstrap_ci(
        diff, "mean", mean_block=BLOCK_DAYS, n=N_BOOT, level=LEVEL, seed=SEED, periods_per_year=252
    )
    return float(diff.mean() * 252.0), ci.low, ci.high


def _verdict(low: float, high: float) -> str:
    if not (math.isfinite(low) and math.isfinite(high)):
        return "untested"
    if low > 0:
        return "works"
    if high < 0:
        return "works backwards"
    return "does not work"


_STATS: dict[str, tuple[Unit, str, str]] = {
    "is.n_months": ("count", "in-sample months", "decision month ends with a complete next month"),
    "is.rank_corr": ("ratio", "in-sample rank correlation", "Spearman(signal, next-month IWM - SPY)"),
    "oos.n_months": ("count", "out-of-sample months", "decision month ends with a complete next month"),
    "oos.rank_corr": ("ratio", "rank correlation with the next month's IWM - SPY return",
                      "Spearman(signal at month end t, IWM - SPY total return over the month after t)"),
    "oos.rank_corr.low": ("ratio", "rank correlation, 95% interval low",
                          f"stationary block bootstrap of month pairs, mean block {BLOCK_MONTHS} months, {N_BOOT} resamples, 2.5th percentile"),
    "oos.rank_corr.high": ("ratio", "rank correlation, 95% interval high",
                           f"stationary block bootstrap of month pairs, mean block {BLOCK_MONTHS} months, {N_BOOT} resamples, 97.5th percentile"),
    "oos.hit_rate": ("fraction", "hit rate: months the favoured side won",
                     "share of months with a non-zero signal whose sign matched the sign of the next month's IWM - SPY return"),
    "oos.excess": ("fraction", "rotation on the signal vs 50/50, excess return per year",
                   "252 x mean daily (rotation - 50/50) net return; rotation: IWM while signal > 0 else SPY, traded at the next session's close, no costs; 50/50 rebalanced monthly"),
    "oos.excess.low": ("fraction", "excess return per year, 95% interval low",
                       f"stationary block bootstrap of daily excess returns, mean block {BLOCK_DAYS} sessions, {N_BOOT} resamples, 2.5th percentile"),
    "oos.excess.high": ("fraction", "excess return per year, 95% interval high",
                        f"stationary block bootstrap of daily excess returns, mean block {BLOCK_DAYS} sessions, {N_BOOT} resamples, 97.5th percentile"),
}  # fmt: skip
"""Unit, label and formula of each statistic of a signal's record."""


def _values(ctx: _Ctx, key: str) -> dict[str, float]:
    sig = ctx.h.signal(key).reindex(ctx.fwd.index)
    ok = sig.notna().to_numpy()
    x, y = sig.to_numpy()[ok], ctx.fwd["sml"].to_numpy()[ok]
    oos = ctx.fwd.index[ok] >= ctx.split
    xi, yi, xo, yo = x[~oos], y[~oos], x[oos], y[oos]
    low, high = _corr_interval(xo, yo) if len(xo) >= 3 * BLOCK_MONTHS else (math.nan, math.nan)
    excess, e_low, e_high = _excess(ctx, key) if len(xo) else (math.nan,) * 3
    return {
        "is.n_months": float(len(xi)),
        "is.rank_corr": spearman(xi, yi),
        "oos.n_months": float(len(xo)),
        "oos.rank_corr": spearman(xo, yo),
        "oos.rank_corr.low": low,
        "oos.rank_corr.high": high,
        "oos.hit_rate": _hit_rate(xo, yo),
        "oos.excess": excess,
        "oos.excess.low": e_low,
        "oos.excess.high": e_high,
    }


def _window(ctx: _Ctx, key: str, oos: bool) -> str:
    sig = ctx.h.signal(key).reindex(ctx.fwd.index).dropna()
    part = sig.loc[ctx.split :] if oos else sig.loc[: ctx.split - pd.Timedelta(days=1)]
    if part.empty:
        return f"no month ends {'from' if oos else 'before'} {iso(ctx.split)}"
    last_exit = ctx.fwd.loc[part.index[-1], "exit"]
    return f"signals {iso(part.index[0])}..{iso(part.index[-1])}, returns to {iso(last_exit)}"


def _row(ctx: _Ctx, key: str) -> SignalRow:
    label = CARD_SIGNALS[key]
    why = ctx.h.missing.get(key, "")
    if why:
        return SignalRow(key, label, "untested", why, {})
    vals = _values(ctx, key)
    src = join_sources(ctx.h.price_source, ctx.h.sources.get(key, ""))
    syms = tuple(dict.fromkeys((SMALL, LARGE, *ctx.h.symbols.get(key, ()))))
    figs: dict[str, Figure] = {}
    for stat, (unit, words, formula) in _STATS.items():
        v = vals[stat]
        figs[stat] = ctx.fs.add(
            f"{key}.{stat}",
            int(v) if unit == "count" else v,
            unit,
            f"{label}: {words}",
            source=src,
            symbols=syms,
            window=_window(ctx, key, not stat.startswith("is.")),
            formula=formula,
            note="" if math.isfinite(v) else "too few months",
        )
    verdict = _verdict(vals["oos.rank_corr.low"], vals["oos.rank_corr.high"])
    return SignalRow(key, label, verdict, "" if verdict != "untested" else "too few months", figs)


# ---------------------------------------------------------------------------
# the answer
# ---------------------------------------------------------------------------

_RECORD_COLUMNS = (
    "signal",
    "months",
    "rank corr.",
    "95% low",
    "95% high",
    "hit rate",
    "excess/yr",
    "95% low",
    "95% high",
    "verdict",
)

_RECORD_STATS = (
    "oos.n_months",
    "oos.rank_corr",
    "oos.rank_corr.low",
    "oos.rank_corr.high",
    "oos.hit_rate",
    "oos.excess",
    "oos.excess.low",
    "oos.excess.high",
)


def _tables(rows: tuple[SignalRow, ...], split: pd.Timestamp) -> tuple[TableData, TableData]:
    record: list[tuple[Cell, ...]] = []
    insample: list[tuple[Cell, ...]] = []
    for r in rows:
        if not r.figures:
            record.append((r.label, *([None] * len(_RECORD_STATS)), f"untested, {r.reason}"))
            continue
        record.append((r.label, *(r.figures[k] for k in _RECORD_STATS), r.verdict))
        insample.append((r.label, r.figures["is.n_months"], r.figures["is.rank_corr"]))
    return (
        TableData(
            "record",
            f"Out of sample (decisions from {iso(split)}): each rating-card signal against the "
            "next month's IWM minus SPY return",
            _RECORD_COLUMNS,
            tuple(record),
        ),
        TableData(
            "in_sample",
            f"In sample (decisions before {iso(split)}), for comparison",
            ("signal", "months", "rank corr."),
            tuple(insample),
        ),
    )


def _names(rows: tuple[SignalRow, ...], verdict: str) -> list[str]:
    return [r.label for r in rows if r.verdict == verdict]


def verdict_sentence(rows: tuple[SignalRow, ...]) -> str:
    """Say in one sentence which signals work out of sample and which do not.

    Examples
    --------
    >>> rows = (SignalRow("a", "A", "does not work", "", {}),
    ...         SignalRow("b", "B", "untested", "no history", {}))
    >>> verdict_sentence(rows)
    'Out of sample no rating-card signal worked: A does not work (its interval includes zero); B cannot be tested (no history).'
    """
    works, backwards = _names(rows, "works"), _names(rows, "works backwards")
    fails, untested = _names(rows, "does not work"), _names(rows, "untested")
    parts = []
    if works:
        parts.append(f"{', '.join(works)} {'works' if len(works) == 1 else 'work'}")
    if fails:
        verb = "does" if len(fails) == 1 else "do"
        one = "its interval includes" if len(fails) == 1 else "every interval includes"
        parts.append(f"{', '.join(fails)} {verb} not work ({one} zero)")
    if backwards:
        parts.append(f"{', '.join(backwards)} worked backwards (favoured the side that lost)")
    if untested:
        parts.append(f"{', '.join(untested)} cannot be tested (no history)")
    lead = "Out of sample" + ("" if works else " no rating-card signal worked")
    return f"{lead}: {'; '.join(parts)}."


def signal_record(
    source: Store | Session,
    as_of: object | None = None,
    *,
    oos_start: object = OOS_START,
) -> SignalRecordResult:
    """Answer "do the rating card's signals work?" with each signal's out-of-sample record.

    Parameters
    ----------
    source : Store or Session
        The store, or a read session.
    as_of : date-like, optional
        Use only data dated on or before it (signals and returns); default the latest
        IWM/SPY close.
    oos_start : date-like
        First decision date of the out-of-sample record (default :data:`OOS_START`).

    Returns
    -------
    SignalRecordResult

    Raises
    ------
    DataNotFound
        When the store has no IWM/SPY closes by ``as_of``.
    InputError
        When ``oos_start`` is not an ISO date.
    """
    s = session_for(source, as_of)
    split = parse_as_of(oos_start, "oos_start") or pd.Timestamp(OOS_START)
    h = signal_histories(s)
    legs = leg_returns(s, "sleeve", {}, None)
    bench = bt.sleeve(legs.returns, 0.5, rebalance="M").returns
    fwd = next_period_returns(h.small, h.large, pd.DatetimeIndex(h.scores.index))
    ctx = _Ctx(FigureSet(h.day), s, h, fwd, legs, bench, split)
    rows = tuple(_row(ctx, k) for k in CARD_SIGNALS)
    sentence = verdict_sentence(rows)
    for r in rows:
        ctx.fs.add(
            f"{r.key}.verdict", None, "text", f"{r.label}: verdict", source="capsize rule",
            window=f"decisions from {iso(split)}", formula=_VERDICT_RULE, note=r.verdict,
        )  # fmt: skip
    ctx.fs.add(
        "verdict", None, "text", "which rating-card signals work out of sample",
        source="capsize rule", window=f"decisions from {iso(split)}", formula=_VERDICT_RULE,
        note=sentence,
    )  # fmt: skip
    oos = fwd.loc[split:]
    notes = (
        sentence,
        f"Fixed split: decisions before {iso(split)} are in sample, from it out of sample; "
        "the card's thresholds are written rules, not fitted by capsize.",
        f"Verdict rule: {_VERDICT_RULE}.",
        "Each month end's signal uses only data dated on or before it; the position is taken "
        "at the close of the next session (no look-ahead).",
    )
    sources = [x for k in CARD_SIGNALS for x in h.sources.get(k, "").split("; ") if x]
    return SignalRecordResult(
        query="signal_record",
        as_of=h.day,
        requested_as_of=s.requested,
        params={"oos_start": iso(split), "n_boot": N_BOOT, "seed": SEED},
        figures=ctx.fs.mapping(),
        tables=_tables(rows, split),
        series=(),
        notes=notes,
        sources=tuple(dict.fromkeys([*h.price_source.split("; "), *sources])),
        rows=rows,
        verdict=sentence,
        oos_start=pd.Timestamp(oos.index[0]) if len(oos) else None,
        oos_end=pd.Timestamp(oos.index[-1]) if len(oos) else None,
    )
