"""Breadth of the small-cap universe on a day: one answer for the CLI, the report and the API.

Point in time and policy (stated in the answer's notes):

* The universe, its day and member list come from
  :func:`~capsize.queries.internals.universe_frame` (the latest list on or before the
  universe day).
* The A/D line follows :mod:`capsize.rules.breadth`: net advances summed over the 252
  sessions ending on the day, 0 at the base day's close; the base day is in the
  figure's label and provenance window.
* The McClellan oscillator's EMAs are seeded on the first session read
  (:data:`~capsize.rules.breadth.READ_DAYS` calendar days before the day).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from capsize.analytics.breadth import BreadthResult, compute_breadth
from capsize.analytics.engine import Panel
from capsize.errors import CapsizeError
from capsize.queries.internals._common import (
    after_note,
    as_count,
    as_float,
    bars_source,
    day_of,
    read_panel,
)
from capsize.queries.internals._universe import INDEX, UniverseFrame, universe_frame
from capsize.queries.result import (
    Cell,
    Figure,
    FigureSet,
    Provenance,
    QueryResult,
    SeriesData,
    TableData,
)
from capsize.queries.session import Session, session_for
from capsize.rules.breadth import (
    AD_SESSIONS,
    COMPARE_WINDOWS,
    HIGH_LOW_SESSIONS,
    MA_WINDOWS,
    MEMBER_LIST_RULE,
    RULE,
    ad_base,
)

if TYPE_CHECKING:
    from capsize.data.store import Store

__all__ = ["BreadthAnswer", "breadth", "universe_volume"]

_MEMBERS = (f"{INDEX} members",)


@dataclass(frozen=True)
class BreadthAnswer(QueryResult):
    """Breadth of the universe on its day (see :func:`breadth`).

    Attributes
    ----------
    ad_start : Timestamp or None
        Base day of the A/D line (the line is 0 at its close).
    list_date : Timestamp or None
        Date of the member list used.
    """

    ad_start: pd.Timestamp | None = None
    list_date: pd.Timestamp | None = None


def universe_volume(s: Session, uf: UniverseFrame) -> tuple[Panel, pd.Timestamp | None]:
    """Member share volume on the universe's sessions, and its last date (None: none).

    Read once per session; all NaN where no volume is known.
    """

    def read() -> tuple[Panel, pd.Timestamp | None]:
        wide = read_panel(s, uf.universe.members, "volume", uf.start, uf.day)
        wide = wide.reindex(index=uf.closes.dates, columns=list(uf.closes.tickers))
        has = wide.notna().any(axis=1)
        last = pd.Timestamp(wide.index[has.to_numpy()][-1]) if has.any() else None
        return Panel.from_wide(wide.astype("float64"), name="volume"), last

    out: tuple[Panel, pd.Timestamp | None] = s.cached(("internals", "universe_volume"), read)
    return out


class _Builder:
    """Adds the breadth figures of one day to a :class:`FigureSet`."""

    def __init__(self, fs: FigureSet, uf: UniverseFrame, row: pd.Series) -> None:
        self.fs, self.uf, self.row = fs, uf, row
        self.day = day_of(uf.day)

    def add(
        self,
        fid: str,
        value: Any,
        label: str,
        formula: str,
        *,
        unit: str = "count",
        window: str | None = None,
        note: str = "",
    ) -> Figure:
        v = as_count(value) if unit == "count" else as_float(value)
        return self.fs.add(
            fid,
            v,
            unit,  # type: ignore[arg-type]
            label,
            source=self.uf.source,
            symbols=_MEMBERS,
            window=window or self.day,
            formula=formula,
            note=note if v is None else "",
        )

    def col(self, name: str, label: str, formula: str, **kw: Any) -> Figure:
        return self.add(name, self.row[name], label, formula, **kw)


def _average_rows(b: _Builder, windows: tuple[int, ...]) -> list[tuple[Cell, ...]]:
    rows: list[tuple[Cell, ...]] = []
    for w in windows:
        cov = b.col(
            f"covered_{w}",
            f"members with a full {w}-session window",
            f"count of members with {w} closes in the last {w} sessions",
        )
        b.col(
            f"above_{w}",
            f"members above their {w}-session average",
            f"count of members with close > {w}-session mean",
        )
        pct = b.col(
            f"pct_above_{w}",
            f"share of members above their {w}-day average",
            f"members with close > {w}-session mean / members with a full {w}-session window",
            unit="fraction",
            note="no member with a full window",
        )
        rows.append((f"% above {w}-day average", pct, cov))
    return rows


def _advance_rows(b: _Builder, res: BreadthResult, base: pd.Timestamp) -> list[tuple[Cell, ...]]:
    row = b.row
    ret = b.add(
        "with_return",
        row["advancers"] + row["decliners"] + row["unchanged"],
        "members with a daily return",
        "count of members with a close that day and the session before",
    )
    adv = b.col("advancers", "advancing members", "count of daily return > 0")
    dec = b.col("decliners", "declining members", "count of daily return < 0")
    b.col("unchanged", "unchanged members", "count of daily return = 0")
    start = day_of(base)
    ad = b.col(
        "ad_line",
        f"A/D line: net advances since the close of {start} ({AD_SESSIONS} sessions; 0 at {start})",
        "running sum of advancers - decliners over the sessions after the base day "
        "(capsize.rules.breadth)",
        window=f"{start}..{b.day}",
    )
    mcc = b.col(
        "mcclellan",
        "McClellan oscillator",
        res.mcclellan_formula,
        unit="score",
        window=f"{day_of(b.uf.start)}..{b.day}",
    )
    return [
        ("Advancers", adv, ret),
        ("Decliners", dec, ret),
        (f"A/D line since {start}", ad, ret),
        ("McClellan oscillator", mcc, ret),
    ]


def _high_low_rows(b: _Builder, res: BreadthResult) -> list[tuple[Cell, ...]]:
    cov = b.col(
        "hl_covered",
        "members with a full 52-week look-back",
        f"count of members with {res.high_low_window} prior closes",
    )
    hi = b.col(
        "new_highs",
        "members at a new 52-week closing high",
        f"close > max of the previous {res.high_low_window} closes",
    )
    lo = b.col(
        "new_lows",
        "members at a new 52-week closing low",
        f"close < min of the previous {res.high_low_window} closes",
    )
    return [("New 52-week highs", hi, cov), ("New 52-week lows", lo, cov)]


def _volume_rows(b: _Builder, vol_end: pd.Timestamp | None) -> list[tuple[Cell, ...]]:
    if vol_end is None:
        why = "no member volume in the window read"
    else:
        why = f"no member volume on {b.day}; universe volume ends {day_of(vol_end)}"
    cov = b.col(
        "volume_covered",
        "members with a volume and a return that day",
        "count of members with volume and a daily return",
    )
    up = b.col(
        "up_volume",
        "share volume of advancing members",
        "sum of volume of members with return > 0",
        note=why,
    )
    down = b.col(
        "down_volume",
        "share volume of declining members",
        "sum of volume of members with return < 0",
        note=why,
    )
    return [("Up volume (shares)", up, cov), ("Down volume (shares)", down, cov)]


def _compare_table(b: _Builder, s: Session, res: BreadthResult) -> TableData:
    cmp = res.compare([w for w, _ in COMPARE_WINDOWS])
    iwm_src = bars_source(s, INDEX, "adjusted", b.uf.day)
    rows: list[tuple[Cell, ...]] = []
    for w, label in COMPARE_WINDOWS:
        r = cmp.loc[w]
        ok = pd.notna(r["start"])
        span = f"{day_of(r['start'])}..{b.day}" if ok else f"{w} sessions to {b.day}"
        why = "window longer than the prices read"
        ew = b.add(
            f"ew.{label}",
            r["ew_return"],
            f"equal-weight members, {label}",
            "compounded mean daily return of members with a return",
            unit="fraction",
            window=span,
            note=why,
        )
        v = as_float(r["cw_return"])
        cw = b.fs.add(
            f"iwm.{label}",
            v,
            "fraction",
            f"IWM total return, {label} (same dates)",
            source=iwm_src,
            symbols=(INDEX,),
            window=span,
            formula="end close / base close - 1 (adjusted closes)",
            note="" if v is not None else why,
        )
        diff = b.add(
            f"ew_minus_iwm.{label}",
            r["difference"],
            f"equal-weight minus IWM, {label}",
            "equal-weight return - IWM return",
            unit="pp",
            window=span,
            note=why,
        )
        rows.append((label, ew, cw, diff))
    return TableData(
        "ew_vs_iwm",
        f"Equal-weight members vs IWM, windows of {', '.join(str(w) for w, _ in COMPARE_WINDOWS)} "
        f"sessions ending {b.day}",
        ("Window", "Equal-weight members", "IWM (cap-weighted)", "Difference"),
        tuple(rows),
    )


def _series(b: _Builder, s: Session, res: BreadthResult) -> tuple[SeriesData, ...]:
    tab = res.table
    start = day_of(tab.index[0])
    window = f"{start}..{b.day}"
    prov = Provenance(b.uf.source, _MEMBERS, window, b.fs.as_of, "see the figure of that name")
    iwm = Provenance(
        bars_source(s, INDEX, "adjusted", b.uf.day),
        (INDEX,),
        window,
        b.fs.as_of,
        "close / close on the base day x 100",
    )
    return (
        SeriesData.from_series(
            "ad_line", f"A/D line (0 at the close of {start})", "count", tab["ad_line"], prov
        ),
        SeriesData.from_series(
            "ew_index", "equal-weight members (100 at the base day)", "level", tab["ew_index"], prov
        ),
        SeriesData.from_series(
            "iwm_index", "IWM (100 at the base day)", "level", tab["cw_index"], iwm
        ),
        SeriesData.from_series(
            "pct_above_50", "share above the 50-day average", "fraction", tab["pct_above_50"], prov
        ),
        SeriesData.from_series(
            "mcclellan", "McClellan oscillator", "score", tab["mcclellan"], prov
        ),
    )


def _benchmark(s: Session, day: pd.Timestamp) -> pd.Series | None:
    try:
        closes = s.closes([INDEX], basis="adjusted")
    except CapsizeError:  # no IWM: breadth without the comparison
        return None
    out: pd.Series = closes[INDEX].loc[:day].dropna()
    return out if len(out) else None


def _notes(s: Session, uf: UniverseFrame, res: BreadthResult, base: pd.Timestamp) -> list[str]:
    notes = after_note(s.requested, uf.day, "universe prices")
    notes += [
        f"{RULE} Here: from the close of {day_of(base)} to {day_of(uf.day)}.",
        MEMBER_LIST_RULE,
        f"Member list used: {uf.list_what} ({uf.list_file}).",
        f"{res.mcclellan_formula}; EMAs seeded on {day_of(uf.start)}, the first session read.",
        uf.universe.caveat,
    ]
    return notes


def _compute(runner: Any | None, closes: Panel, **kw: Any) -> BreadthResult:
    """:func:`compute_breadth`, or over ticker partitions on ``runner`` (one per worker thread)."""
    if runner is None:
        return compute_breadth(closes, **kw)
    from capsize.scale import default_partitions, partitioned_breadth

    return partitioned_breadth(closes, partitions=default_partitions(runner), runner=runner, **kw)


def breadth(
    source: Store | Session, as_of: object | None = None, *, runner: Any | None = None
) -> BreadthAnswer:
    """Breadth of the IWM members on the universe day on or before ``as_of``.

    Parameters
    ----------
    source : Store or Session
        Where to read.
    as_of : date-like, optional
        The day asked for (default: the latest data). The answer is for the universe
        day: the members' last session with closes on or before it.
    runner : capsize.scale runner or distributed.Client, optional
        Run the members' panel per ticker partition there (one per worker thread;
        :func:`capsize.scale.connect` builds one). Default: the single-process engine.
        Counts are equal; the equal-weight return to 1e-12 (summation order).

    Returns
    -------
    BreadthAnswer
        Figures: ``members``, ``listed``, ``with_close``; per average window ``w`` in
        20/50/200 ``pct_above_w`` (fraction), ``above_w``, ``covered_w``;
        ``advancers``, ``decliners``, ``unchanged``, ``with_return``, ``ad_line`` (count,
        since the base day :attr:`BreadthAnswer.ad_start`), ``mcclellan`` (score),
        ``new_highs``, ``new_lows``, ``hl_covered``, ``up_volume``, ``down_volume``
        (shares), ``volume_covered``; ``ew.<1M|3M|1Y>``, ``iwm.<...>`` (fractions) and
        ``ew_minus_iwm.<...>`` (pp). Tables ``breadth`` and ``ew_vs_iwm``; series
        ``ad_line``, ``ew_index``, ``iwm_index``, ``pct_above_50``, ``mcclellan``.

    Raises
    ------
    DataNotFound
        When no member list is dated on or before the day (a later one is never
        used), or the universe has no prices.
    """
    s = session_for(source, as_of)
    uf = universe_frame(s)
    vol, vol_end = universe_volume(s, uf)
    base = ad_base(uf.closes.dates, uf.day)
    res = _compute(
        runner,
        uf.closes,
        volume=vol,
        benchmark=_benchmark(s, uf.day),
        benchmark_name=INDEX,
        ma_windows=MA_WINDOWS,
        high_low_window=HIGH_LOW_SESSIONS,
        start=base,
        as_of=uf.day,
    )
    row = res.on(uf.day)
    fs = FigureSet(uf.day)
    b = _Builder(fs, uf, row)
    members = b.add(
        "members",
        uf.universe.n_members,
        "universe members with prices",
        "count of listed members with closes in the window read",
        window=f"{day_of(uf.start)}..{b.day}",
    )
    listed = b.add(
        "listed",
        uf.universe.n_listed,
        f"members in the {uf.list_what}",
        "count of equity tickers in the member list",
        window=day_of(uf.universe.snapshot_date),
    )
    closed = b.col("with_close", f"members with a close on {b.day}", "count of members")
    rows: list[tuple[Cell, ...]] = [
        ("Members with prices", members, listed),
        ("Members with a close that day", closed, members),
    ]
    rows += _average_rows(b, res.ma_windows)
    rows += _advance_rows(b, res, base)
    rows += _high_low_rows(b, res)
    rows += _volume_rows(b, vol_end)
    table = TableData(
        "breadth",
        f"Breadth of {INDEX} members on {b.day}",
        ("Measure", "Value", "Out of"),
        tuple(rows),
    )
    cmp = _compare_table(b, s, res)
    series = _series(b, s, res)
    return BreadthAnswer(
        query="breadth",
        as_of=uf.day,
        requested_as_of=s.requested,
        params={},
        figures=fs.mapping(),
        tables=(table, cmp),
        series=series,
        notes=tuple(_notes(s, uf, res, base)),
        sources=(uf.price_source, uf.list_file, bars_source(s, INDEX, "adjusted", uf.day)),
        ad_start=base,
        list_date=uf.universe.snapshot_date,
    )
