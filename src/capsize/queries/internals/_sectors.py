"""Breadth and returns of the small-cap universe by sector.

One answer for the CLI (``capsize breadth --sectors``), the report and the API.
Sectors come from the latest IWM holdings file dated on or before the universe day
(membership snapshots carry no sectors); members missing from that file are counted
as ``n/a``. Averages follow :mod:`capsize.rules.breadth` (a member counts where it has
a full window of closes); returns are equal-weight means of the members' total returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from capsize.analytics import engine as E
from capsize.errors import DataNotFound
from capsize.queries.internals._common import after_note, day_of
from capsize.queries.internals._movers import window_bases, window_returns
from capsize.queries.internals._universe import INDEX, UniverseFrame, holdings_on, universe_frame
from capsize.queries.result import Cell, FigureSet, QueryResult, TableData
from capsize.queries.session import Session, session_for

if TYPE_CHECKING:
    from capsize.data.store import Store

__all__ = ["SECTOR_WINDOWS", "SectorBreadthAnswer", "sector_breadth", "sector_slug"]

AVERAGES = (50, 200)
"""Moving-average windows (sessions) of the sector breadth."""
SECTOR_WINDOWS = ("1W", "MTD", "YTD")
"""Return windows of the sector table (bases as in :func:`window_bases`)."""
ALL = "All members"


@dataclass(frozen=True)
class SectorBreadthAnswer(QueryResult):
    """Breadth and equal-weight returns per sector (see :func:`sector_breadth`).

    Attributes
    ----------
    sectors : tuple of str
        Sector names, most members first (``n/a``: not in the holdings file).
    sector_file : str
        The holdings file the sectors come from.
    """

    sectors: tuple[str, ...] = ()
    sector_file: str = ""


def sector_slug(name: str) -> str:
    """Return a sector's figure-id key (``"Health Care"`` -> ``"health_care"``)."""
    out = "".join(ch if ch.isalnum() else "_" for ch in name.lower()).strip("_")
    return out or "na"


def _above(uf: UniverseFrame, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Per member on the day: above its ``w``-session mean, and has a full window."""
    mean = E.rolling_mean(uf.closes.values, w)[-1]
    close = uf.closes.values[-1]
    full = ~np.isnan(mean) & ~np.isnan(close)
    return (close > mean) & full, full


def _sector_file(s: Session, uf: UniverseFrame) -> str:
    frame = holdings_on(s, INDEX, uf.day)
    if frame is None:
        raise DataNotFound(
            f"no {INDEX} holdings file dated on or before {day_of(uf.day)}: sectors are unknown; "
            "import an iShares IWM holdings file"
        )
    snap = day_of(frame.attrs.get("as_of"))
    return f"{INDEX} holdings file of {snap} ({frame.attrs.get('source', '')})"


@dataclass(frozen=True)
class _Ctx:
    fs: FigureSet
    source: str
    day: str
    above: dict[int, tuple[np.ndarray, np.ndarray]]
    rets: dict[str, pd.Series]
    spans: dict[str, str]


def _row(c: _Ctx, name: str, mask: np.ndarray, tickers: list[str]) -> tuple[Cell, ...]:
    key, fs = sector_slug(name) if name != ALL else "all", c.fs
    who = (f"{INDEX} members, {name}",)
    n = fs.add(
        f"{key}.members",
        int(mask.sum()),
        "count",
        f"{name}: members with prices",
        source=c.source,
        symbols=who,
        window=c.day,
        formula="count of universe members of the sector",
    )
    cells: list[Cell] = [name, n]
    for w in AVERAGES:
        above, full = c.above[w]
        k = int((full & mask).sum())
        v = float((above & mask).sum()) / k if k else None
        cells.append(
            fs.add(
                f"{key}.pct_above_{w}",
                v,
                "fraction",
                f"{name}: share of members above their {w}-day average",
                source=c.source,
                symbols=who,
                window=f"{w} sessions to {c.day}",
                formula=f"members with close > {w}-session mean / members with a full window",
                note="" if k else "no member with a full window",
            )
        )
    members = {t for t, m in zip(tickers, mask, strict=True) if m}
    for win in SECTOR_WINDOWS:
        r = c.rets[win]
        r = r[r.index.isin(members)]
        cells.append(
            fs.add(
                f"{key}.ret.{win}",
                float(r.mean()) if len(r) else None,
                "fraction",
                f"{name}: equal-weight return, {win}",
                source=c.source,
                symbols=who,
                window=c.spans[win],
                formula="mean over members of (close on the day / close on the base session - 1)",
                note="" if len(r) else "no member with both closes",
            )
        )
    return tuple(cells)


def sector_breadth(source: Store | Session, as_of: object | None = None) -> SectorBreadthAnswer:
    """Share above the 50- and 200-day averages and equal-weight returns, per sector.

    Parameters
    ----------
    source : Store or Session
        Where to read.
    as_of : date-like, optional
        The day asked for (default: the latest data); the answer is for the universe day.

    Returns
    -------
    SectorBreadthAnswer
        Per sector key ``k`` (:func:`sector_slug`; ``all`` for the whole universe):
        ``k.members`` (count), ``k.pct_above_50``, ``k.pct_above_200`` and
        ``k.ret.<1W|MTD|YTD>`` (fractions). Table ``sectors``.

    Raises
    ------
    DataNotFound
        When no member list or no holdings file is dated on or before the day.
    """
    s = session_for(source, as_of)
    uf = universe_frame(s)
    sector_file = _sector_file(s, uf)
    tickers = [str(t) for t in uf.closes.tickers]
    sectors = np.array([str(uf.listed.sectors.get(t, "n/a")) for t in tickers])
    bases = window_bases(uf.closes.dates, uf.day)
    day = day_of(uf.day)
    c = _Ctx(
        fs=FigureSet(uf.day),
        source=f"{uf.source}; sectors: {sector_file}",
        day=day,
        above={w: _above(uf, w) for w in AVERAGES},
        rets={w: window_returns(uf, bases[w]) for w in SECTOR_WINDOWS},
        spans={
            w: f"{day_of(bases[w])}..{day}" if bases[w] is not None else w for w in SECTOR_WINDOWS
        },
    )
    counts = {str(k): int(v) for k, v in pd.Series(sectors).value_counts().items()}
    order = sorted(counts, key=lambda x: (x == "n/a", -counts[x], x))
    rows = [_row(c, name, sectors == name, tickers) for name in order]
    rows.append(_row(c, ALL, np.ones(len(tickers), dtype=bool), tickers))
    columns = ("Sector", "Members", "% above 50d", "% above 200d", *SECTOR_WINDOWS)
    notes = after_note(s.requested, uf.day, "universe prices")
    notes += [
        f"Sectors: {sector_file}; members not in it are counted under n/a.",
        f"Member list used: {uf.list_what} ({uf.list_file}).",
        "Returns: equal-weight mean of member total returns (adjusted closes); 1W from 5 "
        "sessions before, MTD and YTD from the last session of the previous month and year.",
        uf.universe.caveat,
    ]
    return SectorBreadthAnswer(
        query="sector_breadth",
        as_of=uf.day,
        requested_as_of=s.requested,
        params={},
        figures=c.fs.mapping(),
        tables=(TableData("sectors", f"Breadth by sector on {day}", columns, tuple(rows)),),
        notes=tuple(notes),
        sources=(uf.price_source, uf.list_file, sector_file),
        sectors=tuple(order),
        sector_file=sector_file,
    )
