"""A new 8-K item for a watched stock (reverse split, agreement, acquisition, ...).

It fires on the filing date of each 8-K (or 8-K/A) of the stock that reports the item;
``3.03/5.03`` needs both items in one filing (the usual pair of a reverse split, see
:mod:`capsize.stocks.catalysts`). Filings come from the SEC source the query layer
uses; where they cannot be read the rule says so for that stock, never nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from capsize.alerts._kind import AlertInputs, Kind, Signal
from capsize.alerts._rule import Param
from capsize.alerts.kinds._common import make_signal
from capsize.errors import CapsizeError
from capsize.stocks.catalysts import ITEMS

if TYPE_CHECKING:
    from capsize.alerts._rule import Rule

__all__ = ["FILING_8K", "WATCHED_ITEMS", "filing_days"]

WATCHED_ITEMS: dict[str, tuple[str, ...]] = {
    "3.03/5.03": ("3.03", "5.03"),
    "1.01": ("1.01",),
    "2.01": ("2.01",),
    "5.01": ("5.01",),
    "1.03": ("1.03",),
    "3.01": ("3.01",),
}
"""Item choice -> item numbers one filing must all report."""


def filing_days(filings: pd.DataFrame, items: tuple[str, ...]) -> pd.Series:
    """Count per filing date of 8-K filings reporting every item of ``items``."""
    if filings.empty:
        return pd.Series(dtype=float, index=pd.DatetimeIndex([], name="date"))
    forms = filings["form"].astype(str).str.match(r"^8-K(/A)?$")
    has = filings["items"].map(lambda got: all(i in tuple(got or ()) for i in items))
    hit = filings.loc[forms & has.astype(bool)]
    days = pd.to_datetime(hit["filing_date"]).dt.normalize()
    return days.value_counts().sort_index().astype(float)


def _kernel(rule: Rule, inputs: AlertInputs) -> Signal:
    items = WATCHED_ITEMS[str(rule.param("item"))]
    counts: dict[str, pd.Series] = {}
    missing: dict[str, str] = {}
    sources: dict[str, str] = {}
    for t in inputs.symbols(rule):
        try:
            counts[t] = filing_days(inputs.filings(t), items)
            sources[t] = inputs.source("sec", t)
        except CapsizeError as exc:
            missing[t] = f"SEC filings of {t} cannot be read: {str(exc).splitlines()[0][:160]}"
    frame = pd.DataFrame(counts).fillna(0.0) if counts else pd.DataFrame()
    frame.index = pd.DatetimeIndex(frame.index, name="date")
    cols = list(frame.columns)
    x = frame.to_numpy(dtype=float)
    return make_signal(
        frame.index,  # type: ignore[arg-type]
        cols,
        x > 0,
        {
            "filings": (
                x,
                f"8-K filings reporting item {rule.param('item')}",
                "count",
                "8-K and 8-K/A by filing date",
            )
        },
        symbols={t: (t,) for t in cols},
        sources=sources,
        unavailable=missing,
    )


def _message(rule: Rule, subject: str, v: Mapping[str, Any]) -> str:
    item = str(rule.param("item"))
    names = "; ".join(ITEMS.get(i, i) for i in WATCHED_ITEMS[item])
    extra = " (likely a reverse split)" if item == "3.03/5.03" else ""
    n = v.get("filings", np.nan)
    return f"{subject} filed {n:.0f} 8-K reporting item {item}{extra}: {names}"


FILING_8K = Kind(
    name="filing_8k",
    summary="a new 8-K of a watched stock reporting the item (3.03/5.03 reverse split, 1.01, 2.01, 5.01, 1.03, 3.01)",
    subjects="symbols",
    params=(
        Param(
            "item",
            "choice",
            None,
            choices=tuple(WATCHED_ITEMS),
            help="one of " + ", ".join(WATCHED_ITEMS),
        ),
    ),
    kernel=_kernel,
    message=_message,
    link="/stock/{subject}?as_of={day}",
    default_cooldown=0,
)
