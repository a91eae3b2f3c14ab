"""The scoreboard: each size segment's proxy over standard windows, and small - large spreads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import pandas as pd

from capsize.analytics import performance as P
from capsize.errors import DataNotFound, InputError
from capsize.queries.performance._common import (
    CONVENTION,
    CORE_LARGE,
    CORE_SMALL,
    DAILY_LIMIT,
    LARGE_INDEX,
    SMALL_INDEX,
    STANDARD_WINDOWS,
    Prices,
    check_start,
    custom_window,
    day_text,
    load_many,
    load_prices,
    narrowed,
    number_figure,
    return_figure,
    sources_of,
    span,
    standard_window,
)
from capsize.queries.performance._proxies import INDEX_ROWS, ProxiesResult, ProxyChoice, proxies
from capsize.queries.performance._returns import WindowQuestion, parse_windows
from capsize.queries.result import FigureSet, QueryResult, TableData
from capsize.queries.session import session_for

if TYPE_CHECKING:
    from capsize.data.store import Store
    from capsize.queries.result import Cell, Figure
    from capsize.queries.session import Session

__all__ = ["ScoreRow", "ScoreboardResult", "scoreboard"]


@dataclass(frozen=True)
class ScoreRow:
    """One row of the scoreboard.

    Attributes
    ----------
    symbol : str
        Proxy or index symbol.
    label : str
        ``"Micro-cap (IWC)"`` or ``"Russell 2000 index"``.
    segment : str or None
        Segment key (None for an index row).
    band : str
        Market-cap band of the segment ("" for an index row).
    basis : {"total", "price"}
        The headline basis: total return for funds, price return for index levels.
    current : bool
        True when the symbol has a close on the day; otherwise its windows end at
        ``last_date`` and its 1D move is n/a.
    last_date : Timestamp
        Its last close on or before the day.
    """

    symbol: str
    label: str
    segment: str | None
    band: str
    basis: Literal["total", "price"]
    current: bool
    last_date: pd.Timestamp

    def fid(self, window: str) -> str:
        """Id of the row's headline figure for ``window``."""
        return f"{self.symbol}.{window}.{self.basis}"


@dataclass(frozen=True)
class ScoreboardResult(QueryResult):
    """Segment proxies x windows.

    Figures ``<SYM>.<W>.total`` and ``<SYM>.<W>.price`` (fraction) for every row and
    window, and spreads ``<A>-<B>.<W>`` (pp, on the rows' headline basis).
    """

    rows: tuple[ScoreRow, ...] = ()
    spreads: tuple[tuple[str, str, str], ...] = ()
    """``(a, b, label)`` of each spread row."""
    windows: tuple[str, ...] = ()
    choices: tuple[ProxyChoice, ...] = ()


def scoreboard(
    source: Store | Session,
    as_of: object | None = None,
    *,
    style: str = "blend",
    windows: Sequence[str] | None = None,
    since: object | None = None,
    between: Sequence[object] | None = None,
    trough_from: object | None = None,
) -> ScoreboardResult:
    """Each segment's proxy over the windows, price and total return, and the spreads.

    Parameters
    ----------
    source : Store or Session
        Where to read.
    as_of : date-like, optional
        Use only data on or before it. The day is the proxy choice's day
        (:func:`~capsize.queries.performance.proxies`).
    style : {"blend", "value", "growth", "equal-weight"}
        Which segment proxies.
    windows : sequence of str, optional
        Window keys (default: 1D, 1W, 1M, 3M, 6M, MTD, QTD, YTD, 1Y, 3Y, 5Y).
    since, between, trough_from : optional
        Instead of ``windows``, one dated window (see
        :func:`~capsize.queries.performance.window_returns`).

    Returns
    -------
    ScoreboardResult
        As of the day. A proxy without a close on the day runs to its last close,
        labelled, and its 1D move is n/a: no old move is shown as the day's.

    Raises
    ------
    DataNotFound
        No closes for IWM and SPY on or before the as-of.
    InputError
        Unknown style or window, conflicting window options.
    """
    asked = parse_windows(windows, False, since, between, trough_from)
    s0 = session_for(source, as_of)
    s = narrowed(s0, asked.between[1]) if asked.between is not None else s0
    px: ProxiesResult = s.cached(("q", "proxies", style), lambda: proxies(s, style=style))
    day = px.as_of
    check_start(asked.start[0], asked.start[1], day)
    load_many(s, px.candidates, missing_ok=True)  # one read for every row
    small, large = load_prices(s, CORE_SMALL).main, load_prices(s, CORE_LARGE).main
    calendar = pd.DatetimeIndex(small.index.intersection(large.index))
    calendar = calendar[calendar <= day]
    keys = asked.keys or (() if asked.start[1] is not None else STANDARD_WINDOWS)
    for k in keys:
        if k not in STANDARD_WINDOWS:
            raise InputError(f"unknown window {k!r}; use one of {', '.join(STANDARD_WINDOWS)}")
    board = _Board(s, day, FigureSet(day), calendar, keys, asked)
    for row in _rows(s, px, day):
        board.add_row(row)
    for a, b, label in _spread_pairs(px, board):
        board.add_spread(a, b, label)
    for key in px.missing:
        board.add_missing(key, style)
    return board.result(s0, px, style)


def _rows(s: Session, px: ProxiesResult, day: pd.Timestamp) -> list[ScoreRow]:
    rows = [
        ScoreRow(
            c.symbol,
            f"{c.label} ({c.symbol})",
            c.segment,
            c.band,
            load_prices(s, c.symbol).word,
            c.current,
            c.last_date,
        )
        for c in px.choices
    ]
    held = set(s.symbols())
    for sym, label in INDEX_ROWS:
        if sym not in held or sym in {r.symbol for r in rows}:
            continue
        try:
            last = load_prices(s, sym).last
        except DataNotFound:
            continue  # no level on or before the day
        rows.append(ScoreRow(sym, label, None, "", "price", last == day, last))
    return rows


def _spread_pairs(px: ProxiesResult, board: _Board) -> list[tuple[str, str, str]]:
    by = px.by_segment()
    pairs: list[tuple[str, str, str]] = []
    small, large, micro = by.get("small"), by.get("large"), by.get("micro")
    if small is not None and large is not None:
        pairs.append(
            (small.symbol, large.symbol, f"Small - large ({small.symbol} - {large.symbol})")
        )
        if micro is not None and micro.current:
            pairs.append(
                (micro.symbol, large.symbol, f"Micro - large ({micro.symbol} - {large.symbol})")
            )
    pairs.append((SMALL_INDEX, LARGE_INDEX, "Russell 2000 - S&P 500"))
    return [(a, b, label) for a, b, label in pairs if a in board.prices and b in board.prices]


class _Board:
    """Builds the scoreboard's figures and tables row by row."""

    def __init__(
        self,
        s: Session,
        day: pd.Timestamp,
        fs: FigureSet,
        calendar: pd.DatetimeIndex,
        keys: tuple[str, ...],
        asked: WindowQuestion,
    ) -> None:
        self.s, self.day, self.fs, self.calendar, self.keys = s, day, fs, calendar, keys
        self.asked = asked
        self.prices: dict[str, Prices] = {}
        self.returns: dict[tuple[str, str, str], P.WindowReturn] = {}
        self.rows: list[ScoreRow] = []
        self.spreads: list[tuple[str, str, str]] = []
        self.long: list[tuple[Cell, ...]] = []
        self.wide: list[tuple[Cell, ...]] = []
        self.notes: list[str] = []
        self.window_keys: list[str] = []

    # ---------------------------------------------------------------- windows
    def windows(self, row: ScoreRow, p: Prices) -> list[tuple[str, P.Window | None]]:
        """Return the row's windows; None for a 1D window of a row without a close on the day."""
        end = self.day if row.current else row.last_date
        cal = self.calendar if row.current else pd.DatetimeIndex(p.main.index)
        out: list[tuple[str, P.Window | None]] = [
            (k, None if self.elsewhere(k, row) else standard_window(k, end, cal)) for k in self.keys
        ]
        a = self.asked
        custom = custom_window(end, since=a.since, between=a.between, trough_from=a.trough_from)
        if custom is not None:
            out.append(custom)
        if not self.window_keys:
            self.window_keys = [k for k, _ in out]
        return out

    def elsewhere(self, key: str, row: ScoreRow) -> bool:
        """Say whether a row's window ``key`` would not be the day's (no old move as today's).

        A row without a close on the day has no 1D move; its month, quarter or year to
        date is n/a when its last close falls in an earlier month, quarter or year.
        """
        if row.current:
            return False
        if key == "1D":
            return True
        freq = {"MTD": "M", "QTD": "Q", "YTD": "Y"}.get(key)
        return freq is not None and row.last_date.to_period(freq) != self.day.to_period(freq)

    # ---------------------------------------------------------------- rows
    def add_row(self, row: ScoreRow) -> None:
        """Compute and register one row's figures."""
        p = load_prices(self.s, row.symbol)
        self.prices[row.symbol] = p
        self.rows.append(row)
        label = row.label if row.current else f"{row.label}, to {day_text(row.last_date)}"
        headline: list[Cell] = [label, row.basis]
        for key, w in self.windows(row, p):
            figs = self._cells(row, p, key, w)
            headline.append(figs[row.basis])
            base, end = self._dates(row.symbol, key)
            self.long.append(
                (
                    row.label,
                    row.band,
                    row.symbol,
                    w.label if w is not None else f"{key} to {self.day:%Y-%m-%d}",
                    figs["price"],
                    figs["total"],
                    base,
                    end,
                )
            )
        self.wide.append(tuple(headline))
        if not row.current:
            self.notes.append(
                f"{row.symbol}: no close on {self.day:%Y-%m-%d}; its row runs to its last "
                f"close {day_text(row.last_date)}; its 1D move (and a month, quarter or year "
                f"to date that would be another period's) is n/a (for every row on one date "
                f"use as-of {day_text(row.last_date)})."
            )

    def _cells(self, row: ScoreRow, p: Prices, key: str, w: P.Window | None) -> dict[str, Figure]:
        if w is None:
            return {
                basis: number_figure(
                    self.fs,
                    f"{row.symbol}.{key}.{basis}",
                    None,
                    "fraction",
                    f"{row.symbol} {basis} return, {key}",
                    source=p.total_source if basis == "total" else p.price_source,
                    symbols=(row.symbol,),
                    window=f"{key} to {self.day:%Y-%m-%d}",
                    formula=f"{basis} return = end close / base close - 1",
                    why=f"no close on {self.day:%Y-%m-%d}",
                )
                for basis in ("price", "total")
            }
        pair = P.window_return(
            w, adjusted=p.total, raw=p.price, symbol=row.symbol, max_stale_days=DAILY_LIMIT
        )
        out: dict[str, Figure] = {}
        for wr, src in ((pair.price, p.price_source), (pair.total, p.total_source)):
            self.returns[(row.symbol, key, wr.basis)] = wr
            out[wr.basis] = return_figure(
                self.fs,
                f"{row.symbol}.{key}.{wr.basis}",
                wr,
                f"{row.symbol} {wr.basis} return, {key}",
                src,
            )
        return out

    def _dates(self, sym: str, key: str) -> tuple[str, str]:
        found = [
            wr
            for b in ("total", "price")
            if (wr := self.returns.get((sym, key, b))) is not None and wr.ok
        ]
        if not found:
            return "n/a", "n/a"
        return day_text(found[0].base_date), day_text(found[0].end_date)

    def add_missing(self, segment: str, style: str) -> None:
        """Add the rows of a segment without any proxy of the style (no figures)."""
        why = f"n/a (no {style} ETF proxy of {segment} in the store)"
        for key in self.window_keys:
            self.long.append((segment, "", "n/a", key, why, why, "n/a", "n/a"))

    # ---------------------------------------------------------------- spreads
    def add_spread(self, a: str, b: str, label: str) -> None:
        """Register the spread row ``a - b`` on each row's headline basis."""
        ra = next(r for r in self.rows if r.symbol == a)
        rb = next(r for r in self.rows if r.symbol == b)
        cells: list[Cell] = [label, "spread"]
        for key in self.window_keys:
            wa = self.returns.get((a, key, ra.basis))
            wb = self.returns.get((b, key, rb.basis))
            cells.append(self._spread(a, b, key, wa, wb, label))
        self.spreads.append((a, b, label))
        self.wide.append(tuple(cells))

    def _spread(
        self,
        a: str,
        b: str,
        key: str,
        wa: P.WindowReturn | None,
        wb: P.WindowReturn | None,
        label: str,
    ) -> Figure:
        value: float | None = None
        if wa is None or wb is None or not (wa.ok and wb.ok):
            why = next(
                (w.reason for w in (wa, wb) if w is not None and w.reason),
                f"no close on {self.day:%Y-%m-%d}",
            )
        elif (wa.base_date, wa.end_date) != (wb.base_date, wb.end_date):
            why = "different dates"
        else:
            value, why = wa.value - wb.value, ""
        ref = wa if wa is not None and wa.ok else None
        return number_figure(
            self.fs,
            f"{a}-{b}.{key}",
            value,
            "pp",
            f"{label}, {key}",
            source="; ".join(sources_of((self.prices[a].main_source, self.prices[b].main_source))),
            symbols=(a, b),
            window=span(ref.base_date, ref.end_date) if ref is not None else key,
            formula=(
                f"{wa.basis if wa else 'total'} return {a} - {wb.basis if wb else 'total'} "
                f"return {b}"
            ),
            why=why,
        )

    # ---------------------------------------------------------------- result
    def result(self, s0: Session, px: ProxiesResult, style: str) -> ScoreboardResult:
        """Assemble the answer."""
        keys = tuple(self.window_keys)
        wide = TableData(
            "scoreboard",
            f"Scoreboard on {self.day:%Y-%m-%d}: headline return by segment proxy",
            ("Segment (proxy)", "Basis", *keys),
            tuple(self.wide),
        )
        long = TableData(
            "returns",
            f"Size segments ({style}): price and total returns",
            ("Segment", "Band", "Proxy", "Window", "Price return", "Total return", "Base", "End"),
            tuple(self.long),
        )
        notes = [n for n in px.notes if not n.startswith("Day: ")]
        notes += self.notes
        notes += [
            "Basis: total = total return from dividend-adjusted closes (funds); price = price "
            "return from raw closes or index levels; spread = difference of the two rows' "
            "headline returns, in percentage points (n/a unless both use the same dates).",
            f"Convention: {CONVENTION}.",
        ]
        return ScoreboardResult(
            query="scoreboard",
            as_of=self.day,
            requested_as_of=s0.requested,
            params={"style": style, "windows": list(keys)},
            figures=self.fs.mapping(),
            tables=(wide, long),
            notes=tuple(notes),
            sources=sources_of(
                x for p in self.prices.values() for x in (p.total_source, p.price_source)
            ),
            rows=tuple(self.rows),
            spreads=tuple(self.spreads),
            windows=keys,
            choices=px.choices,
        )
