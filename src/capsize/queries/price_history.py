"""Price history: one symbol's daily closes with its 50- and 200-day averages (for charts).

The stock page's price chart. Closes come from the session (point in time, on or before
the requested day); the averages are simple moving averages of the closes shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from capsize.errors import DataNotFound, InputError
from capsize.queries.result import FigureSet, Provenance, QueryResult, SeriesData
from capsize.queries.session import session_for

if TYPE_CHECKING:
    from capsize.data.store import Store
    from capsize.queries.session import Session

__all__ = ["price_history"]

_AVERAGES = (50, 200)
"""Moving-average lengths, sessions."""


def _window(closes: pd.Series, years: int) -> pd.Series:
    start = closes.index[-1] - pd.DateOffset(years=years)
    kept: pd.Series = closes[closes.index > start]
    return kept


def price_history(
    source: Store | Session,
    as_of: object | None = None,
    *,
    symbol: str,
    years: int = 3,
) -> QueryResult:
    """Daily closes of ``symbol`` over the last ``years``, with 50- and 200-day averages.

    Parameters
    ----------
    source : Store or Session
    as_of : date-like, optional
        Last day shown (default: the latest close).
    symbol : str
        A symbol with bars in the store (a stock of the universe, a fund, an index).
    years : int
        Years shown, 1 to 30.

    Returns
    -------
    QueryResult
        Series ``close`` (USD), ``ma50`` and ``ma200`` (USD; averages computed over the
        full history, so they start with the window); figures ``last_close``, ``ma50``,
        ``ma200`` and ``vs_ma200`` (fraction: last close / 200-day average - 1).

    Raises
    ------
    InputError
        ``years`` out of range or an empty symbol.
    DataNotFound
        No closes for ``symbol`` on or before the day.
    """
    if not 1 <= years <= 30:
        raise InputError(f"years={years!r} must be between 1 and 30, e.g. years=3")
    sym = symbol.strip().upper()
    if not sym:
        raise InputError("symbol is empty; give one symbol, e.g. symbol=IWM")
    s = session_for(source, as_of)
    closes = s.closes([sym]).get(sym)
    if closes is None or closes.dropna().empty:
        raise DataNotFound(f"no closes for {sym} on or before the day; check the symbol")
    closes = closes.dropna().astype(float)
    day = closes.index[-1]
    src = s.source(sym)
    shown = _window(closes, years)
    window = f"{shown.index[0]:%Y-%m-%d}..{day:%Y-%m-%d}"
    prov = Provenance(src, (sym,), window, f"{day:%Y-%m-%d}", "daily close")
    series = [SeriesData.from_series("close", f"{sym} close", "usd", shown, prov)]
    fs = FigureSet(day)
    where: dict[str, Any] = {"source": src, "symbols": (sym,), "window": window}
    fs.add("last_close", float(closes.iloc[-1]), "usd", f"{sym} last close", **where,
           formula="last daily close")  # fmt: skip
    for n in _AVERAGES:
        ma = closes.rolling(n, min_periods=n).mean()
        formula = f"mean of the last {n} daily closes"
        mprov = Provenance(src, (sym,), window, f"{day:%Y-%m-%d}", formula)
        series.append(
            SeriesData.from_series(f"ma{n}", f"{n}-day average", "usd", ma[shown.index], mprov)
        )
        value = float(ma.iloc[-1]) if pd.notna(ma.iloc[-1]) else None
        note = "" if value is not None else f"fewer than {n} closes"
        fs.add(f"ma{n}", value, "usd", f"{n}-day average", **where, formula=formula, note=note)
    ma200 = fs["ma200"].value
    fs.add(
        "vs_ma200",
        None if ma200 is None else float(closes.iloc[-1]) / float(ma200) - 1,
        "fraction",
        "last close vs 200-day average",
        **where,
        formula="last close / 200-day average - 1",
        note="" if ma200 is not None else "no 200-day average",
    )
    return QueryResult(
        query="price_history",
        as_of=day,
        requested_as_of=s.requested,
        params={"symbol": sym, "years": years},
        figures=fs.mapping(),
        series=tuple(series),
        notes=("Closes as stored (adjusted where the source adjusts them); see Sources.",),
        sources=tuple(src.split("; ")),
    )
