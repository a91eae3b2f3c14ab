"""The ``valuation`` question: P/E, loss-makers and earnings growth of small vs large, with coverage."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from capsize.analytics.valuation import SegmentValuation, valuation_by_segment
from capsize.errors import DataNotFound
from capsize.queries.result import Cell, FigureSet, QueryResult, TableData, Unit
from capsize.queries.session import session_for
from capsize.queries.stocks.sec import SecSource, sec_source
from capsize.queries.stocks.universe import Gathered, bar_sources, gather, source_summary
from capsize.stocks.gather import DEFAULT_INDEX_CAP, estimate_note, valuation_inputs

if TYPE_CHECKING:
    from capsize.data.store import Store
    from capsize.queries.session import Session

__all__ = ["VALUATION_FIGURES", "ValuationResult", "valuation"]

VALUATION_FIGURES: dict[str, tuple[Unit, str, str]] = {
    "n_holdings": (
        "count",
        "equity holdings",
        "holdings of the fund's latest file on or before as-of",
    ),
    "n_covered": ("count", "holdings with market cap and earnings", "count"),
    "coverage_weight": (
        "fraction",
        "share of the fund's weight covered",
        "sum(weight of covered holdings) / sum(weight)",
    ),
    "pe_aggregate": (
        "ratio",
        "aggregate P/E, loss-makers included",
        "sum(w) / sum(w x E / M) over covered holdings (weighted harmonic mean)",
    ),
    "pe_aggregate_ex_losses": (
        "ratio",
        "aggregate P/E of profitable holdings",
        "sum(w) / sum(w x E / M) over covered holdings with E > 0",
    ),
    "pe_median": ("ratio", "median P/E of profitable holdings", "median(M / E) over E > 0"),
    "loss_share_count": (
        "fraction",
        "loss-makers, by count",
        "share of covered holdings with E <= 0",
    ),
    "loss_share_weight": (
        "fraction",
        "loss-makers, by weight",
        "covered weight with E <= 0 / covered weight",
    ),
    "growth_aggregate": (
        "fraction",
        "aggregate earnings growth",
        "sum(w x E / M) / sum(w x E_prior / M) - 1, holdings fixed",
    ),
    "growth_median": (
        "fraction",
        "median earnings growth",
        "median(E / E_prior - 1) over E_prior > 0",
    ),
    "growth_coverage_weight": (
        "fraction",
        "share of weight with current and prior earnings",
        "sum(weight with E and E_prior) / sum(weight)",
    ),
    "estimated_cap_weight": (
        "fraction",
        "covered weight whose market cap is an estimate",
        "holdings-implied caps (assumed index cap) / covered weight",
    ),
}
"""Figure of a segment -> (unit, label, formula); see :mod:`capsize.analytics.valuation`."""

DISCLAIMER = "Information, not investment advice."


@dataclass(frozen=True)
class ValuationResult(QueryResult):
    """Answer of :func:`valuation`.

    Figures ``<segment>.<name>`` for segments ``small`` and ``large`` and each name of
    :data:`VALUATION_FIGURES`; table ``segments`` (one row per segment assessed). A
    segment whose fund has no holdings on or before the day is named in the notes as
    NOT ASSESSED.

    Attributes
    ----------
    segments : tuple of str
        Keys of the segments assessed (``"small"``, ``"large"``).
    """

    segments: tuple[str, ...] = ()


def _gather_funds(
    s: Session,
    funds: dict[str, str],
    src: SecSource,
    index_cap: float,
    progress: Callable[[int, int], None] | None,
) -> tuple[dict[str, Gathered], dict[str, str]]:
    got: dict[str, Gathered] = {}
    missing: dict[str, str] = {}
    for key, fund in funds.items():
        try:
            got[key] = gather(s, None, sec=src, fund=fund, index_cap=index_cap, progress=progress)
        except DataNotFound as exc:
            missing[f"{key} ({fund})"] = str(exc)
    return got, missing


def _provenance(s: Session, g: Gathered, label: str) -> tuple[str, str]:
    hold = g.inputs.holdings
    files = source_summary([bar_sources(s, ev.ticker) for ev in g.evidence if ev.close is not None])
    parts = [str(hold.attrs.get("source", g.inputs.fund)) if hold is not None else g.inputs.fund]
    parts += [*files, f"SEC: {label}"]
    hday = g.inputs.holdings_as_of
    window = (
        f"holdings {hday:%Y-%m-%d}; " if hday is not None else ""
    ) + f"prices and filings to {g.inputs.as_of:%Y-%m-%d}"
    return "; ".join(parts), window


_WHY: dict[str, str] = {
    "pe_aggregate": "aggregate earnings",
    "growth_aggregate": "prior",
    "growth_median": "prior",
}
"""Figure -> a word of the segment note that explains why it is missing."""


def _why(v: SegmentValuation, name: str) -> str:
    """Reason a segment figure is missing ("" when it is a number)."""
    value = getattr(v, name)
    if isinstance(value, (int, float)) and value == value:
        return ""
    key = _WHY.get(name, "P/E undefined" if name.startswith("pe_") else "no holding")
    hit = [n for n in v.notes if key in n] or [n for n in v.notes if "no holding" in n]
    return hit[0].split(":")[0] if hit else "no data"


def _figures(
    fs: FigureSet, s: Session, key: str, g: Gathered, v: SegmentValuation, label: str
) -> tuple[Cell, ...]:
    source, window = _provenance(s, g, label)
    figs = {
        name: fs.add(
            f"{key}.{name}",
            getattr(v, name),
            unit,
            f"{v.segment}: {what}",
            source=source,
            symbols=(g.inputs.fund,),
            window=window,
            formula=formula,
            note=_why(v, name),
        )
        for name, (unit, what, formula) in VALUATION_FIGURES.items()
    }
    return (
        v.segment,
        figs["n_covered"],
        figs["n_holdings"],
        figs["coverage_weight"],
        figs["pe_aggregate"],
        figs["pe_aggregate_ex_losses"],
        figs["pe_median"],
        figs["loss_share_weight"],
        figs["growth_aggregate"],
    )


def _notes(
    res: dict[str, SegmentValuation], missing: dict[str, str], index_cap: float, label: str
) -> tuple[str, ...]:
    notes = [
        "P/E (all) = holdings-weighted aggregate incl. loss-makers; figures use only covered "
        f"holdings (weight covered). Filings: {label}.",
        *(f"{k}: NOT ASSESSED ({v})" for k, v in missing.items()),
        *(f"{v.segment}: {n}" for v in res.values() for n in v.notes),
    ]
    notes += [
        f"{v.segment}: market caps of {v.estimated_cap_weight:.0%} of the covered weight are an "
        f"{estimate_note(index_cap)}."
        for v in res.values()
        if v.estimated_cap_weight > 0
    ]
    notes.append(DISCLAIMER)
    return tuple(notes)


def valuation(
    source: Store | Session,
    as_of: object | None = None,
    *,
    small: str = "IWM",
    large: str = "IVV",
    index_cap: float = DEFAULT_INDEX_CAP,
    sec: SecSource | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ValuationResult:
    """Segment valuation: aggregate and median P/E, loss-makers and earnings growth, with coverage.

    Each segment is the equity holdings of a fund (its latest holdings file on or before
    the day); market caps are XBRL shares x price or the labelled holdings-implied
    estimate, earnings are TTM net income from filings dated on or before the day.

    Parameters
    ----------
    source : Store or Session
    as_of : date-like, optional
        Evaluation day (default: the latest).
    small, large : str
        Holdings proxies of small and large caps.
    index_cap : float
        Assumed total float cap of the small index, USD (holdings-implied caps).
    sec : SecSource, optional
        Where filings come from (default: :func:`~capsize.queries.stocks.sec.sec_source`).
    progress : callable, optional
        ``progress(done, total)`` while evidence is gathered.

    Returns
    -------
    ValuationResult

    Raises
    ------
    DataNotFound
        When neither fund has holdings dated on or before the day.
    """
    s = session_for(source, as_of)
    src = sec if sec is not None else sec_source()
    funds = {"small": small.strip().upper(), "large": large.strip().upper()}
    got, missing = _gather_funds(s, funds, src, index_cap, progress)
    if not got:
        raise DataNotFound("; ".join(f"{k}: {v}" for k, v in missing.items()))
    answer_as_of = max(g.data_end() for g in got.values())
    frames = [valuation_inputs(g.evidence, f"{k} ({funds[k]})") for k, g in got.items()]
    res = valuation_by_segment(
        pd.concat(frames, ignore_index=True), as_of=answer_as_of, source=src.label
    )
    fs = FigureSet(answer_as_of)
    rows = tuple(
        _figures(fs, s, key, g, res[f"{key} ({funds[key]})"], src.label) for key, g in got.items()
    )
    cols = (
        "segment",
        "covered",
        "holdings",
        "weight covered",
        "P/E (all)",
        "P/E (profitable)",
        "median P/E",
        "loss-makers (wt)",
        "earnings growth",
    )
    sources = [p for g in got.values() for p in _provenance(s, g, src.label)[0].split("; ")]
    return ValuationResult(
        query="valuation",
        as_of=answer_as_of,
        requested_as_of=s.requested,
        params={
            "small": funds["small"],
            "large": funds["large"],
            "index_cap": index_cap,
            "sec": src.label,
        },
        figures=fs.mapping(),
        tables=(TableData("segments", "Segment valuation with coverage", cols, rows),),
        notes=_notes(res, missing, index_cap, src.label),
        sources=tuple(dict.fromkeys(sources)),
        segments=tuple(got),
    )
