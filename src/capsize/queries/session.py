"""A read session: the store, the requested as-of date, settings, and reads done once.

Every query takes a :class:`Session` (or a :class:`~capsize.data.store.Store`, wrapped in
one for the call). The session applies the point-in-time rule once: every read is
limited to rows dated on or before ``requested`` (None: everything). It caches reads,
so a report that asks twenty questions reads each series once, and it names the
source files behind each symbol.

Examples
--------
>>> from capsize.queries import open_session     # doctest: +SKIP
>>> with open_session(as_of="2025-10-08") as s:   # doctest: +SKIP
...     s.closes(["IWM", "SPY"]).index[-1]
Timestamp('2025-10-08 00:00:00')
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from capsize.config import Settings, load_settings
from capsize.errors import CapsizeError, DataNotFound, InputError

if TYPE_CHECKING:
    from typing import TypeAlias

    from capsize.data.store import Store

    Source: TypeAlias = "Store | Session"
    """What a query reads from: an open store, or a session on one (type checking only)."""

__all__ = [
    "MAX_DAY",
    "MIN_DAY",
    "CatalogRow",
    "Session",
    "StoreReader",
    "data_version",
    "open_session",
    "parse_as_of",
    "recorded_data_version",
    "session_for",
]


MIN_DAY = pd.Timestamp("1900-01-01")
"""Earliest as-of date accepted (the century series start in 1926)."""
MAX_DAY = pd.Timestamp("2199-12-31")
"""Latest as-of date accepted."""


def parse_as_of(value: object | None, name: str = "as_of") -> pd.Timestamp | None:
    """Parse an ISO ``YYYY-MM-DD`` date (or a Timestamp) into a normalised Timestamp.

    Raises
    ------
    InputError
        When the text is not an ISO date, or the date is outside ``MIN_DAY..MAX_DAY``.
    """
    if value is None:
        return None
    if isinstance(value, pd.Timestamp):
        return value.normalize()
    text = str(value).strip()
    try:
        if len(text) != 10 or text[4] != "-" or text[7] != "-":
            raise ValueError(text)
        day = pd.Timestamp(text).normalize()
    except (ValueError, OverflowError):
        raise InputError(
            f"{name} {text!r} is not a date; use YYYY-MM-DD, e.g. 2025-10-08"
        ) from None
    if not MIN_DAY <= day <= MAX_DAY:
        raise InputError(
            f"{name} {text} is outside {MIN_DAY:%Y-%m-%d}..{MAX_DAY:%Y-%m-%d}; "
            "use a date within the data's era, e.g. 2025-10-08"
        )
    return day


_WRITE_STAMPS: tuple[tuple[str, str], ...] = (
    ("bars", "ingested_at"),
    ("actions", "ingested_at"),
    ("macro", "ingested_at"),
    ("factors", "ingested_at"),
    ("holdings", "ingested_at"),
    ("membership", "ingested_at"),
    ("fund_shares", "ingested_at"),
    ("symbols", "updated_at"),
    ("catalog", "ingested_at"),
    ("quality_log", "logged_at"),
)
"""Data tables and the column each write stamps with its time (see :func:`data_version`)."""


def data_version(store: Store) -> str:
    """Return a digest of the store's contents that any write changes.

    Per data table: the row count and the latest write stamp; the catalog's files
    (key, content hash, source, rows); the schema version.
    """
    parts = [
        f"SELECT '{t}', count(*)::VARCHAR, max({col})::VARCHAR FROM {t}" for t, col in _WRITE_STAMPS
    ]
    parts.append(
        "SELECT 'catalog_files', md5(string_agg(dataset_key || '|' || coalesce(content_hash, '')"
        " || '|' || source || '|' || rows::VARCHAR, ';' ORDER BY dataset_key)), '' FROM catalog"
    )
    parts.append("SELECT 'meta', string_agg(key || '=' || value, ';' ORDER BY key), '' FROM meta")
    rows = store.con.execute(" UNION ALL ".join(parts)).fetchall()
    text = json.dumps(sorted([str(c) for c in r] for r in rows))
    return hashlib.sha256(text.encode()).hexdigest()


def recorded_data_version(store: Store) -> str:
    """Return :func:`data_version`, recorded beside a read-only store for light readers.

    On a read-only store (no writer can hold the file meanwhile) the version is written
    to the store's stamp file (:mod:`capsize.data.stamp`), where ``capsize report`` finds
    it on its next run without opening DuckDB; any later write invalidates it.
    """
    from capsize.data.stamp import write_stamp

    version = data_version(store)
    if store.read_only:
        write_stamp(store.path, version, empty=store.is_empty())
    return version


@dataclass(frozen=True)
class CatalogRow:
    """One imported file (or fetched dataset) of the store's catalog, for provenance.

    Attributes
    ----------
    variant : str or None
        Bars basis (``adjusted``, ``raw``, ``level``) or factor frequency.
    first_date : Timestamp or None
        First date of its data.
    source : str
        The file(s) or provider it came from (``"; "``-joined).
    """

    variant: str | None
    first_date: pd.Timestamp | None
    source: str


def _catalog_index(cat: pd.DataFrame) -> dict[tuple[str, str], tuple[CatalogRow, ...]]:
    """Group catalog rows by ``(kind, subject)`` (one pass; lookups are then O(1))."""
    out: dict[tuple[str, str], list[CatalogRow]] = {}
    if cat.empty:
        return {}
    firsts = pd.to_datetime(cat["first_date"])
    for kind, subject, variant, first, src in zip(
        cat["kind"], cat["subject"], cat["variant"], firsts, cat["source"], strict=True
    ):
        row = CatalogRow(
            None if pd.isna(variant) else str(variant),
            None if pd.isna(first) else pd.Timestamp(first),
            str(src),
        )
        out.setdefault((str(kind), str(subject)), []).append(row)
    return {k: tuple(v) for k, v in out.items()}


SHARED_READS = frozenset(
    {"catalog", "catalog_index", "perf.bars_listing", "quality_log", "symbols"}
)
"""First keys of cached reads that do not depend on the requested day (see ``earlier``)."""


@dataclass
class Session:
    """Point-in-time reads of one store for one requested as-of date.

    Parameters
    ----------
    store : Store
        An open store (read-only is enough).
    requested : Timestamp or None
        Only data dated on or before it is read (None: all).
    settings : Settings, optional
        Configuration (segments, rotation weights, ...); loaded from the home if omitted.
    """

    store: Store
    requested: pd.Timestamp | None = None
    settings: Settings = field(default_factory=load_settings)
    _cache: dict[tuple[Any, ...], Any] = field(default_factory=dict, repr=False)
    parent: Session | None = field(default=None, repr=False)
    """A session at a later day whose reads this one slices (see :meth:`earlier`)."""

    # ------------------------------------------------------------------ reads
    def earlier(self, day: pd.Timestamp) -> Session:
        """Return a session at an earlier ``day`` sharing this one's date-independent reads.

        The catalog and symbol listings do not depend on the day, so a caller asking
        questions at several window ends (the fact-checker) reads them once; closes, bars,
        macro series, factors and fund share counts are read once by this session and
        sliced to ``day`` (the same rows a read at ``day`` returns; a series with nothing
        dated by then raises :class:`~capsize.errors.DataNotFound`, as that read does).

        Raises
        ------
        InputError
            When ``day`` is after this session's requested day.
        """
        if self.requested is not None and day > self.requested:
            raise InputError(
                f"{day:%Y-%m-%d} is after the session's day {self.requested:%Y-%m-%d}; "
                "open a session for that day"
            )
        return Session(self.store, day, self.settings, parent=self.parent or self)

    def _sliced(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Rows of a parent's frame dated on or before this session's day (attrs kept)."""
        out = frame[frame.index <= self.requested] if self.requested is not None else frame
        out.attrs = dict(frame.attrs)
        return out

    def _held(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Refuse a sliced macro frame with a series that has no value by the day.

        A read at the day raises :class:`~capsize.errors.DataNotFound` for such a series
        (it has no rows dated on or before it); the slice of a later read must do the same.
        """
        for sid in frame.columns:
            if not frame[sid].notna().any():
                raise DataNotFound(
                    f"no macro series {sid!r} in the store; import it (e.g. DGS2, DGS10, DFF, FEDFUNDS)"
                )
        return frame

    def cached(self, key: tuple[Any, ...], read: Any) -> Any:
        """Return ``read()`` once per ``key`` (errors are not cached)."""
        if self.parent is not None and key[0] in SHARED_READS:
            return self.parent.cached(key, read)
        if key not in self._cache:
            self._cache[key] = read()
        return self._cache[key]

    def symbols(self, kind: str | None = None) -> list[str]:
        """Symbols held in the store (optionally of one kind)."""
        return list(self.cached(("symbols", kind), lambda: self.store.symbols(kind)))

    def closes(self, symbols: Sequence[str], basis: str = "auto") -> pd.DataFrame:
        """Wide closes on or before the requested day (``attrs["basis"]`` per symbol)."""
        key = ("closes", tuple(symbols), basis)
        if self.parent is not None:
            parent = self.parent
            return self.cached(key, lambda: self._sliced(parent.closes(symbols, basis)))  # type: ignore[no-any-return]
        frame: pd.DataFrame = self.cached(
            key,
            lambda: self.store.closes(list(symbols), basis=basis, as_of=self.requested),  # type: ignore[arg-type]
        )
        return frame

    def bars(self, symbol: str, basis: str = "auto") -> pd.DataFrame:
        """Daily bars of ``symbol`` on or before the requested day."""
        if self.parent is not None:
            parent = self.parent
            return self.cached(  # type: ignore[no-any-return]
                ("bars", symbol, basis), lambda: self._sliced(parent.bars(symbol, basis))
            )
        frame: pd.DataFrame = self.cached(
            ("bars", symbol, basis),
            lambda: self.store.bars(symbol, basis=basis, as_of=self.requested),  # type: ignore[arg-type]
        )
        return frame

    def macro(self, series: Sequence[str] | str) -> pd.DataFrame:
        """Macro series (FRED) on or before the requested day."""
        key = ("macro", series if isinstance(series, str) else tuple(series))
        if self.parent is not None:
            parent = self.parent
            return self.cached(key, lambda: self._held(self._sliced(parent.macro(series))))  # type: ignore[no-any-return]
        frame: pd.DataFrame = self.cached(
            key, lambda: self.store.macro(series, as_of=self.requested)
        )
        return frame

    def factors(self, dataset: str, frequency: str = "monthly") -> pd.DataFrame:
        """Ken French factors whose period ends on or before the requested day."""
        key = ("factors", dataset, frequency)
        if self.parent is not None:
            parent = self.parent
            return self.cached(  # type: ignore[no-any-return]
                key, lambda: self._some(self._sliced(parent.factors(dataset, frequency)), dataset)
            )
        frame: pd.DataFrame = self.cached(
            key, lambda: self.store.factors(dataset, frequency, as_of=self.requested)
        )
        return frame

    def _some(self, frame: pd.DataFrame, name: str) -> pd.DataFrame:
        """Refuse an empty slice, as a read at the day does (no rows dated by then)."""
        if frame.empty:
            raise DataNotFound(
                f"no {name} data dated on or before {self.requested:%Y-%m-%d}; "
                "ask for a later day or import the data"
            )
        return frame

    def holdings(self, fund: str) -> pd.DataFrame:
        """Return the latest holdings snapshot of ``fund`` dated on or before the requested day."""
        frame: pd.DataFrame = self.cached(
            ("holdings", fund), lambda: self.store.holdings(fund, as_of=self.requested)
        )
        return frame

    def membership(self, index_name: str = "IWM") -> pd.DataFrame:
        """Membership snapshots dated on or before the requested day."""
        frame: pd.DataFrame = self.cached(
            ("membership", index_name),
            lambda: self.store.membership(index_name, as_of=self.requested),
        )
        return frame

    def fund_shares(self, fund: str | None = None) -> pd.DataFrame:
        """Fund share counts (and NAV) dated on or before the requested day."""
        if self.parent is not None:
            parent = self.parent

            def cut() -> pd.DataFrame:
                full = parent.fund_shares(fund)
                keep = (full["date"] <= self.requested).to_numpy(dtype=bool)
                return full[keep].reset_index(drop=True)

            return self.cached(("fund_shares", fund), cut)  # type: ignore[no-any-return]
        frame: pd.DataFrame = self.cached(
            ("fund_shares", fund), lambda: self.store.fund_shares(fund, as_of=self.requested)
        )
        return frame

    # ------------------------------------------------------------------ provenance
    def catalog(self) -> pd.DataFrame:
        """Return the store's catalog (one row per imported file or fetched dataset), read once."""
        frame: pd.DataFrame = self.cached(("catalog",), self.store.catalog)
        return frame

    def catalog_rows(self, kind: str, subject: str) -> tuple[CatalogRow, ...]:
        """Catalog rows of one dataset (``kind`` such as ``bars``, ``subject`` such as ``IWM``).

        The catalog is read and grouped once per session; an unreadable catalog gives none.
        """

        def index() -> dict[tuple[str, str], tuple[CatalogRow, ...]]:
            try:
                return _catalog_index(self.catalog())
            except CapsizeError:
                return {}

        found: dict[tuple[str, str], tuple[CatalogRow, ...]] = self.cached(
            ("catalog_index",), index
        )
        return found.get((kind, subject), ())

    def source(self, *keys: str, dataset: str = "bars", variant: str | None = None) -> str:
        """Source files behind ``keys``, ``"; "``-joined without repeats.

        Point in time: a file whose data starts after the requested day is not named.

        Parameters
        ----------
        *keys : str
            Symbols, series ids, datasets or funds.
        dataset : str
            Catalog kind: ``bars``, ``macro``, ``factors``, ``holdings``, ``membership``,
            ``fund_shares``.
        variant : str, optional
            Only files of this variant (a bars basis such as ``adjusted``, a factor
            frequency such as ``monthly``).
        """
        parts: list[str] = []
        for key in keys:
            for p in self._files(dataset, key, variant):
                if p not in parts:
                    parts.append(p)
        return "; ".join(parts) or "store"

    def _files(self, dataset: str, key: str, variant: str | None) -> list[str]:
        day = self.requested
        rows = [
            r
            for r in self.catalog_rows(dataset, key)
            if (variant is None or r.variant == variant)
            and (day is None or r.first_date is None or r.first_date <= day)
        ]
        files = sorted({x for r in rows for x in r.source.split("; ")})
        if files or dataset != "bars":
            return files
        try:  # bars written directly (not through an import) carry their source per row
            return self.store.provenance(dataset, key).source.split("; ")
        except CapsizeError:
            return []


def session_for(source: Store | Session, as_of: object | None = None) -> Session:
    """Return a :class:`Session` for ``source`` at ``as_of``.

    A session passed in is returned as is when ``as_of`` is None or equals its
    requested day; a store is wrapped in a new session.

    Raises
    ------
    InputError
        When a session is passed with a different ``as_of``.
    """
    day = parse_as_of(as_of)
    if isinstance(source, Session):
        if day is not None and day != source.requested:
            raise InputError(
                f"as_of {day:%Y-%m-%d} differs from the session's "
                f"({'latest' if source.requested is None else f'{source.requested:%Y-%m-%d}'}); "
                "open a session for that day"
            )
        return source
    return Session(source, day)


@contextmanager
def open_session(
    as_of: object | None = None, *, path: str | None = None, wait: float = 0.0
) -> Iterator[Session]:
    """Open the configured store read-only and yield a session at ``as_of``.

    ``wait`` is how many seconds to wait while another process writes the store.

    Raises
    ------
    DataNotFound
        When there is no store yet.
    InputError
        When ``as_of`` is not an ISO date.
    """
    from capsize.data.store import Store

    day = parse_as_of(as_of)
    store = Store.open(path, read_only=True, wait=wait)
    try:
        yield Session(store, day)
    finally:
        store.close()


class _LockedSession(Session):
    """A session whose reads run one at a time (its one cursor is shared by threads)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._reading = threading.RLock()

    def cached(self, key: tuple[Any, ...], read: Any) -> Any:
        """Return ``read()`` once per ``key``, holding the session's lock while reading."""
        with self._reading:
            return super().cached(key, read)


class StoreReader:
    """One read-only connection to a store file that no process writes, shared by sessions.

    For a server answering from a private snapshot of the store: opening the file costs
    about 0.1 s (connect, schema check), a DuckDB cursor on an open connection microseconds.
    Each :meth:`session` gets its own cursor, so sessions may run in different threads at
    once. Sessions of the same as-of day share their reads and query results
    (:meth:`Session.cached`), as the sections of one report share its session: the sections
    of a page, or two pages of the same day, read the closes and compute the scoreboard
    once. The catalog's grouping (for provenance) does not depend on the day and is shared
    by all.

    With ``slice_reads``, a session at a past day is an :meth:`Session.earlier` session of
    one latest session kept for the reader's life: closes, bars, macro series, factors and
    fund share counts are read once for the whole history and sliced to each day (the rows
    a read at the day returns), so a page at a new as-of day reads none of them again.

    Parameters
    ----------
    path : str
        The store file (opened read-only at once).
    days : int
        As-of days whose shared reads are kept (least recently used dropped first).
    slice_reads : bool
        Slice past days' closes, bars and macro series from full reads (see above).

    Raises
    ------
    StoreError
        When the file cannot be opened.
    """

    def __init__(self, path: str, *, days: int = 4, slice_reads: bool = False) -> None:
        from capsize.data.store import Store

        self._store = Store.open(path, read_only=True)
        self._lock = threading.Lock()
        self._index: dict[tuple[str, str], tuple[CatalogRow, ...]] | None = None
        self._days = days
        self._reads: OrderedDict[pd.Timestamp | None, dict[tuple[Any, ...], Any]] = OrderedDict()
        self._latest: _LockedSession | None = None
        if slice_reads:
            self._latest = _LockedSession(self._store.cursor(), None)

    def _shared(self, day: pd.Timestamp | None) -> dict[tuple[Any, ...], Any]:
        """Return the reads of sessions at ``day`` (a new, empty one when none is kept)."""
        if day is None and self._latest is not None:
            return self._latest._cache  # the latest reads live as long as the reader
        with self._lock:
            reads = self._reads.pop(day, None)
            self._reads[day] = reads = {} if reads is None else reads
            while len(self._reads) > self._days:
                self._reads.popitem(last=False)
            return reads

    def _catalog_index(self, s: Session) -> dict[tuple[str, str], tuple[CatalogRow, ...]]:
        with self._lock:
            if self._index is None:
                try:
                    self._index = _catalog_index(s.catalog())
                except CapsizeError:
                    self._index = {}
            return self._index

    @contextmanager
    def session(self, as_of: object | None = None) -> Iterator[Session]:
        """Yield a point-in-time session on its own cursor of the shared connection.

        Raises
        ------
        InputError
            When ``as_of`` is not an ISO date.
        """
        day = parse_as_of(as_of)
        with self._lock:
            store = self._store.cursor()
        parent = self._latest if day is not None else None
        try:
            s = Session(store, day, _cache=self._shared(day), parent=parent)
            if ("catalog_index",) not in s._cache:
                s._cache[("catalog_index",)] = self._catalog_index(s)
            yield s
        finally:
            store.close()

    def close(self) -> None:
        """Close the connection (sessions still open fail on their next read)."""
        with self._lock:
            if self._latest is not None:
                self._latest.store.close()
            self._store.close()
