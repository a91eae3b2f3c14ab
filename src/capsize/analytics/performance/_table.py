"""``performance_table``: many symbols x many windows, price and total return side by side."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, TypeAlias

import pandas as pd

from capsize.analytics.performance._returns import ReturnPair, pair_return, return_sources
from capsize.analytics.performance._series import as_close_frame, to_date
from capsize.analytics.performance._windows import Window
from capsize.errors import DataNotFound, InputError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from capsize._typing import DateLike

__all__ = ["performance_table"]

Align: TypeAlias = Literal["own", "intersection"]

_TABLE_COLUMNS = [
    "symbol",
    "window",
    "total_return",
    "price_return",
    "base_date",
    "end_date",
    "n_days",
    "stale_days",
    "annualised_total",
    "annualised_price",
    "total_series",
    "price_series",
    "total_reason",
    "price_reason",
]


def performance_table(
    closes_adjusted: pd.DataFrame | None,
    closes_raw: pd.DataFrame | None,
    windows: Sequence[Window],
    as_of: DateLike | None = None,
    *,
    symbols: Sequence[str] | None = None,
    align: Align = "own",
    max_stale_days: int | None = 7,
) -> pd.DataFrame:
    """Total and price returns for many symbols and windows, one row per (symbol, window).

    Parameters
    ----------
    closes_adjusted : DataFrame of shape (n_days, n_symbols) or None
        Dividend-adjusted closes (total return); NaN = no bar.
    closes_raw : DataFrame of shape (n_days, n_symbols) or None
        Raw closes or index levels (price return); NaN = no bar.
    windows : sequence of Window
        Windows to compute.
    as_of : date, optional
        Data cutoff: rows after it are ignored (windows keep their own end dates).
    symbols : sequence of str, optional
        Symbols in output order; default = columns of ``closes_adjusted`` then
        those only in ``closes_raw``.
    align : {"own", "intersection"}
        ``"own"``: each symbol on its own calendar (crypto ends on a Sunday,
        equities on Friday). ``"intersection"``: only dates on which every
        symbol has an adjusted (or, if none, raw) close, so all symbols share
        base and end dates.
    max_stale_days : int or None
        See :func:`series_return`.

    Returns
    -------
    DataFrame
        Columns ``symbol, window, total_return, price_return, base_date, end_date,
        n_days, stale_days, annualised_total, annualised_price, total_series,
        price_series, total_reason, price_reason`` (returns as fractions, NaN when
        n/a with the reason in ``*_reason``). ``attrs["convention"]`` states the
        window convention.

    Raises
    ------
    DataNotFound
        A requested symbol is in neither frame.

    Examples
    --------
    >>> from capsize.analytics.performance import ytd
    >>> idx = pd.to_datetime(["2024-12-31", "2025-10-08"])
    >>> adj = pd.DataFrame({"IWM": [100.0, 112.0]}, index=idx)
    >>> lvl = pd.DataFrame({"^RUT": [2000.0, 2200.0]}, index=idx)
    >>> t = performance_table(adj, lvl, [ytd("2025-10-08")])
    >>> t[["symbol", "total_return", "price_return"]].round(4).values.tolist()
    [['IWM', 0.12, nan], ['^RUT', nan, 0.1]]
    >>> t.loc[1, "total_reason"][:36]
    'no total-return series for ^RUT: pas'
    """
    if closes_adjusted is None and closes_raw is None:
        raise InputError("performance_table needs closes_adjusted or closes_raw (or both)")
    if align not in ("own", "intersection"):
        raise InputError(f"align must be 'own' or 'intersection', got {align!r}")
    if not windows or not all(isinstance(w, Window) for w in windows):
        raise InputError("windows must be a non-empty sequence of Window objects")
    adj = _cut(closes_adjusted, "closes_adjusted", as_of)
    raw = _cut(closes_raw, "closes_raw", as_of)
    wanted = _wanted(adj, raw, symbols)
    common = _common_dates(adj, raw, wanted) if align == "intersection" else None
    rows: list[dict[str, object]] = []
    for sym in wanted:
        a = _column(adj, sym, common)
        r = _column(raw, sym, common)
        total_src, price_src = return_sources(a, r, None, "drop")
        for w in windows:
            pair = pair_return(w, total_src, price_src, sym, max_stale_days)
            rows.append(_row(sym, w, pair))
    out = pd.DataFrame(rows, columns=_TABLE_COLUMNS)
    out["base_date"] = pd.to_datetime(out["base_date"])
    out["end_date"] = pd.to_datetime(out["end_date"])
    out.attrs["convention"] = (
        "return = end_close / base_close - 1; base = last close on or before the window start "
        "(YTD: previous year's last close); end = last close on or before the window end; "
        f"align={align}"
    )
    out.attrs["windows"] = [w.describe() for w in windows]
    return out


def _cut(frame: pd.DataFrame | None, name: str, as_of: DateLike | None) -> pd.DataFrame | None:
    """Validate a closes frame and drop rows after ``as_of``."""
    if frame is None:
        return None
    out = as_close_frame(frame, name)
    return out if as_of is None else out.loc[: to_date(as_of, "as_of")]


def _wanted(
    adj: pd.DataFrame | None, raw: pd.DataFrame | None, symbols: Sequence[str] | None
) -> list[str]:
    """Symbols in output order; every one must be in a frame."""
    known = [] if adj is None else [str(c) for c in adj.columns]
    known += [str(c) for c in ([] if raw is None else raw.columns) if str(c) not in known]
    wanted = list(symbols) if symbols is not None else known
    unknown = [s for s in wanted if s not in known]
    if unknown:
        raise DataNotFound(
            f"no closes for {', '.join(unknown)}; available: {', '.join(known) or 'none'}"
        )
    return wanted


def _common_dates(
    adj: pd.DataFrame | None, raw: pd.DataFrame | None, wanted: Sequence[str]
) -> pd.DatetimeIndex:
    """Dates on which every symbol has an adjusted (or, without one, raw) close."""
    common: pd.DatetimeIndex | None = None
    for sym in wanted:
        src = adj if adj is not None and sym in adj.columns else raw
        if src is None:  # pragma: no cover - _wanted guarantees a frame
            raise DataNotFound(f"no closes for {sym}")
        dates = pd.DatetimeIndex(src.index[src[sym].notna()])
        common = dates if common is None else common.intersection(dates)
    return common if common is not None else pd.DatetimeIndex([])


def _column(
    frame: pd.DataFrame | None, sym: str, common: pd.DatetimeIndex | None
) -> pd.Series | None:
    """Return the symbol's closes without NaN rows (on the common dates when given)."""
    if frame is None or sym not in frame.columns:
        return None
    col = frame[sym].dropna()
    return col if common is None else col[col.index.isin(common)]


def _row(sym: str, w: Window, pair: ReturnPair) -> dict[str, object]:
    ref = pair.total if pair.total.ok else pair.price
    return {
        "symbol": sym,
        "window": w.label,
        "total_return": pair.total.value,
        "price_return": pair.price.value,
        "base_date": ref.base_date,
        "end_date": ref.end_date,
        "n_days": ref.n_days,
        "stale_days": ref.stale_days,
        "annualised_total": pair.total.annualised,
        "annualised_price": pair.price.annualised,
        "total_series": pair.total.series,
        "price_series": pair.price.series,
        "total_reason": pair.total.reason,
        "price_reason": pair.price.reason,
    }
