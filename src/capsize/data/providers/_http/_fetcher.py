"""The base of every HTTP fetcher, and the query helpers the fetchers share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import httpx

from capsize.config import Settings
from capsize.data.providers._base import Clock, Fetcher, ProviderResult, Q, R
from capsize.data.providers._http._cache import cache_scope
from capsize.data.providers._http._client import DEFAULT_CACHE_TTL, make_client
from capsize.errors import InputError

__all__ = ["HttpFetcher", "query_date", "reject_unknown"]


def reject_unknown(params: Mapping[str, Any], allowed: set[str], *, fetcher: str) -> None:
    """Raise :class:`InputError` if ``params`` holds a key outside ``allowed`` (catches typos).

    Parameters
    ----------
    params : Mapping
        User parameters.
    allowed : set of str
        Accepted keys.
    fetcher : str
        Name used in the message.
    """
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise InputError(f"{fetcher}: unknown parameter(s) {unknown}; accepted: {sorted(allowed)}")


def query_date(value: object, *, name: str) -> dt.date | None:
    """Coerce a date-like parameter (None, date, datetime, ISO string) to a date.

    Parameters
    ----------
    value : object
        The parameter value.
    name : str
        Parameter name for the error message.

    Returns
    -------
    datetime.date or None

    Examples
    --------
    >>> query_date("2024-01-31", name="start")
    datetime.date(2024, 1, 31)
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InputError(f"{name}={value!r} is not a date; use ISO format like 2024-01-31")


class HttpFetcher(Fetcher[Q, R]):
    """A :class:`~capsize.data.providers.Fetcher` that talks HTTP through one client.

    :meth:`fetch` runs the three stages inside one cache validation scope: what
    ``extract`` downloads is stored in the cache only when ``transform`` parsed
    and validated it without an error; a cached body that no longer parses is
    dropped.

    Parameters
    ----------
    client : httpx.Client, optional
        Injected client (tests pass one with a mock transport); by default
        :func:`~capsize.data.providers._http.make_client` builds one on first
        use, closed by :meth:`close`.
    clock : callable, optional
        Current UTC time.
    settings : Settings, optional
        Used only to build the default client.

    Attributes
    ----------
    cache_ttl : float
        Lifetime of this fetcher's stored responses, seconds (one per dataset).
    """

    cache_ttl: float = DEFAULT_CACHE_TTL

    def __init__(
        self,
        client: httpx.Client | None = None,
        *,
        clock: Clock | None = None,
        settings: Settings | None = None,
    ) -> None:
        super().__init__(clock=clock)
        self._client = client
        self._owns_client = client is None
        self._settings = settings

    @property
    def client(self) -> httpx.Client:
        """The HTTP client (built on first use when none was injected)."""
        if self._client is None:
            self._client = make_client(self._settings)
        return self._client

    def fetch(self, params: Mapping[str, Any]) -> list[ProviderResult]:
        """Run ``transform_query`` -> ``extract`` -> ``transform``; cache what parsed.

        Parameters
        ----------
        params : Mapping
            Provider-specific parameters; not mutated.

        Returns
        -------
        list of ProviderResult
        """
        with cache_scope(self.client):
            return super().fetch(params)

    def close(self) -> None:
        """Close the client if this fetcher built it."""
        if self._owns_client and self._client is not None:
            self._client.close()
            self._client = None
