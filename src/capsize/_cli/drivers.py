"""``capsize rates``, ``capsize flows`` and ``capsize crypto``: the drivers of size rotation.

Thin commands over :mod:`capsize.analytics.rates`, :mod:`capsize.analytics.flows`
and :mod:`capsize.analytics.crosscap`. The payload builders take an open store
and return plain dicts (numbers unformatted, NaN for missing) so the report can
reuse them; the commands print them with the shared formatter or as JSON.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pandas as pd
import typer

from capsize._cli._common import (
    console,
    emit_json,
    handle_errors,
    open_store,
    parse_date_option,
    print_table,
)
from capsize._format import fmt_date, fmt_money, fmt_num, fmt_pct
from capsize.errors import DataNotFound, InputError

if TYPE_CHECKING:
    from capsize.data.store import Store

__all__ = [
    "crypto_payload",
    "flows_payload",
    "nport_payload",
    "parse_nport_spec",
    "rates_payload",
    "register",
]

_TURNS_SINCE = "1988-01-01"
_FREQ = {"M": ("monthly", 36, "months"), "W": ("weekly", 156, "weeks"), "D": ("daily", 252, "days")}


def _num(x: Any) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return float("nan")
    return v


def _date(x: Any) -> str | None:
    if x is None or (not isinstance(x, str) and pd.isna(x)):
        return None
    try:
        return str(pd.Timestamp(x).strftime("%Y-%m-%d"))
    except (TypeError, ValueError):
        return None


def _source(store: Store, dataset: str, key: str) -> str:
    try:
        return str(store.provenance(dataset, key).source)
    except DataNotFound:
        return "unknown"


# ---------------------------------------------------------------------------
# rates
# ---------------------------------------------------------------------------


def rates_payload(
    store: Store,
    *,
    as_of: pd.Timestamp | None = None,
    small: str = "IWM",
    large: str = "SPY",
    series: tuple[str, ...] = ("DGS2", "DGS10"),
    threshold_bp: float = 10.0,
    frequency: str = "M",
    window: int | None = None,
) -> dict[str, Any]:
    """Build the rates-driver payload from the store.

    Parameters
    ----------
    store : Store
        Open store holding ``small``/``large`` closes and FRED DGS2, DGS10 and
        DFF (or FEDFUNDS).
    as_of : Timestamp, optional
        Only data dated on or before it.
    small, large : str
        The two legs (adjusted closes for ETFs, levels for indices such as
        ``^RUT``/``^GSPC``, which carry no dividends).
    series : tuple of str
        FRED yield series (percent) whose changes are the regressors; any
        series imported into the store can be added.
    threshold_bp : float
        Regime threshold, basis points per month.
    frequency : {"M", "W", "D"}
        Sampling of the regression and rolling fits (the regime table and the
        event study are monthly by construction).
    window : int, optional
        Rolling window in periods; default 36 months, 156 weeks or 252 days.

    Returns
    -------
    dict
        ``regression``, ``rolling``, ``regimes``, ``turns``, ``events``,
        ``provenance``, ``notes``.
    """
    from capsize.analytics import rates as R

    notes: list[str] = []
    closes = store.closes([small, large], basis="auto", as_of=as_of)
    bases = dict(closes.attrs.get("basis", {}))
    s, lg = closes[small].dropna(), closes[large].dropna()
    if s.empty or lg.empty:
        raise DataNotFound(f"no adjusted closes for {small}/{large}; run 'capsize data import'")
    if not series:
        raise InputError("--series is empty; pass FRED ids such as DGS2,DGS10")
    ylds = store.macro(list(series), as_of=as_of)
    if frequency not in _FREQ:
        raise InputError(f"--frequency {frequency!r} is not one of M, W, D")
    freq = cast("R.Frequency", frequency)
    win = window if window is not None else _FREQ[frequency][1]
    reg = R.rate_sensitivity(s, lg, ylds, frequency=freq)
    roll = R.rolling_rate_sensitivity(s, lg, ylds, window=win, frequency=freq)
    corr = R.rolling_rate_correlation(s, lg, ylds, window=win, frequency=freq)
    regimes = R.rate_regime_table(s, lg, ylds, threshold_bp=threshold_bp)
    policy_id = "DFF"
    try:
        policy = store.macro("DFF", as_of=as_of)["DFF"]
    except DataNotFound:
        policy_id = "FEDFUNDS"
        policy = store.macro("FEDFUNDS", as_of=as_of)["FEDFUNDS"]
        notes.append("DFF not in the store: policy turns detected on monthly FEDFUNDS (month only)")
    policy = policy[policy.index >= pd.Timestamp(_TURNS_SINCE)].dropna()
    turns = R.detect_policy_turns(policy)
    study = R.policy_event_study(s, lg, turns)
    last_roll = roll.iloc[-1]
    payload: dict[str, Any] = {
        "small": small,
        "large": large,
        "regression": {
            "frequency": _FREQ[frequency][0],
            "coefficients": {k: _num(v) for k, v in reg.coefficients.items()},
            "t_stats": {k: _num(v) for k, v in reg.t_stats.items()},
            "r_squared": reg.r_squared,
            "n_obs": reg.n_obs,
            "start": _date(reg.start),
            "end": _date(reg.end),
            "cov_type": reg.cov_type,
            "formula": reg.formula
            + f"; spread = r_small - r_large ({_FREQ[frequency][0]}), d_* in pp",
        },
        "rolling": {
            "window": win,
            "window_unit": _FREQ[frequency][2],
            "end": _date(roll.index[-1]),
            "coefficients": {
                str(k).removeprefix("coef_"): _num(v)
                for k, v in last_roll.items()
                if str(k).startswith("coef_")
            },
            "t_stats": {
                str(k).removeprefix("t_"): _num(v)
                for k, v in last_roll.items()
                if str(k).startswith("t_")
            },
            "correlation": {k: _num(v) for k, v in corr.iloc[-1].items()},
            "t_note": "rolling t-statistics use classical (nonrobust) standard errors",
        },
        "regimes": {
            "threshold_bp": threshold_bp,
            "start": _date(regimes.attrs["start"]),
            "end": _date(regimes.attrs["end"]),
            "formula": regimes.attrs["formula"],
            "rows": [
                {
                    "series": str(idx[0]),  # type: ignore[index]
                    "regime": str(idx[1]),  # type: ignore[index]
                    **{str(k): _num(v) for k, v in row.items()},
                }
                for idx, row in regimes.iterrows()
            ],
        },
        "turns": {
            "series": policy_id,
            "since": _TURNS_SINCE,
            "rule": turns.attrs.get("rule", ""),
            "rows": [
                {
                    "date": _date(r["date"]),
                    "kind": r["kind"],
                    "from_level": _num(r["from_level"]),
                    "to_level": _num(r["to_level"]),
                }
                for _, r in turns[turns["kind"] != ""].iterrows()
            ],
        },
        "events": {
            "base_rule": study.base_rule,
            "offsets": list(study.offsets),
            "rows": [
                {
                    "date": _date(d),
                    "kind": study.kinds.get(d, ""),
                    **{str(o): _num(row[o]) for o in study.offsets},
                }
                for d, row in study.paths.iterrows()
            ],
            "summary": [
                {"kind": k, **{str(c): _num(v) for c, v in row.items()}}
                for k, row in study.summary.iterrows()
            ],
        },
        "provenance": {
            "symbols": [small, large],
            "basis": {
                k: ("total return (adjusted)" if v == "adjusted" else f"{v} (price only)")
                for k, v in bases.items()
            },
            "sources": {
                small: _source(store, "bars", small),
                large: _source(store, "bars", large),
                **{sid: _source(store, "macro", sid) for sid in series},
                policy_id: _source(store, "macro", policy_id),
            },
            "as_of": _date(as_of) if as_of is not None else _date(min(s.index[-1], lg.index[-1])),
        },
        "notes": notes,
    }
    first_event = study.paths.index.min() if len(study.paths) else None
    if first_event is not None:
        notes.append(
            f"event study limited to turns after {small}'s first close "
            f"({_date(s.index[0])}); earliest event used {_date(first_event)}"
        )
    return payload


def _print_rates(p: dict[str, Any]) -> None:
    reg = p["regression"]
    pair = f"{p['small']} - {p['large']}"
    rows = []
    for k in reg["coefficients"]:
        roll_c = p["rolling"]["coefficients"].get(k, float("nan"))
        roll_t = p["rolling"]["t_stats"].get(k, float("nan"))
        label = "constant (per period)" if k == "const" else f"per +1 pp {k.removeprefix('d_')}"
        rows.append(
            [
                label,
                fmt_pct(reg["coefficients"][k], 2),
                fmt_num(reg["t_stats"][k], 2, sign=True),
                fmt_pct(roll_c, 2),
                fmt_num(roll_t, 2, sign=True),
            ]
        )
    print_table(
        rows,
        [
            f"{reg['frequency']} spread",
            "full period",
            "t",
            f"last {p['rolling']['window']} {p['rolling']['window_unit']}",
            "t",
        ],
        title=f"Rates sensitivity of {pair} ({reg['frequency']} returns)",
        caption=(
            f"{reg['start']}..{reg['end']}, n={reg['n_obs']}, R²={reg['r_squared']:.3f}; "
            f"basis: {', '.join(f'{k} {v}' for k, v in p['provenance']['basis'].items())}; "
            f"full-period t: {reg['cov_type']}; {p['rolling']['t_note']}. "
            f"Rolling correlation with ΔDGS10: "
            f"{fmt_num(p['rolling']['correlation'].get('d_DGS10'), 2, sign=True)}"
        ),
        right_align=(1, 2, 3, 4),
    )
    rg = p["regimes"]
    horizons = sorted({int(k[5:-1]) for r in rg["rows"] for k in r if k.startswith("mean_")})
    rows = []
    for r in rg["rows"]:
        cells = [r["series"], r["regime"], str(int(r["months"]))]
        for h in horizons:
            n = int(r[f"n_{h}m"])
            cells.append(
                f"{fmt_pct(r[f'mean_{h}m'], 1, reason='no months')} / "
                f"{fmt_pct(r[f'hit_{h}m'], 0, sign=False, reason='no months')} (n={n})"
            )
        rows.append(cells)
    print_table(
        rows,
        ["yield", "month was", "months", *[f"next {h}m: avg / hit" for h in horizons]],
        title=f"{pair} after yields rose / fell (threshold ±{rg['threshold_bp']:g} bp in a month)",
        caption=f"{rg['start']}..{rg['end']}; {rg['formula']}; hit = share of months small led",
        right_align=tuple(range(2, 3 + len(horizons))),
    )
    ev = p["events"]
    shown = [o for o in ("-3", "0", "1", "3", "6", "12") if o in {str(x) for x in ev["offsets"]}]
    rows = [
        [
            r["date"],
            r["kind"].replace("_", " "),
            *[fmt_pct(r[o], 1, reason="beyond data") for o in shown],
        ]
        for r in ev["rows"]
    ]
    for s in ev["summary"]:
        rows.append(
            [
                f"average (n={int(s['n'])})",
                s["kind"].replace("_", " "),
                *[fmt_pct(s[o], 1, reason="no events") for o in shown],
            ]
        )
    print_table(
        rows,
        ["turn", "kind", *[f"{o}m" for o in shown]],
        title=f"{p['small']} vs {p['large']} around Fed policy turns ({p['turns']['series']})",
        caption=(
            "value = (small/large) at the offset / (small/large) on the last close before the "
            "turn - 1 (negative offsets: where the ratio stood before); "
            f"turns: {p['turns']['rule']}"
        ),
        right_align=tuple(range(2, 2 + len(shown))),
    )
    for n in p["notes"]:
        console.print(f"note: {n}", highlight=False)


# ---------------------------------------------------------------------------
# flows
# ---------------------------------------------------------------------------


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
            **{str(c): (_date(v) if str(c).endswith("date") else v) for c, v in r.items()},
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
                "first": _date(sub["date"].min()),
                "last": _date(sub["date"].max()),
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
                "flow": _num(r["flow"]),
                "flow_pct_assets": _num(r["flow_pct_assets"]),
                "usable_rows": int(r["usable_rows"]),
                "excluded_rows": int(r["excluded_rows"]),
                "funds_with_data": r["funds_with_data"],
                "funds_no_data": r["funds_no_data"],
                "first": _date(r["first"]),
                "last": _date(r["last"]),
            }
            for k, r in tab.iterrows()
        ]

    return {
        "year": y,
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
                "first": _date(r["first"]),
                "last": _date(r["last"]),
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
        "provenance": {"as_of": _date(as_of) if as_of is not None else _date(last)},
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
                "flow": _num(r["flow"]),
                "months": int(r["usable_rows"]),
                "funds_with_data": r["funds_with_data"],
                "first": _date(r["first"]),
                "last": _date(r["last"]),
            }
            for k, r in tab.iterrows()
            if r["funds_with_data"]
        ]
    months = [
        {
            "month": _date(r["date"]),
            "fund": r["fund"],
            "series_id": r["series_id"],
            **{
                c: _num(r[c]) for c in ("sales", "reinvestment", "redemption", "flow", "net_assets")
            },
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


def _print_nport(p: dict[str, Any]) -> None:
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


def _print_flows(p: dict[str, Any]) -> None:
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


# ---------------------------------------------------------------------------
# crypto
# ---------------------------------------------------------------------------


def crypto_payload(
    store: Store,
    *,
    as_of: pd.Timestamp | None = None,
    markets: pd.DataFrame | None = None,
    markets_source: str = "",
    alt_closes: pd.DataFrame | None = None,
    alt_source: str = "",
) -> dict[str, Any]:
    """Build the crypto size-analogy payload.

    Parameters
    ----------
    store : Store
        Open store with BTC-USD, ETH-USD, IWM and SPY closes.
    as_of : Timestamp, optional
        Only closes dated on or before it.
    markets : DataFrame, optional
        A ``crypto_markets`` snapshot (CoinGecko) for dominance.
    markets_source : str
        Where ``markets`` came from.
    alt_closes : DataFrame of shape (n_days, n_coins), USD, optional
        Daily prices of an alt basket (e.g. from CoinGecko); otherwise any
        ``*-USD`` symbols in the store other than BTC and ETH are used.
    alt_source : str
        Where ``alt_closes`` came from.

    Returns
    -------
    dict
        ``leadership`` (rows per pair), ``years``, ``dominance`` (or the reason
        it is missing), ``provenance``.
    """
    from capsize.analytics import crosscap as CC

    crypto = store.closes(["BTC-USD", "ETH-USD"], basis="level", as_of=as_of)
    stocks = store.closes(["IWM", "SPY"], basis="adjusted", as_of=as_of)
    pairs: dict[str, tuple[pd.Series, pd.Series]] = {
        "stocks: IWM vs SPY": (stocks["IWM"].dropna(), stocks["SPY"].dropna()),
        "crypto: ETH vs BTC": (crypto["ETH-USD"].dropna(), crypto["BTC-USD"].dropna()),
    }
    alts = [s for s in store.symbols() if s.endswith("-USD") and s not in ("BTC-USD", "ETH-USD")]
    notes = []
    alt_px: pd.DataFrame | None = None
    alt_from = ""
    if alt_closes is not None and alt_closes.shape[1]:
        alt_px = alt_closes if as_of is None else alt_closes[alt_closes.index <= as_of]
        alt_from = alt_source or "caller"
    elif alts:
        alt_px = store.closes(alts, basis="level", as_of=as_of)
        alt_from = "store: " + ", ".join(alts)
    rel_alts: dict[str, Any] = {}
    if alt_px is not None and len(alt_px.dropna(how="all")) > 1:
        alt_px = alt_px.dropna(how="all")
        majors_px = crypto[crypto.index >= alt_px.index[0]]
        both = CC.majors_vs_alts(majors_px, alt_px)
        pairs["crypto: alts vs BTC+ETH"] = (
            both["alts"].rename("ALTS"),
            both["majors"].rename("BTC+ETH"),
        )
        rel_alts = {
            "coins": [str(c) for c in alt_px.columns],
            "start": _date(both.index[0]),
            "end": _date(both.index[-1]),
            "alts_vs_majors": _num(both["alts_vs_majors"].iloc[-1] - 1.0),
            "source": alt_from,
            "method": "equal weight, rebalanced daily, each basket 1.0 at the first common date",
        }
    else:
        notes.append(
            "alt basket: n/a (the store holds only BTC-USD and ETH-USD; add alt histories, "
            "e.g. from CoinGecko market_chart, to compare majors with the rest)"
        )
    lead = CC.leadership_side_by_side(pairs)
    dom: dict[str, Any]
    if markets is not None:
        d = CC.dominance(markets)
        dom = {
            "majors": list(d.majors),
            "majors_share": d.majors_share,
            "rest_share": d.rest_share,
            "shares": {k: _num(v) for k, v in d.shares.items()},
            "total_cap": d.total_cap,
            "n_coins": d.n_coins,
            "excluded": list(d.excluded),
            "as_of": _date(d.as_of),
            "coverage": d.coverage,
            "source": markets_source,
        }
    else:
        dom = {"missing": "no CoinGecko snapshot: run with --live or --markets FILE"}
    return {
        "leadership": [
            {"pair": k, **{c: (_date(v) if c in ("start", "end") else v) for c, v in r.items()}}
            for k, r in lead.table.iterrows()
        ],
        "windows": list(lead.windows),
        "convention": lead.convention,
        "years": {
            k: [
                {
                    "year": int(str(y)),
                    "small": _num(r.iloc[0]),
                    "large": _num(r.iloc[1]),
                    "winner": r["winner"],
                    "status": r["status"],
                }
                for y, r in t.iterrows()
            ]
            for k, t in lead.years.items()
        },
        "dominance": dom,
        "alts": rel_alts,
        "notes": notes,
        "provenance": {
            "sources": {s: _source(store, "bars", s) for s in ("BTC-USD", "ETH-USD", "IWM", "SPY")},
            "basis": "crypto: USD level; stocks: adjusted (total return)",
            "as_of": _date(as_of),
        },
    }


def _print_crypto(p: dict[str, Any]) -> None:
    ws = p["windows"]
    rows = []
    for r in p["leadership"]:
        rows.append(
            [
                r["pair"],
                f"{r['small_led']}/{r['years']}" if r["years"] else "n/a (no full year)",
                f"{r['current_leader']} x{r['current_streak']}" if r["years"] else "n/a",
                f"{r['longest_small']} / {r['longest_large']}" if r["years"] else "n/a",
                *[fmt_pct(r[f"rel_{w}m"], 1, reason="short history") for w in ws],
                f"{r['start']}..{r['end']}",
            ]
        )
    print_table(
        rows,
        [
            "pair (small vs large)",
            "years small led",
            "current streak",
            "longest small/large",
            *[f"{w}m" for w in ws],
            "data",
        ],
        title="Big vs small: stocks and crypto side by side",
        caption=p["convention"] + "; trailing columns: small relative to large",
        right_align=tuple(range(1, 4 + len(ws))),
    )
    dom = p["dominance"]
    if "missing" in dom:
        console.print(f"dominance: n/a ({dom['missing']})", highlight=False)
    else:
        majors = " + ".join(dom["majors"])
        when = fmt_date(dom["as_of"], reason="unknown")
        console.print(
            f"dominance of {majors}: {fmt_pct(dom['majors_share'], 1, sign=False)} "
            f"vs the rest {fmt_pct(dom['rest_share'], 1, sign=False)} "
            f"(as of {when}; {dom['coverage']}; {dom['source']})",
            highlight=False,
        )
    alts = p.get("alts") or {}
    if alts:
        console.print(
            f"alt basket ({len(alts['coins'])} coins: {', '.join(alts['coins'])}) vs BTC+ETH: "
            f"{fmt_pct(alts['alts_vs_majors'], 1)} from {alts['start']} to {alts['end']} "
            f"({alts['method']}; {alts['source']})",
            highlight=False,
        )
    for n in p["notes"]:
        console.print(f"note: {n}", highlight=False)


def _load_alts(
    markets: pd.DataFrame | None, n_alts: int, live: bool
) -> tuple[pd.DataFrame | None, str, list[str]]:
    """Fetch the alt basket's daily history from CoinGecko (``--live`` only)."""
    if not live or markets is None or n_alts < 1:
        return None, "", []
    from capsize.analytics.crosscap import alt_universe
    from capsize.data.providers.coingecko import CoinGeckoFetcher, fetch_histories

    coins = alt_universe(markets, n=n_alts)
    closes, failed = fetch_histories(CoinGeckoFetcher(), coins, days=365)
    notes = [f"alt {k}: skipped ({v})" for k, v in failed.items()]
    return closes, "CoinGecko market_chart, 365 days (keyless limit)", notes


def _load_markets(path: str | None, live: bool) -> tuple[pd.DataFrame | None, str]:
    from capsize.data.providers.coingecko import CoinGeckoFetcher, parse_markets

    if path:
        file = Path(path)
        if not file.is_file():
            raise InputError(f"--markets {path!r} is not a file; pass a saved /coins/markets JSON")
        frame, _ = parse_markets(file.read_bytes())
        return frame, str(file)
    if live:
        res = CoinGeckoFetcher().fetch({"kind": "markets"})[0]
        return res.frame, res.source
    return None, ""


# ---------------------------------------------------------------------------
# registration
# ---------------------------------------------------------------------------


def _segments_config() -> dict[str, object]:
    from capsize.config import load_settings

    return dict(load_settings().segments)


def register(app: typer.Typer) -> None:
    """Add ``rates``, ``flows`` and ``crypto`` to the ``capsize`` app."""

    @app.command("rates")
    @handle_errors
    def rates(
        small: str = typer.Option("IWM", "--small", help="Small-cap leg, e.g. IWM or ^RUT."),
        large: str = typer.Option("SPY", "--large", help="Large-cap leg, e.g. SPY or ^GSPC."),
        series: str = typer.Option(
            "DGS2,DGS10", "--series", help="FRED yield series in the store, comma-separated."
        ),
        as_of: str | None = typer.Option(
            None, "--as-of", help="Use only data dated on or before (YYYY-MM-DD)."
        ),
        frequency: str = typer.Option(
            "M", "--frequency", help="Regression sampling: M (monthly), W (weekly), D (daily)."
        ),
        threshold: float = typer.Option(
            10.0, "--threshold", help="Regime threshold, bp of yield change in a month."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
    ) -> None:
        """Measure how rates move small vs large: regression, regimes, Fed turns.

        Example: capsize rates --as-of 2025-12-31
        """
        when = parse_date_option(as_of, "--as-of")
        with open_store(read_only=True) as store:
            payload = rates_payload(
                store,
                as_of=when,
                small=small.strip().upper(),
                large=large.strip().upper(),
                series=tuple(x.strip().upper() for x in series.split(",") if x.strip()),
                threshold_bp=threshold,
                frequency=frequency.strip().upper(),
            )
        if as_json:
            emit_json(payload)
        else:
            _print_rates(payload)

    @app.command("flows")
    @handle_errors
    def flows(
        segment: str | None = typer.Option(
            None, "--segment", help="Only this size segment (small, large, ...)."
        ),
        year: int | None = typer.Option(None, "--year", help="Year of the year-to-date table."),
        as_of: str | None = typer.Option(
            None, "--as-of", help="Use only data dated on or before (YYYY-MM-DD)."
        ),
        nport: list[str] | None = typer.Option(
            None,
            "--nport",
            help="Also fetch SEC N-PORT monthly flows: FUND=CIK[:SERIES] (repeatable).",
        ),
        nport_filings: int = typer.Option(
            8, "--nport-filings", help="Newest NPORT-P filings read per registrant."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
    ) -> None:
        """Estimate ETF creations/redemptions by size segment from shares outstanding.

        Example: capsize flows --segment small --year 2026
        """
        when = parse_date_option(as_of, "--as-of")
        config = _segments_config()
        specs = [parse_nport_spec(x) for x in nport or []]
        with open_store(read_only=True) as store:
            payload = flows_payload(
                store, segment=segment, year=year, as_of=when, segments_config=config
            )
        if specs:
            payload["nport"] = nport_payload(
                specs, max_filings=nport_filings, segments_config=config
            )
        if as_json:
            emit_json(payload)
            return
        _print_flows(payload)
        if specs:
            _print_nport(payload["nport"])

    @app.command("crypto")
    @handle_errors
    def crypto(
        as_of: str | None = typer.Option(
            None, "--as-of", help="Use only data dated on or before (YYYY-MM-DD)."
        ),
        markets: str | None = typer.Option(
            None, "--markets", help="Saved CoinGecko /coins/markets JSON for dominance."
        ),
        live: bool = typer.Option(
            False,
            "--live",
            help="Fetch the market-cap snapshot and the alt basket's history from CoinGecko.",
        ),
        n_alts: int = typer.Option(
            10, "--alts", help="Alt basket size with --live (largest coins after BTC and ETH)."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
    ) -> None:
        """Compare big-vs-small in crypto (BTC/ETH vs the rest) with small vs large stocks.

        Example: capsize crypto --markets coins_markets.json
        """
        when = parse_date_option(as_of, "--as-of")
        frame, source = _load_markets(markets, live)
        alt_px, alt_source, alt_notes = _load_alts(frame, n_alts, live)
        with open_store(read_only=True) as store:
            payload = crypto_payload(
                store,
                as_of=when,
                markets=frame,
                markets_source=source,
                alt_closes=alt_px,
                alt_source=alt_source,
            )
        payload["notes"] = [*payload["notes"], *alt_notes]
        if as_json:
            emit_json(payload)
        else:
            _print_crypto(payload)
