"""Dollar volume by instrument kind: correct or n/a, never a price times a wrong unit.

The rule (:data:`RULE`), by the store's symbol kind (:data:`UNITS`):

==========  ==============  ===============================================
kind        volume unit     daily dollar volume
==========  ==============  ===============================================
``stock``   shares          close x volume
``etf``     shares          close x volume
``crypto``  USD             volume (Yahoo quotes crypto volume in the quote
                            currency: BTC-USD's 2014-09-17 volume 21,056,800
                            at a price of 457 is $21M, not 21M coins)
``index``   none            n/a: an index level is not a price, and an index's
                            volume (when a source has one) is the constituents'
                            share count, not a tradable amount
==========  ==============  ===============================================

An unknown kind gives n/a too. Windows count the instrument's own sessions; crypto
trades every calendar day, so its windows are scaled to the same span of time
(:func:`sessions_for`: 63 exchange sessions = 91 crypto days, 252 = 365).

Examples
--------
>>> dollar_volume(np.array([10.0]), np.array([5.0]), volume_unit("stock")).tolist()
[50.0]
>>> dollar_volume(np.array([60000.0]), np.array([2e9]), volume_unit("crypto")).tolist()
[2000000000.0]
>>> dollar_volume(np.array([2000.0]), np.array([1e9]), volume_unit("index")).tolist()
[nan]
>>> sessions_for(63, "crypto"), sessions_for(252, "crypto"), sessions_for(63, "etf")
(91, 365, 63)
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

__all__ = [
    "NA_REASON",
    "RULE",
    "UNITS",
    "VolumeUnit",
    "dollar_volume",
    "na_reason",
    "sessions_for",
    "volume_unit",
]

VolumeUnit = Literal["shares", "usd", "none"]

UNITS: dict[str, VolumeUnit] = {
    "stock": "shares",
    "etf": "shares",
    "crypto": "usd",
    "index": "none",
}
"""Volume unit of each symbol kind of the store."""

NA_REASON: dict[str, str] = {
    "index": "an index is not traded: its level is not a price and it has no dollar volume",
    "unknown": "unknown instrument kind: dollar volume not computed",
}
"""Why a kind has no dollar volume (keys: ``index`` and ``unknown``)."""

RULE = (
    "Dollar volume: close x share volume for stocks and ETFs; the volume itself for crypto "
    "(Yahoo quotes it in USD); n/a for indexes (a level is not a price) and unknown kinds."
)
"""The rule in one sentence, for notes."""

_CALENDAR_DAYS_PER_YEAR = 365
_SESSIONS_PER_YEAR = 252


def volume_unit(kind: str | None) -> VolumeUnit:
    """Return the volume unit of a symbol kind (``"none"`` for index and unknown kinds)."""
    return UNITS.get(str(kind), "none")


def na_reason(kind: str | None) -> str:
    """Return why ``kind`` has no dollar volume ("" when it has one)."""
    if volume_unit(kind) != "none":
        return ""
    return NA_REASON.get(str(kind), NA_REASON["unknown"])


def dollar_volume(
    close: npt.ArrayLike, volume: npt.ArrayLike, unit: VolumeUnit
) -> npt.NDArray[np.float64]:
    """Return the daily dollar volume (USD) of bars of one volume unit.

    Parameters
    ----------
    close : array-like, USD
        Closes (NaN: no bar).
    volume : array-like
        Volume in ``unit`` (NaN: unknown).
    unit : {"shares", "usd", "none"}
        See :data:`UNITS`.

    Returns
    -------
    ndarray of float, USD
        Same shape; NaN where the close or the volume is unknown, and everywhere for
        ``"none"``.
    """
    c = np.asarray(close, dtype=np.float64)
    v = np.asarray(volume, dtype=np.float64)
    if unit == "shares":
        return c * v
    if unit == "usd":
        return np.where(np.isnan(c), np.nan, v)
    return np.full(np.broadcast(c, v).shape, np.nan)


def sessions_for(sessions: int, kind: str | None) -> int:
    """Return the window in the kind's own sessions spanning ``sessions`` exchange sessions."""
    if kind == "crypto":
        return round(sessions * _CALENDAR_DAYS_PER_YEAR / _SESSIONS_PER_YEAR)
    return sessions
