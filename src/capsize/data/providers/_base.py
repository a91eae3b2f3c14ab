"""The provider pattern: query -> fetch -> standard frame.

Every provider implements a :class:`Fetcher` with three stages:

1. ``transform_query(params)`` validates user parameters into a typed query
   (never mutating ``params``);
2. ``extract(query)`` talks to the service (or the file system) and returns the
   raw payload (bytes, text, or parsed JSON) without interpreting it;
3. ``transform(query, raw)`` parses the payload into a standard frame.

``fetch(params)`` runs the three stages and wraps the frame in a
:class:`ProviderResult` carrying its source and retrieval time. Providers never
compute analytics.

Standard frames (``dataset`` -> columns, all with a tz-naive ``DatetimeIndex``
named ``date`` unless stated):

``bars``
    ``open, high, low, close, adj_close, volume`` (float64; NaN = unknown)
    plus result ``meta["basis"]`` in {``adjusted``, ``raw``, ``level``}.
``actions``
    ``kind`` (``split`` or ``dividend``), ``value`` (split ratio new/old, or
    cash per share).
``macro``
    ``value`` per series; ``meta["series_id"]``.
``factors``
    one float column per factor/portfolio, values in percent as published;
    ``meta["dataset"]``, ``meta["frequency"]`` in {``daily``, ``monthly``, ``annual``}.
``holdings``
    RangeIndex; ``ticker, name, sector, asset_class, weight, shares,
    market_value, price``; ``meta["fund"]``, ``meta["as_of"]``, and
    ``meta["shares_outstanding"]`` where the issuer states it.
``shares_outstanding``
    ``fund, shares_outstanding, nav``.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import pandas as pd

__all__ = ["Clock", "Fetcher", "ProviderResult", "Q", "R", "utc_now"]

Q = TypeVar("Q")
R = TypeVar("R")

Clock = Callable[[], dt.datetime]
"""A zero-argument callable returning the current UTC time (injected for tests)."""


def utc_now() -> dt.datetime:
    """Return the current time in UTC (the default clock)."""
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class ProviderResult:
    """A standard frame with its provenance.

    Attributes
    ----------
    dataset : str
        One of ``bars``, ``actions``, ``macro``, ``factors``, ``holdings``,
        ``shares_outstanding``, ``membership``.
    key : str
        What the frame is about: a symbol, series id, dataset name or fund.
    frame : DataFrame
        The standard frame (see module docstring).
    source : str
        Where the data came from (provider name plus URL or file path).
    retrieved_at : datetime
        UTC time the payload was obtained.
    meta : Mapping[str, Any]
        Dataset-specific extras (basis, frequency, fund as-of date, ...).
    """

    dataset: str
    key: str
    frame: pd.DataFrame
    source: str
    retrieved_at: dt.datetime
    meta: Mapping[str, Any] = field(default_factory=dict)


class Fetcher(ABC, Generic[Q, R]):
    """Base class of every provider fetcher.

    Parameters
    ----------
    clock : callable, optional
        Returns the current UTC time; defaults to :func:`utc_now`.
    """

    provider: str = "base"

    def __init__(self, *, clock: Clock | None = None) -> None:
        self._clock: Clock = clock or utc_now

    @abstractmethod
    def transform_query(self, params: Mapping[str, Any]) -> Q:
        """Validate ``params`` into a typed query; raise :class:`InputError` on bad input."""

    @abstractmethod
    def extract(self, query: Q) -> R:
        """Obtain the raw payload for ``query``."""

    @abstractmethod
    def transform(self, query: Q, raw: R, *, retrieved_at: dt.datetime) -> list[ProviderResult]:
        """Parse the raw payload into standard frames."""

    def fetch(self, params: Mapping[str, Any]) -> list[ProviderResult]:
        """Run ``transform_query`` -> ``extract`` -> ``transform``.

        Parameters
        ----------
        params : Mapping
            Provider-specific parameters; not mutated.

        Returns
        -------
        list of ProviderResult
        """
        query = self.transform_query(dict(params))
        retrieved_at = self._clock()
        raw = self.extract(query)
        return self.transform(query, raw, retrieved_at=retrieved_at)
