"""Top and bottom movers of the small-cap universe, each with its liquidity.

One answer for the CLI (``capsize universe --movers``), the report and the API. The
universe, its day and member list come from
:func:`~capsize.queries.internals.universe_frame` (point in time); windows, counts and
the liquidity label follow :mod:`capsize.rules.movers`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from capsize.queries.internals._breadth import universe_volume
from capsize.queries.internals._common import after_note, as_float, day_of
from capsize.queries.internals._universe import INDEX, UniverseFrame, universe_frame
from capsize.queries.result import Cell, FigureSet, QueryResult, TableData
from capsize.queries.session import Session, session_for
from capsize.rules.movers import (
    LIQUIDITY_SESSIONS,
    RULE,
    TOP_N,
    WEEK_SESSIONS,
    WINDOWS,
    is_thin,
    liquidity_label,
)

if TYPE_CHECKING:
    from capsize.data.store import Store

__all__ = ["MoversAnswer", "movers", "window_bases", "window_returns"]

_MEMBERS = (f"{INDEX} members",)
_COLUMNS = ("Rank", "Ticker", "Sector", "Return", "Close", "Median $ volume 20d", "Liquidity")


@dataclass(frozen=True)
class MoversAnswer(QueryResult):
    """Top and bottom movers of the universe (see :func:`movers`).

    Attributes
    ----------
    bases : dict of str to Timestamp or None
        Base session of each window (its close is the start of the move).
    thin : dict of str to tuple of str
        Per window, the movers labelled thin, sub-$1 or without volume data.
    """

    bases: dict[str, pd.Timestamp | None] | None = None
    thin: dict[str, tuple[str, ...]] | None = None


def window_bases(dates: pd.DatetimeIndex, day: pd.Timestamp) -> dict[str, pd.Timestamp | None]:
    """Return the base session of each window: ``1D``, ``1W``, ``MTD`` and ``YTD``.

    ``dates`` are the universe's sessions (ascending) ending on ``day``. None where the
    sessions read do not reach back far enough.
    """
    past = dates[dates <= day]
    i = len(past) - 1

    def back(n: int) -> pd.Timestamp | None:
        return pd.Timestamp(past[i - n]) if i - n >= 0 else None

    def before(first: pd.Timestamp) -> pd.Timestamp | None:
        earlier = past[past < first]
        return pd.Timestamp(earlier[-1]) if len(earlier) else None

    return {
        "1D": back(1),
        "1W": back(WEEK_SESSIONS),
        "MTD": before(day.replace(day=1)),
        "YTD": before(day.replace(month=1, day=1)),
    }


def window_returns(uf: UniverseFrame, base: pd.Timestamp | None) -> pd.Series:
    """Total return of each member from ``base`` to the universe day (members with both closes)."""
    if base is None:
        return pd.Series(dtype="float64")
    dates = uf.closes.dates
    values = uf.closes.values
    end = values[dates.get_loc(uf.day)]
    start = values[dates.get_loc(base)]
    with np.errstate(invalid="ignore", divide="ignore"):
        r = end / start - 1.0
    out = pd.Series(r, index=list(uf.closes.tickers), dtype="float64")
    return out[np.isfinite(out)]


def _dollar_volume(s: Session, uf: UniverseFrame) -> pd.Series:
    """Median daily dollar volume of each member over the sessions to the day (NaN: none)."""
    vol, _ = universe_volume(s, uf)
    n = LIQUIDITY_SESSIONS
    dv = uf.closes.values[-n:] * vol.values[-n:]
    enough = np.sum(~np.isnan(dv), axis=0) >= (n + 1) // 2
    med = np.full(dv.shape[1], np.nan)
    if enough.any():
        med[enough] = np.nanmedian(dv[:, enough], axis=0)
    return pd.Series(med, index=list(uf.closes.tickers), dtype="float64")


@dataclass(frozen=True)
class _Ctx:
    fs: FigureSet
    uf: UniverseFrame
    close: pd.Series
    dollars: pd.Series


def _mover_cells(c: _Ctx, w: str, span: str, rank: int, t: str, r: float) -> tuple[Cell, ...]:
    uf, fs = c.uf, c.fs
    ret = fs.add(
        f"{w}.{t}.return",
        float(r),
        "fraction",
        f"{t} total return, {w}",
        source=uf.source,
        symbols=(t,),
        window=span,
        formula="close on the day / close on the base session - 1 (adjusted closes)",
    )
    close = as_float(c.close.get(t))
    px = fs.add(
        f"{w}.{t}.close",
        close,
        "usd",
        f"{t} close on {day_of(uf.day)} (adjusted)",
        source=uf.source,
        symbols=(t,),
        window=day_of(uf.day),
        formula="adjusted close",
    )
    dv = as_float(c.dollars.get(t))
    vol = fs.add(
        f"{w}.{t}.dollar_volume",
        dv,
        "usd",
        f"{t} median daily dollar volume, {LIQUIDITY_SESSIONS} sessions",
        source=uf.source,
        symbols=(t,),
        window=f"{LIQUIDITY_SESSIONS} sessions to {day_of(uf.day)}",
        formula="median of close x volume (capsize.rules.dollar_volume)",
        note="" if dv is not None else f"no volume in the {LIQUIDITY_SESSIONS} sessions",
    )
    sector = str(uf.listed.sectors.get(t, "n/a"))
    return (str(rank), t, sector, ret, px, vol, liquidity_label(close, dv))


def _window(c: _Ctx, w: str, base: pd.Timestamp | None) -> tuple[TableData, TableData, list[str]]:
    rets = window_returns(c.uf, base)
    day = day_of(c.uf.day)
    span = f"{day_of(base)}..{day}" if base is not None else f"{w} to {day}"
    c.fs.add(
        f"{w}.with_return",
        len(rets),
        "count",
        f"members with a {w} return",
        source=c.uf.source,
        symbols=_MEMBERS,
        window=span,
        formula="count of members with a close on the base session and on the day",
    )
    order = sorted(((str(t), float(r)) for t, r in rets.items()), key=lambda kv: (-kv[1], kv[0]))
    top = order[:TOP_N]
    bottom = [kv for kv in reversed(order) if kv[0] not in dict(top)][:TOP_N]
    tables, thin = [], []
    for name, picks in (("top", top), ("bottom", bottom)):
        rows = [_mover_cells(c, w, span, i, t, r) for i, (t, r) in enumerate(picks, 1)]
        thin += [
            t for t, _ in picks if is_thin(as_float(c.close.get(t)), as_float(c.dollars.get(t)))
        ]
        title = "Top" if name == "top" else "Bottom"
        tables.append(
            TableData(f"{name}.{w}", f"{title} {TOP_N} movers, {w} ({span})", _COLUMNS, tuple(rows))
        )
    return tables[0], tables[1], thin


def movers(source: Store | Session, as_of: object | None = None) -> MoversAnswer:
    """Top and bottom movers of the IWM members over 1D, 1W and month to date.

    Parameters
    ----------
    source : Store or Session
        Where to read.
    as_of : date-like, optional
        The day asked for (default: the latest data). The answer is for the universe
        day: the members' last session with closes on or before it.

    Returns
    -------
    MoversAnswer
        Per window ``w`` in ``1D``, ``1W``, ``MTD``: figure ``<w>.with_return`` (count)
        and per mover ``<w>.<ticker>.return`` (fraction), ``.close`` (usd) and
        ``.dollar_volume`` (usd, median of 20 sessions; None without volume); tables
        ``top.<w>`` and ``bottom.<w>`` with a liquidity label per mover.

    Raises
    ------
    DataNotFound
        When no member list is dated on or before the day, or the members have no closes.
    """
    s = session_for(source, as_of)
    uf = universe_frame(s)
    bases = window_bases(uf.closes.dates, uf.day)
    last = uf.closes.values[uf.closes.dates.get_loc(uf.day)]
    close = pd.Series(last, index=list(uf.closes.tickers), dtype="float64")
    c = _Ctx(FigureSet(uf.day), uf, close, _dollar_volume(s, uf))
    tables: list[TableData] = []
    thin: dict[str, tuple[str, ...]] = {}
    for w in WINDOWS:
        top, bottom, flagged = _window(c, w, bases[w])
        tables += [top, bottom]
        thin[w] = tuple(dict.fromkeys(flagged))
    notes = after_note(s.requested, uf.day, "universe prices")
    notes += [RULE, f"Member list used: {uf.list_what} ({uf.list_file}).", uf.universe.caveat]
    return MoversAnswer(
        query="movers",
        as_of=uf.day,
        requested_as_of=s.requested,
        params={"top_n": TOP_N},
        figures=c.fs.mapping(),
        tables=tuple(tables),
        notes=tuple(notes),
        sources=(uf.price_source, uf.list_file),
        bases={w: bases[w] for w in WINDOWS},
        thin=thin,
    )
