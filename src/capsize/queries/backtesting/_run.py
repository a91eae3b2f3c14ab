"""From signal histories and checked parameters to a run of the backtest engine.

The legs are IWM (small caps) and SPY (large caps): daily simple returns of their
adjusted closes on the sessions both have, up to the session's day; or two Ken French
size portfolios, monthly (:mod:`~capsize.queries.backtesting._universe`). A month-end
card signal is dated on the last period on or before its month end (the close whose
data it used), so with ``lag = 1`` the engine trades at the close of the next period.
On French legs, ``rs_ma<N>`` and ``rs_cross<F>_<S>`` follow the legs' own growth ratio
with windows in months.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from capsize import backtest as bt
from capsize.errors import DataNotFound, InputError
from capsize.queries.backtesting._signals import (
    CARD_SIGNALS,
    daily_signals,
    proxy_closes,
    signal_histories,
)
from capsize.queries.backtesting._universe import ETF, LegSet, Universe, universe_legs

if TYPE_CHECKING:
    from collections.abc import Mapping

    from capsize.queries.session import Session

__all__ = ["Legs", "leg_returns", "run_strategy", "signal_series"]


@dataclass(frozen=True)
class Legs:
    """The two legs' daily returns over a backtest's window, and the signal traded.

    Attributes
    ----------
    returns : DataFrame of shape (n_periods, 2), fraction per period
        Columns: the small leg (``IWM``, ``ME1``, ...), then the large leg; the first
        row is the first period of the run.
    signal : Series or None
        The signal on its own dates (None for strategies without one).
    notes : tuple of str
        What the run's window and signal rules were (a later start than asked, the
        rule for periods without a signal value); empty when there is nothing to say.
    """

    returns: pd.DataFrame
    signal: pd.Series | None
    notes: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, str]:
        """The small leg's name, then the large leg's."""
        return str(self.returns.columns[0]), str(self.returns.columns[1])


def _on_index(monthly: pd.Series, index: pd.Index, name: str) -> pd.Series:
    """Date each month-end value on the last period on or before it (one value a period)."""
    idx = pd.DatetimeIndex(index)
    pos = idx.searchsorted(monthly.index, side="right") - 1
    keep = pos >= 0
    out = pd.Series(monthly.to_numpy()[keep], index=idx[pos[keep]], name=name)
    return out[~out.index.duplicated(keep="last")]


def _ratio_signal(small: pd.Series, large: pd.Series, name: str) -> pd.Series:
    m = re.fullmatch(r"rs_cross(\d+)_(\d+)", name)
    if m is not None:
        ratio = small / large
        fast, slow = int(m.group(1)), int(m.group(2))
        cross = ratio.rolling(fast).mean() / ratio.rolling(slow, min_periods=slow).mean() - 1.0
        return cross.dropna().rename(name)
    n = int(name.removeprefix("rs_ma"))
    return daily_signals(small, large, (n,))[f"rs_vs_ma{n}"].dropna().rename(name)


def signal_series(s: Session, name: str, universe: Universe = ETF) -> pd.Series:
    """Return the signal ``name`` on the periods whose data it used (NaN dropped).

    A card signal's month end is moved to the last period of the legs on or before it;
    ``rs_ma<N>`` and ``rs_cross<F>_<S>`` follow the IWM/SPY close ratio daily, or the
    French legs' growth ratio monthly (see :mod:`capsize.queries.backtesting._params`).
    Only a card signal needs the month-end history
    (:func:`~capsize.queries.backtesting.signal_histories`).
    """
    if universe.monthly:
        rets = universe_legs(s, universe).returns
        if name in CARD_SIGNALS:
            return _on_index(signal_histories(s).signal(name), rets.index, name)
        growth = (1.0 + rets).cumprod()
        return _ratio_signal(growth.iloc[:, 0], growth.iloc[:, 1], name)
    closes = proxy_closes(s).closes
    if name in CARD_SIGNALS:
        return _on_index(signal_histories(s).signal(name), closes.index, name)
    return _ratio_signal(closes["IWM"], closes["SPY"], name)


def leg_returns(
    s: Session,
    strategy: str,
    params: Mapping[str, Any],
    start: pd.Timestamp | None,
    universe: Universe = ETF,
) -> Legs:
    """Return the legs' returns from the run's first period, and the signal traded.

    The run starts at ``start`` or, for a rotation, at the signal's first date when that
    is later (no run sits out a signal's warm-up).

    Raises
    ------
    DataNotFound
        When fewer than two periods remain (a late ``start`` or a short store).
    """
    ls = universe_legs(s, universe)
    rets = ls.returns
    signal = signal_series(s, str(params["signal"]), universe) if strategy == "rotation" else None
    first = rets.index[0] if len(rets) else None
    notes: tuple[str, ...] = ()
    if signal is not None and first is not None:
        first, notes = _signal_window(s, str(params["signal"]), signal, first, start, ls)
    elif start is not None and first is not None:
        first = max(first, start)
    out = rets.loc[first:] if first is not None else rets
    if len(out) < 2:
        what = f"signal {params.get('signal')!r} " if signal is not None else ""
        small, large = ls.names
        raise DataNotFound(
            f"fewer than two {small}/{large} {ls.period}s to backtest {what}from "
            f"{'the start' if first is None else f'{first:%Y-%m-%d}'} to {ls.day:%Y-%m-%d}; "
            "choose an earlier --start or a later --as-of"
        )
    return Legs(out, signal, notes)


def _no_history(s: Session, name: str) -> str:
    """Why the signal ``name`` has no value at all (the card's own reason for its signals)."""
    if name in CARD_SIGNALS:
        why = signal_histories(s).missing.get(name, "")
        return why.removeprefix("no history: ") or "no month end was scored"
    return "fewer sessions than its moving averages need"


def _signal_window(
    s: Session,
    name: str,
    signal: pd.Series,
    first: pd.Timestamp,
    start: pd.Timestamp | None,
    ls: LegSet,
) -> tuple[pd.Timestamp, tuple[str, ...]]:
    """Return the rotation's first period and the notes on its signal.

    Rule: the run starts at the later of ``start`` (or the legs' first period) and the
    signal's first value, and says so when the signal starts later than asked.

    Raises
    ------
    DataNotFound
        When the signal has no value at all, or none on or after the run's start.
    """
    asked = first if start is None else max(first, start)
    if not len(signal):
        raise DataNotFound(
            f"signal {name!r} has no history in the store ({_no_history(s, name)}), so a "
            f"rotation on it cannot be tested; choose another signal "
            "('capsize backtest signals' lists them with their ranges)"
        )
    lo, hi = pd.Timestamp(signal.index[0]), pd.Timestamp(signal.index[-1])
    if hi < asked:
        raise DataNotFound(
            f"signal {name!r} has values {lo:%Y-%m-%d}..{hi:%Y-%m-%d} only, none from "
            f"{asked:%Y-%m-%d}; choose a --start on or before {hi:%Y-%m-%d} or another signal"
        )
    notes = [_gap_rule(s, name, max(asked, lo))]
    if lo > asked and not (ls.universe.monthly and name in CARD_SIGNALS):  # French: own note
        notes.insert(
            0,
            f"Start: signal {name} has its first value on {lo:%Y-%m-%d}, after the "
            f"{'start asked' if start is not None and start >= first else 'legs begin'} "
            f"({asked:%Y-%m-%d}); "
            "the run starts there (no run sits out a signal's warm-up).",
        )
    return max(asked, lo), tuple(notes)


def _gap_rule(s: Session, name: str, first: pd.Timestamp) -> str:
    """Say what a period without a new signal value does, with the count of such months."""
    rule = (
        f"Missing values: a period without a new {name} value keeps the last value known "
        "(and the position it gave) in force; it never means 'hold the large leg'."
    )
    if name not in CARD_SIGNALS:
        return rule
    scores = signal_histories(s).scores[name].loc[first:]
    gaps = int(scores.isna().sum())
    return f"{rule[:-1]}; {gaps} of {len(scores)} month ends in the run had no {name} value."


def run_strategy(
    strategy: str, params: Mapping[str, Any], legs: Legs, cash: pd.Series | None = None
) -> bt.BacktestRun | bt.DcaResult:
    """Run one configuration on the engine (:mod:`capsize.backtest`).

    ``cash`` is the return per period of cash in a rotation with ``below="cash"``
    (the run's risk-free rate; None: 0).
    """
    costs = {
        "cost_bps": params["cost_bps"],
        "slippage_bps": params["slippage_bps"],
        "spread_bps": params["spread_bps"],
    }
    if strategy == "rotation":
        if legs.signal is None:
            raise InputError("a rotation needs a signal; build the legs with leg_returns")
        return bt.rotation(
            legs.returns,
            legs.signal,
            threshold=params["threshold"],
            below=params["below"],
            hold=params["hold"],
            lag=params["lag"],
            cash=cash if params["below"] == "cash" else None,
            **costs,
        )
    if strategy == "sleeve":
        band = params["band"] or None
        rebalance = None if params["rebalance"] == "none" else params["rebalance"]
        return bt.sleeve(legs.returns, params["weight"], rebalance=rebalance, band=band, **costs)
    leg = 0 if params["segment"] == "small" else 1
    return bt.dca(
        legs.returns.iloc[:, leg], n_buys=params["n_buys"], every=params["every"], **costs
    )
