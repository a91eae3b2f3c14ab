"""``rotation_score``: the small-vs-large rotation score, its components, history and evidence.

Policy applied here, once, for every front end (CLI, report, API):

* **Score date**: the last day with both IWM and SPY closes on or before the requested
  day; every input is read on or before it (French months also lagged by
  :data:`~capsize.analytics.factors.DEFAULT_PUBLICATION_LAG_MONTHS` months).
* **Weights**: ``[rotation.weights]`` of ``config.toml`` over the defaults (an explicit
  ``weights`` argument wins).
* **Staleness**: one rule, :func:`capsize.rules.staleness.freshness` with each
  component's data frequency; a stale component is NOT ASSESSED, its weight renormalised
  away, and the result says so (:data:`capsize.rules.staleness.RULE` is in its notes).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from capsize.analytics import factors as F
from capsize.analytics import rotation as R
from capsize.queries.result import (
    Cell,
    Figure,
    FigureSet,
    Provenance,
    QueryResult,
    SeriesData,
    TableData,
    Unit,
    iso,
)
from capsize.queries.session import session_for
from capsize.queries.size._rotation_inputs import (
    LARGE,
    SMALL,
    RotationData,
    read_rotation_data,
    share_sources,
    weights_in_force,
)
from capsize.queries.size._sources import join_sources, split_sources
from capsize.rules import staleness

if TYPE_CHECKING:
    from capsize.data.store import Store
    from capsize.queries.session import Session

__all__ = [
    "HISTORY_START",
    "READING_UNITS",
    "ComponentRow",
    "RotationScoreResult",
    "rotation_score",
]

HISTORY_START = "2001-01-01"
"""First month end of the score's history (IWM prices start in mid-2000)."""

READING_UNITS: dict[str, Unit] = {
    "relative_strength": "fraction",
    "breadth": "fraction",
    "rates_regime": "percent",
    "flows": "fraction",
    "valuation": "fraction",
    "size_factor_regime": "fraction",
}
"""Unit of each component's reading (``percent``: a change of a yield in percentage points)."""

_RULE_SOURCE = "capsize rule (capsize.analytics.rotation.SCORING_RULES)"
_SCORE_FORMULA = (
    "weighted mean of component scores (-2..+2), weights renormalised over the assessed components"
)


@dataclass(frozen=True)
class ComponentRow:
    """One component of the score: its reading, rule, weights and status.

    Attributes
    ----------
    name, label : str
        Component key and name in words.
    status : {"ASSESSED", "NOT ASSESSED"}
        NOT ASSESSED: no reading, or a stale one (``reason`` says which).
    reason, evidence, rule, frequency : str
        Why not assessed; the numbers behind the reading; the rule in words; the data
        frequency the staleness rule applied.
    as_of, first : Timestamp or None
        Last and first data date the reading used.
    reading, score, weight, weight_used, contribution, as_of_figure : Figure
        The reading (kept when stale), its score (None unless assessed), the configured
        weight, the weight after renormalisation, the contribution to the total, and the
        reading's as-of date (unit ``date``).
    thresholds : tuple of 4 Figure
        ``t1 < t2 < t3 < t4`` in the reading's unit.
    higher_favours_small : bool
        Side of the rule.
    """

    name: str
    label: str
    status: str
    reason: str
    evidence: str
    rule: str
    frequency: str
    as_of: pd.Timestamp | None
    first: pd.Timestamp | None
    reading: Figure
    score: Figure
    weight: Figure
    weight_used: Figure
    contribution: Figure
    as_of_figure: Figure
    thresholds: tuple[Figure, ...]
    higher_favours_small: bool


@dataclass(frozen=True)
class RotationScoreResult(QueryResult):
    """The answer of :func:`rotation_score`.

    Figures: ``score``, ``label`` (text), ``assessed_weight``, and per component
    ``<name>.reading``, ``.score``, ``.weight``, ``.weight_used``, ``.contribution``,
    ``.as_of`` (date), ``.status`` (text), ``.threshold.1`` .. ``.threshold.4``; the
    evidence table's figures ``evidence.<bucket>.<h>m.<stat>``. Tables: ``components``,
    ``rules``, ``evidence``. Series: ``history.score``, ``history.n_assessed`` and
    ``history.<component>`` (month ends, point in time).

    Attributes
    ----------
    score : Figure or None
        The total on -2..+2 (value None when nothing is assessed).
    label, headline, disclosure : str
        The verdict in words, one sentence citing every component, and the
        renormalisation disclosure.
    components : tuple of ComponentRow
        In display order.
    weights : mapping
        The configured weights in force; ``weights_origin`` says where they come from.
    history_labels : tuple of str
        The verdict of each month end of ``history.score``.
    """

    score: Figure | None = None
    label: str = ""
    headline: str = ""
    disclosure: str = ""
    components: tuple[ComponentRow, ...] = ()
    weights: Mapping[str, float] = field(default_factory=dict)
    weights_origin: str = ""
    history_labels: tuple[str, ...] = ()

    def component(self, name: str) -> ComponentRow:
        """Return the component ``name`` (a key of :data:`capsize.analytics.rotation.COMPONENTS`)."""
        for c in self.components:
            if c.name == name:
                return c
        raise KeyError(name)


# ---------------------------------------------------------------------------
# components
# ---------------------------------------------------------------------------


@dataclass
class _Ctx:
    fs: FigureSet
    data: RotationData
    origin: str


def _component_source(ctx: _Ctx, c: R.ComponentScore) -> str:
    if c.name == "flows":
        return share_sources(ctx.data, c.first, c.as_of)
    return ctx.data.sources.get(c.name, "store")


def _window(c: R.ComponentScore, day: pd.Timestamp) -> str:
    """Dates the reading used (``as of <day>`` when there is no reading)."""
    if c.as_of is None:
        return f"as of {iso(day)} (no data)"
    return f"{iso(c.first) or iso(c.as_of)}..{iso(c.as_of)}"


def _thresholds(ctx: _Ctx, c: R.ComponentScore) -> tuple[Figure, ...]:
    rule = R.SCORING_RULES[c.name]
    side = "small" if rule.higher_favours_small else "large"
    return tuple(
        ctx.fs.add(
            f"{c.name}.threshold.{i}",
            t,
            READING_UNITS[c.name],
            f"{c.label}: threshold t{i}",
            source=_RULE_SOURCE,
            window=f"as of {ctx.fs.as_of}",
            formula=f"score(v) = -2 if v < t1; -1 if v < t2; 0 if v <= t3; +1 if v <= t4; "
            f"+2 otherwise; a higher value favours {side} caps",
        )
        for i, t in enumerate(rule.thresholds, start=1)
    )


def _component(ctx: _Ctx, c: R.ComponentScore) -> ComponentRow:
    src, win = _component_source(ctx, c), _window(c, ctx.data.day)
    syms = ctx.data.symbols.get(c.name, ())
    why = c.reason or "not assessed"

    def add(
        suffix: str,
        value: float | int | None,
        unit: Unit,
        label: str,
        formula: str,
        note: str = "",
        source: str | None = None,
    ) -> Figure:
        return ctx.fs.add(
            f"{c.name}.{suffix}",
            value,
            unit,
            f"{c.label}: {label}",
            source=src if source is None else source,
            symbols=syms,
            window=win,
            formula=formula,
            note=note,
        )

    reading = add(
        "reading",
        c.value,
        READING_UNITS[c.name],
        "reading",
        R.SCORING_RULES[c.name].units,
        note=c.reason,
    )
    score = add(
        "score",
        c.score,
        "score",
        "score (-2 favours large caps, +2 small caps)",
        c.rule,
        note=why if c.score is None else "",
    )
    weight = add(
        "weight",
        c.weight,
        "fraction",
        "configured weight",
        f"weight from {ctx.origin}",
        source=_RULE_SOURCE,
    )
    used = add(
        "weight_used",
        c.weight_used,
        "fraction",
        "weight used",
        "configured weight / sum of the assessed components' weights (0 when not "
        f"assessed); weights from {ctx.origin}",
    )
    contrib = add(
        "contribution", c.contribution, "score", "contribution to the score", "weight used x score"
    )
    day = add(
        "as_of",
        None if c.as_of is None else c.as_of.toordinal(),
        "date",
        "last data date of the reading",
        "date of the last observation used",
        note=iso(c.as_of) or "no reading",
    )
    add("status", None, "text", "status", f"staleness rule for {c.frequency} data", note=c.status)
    return ComponentRow(
        c.name,
        c.label,
        c.status,
        c.reason,
        c.evidence,
        c.rule,
        c.frequency,
        c.as_of,
        c.first,
        reading,
        score,
        weight,
        used,
        contrib,
        day,
        _thresholds(ctx, c),
        R.SCORING_RULES[c.name].higher_favours_small,
    )


def _components_table(rows: tuple[ComponentRow, ...]) -> TableData:
    cells: list[tuple[Cell, ...]] = [
        (
            c.label,
            c.status,
            c.reading,
            c.score,
            c.weight,
            c.weight_used,
            c.contribution,
            iso(c.as_of) or "",
            c.evidence or c.reason,
        )
        for c in rows
    ]
    return TableData(
        "components",
        "Rotation score components (each -2..+2; + favours small caps)",
        (
            "component",
            "status",
            "reading",
            "score",
            "weight",
            "used",
            "contribution",
            "as of",
            "evidence",
        ),
        tuple(cells),
    )


def _rules_table(rows: tuple[ComponentRow, ...]) -> TableData:
    cells = [
        (
            c.label,
            R.SCORING_RULES[c.name].units,
            *c.thresholds,
            "small caps" if c.higher_favours_small else "large caps",
            c.frequency,
        )
        for c in rows
    ]
    return TableData(
        "rules",
        "Scoring rules: score -2 below t1, -1 below t2, 0 up to t3, +1 up to t4, +2 above",
        ("component", "reading", "t1", "t2", "t3", "t4", "higher favours", "data frequency"),
        tuple(cells),
    )


# ---------------------------------------------------------------------------
# history and evidence
# ---------------------------------------------------------------------------


def _history_sources(d: RotationData) -> str:
    shares = (
        ""
        if d.share_sources is None
        else "; ".join(dict.fromkeys(str(x) for x in d.share_sources.loc[: d.day]))
    )
    keys = ("relative_strength", "rates_regime", "size_factor_regime")
    return join_sources(*(d.sources.get(k, "") for k in keys), shares)


_EVIDENCE_COLUMNS = ("readings", "independent", "mean", "median", "small won", "rank corr.")
_EVIDENCE_STATS: tuple[tuple[str, Unit, str], ...] = (
    ("n_obs", "count", "month-end readings with a complete forward window"),
    ("n_independent", "count", "non-overlapping forward windows"),
    ("mean", "fraction", "mean forward small-minus-large return"),
    ("median", "fraction", "median forward small-minus-large return"),
    ("hit_rate", "fraction", "share of windows in which small caps won"),
    ("rank_corr", "ratio", "Spearman rank correlation of score and forward return (all buckets)"),
)


def _evidence_table(fs: FigureSet, ev: R.ScoreEvidence, src: str) -> TableData:
    rows: list[tuple[Cell, ...]] = []
    labels = list(dict.fromkeys(str(b) for b in ev.table["bucket"]))
    win = f"{iso(ev.first)}..{iso(ev.last)}"
    for _, t in ev.table.iterrows():
        b, h = labels.index(str(t["bucket"])), int(t["horizon_months"])
        cells: list[Cell] = [str(t["bucket"]), f"{h} months"]
        for stat, unit, words in _EVIDENCE_STATS:
            v = t[stat]
            value = int(v) if unit == "count" else float(v)
            cells.append(
                fs.add(
                    f"evidence.{b}.{h}m.{stat}",
                    value,
                    unit,
                    f"{words}, next {h} months, score {t['bucket']}",
                    source=src,
                    symbols=(SMALL, LARGE),
                    window=win,
                    formula=f"forward return = (S[t+{h}m] / S[t]) / (L[t+{h}m] / L[t]) - 1 "
                    "on month-end adjusted closes after each past score",
                    note="too few readings" if math.isnan(value) else "",
                )
            )
        rows.append(tuple(cells))
    return TableData(
        "evidence",
        f"Past scores ({ev.first:%Y-%m}..{ev.last:%Y-%m}) and the small-minus-large "
        f"({SMALL}/{LARGE}) return that followed",
        ("score", "ahead", *_EVIDENCE_COLUMNS),
        tuple(rows),
    )


@dataclass
class _History:
    series: list[SeriesData]
    labels: tuple[str, ...]
    tables: list[TableData]
    notes: list[str]


def _history(fs: FigureSet, d: RotationData, weights: dict[str, float]) -> _History:
    out = _History([], (), [], [])
    if d.inputs.small_prices is None or d.inputs.large_prices is None:
        return out
    dates = pd.date_range(HISTORY_START, d.day, freq="ME")
    if not len(dates):
        return out
    inputs = R.RotationInputs(
        d.inputs.small_prices,
        d.inputs.large_prices,
        d.inputs.yields_2y,
        d.inputs.ff_monthly,
        None,
        d.inputs.small_shares,
    )
    hist = R.rotation_history(inputs, dates, weights=weights)
    frame = hist.frame.dropna(subset=["score"])
    if frame.empty:
        return out
    src = _history_sources(d)
    prov = Provenance(
        src,
        (SMALL, LARGE, "DGS2", "SMB"),
        f"{iso(frame.index[0])}..{iso(frame.index[-1])}",
        fs.as_of,
        f"{_SCORE_FORMULA}; each month end scored with only the data available that day; "
        "breadth excluded",
    )
    out.series.append(
        SeriesData.from_series(
            "history.score", "rotation score at month ends", "score", frame["score"], prov
        )
    )
    out.series.append(
        SeriesData.from_series(
            "history.n_assessed",
            "components assessed",
            "count",
            frame["n_assessed"].astype(float),
            prov,
        )
    )
    for c in R.COMPONENTS:
        out.series.append(
            SeriesData.from_series(
                f"history.{c}",
                f"{R.SCORING_RULES[c].label} score",
                "score",
                frame[c].astype(float),
                prov,
            )
        )
    out.labels = tuple(str(x) for x in frame["label"])
    out.notes.append(
        "History: monthly, each score built only from data available that day; breadth is "
        f"excluded (the {SMALL} member lists start in 2025)."
    )
    if len(frame) > 2:
        ev = R.score_forward_returns(hist, d.inputs.small_prices, d.inputs.large_prices)
        out.tables.append(
            _evidence_table(fs, ev, join_sources(d.sources.get("relative_strength", "")))
        )
        out.notes.append(ev.warning)
    return out


# ---------------------------------------------------------------------------
# the query
# ---------------------------------------------------------------------------


def _total(
    fs: FigureSet, sc: R.RotationScore, rows: tuple[ComponentRow, ...], d: RotationData
) -> Figure:
    used = [c for c in rows if c.status == "ASSESSED"]
    src = join_sources(*(c.reading.provenance.source for c in used))
    syms = tuple(dict.fromkeys(x for c in used for x in c.reading.provenance.symbols))
    firsts = [c.first or c.as_of for c in used if c.as_of is not None]
    win = f"{iso(min(firsts))}..{iso(d.day)}" if firsts else f"as of {iso(d.day)}"
    value = sc.score if math.isfinite(sc.score) else None
    fs.add(
        "label",
        None,
        "text",
        "rotation score in words",
        source=_RULE_SOURCE,
        window=f"as of {fs.as_of}",
        formula=">= +1.25 strongly favours small caps; >= +0.5 leans small caps; <= -1.25 "
        "strongly favours large caps; <= -0.5 leans large caps; otherwise neutral",
        note=sc.label,
    )
    fs.add(
        "assessed_weight",
        sc.assessed_weight,
        "fraction",
        "sum of the configured weights of the assessed components",
        source=_RULE_SOURCE,
        window=f"as of {fs.as_of}",
        formula="sum of configured weights over assessed components",
    )
    return fs.add(
        "score",
        value,
        "score",
        "rotation score (-2 favours large caps, +2 small caps)",
        source=src,
        symbols=syms,
        window=win,
        formula=_SCORE_FORMULA,
        note="" if value is not None else sc.disclosure,
    )


def rotation_score(
    source: Store | Session,
    as_of: object | None = None,
    *,
    weights: Mapping[str, float] | None = None,
    history: bool = True,
) -> RotationScoreResult:
    """Answer "do the signals favour small or large caps now?" with a -2..+2 score.

    Parameters
    ----------
    source : Store or Session
        The store, or a read session.
    as_of : date-like, optional
        Score on the last IWM/SPY close on or before this day, from data available then;
        default the latest close.
    weights : mapping, optional
        Component weights; default ``[rotation.weights]`` of ``config.toml`` over
        :data:`~capsize.analytics.rotation.DEFAULT_WEIGHTS`.
    history : bool
        Also score every month end since :data:`HISTORY_START` and tabulate what followed.

    Returns
    -------
    RotationScoreResult

    Raises
    ------
    InputError
        When the configured or given weights name an unknown component or are negative.
    DataNotFound
        When no day can be scored (no IWM/SPY closes and no ``as_of``).
    """
    s = session_for(source, as_of)
    w, origin = weights_in_force(s, weights)
    d = read_rotation_data(s)
    sc = R.rotation_score(
        R.build_readings(d.inputs, d.day), as_of=d.day, weights=w, missing=d.missing
    )
    fs = FigureSet(d.day)
    ctx = _Ctx(fs, d, origin)
    rows = tuple(_component(ctx, c) for c in sc.components)
    total = _total(fs, sc, rows, d)
    hist = _history(fs, d, w) if history else _History([], (), [], [])
    notes = [
        sc.disclosure,
        f"Staleness: {staleness.RULE}",
        f"Weights: {origin}.",
        f"French data count as published {F.DEFAULT_PUBLICATION_LAG_MONTHS} months after the "
        "month ends (the library publishes one to two months late).",
        *d.notes,
        *hist.notes,
    ]
    sources = [p for c in rows for p in split_sources(c.reading.provenance.source)]
    sources += split_sources(_history_sources(d)) if history else []
    return RotationScoreResult(
        query="rotation_score",
        as_of=d.day,
        requested_as_of=s.requested,
        params={"weights": w, "history": history},
        figures=fs.mapping(),
        tables=(_components_table(rows), _rules_table(rows), *hist.tables),
        series=tuple(hist.series),
        notes=tuple(notes),
        sources=tuple(dict.fromkeys(sources)),
        score=total,
        label=sc.label,
        headline=sc.headline(),
        disclosure=sc.disclosure,
        components=rows,
        weights=w,
        weights_origin=origin,
        history_labels=hist.labels,
    )
