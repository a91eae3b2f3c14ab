"""The risk-free rate of a backtest's Sharpe and Sortino ratios, point in time.

Policy, stated once for every front end (``rf="tbill"``, the default):

* **Monthly runs** (Ken French size portfolios): French's ``RF``, the one-month
  Treasury bill return of each month, from the monthly three-factor file (``FF3``);
  months after that file ends come from the five-factor file (``FF5_2x3``, the same
  ``RF`` column, identical where both have it).
* **Daily runs** (IWM/SPY): French's daily ``RF`` (the month's T-bill return spread over
  its trading days, ``FF3`` daily).
* **Point in time**: a French month counts as known at the end of the month
  :data:`~capsize.analytics.factors.DEFAULT_PUBLICATION_LAG_MONTHS` later, the rule
  the legs already follow, so a run asked as of a day uses only the ``RF`` published by
  then.
* **After the last published French day** (and on any period French lacks): the
  effective federal funds rate ``DFF`` (FRED, percent per year) accrued over the
  period, ``DFF(previous period's date) / 100 x calendar days / 360`` (money-market
  convention); it runs a little above the T-bill rate. The label and the provenance
  name those periods.

``rf="zero"`` keeps the ratios above a rate of 0 (the label says "rf 0").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from capsize.analytics import factors as F
from capsize.errors import DataNotFound, InputError
from capsize.queries.result import iso
from capsize.queries.size import join_sources

if TYPE_CHECKING:
    from capsize.queries.backtesting._universe import LegSet
    from capsize.queries.session import Session

__all__ = ["RF_CHOICES", "TBILL", "RiskFree", "check_rf", "risk_free"]

RF_CHOICES: tuple[str, ...] = ("tbill", "zero")
"""Risk-free rates a backtest's Sharpe and Sortino ratios can be measured above."""

TBILL = "1-month T-bill, Ken French"
"""Words of French's ``RF`` (the label reads ``Sharpe (rf: 1-month T-bill, Ken French)``)."""

_FALLBACK = "DFF"
_PUBLICATION = F.DEFAULT_PUBLICATION_LAG_MONTHS


@dataclass(frozen=True)
class RiskFree:
    """The risk-free returns a run's ratios are measured above.

    Attributes
    ----------
    choice : {"tbill", "zero"}
    returns : Series or None
        Risk-free return per period on the legs' periods (fraction); None for ``zero``.
    words : str
        What the rate is, e.g. ``1-month T-bill, Ken French`` or ``0``; with the
        fed-funds periods named when there are any.
    source : str
        Files behind the rate ("" for ``zero``).
    window : str
        The French ``RF`` days used (and the fed-funds ones).
    fed : Series of bool or None
        True on the periods that took the fed-funds rate (None for ``zero``).
    period : str
        ``"session"`` or ``"month"`` (the unit counted in ``window``).
    fed_source : str
        The file of ``DFF`` ("" when no period took it), part of ``source``.
    """

    choice: str
    returns: pd.Series | None
    words: str
    source: str
    window: str
    fed: pd.Series | None = None
    period: str = "session"
    fed_source: str = ""

    def within(self, index: pd.Index) -> RiskFree:
        """Return the rate on ``index`` (a run's periods), naming only the dates used there.

        The words, window and source say which French ``RF`` and fed-funds periods fall
        in ``index``, not those of the legs' whole history.
        """
        if self.returns is None or self.fed is None:
            return self
        idx = pd.DatetimeIndex(index)
        fed = self.fed.reindex(idx, fill_value=False).to_numpy(dtype=bool)
        files = self.source
        if self.fed_source and not fed.any():
            files = join_sources(*(x for x in files.split("; ") if x != self.fed_source))
        return _described(self.returns.reindex(idx), fed, (files, self.fed_source), self.period)

    @property
    def label(self) -> str:
        """``Sharpe (rf: ...)`` style qualifier: ``rf: 1-month T-bill, Ken French`` or ``rf 0``."""
        return "rf 0" if self.returns is None else f"rf: {self.words}"

    def over(self, index: pd.Index) -> pd.Series | None:
        """Return the risk-free returns on ``index`` (a run's periods), None for ``zero``."""
        return None if self.returns is None else self.returns.reindex(index)


ZERO = RiskFree("zero", None, "0", "", "")


def check_rf(rf: object) -> str:
    """Return the checked risk-free choice (``tbill`` or ``zero``).

    Raises
    ------
    InputError
        For anything else.

    Examples
    --------
    >>> check_rf(" TBill "), check_rf("zero"), check_rf(0)
    ('tbill', 'zero', 'zero')
    """
    text = str(rf).strip().lower()
    if text in ("0", "none"):
        text = "zero"
    if text not in RF_CHOICES:
        raise InputError(f"rf {rf!r} is unknown; use tbill (French's 1-month T-bill) or zero")
    return text


def _none() -> pd.Series:
    return pd.Series(np.array([], dtype=np.float64), index=pd.DatetimeIndex([]))


def _french_rf(s: Session, dataset: str, frequency: str) -> pd.Series:
    """French's ``RF`` (fraction per period) published by the session's day; empty if none."""
    try:
        raw = s.factors(dataset, frequency)
    except DataNotFound:
        return _none()
    if "RF" not in raw.columns:
        return _none()
    pit = F.mask_missing_codes(F.point_in_time(raw[["RF"]], s.requested, _PUBLICATION))
    return (pit["RF"] / 100.0).dropna()


def _french(s: Session, monthly: bool) -> tuple[pd.Series, str]:
    """French's RF over its whole published history, and its files."""
    freq = "monthly" if monthly else "daily"
    parts = [("FF3", _french_rf(s, "FF3", freq))]
    if monthly:  # FF3 monthly ends before the five-factor file: extend with its RF
        parts.append(("FF5_2x3", _french_rf(s, "FF5_2x3", freq)))
    out = _none()
    files = []
    for name, rf in parts:
        later = rf.loc[rf.index > out.index[-1]] if len(out) else rf
        if len(later):
            out = pd.concat([out, later]) if len(out) else later
            files.append(s.source(name, dataset="factors", variant=freq))
    return out, join_sources(*files)


def _fed_funds(s: Session, index: pd.DatetimeIndex) -> pd.Series:
    """``DFF`` accrued from each period's previous date to its date (fraction; NaN unknown)."""
    try:
        dff = s.macro(_FALLBACK)[_FALLBACK].dropna()
    except DataNotFound:
        return pd.Series(np.nan, index=index)
    if len(index) < 2:
        return pd.Series(np.nan, index=index)
    prev = index[:-1].insert(0, index[0] - (index[1] - index[0]))
    pos = dff.index.searchsorted(prev, side="right") - 1
    rate = np.where(pos >= 0, dff.to_numpy()[np.maximum(pos, 0)], np.nan)
    days = (index - prev).days.to_numpy(dtype=np.float64)
    return pd.Series(rate / 100.0 * days / 360.0, index=index)


def _span(index: pd.Index) -> str:
    return f"{iso(index[0])}..{iso(index[-1])}" if len(index) else "none"


def risk_free(s: Session, ls: LegSet, rf: str = "tbill") -> RiskFree:
    """Return the risk-free returns on the legs' periods, point in time (read once a session).

    Parameters
    ----------
    s : Session
    ls : LegSet
        The legs (their periods, daily or monthly).
    rf : {"tbill", "zero"}
        See the module docstring.

    Raises
    ------
    DataNotFound
        When some period has neither a published French ``RF`` nor a ``DFF`` value
        (import the Ken French factors and FRED's DFF, or use ``rf="zero"``).
    """
    if check_rf(rf) == "zero":
        return ZERO

    def read() -> RiskFree:
        index = pd.DatetimeIndex(ls.returns.index)
        french, files = _french(s, ls.universe.monthly)
        out = french.reindex(index)
        missing = out.isna().to_numpy()
        fed_file = ""
        if missing.any():
            out = out.where(~missing, _fed_funds(s, index))
            fed_file = s.source(_FALLBACK, dataset="macro")
            files = join_sources(files, fed_file)
        if out.isna().any():
            gap = index[out.isna().to_numpy()][0]
            raise DataNotFound(
                f"no risk-free rate for {gap:%Y-%m-%d} (neither French's RF nor FRED's DFF "
                "by then); import them (capsize data import) or use --rf zero"
            )
        return _described(out.rename("rf"), missing, (files, fed_file), ls.period)

    got: RiskFree = s.cached(("backtest_rf", ls.universe), read)
    return got


def _described(
    out: pd.Series, missing: np.ndarray, files: tuple[str, str], period: str
) -> RiskFree:
    """Describe the T-bill rate ``out``: its words, window and files.

    ``missing`` marks the fed-funds periods; ``files`` is every file, then the DFF one.
    """
    index = pd.DatetimeIndex(out.index)
    words, window = TBILL, f"French RF {_span(index[~missing])}"
    if missing.any():
        used = index[missing]
        words = f"{TBILL}; fed funds {_fed_words(missing, index, period)}"
        window += f"; DFF accrued {_span(used)} ({len(used):,} {period}s)"
    fed = pd.Series(missing, index=index)
    return RiskFree("tbill", out, words, files[0], window, fed, period, files[1])


def _fed_words(missing: np.ndarray, index: pd.DatetimeIndex, period: str) -> str:
    """Say which periods took the fed-funds rate: ``from D`` for a tail, else how many."""
    first = int(np.argmax(missing))
    if missing[first:].all():
        return f"from {iso(index[first])}"
    return f"{int(missing.sum()):,} {period}s"
