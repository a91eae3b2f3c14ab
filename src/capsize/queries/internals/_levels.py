"""Support and resistance of one symbol: swing pivots clustered, and volume at price.

The look-back ends on the symbol's last bar on or before the day. Volume at price
follows :mod:`capsize.rules.dollar_volume`: an index has no tradable volume, so its
profile is n/a; crypto volume is in USD (the profile says so).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from capsize.analytics.levels import Level, LevelsResult, find_levels
from capsize.errors import DataNotFound, InputError
from capsize.queries.internals._common import (
    after_note,
    as_float,
    bars_source,
    data_start_hint,
    day_of,
    symbol_kind,
)
from capsize.queries.result import Cell, Figure, FigureSet, QueryResult, TableData
from capsize.queries.session import Session, session_for
from capsize.rules.dollar_volume import na_reason, volume_unit
from capsize.rules.staleness import freshness

if TYPE_CHECKING:
    from capsize.data.store import Store

__all__ = ["LevelsAnswer", "levels"]


@dataclass(frozen=True)
class LevelsAnswer(QueryResult):
    """Support and resistance of one symbol (see :func:`levels`).

    Attributes
    ----------
    symbol : str
    basis : str
        Price basis of the bars (``adjusted``, ``raw`` or ``level``).
    start : Timestamp or None
        First bar of the look-back.
    """

    symbol: str = ""
    basis: str = ""
    start: pd.Timestamp | None = None


@dataclass(frozen=True)
class _Ctx:
    fs: FigureSet
    symbol: str
    source: str
    window: str


def _add(
    c: _Ctx,
    fid: str,
    value: float | int | None,
    unit: str,
    label: str,
    formula: str,
    note: str = "",
) -> Figure:
    return c.fs.add(
        fid,
        value,
        unit,  # type: ignore[arg-type]
        label,
        source=c.source,
        symbols=(c.symbol,),
        window=c.window,
        formula=formula,
        note=note if value is None else "",
    )


def _level_rows(c: _Ctx, res: LevelsResult) -> list[tuple[Cell, ...]]:
    rows: list[tuple[Cell, ...]] = []
    rank = {"support": 0, "resistance": 0}
    ordered: list[Level] = sorted(res.levels, key=lambda lv: abs(lv.distance))
    ids: dict[int, str] = {}
    for lv in ordered:
        rank[lv.kind] += 1
        ids[id(lv)] = f"{lv.kind}.{rank[lv.kind]}"
    for lv in res.levels:  # highest price first
        fid = ids[id(lv)]
        what = f"{c.symbol} {lv.kind} {fid.rsplit('.', 1)[1]} (nearest = 1)"
        price = _add(
            c,
            f"{fid}.price",
            lv.price,
            "level",
            f"{what}: level",
            "mean of the clustered pivot prices",
        )
        low = _add(c, f"{fid}.low", lv.low, "level", f"{what}: lowest pivot", "min of the pivots")
        high = _add(
            c, f"{fid}.high", lv.high, "level", f"{what}: highest pivot", "max of the pivots"
        )
        touches = _add(
            c, f"{fid}.touches", lv.touches, "count", f"{what}: touches", "pivots in the cluster"
        )
        dist = _add(
            c,
            f"{fid}.distance",
            lv.distance,
            "fraction",
            f"{what}: distance from the last close",
            "level / last close - 1",
        )
        rows.append(
            (
                lv.kind,
                price,
                low,
                high,
                touches,
                day_of(lv.first_touch),
                day_of(lv.last_touch),
                dist,
            )
        )
    return rows


def _profile_rows(c: _Ctx, res: LevelsResult, why: str) -> list[tuple[Cell, ...]]:
    rows: list[tuple[Cell, ...]] = []
    if why:
        return rows
    for i, r in enumerate(res.profile.itertuples(index=False), start=1):
        rows.append(
            (
                f"{r.price_low:,.2f}..{r.price_high:,.2f}",
                _add(
                    c,
                    f"profile.{i}.volume",
                    as_float(r.volume),
                    "count",
                    f"{c.symbol} volume traded in price bin {i}",
                    "bar volume spread evenly over its high-low range",
                ),
            )
        )
    return rows


def _bars(s: Session, symbol: str) -> pd.DataFrame:
    bars = s.bars(symbol)
    bars = bars[bars["close"].notna()]
    if bars.empty:
        when = day_of(s.requested) if s.requested is not None else "the latest day"
        raise DataNotFound(
            f"no bars for {symbol} on or before {when}{data_start_hint(s, symbol)}; "
            "pick a later as-of"
        )
    return bars


def _check_lookback(lookback: int, pivot_window: int) -> None:
    if lookback < 2 * pivot_window + 1:
        raise InputError(
            f"lookback {lookback} is too short for swing pivots of {pivot_window} bars each "
            f"side; use a lookback of {2 * pivot_window + 1} or more"
        )


def _context(s: Session, sym: str, basis: str, res: LevelsResult) -> _Ctx:
    last = res.last_date
    return _Ctx(
        FigureSet(last),
        sym,
        bars_source(s, sym, basis, last),
        f"{day_of(res.start)}..{day_of(last)}",
    )


def _summary_figures(c: _Ctx, res: LevelsResult, basis: str, unit_word: str, why: str) -> None:
    sym = c.symbol
    _add(
        c,
        "last_close",
        res.last_close,
        "level",
        f"{sym} last close ({basis})",
        "close of the last bar",
    )
    _add(
        c,
        "point_of_control",
        as_float(res.point_of_control),
        "level",
        f"{sym} volume point of control",
        f"mid price of the bin with the most volume ({unit_word})",
        note=why or "no volume in the look-back",
    )
    _add(
        c,
        "profile_coverage",
        res.profile_coverage,
        "count",
        f"{sym} bars with a volume",
        "count of bars with volume",
    )


def _tables(c: _Ctx, res: LevelsResult, unit_word: str, why: str) -> tuple[TableData, ...]:
    sym = c.symbol
    return (
        TableData(
            "levels",
            f"{sym} support and resistance",
            ("Kind", "Level", "Low", "High", "Touches", "First touch", "Last touch", "Distance"),
            tuple(_level_rows(c, res)),
        ),
        TableData(
            "profile",
            f"{sym} volume at price ({unit_word})",
            ("Price bin", "Volume"),
            tuple(_profile_rows(c, res, why)),
        ),
    )


def _notes(
    s: Session,
    sym: str,
    last: pd.Timestamp,
    basis: str,
    pivot_window: int,
    tolerance: float,
    min_touches: int,
    why: str,
) -> tuple[str, ...]:
    notes = after_note(s.requested, last, f"data of {sym}")
    fresh = freshness(last, s.requested or last, "daily")
    if fresh.stale:
        notes.append(fresh.note(sym))
    notes.append(
        f"Swing pivots of {pivot_window} bars each side, clustered within {tolerance:.1%}; at "
        f"least {min_touches} touches; {basis} prices."
    )
    if why:
        notes.append(f"Volume profile: n/a ({why}).")
    return tuple(notes)


def levels(
    source: Store | Session,
    as_of: object | None = None,
    *,
    symbol: str,
    lookback: int = 252,
    pivot_window: int = 5,
    tolerance: float = 0.015,
    min_touches: int = 2,
    bins: int = 40,
) -> LevelsAnswer:
    """Support and resistance of ``symbol`` from swing pivots, with a volume profile.

    Parameters
    ----------
    source : Store or Session
        Where to read.
    as_of : date-like, optional
        Last bar to use (default: the latest).
    symbol : str
        Index, ETF, stock or crypto symbol (``IWM``, ``^RUT``).
    lookback : int
        Bars (sessions) to look back (default 252).
    pivot_window : int
        Bars on each side a swing pivot must dominate (default 5).
    tolerance : float
        Pivots within this fraction of a cluster's mean join it (default 0.015).
    min_touches : int
        Pivots a level needs (default 2).
    bins : int
        Price bins of the volume profile (default 40).

    Returns
    -------
    LevelsAnswer
        Figures ``last_close`` and ``point_of_control`` (price), ``profile_coverage``
        (bars with volume), per level ``<support|resistance>.<n>.<price|low|high|
        touches|distance>`` (``n`` = 1 for the nearest); tables ``levels`` and
        ``profile`` (volume per price bin).

    Raises
    ------
    InputError
        When ``lookback`` is under ``2 * pivot_window + 1``.
    DataNotFound
        For an unknown symbol or no bars on or before the day.
    """
    s = session_for(source, as_of)
    sym = symbol.strip().upper()
    _check_lookback(lookback, pivot_window)
    bars = _bars(s, sym)
    kind = symbol_kind(s, sym)
    why = na_reason(kind)
    if why:
        bars = bars.assign(volume=np.nan)
    res = find_levels(
        bars,
        symbol=sym,
        lookback=lookback,
        pivot_window=pivot_window,
        tolerance=tolerance,
        min_touches=min_touches,
        bins=bins,
    )
    basis = str(bars.attrs.get("basis", "auto"))
    c = _context(s, sym, basis, res)
    unit_word = "USD" if volume_unit(kind) == "usd" else "shares"
    _summary_figures(c, res, basis, unit_word, why)
    tables = _tables(c, res, unit_word, why)
    last = res.last_date
    notes = _notes(s, sym, last, basis, pivot_window, tolerance, min_touches, why)
    return LevelsAnswer(
        query="levels",
        as_of=last,
        requested_as_of=s.requested,
        params={
            "symbol": sym,
            "lookback": lookback,
            "pivot_window": pivot_window,
            "tolerance": tolerance,
            "min_touches": min_touches,
            "bins": bins,
        },
        figures=c.fs.mapping(),
        tables=tables,
        notes=notes,
        sources=(c.source,),
        symbol=sym,
        basis=basis,
        start=res.start,
    )
