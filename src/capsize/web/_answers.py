"""Answering a query for the web: one computation per question, cached, paged, serialised.

The API and the pages both call :meth:`Answers.get`, so a page shows exactly the figures
the API returns. Answers are cached per (snapshot generation, query, as-of, parameters):
a new store snapshot starts a new generation, so a cached answer never outlives the data
it was computed from. Identical questions asked at once are computed once (the others
wait for it). The rate limit is charged only when an answer is computed.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from capsize._csv_export import safe_cell
from capsize.queries.result import QueryResult, TableData
from capsize.web._params import canonical
from capsize.web._registry import Resolved
from capsize.web._security import RateLimiter
from capsize.web._snapshot import SnapshotManager

__all__ = [
    "LRU",
    "Answer",
    "Answers",
    "RateLimited",
    "Unavailable",
    "is_past",
    "safe_cell",
    "table_csv",
]


class RateLimited(Exception):
    """The client asked for too many computed answers; retry after ``retry_after`` seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"too many requests; retry in {retry_after:.0f} s")
        self.retry_after = retry_after


class Unavailable(Exception):
    """The query is not available in this build (its endpoint answers 501)."""


@dataclass(frozen=True)
class Answer:
    """A computed (or cached) answer and its serialised body.

    Attributes
    ----------
    result : QueryResult
        The answer, paged when a page was asked for.
    body : bytes
        ``result.to_dict()`` as compact JSON.
    etag : str
        Quoted strong ETag of ``body``.
    total_rows : dict of str to int
        Rows of each table before paging.
    """

    result: QueryResult
    body: bytes
    etag: str
    total_rows: Mapping[str, int] = field(default_factory=dict)


def is_past(as_of: str | None, today: date) -> bool:
    """Return True when ``as_of`` names a day before ``today`` (its answer never changes)."""
    return as_of is not None and as_of < today.isoformat()


def page_tables(result: QueryResult, limit: int | None, offset: int) -> QueryResult:
    """Keep rows ``offset .. offset+limit`` of every table (figures of dropped rows go too)."""
    if limit is None and offset == 0:
        return result
    end = None if limit is None else offset + limit
    tables = tuple(replace(t, rows=t.rows[offset:end]) for t in result.tables)
    kept = {f.id for t in tables for f in t.figures()}
    dropped = {f.id for t in result.tables for f in t.figures()} - kept
    figures = {k: f for k, f in result.figures.items() if k not in dropped}
    return replace(result, tables=tables, figures=figures)


def _body(result: QueryResult) -> tuple[bytes, str]:
    body = json.dumps(result.to_dict(), separators=(",", ":"), allow_nan=False).encode()
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


class LRU:
    """A small thread-safe least-recently-used map (``get`` gives None when absent)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        with self._lock:
            if key not in self._data:
                return None
            self._data.move_to_end(key)
            return self._data[key]

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)


@dataclass
class Answers:
    """The answer cache in front of the query functions.

    Parameters
    ----------
    snapshots : SnapshotManager
        Where sessions come from.
    limiter : RateLimiter
        Charged when an answer is computed.
    entries : int
        Answers kept (least recently used dropped first).
    """

    snapshots: SnapshotManager
    limiter: RateLimiter
    entries: int = 256
    _results: LRU = field(init=False)
    _bodies: LRU = field(init=False)
    _flights: dict[Hashable, threading.Lock] = field(default_factory=dict)
    _flights_lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._results = LRU(self.entries)
        self._bodies = LRU(self.entries)

    def _key(self, r: Resolved, as_of: str | None, kwargs: Mapping[str, Any]) -> tuple[Any, ...]:
        snaps = self.snapshots
        generation = snaps.generation if r.spec.user_data else snaps.data_generation
        return (generation, r.spec.name, as_of, canonical(kwargs))

    def peek(
        self,
        r: Resolved,
        as_of: str | None,
        kwargs: Mapping[str, Any],
        *,
        limit: int | None = None,
        offset: int = 0,
    ) -> Answer | None:
        """Return the cached answer, or None when it must be computed (never blocks)."""
        found: Answer | None = self._bodies.get((*self._key(r, as_of, kwargs), limit, offset))
        return found

    def get(
        self,
        r: Resolved,
        as_of: str | None,
        kwargs: Mapping[str, Any],
        *,
        client: str,
        limit: int | None = None,
        offset: int = 0,
        charge: bool = True,
    ) -> Answer:
        """Return the answer of ``r`` at ``as_of`` with ``kwargs``.

        Raises
        ------
        Unavailable
            The query is not in this build.
        RateLimited
            The answer must be computed and ``client`` is over its rate (``charge``
            False: the server's own warm-up, never limited).
        CapsizeError
            From the query (bad parameter, no data).
        """
        if r.fn is None:
            raise Unavailable(f"query {r.spec.name!r} is {r.reason}")
        key = self._key(r, as_of, kwargs)
        body_key = (*key, limit, offset)
        cached: Answer | None = self._bodies.get(body_key)
        if cached is not None:
            return cached
        result = self._result(key, r.fn, as_of, kwargs, client if charge else None)
        paged = page_tables(result, limit, offset) if r.spec.list_like else result
        body, etag = _body(paged)
        answer = Answer(paged, body, etag, {t.name: len(t.rows) for t in result.tables})
        self._bodies.put(body_key, answer)
        return answer

    def _result(
        self,
        key: Hashable,
        fn: Callable[..., Any],
        as_of: str | None,
        kwargs: Mapping[str, Any],
        client: str | None,
    ) -> QueryResult:
        found: QueryResult | None = self._results.get(key)
        if found is not None:
            return found
        with self._flights_lock:
            flight = self._flights.setdefault(key, threading.Lock())
        try:
            with flight:  # one computation per question; the others wait and reuse it
                return self._compute(key, fn, as_of, kwargs, client)
        finally:
            with self._flights_lock:
                self._flights.pop(key, None)

    def _compute(
        self,
        key: Hashable,
        fn: Callable[..., Any],
        as_of: str | None,
        kwargs: Mapping[str, Any],
        client: str | None,
    ) -> QueryResult:
        found: QueryResult | None = self._results.get(key)
        if found is not None:
            return found
        wait = self.limiter.take(client) if client is not None else 0.0
        if wait > 0:
            raise RateLimited(wait)
        with self.snapshots.session(as_of) as s:
            result: QueryResult = fn(s, **kwargs)
        self._results.put(key, result)
        return result


# ----------------------------------------------------------------------- CSV
def table_csv(table: TableData) -> str:
    """Return the table as CSV: a header, figures as plain numbers, text cells made safe.

    The one CSV writer of capsize (:func:`capsize._csv_export.csv_text`), as ``screen --export``.
    """
    return table.to_csv()
