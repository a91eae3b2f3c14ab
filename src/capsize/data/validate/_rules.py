"""Plausibility rules per dataset kind: date window and value bounds, in one table.

=============  ==============  ==========================================================
kind           first date      values (NaN = missing is allowed; bounds apply otherwise)
=============  ==============  ==========================================================
bars           1900-01-01      open/high/low/close/adj_close in (0, 1e9] USD or index
                               points; volume in [0, 1e15] shares
macro          1900-01-01      rates (DGS*, DTB*, DFF, FEDFUNDS, T*Y*, *RATE*) in
                               [-20, 100] percent; other series finite, abs <= 1e15
factors        1800-01-01      returns in [-100, 1000] percent; firm counts and average
               (century series) firm sizes (``*_nfirms``, ``*_avgsize``) in [0, 1e9]
membership     1900-01-01      weight_pct in [-100, 100] percent of the index
fund_shares    1900-01-01      shares_outstanding in (0, 1e13] shares; nav in (0, 1e9] USD
holdings       1900-01-01      as-of date only (completeness: providers/ishares.py)
=============  ==============  ==========================================================

Every kind: no date after the import day. The price ceiling 1e9 sits far above any real
quote (the highest adjusted close in shared/data is 3.1e8, TNXP after reverse splits) and
far below the 1e308 of a corrupted cell.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import pandas as pd

from capsize.errors import InputError

__all__ = ["KIND_RULES", "Bound", "KindRule", "row_reasons", "rule_kind"]


@dataclass(frozen=True)
class Bound:
    """Closed or half-open interval a value must lie in.

    Attributes
    ----------
    low, high : float
        Limits.
    low_open : bool
        ``low`` itself is refused (prices must be > 0).
    unit : str
        Unit for the reason text.
    """

    low: float
    high: float
    low_open: bool = False
    unit: str = ""

    def refuses(self, values: np.ndarray) -> np.ndarray:
        """Return a mask of the finite or infinite values outside the bound (NaN passes)."""
        with np.errstate(invalid="ignore"):
            below = values <= self.low if self.low_open else values < self.low
            out: np.ndarray = ~np.isnan(values) & (below | (values > self.high) | np.isinf(values))
        return out

    def describe(self) -> str:
        """Return the interval as text, e.g. ``(0, 1e+09] USD``."""
        left = "(" if self.low_open else "["
        return f"{left}{self.low:g}, {self.high:g}]{' ' + self.unit if self.unit else ''}"


@dataclass(frozen=True)
class KindRule:
    """The plausibility rule of one dataset kind."""

    first_date: pd.Timestamp
    bounds: Mapping[str, Bound] = field(default_factory=dict)


_PRICE: Final = Bound(0.0, 1e9, low_open=True, unit="per unit")
_Y1900: Final = pd.Timestamp("1900-01-01")
KIND_RULES: Final[Mapping[str, KindRule]] = {
    "bars": KindRule(
        _Y1900,
        {
            **dict.fromkeys(("open", "high", "low", "close", "adj_close"), _PRICE),
            "volume": Bound(0.0, 1e15, unit="shares"),
        },
    ),
    "macro": KindRule(_Y1900, {"value": Bound(-1e15, 1e15)}),
    "rates": KindRule(_Y1900, {"value": Bound(-20.0, 100.0, unit="percent")}),
    "factors": KindRule(
        pd.Timestamp("1800-01-01"), {"value": Bound(-100.0, 1000.0, unit="percent")}
    ),
    "factor_counts": KindRule(pd.Timestamp("1800-01-01"), {"value": Bound(0.0, 1e9)}),
    "membership": KindRule(_Y1900, {"weight_pct": Bound(-100.0, 100.0, unit="percent")}),
    "fund_shares": KindRule(
        _Y1900,
        {
            "shares_outstanding": Bound(0.0, 1e13, low_open=True, unit="shares"),
            "nav": Bound(0.0, 1e9, low_open=True, unit="USD"),
        },
    ),
    "holdings": KindRule(_Y1900),
}
"""Dataset kind -> rule (see the module docstring)."""

_RATE_SERIES: Final = re.compile(r"^(DGS\d+|DTB\d+|DFF|FEDFUNDS|T\d+Y\d+M?|.*RATE.*)$")


def rule_kind(kind: str, subject: str = "") -> str:
    """Return the :data:`KIND_RULES` key for a file kind and its subject.

    Interest-rate series are held to the rate bounds; French firm counts and sizes are
    not returns.
    """
    if kind == "macro" and _RATE_SERIES.match(subject.upper()):
        return "rates"
    if kind == "factors" and subject.endswith(("_nfirms", "_avgsize")):
        return "factor_counts"
    return kind


def _date_reasons(dates: pd.Series, rule: KindRule, today: pd.Timestamp) -> pd.Series:
    out = pd.Series(None, index=dates.index, dtype="object")
    late = (dates > today).to_numpy(dtype=bool)
    early = (dates < rule.first_date).to_numpy(dtype=bool)
    if late.any():
        out[late] = [f"date {d.date()} is after the import day {today.date()}" for d in dates[late]]
    if early.any():
        out[early] = [
            f"date {d.date()} is before {rule.first_date.date()}, the first plausible date"
            for d in dates[early]
        ]
    return out


def row_reasons(
    kind: str, frame: pd.DataFrame, *, today: pd.Timestamp, subject: str = ""
) -> pd.Series:
    """Why each row of a parsed frame is implausible (None where it passes).

    Parameters
    ----------
    kind : str
        File kind (``bars``, ``macro``, ``factors``, ``membership``, ``fund_shares``,
        ``holdings``).
    frame : DataFrame
        Parsed rows: a ``date`` column (datetime64, NaT passes: the reader states why a
        date is missing) and any of the value columns the kind bounds (float; NaN passes).
    today : Timestamp
        The import day: later dates are refused.
    subject : str
        Series id or dataset (selects the rate and count rules).

    Returns
    -------
    Series of object
        One reason per refused row (the first rule it breaks), aligned on ``frame``.

    Raises
    ------
    InputError
        For an unknown kind.
    """
    key = rule_kind(kind, subject)
    if key not in KIND_RULES:
        raise InputError(
            f"no plausibility rule for data kind {kind!r}; known: {', '.join(KIND_RULES)}"
        )
    rule = KIND_RULES[key]
    out = _date_reasons(pd.to_datetime(frame["date"]), rule, today.normalize())
    for col, bound in rule.bounds.items():
        if col not in frame.columns:
            continue
        values = frame[col].to_numpy(dtype="float64", na_value=np.nan)
        bad = bound.refuses(values) & out.isna().to_numpy()
        if bad.any():
            out[bad] = [
                f"{col} {v:g} outside the plausible range {bound.describe()}" for v in values[bad]
            ]
    return out
