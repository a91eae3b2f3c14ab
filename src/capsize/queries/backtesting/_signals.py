"""Signal histories a backtest can use, point in time, from the rating card's own inputs.

Two kinds of signal:

* **Month-end signals** (:data:`CARD_SIGNALS`): the rotation score and each of its
  components, scored -2..+2 at every calendar month end since
  :data:`~capsize.queries.size.HISTORY_START` exactly as the rating card would have
  scored them that day (:func:`capsize.analytics.rotation.build_readings` then
  :func:`capsize.analytics.rotation.rotation_score`, the configured weights, the one
  staleness rule). A month end's signal uses only data dated on or before it (French
  months also lagged by their publication delay).
* **Daily signals** (:func:`daily_signals`): the IWM/SPY adjusted-close ratio against its
  ``n``-day moving average, ``ratio / mean(ratio over the last n sessions) - 1``, on each
  session from that session's close and the ``n - 1`` before it.

The inputs are read once per session (:meth:`Session.cached`), so a report, a backtest
and a signal record asked on one session share them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from capsize.analytics import rotation as R
from capsize.errors import DataNotFound, InputError
from capsize.queries.size import (
    HISTORY_START,
    LARGE,
    SMALL,
    join_sources,
    price_source,
    read_rotation_data,
    weights_in_force,
)

if TYPE_CHECKING:
    from capsize.queries.session import Session

__all__ = [
    "CARD_SIGNALS",
    "DAILY_WINDOWS",
    "LARGE",
    "NO_HISTORY",
    "SMALL",
    "ProxyCloses",
    "SignalHistories",
    "daily_signals",
    "next_period_returns",
    "proxy_closes",
    "signal_histories",
]

CARD_SIGNALS: dict[str, str] = {
    "score": "Rotation score",
    **{c: R.SCORING_RULES[c].label for c in R.COMPONENTS},
}
"""The rating card's signals: key -> label (the total first, then the components)."""

NO_HISTORY: dict[str, str] = {
    "breadth": f"no history: {SMALL} member lists start in 2025",
    "valuation": "no history: no small/large valuation series in the store",
}
"""Why a card signal has no month-end history (shown in its record instead of numbers);
any other signal without a single month-end score gets the reason its input is missing."""

DAILY_WINDOWS: tuple[int, ...] = (50, 200)
"""Moving-average windows (sessions) of the daily relative-strength signals."""


@dataclass(frozen=True)
class SignalHistories:
    """Point-in-time signal histories and the proxies' closes on one session's day.

    Attributes
    ----------
    day : Timestamp
        The last day with both IWM and SPY closes on or before the session's day.
    small, large : Series of shape (n_days,), USD
        Adjusted (total-return) closes of IWM and SPY up to ``day``.
    scores : DataFrame of shape (n_months, n_signals), score -2..+2
        Month-end scores of :data:`CARD_SIGNALS` (NaN: not assessed that month end).
    readings : DataFrame of shape (n_months, n_components)
        Month-end component readings in each rule's units (NaN: no reading).
    weights : dict
        Component weights in force (``weights_origin`` says from where).
    sources : dict
        Signal key -> source files of its inputs.
    symbols : dict
        Signal key -> symbols or series of its inputs.
    missing : dict
        Signal key -> why it has no history ("" keys absent).
    """

    day: pd.Timestamp
    small: pd.Series
    large: pd.Series
    scores: pd.DataFrame
    readings: pd.DataFrame
    weights: dict[str, float]
    weights_origin: str
    sources: dict[str, str] = field(default_factory=dict)
    symbols: dict[str, tuple[str, ...]] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)

    def signal(self, key: str) -> pd.Series:
        """Return the month-end series of the signal ``key`` (NaN months dropped).

        Raises
        ------
        InputError
            When ``key`` is not one of :data:`CARD_SIGNALS`.
        """
        if key not in CARD_SIGNALS:
            raise InputError(f"signal {key!r} is unknown; known: {', '.join(CARD_SIGNALS)}")
        out: pd.Series = self.scores[key].dropna().rename(key)
        return out

    @property
    def price_source(self) -> str:
        """Files of the IWM/SPY closes."""
        return self.sources.get("relative_strength", "store")


@dataclass(frozen=True)
class ProxyCloses:
    """IWM and SPY adjusted closes on the sessions both have, up to the session's day.

    Attributes
    ----------
    day : Timestamp
        The last common session on or before the session's day.
    closes : DataFrame of shape (n_sessions, 2), USD
        Columns ``IWM``, ``SPY`` (adjusted, total-return closes).
    source : str
        Files of the closes.
    """

    day: pd.Timestamp
    closes: pd.DataFrame
    source: str


def _read_closes(s: Session) -> ProxyCloses:
    held = set(s.symbols())
    if SMALL not in held or LARGE not in held:
        raise DataNotFound(
            f"no {SMALL} and {LARGE} closes in the store; run 'capsize data import DIR'"
        )
    px = s.closes([SMALL, LARGE], basis="adjusted")[[SMALL, LARGE]].dropna()
    if px.empty:
        raise DataNotFound(
            f"no common {SMALL}/{LARGE} session on or before {str(s.requested)[:10]}; the first is {max(min((r.first_date for r in s.catalog_rows('bars', x) if r.first_date is not None), default=pd.NaT) for x in (SMALL, LARGE)):%Y-%m-%d}: give --as-of on or after it"
        )
    return ProxyCloses(pd.Timestamp(px.index[-1]), px, price_source(s, SMALL, LARGE))


def proxy_closes(s: Session) -> ProxyCloses:
    """Return the IWM/SPY closes on the session's day (read once per session).

    Raises
    ------
    DataNotFound
        When the store has no common IWM/SPY session on or before the day.
    """
    out: ProxyCloses = s.cached(("backtest", "proxy_closes"), lambda: _read_closes(s))
    return out


def _month_ends(day: pd.Timestamp) -> pd.DatetimeIndex:
    return pd.date_range(HISTORY_START, day, freq="ME")


def _score_rows(
    inputs: R.RotationInputs, dates: pd.DatetimeIndex, weights: dict[str, float]
) -> tuple[list[dict[str, float]], list[dict[str, float]]]:
    """Score every month end from the data available that day."""
    scores: list[dict[str, float]] = []
    values: list[dict[str, float]] = []
    for d in dates:
        readings = R.build_readings(inputs, d)
        sc = R.rotation_score(readings, as_of=d, weights=weights)
        row = {"score": sc.score}
        row.update({c.name: math.nan if c.score is None else float(c.score) for c in sc.components})
        scores.append(row)
        values.append({k: math.nan if r is None else float(r.value) for k, r in readings.items()})
    return scores, values


def _read(s: Session) -> SignalHistories:
    w, origin = weights_in_force(s, None)
    d = read_rotation_data(s, breadth=False)
    small, large = d.inputs.small_prices, d.inputs.large_prices
    if small is None or large is None:
        raise DataNotFound(
            f"no {SMALL} and {LARGE} closes in the store on or before the day; "
            "run 'capsize data import DIR'"
        )
    # breadth is left out of the history (member lists only from 2025), as in rotation_score
    inputs = R.RotationInputs(
        small, large, d.inputs.yields_2y, d.inputs.ff_monthly, None, d.inputs.small_shares
    )
    dates = _month_ends(d.day)
    scores, values = _score_rows(inputs, dates, w)
    score_frame = pd.DataFrame(scores, index=dates, columns=list(CARD_SIGNALS), dtype="float64")
    value_frame = pd.DataFrame(values, index=dates, columns=list(R.COMPONENTS), dtype="float64")
    score_frame.index.name = value_frame.index.name = "date"
    sources = dict(d.sources)
    if d.share_sources is not None:
        sources["flows"] = join_sources(*dict.fromkeys(str(x) for x in d.share_sources))
    # the score reads every component it scores (flows included when the shares are there)
    sources["score"] = join_sources(*(sources.get(k, "") for k in R.COMPONENTS))
    symbols = dict(d.symbols)
    symbols["score"] = tuple(dict.fromkeys(x for k in R.COMPONENTS for x in symbols.get(k, ())))
    missing = {
        k: NO_HISTORY.get(k) or f"no history: {d.missing.get(k, 'no month end was scored')}"
        for k in CARD_SIGNALS
        if score_frame[k].isna().all()
    }
    return SignalHistories(
        d.day,
        small.loc[: d.day],
        large.loc[: d.day],
        score_frame,
        value_frame,
        w,
        origin,
        sources,
        symbols,
        missing,
    )


def signal_histories(s: Session) -> SignalHistories:
    """Return the card signals' month-end histories on the session's day (read once).

    Parameters
    ----------
    s : Session
        A read session; its day bounds every input (point in time).

    Returns
    -------
    SignalHistories

    Raises
    ------
    DataNotFound
        When the store has no IWM and SPY closes on or before the day.
    InputError
        When ``[rotation.weights]`` of ``config.toml`` is invalid.
    """
    out: SignalHistories = s.cached(("backtest", "signal_histories"), lambda: _read(s))
    return out


def daily_signals(
    small: pd.Series, large: pd.Series, windows: tuple[int, ...] = DAILY_WINDOWS
) -> pd.DataFrame:
    """Daily relative-strength signals: the small/large ratio against its moving averages.

    Parameters
    ----------
    small, large : Series of shape (n_days,), USD
        Adjusted closes; only sessions with both are used.
    windows : tuple of int
        Moving-average lengths in sessions (each >= 2).

    Returns
    -------
    DataFrame of shape (n_days, len(windows) + 1)
        ``ratio`` and ``rs_vs_ma<n>`` = ``ratio / mean(ratio, last n sessions) - 1``
        (fraction; NaN until ``n`` sessions exist). Each row uses that session's close
        and earlier ones only.

    Examples
    --------
    >>> idx = pd.date_range("2024-01-01", periods=4, freq="B")
    >>> s = pd.Series([1.0, 2.0, 3.0, 4.0], index=idx)
    >>> daily_signals(s, s * 0 + 1.0, windows=(2,))["rs_vs_ma2"].round(4).tolist()
    [nan, 0.3333, 0.2, 0.1429]
    """
    if any(int(n) < 2 for n in windows):
        raise InputError(f"windows {windows!r} must each be 2 sessions or more")
    both = pd.concat([small, large], axis=1, join="inner").dropna()
    ratio = both.iloc[:, 0] / both.iloc[:, 1]
    out = pd.DataFrame({"ratio": ratio})
    for n in windows:
        out[f"rs_vs_ma{n}"] = ratio / ratio.rolling(int(n), min_periods=int(n)).mean() - 1.0
    return out


def next_period_returns(
    small: pd.Series, large: pd.Series, dates: pd.DatetimeIndex
) -> pd.DataFrame:
    """Small, large and small-minus-large returns after each decision date.

    The position decided on ``dates[i]`` is taken at the close of the first session
    after it and held to the close of the first session after ``dates[i + 1]``; the last
    date has no complete period (dropped).

    Parameters
    ----------
    small, large : Series of shape (n_days,), USD
        Adjusted closes.
    dates : DatetimeIndex
        Decision dates, increasing (e.g. month ends).

    Returns
    -------
    DataFrame indexed by decision date
        ``entry``, ``exit`` (session dates), ``small``, ``large`` (total returns,
        fractions) and ``sml`` = ``small - large``.
    """
    both = pd.concat([small, large], axis=1, join="inner").dropna()
    idx = pd.DatetimeIndex(both.index)
    pos = idx.searchsorted(dates, side="right")
    ok = pos < len(idx)
    rows = []
    for i in range(len(dates) - 1):
        if not (ok[i] and ok[i + 1]) or pos[i] >= pos[i + 1]:
            continue
        a, b = both.iloc[pos[i]], both.iloc[pos[i + 1]]
        rs, rl = float(b.iloc[0] / a.iloc[0] - 1.0), float(b.iloc[1] / a.iloc[1] - 1.0)
        rows.append((dates[i], idx[pos[i]], idx[pos[i + 1]], rs, rl, rs - rl))
    frame = pd.DataFrame(rows, columns=["date", "entry", "exit", "small", "large", "sml"])
    return frame.set_index("date").astype({"small": np.float64, "large": np.float64})
