"""A fund's net flows between two dates, from its daily share count and NAV."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from capsize.errors import DataNotFound
from capsize.queries import performance as perf
from capsize.queries.factcheck._common import fact_result, fact_window
from capsize.queries.result import FigureSet

if TYPE_CHECKING:
    from capsize.data.store import Store
    from capsize.queries.result import QueryResult
    from capsize.queries.session import Session

__all__ = ["MAX_GAP_DAYS", "fund_flow"]

MAX_GAP_DAYS = 7
"""Largest calendar gap between share counts for a flow sum to count as daily."""


def fund_flow(
    source: Store | Session,
    as_of: object | None = None,
    *,
    fund: str,
    start: object,
    end: object | None = None,
) -> QueryResult:
    """Net creations minus redemptions of ``fund`` after ``start`` up to ``end``, in USD.

    Daily flow = change in shares outstanding x NAV per share that day; the window's flow
    is their sum over the days after the last count on or before ``start``.

    Returns
    -------
    QueryResult
        ``<FUND>.flow`` (usd), ``<FUND>.shares.start`` / ``.end`` (count).

    Raises
    ------
    DataNotFound
        The store holds no daily share counts of ``fund`` covering the window.
    """
    w = fact_window(source, as_of, start, end)
    code = fund.strip().upper()
    df = w.session.fund_shares(code)
    df = df.dropna(subset=["shares_outstanding", "nav"]).set_index("date").sort_index()
    if w.start is None or df.empty or df.index[0] > w.start:
        held = "none" if df.empty else perf.span(df.index[0], df.index[-1])
        raise DataNotFound(
            f"no daily share counts of {code} covering the window (held: {held}); "
            "flows need the fund's shares-outstanding history"
        )
    part = df[df.index >= df.index[df.index <= w.start][-1]]
    if part.index.to_series().diff().dt.days.max() > MAX_GAP_DAYS:
        raise DataNotFound(f"{code}: share counts in the window are not daily; no flow sum")
    flow = float((part["shares_outstanding"].diff() * part["nav"]).sum())
    day = pd.Timestamp(part.index[-1])
    fs = FigureSet(day)
    files = sorted({str(x) for x in part["source"].dropna()}) if "source" in part else []
    common: dict[str, Any] = {
        "source": "; ".join(files) or "store",
        "symbols": (code,),
        "window": perf.span(part.index[0], day),
    }
    fs.add(
        f"{code}.flow",
        flow,
        "usd",
        f"{code} net flow",
        **common,
        formula="sum of daily (shares outstanding change x NAV per share)",
    )
    for key, i in (("start", 0), ("end", -1)):
        fs.add(
            f"{code}.shares.{key}",
            float(part["shares_outstanding"].iloc[i]),
            "count",
            f"{code} shares outstanding, {part.index[i]:%Y-%m-%d}",
            **common,
            formula="shares outstanding as published",
        )
    params = {"fund": code, "start": w.start, "end": day}
    return fact_result("fund_flow", w.session, day, fs, params, (str(common["source"]),))
