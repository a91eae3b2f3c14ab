"""``factor_history``: the size factor across a century, point in time.

Six relative series from the Ken French library (SMB from three files, smallest versus
largest decile value- and equal-weighted, smallest versus largest quintile) each get a
summary (growth of the relative line, per year, trailing spreads and their rank in
history, the ongoing leg and calendar-year run). The first series available (SMB from the
monthly three-factor file) and the value-weighted deciles get the details: calendar years,
runs of years led by one side, legs of the line, forward returns by trailing spread, what
followed long runs, and ETF pairs against the factor.

Point in time: with ``as_of`` a French month counts as published at the end of the month
two months later (:data:`capsize.analytics.factors.DEFAULT_PUBLICATION_LAG_MONTHS`), so
the answer never uses a month end the library had not published by that day.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

import pandas as pd

from capsize.analytics import factors as F
from capsize.errors import DataNotFound, InputError
from capsize.queries.result import Cell, FigureSet, QueryResult, SeriesData, TableData, iso
from capsize.queries.session import session_for
from capsize.queries.size._factor_figures import (
    SUMMARY_YEARS,
    SeriesFigures,
    aftermath_table,
    cycles_table,
    forward_table,
    ranks_table,
    series_data,
    streaks_table,
    summary_row,
    tracking_row,
    years_table,
)
from capsize.queries.size._sources import factor_source, join_sources, price_source

if TYPE_CHECKING:
    from capsize.data.store import Store
    from capsize.queries.session import Session

__all__ = ["FACTOR_SERIES", "FactorHistory", "FactorSeries", "factor_history"]


@dataclass(frozen=True)
class FactorSeries:
    """One relative series: where it comes from and how it is formed."""

    key: str
    label: str
    dataset: str
    frequency: str
    columns: tuple[str, ...]
    proxies: tuple[tuple[str, str], ...] = ()
    """ETF pairs (small, large) checked against it when it is detailed."""


FACTOR_SERIES: tuple[FactorSeries, ...] = (
    FactorSeries(
        "smb", "SMB (FF3, monthly)", "FF3", "monthly", ("SMB",), (("IWM", "SPY"), ("IJR", "SPY"))
    ),
    FactorSeries("smb_daily", "SMB (FF3 daily, compounded to months)", "FF3", "daily", ("SMB",)),
    FactorSeries("smb_ff5", "SMB (FF5 2x3, monthly)", "FF5_2x3", "monthly", ("SMB",)),
    FactorSeries(
        "decile_vw",
        "Smallest / largest decile, value-weighted",
        "ME_portfolios_VW",
        "monthly",
        ("Lo 10", "Hi 10"),
        (("IWC", "SPY"), ("IWM", "SPY")),
    ),
    FactorSeries(
        "decile_ew",
        "Smallest / largest decile, equal-weighted",
        "ME_portfolios_EW",
        "monthly",
        ("Lo 10", "Hi 10"),
    ),
    FactorSeries(
        "quintile_vw",
        "Smallest / largest quintile, value-weighted",
        "ME_portfolios_VW",
        "monthly",
        ("Lo 20", "Hi 20"),
    ),
)
"""Every relative series shown, in display order."""

_DETAILED_ALWAYS = "decile_vw"
_MAIN_PROXIES = (("IWM", "SPY"), ("IJR", "SPY"))
_TRACKING_MONTHS = 60


@dataclass(frozen=True)
class FactorHistory(QueryResult):
    """The answer of :func:`factor_history`.

    Figure ids are ``<series>.<name>`` with series keys from :data:`FACTOR_SERIES`
    (``smb.growth``, ``smb.trailing_10y.pctl``, ``smb.cycle.months``,
    ``smb.streak.current.years``, ...). Tables: ``summary``, and for each detailed
    series ``<key>.years``, ``.streaks``, ``.cycles``, ``.ranks``, ``.forward``,
    ``.aftermath``, ``.tracking``. Series: ``<key>.line`` (and ``.rolling_<y>y`` for
    the detailed ones).

    Attributes
    ----------
    main : str
        Key of the main (first available) series.
    detailed : tuple of str
        Keys of the series with detail tables.
    labels : mapping of str to str
        Series key to its name in words, for every series in the answer.
    publication_lag_months : int
        The lag applied with ``as_of``.
    """

    main: str = ""
    detailed: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    publication_lag_months: int = F.DEFAULT_PUBLICATION_LAG_MONTHS


# ---------------------------------------------------------------------------
# reading the series, point in time
# ---------------------------------------------------------------------------


def _complete_months(monthly: pd.DataFrame, daily: pd.DataFrame) -> pd.DataFrame:
    """Drop a last compounded month whose daily data stop before its last business day."""
    if monthly.empty or daily.empty:
        return monthly
    last_day = pd.Timestamp(daily.index[-1])
    label = pd.Timestamp(monthly.index[-1])
    if last_day < pd.offsets.BMonthEnd().rollback(label):
        return monthly.iloc[:-1]
    return monthly


def _frame(s: Session, spec: FactorSeries, notes: list[str]) -> pd.DataFrame | None:
    """Read the dataset's columns, monthly, on or before the session's day (None: not held)."""
    try:
        raw = s.factors(spec.dataset, spec.frequency)
    except DataNotFound:
        msg = f"{spec.dataset} {spec.frequency}: not in the store (run 'capsize data import')"
        if msg not in notes:
            notes.append(msg)
        return None
    if any(c not in raw.columns for c in spec.columns):
        return None
    frame = raw[list(spec.columns)]
    if spec.frequency == "daily":
        monthly = cast("pd.DataFrame", F.compound_to_monthly(frame))
        frame = _complete_months(monthly, frame)
    return frame


def _relative(s: Session, spec: FactorSeries, notes: list[str]) -> F.RelativeSeries | None:
    """Build the series' relative returns published by the session's day (None: none yet)."""
    frame = _frame(s, spec, notes)
    if frame is None:
        return None
    pit = F.point_in_time(frame, s.requested)
    if F.mask_missing_codes(pit).dropna(how="all").empty:
        notes.append(f"{spec.label}: no month published by the day")
        return None
    name = f"{spec.dataset} {spec.frequency}"
    if spec.frequency == "daily":
        name = f"{spec.dataset} daily compounded to months"
    if len(spec.columns) == 1:
        return F.factor_relative_returns(
            frame, spec.columns[0], dataset=name, as_of=s.requested, nan_policy="skip"
        )
    small, large = spec.columns
    return F.portfolio_relative_returns(
        frame, small, large, dataset=name, as_of=s.requested, nan_policy="skip"
    )


# ---------------------------------------------------------------------------
# the answer's parts
# ---------------------------------------------------------------------------


def _tracking(
    s: Session, sf: SeriesFigures, rs: F.RelativeSeries, pairs: tuple[tuple[str, str], ...]
) -> tuple[TableData, list[str]]:
    rows: list[tuple[Cell, ...]] = []
    used: list[str] = []
    held = set(s.symbols())
    for small, large in pairs:
        if small not in held or large not in held:
            continue
        px = s.closes([small, large], basis="adjusted")
        try:
            t = F.etf_tracking(
                rs, px[small], px[large], months=_TRACKING_MONTHS, proxy=f"{small} / {large}"
            )
        except InputError:  # fewer than 3 common months by the day
            continue
        src = join_sources(sf.source, price_source(s, small, large))
        rows.append(tracking_row(sf, t, src))
        used.append(price_source(s, small, large))
    table = TableData(
        f"{sf.key}.tracking",
        f"Cross-check: {sf.label} against ETF pairs, last {_TRACKING_MONTHS} common months",
        (
            "ETF pair vs factor",
            "window",
            "months",
            "correlation",
            "beta",
            "tracking error/yr",
            "factor",
            "ETF pair",
        ),
        tuple(rows),
    )
    return table, used


def _aftermath(sf: SeriesFigures, h: F.SizeFactorHistory, rs: F.RelativeSeries) -> TableData:
    """After runs as long as the current one (at least 2 years; else 3 large-cap years)."""
    cur = h.current_streak
    long_run = cur is not None and cur.years >= 2
    leader = cur.leader if cur is not None and long_run else "large"
    k = cur.years if cur is not None and long_run else 3
    r = rs.returns.loc[pd.DatetimeIndex(rs.returns.index) >= h.provenance.first_date]
    return aftermath_table(sf, F.streak_aftermath(r, k, leader))


def _details(
    s: Session, sf: SeriesFigures, h: F.SizeFactorHistory, rs: F.RelativeSeries, spec: FactorSeries
) -> tuple[list[TableData], list[str]]:
    tables = [
        years_table(sf, h),
        streaks_table(sf, h),
        cycles_table(sf, h),
        ranks_table(sf, h),
        forward_table(sf, h),
        _aftermath(sf, h, rs),
    ]
    pairs = spec.proxies or _MAIN_PROXIES
    track, used = _tracking(s, sf, rs, pairs)
    return [*tables, track], used


def _notes(s: Session, cutoffs: list[pd.Timestamp], threshold: float) -> list[str]:
    lag = F.DEFAULT_PUBLICATION_LAG_MONTHS
    if s.requested is None:
        pit = (
            "No as-of given: every month in the store is used. With --as-of, French data "
            f"count as published {lag} months after the month ends (the library publishes "
            "one to two months late)."
        )
    else:
        cut = F.publication_cutoff(s.requested, lag)
        pit = (
            f"Point in time: French data are published one to two months after the month "
            f"ends; month M counts as published at the end of month M+{lag}, so on "
            f"{iso(s.requested)} the last usable month is {cut:%Y-%m}."
        )
        if cutoffs and max(cutoffs) < cut:
            pit += f" The data in the store stop at {max(cutoffs):%Y-%m}."
    return [
        pit,
        "Relative line = cumulative SMB, or wealth(smallest) / wealth(largest); a rising line "
        "means small caps led. Daily SMB compounded is a daily-rebalanced long-short: over "
        "decades it drifts from the monthly factor; use it for the months the monthly file "
        "does not cover yet.",
        f"A leg of the line ends at a reversal of {threshold:.0%} from its extreme; the "
        "ongoing leg is not a confirmed turn.",
        F.OVERREADING_WARNING,
    ]


@dataclass
class _Parts:
    fs: FigureSet
    summary: list[tuple[Cell, ...]]
    tables: list[TableData]
    series: list[SeriesData]
    sources: list[str]
    labels: dict[str, str]
    detailed: list[str]


def _add_series(
    s: Session,
    parts: _Parts,
    spec: FactorSeries,
    loaded: tuple[F.RelativeSeries, F.SizeFactorHistory],
) -> None:
    rs, h = loaded
    src = factor_source(s, spec.dataset, spec.frequency)
    sf = SeriesFigures(
        parts.fs,
        spec.key,
        spec.label,
        src,
        spec.columns,
        h.provenance.formula,
        h.provenance.first_date,
        h.provenance.last_date,
    )
    parts.summary.append(summary_row(sf, h))
    parts.labels[spec.key] = spec.label
    parts.sources.append(src)
    detailed = not parts.detailed or spec.key == _DETAILED_ALWAYS
    if detailed:
        parts.series += series_data(sf, h, rolling=not parts.detailed)
        tables, used = _details(s, sf, h, rs, spec)
        parts.tables += tables
        parts.sources += used
        parts.detailed.append(spec.key)


def factor_history(
    source: Store | Session,
    as_of: object | None = None,
    *,
    since: int | None = None,
    cycle_threshold: float = 0.25,
) -> FactorHistory:
    """Answer "how have small caps done against large caps across a century?".

    Parameters
    ----------
    source : Store or Session
        The store, or a read session.
    as_of : date-like, optional
        Use only French months published by that day (lag of
        :data:`~capsize.analytics.factors.DEFAULT_PUBLICATION_LAG_MONTHS` months) and
        ETF closes dated on or before it; default all data.
    since : int, optional
        First calendar year of the window (every statistic uses only that window).
    cycle_threshold : float
        Reversal of the relative line (fraction) that confirms a turning point.

    Returns
    -------
    FactorHistory
        ``as_of`` is the last month end used.

    Raises
    ------
    DataNotFound
        When no Ken French size data were published by the day.
    InputError
        When ``since`` leaves no data or ``cycle_threshold`` is not in (0, 1).
    """
    s = session_for(source, as_of)
    if not 0 < cycle_threshold < 1:
        raise InputError(
            f"cycle threshold {cycle_threshold} must be a fraction between 0 and 1, e.g. 0.25"
        )
    notes: list[str] = []
    loaded: list[tuple[FactorSeries, tuple[F.RelativeSeries, F.SizeFactorHistory]]] = []
    for spec in FACTOR_SERIES:
        rs = _relative(s, spec, notes)
        if rs is None:
            continue
        h = F.size_factor_history(
            rs, since=since, rolling_years=(1, 3, 5, 10, 20, 50), cycle_threshold=cycle_threshold
        )
        loaded.append((spec, (rs, h)))
    if not loaded:
        when = "" if s.requested is None else f" published by {iso(s.requested)}"
        raise DataNotFound(
            f"no Ken French size data{when} in the store; run 'capsize data import "
            "/path/to/data' (needs FF3 or Portfolios_Formed_on_ME)"
        )
    last = max(h.provenance.last_date for _, (_, h) in loaded)
    parts = _Parts(FigureSet(last), [], [], [], [], {}, [])
    for spec, pair in loaded:
        _add_series(s, parts, spec, pair)
    summary = TableData(
        "summary",
        "Small vs large caps, Ken French data (growth of the relative line; >1x = small led)",
        (
            "series",
            "window",
            "growth",
            "per year",
            *(f"{y}y/yr" for y in SUMMARY_YEARS),
            "current leg led by",
            "since",
            "months",
            "move",
        ),
        tuple(parts.summary),
    )
    cutoffs = [h.provenance.last_date for _, (_, h) in loaded]
    return FactorHistory(
        query="factor_history",
        as_of=last,
        requested_as_of=s.requested,
        params={
            "since": since,
            "cycle_threshold": cycle_threshold,
            "publication_lag_months": F.DEFAULT_PUBLICATION_LAG_MONTHS,
        },
        figures=parts.fs.mapping(),
        tables=(summary, *parts.tables),
        series=tuple(parts.series),
        notes=tuple(notes + _notes(s, cutoffs, cycle_threshold)),
        sources=tuple(
            dict.fromkeys(p for t in parts.sources for p in t.split("; ") if p != "store")
        ),
        main=loaded[0][0].key,
        detailed=tuple(parts.detailed),
        labels=dict(parts.labels),
    )
