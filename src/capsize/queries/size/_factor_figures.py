"""Figures and tables of one relative series' history (the ``factor_history`` answer's parts).

Every number becomes a :class:`~capsize.queries.result.Figure` built here, where it is
computed from the analytics result, with the series' provenance (source files, columns,
window of months used, formula). Ids are prefixed with the series key (``smb.``,
``decile_vw.``, ...).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from capsize.queries.result import (
    Cell,
    Figure,
    FigureSet,
    Provenance,
    SeriesData,
    TableData,
    Unit,
    iso,
)

if TYPE_CHECKING:
    from capsize.analytics import factors as F

__all__ = [
    "RANK_YEARS",
    "ROLLING_YEARS",
    "STREAKS_SHOWN",
    "SUMMARY_YEARS",
    "SeriesFigures",
    "aftermath_table",
    "cycles_table",
    "forward_table",
    "rank_figures",
    "ranks_table",
    "series_data",
    "streaks_table",
    "summary_row",
    "tracking_row",
    "years_table",
]

RANK_YEARS: tuple[int, ...] = (1, 3, 5, 10, 20, 50)
"""Trailing windows (years) whose spread is ranked among every month in history."""

SUMMARY_YEARS: tuple[int, ...] = (1, 3, 5, 10)
"""Trailing windows shown in the summary table."""

ROLLING_YEARS: tuple[int, ...] = (5, 10)
"""Trailing windows whose rolling spread is returned as a series (main series only)."""

STREAKS_SHOWN = 5
"""Runs of calendar years listed per leader, longest first."""

_WHO = {"small": "small caps", "large": "large caps", "tie": "tie"}


@dataclass
class SeriesFigures:
    """Adds the figures of one series with its provenance filled in.

    Attributes
    ----------
    fs : FigureSet
        The answer's figures (stamped with its as-of).
    key : str
        Series key, the prefix of every id.
    label : str
        Series name in words.
    source : str
        Source files.
    symbols : tuple of str
        Columns used (``("SMB",)``, ``("Lo 10", "Hi 10")``).
    formula : str
        How the relative return is formed.
    first, last : Timestamp
        First and last month used.
    """

    fs: FigureSet
    key: str
    label: str
    source: str
    symbols: tuple[str, ...]
    formula: str
    first: pd.Timestamp
    last: pd.Timestamp
    figs: dict[str, Figure] = field(default_factory=dict)

    @property
    def window(self) -> str:
        """The months used, ``first..last`` (ISO month ends)."""
        return f"{iso(self.first)}..{iso(self.last)}"

    def add(
        self,
        suffix: str,
        value: float | int | None,
        unit: Unit,
        label: str,
        formula: str,
        *,
        window: str | None = None,
        note: str = "",
        symbols: tuple[str, ...] | None = None,
        source: str | None = None,
    ) -> Figure:
        """Add the figure ``<key>.<suffix>`` (NaN values become None with ``note``)."""
        if isinstance(value, float) and not math.isfinite(value):
            value = None
        return self.fs.add(
            f"{self.key}.{suffix}",
            value,
            unit,
            f"{self.label}: {label}",
            source=source or self.source,
            symbols=symbols or self.symbols,
            window=window or self.window,
            formula=f"{formula}; relative return = {self.formula}",
            note=note if value is None else "",
        )


# ---------------------------------------------------------------------------
# figures every series gets
# ---------------------------------------------------------------------------


def rank_figures(sf: SeriesFigures, h: F.SizeFactorHistory) -> dict[int, tuple[Figure, ...]]:
    """Trailing spreads and their rank in history: (cum, ann, rank, n, pctl) per window."""
    ranks = {r.years: r for r in h.ranks}
    out: dict[int, tuple[Figure, ...]] = {}
    for y in RANK_YEARS:
        r = ranks.get(y)
        short = f"fewer than {12 * y} months in the window"
        win = (
            None if r is None else f"{iso(r.date - pd.offsets.MonthEnd(12 * y - 1))}..{iso(r.date)}"
        )
        hist = None if r is None else f"{r.n} trailing windows to {iso(r.date)}"
        p = f"trailing_{y}y"
        out[y] = (
            sf.add(
                f"{p}.cum",
                None if r is None else r.value,
                "fraction",
                f"cumulative relative return, last {y} years",
                "prod(1 + rel) - 1 over the window",
                window=win,
                note=short,
            ),
            sf.add(
                f"{p}.ann",
                None if r is None else r.annualised,
                "fraction",
                f"relative return per year, last {y} years",
                f"(1 + cumulative)^(1/{y}) - 1",
                window=win,
                note=short,
            ),
            sf.add(
                f"{p}.rank",
                None if r is None else r.rank,
                "count",
                f"rank of the trailing {y}-year spread (1 = most favourable to large caps)",
                "1 + number of windows with a lower spread",
                window=hist,
                note=short,
            ),
            sf.add(
                f"{p}.n",
                None if r is None else r.n,
                "count",
                f"trailing {y}-year windows in history",
                "count of monthly windows",
                window=hist,
                note=short,
            ),
            sf.add(
                f"{p}.pctl",
                None if r is None else r.percentile,
                "fraction",
                f"percentile of the trailing {y}-year spread among all windows",
                "share of windows with a spread at or below the latest",
                window=hist,
                note=short,
            ),
        )
    return out


def _current_cycle(sf: SeriesFigures, h: F.SizeFactorHistory) -> tuple[Cell, Cell, Cell, Cell]:
    """Figures of the ongoing leg; cells (leader, since, months, move) for the summary."""
    cur = h.current_cycle
    none = "no turning point yet"
    thr = f"turn = reversal of {h.cycle_threshold:.0%} of the relative line"
    win = None if cur is None else f"{iso(cur.start)}..{iso(cur.end)}"
    months = sf.add(
        "cycle.months",
        None if cur is None else cur.months,
        "count",
        "months of the ongoing leg",
        f"months since the last turn ({thr})",
        window=win,
        note=none,
    )
    move = sf.add(
        "cycle.magnitude",
        None if cur is None else cur.magnitude,
        "fraction",
        "change of the relative line over the ongoing leg",
        "line_end / line_start - 1",
        window=win,
        note=none,
    )
    rank = h.cycle_rank()
    sf.add(
        "cycle.rank",
        None if rank is None else rank[0],
        "count",
        "rank of the ongoing leg by length among legs led by the same side (1 = longest)",
        f"legs between turns ({thr})",
        note=none,
    )
    sf.add(
        "cycle.n",
        None if rank is None else rank[1],
        "count",
        "legs led by the same side as the ongoing one",
        f"count of legs ({thr})",
        note=none,
    )
    if cur is None:
        return "n/a", "", months, move
    return _WHO[cur.leader], cur.start.strftime("%Y-%m"), months, move


def _current_streak(sf: SeriesFigures, h: F.SizeFactorHistory) -> None:
    cur = h.current_streak
    if cur is None:
        return
    win = f"{cur.start_year}..{cur.end_year} (calendar years)"
    sf.add(
        "streak.current.years",
        cur.years,
        "count",
        f"calendar years in a row led by {_WHO[cur.leader]} (current run)",
        "consecutive complete calendar years with the same leader",
        window=win,
    )
    sf.add(
        "streak.current.cumulative",
        cur.cumulative,
        "fraction",
        f"relative return over the current run led by {_WHO[cur.leader]}",
        "prod(1 + yearly relative) - 1 over the run",
        window=win,
    )


def summary_row(sf: SeriesFigures, h: F.SizeFactorHistory) -> tuple[Cell, ...]:
    """Build the series' summary row: growth, per year, trailing spreads, ongoing leg."""
    n = len(h.line)
    growth = float(h.line.iloc[-1])
    g = sf.add(
        "growth",
        growth,
        "ratio",
        "growth of the relative line (small / large wealth)",
        "prod(1 + rel)",
    )
    sf.add(
        "cumulative",
        growth - 1.0,
        "fraction",
        "cumulative relative return over the window",
        "prod(1 + rel) - 1",
    )
    a = sf.add(
        "annualised",
        growth ** (12.0 / n) - 1.0,
        "fraction",
        "relative return per year over the window",
        "growth^(12 / months) - 1",
    )
    ranks = rank_figures(sf, h)
    leader, since, months, move = _current_cycle(sf, h)
    _current_streak(sf, h)
    trailing = [ranks[y][1] for y in SUMMARY_YEARS]
    window = f"{sf.first:%Y-%m}..{sf.last:%Y-%m}"
    return (sf.label, window, g, a, *trailing, leader, since, months, move)


# ---------------------------------------------------------------------------
# tables of the detailed series
# ---------------------------------------------------------------------------


def years_table(sf: SeriesFigures, h: F.SizeFactorHistory) -> TableData:
    """Tabulate the relative return of every calendar year (the last may be year to date)."""
    rows: list[tuple[Cell, ...]] = []
    for year, r in h.years.iterrows():
        y = int(str(year))
        first = max(sf.first, pd.Timestamp(f"{y}-01-31"))
        win = f"{iso(first)}..{iso(min(sf.last, pd.Timestamp(f'{y}-12-31')))}"
        rel = sf.add(
            f"year.{y}",
            float(r["relative"]),
            "fraction",
            f"relative return in {y}",
            "prod(1 + rel) - 1 over the year's months",
            window=win,
        )
        status = "complete"
        if not bool(r["complete"]):
            status = "partial"
            sf.add(
                f"year.{y}.months",
                int(r["months"]),
                "count",
                f"months of {y} in the window",
                "count of months",
                window=win,
            )
        rows.append((str(y), rel, _WHO[str(r["leader"])], status))
    return TableData(
        f"{sf.key}.years",
        f"{sf.label}: calendar years (a partial year: its months are a figure)",
        ("year", "small minus large", "led by", "status"),
        tuple(rows),
    )


def streaks_table(sf: SeriesFigures, h: F.SizeFactorHistory) -> TableData:
    """Tabulate the runs of calendar years led by one side, longest first."""
    rows: list[tuple[Cell, ...]] = []
    longest = [s for s in h.streaks if s.leader == "large"][:STREAKS_SHOWN]
    longest += [s for s in h.streaks if s.leader == "small"][:STREAKS_SHOWN]
    for s in longest:
        win = f"{s.start_year}..{s.end_year} (calendar years)"
        p = f"streak.{s.leader}.{s.start_year}"
        yrs = sf.add(
            f"{p}.years",
            s.years,
            "count",
            f"calendar years in a row led by {_WHO[s.leader]} from {s.start_year}",
            "consecutive complete calendar years with the same leader",
            window=win,
        )
        cum = sf.add(
            f"{p}.cumulative",
            s.cumulative,
            "fraction",
            f"relative return over the run from {s.start_year}",
            "prod(1 + yearly relative) - 1 over the run",
            window=win,
        )
        rows.append(
            (
                _WHO[s.leader],
                f"{s.start_year}-{s.end_year}",
                yrs,
                cum,
                "ongoing" if s.ongoing else "",
            )
        )
    return TableData(
        f"{sf.key}.streaks",
        f"{sf.label}: the {STREAKS_SHOWN} longest runs of calendar years led by large caps, "
        "then by small caps (complete years)",
        ("led by", "years", "length", "cumulative", "status"),
        tuple(rows),
    )


def cycles_table(sf: SeriesFigures, h: F.SizeFactorHistory) -> TableData:
    """Legs of the relative line between turning points."""
    rows: list[tuple[Cell, ...]] = []
    for i, c in enumerate(h.cycles):
        win = f"{iso(c.start)}..{iso(c.end)}"
        months = sf.add(
            f"cycle.{i}.months",
            c.months,
            "count",
            f"months of leg {i + 1}",
            "months between the leg's turning points",
            window=win,
        )
        move = sf.add(
            f"cycle.{i}.magnitude",
            c.magnitude,
            "fraction",
            f"change of the relative line over leg {i + 1}",
            "line_end / line_start - 1",
            window=win,
        )
        rows.append(
            (
                _WHO[c.leader],
                c.start.strftime("%Y-%m"),
                c.end.strftime("%Y-%m"),
                months,
                move,
                "ongoing" if c.ongoing else "",
            )
        )
    return TableData(
        f"{sf.key}.cycles",
        f"{sf.label}: legs of the relative line (turning point = {h.cycle_threshold:.0%} reversal)",
        ("led by", "from", "to", "months", "move", "status"),
        tuple(rows),
    )


def ranks_table(sf: SeriesFigures, h: F.SizeFactorHistory) -> TableData:
    """Where the trailing spreads rank among every month in history."""
    rows: list[tuple[Cell, ...]] = []
    for y in RANK_YEARS:
        p = f"{sf.key}.trailing_{y}y"
        cum, ann, rank, n, pctl = (sf.fs[f"{p}.{s}"] for s in ("cum", "ann", "rank", "n", "pctl"))
        rows.append((f"{y} year{'s' if y > 1 else ''}", cum, ann, rank, n, pctl))
    return TableData(
        f"{sf.key}.ranks",
        f"{sf.label}: trailing spreads to {sf.last:%Y-%m} ranked among all months",
        ("window", "cumulative", "per year", "rank (1 = most large-cap)", "of", "percentile"),
        tuple(rows),
    )


_FORWARD_STATS: tuple[tuple[str, Unit, str, str], ...] = (
    ("n_months", "count", "months in the bucket with a complete forward window", "count"),
    ("n_independent", "count", "non-overlapping forward windows", "greedy count, earliest first"),
    ("n_episodes", "count", "separate runs of months in the bucket", "count of runs"),
    ("mean_ann", "fraction", "mean forward relative return per year", "mean of annualised"),
    ("median_ann", "fraction", "median forward relative return per year", "median of annualised"),
    ("hit_rate", "fraction", "share of windows in which small caps won", "mean(forward > 0)"),
    ("worst", "fraction", "worst forward relative return", "min over windows (cumulative)"),
    ("best", "fraction", "best forward relative return", "max over windows (cumulative)"),
)


def forward_table(sf: SeriesFigures, h: F.SizeFactorHistory) -> TableData:
    """Forward relative returns by bucket of the trailing spread (``*`` = today's bucket)."""
    fw = h.forward
    look = fw.lookback_months
    rows: list[tuple[Cell, ...]] = []
    labels = list(dict.fromkeys(str(b) for b in fw.table["bucket"]))
    for _, t in fw.table.iterrows():
        b, hz = labels.index(str(t["bucket"])), int(t["horizon_months"])
        cells: list[Cell] = [str(t["bucket"]), f"{hz} months"]
        for stat, unit, words, formula in _FORWARD_STATS:
            cells.append(
                sf.add(
                    f"forward.{b}.{hz}m.{stat}",
                    float(t[stat]) if unit == "fraction" else int(t[stat]),
                    unit,
                    f"{words}, next {hz} months, trailing {look // 12}-year spread {t['bucket']}",
                    f"{formula}; trailing spread annualised over {look} months",
                    note="no complete window",
                )
            )
        cells.append("*" if t["bucket"] == fw.current_bucket else "")
        rows.append(tuple(cells))
    cols = (
        "trailing spread per year",
        "ahead",
        "months",
        "independent",
        "episodes",
        "mean/yr",
        "median/yr",
        "small won",
        "worst",
        "best",
        "today",
    )
    return TableData(
        f"{sf.key}.forward",
        f"{sf.label}: forward relative returns by trailing {look // 12}-year spread",
        cols,
        tuple(rows),
    )


def aftermath_table(sf: SeriesFigures, am: F.StreakAftermath) -> TableData:
    """Tabulate what followed runs of ``min_years`` calendar years led by one side."""
    rows: list[tuple[Cell, ...]] = []
    hz = am.horizons_years
    for _, t in am.table.iterrows():
        start, run = int(t["start_year"]), int(t["run_years"])
        win = f"{start}..{start + run - 1} (calendar years)"
        cells: list[Cell] = [f"{start}-{start + run - 1}"]
        cells.append(
            sf.add(
                f"aftermath.{start}.years",
                run,
                "count",
                f"length of the {_WHO[am.leader]}-led run from {start}",
                "consecutive complete calendar years",
                window=win,
            )
        )
        cells.append(str(int(t["trigger_year"])))
        for h in hz:
            cells.append(
                sf.add(
                    f"aftermath.{start}.next_{h}y",
                    float(t[f"fwd_{h}y"]),
                    "fraction",
                    f"relative return over the {h} calendar years after the run "
                    f"from {start} reached {am.min_years} years",
                    "prod(1 + yearly relative) - 1",
                    window=win,
                    note="not yet",
                )
            )
        rows.append(tuple(cells))
    return TableData(
        f"{sf.key}.aftermath",
        f"{sf.label}: after {am.min_years} calendar years running of {am.leader}-cap "
        "leadership, small minus large over the following years",
        ("run", "years", f"year {am.min_years} reached", *(f"next {h}y" for h in hz)),
        tuple(rows),
    )


_TRACK_STATS: tuple[tuple[str, Unit, str, str], ...] = (
    ("n_months", "count", "months compared", "count of common complete months"),
    ("correlation", "ratio", "correlation of monthly relative returns", "Pearson"),
    ("beta", "ratio", "beta of the ETF pair on the factor", "cov(factor, ETF) / var(factor)"),
    ("tracking_error", "fraction", "tracking error per year", "std(ETF - factor) * sqrt(12)"),
    ("factor_cumulative", "fraction", "factor's cumulative relative return", "prod(1 + f) - 1"),
    ("proxy_cumulative", "fraction", "ETF pair's cumulative relative return", "prod(1 + e) - 1"),
)


def tracking_row(sf: SeriesFigures, t: F.TrackingResult, source: str) -> tuple[Cell, ...]:
    """One ETF pair against the factor over the last common months."""
    small, large = t.proxy.split(" / ")
    win = f"{iso(t.start)}..{iso(t.end)}"
    cells: list[Cell] = [f"{t.proxy} vs {t.factor}", f"{t.start:%Y-%m}..{t.end:%Y-%m}"]
    for stat, unit, words, formula in _TRACK_STATS:
        value = getattr(t, stat)
        cells.append(
            sf.add(
                f"tracking.{small}_{large}.{stat}",
                value,
                unit,
                f"{t.proxy}: {words}",
                f"{formula}; ETF relative = (1 + r_{small}) / (1 + r_{large}) - 1 on "
                "month-end adjusted closes",
                window=win,
                source=source,
                symbols=(*sf.symbols, small, large),
            )
        )
    return tuple(cells)


def series_data(sf: SeriesFigures, h: F.SizeFactorHistory, rolling: bool) -> list[SeriesData]:
    """Return the cumulative line and (``rolling``) the trailing annualised spreads."""
    prov = Provenance(
        sf.source,
        sf.symbols,
        sf.window,
        sf.fs.as_of,
        f"prod(1 + rel); relative return = {sf.formula}",
    )
    out = [
        SeriesData.from_series(
            f"{sf.key}.line", f"{sf.label}: growth of the relative line", "ratio", h.line, prov
        )
    ]
    if rolling:
        for y in ROLLING_YEARS:
            roll = h.rolling[y]["annualised"].dropna()
            out.append(
                SeriesData.from_series(
                    f"{sf.key}.rolling_{y}y",
                    f"{sf.label}: trailing {y}-year spread per year",
                    "fraction",
                    roll,
                    prov,
                )
            )
    return out
