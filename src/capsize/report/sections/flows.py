"""Report section on ETF fund flows by size segment, from shares outstanding."""

from __future__ import annotations

import pandas as pd

from capsize._format import fmt_large
from capsize.errors import CapsizeError
from capsize.report._inputs import Inputs
from capsize.report._model import Figure, Section, Table
from capsize.report.sections.common import as_int, count_fmt, day_text, finite, money_fmt

__all__ = ["flows_section"]


def flows_section(inp: Inputs) -> Section:
    """ETF flows by size segment from shares outstanding, with the missing data named."""
    from capsize.analytics import flows as FL

    title = "Fund flows"
    store = inp.store
    shares = store.fund_shares(as_of=inp.as_of)
    inp.cache["fund_shares"] = shares.assign(
        source_family=shares["source"].astype(str).map(FL.source_family)
    )
    segs = FL.resolve_segments(None)
    members = [f for fs in segs.values() for f in fs]
    held = sorted(shares["fund"].astype(str).str.upper().unique()) if len(shares) else []
    prices: dict[str, pd.Series] = {}
    for f in held:
        try:
            prices[f] = store.closes([f], basis="raw", as_of=inp.as_of)[f]
        except (CapsizeError, KeyError):
            continue
    px = pd.DataFrame(prices) if prices else None
    daily = FL.daily_flows(shares, px)
    status = FL.fund_status(daily, members)
    full = FL.segment_flows(daily, segs)
    figs: dict[str, Figure] = {}
    src_all = "; ".join(sorted(shares["source"].astype(str).map(FL.source_family).unique())) or (
        "store fund_shares (empty)"
    )
    formula = str(daily.attrs.get("formula", "flow = change in shares x NAV"))
    max_gap = int(daily.attrs.get("max_gap_days", 5))
    rows: list[tuple[Figure | str, ...]] = []
    seg_label = {s.key: s.label for s in inp.segments}
    for seg, funds in segs.items():
        r = full.loc[seg]
        with_data = [f for f in funds if status.loc[f, "status"] != "no data"]
        without = [f for f in funds if status.loc[f, "status"] == "no data"]
        obs = int(status.loc[list(funds), "rows"].sum())
        span = (
            f"{day_text(r['first'])}..{day_text(r['last'])}"
            if pd.notna(r["first"])
            else f"to {inp.day}"
        )
        n_obs = inp.book.add(
            f"flows.{seg}.observations",
            obs,
            count_fmt("no data"),
            f"{seg} segment: shares-outstanding observations held",
            source=src_all,
            symbols=tuple(funds),
            window=span,
            formula="count of dated share counts of the segment's funds on or before the report day",
        )
        usable = inp.book.add(
            f"flows.{seg}.usable",
            as_int(r["usable_rows"]),
            count_fmt("no data"),
            f"{seg} segment: usable daily changes",
            source=src_all,
            symbols=tuple(funds),
            window=span,
            formula=f"changes between observations at most {max_gap} days apart, not stale, priced",
        )
        if not with_data:
            why = "no shares-outstanding history for any of its funds"
        elif all(as_int(status.loc[f, "rows"]) < 2 for f in with_data):
            why = "a single share count per fund: nothing to difference"
        elif as_int(r["usable_rows"]) == 0:
            why = "no usable daily change: the observations are too far apart"
        else:
            why = "no usable rows"
        flow = inp.book.add(
            f"flows.{seg}.net",
            finite(r["flow"]),
            money_fmt(why),
            f"{seg} segment: estimated net flow over the history held",
            source=src_all,
            symbols=tuple(funds),
            window=span,
            formula=formula + "; sum of usable days only",
        )
        figs[f"{seg}.observations"], figs[f"{seg}.usable"], figs[f"{seg}.net"] = (
            n_obs,
            usable,
            flow,
        )
        rows.append(
            (
                seg_label.get(seg, seg.capitalize()),
                ", ".join(with_data) or "no fund",
                ", ".join(without) or "no fund",
                n_obs,
                usable,
                flow,
            )
        )
    t1 = Table(
        (
            "Segment",
            "Funds with share history",
            "Funds without",
            "Observations",
            "Usable days",
            "Net flow",
        ),
        tuple(rows),
        f"Flow estimate: {formula}. A change is summed only between observations at most "
        f"{max_gap} calendar days apart, not inside a run of unchanged counts and with a price; "
        "a change across a longer gap is shown below as a gap, never as one day's flow.",
    )
    tables = [t1]
    fund_rows: list[tuple[Figure | str, ...]] = []
    for fund in members:
        st = status.loc[fund]
        if st["status"] == "no data":
            continue
        sub = daily[daily["fund"] == fund].sort_values("date")
        first, last = sub.iloc[0], sub.iloc[-1]
        win = f"{day_text(first['date'])}..{day_text(last['date'])}"
        fsrc = "; ".join(sorted(sub["source"].astype(str).unique()))
        n = inp.book.add(
            f"flows.fund.{fund}.observations",
            len(sub),
            count_fmt("no data"),
            f"{fund}: share counts held",
            source=fsrc,
            symbols=(fund,),
            window=win,
            formula="count of dated share counts (one source per fund)",
        )
        chg = inp.book.add(
            f"flows.fund.{fund}.share_change",
            float(last["shares_outstanding"] - first["shares_outstanding"])
            if len(sub) > 1
            else None,
            lambda x: (
                fmt_large(None, reason="one observation")
                if x is None
                else ("+" if x > 0 else "") + fmt_large(x)
            ),
            f"{fund}: change in shares outstanding between the first and last count",
            source=fsrc,
            symbols=(fund,),
            window=win,
            formula="last shares outstanding - first (shares; not a flow when the counts are far apart)",
        )
        gaps = sub[sub["flag"] == "gap"]
        longest = as_int(gaps["days"].max()) if len(gaps) else 0
        if len(sub) == 1:
            why = "a single count: nothing to difference"
        elif len(gaps) and as_int(st["usable"]) == 0:
            why = f"counts up to {longest} days apart: shown as gaps, not flows"
        elif as_int(st["usable"]):
            why = "daily changes used"
        else:
            why = "every change flagged (stale or unpriced)"
        figs[f"fund.{fund}.observations"], figs[f"fund.{fund}.share_change"] = n, chg
        fund_rows.append((fund, win.replace("..", " to "), n, chg, why))
    if fund_rows:
        tables.append(
            Table(
                ("Fund", "History held", "Counts", "Share change", "Why"),
                tuple(fund_rows),
                "Share change: from the first to the last count held, in shares; across gaps it "
                "mixes an unknown number of days, so no dollar flow is computed from it.",
            )
        )
    gap_table = _gap_table(inp, daily, members, figs)
    if gap_table is not None:
        tables.append(gap_table)
    notes: list[str] = []
    missing = [f for f in members if status.loc[f, "status"] == "no data"]
    if missing:
        notes.append(
            "No shares-outstanding history in the store for "
            + ", ".join(missing)
            + ": their flows are unknown, not zero."
        )
    other = [f for f in held if f not in members]
    if other:
        notes.append("Held but not in a size segment (not counted): " + ", ".join(other) + ".")
    notes.append(
        "Daily shares outstanding (issuer files) or monthly SEC N-PORT filings would fill this "
        "section; 'capsize flows --nport FUND=CIK' fetches the latter on demand."
    )
    return Section("flows", title, figures=figs, tables=tuple(tables), notes=tuple(notes))


MAX_GAP_ROWS = 8
"""Gaps listed one by one in the flows section (more are summarised per fund above)."""


def _gap_table(
    inp: Inputs, daily: pd.DataFrame, members: list[str], figs: dict[str, Figure]
) -> Table | None:
    """List the share-count changes across gaps: what happened, and why it is no flow."""
    gaps = daily[(daily["flag"] == "gap") & daily["fund"].isin(members)].sort_values(
        ["fund", "date"]
    )
    if gaps.empty or len(gaps) > MAX_GAP_ROWS:
        return None
    rows: list[tuple[Figure | str, ...]] = []
    for _, g in gaps.iterrows():
        fund = str(g["fund"])
        end = pd.Timestamp(g["date"])
        begin = end - pd.Timedelta(days=as_int(g["days"]))
        d0, d1 = day_text(begin), day_text(end)
        f = inp.book.add(
            f"flows.gap.{fund}.{d1}",
            finite(g["d_shares"]),
            lambda x: (
                fmt_large(None, reason="no count")
                if x is None
                else ("+" if x > 0 else "") + fmt_large(x)
            ),
            f"{fund}: change in shares outstanding from {d0} to {d1}",
            source=str(g["source"]),
            symbols=(fund,),
            window=f"{d0}..{d1}",
            formula="shares outstanding at the end - at the start (a gap: not a daily flow)",
        )
        figs[f"gap.{fund}.{d1}"] = f
        rows.append((fund, d0, d1, f"{as_int(g['days'])} days", f))
    return Table(
        ("Fund", "From", "To", "Apart", "Share change"),
        tuple(rows),
        "Changes between counts too far apart to date: creations and redemptions of many days "
        "net out inside them, so they are shown in shares and never summed as flows.",
    )
