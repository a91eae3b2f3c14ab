"""``capsize risk`` and ``highs``: volatility, beta, capture vs a benchmark; highs and drawdowns."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from capsize._cli._common import print_table
from capsize._cli.drivers.base import after_data_note
from capsize._cli.perf.load import _no_data_before, _sources, upper_symbols
from capsize._format import fmt_date, fmt_num, fmt_pct, fmt_ratio
from capsize.analytics import performance as perf
from capsize.analytics import risk as rk
from capsize.errors import DataNotFound, InputError

if TYPE_CHECKING:
    from capsize.data.store import Store

__all__ = ["highs_payload", "risk_payload"]


def risk_payload(
    store: Store,
    symbol: str,
    bench: str,
    *,
    as_of: pd.Timestamp | None = None,
    since: pd.Timestamp | None = None,
    threshold: float = 0.01,
    window: int = 252,
) -> dict[str, Any]:
    """Volatility, beta, correlation, capture and conditional move of ``symbol`` vs ``bench``."""
    symbol, bench = symbol.strip().upper(), bench.strip().upper()
    if symbol == bench:
        raise InputError(
            f"risk needs two different symbols: --vs {bench} is {symbol} itself; e.g. --vs SPY"
        )
    if not 0 < threshold < 0.5:
        raise InputError(
            f"--threshold {threshold:g} is out of range: threshold is a fraction (0.01 = 1%); "
            "use a value above 0 and below 0.5"
        )
    if since is not None and as_of is not None and since > as_of:
        raise InputError(f"--since {fmt_date(since)} is after --as-of {fmt_date(as_of)}; swap them")
    frame = store.closes([symbol, bench], basis="auto", start=since, as_of=as_of)
    a, b = frame[symbol].dropna(), frame[bench].dropna()
    for sym, col in ((symbol, a), (bench, b)):
        if len(col) >= 3:
            continue
        full = store.closes([sym], basis="auto")[sym].dropna()
        if full.empty or (as_of is not None and as_of < full.index[0]):
            raise _no_data_before(store, sym, as_of)
        if since is not None and since > full.index[-1]:
            raise DataNotFound(
                f"--since {fmt_date(since)} is after the latest data for {sym} "
                f"({fmt_date(full.index[-1])}); pick an earlier --since"
            )
        raise DataNotFound(
            f"too few closes for {sym} in the window (under 3); widen --since/--as-of"
        )
    as_of_note = after_data_note(as_of, min(a.index[-1], b.index[-1]))
    # one calendar: the one with fewer dates (trading days); the other's last close on or before
    start = max(a.index[0], b.index[0])
    na, nb = int((a.index >= start).sum()), int((b.index >= start).sum())
    if na <= nb:
        cal = a.index[a.index >= start]
        a_c, b_c = a.loc[cal], rk.to_calendar(b, cal)
        calendar = symbol
    else:
        cal = b.index[b.index >= start]
        a_c, b_c = rk.to_calendar(a, cal), b.loc[cal]
        calendar = bench
    ra = perf.returns_from_closes(a_c)
    rb = perf.returns_from_closes(b_c)
    ra.name, rb.name = symbol, bench
    s = rk.risk_summary(ra, rb, threshold=threshold)
    rolling = rk.rolling_beta(ra, rb, window)
    last_roll = rolling.dropna()
    return {
        "symbol": symbol,
        "benchmark": bench,
        "as_of": s.end,
        "requested_as_of": as_of,
        "as_of_note": as_of_note,
        "start": s.start,
        "end": s.end,
        "n_days": s.n_days,
        "calendar": f"{calendar}'s trading days (the other: last close on or before each)",
        "volatility": s.volatility,
        "benchmark_volatility": s.benchmark_volatility,
        "beta": s.beta,
        "correlation": s.correlation,
        "rolling_beta": {
            "window": window,
            "last": float(last_roll.iloc[-1]) if not last_roll.empty else None,
            "date": last_roll.index[-1] if not last_roll.empty else None,
            "min": float(last_roll.min()) if not last_roll.empty else None,
            "max": float(last_roll.max()) if not last_roll.empty else None,
        },
        "capture": dict(s.capture.__dict__),
        "conditional": dict(s.conditional.__dict__),
        "conditional_up": dict(rk.conditional_move(ra, rb, threshold, direction="up").__dict__),
        "conditional_down": dict(rk.conditional_move(ra, rb, threshold, direction="down").__dict__),
        "formulas": {
            "volatility": "sample std of daily simple returns x sqrt(252)",
            "beta": "cov(r, b) / var(b) on paired days",
            "conditional": "median of r / b on days with |b| >= threshold",
        },
        "sources": _sources(store, [symbol, bench]),
    }


def _print_risk(p: dict[str, Any]) -> None:
    c, m, rb = p["capture"], p["conditional"], p["rolling_beta"]
    sym, bench = p["symbol"], p["benchmark"]
    thr = fmt_pct(m["threshold"], 1, sign=False)
    rows = [
        ["Volatility (annualised)", fmt_pct(p["volatility"], 1, sign=False)],
        [f"{bench} volatility", fmt_pct(p["benchmark_volatility"], 1, sign=False)],
        ["Beta (full period)", fmt_num(p["beta"], 2)],
        ["Correlation", fmt_num(p["correlation"], 2)],
        [
            f"Rolling beta ({rb['window']}d), latest",
            fmt_num(rb["last"], 2, reason="window longer than data"),
        ],
        ["Up capture", fmt_ratio(c["up"], 2, reason="no up days")],
        ["Down capture", fmt_ratio(c["down"], 2, reason="no down days")],
        [
            f"Move when {bench} moves >= {thr} (median ratio)",
            fmt_ratio(m["median_ratio"], 2, reason="no such days"),
        ],
        [f"Days with |{bench}| >= {thr}", str(m["n_days"])],
        [
            f"  on {bench} up days (+{thr} or more, {p['conditional_up']['n_days']} days)",
            fmt_ratio(p["conditional_up"]["median_ratio"], 2, reason="no such days"),
        ],
        [
            f"  on {bench} down days (-{thr} or worse, {p['conditional_down']['n_days']} days)",
            fmt_ratio(p["conditional_down"]["median_ratio"], 2, reason="no such days"),
        ],
    ]
    caption = [
        *([f"Note: {p['as_of_note']}."] if p.get("as_of_note") else []),
        f"{sym} vs {bench}, daily returns {fmt_date(p['start'])}..{fmt_date(p['end'])} "
        f"({p['n_days']} paired days) on {p['calendar']}.",
        *[f"{k}: {v}" for k, v in p["formulas"].items()],
        *[f"{s}: {v['source']}" for s, v in p["sources"].items()],
    ]
    print_table(
        rows,
        ["Measure", sym],
        title=f"Risk: {sym} vs {bench}",
        caption="\n".join(caption),
        right_align=(1,),
    )


# --------------------------------------------------------------------------- highs


def highs_payload(
    store: Store, symbols: list[str], *, as_of: pd.Timestamp | None = None
) -> dict[str, Any]:
    """All-time and 52-week highs (close and intraday) and drawdowns of ``symbols``."""
    symbols = upper_symbols(symbols)
    if not symbols:
        raise InputError("name at least one symbol, e.g. capsize highs ^RUT IWM")
    out = []
    for sym in symbols:
        bars = store.bars(sym, basis="auto", as_of=as_of)
        close = bars["close"].dropna().rename(sym)
        if close.empty:
            raise _no_data_before(store, sym, as_of)
        h = perf.highs(close, bars["high"])
        dd = perf.drawdown_stats(close)

        def mark(m: perf.HighMark) -> dict[str, Any]:
            return dict(m.__dict__)

        out.append(
            {
                "symbol": sym,
                "basis": bars.attrs.get("basis"),
                "as_of_date": h.as_of_date,
                "last_close": h.last_close,
                "first_date": h.first_date,
                "all_time_close": mark(h.all_time_close),
                "all_time_intraday": mark(h.all_time_intraday),
                "week52_close": mark(h.week52_close),
                "week52_intraday": mark(h.week52_intraday),
                "record_close_today": h.all_time_close.is_today,
                "drawdown": dict(dd.__dict__),
                "source": bars.attrs.get("source"),
            }
        )
    latest = max(pd.Timestamp(str(s["as_of_date"])) for s in out)
    as_of_note = after_data_note(as_of, latest)
    return {
        "as_of": latest if as_of is None or as_of_note is not None else as_of,
        "requested_as_of": as_of,
        "as_of_note": as_of_note,
        "symbols": out,
        "convention": (
            "52-week = closes after as-of minus one year; all-time = since the first date held; "
            "distance = last close / high - 1"
        ),
    }


def _print_highs(p: dict[str, Any]) -> None:
    rows = []
    for s in p["symbols"]:
        for key, label in (
            ("all_time_close", "All-time (close)"),
            ("all_time_intraday", "All-time (intraday)"),
            ("week52_close", "52-week (close)"),
            ("week52_intraday", "52-week (intraday)"),
        ):
            m = s[key]
            since = (
                "" if m["reason"] else f"{m['calendar_days_since']}d / {m['trading_days_since']} td"
            )
            rows.append(
                [
                    s["symbol"],
                    label,
                    fmt_num(m["value"], 2, reason=m["reason"]),
                    fmt_date(m["date"]),
                    since,
                    fmt_pct(m["distance"], 2),
                ]
            )
        dd = s["drawdown"]
        rec = fmt_date(dd["recovery_date"], reason="not recovered")
        rows.append(
            [
                s["symbol"],
                "Max drawdown",
                fmt_pct(dd["max_drawdown"], 1),
                f"{fmt_date(dd['peak_date'])}..{fmt_date(dd['trough_date'])}",
                f"recovered {rec}",
                f"now {fmt_pct(dd['current_drawdown'], 1)}",
            ]
        )
    caption = [p["convention"] + "."]
    if p.get("as_of_note"):
        caption.insert(0, f"Note: {p['as_of_note']}.")
    for s in p["symbols"]:
        if s["record_close_today"]:
            caption.append(f"{s['symbol']} closed at a record on {fmt_date(s['as_of_date'])}.")
        caption.append(
            f"{s['symbol']}: {s['basis']} closes as of {fmt_date(s['as_of_date'])}, "
            f"last {fmt_num(s['last_close'], 2)}, since {fmt_date(s['first_date'])}; "
            f"source {s['source']}"
        )
    print_table(
        rows,
        ["Symbol", "High", "Level", "Date", "Since", "Distance"],
        title="Highs and drawdowns",
        caption="\n".join(caption),
        right_align=(2, 5),
    )
