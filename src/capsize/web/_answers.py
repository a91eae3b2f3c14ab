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
import logging
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from capsize._csv_export import safe_cell
from capsize.queries.result import Figure, QueryResult, TableData
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
    "sort_tables",
    "table_csv",
    "table_figures",
]

log = logging.getLogger(__name__)


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
    figures : dict
        The ``figures`` of ``result.to_dict()`` (made once for the body; the page's explain
        popover reads them too).
    """

    result: QueryResult
    body: bytes
    etag: str
    total_rows: Mapping[str, int] = field(default_factory=dict)
    figures: Mapping[str, Any] = field(default_factory=dict)


def is_past(as_of: str | None, today: date) -> bool:
    """Return True when ``as_of`` names a day before ``today`` (its answer never changes)."""
    return as_of is not None and as_of < today.isoformat()


def table_figures(result: QueryResult) -> frozenset[str]:
    """Return the ids of the figures in the result's tables."""
    return frozenset(f.id for t in result.tables for f in t.figures())


def page_tables(
    result: QueryResult,
    limit: int | None,
    offset: int,
    in_tables: frozenset[str] | None = None,
) -> QueryResult:
    """Keep rows ``offset .. offset+limit`` of every table (figures of dropped rows go too).

    ``in_tables``: :func:`table_figures` of ``result``, when known (the same for every
    page and order of one answer; a list of thousands of rows holds ~100k figures).
    """
    if limit is None and offset == 0:
        return result
    end = None if limit is None else offset + limit
    tables = tuple(replace(t, rows=t.rows[offset:end]) for t in result.tables)
    kept = {f.id for t in tables for f in t.figures()}
    dropped = (table_figures(result) if in_tables is None else in_tables) - kept
    figures = {k: f for k, f in result.figures.items() if k not in dropped}
    return replace(result, tables=tables, figures=figures)


def _sort_key(cell: Figure | str | None) -> tuple[int, float, str]:
    """Missing values last; figures by value, text by itself."""
    if isinstance(cell, Figure):
        missing = cell.value is None or not math.isfinite(float(cell.value))
        return (1, 0.0, "") if missing else (0, float(cell.value), "")  # type: ignore[arg-type]
    return (1, 0.0, "") if not cell else (0, 0.0, cell)


def sort_tables(result: QueryResult, column: str, descending: bool) -> QueryResult:
    """Sort the rows of every table that has ``column`` (missing values last, stable).

    A view of the same answer: rows are reordered, never changed, added or dropped.
    """
    tables = []
    for t in result.tables:
        if column not in t.columns:
            tables.append(t)
            continue
        i = t.columns.index(column)
        present = [r for r in t.rows if _sort_key(r[i])[0] == 0]
        absent = [r for r in t.rows if _sort_key(r[i])[0] == 1]
        present.sort(key=lambda r: _sort_key(r[i]), reverse=descending)
        tables.append(replace(t, rows=(*present, *absent)))
    return replace(result, tables=tuple(tables))


def _dumps(data: dict[str, Any]) -> bytes:
    """Compact JSON: orjson when installed (several times faster), else the standard library.

    Both write the shortest float that reads back the same. A result's dict holds None for
    a missing value, never NaN (orjson would write null, the standard library refuses).
    """
    try:
        import orjson
    except ImportError:
        return json.dumps(data, separators=(",", ":"), allow_nan=False).encode()
    try:
        out: bytes = orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:  # a type orjson does not take (a float subclass): the standard way
        return json.dumps(data, separators=(",", ":"), allow_nan=False).encode()
    return out


def _body(result: QueryResult) -> tuple[bytes, str, dict[str, Any]]:
    data = result.to_dict()
    body = _dumps(data)
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"', data["figures"]


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
    _failed: LRU = field(init=False)
    _tables: LRU = field(init=False)
    _flights: dict[Hashable, threading.Lock] = field(default_factory=dict)
    _flights_lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._results = LRU(self.entries)
        self._bodies = LRU(self.entries)
        self._failed = LRU(self.entries)
        self._tables = LRU(self.entries)

    def key(self, r: Resolved, as_of: str | None, kwargs: Mapping[str, Any]) -> tuple[Any, ...]:
        """Return the cache key of the full answer (snapshot generation, query, day, params)."""
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
        order: tuple[str, bool] | None = None,
    ) -> Answer | None:
        """Return the cached answer, or None when it must be computed (never blocks)."""
        key = (*self.key(r, as_of, kwargs), limit, offset, order)
        found: Answer | None = self._bodies.get(key)
        return found

    def computed(self, r: Resolved, as_of: str | None, kwargs: Mapping[str, Any]) -> bool:
        """Return True when the full answer is cached (any page or order of it is cheap).

        Also True when a background computation of it just failed: asking again then
        computes it in line and shows the error, instead of "computing" forever.
        """
        key = self.key(r, as_of, kwargs)
        return self._results.get(key) is not None or self._failed.get(key) is not None

    def start(
        self, r: Resolved, as_of: str | None, kwargs: Mapping[str, Any], *, client: str
    ) -> None:
        """Compute the answer in a background thread unless it is cached or being computed.

        For slow answers (a full-universe screen): the page says "computing" and reloads
        itself instead of holding the request for tens of seconds. An error is dropped
        here; the page shows it when it asks again (the computation then runs in line).
        """
        key = self.key(r, as_of, kwargs)
        with self._flights_lock:
            if key in self._flights or self._results.get(key) is not None:
                return
            flight = threading.Lock()
            flight.acquire()  # askers in line wait for this computation
            self._flights[key] = flight

        def run() -> None:
            try:
                self._compute(key, r.fn, as_of, kwargs, client)  # type: ignore[arg-type]
            except Exception:  # shown when the page asks again (computed in line then)
                log.info("background answer of %s failed", r.spec.name, exc_info=True)
                self._failed.put(key, True)
            finally:
                with self._flights_lock:
                    self._flights.pop(key, None)
                flight.release()

        threading.Thread(target=run, name=f"answer-{r.spec.name}", daemon=True).start()

    def get(
        self,
        r: Resolved,
        as_of: str | None,
        kwargs: Mapping[str, Any],
        *,
        client: str,
        limit: int | None = None,
        offset: int = 0,
        order: tuple[str, bool] | None = None,
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

        Notes
        -----
        ``order`` = (column, descending) sorts the rows of a list-like answer's tables
        before paging (:func:`sort_tables`), on the one cached computation.
        """
        if r.fn is None:
            raise Unavailable(f"query {r.spec.name!r} is {r.reason}")
        key = self.key(r, as_of, kwargs)
        body_key = (*key, limit, offset, order)
        cached: Answer | None = self._bodies.get(body_key)
        if cached is not None:
            return cached
        result = self._result(key, r.fn, as_of, kwargs, client if charge else None)
        if r.spec.list_like and order is not None:
            result = sort_tables(result, *order)
        paged = result
        if r.spec.list_like:
            paged = page_tables(result, limit, offset, self._in_tables(key, result))
        body, etag, figures = _body(paged)
        total = {t.name: len(t.rows) for t in result.tables}
        answer = Answer(paged, body, etag, total, figures)
        self._bodies.put(body_key, answer)
        return answer

    def _in_tables(self, key: Hashable, result: QueryResult) -> frozenset[str]:
        found: frozenset[str] | None = self._tables.get(key)
        if found is None:
            found = table_figures(result)
            self._tables.put(key, found)
        return found

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
