"""The tape: each segment proxy's move on the day and its volume against its average."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from capsize.errors import CapsizeError
from capsize.queries.performance._common import day_text, number_figure, span
from capsize.queries.performance._scoreboard import ScoreboardResult, scoreboard
from capsize.queries.result import FigureSet, QueryResult, TableData
from capsize.queries.session import session_for
from capsize.rules.bottom_line import TIE

if TYPE_CHECKING:
    from capsize.data.store import Store
    from capsize.queries.result import Cell, Figure
    from capsize.queries.session import Session

__all__ = ["VOLUME_AVG_DAYS", "TapeResult", "tape"]

VOLUME_AVG_DAYS = 20
"""Sessions in the volume average the day's volume is compared with."""


@dataclass(frozen=True)
class TapeResult(QueryResult):
    """The day's moves of the segment proxies.

    Figures: ``<SYM>.1D.total`` (the scoreboard's 1D figure, unchanged), ``<SYM>.volume``
    (shares), ``<SYM>.volume_ratio`` (volume / previous 20-session mean), and the
    small - large spread ``<A>-<B>.1D`` (pp) when both proxies trade on the day.
    """

    leader: str | None = None
    laggard: str | None = None
    """The single best and worst mover; None when several tie (see ``leaders``, ``laggards``)."""
    leaders: tuple[str, ...] = ()
    laggards: tuple[str, ...] = ()
    """Every proxy within the tie rule (:data:`capsize.rules.bottom_line.TIE`) of the best and
    the worst move; one symbol each unless they tie."""
    movers: tuple[str, ...] = ()
    """Symbols with a close on the day, in segment order."""
    rows: tuple[tuple[str, str, str], ...] = ()
    """``(symbol, label, id of its move figure)`` of each row, in segment order."""


def _volume_figs(
    s: Session, fs: FigureSet, sym: str, day: pd.Timestamp, source: str
) -> tuple[Figure, Figure]:
    try:
        vol = s.bars(sym)["volume"].dropna()
    except CapsizeError:
        vol = pd.Series(dtype=float)
    why = "no volume data"
    today = avg = None
    window = day_text(day)
    if len(vol) > VOLUME_AVG_DAYS and vol.index[-1] == day:
        today = float(vol.iloc[-1])
        prior = vol.iloc[-VOLUME_AVG_DAYS - 1 : -1]
        avg = float(prior.mean())
        window = span(prior.index[0], day)
    v = number_figure(
        fs,
        f"{sym}.volume",
        today,
        "count",
        f"{sym} volume",
        source=source,
        symbols=(sym,),
        window=day_text(day),
        formula="shares traded on the day",
        why=why,
    )
    r = number_figure(
        fs,
        f"{sym}.volume_ratio",
        None if today is None or not avg else today / avg,
        "ratio",
        f"{sym} volume / {VOLUME_AVG_DAYS}-day average",
        source=source,
        symbols=(sym,),
        window=window,
        formula=f"volume / mean volume of the previous {VOLUME_AVG_DAYS} sessions",
        why=why,
    )
    return v, r


def tape(source: Store | Session, as_of: object | None = None) -> TapeResult:
    """Each segment proxy's total return on the day, its volume, the leader and the laggard.

    Parameters
    ----------
    source : Store or Session
        Where to read.
    as_of : date-like, optional
        Use only data on or before it (the day is the proxy choice's day).

    Returns
    -------
    TapeResult
        A proxy without a close on the day has no move (a note gives its last close).

    Raises
    ------
    DataNotFound
        No closes for IWM and SPY on or before the as-of.
    """
    s = session_for(source, as_of)
    sb: ScoreboardResult = s.cached(("q", "scoreboard", "blend"), lambda: scoreboard(s))
    day = sb.as_of
    fs = FigureSet(day)
    figs: dict[str, Figure] = {}
    rows: list[tuple[Cell, ...]] = []
    notes: list[str] = []
    moves: list[tuple[float, str, str]] = []
    ids: list[tuple[str, str, str]] = []
    for row in sb.rows:
        if row.segment is None:
            continue
        if not row.current:
            notes.append(
                f"{row.symbol}: no bar on {day:%Y-%m-%d} (last close {day_text(row.last_date)})."
            )
            continue
        move = sb.fig(row.fid("1D"))
        figs[move.id] = move
        if move.value is not None:
            moves.append((float(move.value), row.symbol, row.label))
        vol, ratio = _volume_figs(s, fs, row.symbol, day, move.provenance.source)
        rows.append((row.label, move, vol, ratio))
        ids.append((row.symbol, row.label, move.id))
    for a, b, _ in sb.spreads:
        if any(r.symbol == a and r.segment is not None for r in sb.rows):
            f = sb.fig(f"{a}-{b}.1D")
            figs[f.id] = f
    leaders, laggards = _ends(moves)
    if leaders and laggards and set(leaders) != set(laggards):
        notes.insert(0, f"{_who(moves, leaders, 'Leader')} {_who(moves, laggards, 'Laggard')}")
    elif leaders:
        notes.insert(0, "Every proxy moved the same to a tenth of a point: no leader or laggard.")
        leaders = laggards = ()
    figs.update(fs.mapping())
    table = TableData(
        "tape",
        f"The tape, {day:%Y-%m-%d}",
        ("Segment (proxy)", "Move", "Volume", f"vs {VOLUME_AVG_DAYS}-day avg"),
        tuple(rows),
    )
    notes.append(
        "Move: total return from the previous close. Volume: shares traded (consolidated, "
        f"as published); ratio to the mean of the previous {VOLUME_AVG_DAYS} sessions."
    )
    return TapeResult(
        query="tape",
        as_of=day,
        requested_as_of=s.requested,
        params={},
        figures=figs,
        tables=(table,),
        notes=tuple(notes),
        sources=tuple(
            dict.fromkeys(p for f in figs.values() for p in f.provenance.source.split("; "))
        ),
        leader=leaders[0] if len(leaders) == 1 else None,
        laggard=laggards[0] if len(laggards) == 1 else None,
        leaders=leaders,
        laggards=laggards,
        movers=tuple(i[0] for i in ids),
        rows=tuple(ids),
    )


def _ends(moves: list[tuple[float, str, str]]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Symbols tied for the best and for the worst move (within the tie rule)."""
    if not moves:
        return (), ()
    hi, lo = max(m[0] for m in moves), min(m[0] for m in moves)
    best = tuple(sym for v, sym, _ in moves if hi - v <= TIE)
    worst = tuple(sym for v, sym, _ in moves if v - lo <= TIE)
    return best, worst


def _who(moves: list[tuple[float, str, str]], syms: tuple[str, ...], word: str) -> str:
    """Say "Leader: Small-cap (IWM)." or "Laggards, tied: Large-cap (SPY), Mega-cap (QQQ)."."""
    names = [label for _, sym, label in moves if sym in syms]
    if len(names) == 1:
        return f"{word}: {names[0]}."
    return f"{word}s, tied: {', '.join(names)}."
