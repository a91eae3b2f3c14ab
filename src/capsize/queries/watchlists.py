"""Watchlists: the user's named symbol lists, read as query results and edited as commands.

Reads (:func:`watchlists`, :func:`watchlist`) follow the query signature and read through
the session's store. Writes (:func:`save_watchlist`, :func:`remove_watchlist`) open the
store for writing for the few milliseconds they need, waiting briefly while another
process (``capsize data update``) holds it, and raise :class:`~capsize.errors.StoreError`
("busy") when it stays locked. Watchlists are user data, not market data: ``as_of`` only
stamps the answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from capsize.data import userdata
from capsize.errors import StoreError
from capsize.queries.result import FigureSet, QueryResult, TableData
from capsize.queries.session import Session, session_for

if TYPE_CHECKING:
    from capsize.data.store import Store

__all__ = [
    "MAX_NAME_CHARS",
    "MAX_NOTE_CHARS",
    "MAX_SYMBOLS",
    "Watchlist",
    "remove_watchlist",
    "save_watchlist",
    "upgrade_store",
    "watchlist",
    "watchlist_named",
    "watchlist_symbols",
    "watchlists",
]

Watchlist = userdata.Watchlist
MAX_NAME_CHARS = userdata.MAX_NAME_CHARS
MAX_NOTE_CHARS = userdata.MAX_NOTE_CHARS
MAX_SYMBOLS = userdata.MAX_SYMBOLS

_SOURCE = "store watchlists (user data)"


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _stamp(s: Session, clock: Callable[[], datetime]) -> pd.Timestamp:
    return s.requested if s.requested is not None else pd.Timestamp(clock().date())


def watchlists(
    source: Store | Session,
    as_of: object | None = None,
    *,
    clock: Callable[[], datetime] = _utcnow,
) -> QueryResult:
    """List the watchlists.

    Parameters
    ----------
    source : Store or Session
        Where to read.
    as_of : date-like, optional
        Only stamps the answer (watchlists are not dated data).
    clock : callable
        Today's date when ``as_of`` is None (UTC).

    Returns
    -------
    QueryResult
        Table ``watchlists`` (Id, Name, Symbols, Count) and figures ``<id>.count``.
    """
    s = session_for(source, as_of)
    day = _stamp(s, clock)
    figs = FigureSet(day)
    rows = []
    for w in userdata.list_watchlists(s.store):
        count = figs.add(
            f"watchlist.{w.id}.count",
            len(w.symbols),
            "count",
            f"symbols in watchlist {w.id}",
            source=_SOURCE,
            symbols=w.symbols,
            formula="number of symbols in the list",
        )
        rows.append((str(w.id), w.name, " ".join(w.symbols), count))
    return QueryResult(
        "watchlists",
        day,
        s.requested,
        figures=figs.mapping(),
        tables=(
            TableData("watchlists", "Watchlists", ("Id", "Name", "Symbols", "Count"), tuple(rows)),
        ),
        notes=("Watchlists are your lists as they are now; the as-of day does not filter them.",),
        sources=(_SOURCE,),
    )


def watchlist(
    source: Store | Session,
    as_of: object | None = None,
    *,
    id: int,
    clock: Callable[[], datetime] = _utcnow,
) -> QueryResult:
    """One watchlist: its symbols, name and note.

    Returns
    -------
    QueryResult
        Figures ``name`` and ``note`` (text), ``count``; table ``symbols``.

    Raises
    ------
    DataNotFound
        When there is no watchlist ``id``.
    """
    s = session_for(source, as_of)
    w = userdata.get_watchlist(s.store, id)
    day = _stamp(s, clock)
    figs = FigureSet(day)
    figs.add(
        "name", None, "text", "watchlist name", source=_SOURCE, note=w.name, formula="as saved"
    )
    figs.add("note", None, "text", "note", source=_SOURCE, note=w.note, formula="as saved")
    figs.add(
        "count",
        len(w.symbols),
        "count",
        f"symbols in {w.name}",
        source=_SOURCE,
        symbols=w.symbols,
        formula="number of symbols in the list",
    )
    return QueryResult(
        "watchlist",
        day,
        s.requested,
        params={"id": w.id},
        figures=figs.mapping(),
        tables=(TableData("symbols", w.name, ("Symbol",), tuple((x,) for x in w.symbols)),),
        notes=(),
        sources=(_SOURCE,),
    )


def watchlist_symbols(source: Store | Session, wid: int) -> tuple[str, ...]:
    """Return the symbols of watchlist ``wid`` (raises ``DataNotFound``)."""
    s = session_for(source, None)
    return userdata.get_watchlist(s.store, wid).symbols


def watchlist_named(source: Store | Session, name: str) -> Watchlist | None:
    """Return the watchlist called ``name`` (case-insensitive, as names are unique), or None.

    The one lookup by name: alert rules name their watchlist, and a rule is refused,
    or a subject left unevaluated, when it is gone.
    """
    s = session_for(source, None)
    want = name.lower()
    return next((w for w in userdata.list_watchlists(s.store) if w.name.lower() == want), None)


@contextmanager
def _writable(path: str | Path | None, wait: float) -> Iterator[Store]:
    """Open the store for writing, retrying while another process holds it."""
    from capsize.data.store import Store

    try:
        store = Store.open(path, wait=wait)
    except StoreError as exc:
        raise StoreError(f"the store is busy: {str(exc).splitlines()[0]}") from None
    try:
        yield store
    finally:
        store.close()


def save_watchlist(
    name: str,
    symbols: Sequence[str],
    *,
    note: str = "",
    wid: int | None = None,
    path: str | Path | None = None,
    wait: float = 3.0,
    clock: Callable[[], datetime] = _utcnow,
) -> Watchlist:
    """Create (``wid`` None) or replace a watchlist in the store at ``path``.

    Parameters
    ----------
    name, symbols, note
        The list (validated by :mod:`capsize.data.userdata`).
    wid : int, optional
        The watchlist to replace.
    path : path-like, optional
        The store file (default: the configured store).
    wait : float
        Seconds to wait while another process writes the store, seconds.
    clock : callable
        Current UTC time.

    Raises
    ------
    InputError
        Bad or taken name, bad symbol.
    DataNotFound
        No watchlist ``wid``.
    StoreError
        The store stayed locked by another writer for ``wait`` seconds.
    """
    with _writable(path, wait) as store:
        if wid is None:
            return userdata.create_watchlist(store, name, symbols, note=note, at=clock())
        return userdata.replace_watchlist(store, wid, name, symbols, note=note, at=clock())


def remove_watchlist(wid: int, *, path: str | Path | None = None, wait: float = 3.0) -> None:
    """Delete watchlist ``wid`` (raises ``DataNotFound`` or ``StoreError`` as above)."""
    with _writable(path, wait) as store:
        userdata.delete_watchlist(store, wid)


def upgrade_store(path: str | Path | None = None, *, wait: float = 3.0) -> None:
    """Open the store once for writing so that pending migrations (watchlists) are applied."""
    with _writable(path, wait):
        pass
