"""``capsize factor`` and ``capsize rotation``: the size factor's century and the rotation score.

Thin commands over :mod:`capsize.analytics.factors` and
:mod:`capsize.analytics.rotation`: read frames from the store, compute, print
(or emit JSON). The payload builders are plain functions taking an open store so
that the report can reuse them.
"""

from __future__ import annotations

import math
import tomllib
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
from capsize._cli.drivers.base import after_data_note
from capsize._format import fmt_date, fmt_num, fmt_pct
from capsize.analytics import factors as F
from capsize.analytics import rotation as R
from capsize.errors import DataNotFound, InputError

if TYPE_CHECKING:
    from capsize.data.store import Store

__all__ = ["SERIES", "factor_payload", "register", "rotation_payload"]

SERIES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("SMB (FF3, monthly)", "FF3", "monthly", ("SMB",)),
    ("SMB (FF3 daily, compounded to months)", "FF3", "daily", ("SMB",)),
    ("SMB (FF5 2x3, monthly)", "FF5_2x3", "monthly", ("SMB",)),
    (
        "Smallest / largest decile, value-weighted",
        "ME_portfolios_VW",
        "monthly",
        ("Lo 10", "Hi 10"),
    ),
    (
        "Smallest / largest decile, equal-weighted",
        "ME_portfolios_EW",
        "monthly",
        ("Lo 10", "Hi 10"),
    ),
    (
        "Smallest / largest quintile, value-weighted",
        "ME_portfolios_VW",
        "monthly",
        ("Lo 20", "Hi 20"),
    ),
)
"""(label, store dataset, frequency, columns) of every relative series shown."""

_LAG_NOTE = (
    "French data are published with a lag of about one to two months; the rotation score "
    "treats month M as available at the end of month M+{lag}."
)


def _load_series(store: Store, notes: list[str]) -> list[tuple[str, F.RelativeSeries]]:
    frames: dict[tuple[str, str], pd.DataFrame | None] = {}
    out: list[tuple[str, F.RelativeSeries]] = []
    for label, dataset, freq, cols in SERIES:
        key = (dataset, freq)
        if key not in frames:
            try:
                frames[key] = store.factors(dataset, freq)
            except DataNotFound:
                frames[key] = None
                notes.append(f"{dataset} {freq}: not in the store (run 'capsize data import')")
        frame = frames[key]
        if frame is None or any(c not in frame.columns for c in cols):
            continue
        name = f"{dataset} {freq}"
        if freq == "daily":
            # a frame in gives a frame out
            frame = cast("pd.DataFrame", F.compound_to_monthly(frame[list(cols)]))
            name = f"{dataset} daily compounded to months"
        if len(cols) == 1:
            rs = F.factor_relative_returns(frame, cols[0], dataset=name, nan_policy="skip")
        else:
            rs = F.portfolio_relative_returns(
                frame, cols[0], cols[1], dataset=name, nan_policy="skip"
            )
        out.append((label, rs))
    if not out:
        raise DataNotFound(
            "no Ken French size data in the store; run 'capsize data import /path/to/data' "
            "(needs FF3 or Portfolios_Formed_on_ME)"
        )
    return out


def _ytd(years: pd.DataFrame) -> dict[str, Any] | None:
    """Return the last calendar year when it is incomplete (year to date)."""
    if years.empty or bool(years["complete"].iloc[-1]):
        return None
    last = years.iloc[-1]
    return {
        "year": int(years.index[-1]),
        "months": int(last["months"]),
        "relative": float(last["relative"]),
        "leader": str(last["leader"]),
    }


def _phase(c: F.Cycle | None) -> str:
    if c is None:
        return "n/a (no turning point yet)"
    return f"{c.leader} caps since {c.start:%Y-%m} ({c.months} mo, {fmt_pct(c.magnitude)})"


_PROXIES: dict[str, tuple[tuple[str, str], ...]] = {
    "main": (("IWM", "SPY"), ("IJR", "SPY")),
    "decile_vw": (("IWC", "SPY"), ("IWM", "SPY")),
}
"""ETF pairs (small, large) used to cross-check each detailed series."""


def _tracking(
    store: Store, series: F.RelativeSeries, pairs: tuple[tuple[str, str], ...], months: int = 60
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for small, large in pairs:
        try:
            px = store.closes([small, large], basis="adjusted")
            t = F.etf_tracking(
                series, px[small], px[large], months=months, proxy=f"{small} / {large}"
            )
        except (DataNotFound, InputError):
            continue
        out.append(dict(t.__dict__))
    return out


def _aftermath(h: F.SizeFactorHistory, rs: F.RelativeSeries) -> dict[str, Any]:
    cur = h.current_streak
    leader = cur.leader if cur is not None and cur.years >= 2 else "large"
    k = cur.years if cur is not None and cur.years >= 2 else 3
    r = rs.returns.loc[pd.DatetimeIndex(rs.returns.index) >= h.provenance.first_date]
    am = F.streak_aftermath(r, k, leader)
    return {
        "leader": am.leader,
        "min_years": am.min_years,
        "warning": am.warning,
        "table": am.table.to_dict(orient="records"),
    }


def factor_payload(
    store: Store, *, since: int | None = None, cycle_threshold: float = 0.25
) -> dict[str, Any]:
    """Everything ``capsize factor`` shows, as plain data (fractions, ISO dates).

    The first available series (SMB from the monthly three-factor file) gets the
    detailed tables; every series gets a summary row.
    """
    notes: list[str] = []
    loaded = _load_series(store, notes)
    summary = []
    details: dict[str, Any] = {}
    for i, (label, rs) in enumerate(loaded):
        h = F.size_factor_history(rs, since=since, cycle_threshold=cycle_threshold)
        n = len(h.line)
        ranks = {r.years: r for r in h.ranks}
        summary.append(
            {
                "series": label,
                "dataset": h.provenance.dataset,
                "formula": h.provenance.formula,
                "first": h.provenance.first_date,
                "last": h.provenance.last_date,
                "growth": float(h.line.iloc[-1]),
                "annualised": float(h.line.iloc[-1]) ** (12.0 / n) - 1.0,
                **{
                    f"trailing_{y}y_ann": ranks[y].annualised if y in ranks else math.nan
                    for y in (1, 3, 5, 10)
                },
                "current_phase": _phase(h.current_cycle),
            }
        )
        if i == 0 or label.startswith("Smallest / largest decile, value"):
            key = "main" if i == 0 else "decile_vw"
            cr = h.cycle_rank()
            details[key] = {
                "series": label,
                "provenance": dict(h.provenance.__dict__),
                "years": h.years.reset_index().to_dict(orient="records"),
                "year_to_date": _ytd(h.years),
                "streaks_large": [s.__dict__ for s in h.streaks if s.leader == "large"][:5],
                "streaks_small": [s.__dict__ for s in h.streaks if s.leader == "small"][:5],
                "current_streak": None if h.current_streak is None else h.current_streak.__dict__,
                "cycles": [c.__dict__ for c in h.cycles],
                "cycle_threshold": h.cycle_threshold,
                "current_cycle_rank": None if cr is None else {"rank": cr[0], "of": cr[1]},
                "ranks": [r.__dict__ for r in h.ranks],
                "forward": {
                    "lookback_months": h.forward.lookback_months,
                    "current_bucket": h.forward.current_bucket,
                    "warning": h.forward.warning,
                    "table": h.forward.table.to_dict(orient="records"),
                },
                "tracking": _tracking(store, rs, _PROXIES[key]),
                "aftermath": _aftermath(h, rs),
            }
    notes.append(_LAG_NOTE.format(lag=F.DEFAULT_PUBLICATION_LAG_MONTHS))
    sources: dict[str, str] = {}
    for _, dataset, _, _ in SERIES:
        if dataset in sources:
            continue
        try:
            sources[dataset] = str(store.provenance("factors", dataset).source)
        except DataNotFound:
            if any(dataset in str(x["dataset"]) for x in summary):
                sources[dataset] = "not recorded (written without 'capsize data import')"
    lasts = [s["last"] for s in summary if s["last"] is not None]
    return {
        "since": since,
        "as_of": max(lasts) if lasts else None,
        "sources": sources,
        "summary": summary,
        "details": details,
        "notes": notes,
    }


def _print_factor(p: dict[str, Any], years_shown: int) -> None:
    rows = [
        [
            s["series"],
            f"{fmt_date(s['first'])[:7]}..{fmt_date(s['last'])[:7]}",
            fmt_num(s["growth"], 2) + "x",
            fmt_pct(s["annualised"]),
            fmt_pct(s["trailing_1y_ann"], reason="short"),
            fmt_pct(s["trailing_3y_ann"], reason="short"),
            fmt_pct(s["trailing_5y_ann"], reason="short"),
            fmt_pct(s["trailing_10y_ann"], reason="short"),
            s["current_phase"],
        ]
        for s in p["summary"]
    ]
    print_table(
        rows,
        ["series", "window", "small/large growth", "per year", "1y", "3y/yr", "5y/yr", "10y/yr",
         "current leg"],
        title="Small vs large caps, Ken French data (growth of the relative line; >1x = small led)",
        caption="Relative line = cumulative SMB, or wealth(smallest) / wealth(largest); "
        "trailing spreads annualised. Daily SMB compounded is a daily-rebalanced long-short: "
        "over decades it drifts from the monthly factor; use it for the months the monthly "
        "file does not cover yet.",
        right_align=range(2, 8),
    )  # fmt: skip
    m = p["details"].get("main")
    if m is None:
        _print_sources(p)
        return
    yrs = [y for y in m["years"] if y["complete"]][-max(years_shown, 1) :]
    ytd = m["year_to_date"]
    print_table(
        [[str(y["year"]), fmt_pct(y["relative"]), f"{y['leader']} caps"] for y in yrs],
        ["year", "small minus large", "led by"],
        title=f"{m['series']}: last {len(yrs)} complete calendar years",
        caption=(
            f"{ytd['year']} to date ({ytd['months']} months): {fmt_pct(ytd['relative'])}, "
            f"{ytd['leader']} caps ahead"
            if ytd
            else None
        ),
        right_align=[1],
    )
    cur = m["current_streak"]
    streak_rows = [
        [f"{s['start_year']}-{s['end_year']}", str(s["years"]), fmt_pct(s["cumulative"]),
         "ongoing" if s["ongoing"] else ""]
        for s in m["streaks_large"]
    ]  # fmt: skip
    print_table(
        streak_rows,
        ["years", "length", "cumulative", ""],
        title="Longest runs of calendar years led by large caps",
        caption=(
            f"Current run: {cur['leader']} caps {cur['start_year']}-{cur['end_year']} "
            f"({cur['years']} years)"
            if cur
            else "No run reaches the last complete year."
        ),
        right_align=[1, 2],
    )
    cyc = m["cycles"]
    rank = m["current_cycle_rank"]
    print_table(
        [
            [f"{c['leader']} caps", fmt_date(c["start"])[:7], fmt_date(c["end"])[:7],
             str(c["months"]), fmt_pct(c["magnitude"]), "ongoing" if c["ongoing"] else ""]
            for c in cyc
        ],
        ["leg", "from", "to", "months", "move", ""],
        title=f"Cycles of the relative line (turning point = {m['cycle_threshold']:.0%} reversal)",
        caption=(
            f"The ongoing leg ranks {rank['rank']} by length among the {rank['of']} legs "
            "led by the same side (1 = longest)."
            if rank
            else None
        ),
        right_align=[3, 4],
    )  # fmt: skip
    print_table(
        [
            [f"{r['years']}y", fmt_pct(r["value"]), fmt_pct(r["annualised"]),
             f"{r['rank']:,} of {r['n']:,}", fmt_pct(r["percentile"], 0, sign=False)]
            for r in m["ranks"]
        ],
        ["window", "cumulative", "per year", "rank (1 = most large-cap)", "percentile"],
        title=f"Where the trailing spread to {fmt_date(m['provenance']['last_date'])[:7]} ranks",
        right_align=[1, 2, 3, 4],
    )  # fmt: skip
    fw = m["forward"]
    print_table(
        [
            [t["bucket"] + (" *" if t["bucket"] == fw["current_bucket"] else ""),
             f"{t['horizon_months'] // 12}y", str(t["n_months"]), str(t["n_independent"]),
             str(t["n_episodes"]), fmt_pct(t["mean_ann"], reason="no windows"),
             fmt_pct(t["median_ann"], reason="no windows"),
             fmt_pct(t["hit_rate"], 0, sign=False, reason="no windows")]
            for t in fw["table"]
        ],
        ["trailing 5y spread/yr", "ahead", "months", "independent", "episodes", "mean/yr",
         "median/yr", "small won"],
        title="What followed: forward small-minus-large returns by trailing 5-year spread",
        caption=f"* = today's bucket. {fw['warning']}",
        right_align=range(2, 8),
    )  # fmt: skip
    am = m["aftermath"]
    hz = [k for k in (am["table"][0] if am["table"] else {}) if k.startswith("fwd_")]
    print_table(
        [
            [f"{t['start_year']}-{t['start_year'] + t['run_years'] - 1}", str(t["run_years"]),
             str(t["trigger_year"]),
             *[fmt_pct(t[k], reason="not yet") for k in hz]]
            for t in am["table"]
        ],
        ["run", "years", f"year {am['min_years']} reached", *[f"next {k[4:-1]}y" for k in hz]],
        title=f"After {am['min_years']} calendar years running of {am['leader']}-cap "
        "leadership: small minus large over the following years",
        caption=am["warning"],
        right_align=range(1, 3 + len(hz)),
    )  # fmt: skip
    trs = [t for d in p["details"].values() for t in d["tracking"]]
    if trs:
        print_table(
            [
                [f"{t['proxy']} vs {t['factor']}",
                 f"{fmt_date(t['start'])[:7]}..{fmt_date(t['end'])[:7]}", str(t["n_months"]),
                 fmt_num(t["correlation"]), fmt_num(t["beta"]),
                 fmt_pct(t["tracking_error"], sign=False), fmt_pct(t["factor_cumulative"]),
                 fmt_pct(t["proxy_cumulative"])]
                for t in trs
            ],
            ["ETF proxy vs factor", "window", "months", "corr.", "beta", "tracking err./yr",
             "factor", "ETFs"],
            title="Cross-check: the factor's recent years against ETF proxies (monthly)",
            right_align=range(2, 8),
        )  # fmt: skip
    for note in p["notes"]:
        console.print(f"[dim]{note}[/]", highlight=False)
    _print_sources(p)


def _print_sources(p: dict[str, Any]) -> None:
    srcs = "; ".join(f"{k} {v}" for k, v in p.get("sources", {}).items()) or "unknown"
    console.print(
        f"Data as of {fmt_date(p.get('as_of'), reason='no data')[:7]} (latest month); "
        f"sources: {srcs}",
        highlight=False,
    )


# ---------------------------------------------------------------------------
# rotation
# ---------------------------------------------------------------------------


def _config_weights() -> dict[str, float] | None:
    from capsize.config import load_settings

    path = load_settings().home / "config.toml"
    if not path.is_file():
        return None
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"config file {str(path)!r} is not valid TOML: {exc}") from exc
    table = raw.get("rotation", {})
    weights = table.get("weights") if isinstance(table, dict) else None
    if weights is None:
        return None
    if not isinstance(weights, dict):
        raise InputError(f"[rotation.weights] in {path} must be a table of component = weight")
    return {str(k): v for k, v in weights.items()}


def _rotation_inputs(
    store: Store, as_of: pd.Timestamp | None, notes: list[str]
) -> R.RotationInputs:
    small = large = dgs2 = ff = panel = shares = None
    try:
        px = store.closes(["IWM", "SPY"], basis="adjusted", as_of=as_of)
        small, large = px["IWM"].dropna(), px["SPY"].dropna()
    except DataNotFound as exc:
        notes.append(f"relative strength: {exc}")
    try:
        dgs2 = store.macro(["DGS2"], as_of=as_of)["DGS2"].dropna()
    except DataNotFound as exc:
        notes.append(f"rates regime: {exc}")
    try:
        ff = store.factors("FF3", "monthly", as_of=as_of)
    except DataNotFound as exc:
        notes.append(f"size-factor regime: {exc}")
    try:
        fs = store.fund_shares("IWM", as_of=as_of)
        if not fs.empty:
            shares = fs.drop_duplicates("date", keep="last").set_index("date")["shares_outstanding"]
            shares = shares.sort_index().astype("float64")
    except DataNotFound:
        pass
    try:
        members = store.membership("IWM", as_of=as_of)
        last = members["snapshot_date"].max()
        tickers = sorted(members.loc[members["snapshot_date"] == last, "ticker"].unique())
        ref = as_of if as_of is not None else (None if small is None else small.index[-1])
        start = None if ref is None else pd.Timestamp(ref) - pd.Timedelta(days=400)
        panel = store.panel(tickers, start=start, as_of=as_of)
        notes.append(
            f"breadth universe: IWM members of the {last:%Y-%m-%d} snapshot with prices in the "
            "store (delisted names are missing: survivorship bias)"
        )
    except DataNotFound:
        notes.append("breadth: no IWM membership snapshot on or before the date (NOT ASSESSED)")
    return R.RotationInputs(small, large, dgs2, ff, panel, shares)


def rotation_payload(
    store: Store,
    *,
    as_of: pd.Timestamp | None = None,
    weights: dict[str, float] | None = None,
    history_start: str = "2001-01-01",
) -> dict[str, Any]:
    """Build the rotation score on ``as_of`` (default: last IWM date), history and evidence."""
    notes: list[str] = []
    requested = as_of
    as_of_note = None
    if as_of is not None:
        try:
            iwm = store.closes(["IWM"], basis="adjusted")["IWM"].dropna()
        except DataNotFound:
            iwm = None
        if iwm is not None and not iwm.empty:
            as_of_note = after_data_note(as_of, iwm.index[-1])
            if as_of_note is not None:
                as_of = pd.Timestamp(iwm.index[-1])
    inputs = _rotation_inputs(store, as_of, notes)
    if as_of is None:
        if inputs.small_prices is None or inputs.small_prices.empty:
            raise DataNotFound("no IWM prices in the store; give --as-of or import prices")
        as_of = pd.Timestamp(inputs.small_prices.index[-1])
    score = R.rotation_score(R.build_readings(inputs, as_of), as_of=as_of, weights=weights)
    payload: dict[str, Any] = {
        "as_of": as_of,
        "requested_as_of": requested,
        "as_of_note": as_of_note,
        "score": score.score,
        "label": score.label,
        "headline": score.headline(),
        "disclosure": score.disclosure,
        "components": [c.__dict__ for c in score.components],
        "weights": R.resolve_weights(weights),
        "publication_lag_months": inputs.publication_lag_months,
    }
    # history: month ends, point in time; breadth left out (membership is not point in time)
    hist_inputs = R.RotationInputs(
        inputs.small_prices, inputs.large_prices, inputs.yields_2y, inputs.ff_monthly,
        None, inputs.small_shares,
    )  # fmt: skip
    dates = pd.date_range(history_start, as_of, freq="ME")
    if inputs.small_prices is not None and len(dates):
        hist = R.rotation_history(hist_inputs, dates, weights=weights)
        frame = hist.frame.dropna(subset=["score"])
        payload["history"] = frame.reset_index().to_dict(orient="records")
        if inputs.large_prices is not None and len(frame) > 2:
            ev = R.score_forward_returns(hist, inputs.small_prices, inputs.large_prices)
            payload["evidence"] = {
                "table": ev.table.to_dict(orient="records"),
                "warning": ev.warning,
                "first": ev.first,
                "last": ev.last,
            }
        notes.append(
            "history: monthly, each reading built only from data available that day; "
            "breadth is excluded from the history (IWM membership is known only from 2025)"
        )
    notes.append(_LAG_NOTE.format(lag=inputs.publication_lag_months))
    payload["notes"] = notes
    return payload


def _fmt_value(name: str, value: float) -> str:
    if name == "rates_regime":
        return fmt_num(value, 2, sign=True, reason="no data") + " pp"
    if name in ("breadth", "valuation"):
        return fmt_pct(value, 0, sign=False, reason="no data")
    if name == "size_factor_regime":
        return fmt_pct(value, reason="no data") + "/yr"
    return fmt_pct(value, reason="no data")


_SHORT = {
    "relative_strength": "RS",
    "breadth": "breadth",
    "rates_regime": "rates",
    "flows": "flows",
    "valuation": "value",
    "size_factor_regime": "size",
}


def _print_rotation(p: dict[str, Any], history_rows: int = 12) -> None:
    if p.get("as_of_note"):
        console.print(f"note: {p['as_of_note']}", highlight=False)
    console.print(f"[bold]{p['headline']}[/]", highlight=False)
    rows = []
    for c in p["components"]:
        assessed = c["status"] == "ASSESSED"
        rows.append(
            [
                c["label"],
                c["status"],
                _fmt_value(c["name"], c["value"]) if assessed else f"n/a ({c['reason']})",
                (f"{c['score']:+d}" if c["score"] else "0") if assessed else "n/a",
                fmt_num(c["weight"], 2),
                fmt_num(c["weight_used"], 2),
                fmt_num(c["contribution"], 2, sign=True),
                c["evidence"] or "-",
            ]
        )
    print_table(
        rows,
        ["component", "status", "value", "score", "weight", "used", "contrib.", "evidence"],
        title="Rotation score components (each -2..+2; + favours small caps)",
        caption=p["disclosure"],
        right_align=[2, 3, 4, 5, 6],
    )
    hist = p.get("history") or []
    if hist and history_rows > 0:
        shown = hist[-history_rows:]
        print_table(
            [
                [fmt_date(h["date"])[:7], fmt_num(h["score"], 2, sign=True), h["label"],
                 str(h["n_assessed"]),
                 " ".join(
                     f"{_SHORT[c]} {int(h[c]):+d}" for c in R.COMPONENTS
                     if h.get(c) is not None and not math.isnan(h[c])
                 )]
                for h in shown
            ],
            ["month end", "score", "reading", "assessed", "component scores"],
            title=f"Score history, last {len(shown)} month ends (point in time)",
            right_align=[1, 3],
        )  # fmt: skip
    ev = p.get("evidence")
    if ev:
        print_table(
            [
                [t["bucket"], f"{t['horizon_months']}m", str(t["n_obs"]), str(t["n_independent"]),
                 fmt_pct(t["mean"], reason="none"), fmt_pct(t["median"], reason="none"),
                 fmt_pct(t["hit_rate"], 0, sign=False, reason="none"),
                 fmt_num(t["rank_corr"], 2, sign=True, reason="too few")]
                for t in ev["table"]
            ],
            ["score", "ahead", "readings", "independent", "mean", "median", "small won",
             "rank corr."],
            title=f"Past scores ({fmt_date(ev['first'])[:7]}..{fmt_date(ev['last'])[:7]}) and "
            "the small-minus-large (IWM/SPY) return that followed",
            caption=ev["warning"],
            right_align=range(2, 8),
        )  # fmt: skip
    for note in p["notes"]:
        console.print(f"[dim]{note}[/]", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``factor`` and ``rotation`` to the ``capsize`` app."""

    @app.command("factor")
    @handle_errors
    def factor(
        since: int | None = typer.Option(None, "--since", help="First calendar year, e.g. 1990."),
        years: int = typer.Option(15, "--years", help="Calendar years shown in the year table."),
        threshold: float = typer.Option(
            0.25, "--threshold", help="Reversal that confirms a cycle turning point (fraction)."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
    ) -> None:
        """Show the size factor across a century: growth, streaks, cycles, what followed.

        Example: capsize factor --since 1980
        """
        if years < 1:
            raise InputError(
                f"--years {years} shows no year; pass a count of 1 or more (e.g. --years 15)"
            )
        with open_store(read_only=True) as store:
            payload = factor_payload(store, since=since, cycle_threshold=threshold)
        if as_json:
            emit_json(payload)
        else:
            _print_factor(payload, years)

    @app.command("rotation")
    @handle_errors
    def rotation(
        as_of: str | None = typer.Option(
            None, "--as-of", help="Score date (YYYY-MM-DD); only data available then is used."
        ),
        history: int = typer.Option(12, "--history", help="Month ends of history to show."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
    ) -> None:
        """Show the small-vs-large rotation score, its components, history and evidence.

        Example: capsize rotation --as-of 2025-06-30
        """
        day = parse_date_option(as_of, "--as-of")
        weights = _config_weights()
        with open_store(read_only=True) as store:
            payload = rotation_payload(store, as_of=day, weights=weights)
        if as_json:
            emit_json(payload)
        else:
            _print_rotation(payload, history)
