"""``performance_table``: many symbols x many windows, price and total return side by side."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, TypeAlias

import pandas as pd

from capsize.analytics._perf_returns import _pair_return, _sources
from capsize.analytics._perf_series import as_close_frame, to_date
from capsize.analytics._perf_windows import Window
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
    adj = None if closes_adjusted is None else as_close_frame(closes_adjusted, "closes_adjusted")
    raw = None if closes_raw is None else as_close_frame(closes_raw, "closes_raw")
    if as_of is not None:
        cut = to_date(as_of, "as_of")
        adj = None if adj is None else adj.loc[:cut]
        raw = None if raw is None else raw.loc[:cut]
    known = [] if adj is None else [str(c) for c in adj.columns]
    known += [str(c) for c in ([] if raw is None else raw.columns) if str(c) not in known]
    wanted = list(symbols) if symbols is not None else known
    unknown = [s for s in wanted if s not in known]
    if unknown:
        raise DataNotFound(
            f"no closes for {', '.join(unknown)}; available: {', '.join(known) or 'none'}"
        )
    common: pd.DatetimeIndex | None = None
    if align == "intersection":
        for sym in wanted:
            src = adj if adj is not None and sym in adj.columns else raw
            assert src is not None
            dates = pd.DatetimeIndex(src.index[src[sym].notna()])
            common = dates if common is None else common.intersection(dates)
    rows: list[dict[str, object]] = []
    for sym in wanted:
        a = adj[sym] if adj is not None and sym in adj.columns else None
        r = raw[sym] if raw is not None and sym in raw.columns else None
        a = None if a is None else a.dropna()
        r = None if r is None else r.dropna()
        if common is not None:
            a = None if a is None else a[a.index.isin(common)]
            r = None if r is None else r[r.index.isin(common)]
        total_src, price_src = _sources(a, r, None, "drop")
        for w in windows:
            pair = _pair_return(w, total_src, price_src, sym, max_stale_days)
            ref = pair.total if pair.total.ok else pair.price
            rows.append(
                {
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
            )
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
