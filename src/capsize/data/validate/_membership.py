"""The membership rule: a snapshot may not shrink to a fraction of the stored one."""

from __future__ import annotations

from typing import Final

import pandas as pd

__all__ = ["MEMBERSHIP_MIN_RATIO", "membership_shrink"]

MEMBERSHIP_MIN_RATIO: Final[float] = 0.5
"""A snapshot with fewer than this fraction of the stored snapshot's tickers is a conflict."""


def membership_shrink(new: pd.Series, stored: pd.Series) -> str | None:
    """Why a membership file conflicts with the stored snapshots (None when it does not).

    Parameters
    ----------
    new : Series of int
        Tickers per snapshot date in the file (index: date).
    stored : Series of int
        Tickers per snapshot date in the store for the same index (index: date).

    Returns
    -------
    str or None
        The first snapshot date whose new count is below :data:`MEMBERSHIP_MIN_RATIO`
        times the stored count, with both counts.
    """
    both = pd.concat({"new": new, "stored": stored}, axis=1, join="inner")
    small = both[both["new"] < MEMBERSHIP_MIN_RATIO * both["stored"]]
    if small.empty:
        return None
    day, row = next(iter(small.iterrows()))
    return (
        f"conflict: the snapshot of {pd.Timestamp(str(day)).date()} has {int(row['new'])} tickers "
        f"where the store holds {int(row['stored'])}; a membership file with less than "
        f"{MEMBERSHIP_MIN_RATIO:.0%} of a stored snapshot's tickers does not replace it"
    )
