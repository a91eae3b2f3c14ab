"""Figures of one stock's screen metrics, each with its provenance.

A metric's provenance names the files it rests on (price files on or before the day, the
SEC response, the holdings file), the symbols, the window of data read and the formula
from :data:`capsize.stocks.screener.METRICS`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from capsize.queries.result import Cell, Figure, FigureSet, Unit
from capsize.queries.stocks.universe import bar_sources
from capsize.stocks.gather import is_estimated_cap
from capsize.stocks.screener import METRICS, missing_reason

if TYPE_CHECKING:
    from capsize.queries.session import Session
    from capsize.stocks.gather import StockEvidence, UniverseInputs
    from capsize.stocks.screener import StockMetrics

__all__ = ["METRIC_COLUMNS", "StockFigures", "metric_figure", "metric_row"]

METRIC_COLUMNS: tuple[str, ...] = (
    "sector",
    "cap_band",
    "market_cap",
    "market_cap_source",
    "market_cap_estimated",
    "price",
    "price_date",
    "liquidity_tier",
    "dollar_volume",
    "volume_date",
    "profitable",
    "net_income_ttm",
    "revenue_ttm",
    "cash",
    "cash_runway_months",
    "cash_to_mcap",
    "net_debt_to_mcap",
    "net_debt_ebitda",
    "interest_coverage",
    "leverage_ok",
    "share_growth",
    "pe",
    "ps",
    "ev_sales",
    "mom_12_1",
    "ret_6m",
    "rs_6m",
    "vol_1y",
    "max_gain_1d",
    "n_catalysts_90d",
    "last_catalyst",
    "flags_raised",
    "flags_not_assessed",
    "weight",
)
"""Columns of a stock's row in a screen table (text metrics are labels, the rest figures)."""


@dataclass(frozen=True)
class StockFigures:
    """What a stock's metric figures need besides the metrics: the session and the inputs.

    Attributes
    ----------
    session : Session
    inputs : UniverseInputs
    sec_label : str
        Where filings came from (used when a stock has no SEC response of its own).
    """

    session: Session
    inputs: UniverseInputs
    sec_label: str

    def holdings_source(self) -> str:
        """Return the holdings file used (or the fund name)."""
        hold = self.inputs.holdings
        src = hold.attrs.get("source") if hold is not None else None
        return str(src) if src else f"{self.inputs.fund} holdings"

    def price_window(self, ev: StockEvidence) -> str:
        """First and last close date read for the stock, or its holdings-price date."""
        c = ev.close.dropna() if ev.close is not None else None
        if c is not None and len(c):
            return f"{c.index[0]:%Y-%m-%d}..{c.index[-1]:%Y-%m-%d}"
        day = ev.last_price[1]
        return "" if day is None else f"{day:%Y-%m-%d}"


def _sources(ctx: StockFigures, ev: StockEvidence, key: str, inputs: str) -> tuple[str, str]:
    """Source text and window of one metric."""
    prices = bar_sources(ctx.session, ev.ticker) if ev.close is not None else ctx.holdings_source()
    filings = ev.sec_source or ctx.sec_label
    filed = f"filed on or before {ev.as_of:%Y-%m-%d}"
    if key == "rs_6m":
        return bar_sources(ctx.session, ev.ticker, ev.benchmark_symbol), ctx.price_window(ev)
    if key == "market_cap" and is_estimated_cap(ev.market_cap_label):
        return f"{ctx.holdings_source()}; {prices}", ctx.price_window(ev)
    if inputs == "prices":
        return prices, ctx.price_window(ev)
    if inputs == "filings":
        return filings, filed
    if inputs == "holdings":
        return ctx.holdings_source(), ""
    return f"{filings}; {prices}", f"{ctx.price_window(ev)}; {filed}"


def _note(m: StockMetrics, key: str, value: Any) -> str:
    if key == "cash_runway_months" and isinstance(value, float) and math.isinf(value):
        return "self-funding (operating cash flow >= 0)"
    if isinstance(value, (int, float)) and math.isfinite(float(value)):
        return ""
    return missing_reason(key, m.ticker, m.missing)


def metric_figure(
    fs: FigureSet, ctx: StockFigures, ev: StockEvidence, m: StockMetrics, key: str
) -> Figure:
    """Add the figure ``TICKER.key`` of one numeric metric to ``fs`` and return it."""
    spec = METRICS[key]
    value = m.values.get(key)
    num = float(value) if isinstance(value, (int, float)) else None
    source, window = _sources(ctx, ev, key, spec.inputs)
    symbols: Sequence[str] = (ev.ticker, ev.benchmark_symbol) if key == "rs_6m" else (ev.ticker,)
    unit: Unit = spec.unit  # type: ignore[assignment]
    return fs.add(
        f"{ev.ticker}.{key}",
        num,
        unit,
        f"{ev.ticker} {spec.label}",
        source=source,
        symbols=symbols,
        window=window,
        formula=spec.formula,
        note=_note(m, key, value),
    )


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value)


def metric_row(
    fs: FigureSet, ctx: StockFigures, ev: StockEvidence, m: StockMetrics
) -> tuple[Cell, ...]:
    """One table row: the ticker, then each of :data:`METRIC_COLUMNS` (figures for numbers)."""

    def cells() -> Iterator[Cell]:
        yield ev.ticker
        for key in METRIC_COLUMNS:
            if key in METRICS:
                yield metric_figure(fs, ctx, ev, m, key)
            else:
                yield _text(m.values.get(key))

    return tuple(cells())
