"""User data kept in the store: named watchlists (lists of symbols).

Plain functions over an open :class:`~capsize.data.store.Store`. Names and symbols are
validated here, once, for every front end (web pages, the REST API, later the CLI).
User data is not market data: no point-in-time filter applies to it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from capsize.data.store import first_row
from capsize.errors import DataNotFound, InputError

if TYPE_CHECKING:
    from capsize.data.store import Store

__all__ = [
    "MAX_NAME_CHARS",
    "MAX_NOTE_CHARS",
    "MAX_SYMBOLS",
    "SYMBOL_PATTERN",
    "Watchlist",
    "clean_name",
    "clean_symbols",
    "create_watchlist",
    "delete_watchlist",
    "get_watchlist",
    "list_watchlists",
    "replace_watchlist",
]

MAX_NAME_CHARS = 80
"""Longest watchlist name."""
MAX_NOTE_CHARS = 500
"""Longest watchlist note."""
MAX_SYMBOLS = 200
"""Most symbols in one watchlist."""
SYMBOL_PATTERN = r"^[A-Z0-9^][A-Z0-9^.=_\-]{0,19}$"
"""A symbol as the store spells it (``IWM``, ``^RUT``, ``BTC-USD``, ``BRK.B``)."""

_SYMBOL = re.compile(SYMBOL_PATTERN)
_COLUMNS = "id, name, symbols, note, created_at, updated_at"


@dataclass(frozen=True)
class Watchlist:
    """A named list of symbols.

    Attributes
    ----------
    id : int
        Store key.
    name : str
        Unique name, as the user typed it (any printable text).
    symbols : tuple of str
        Upper-case symbols, in the user's order, each once.
    note : str
        Free text.
    created_at, updated_at : datetime
        UTC, naive.
    """

    id: int
    name: str
    symbols: tuple[str, ...]
    note: str
    created_at: datetime
    updated_at: datetime


def _printable(text: str, what: str, limit: int) -> str:
    out = " ".join(text.split())
    if any(unicodedata.category(ch).startswith("C") for ch in out):
        raise InputError(f"watchlist {what} contains control characters; use printable text")
    if len(out) > limit:
        raise InputError(f"watchlist {what} has {len(out)} characters; use at most {limit}")
    return out


def clean_name(name: str) -> str:
    """Return ``name`` with runs of whitespace collapsed.

    Raises
    ------
    InputError
        When the name is empty, too long or holds control characters.
    """
    out = _printable(name, "name", MAX_NAME_CHARS)
    if not out:
        raise InputError("watchlist name is empty; give the list a name, e.g. 'Regional banks'")
    return out


def clean_symbols(symbols: Sequence[str]) -> tuple[str, ...]:
    """Return the symbols upper-cased, stripped and without repeats (order kept).

    Raises
    ------
    InputError
        When a symbol is malformed or there are more than :data:`MAX_SYMBOLS`.
    """
    out: dict[str, None] = {}
    for raw in symbols:
        sym = raw.strip().upper()
        if not sym:
            continue
        if not _SYMBOL.match(sym):
            shown = sym if len(sym) <= 24 else sym[:24] + "..."
            raise InputError(
                f"watchlist symbol {shown!r} is not a symbol; use letters, digits and ^.=_- "
                "(at most 20), e.g. IWM, ^RUT, BTC-USD"
            )
        out[sym] = None
    if len(out) > MAX_SYMBOLS:
        raise InputError(f"watchlist has {len(out)} symbols; use at most {MAX_SYMBOLS}")
    return tuple(out)


def _row(row: tuple[object, ...]) -> Watchlist:
    wid, name, symbols, note, created, updated = row
    return Watchlist(
        int(str(wid)),
        str(name),
        tuple(str(s) for s in symbols or ()),  # type: ignore[attr-defined]
        str(note),
        created,  # type: ignore[arg-type]
        updated,  # type: ignore[arg-type]
    )


def list_watchlists(store: Store) -> tuple[Watchlist, ...]:
    """Every watchlist, by name (case-insensitive)."""
    rows = store.con.execute(
        f"SELECT {_COLUMNS} FROM watchlists ORDER BY lower(name), id"
    ).fetchall()
    return tuple(_row(r) for r in rows)


def get_watchlist(store: Store, wid: int) -> Watchlist:
    """Return watchlist ``wid``.

    Raises
    ------
    DataNotFound
        When there is no such watchlist.
    """
    row = first_row(store.con.execute(f"SELECT {_COLUMNS} FROM watchlists WHERE id = ?", [wid]))
    if row is None:
        raise DataNotFound(f"no watchlist with id {wid}; list them at /api/v1/watchlists")
    return _row(row)


def _check_free(store: Store, name: str, wid: int | None) -> None:
    row = first_row(
        store.con.execute(
            "SELECT id FROM watchlists WHERE lower(name) = lower(?) AND id IS DISTINCT FROM ?",
            [name, wid],
        )
    )
    if row is not None:
        raise InputError(f"a watchlist named {name!r} exists already (id {row[0]}); pick another")


def create_watchlist(
    store: Store, name: str, symbols: Sequence[str], *, note: str = "", at: datetime
) -> Watchlist:
    """Create a watchlist and return it.

    Parameters
    ----------
    store : Store
        Open for writing.
    name : str
        Unique (case-insensitive) name.
    symbols : sequence of str
        Symbols (validated by :func:`clean_symbols`).
    note : str
        Free text.
    at : datetime
        Creation time (UTC, naive).

    Raises
    ------
    InputError
        On a bad or taken name, or a bad symbol.
    """
    clean, syms = clean_name(name), clean_symbols(symbols)
    text = _printable(note, "note", MAX_NOTE_CHARS)
    with store.transaction() as con:
        _check_free(store, clean, None)
        row = first_row(
            con.execute(
                "INSERT INTO watchlists (name, symbols, note, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?) RETURNING id",
                [clean, list(syms), text, at, at],
            )
        )
    if row is None:  # pragma: no cover - INSERT ... RETURNING always returns the row
        raise InputError(f"watchlist {clean!r} was not created")
    return get_watchlist(store, int(row[0]))


def replace_watchlist(
    store: Store, wid: int, name: str, symbols: Sequence[str], *, note: str = "", at: datetime
) -> Watchlist:
    """Replace the name, symbols and note of watchlist ``wid``; return it.

    Raises
    ------
    DataNotFound
        When there is no such watchlist.
    InputError
        On a bad or taken name, or a bad symbol.
    """
    clean, syms = clean_name(name), clean_symbols(symbols)
    text = _printable(note, "note", MAX_NOTE_CHARS)
    get_watchlist(store, wid)
    with store.transaction() as con:
        _check_free(store, clean, wid)
        con.execute(
            "UPDATE watchlists SET name = ?, symbols = ?, note = ?, updated_at = ? WHERE id = ?",
            [clean, list(syms), text, at, wid],
        )
    return get_watchlist(store, wid)


def delete_watchlist(store: Store, wid: int) -> None:
    """Delete watchlist ``wid``.

    Raises
    ------
    DataNotFound
        When there is no such watchlist.
    """
    get_watchlist(store, wid)
    with store.transaction() as con:
        con.execute("DELETE FROM watchlists WHERE id = ?", [wid])
