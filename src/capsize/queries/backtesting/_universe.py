"""The two legs a backtest trades: IWM/SPY daily, or Ken French size portfolios monthly.

Two universes (:data:`UNIVERSES`):

* ``etf`` (default): IWM (small caps) and SPY (large caps), daily simple returns of
  their adjusted (total-return) closes on the sessions both have (from 2000).
* ``french``: two of Ken French's *Portfolios Formed on Size* (value- or
  equal-weighted), monthly simple returns from July 1926, for the long history the
  ETFs lack. The legs are named by their size rank: deciles ``ME1`` (smallest, French's
  ``Lo 10``) .. ``ME10`` (``Hi 10``), quintiles ``Q1`` .. ``Q5`` (``Lo 20`` .. ``Hi 20``),
  terciles ``T1`` .. ``T3`` (``Lo 30``, ``Med 40``, ``Hi 30``); French's own labels are
  accepted too. Default: ``ME1`` against ``ME10``, value-weighted.

Point in time: a French month counts as known at the end of the month
:data:`~capsize.analytics.factors.DEFAULT_PUBLICATION_LAG_MONTHS` later (the one
publication-lag rule of :func:`capsize.analytics.factors.point_in_time`), so a backtest
asked as of a day uses only the months published by then. Within the run a month's
return is dated at its month end; a signal computed from it trades ``lag`` months later.
The ``<= 0`` column (always missing, -99.99) cannot be a leg.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from capsize.analytics import factors as F
from capsize.errors import DataNotFound, InputError
from capsize.queries.backtesting._signals import proxy_closes

if TYPE_CHECKING:
    from capsize.queries.session import Session

__all__ = [
    "ETF",
    "FRENCH_DATASETS",
    "FRENCH_LEGS",
    "UNIVERSES",
    "LegSet",
    "Universe",
    "check_universe",
    "universe_legs",
]

UNIVERSES: tuple[str, ...] = ("etf", "french")
"""Universes a backtest can run on."""

FRENCH_DATASETS: dict[str, str] = {"vw": "ME_portfolios_VW", "ew": "ME_portfolios_EW"}
"""Weighting -> store dataset of the Portfolios Formed on Size (monthly)."""

_DECILES = ("Lo 10", *(f"{i}-Dec" for i in range(2, 10)), "Hi 10")
_QUINTILES = ("Lo 20", "Qnt 2", "Qnt 3", "Qnt 4", "Hi 20")
_TERCILES = ("Lo 30", "Med 40", "Hi 30")

FRENCH_LEGS: dict[str, str] = {
    **{f"ME{i}": c for i, c in enumerate(_DECILES, start=1)},
    **{f"Q{i}": c for i, c in enumerate(_QUINTILES, start=1)},
    **{f"T{i}": c for i, c in enumerate(_TERCILES, start=1)},
}
"""Leg name -> French's column label (ME1 = smallest decile, ME10 = largest)."""

_PUBLICATION = F.DEFAULT_PUBLICATION_LAG_MONTHS


@dataclass(frozen=True)
class Universe:
    """A checked universe: which two legs, from where.

    Attributes
    ----------
    name : {"etf", "french"}
    small, large : str
        Leg names (``IWM``/``SPY``, or ``ME1``/``ME10`` style names for French).
    weighting : {"vw", "ew"}
        French portfolios' weighting (unused for ``etf``).
    """

    name: str = "etf"
    small: str = "IWM"
    large: str = "SPY"
    weighting: str = "vw"

    @property
    def monthly(self) -> bool:
        """True for the monthly French legs."""
        return self.name == "french"

    def settings(self) -> dict[str, str]:
        """Return the universe as query parameters (empty for the default IWM/SPY)."""
        if not self.monthly:
            return {}
        return {
            "universe": self.name,
            "small": self.small,
            "large": self.large,
            "weighting": self.weighting,
        }


ETF = Universe()
"""IWM against SPY, daily."""


@dataclass(frozen=True)
class LegSet:
    """Both legs' returns over their whole common history up to the session's day.

    Attributes
    ----------
    returns : DataFrame of shape (n_periods, 2), fraction per period
        Columns: the small leg's name, then the large leg's.
    day : Timestamp
        The last period (the answer's as-of day).
    source : str
        Files behind the returns.
    periods_per_year : float
        252 (sessions) or 12 (months).
    period : str
        ``"session"`` or ``"month"``: the unit of ``hold``, ``lag`` and ``every``.
    universe : Universe
    """

    returns: pd.DataFrame
    day: pd.Timestamp
    source: str
    periods_per_year: float
    period: str
    universe: Universe

    @property
    def names(self) -> tuple[str, str]:
        """The small leg's name, then the large leg's."""
        return self.universe.small, self.universe.large


def _french_leg(name: str, which: str) -> str:
    key = name.strip()
    upper = key.upper()
    if upper in FRENCH_LEGS:
        return upper
    for alias, column in FRENCH_LEGS.items():
        if column.lower() == key.lower():
            return alias
    raise InputError(
        f"--{which} {name!r} is not a French size portfolio; use ME1..ME10 (deciles), "
        "Q1..Q5 (quintiles) or T1..T3 (terciles)"
    )


_LEG_EXAMPLES: dict[str, str] = {
    "universe": '"etf" or "french"',
    "small": '"ME1" (one French size portfolio)',
    "large": '"ME10" (one French size portfolio)',
    "weighting": '"vw" or "ew"',
}
"""What to give for each universe setting (the one-line error's remedy)."""


def _check_text(name: str, value: object) -> None:
    """Raise InputError unless ``value`` is a string (or None): legs are not a grid axis."""
    if value is None or isinstance(value, str):
        return
    raise InputError(
        f"{name} {value!r} must be one string, e.g. {_LEG_EXAMPLES[name]}; the universe and "
        "legs are not a grid axis (run one grid per pair of legs)"
    )


def check_universe(
    universe: str = "etf",
    small: str | None = None,
    large: str | None = None,
    weighting: str | None = None,
) -> Universe:
    """Return the checked :class:`Universe` (legs default to IWM/SPY or ME1/ME10).

    Raises
    ------
    InputError
        For an unknown universe, weighting or leg, a setting that is not a string (a
        list: legs are not a grid axis), twice the same leg, or legs given to the
        ``etf`` universe (its legs are fixed).

    Examples
    --------
    >>> check_universe("french", small="Lo 20", large="q5")
    Universe(name='french', small='Q1', large='Q5', weighting='vw')
    """
    for key, value in zip(_LEG_EXAMPLES, (universe, small, large, weighting), strict=True):
        _check_text(key, value)
    name = str(universe).strip().lower()
    if name not in UNIVERSES:
        raise InputError(f"universe {universe!r} is unknown; use one of {', '.join(UNIVERSES)}")
    if name == "etf":
        if small is not None or large is not None or weighting is not None:
            raise InputError(
                "--small, --large and --weighting choose French size portfolios; add "
                "--universe french (the etf universe is IWM against SPY)"
            )
        return ETF
    w = (weighting or "vw").strip().lower()
    if w not in FRENCH_DATASETS:
        raise InputError(f"weighting {weighting!r} is unknown; use vw or ew")
    a = _french_leg(small or "ME1", "small")
    b = _french_leg(large or "ME10", "large")
    if a == b:
        raise InputError(f"--small and --large are both {a}; choose two different portfolios")
    return Universe("french", a, b, w)


def _too_early(dataset: str, first: pd.Timestamp) -> DataNotFound:
    """Return the error of an as-of before two months of ``dataset`` are published."""
    earliest = _first_usable(first)
    return DataNotFound(
        f"the Ken French size portfolios start {first:%Y-%m}; give --as-of on or after "
        f"{earliest:%Y-%m-%d} (two months of {dataset}, each published {_PUBLICATION} "
        "months after its end)"
    )


def _first_usable(first: pd.Timestamp) -> pd.Timestamp:
    """Return the first as-of by which two months from ``first`` (a month end) are published."""
    return pd.Timestamp(first) + pd.offsets.MonthEnd(1 + _PUBLICATION)


def _french_raw(s: Session, dataset: str) -> pd.DataFrame:
    """Read ``dataset`` monthly by the session's day; an as-of before its first month says so."""
    try:
        return s.factors(dataset, "monthly")
    except DataNotFound as exc:
        if s.requested is None:
            raise
        try:  # the whole history: is the day before the first month, or the file missing?
            whole = s.store.factors(dataset, "monthly")
        except DataNotFound:
            raise exc from None
        raise _too_early(dataset, pd.Timestamp(whole.index[0])) from None


def _french(s: Session, u: Universe) -> LegSet:
    dataset = FRENCH_DATASETS[u.weighting]
    raw = _french_raw(s, dataset)
    cols = [FRENCH_LEGS[u.small], FRENCH_LEGS[u.large]]
    missing = [c for c in cols if c not in raw.columns]
    if missing:
        raise DataNotFound(
            f"{dataset} monthly has no column {missing[0]!r}; re-import the Portfolios "
            "Formed on ME file (capsize data import)"
        )
    pit = F.mask_missing_codes(F.point_in_time(raw[cols], s.requested, _PUBLICATION))
    frame = pd.DataFrame(pit.to_numpy() / 100.0, index=pit.index, columns=[u.small, u.large])
    ok = np.isfinite(frame.to_numpy()).all(axis=1)
    if ok.sum() < 2:
        if s.requested is not None and len(raw) and s.requested < _first_usable(raw.index[0]):
            raise _too_early(dataset, pd.Timestamp(raw.index[0]))
        raise DataNotFound(
            f"fewer than two months of {u.small} and {u.large} ({dataset}) published by "
            f"{s.requested.date() if s.requested is not None else 'today'}; choose a later --as-of"
        )
    first = int(np.argmax(ok))
    if not ok[first:].all():
        gap = frame.index[first:][~ok[first:]][0]
        raise DataNotFound(
            f"{dataset} has no {u.small}/{u.large} return for {gap:%Y-%m}; re-import the file"
        )
    rets = frame.iloc[first:]
    src = s.source(dataset, dataset="factors", variant="monthly")
    day = pd.Timestamp(rets.index[-1])
    return LegSet(rets, day, src, 12.0, "month", u)


def universe_legs(s: Session, u: Universe = ETF) -> LegSet:
    """Return the universe's two legs, point in time on the session's day (read once).

    Raises
    ------
    DataNotFound
        When the store lacks the legs or fewer than two periods are known by the day.
    """

    def read() -> LegSet:
        if u.monthly:
            return _french(s, u)
        px = proxy_closes(s)
        rets = px.closes.pct_change().iloc[1:]
        return LegSet(rets, px.day, px.source, 252.0, "session", u)

    out: LegSet = s.cached(("backtest_legs", u), read)
    return out
