"""The ``rating_card`` question: Recommendation, Timeframe and Risk of one stock, with evidence."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from capsize.errors import DataNotFound, InputError
from capsize.queries.result import Cell, Figure, FigureSet, QueryResult, TableData
from capsize.queries.session import session_for
from capsize.queries.stocks.figures import StockFigures, metric_figure
from capsize.queries.stocks.screening import NOT_STOCK
from capsize.queries.stocks.sec import SecSource, sec_source
from capsize.queries.stocks.universe import (
    bar_sources,
    evaluation_date,
    first_bar_date,
    gather,
    segments_of,
)
from capsize.stocks.evidence import short_reason
from capsize.stocks.gather import DEFAULT_INDEX_CAP
from capsize.stocks.ratings import RULES_VERSION, RatingCard, rate, render_card, rules_table
from capsize.stocks.screener import METRICS, compute_metrics

if TYPE_CHECKING:
    from capsize.data.store import Store
    from capsize.queries.session import Session
    from capsize.stocks.evidence import Evidence
    from capsize.stocks.gather import StockEvidence
    from capsize.stocks.screener import StockMetrics

__all__ = ["RatingCardResult", "rating_card", "rating_rules"]

_KEY_FIGURES: dict[str, str | None] = {
    "price_date": None,
    "price": "price",
    "market_cap": "market_cap",
    "TTM net income": "net_income_ttm",
    "P/E": "pe",
    "EV/sales": "ev_sales",
    "share growth (1y)": "share_growth",
    "cash runway": "cash_runway_months",
    "12-1 month return": "mom_12_1",
    "median dollar volume": "dollar_volume",
}
"""Key figure shown on the card -> the metric figure behind it (None: a date)."""


@dataclass(frozen=True)
class RatingCardResult(QueryResult):
    """Answer of :func:`rating_card`.

    Tables: ``card`` (field, value, rules that decided it), ``evidence`` (the dated
    evidence of each field), ``flags`` and ``flag_evidence`` (manipulation-risk flags),
    ``key_figures`` (shown text and the figure behind it) and ``missing`` (inputs not
    available and why). Figures: every numeric screen metric of the stock,
    ``TICKER.metric``.

    Attributes
    ----------
    card : RatingCard or None
        The card as the rating rules built it.
    """

    card: RatingCard | None = None

    def render(self) -> str:
        """Return the card as plain text (every field, its rules and dated evidence)."""
        return "" if self.card is None else render_card(self.card)


def rating_rules() -> dict[str, Any]:
    """Return the published rating rules: ``{"version": ..., "rules": [{id, field, outcome, condition}]}``."""
    return {"version": RULES_VERSION, "rules": rules_table().to_dict("records")}


def _evidence_rows(name: str, evidence: tuple[Evidence, ...]) -> Iterator[tuple[Cell, ...]]:
    for e in evidence:
        d = e.to_dict()
        yield (name, d["what"], d["value"], d["date"], d["source"])


def _tables(card: RatingCard, figs: dict[str, Figure], ticker: str) -> tuple[TableData, ...]:
    fields = (card.recommendation, card.timeframe, card.risk)
    ev_cols = ("field", "what", "value", "date", "source")
    key_rows = tuple(
        (name, text, figs.get(f"{ticker}.{metric}") if metric else None)
        for name, metric in _KEY_FIGURES.items()
        if (text := card.key_figures.get(name)) is not None
    )
    return (
        TableData(
            "card",
            f"{ticker} rating card (rules v{card.rules_version})",
            ("field", "value", "rules"),
            tuple((f.name, f.value, ", ".join(f.rules)) for f in fields),
        ),
        TableData(
            "evidence",
            "Dated evidence behind each field",
            ev_cols,
            tuple(r for f in fields for r in _evidence_rows(f.name, f.evidence)),
        ),
        TableData(
            "flags",
            "Manipulation-risk flags",
            ("flag", "status", "rule"),
            tuple((fl.id, fl.status, fl.rule) for fl in card.flags),
        ),
        TableData(
            "flag_evidence",
            "Evidence behind each flag",
            ev_cols,
            tuple(r for fl in card.flags for r in _evidence_rows(fl.id, fl.evidence)),
        ),
        TableData("key_figures", "Key figures", ("figure", "shown", "value"), key_rows),
        TableData(
            "missing",
            "Inputs not available",
            ("input", "reason"),
            tuple((k, short_reason(v, 160)) for k, v in card.missing_inputs.items()),
        ),
    )


def _check_ratable(s: Session, ev: StockEvidence) -> None:
    if ev.kind in NOT_STOCK:
        raise InputError(
            f"{ev.ticker} is {NOT_STOCK[ev.kind]}; rating cards are for stocks "
            "(their rules read company filings and stock risk flags)"
        )
    if ev.close is None:
        first = first_bar_date(s, ev.ticker)
        if first is not None and first > ev.as_of:
            raise DataNotFound(
                f"{ev.ticker} has no prices on or before {ev.as_of:%Y-%m-%d} "
                f"(its data starts {first:%Y-%m-%d})"
            )
    if ev.close is None and ev.filings is None and ev.fundamentals is None:
        reasons = "; ".join(
            f"{k}: {short_reason(v)}" for k, v in ev.missing.items() if k in ("prices", "filings")
        )
        raise DataNotFound(
            f"unknown ticker {ev.ticker!r}: nothing in the store or SEC data ({reasons})"
        )


def _card(ev: StockEvidence, m: StockMetrics) -> RatingCard:
    return rate(
        ev.ticker,
        as_of=ev.as_of,
        values=m.values,
        evidence=m.evidence,
        flags=m.flags,
        events=ev.events if ev.filings is not None else None,
        missing=m.missing,
    )


def rating_card(
    source: Store | Session,
    as_of: object | None = None,
    *,
    ticker: str,
    fund: str = "IWM",
    index_cap: float = DEFAULT_INDEX_CAP,
    sec: SecSource | None = None,
) -> RatingCardResult:
    """Rate one stock by the published rules (:mod:`capsize.stocks.ratings`).

    Every field is decided by the first rule that fires on the evidence, lists that
    evidence with its dates, or says NOT ASSESSED where the evidence is missing.

    Parameters
    ----------
    source : Store or Session
    as_of : date-like, optional
        Evaluation day: prices, holdings and filings dated on or before it are used.
    ticker : str
        The stock (any case).
    fund : str
        Holdings for sector, weight and the implied market cap.
    index_cap : float
        Assumed total float cap of the fund's index, USD.
    sec : SecSource, optional
        Where filings come from (default: :func:`~capsize.queries.stocks.sec.sec_source`).

    Returns
    -------
    RatingCardResult

    Raises
    ------
    InputError
        Empty ticker, or a symbol that is not a stock.
    DataNotFound
        A ticker with no prices on or before the day, or unknown to the store and the SEC.
    """
    s = session_for(source, as_of)
    name = str(ticker or "").strip().upper()
    if not name:
        raise InputError("give a ticker to rate, e.g. 'UNCY'")
    src = sec if sec is not None else sec_source()
    g = gather(s, [name], sec=src, fund=fund, index_cap=index_cap)
    (ev,) = g.evidence
    _check_ratable(s, ev)
    m = compute_metrics(ev, segments=segments_of(s))
    card = _card(ev, m)
    answer_as_of = g.data_end()
    fs = FigureSet(answer_as_of)
    ctx = StockFigures(s, g.inputs, src.label)
    for key in METRICS:
        metric_figure(fs, ctx, ev, m, key)
    figs = fs.mapping()
    notes = [
        *(
            f"{f.name}: {n}"
            for f in (card.recommendation, card.timeframe, card.risk)
            for n in f.notes
        ),
        f"filings: {src.label}",
        card.disclaimer,
    ]
    sources = [bar_sources(s, name, ev.benchmark_symbol), f"SEC: {src.label}"]
    hold = g.inputs.holdings
    if hold is not None and hold.attrs.get("source") and ev.weight == ev.weight:
        sources.insert(1, str(hold.attrs["source"]))
    return RatingCardResult(
        query="rating_card",
        as_of=answer_as_of,
        requested_as_of=s.requested,
        params={
            "ticker": name,
            "fund": g.inputs.fund,
            "index_cap": index_cap,
            "rules_version": card.rules_version,
            "evaluated_at": f"{evaluation_date(s):%Y-%m-%d}",
            "sec": src.label,
        },
        figures=figs,
        tables=_tables(card, figs, name),
        notes=tuple(notes),
        sources=tuple(sources),
        card=card,
    )
