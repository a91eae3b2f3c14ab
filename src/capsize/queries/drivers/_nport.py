"""Monthly fund flows from SEC Form N-PORT filings, fetched live (not stored).

``flow = sales + reinvestment - redemption`` (Form N-PORT item B.6, USD) per fund and
month, summed by size segment with the one fund rule of :mod:`capsize.rules.flow_funds`.
This answer reads the SEC, not the store: its as-of is the last month reported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

import pandas as pd

from capsize.analytics import flows as FL
from capsize.queries.drivers._common import day, span
from capsize.queries.result import Cell, FigureSet, QueryResult, TableData
from capsize.rules.flow_funds import segment_funds

__all__ = ["NPORT_FORMULA", "nport_flows"]

NPORT_FORMULA = "flow = sales + reinvestment - redemption (Form N-PORT item B.6, USD)"
"""How a month's flow is read from a filing."""

_COLUMNS = ("sales", "reinvestment", "redemption", "flow", "net_assets")


def _fetch(
    specs: Sequence[tuple[str, int, str | None]], max_filings: int, edgar: Any
) -> tuple[pd.DataFrame, list[str]]:
    """Fetch every fund's filings; return the monthly rows and notes (skips, other series)."""
    from capsize.data.providers.nport import NportFetcher
    from capsize.data.providers.sec import SecEdgar

    client = edgar if edgar is not None else SecEdgar()
    frames, notes = [], []
    for fund, cik, series in specs:
        params: dict[str, Any] = {"cik": cik, "fund": fund, "max_filings": max_filings}
        if series:
            params["series_id"] = series
        res = NportFetcher(client).fetch(params)[0]
        notes += [f"skipped {fund} {f['accession']}: {f['reason']}" for f in res.meta["failed"]]
        if res.meta["other_series"]:
            notes.append(
                f"{fund}: {len(res.meta['other_series'])} of {res.meta['filings']} filings were "
                f"for other series of CIK {cik}; read more filings to reach more of {fund}'s"
            )
        notes += [f"{fund} {acc}: {'; '.join(n)}" for acc, n in res.meta["notes"].items()]
        if res.frame.empty:
            notes.append(f"{fund}: no N-PORT flows parsed (CIK {cik}, series {series or 'any'})")
        frames.append(res.frame)
    found = [f for f in frames if not f.empty]
    monthly = pd.concat(found, ignore_index=True) if found else pd.DataFrame()
    return monthly, notes


def _month_rows(fs: FigureSet, monthly: pd.DataFrame) -> list[tuple[Cell, ...]]:
    rows: list[tuple[Cell, ...]] = []
    for _, r in monthly.sort_values(["fund", "date"]).iterrows():
        fund, month = str(r["fund"]), day(r["date"])
        cells: list[Cell] = [month[:7], fund]
        for col in _COLUMNS:
            v = r.get(col, float("nan"))
            ok = bool(pd.notna(v))
            cells.append(
                fs.add(
                    f"nport.{fund}.{month}.{col}",
                    float(v) if ok else None,
                    "usd",
                    f"{fund}: {col.replace('_', ' ')} in the month ending {month}",
                    source=f"SEC EDGAR NPORT-P {r.get('accession', '')}".strip(),
                    symbols=(fund,),
                    window=month,
                    formula=NPORT_FORMULA if col == "flow" else f"Form N-PORT {col}",
                    note="" if ok else "not reported",
                )
            )
        rows.append(tuple(cells))
    return rows


def _segment_rows(
    fs: FigureSet, monthly: pd.DataFrame, segments: dict[str, tuple[str, ...]]
) -> list[tuple[Cell, ...]]:
    tab = FL.segment_flows(monthly, segments)
    rows: list[tuple[Cell, ...]] = []
    for seg, r in tab.iterrows():
        if not r["funds_with_data"]:
            continue
        win = span(r["first"], r["last"])
        flow = fs.add(
            f"nport.segment.{seg}.flow",
            float(r["flow"]),
            "usd",
            f"{seg} segment: N-PORT net flow over {int(r['usable_rows'])} fund-months "
            f"({r['funds_with_data']})",
            source="SEC EDGAR NPORT-P",
            symbols=tuple(str(r["funds_with_data"]).split(", ")),
            window=win,
            formula=f"sum over fund-months of {NPORT_FORMULA}",
        )
        rows.append((str(seg), flow, win))
    return rows


def nport_flows(
    specs: Sequence[tuple[str, int, str | None]],
    *,
    max_filings: int = 8,
    segments: Mapping[str, object] | None = None,
    edgar: Any = None,
) -> QueryResult:
    """Fetch N-PORT monthly flows for funds and sum them by size segment.

    Parameters
    ----------
    specs : sequence of (fund, cik, series_id or None)
        Which funds to fetch (registrant CIK, optional series id).
    max_filings : int
        Newest NPORT-P filings read per registrant.
    segments : Mapping, optional
        The ``[segments]`` table of ``config.toml`` (the fund rule's input).
    edgar : SecEdgar, optional
        SEC client; default one built from the settings (User-Agent required).

    Returns
    -------
    QueryResult
        Figures ``nport.<fund>.<month>.<sales|reinvestment|redemption|flow|net_assets>``
        and ``nport.segment.<segment>.flow`` (USD); tables ``months`` and ``segments``;
        notes on skipped filings.
    """
    monthly, notes = _fetch(specs, max_filings, edgar)
    last = pd.Timestamp(monthly["date"].max()) if len(monthly) else cast("pd.Timestamp", pd.NaT)
    fs = FigureSet(last if len(monthly) else "")
    tables: list[TableData] = []
    if len(monthly):
        tables.append(
            TableData(
                "months",
                "Monthly fund flows from SEC Form N-PORT",
                (
                    "month",
                    "fund",
                    "sales",
                    "reinvestment",
                    "redemptions",
                    "net flow",
                    "net assets (report date)",
                ),
                tuple(_month_rows(fs, monthly)),
            )
        )
        seg_rows = _segment_rows(fs, monthly, segment_funds(segments))
        tables.append(
            TableData(
                "segments",
                "N-PORT flows by size segment",
                ("segment", "net flow", "months"),
                tuple(seg_rows),
            )
        )
    else:
        notes.append("N-PORT: no filing parsed")
    return QueryResult(
        query="nport_flows",
        as_of=last,
        params={"funds": [list(s) for s in specs], "max_filings": max_filings},
        figures=fs.mapping(),
        tables=tuple(tables),
        notes=(NPORT_FORMULA, *notes),
        sources=("SEC EDGAR NPORT-P",),
    )
