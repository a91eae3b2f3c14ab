"""Loading closes for ``capsize perf``, ``compare``, ``risk`` and ``highs``: symbols, sources, as-of, windows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from capsize._cli.drivers.base import after_data_note
from capsize._format import fmt_date
from capsize.analytics import performance as perf
from capsize.errors import DataNotFound, InputError

if TYPE_CHECKING:
    from capsize.data.store import Store


__all__ = ["upper_symbols"]


def upper_symbols(symbols: list[str]) -> list[str]:
    """Symbols as the store spells them: stripped and upper-cased (``iwm`` -> ``IWM``)."""
    return [s.strip().upper() for s in symbols if s.strip()]


def _first_date(store: Store, sym: str) -> str:
    try:
        return fmt_date(store.provenance("bars", sym).first_date)
    except DataNotFound:
        return "n/a"


def _no_data_before(store: Store, sym: str, as_of: pd.Timestamp | None) -> DataNotFound:
    if as_of is None:
        return DataNotFound(f"no closes for {sym} in the store; run 'capsize data import DIR'")
    return DataNotFound(
        f"no closes for {sym} on or before {fmt_date(as_of)}: {sym}'s data starts "
        f"{_first_date(store, sym)}; pick a later --as-of"
    )


def _sources(store: Store, symbols: list[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for sym in symbols:
        try:
            p = store.provenance("bars", sym)
        except DataNotFound:
            continue
        out[sym] = {
            "source": p.source,
            "first_date": p.first_date,
            "last_date": p.last_date,
            "rows": p.rows,
        }
    return out


def _load(
    store: Store, symbols: list[str], as_of: pd.Timestamp | None
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str], list[str]]:
    """Load adjusted (total-return) and raw/level (price-return) closes for ``symbols``."""
    if not symbols:
        raise InputError("name at least one symbol, e.g. capsize perf IWM SPY")
    auto = store.closes(symbols, basis="auto", as_of=as_of)
    basis: dict[str, str] = dict(auto.attrs.get("basis", {}))
    crypto = set(store.symbols("crypto"))
    adjusted: dict[str, pd.Series] = {}
    price: dict[str, pd.Series] = {}
    notes: list[str] = []
    for sym in symbols:
        col = auto[sym].dropna()
        if col.empty:
            raise _no_data_before(store, sym, as_of)
        if basis.get(sym) == "adjusted":
            adjusted[sym] = col
            try:
                raw = store.closes([sym], basis="raw", as_of=as_of)[sym].dropna()
            except DataNotFound:
                continue
            if not raw.empty:
                price[sym] = raw
        elif basis.get(sym) == "raw":
            price[sym] = col
            notes.append(f"{sym}: only raw closes held, price return only")
        elif sym in crypto:
            adjusted[sym] = col
            price[sym] = col
            notes.append(f"{sym}: crypto price level; no distributions, so total = price return")
        else:
            price[sym] = col
            notes.append(f"{sym}: index level, price return only (no dividends)")
    return pd.DataFrame(adjusted), pd.DataFrame(price), basis, notes


def _default_as_of(*frames: pd.DataFrame) -> pd.Timestamp:
    last = [f.index.max() for f in frames if not f.empty]
    if not last:
        raise DataNotFound("no closes for the requested symbols")
    return pd.Timestamp(max(last))


def _last_dates(adjusted: pd.DataFrame, price: pd.DataFrame, symbols: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for sym in symbols:
        ends = [
            pd.Timestamp(str(f[sym].last_valid_index()))
            for f in (adjusted, price)
            if sym in f.columns and f[sym].last_valid_index() is not None
        ]
        if ends:
            out[sym] = max(ends)
    return out


def _clamp_as_of(
    adjusted: pd.DataFrame, price: pd.DataFrame, as_of: pd.Timestamp | None, symbols: list[str]
) -> tuple[pd.Timestamp, str | None, list[str]]:
    """Return the as-of date used, the note if the request is after all data, stale notes."""
    latest = _default_as_of(adjusted, price)
    note = after_data_note(as_of, latest)
    day = latest if as_of is None or note is not None else as_of
    stale = [
        f"{sym}: data ends {fmt_date(end)}, before the as-of {fmt_date(day)}; its figures are "
        f"n/a here; for them use --as-of {fmt_date(end)}"
        for sym, end in _last_dates(adjusted, price, symbols).items()
        if end < day
    ]
    return day, note, stale


def _check_starts(
    latest: pd.Timestamp,
    since: pd.Timestamp | None,
    between: tuple[pd.Timestamp, pd.Timestamp] | None,
    trough_from: pd.Timestamp | None,
) -> None:
    for name, start in (
        ("--since", since),
        ("--between", between[0] if between is not None else None),
        ("--trough-from", trough_from),
    ):
        if start is not None and start > latest:
            raise InputError(
                f"{name} {fmt_date(start)} is after the latest data ({fmt_date(latest)}); "
                "pick an earlier date"
            )


def _windows(
    as_of: pd.Timestamp,
    ytd: bool,
    since: pd.Timestamp | None,
    between: tuple[pd.Timestamp, pd.Timestamp] | None,
    trough_from: pd.Timestamp | None,
) -> list[perf.Window]:
    chosen = [
        w for w in (ytd, since is not None, between is not None, trough_from is not None) if w
    ]
    if len(chosen) > 1:
        raise InputError("choose one of --ytd, --since, --between, --trough-from")
    if ytd:
        return [perf.ytd(as_of)]
    if since is not None:
        return [perf.since(since, as_of)]
    if between is not None:
        return [perf.between(*between)]
    if trough_from is not None:
        return [perf.trough_to_date(trough_from, as_of)]
    return [
        perf.mtd(as_of),
        perf.qtd(as_of),
        perf.ytd(as_of),
        perf.trailing("1Y", as_of),
        perf.trailing("3Y", as_of),
        perf.trailing("5Y", as_of),
    ]
