"""``capsize flows``: payload builders and tables (private; see :mod:`capsize._cli.drivers`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from capsize._cli._common import console, print_table
from capsize._cli.drivers.base import after_data_note, date_text, num
from capsize._format import fmt_money, fmt_num, fmt_pct
from capsize.errors import DataNotFound, InputError

if TYPE_CHECKING:
    from capsize.data.store import Store

__all__ = ["flows_payload", "nport_payload", "parse_nport_spec", "print_flows", "print_nport"]


def _raw_prices(store: Store, funds: list[str], as_of: pd.Timestamp | None) -> pd.DataFrame:
    cols = {}
    for f in funds:
        try:
            cols[f] = store.closes([f], basis="raw", as_of=as_of)[f]
        except DataNotFound:
            continue
    return pd.DataFrame(cols) if cols else pd.DataFrame(index=pd.DatetimeIndex([], name="date"))


def _record_rows(table: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {
            "key": k,
            **{str(c): (date_text(v) if str(c).endswith("date") else v) for c, v in r.items()},
        }
        for k, r in table.iterrows()
    ]


def flows_payload(
    store: Store,
    *,
    segment: str | None = None,
    year: int | None = None,
    as_of: pd.Timestamp | None = None,
    segments_config: dict[str, object] | None = None,
) -> dict[str, Any]:
    """Build the fund-flows payload from the store's shares-outstanding history.

    Parameters
    ----------
    store : Store
        Open store (``fund_shares`` and raw closes).
    segment : str, optional
        Only this size segment.
    year : int, optional
        Year of the year-to-date table; default the year of the newest row.
    as_of : Timestamp, optional
        Only rows dated on or before it.
    segments_config : dict, optional
        ``[segments]`` table from ``config.toml``.

    Returns
    -------
    dict
        ``segments`` (YTD and full-history sums), ``funds`` (status per fund),
        ``records``, ``coverage`` (what history exists), ``missing``.
    """
    from capsize.analytics import flows as FL

    segs = FL.resolve_segments(segments_config)
    if segment is not None:
        if segment not in segs:
            raise InputError(f"--segment {segment!r} is not one of {', '.join(sorted(segs))}")
        segs = {segment: segs[segment]}
    shares = store.fund_shares(as_of=as_of)
    held = sorted(shares["fund"].astype(str).str.upper().unique()) if len(shares) else []
    prices = _raw_prices(store, held, as_of)
    daily = FL.daily_flows(shares, prices if len(prices.columns) else None)
    last = pd.Timestamp(daily["date"].max()) if len(daily) else None
    y = (
        int(year)
        if year is not None
        else (last.year if last is not None else pd.Timestamp.now().year)
    )
    members = [f for fs in segs.values() for f in fs]
    status = FL.fund_status(daily, list(dict.fromkeys([*members, *held])))
    ytd = FL.segment_flows(daily, segs, start=f"{y}-01-01", end=f"{y}-12-31")
    full = FL.segment_flows(daily, segs)
    records = FL.flow_records(daily[daily["fund"].isin(members)], segments=segs, period="M")
    fund_records = FL.flow_records(daily, period="M")
    coverage = []
    for fund, sub in daily.groupby("fund"):
        coverage.append(
            {
                "fund": fund,
                "segment": next((k for k, v in segs.items() if fund in v), "(not in a segment)"),
                "first": date_text(sub["date"].min()),
                "last": date_text(sub["date"].max()),
                "rows": len(sub),
                "usable": int(sub["flow"].notna().sum()),
                "flags": {k: int(v) for k, v in sub["flag"].value_counts().items() if k},
                "source": ", ".join(sorted(sub["source"].astype(str).unique())),
            }
        )
    missing = [f for f in members if status.loc[f, "status"] == "no data"]

    def seg_rows(tab: pd.DataFrame) -> list[dict[str, Any]]:
        return [
            {
                "segment": k,
                "flow": num(r["flow"]),
                "flow_pct_assets": num(r["flow_pct_assets"]),
                "usable_rows": int(r["usable_rows"]),
                "excluded_rows": int(r["excluded_rows"]),
                "funds_with_data": r["funds_with_data"],
                "funds_no_data": r["funds_no_data"],
                "first": date_text(r["first"]),
                "last": date_text(r["last"]),
            }
            for k, r in tab.iterrows()
        ]

    return {
        "year": y,
        "requested_as_of": date_text(as_of) if as_of is not None else None,
        "as_of_note": after_data_note(as_of, last),
        "formula": daily.attrs.get("formula", ""),
        "rules": {
            "max_gap_days": daily.attrs.get("max_gap_days"),
            "stale_run": daily.attrs.get("stale_run"),
            "flags": FL.FLAGS,
        },
        "segments_ytd": seg_rows(ytd),
        "segments_all": seg_rows(full),
        "funds": [
            {
                "fund": f,
                "status": r["status"],
                "rows": int(r["rows"]),
                "usable": int(r["usable"]),
                "first": date_text(r["first"]),
                "last": date_text(r["last"]),
            }
            for f, r in status.iterrows()
        ],
        "records": {
            "period": "monthly sums of usable daily flows",
            "statement": records.statement,
            "rows": _record_rows(records.table),
            "by_fund": {
                "statement": fund_records.statement,
                "rows": _record_rows(fund_records.table),
            },
        },
        "coverage": coverage,
        "missing": {
            "funds_without_shares_history": missing,
            "nport": (
                "SEC N-PORT monthly flows are fetched on demand, not stored: add "
                "--nport FUND=CIK[:SERIES] (needs CAPSIZE_SEC_USER_AGENT)"
            ),
        },
        "provenance": {"as_of": date_text(as_of) if as_of is not None else date_text(last)},
    }


def parse_nport_spec(spec: str) -> tuple[str, int, str | None]:
    """Parse ``FUND=CIK[:SERIES]`` (e.g. ``IWM=1100663:S000004344``).

    Examples
    --------
    >>> parse_nport_spec("kytf=311101:S000012000")
    ('KYTF', 311101, 'S000012000')
    """
    fund, sep, rest = spec.partition("=")
    cik_txt, _, series = rest.partition(":")
    if not sep or not fund.strip() or not cik_txt.strip().isdigit():
        raise InputError(
            f"--nport {spec!r} is not FUND=CIK[:SERIES], e.g. IWM=1100663:S000004344 "
            "(the registrant CIK and the fund's series id from EDGAR)"
        )
    return fund.strip().upper(), int(cik_txt), series.strip() or None


def nport_payload(
    specs: list[tuple[str, int, str | None]],
    *,
    max_filings: int = 8,
    segments_config: dict[str, object] | None = None,
    edgar: Any = None,
) -> dict[str, Any]:
    """Fetch N-PORT monthly flows for funds and aggregate them by size segment.

    Parameters
    ----------
    specs : list of (fund, cik, series_id or None)
        Which funds to fetch.
    max_filings : int
        Newest NPORT-P filings to read per registrant.
    segments_config : dict, optional
        ``[segments]`` table from ``config.toml``.
    edgar : SecEdgar, optional
        SEC client; default one built from the settings (User-Agent required).

    Returns
    -------
    dict
        ``months`` (rows: month, fund, sales, reinvestment, redemption, flow,
        net_assets), ``segments`` (sums per segment), ``failed``, ``notes``.
    """
    from capsize.analytics import flows as FL
    from capsize.data.providers.nport import NportFetcher
    from capsize.data.providers.sec import SecEdgar

    client = edgar if edgar is not None else SecEdgar()
    frames, failed, notes = [], [], []
    for fund, cik, series in specs:
        params: dict[str, Any] = {"cik": cik, "fund": fund, "max_filings": max_filings}
        if series:
            params["series_id"] = series
        res = NportFetcher(client).fetch(params)[0]
        failed += [{"fund": fund, **f} for f in res.meta["failed"]]
        if res.meta["other_series"]:
            notes.append(
                f"{fund}: {len(res.meta['other_series'])} of {res.meta['filings']} filings were "
                f"for other series of CIK {cik}; raise --nport-filings to reach more of {fund}'s"
            )
        for acc, n in res.meta["notes"].items():
            notes.append(f"{fund} {acc}: {'; '.join(n)}")
        if res.frame.empty:
            notes.append(f"{fund}: no N-PORT flows parsed (CIK {cik}, series {series or 'any'})")
        frames.append(res.frame)
    monthly = pd.concat([f for f in frames if not f.empty] or [pd.DataFrame()], ignore_index=True)
    segs = FL.resolve_segments(segments_config)
    seg_rows = []
    if not monthly.empty:
        tab = FL.segment_flows(monthly, segs)
        seg_rows = [
            {
                "segment": k,
                "flow": num(r["flow"]),
                "months": int(r["usable_rows"]),
                "funds_with_data": r["funds_with_data"],
                "first": date_text(r["first"]),
                "last": date_text(r["last"]),
            }
            for k, r in tab.iterrows()
            if r["funds_with_data"]
        ]
    months = [
        {
            "month": date_text(r["date"]),
            "fund": r["fund"],
            "series_id": r["series_id"],
            **{c: num(r[c]) for c in ("sales", "reinvestment", "redemption", "flow", "net_assets")},
            "accession": r["accession"],
        }
        for _, r in (monthly.sort_values(["fund", "date"]).iterrows() if len(monthly) else [])
    ]
    return {
        "formula": "flow = sales + reinvestment - redemption (Form N-PORT item B.6, USD)",
        "months": months,
        "segments": seg_rows,
        "failed": failed,
        "notes": notes,
    }


def print_nport(p: dict[str, Any]) -> None:
    rows = [
        [
            r["month"][:7] if r["month"] else "n/a",
            r["fund"],
            fmt_money(r["sales"], compact=True, reason="not reported"),
            fmt_money(r["redemption"], compact=True, reason="not reported"),
            fmt_money(r["flow"], compact=True, reason="not reported"),
            fmt_money(r["net_assets"], compact=True, reason="not reported"),
        ]
        for r in p["months"]
    ]
    if rows:
        print_table(
            rows,
            ["month", "fund", "sales", "redemptions", "net flow", "net assets (report date)"],
            title="Monthly fund flows from SEC Form N-PORT",
            caption=p["formula"],
            right_align=(2, 3, 4, 5),
        )
    else:
        console.print("N-PORT: n/a (no filing parsed)", highlight=False)
    for s in p["segments"]:
        console.print(
            f"segment {s['segment']}: {fmt_money(s['flow'], compact=True)} over {s['months']} "
            f"fund-months {s['first'][:7] if s['first'] else ''}..{s['last'][:7] if s['last'] else ''}"
            f" ({s['funds_with_data']})",
            highlight=False,
        )
    for f in p["failed"]:
        console.print(
            f"skipped {f['fund']} {f['accession']}: {f['reason']}", highlight=False, soft_wrap=True
        )
    for n in p["notes"]:
        console.print(f"note: {n}", highlight=False)


def print_flows(p: dict[str, Any]) -> None:
    if p.get("as_of_note"):
        console.print(f"note: {p['as_of_note']}", highlight=False)
    rows = [
        [
            r["segment"],
            fmt_money(r["flow"], compact=True, reason="no usable rows"),
            fmt_pct(r["flow_pct_assets"], 2, reason="no assets"),
            str(r["usable_rows"]),
            str(r["excluded_rows"]),
            r["funds_with_data"] or "none",
            r["funds_no_data"] or "-",
        ]
        for r in p["segments_ytd"]
    ]
    print_table(
        rows,
        [
            "segment",
            f"{p['year']} YTD flow",
            "% of assets",
            "days used",
            "excluded",
            "funds held",
            "no data",
        ],
        title=f"Estimated ETF flows by size segment, {p['year']} year to date",
        caption=f"{p['formula']}; flagged days (gap, stale, no price) are never summed",
        right_align=(1, 2, 3, 4),
    )
    rows = []
    for c in p["coverage"]:
        flags = ", ".join(f"{k} {v}" for k, v in sorted(c["flags"].items())) or "-"
        rows.append(
            [
                c["fund"],
                c["segment"],
                f"{c['first']}..{c['last']}",
                str(c["rows"]),
                str(c["usable"]),
                flags,
            ]
        )
    print_table(
        rows,
        ["fund", "segment", "history", "rows", "usable", "flags"],
        title="Shares-outstanding history held",
        caption="usable = daily changes with a NAV or raw close, no gap, not stale",
        right_align=(3, 4),
    )
    rec = p["records"]
    for label, block in (("segment", rec), ("fund", rec["by_fund"])):
        rows = [
            [
                r["key"],
                fmt_money(r.get("max_inflow"), compact=True, reason="no inflow month"),
                r.get("max_inflow_date") or "n/a",
                fmt_money(r.get("max_outflow"), compact=True, reason="no outflow month"),
                r.get("max_outflow_date") or "n/a",
                fmt_num(r.get("history_years"), 1),
                str(int(r.get("periods", 0) or 0)),
            ]
            for r in block["rows"]
            if int(r.get("periods", 0) or 0) > 0
        ]
        if rows:
            print_table(
                rows,
                [label, "largest inflow", "month", "largest outflow", "month", "years", "months"],
                title=f"Record months by {label} (within the history held)",
                caption=block["statement"],
                right_align=(1, 3, 5, 6),
            )
        else:
            console.print(
                f"records by {label}: n/a (no usable monthly flow in the history held)",
                highlight=False,
            )
    miss = p["missing"]
    if miss["funds_without_shares_history"]:
        console.print(
            "no data (no shares-outstanding history): "
            + ", ".join(miss["funds_without_shares_history"]),
            highlight=False,
        )
    console.print(f"note: {miss['nport']}", highlight=False)
