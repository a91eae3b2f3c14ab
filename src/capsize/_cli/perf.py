"""``capsize perf``, ``compare``, ``risk`` and ``highs``: performance figures with their evidence.

Thin commands over :mod:`capsize.analytics.performance` and
:mod:`capsize.analytics.risk`. Each command reads closes from the store, builds a
JSON-ready payload with a plain function taking an open store (so the report can
reuse it), and prints it as rich tables or JSON. Every output names the data's
source, the as-of date and the window convention.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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
from capsize._cli._drivers_base import after_data_note
from capsize._format import fmt_date, fmt_num, fmt_pct, fmt_ratio, is_missing
from capsize.analytics import performance as perf
from capsize.analytics import risk as rk
from capsize.errors import DataNotFound, InputError

if TYPE_CHECKING:
    from capsize.data.store import Store

__all__ = [
    "compare_payload",
    "highs_payload",
    "perf_payload",
    "register",
    "risk_payload",
    "segments_payload",
]

CONVENTION = (
    "return = end close / base close - 1; base = last close on or before the window start "
    "(YTD: last close of the previous year); end = last close on or before the as-of date"
)


# --------------------------------------------------------------------------- loading


def upper_symbols(symbols: list[str]) -> list[str]:
    """Symbols as the store spells them: stripped and upper-cased (``iwm`` -> ``IWM``)."""
    return [s.strip().upper() for s in symbols if s.strip()]


def _first_date(store: Store, sym: str) -> str:
    try:
        return fmt_date(store.provenance("bars", sym).first_date)
    except DataNotFound:
        return "n/a"


def _no_data_before(store: Store, sym: str, as_of: pd.Timestamp | None) -> DataNotFound:
    if as_of is None:
        return DataNotFound(f"no closes for {sym} in the store; run 'capsize data import DIR'")
    return DataNotFound(
        f"no closes for {sym} on or before {fmt_date(as_of)}: {sym}'s data starts "
        f"{_first_date(store, sym)}; pick a later --as-of"
    )


def _sources(store: Store, symbols: list[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for sym in symbols:
        try:
            p = store.provenance("bars", sym)
        except DataNotFound:
            continue
        out[sym] = {
            "source": p.source,
            "first_date": p.first_date,
            "last_date": p.last_date,
            "rows": p.rows,
        }
    return out


def _load(
    store: Store, symbols: list[str], as_of: pd.Timestamp | None
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str], list[str]]:
    """Load adjusted (total-return) and raw/level (price-return) closes for ``symbols``."""
    if not symbols:
        raise InputError("name at least one symbol, e.g. capsize perf IWM SPY")
    auto = store.closes(symbols, basis="auto", as_of=as_of)
    basis: dict[str, str] = dict(auto.attrs.get("basis", {}))
    crypto = set(store.symbols("crypto"))
    adjusted: dict[str, pd.Series] = {}
    price: dict[str, pd.Series] = {}
    notes: list[str] = []
    for sym in symbols:
        col = auto[sym].dropna()
        if col.empty:
            raise _no_data_before(store, sym, as_of)
        if basis.get(sym) == "adjusted":
            adjusted[sym] = col
            try:
                raw = store.closes([sym], basis="raw", as_of=as_of)[sym].dropna()
            except DataNotFound:
                continue
            if not raw.empty:
                price[sym] = raw
        elif basis.get(sym) == "raw":
            price[sym] = col
            notes.append(f"{sym}: only raw closes held, price return only")
        elif sym in crypto:
            adjusted[sym] = col
            price[sym] = col
            notes.append(f"{sym}: crypto price level; no distributions, so total = price return")
        else:
            price[sym] = col
            notes.append(f"{sym}: index level, price return only (no dividends)")
    return pd.DataFrame(adjusted), pd.DataFrame(price), basis, notes


def _default_as_of(*frames: pd.DataFrame) -> pd.Timestamp:
    last = [f.index.max() for f in frames if not f.empty]
    if not last:
        raise DataNotFound("no closes for the requested symbols")
    return pd.Timestamp(max(last))


def _last_dates(adjusted: pd.DataFrame, price: pd.DataFrame, symbols: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for sym in symbols:
        ends = [
            pd.Timestamp(str(f[sym].last_valid_index()))
            for f in (adjusted, price)
            if sym in f.columns and f[sym].last_valid_index() is not None
        ]
        if ends:
            out[sym] = max(ends)
    return out


def _clamp_as_of(
    adjusted: pd.DataFrame, price: pd.DataFrame, as_of: pd.Timestamp | None, symbols: list[str]
) -> tuple[pd.Timestamp, str | None, list[str]]:
    """Return the as-of date used, the note if the request is after all data, stale notes."""
    latest = _default_as_of(adjusted, price)
    note = after_data_note(as_of, latest)
    day = latest if as_of is None or note is not None else as_of
    stale = [
        f"{sym}: data ends {fmt_date(end)}, before the as-of {fmt_date(day)}; its figures are "
        f"n/a here; for them use --as-of {fmt_date(end)}"
        for sym, end in _last_dates(adjusted, price, symbols).items()
        if end < day
    ]
    return day, note, stale


def _check_starts(
    latest: pd.Timestamp,
    since: pd.Timestamp | None,
    between: tuple[pd.Timestamp, pd.Timestamp] | None,
    trough_from: pd.Timestamp | None,
) -> None:
    for name, start in (
        ("--since", since),
        ("--between", between[0] if between is not None else None),
        ("--trough-from", trough_from),
    ):
        if start is not None and start > latest:
            raise InputError(
                f"{name} {fmt_date(start)} is after the latest data ({fmt_date(latest)}); "
                "pick an earlier date"
            )


def _windows(
    as_of: pd.Timestamp,
    ytd: bool,
    since: pd.Timestamp | None,
    between: tuple[pd.Timestamp, pd.Timestamp] | None,
    trough_from: pd.Timestamp | None,
) -> list[perf.Window]:
    chosen = [
        w for w in (ytd, since is not None, between is not None, trough_from is not None) if w
    ]
    if len(chosen) > 1:
        raise InputError("choose one of --ytd, --since, --between, --trough-from")
    if ytd:
        return [perf.ytd(as_of)]
    if since is not None:
        return [perf.since(since, as_of)]
    if between is not None:
        return [perf.between(*between)]
    if trough_from is not None:
        return [perf.trough_to_date(trough_from, as_of)]
    return [
        perf.mtd(as_of),
        perf.qtd(as_of),
        perf.ytd(as_of),
        perf.trailing("1Y", as_of),
        perf.trailing("3Y", as_of),
        perf.trailing("5Y", as_of),
    ]


# --------------------------------------------------------------------------- perf


def perf_payload(
    store: Store,
    symbols: list[str],
    *,
    as_of: pd.Timestamp | None = None,
    ytd: bool = False,
    since: pd.Timestamp | None = None,
    between: tuple[pd.Timestamp, pd.Timestamp] | None = None,
    trough_from: pd.Timestamp | None = None,
) -> dict[str, Any]:
    """Price and total returns of ``symbols`` over the chosen windows, with provenance.

    When ``as_of`` is after the latest close of every symbol, the figures are as of
    that latest close and ``as_of_note`` says so. A symbol whose data ends before
    the as-of date shows n/a and a note with the ``--as-of`` that would cover it.
    """
    symbols = upper_symbols(symbols)
    adjusted, price, basis, notes = _load(store, symbols, as_of)
    day, as_of_note, stale = _clamp_as_of(adjusted, price, as_of, symbols)
    _check_starts(_default_as_of(adjusted, price), since, between, trough_from)
    notes += stale
    wins = _windows(day, ytd, since, between, trough_from)
    table = perf.performance_table(
        adjusted if not adjusted.empty else None,
        price if not price.empty else None,
        wins,
        as_of=day,
        symbols=symbols,
    )
    rows = []
    for rec in table.to_dict("records"):
        rows.append(
            {
                "symbol": rec["symbol"],
                "window": rec["window"],
                "price_return": rec["price_return"],
                "total_return": rec["total_return"],
                "base_date": rec["base_date"],
                "end_date": rec["end_date"],
                "n_days": rec["n_days"],
                "stale_days": rec["stale_days"],
                "annualised_total": rec["annualised_total"],
                "annualised_price": rec["annualised_price"],
                "price_reason": rec["price_reason"],
                "total_reason": rec["total_reason"],
                "price_series": rec["price_series"],
                "total_series": rec["total_series"],
            }
        )
    return {
        "as_of": day,
        "requested_as_of": as_of,
        "as_of_note": as_of_note,
        "convention": CONVENTION,
        "windows": [w.describe() for w in wins],
        "rows": rows,
        "basis": basis,
        "notes": notes,
        "sources": _sources(store, symbols),
    }


def segments_payload(
    store: Store,
    *,
    as_of: pd.Timestamp | None = None,
    style: str = "blend",
    ytd: bool = False,
    since: pd.Timestamp | None = None,
    between: tuple[pd.Timestamp, pd.Timestamp] | None = None,
    trough_from: pd.Timestamp | None = None,
) -> dict[str, Any]:
    """Build the size-segment returns payload: each segment through its first proxy with data."""
    from capsize.segments import _STYLES, DEFAULT_SEGMENTS, segment_performance

    if style not in _STYLES:
        raise InputError(f"--style must be one of {', '.join(_STYLES)}, got {style!r}")
    held = set(store.symbols())
    wanted = [s for s in DEFAULT_SEGMENTS.symbols() if s in held]
    if not wanted:
        raise DataNotFound(
            "no segment proxy (IWC, IWM, IJH, SPY, QQQ, ...) in the store; run 'capsize data import'"
        )
    adjusted, price, basis, notes = _load(store, wanted, as_of)
    latest = _default_as_of(adjusted, price)
    as_of_note = after_data_note(as_of, latest)
    day = latest if as_of is None or as_of_note is not None else as_of
    _check_starts(latest, since, between, trough_from)
    wins = _windows(day, ytd, since, between, trough_from)
    table = segment_performance(
        adjusted if not adjusted.empty else None,
        price if not price.empty else None,
        wins,
        day,
        style=style,  # type: ignore[arg-type]
    )
    rows = [
        {k: (None if isinstance(v, float) and v != v else v) for k, v in rec.items()}
        for rec in table.to_dict("records")
    ]
    used = sorted({r["symbol"] for r in rows if r["symbol"]})
    stale = [
        f"{sym}: data ends {fmt_date(end)}, before the as-of {fmt_date(day)}; its figures are "
        f"n/a here; for them use --as-of {fmt_date(end)}"
        for sym, end in _last_dates(adjusted, price, used).items()
        if end < day
    ]
    return {
        "as_of": day,
        "requested_as_of": as_of,
        "as_of_note": as_of_note,
        "convention": CONVENTION,
        "style": style,
        "windows": [w.describe() for w in wins],
        "rows": rows,
        "basis": basis,
        "notes": [n for n in notes if n.split(":")[0] in used] + stale,
        "sources": _sources(store, used),
    }


def _print_segments(payload: dict[str, Any], total_only: bool) -> None:
    notes = _Footnotes()
    cols = ["Segment", "Band", "Proxy", "Window"]
    cols += ["Total return"] if total_only else ["Price return", "Total return"]
    cols += ["Base", "End"]
    out = []
    for r in payload["rows"]:
        row = [r["label"], r["band"], r["symbol"] or "n/a", r["window"]]
        total = fmt_pct(r["total_return"], 2, reason=notes.tag(r["total_reason"]))
        if total_only:
            row.append(total)
        else:
            row += [fmt_pct(r["price_return"], 2, reason=notes.tag(r["price_reason"])), total]
        row += [fmt_date(r.get("base_date")), fmt_date(r.get("end_date"))]
        out.append(row)
    right = (4,) if total_only else (4, 5)
    caption = "\n".join([_source_caption(payload), *notes.lines()])
    print_table(
        out, cols, title=f"Size segments ({payload['style']})", caption=caption, right_align=right
    )


def _source_caption(payload: dict[str, Any]) -> str:
    lines = [f"As of {fmt_date(payload['as_of'])}. {payload['convention']}."]
    if payload.get("as_of_note"):
        lines.insert(0, f"Note: {payload['as_of_note']}.")
    for sym, src in payload["sources"].items():
        lines.append(
            f"{sym}: {src['source']} ({fmt_date(src['first_date'])}..{fmt_date(src['last_date'])})"
        )
    lines += payload.get("notes", [])
    return "\n".join(lines)


class _Footnotes:
    """Collect long n/a reasons once; table cells show ``[n]``."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def tag(self, reason: Any) -> str:
        if not isinstance(reason, str) or not reason:
            return ""
        if "no price-return series" in reason:
            return "no raw closes"
        if "no total-return series" in reason:
            return "no total-return series"
        if reason not in self.items:
            self.items.append(reason)
        return f"[{self.items.index(reason) + 1}]"

    def lines(self) -> list[str]:
        return [f"[{i}] {text}" for i, text in enumerate(self.items, start=1)]


def _print_perf(payload: dict[str, Any], total_only: bool) -> None:
    cols = ["Symbol", "Window"]
    cols += ["Total return"] if total_only else ["Price return", "Total return"]
    cols += ["Base", "End", "Note"]
    notes = _Footnotes()
    out = []
    for r in payload["rows"]:
        row = [r["symbol"], r["window"]]
        total = fmt_pct(r["total_return"], 2, reason=notes.tag(r["total_reason"]))
        if total_only:
            row.append(total)
        else:
            row += [fmt_pct(r["price_return"], 2, reason=notes.tag(r["price_reason"])), total]
        note = ""
        if r["stale_days"] and r["stale_days"] > 0:
            note = f"last close {r['stale_days']}d before the window end"
        row += [fmt_date(r["base_date"]), fmt_date(r["end_date"]), note]
        out.append(row)
    right = (2,) if total_only else (2, 3)
    caption = "\n".join([_source_caption(payload), *notes.lines()])
    print_table(out, cols, title="Performance", caption=caption, right_align=right)


# --------------------------------------------------------------------------- compare


def compare_payload(
    store: Store, a: str, b: str, *, as_of: pd.Timestamp | None = None
) -> dict[str, Any]:
    """Relative strength, calendar-year leadership and streaks of ``a`` against ``b``.

    The as-of date defaults to the last date both symbols have a close (a stale
    proxy would otherwise make every window n/a); a requested as-of after that
    date is moved back to it, with ``as_of_note`` saying so.
    """
    a, b = a.strip().upper(), b.strip().upper()
    if a == b:
        raise InputError(
            f"compare needs two different symbols; got {a} twice (e.g. capsize compare {a} SPY)"
        )
    frame = store.closes([a, b], basis="auto", as_of=as_of)
    basis = dict(frame.attrs.get("basis", {}))
    sa, sb = frame[a].dropna(), frame[b].dropna()
    for sym, col in ((a, sa), (b, sb)):
        if col.empty:
            raise _no_data_before(store, sym, as_of)
    common = pd.Timestamp(min(sa.index[-1], sb.index[-1]))
    as_of_note = after_data_note(as_of, common)
    day = common if as_of is None or as_of_note is not None else as_of
    as_of_reason = "requested" if as_of is not None and as_of_note is None else "latest"
    if sa.index[-1] != sb.index[-1] and (as_of is None or as_of_note is not None):
        as_of_reason = "common"
        as_of_note = (
            (as_of_note + "; " if as_of_note else "")
            + f"as of {fmt_date(common)}, the last date with data for all symbols "
            f"({a} ends {fmt_date(sa.index[-1])}, {b} ends {fmt_date(sb.index[-1])})"
        )
    sa, sb = sa[sa.index <= day], sb[sb.index <= day]
    notes = []
    if basis.get(a) != basis.get(b):
        notes.append(
            f"{a} is {basis.get(a)} and {b} is {basis.get(b)}: one includes dividends, the other "
            "does not, so the comparison favours the adjusted one"
        )
    rel = []
    for w in (perf.ytd(day), perf.trailing("1Y", day), perf.trailing("3Y", day)):
        rr = perf.relative_return(sa, sb, w, align="intersection")
        rel.append(
            {
                "window": w.label,
                a: rr.a.value,
                b: rr.b.value,
                "spread": rr.spread,
                "relative": rr.relative,
                "base_date": rr.a.base_date,
                "end_date": rr.a.end_date,
                "reason": rr.a.reason or rr.b.reason,
                "reason_a": rr.a.reason,
                "reason_b": rr.b.reason,
            }
        )
    rs = _ratio_trend(sa, sb)
    table = perf.calendar_year_table(sa, sb)
    st = perf.streaks(table)
    years = [
        {"year": int(y), **{k: rec[k] for k in rec}}
        for y, rec in zip(table.index, table.to_dict("records"), strict=True)
    ]

    def streak(s: perf.Streak | None) -> dict[str, Any] | None:
        return None if s is None else dict(s.__dict__)

    return {
        "a": a,
        "b": b,
        "as_of": day,
        "requested_as_of": as_of,
        "as_of_basis": as_of_reason,
        "as_of_note": as_of_note,
        "basis": basis,
        "relative": rel,
        "relative_strength": rs,
        "years": years,
        "streaks": {
            "current": streak(st.current),
            "longest": {k: streak(v) for k, v in st.longest.items()},
            "years_counted": st.years_counted,
        },
        "convention": table.attrs["convention"],
        "notes": notes,
        "sources": _sources(store, [a, b]),
    }


def _ratio_trend(sa: pd.Series, sb: pd.Series) -> dict[str, Any]:
    """Ratio ``a/b`` vs its 50- and 200-day averages and the last 200-day crossover."""
    try:
        ratio = perf.relative_strength(sa, sb)
    except InputError:
        return {"date": None}
    out: dict[str, Any] = {
        "date": ratio.index[-1],
        "formula": "ratio = a/b on common dates (rebased to 1 at the first); "
        "vs average = ratio / n-day mean of the ratio - 1",
    }
    for n in (50, 200):
        ma = ratio.rolling(n).mean()
        out[f"vs_{n}d"] = float(ratio.iloc[-1] / ma.iloc[-1] - 1) if len(ratio) >= n else None
    ma200 = ratio.rolling(200).mean()
    side = (ratio - ma200).dropna()
    out["above_200d"] = None if side.empty else bool(side.iloc[-1] > 0)
    out["last_cross"] = None
    out["days_since_cross"] = None
    if not side.empty:
        sign = side > 0
        changed = sign.ne(sign.shift()).to_numpy().nonzero()[0]
        changed = changed[changed > 0]
        if len(changed):
            at = int(changed[-1])
            out["last_cross"] = side.index[at]
            out["days_since_cross"] = len(side) - 1 - at
    return out


def _fmt_pp(value: Any, reason: str | None = None) -> str:
    """Format a difference of two returns in percentage points: ``0.095`` -> ``"+9.5 pp"``."""
    if is_missing(value):
        return fmt_pct(value, 1, reason=reason)
    return f"{float(value) * 100:+.1f} pp"


def _ratio_line(p: dict[str, Any]) -> str:
    a, b, rs = p["a"], p["b"], p.get("relative_strength") or {}
    if rs.get("date") is None:
        return f"{a}/{b} ratio: n/a (no common dates)"
    text = (
        f"{a}/{b} ratio on {fmt_date(rs['date'])}: "
        f"{fmt_pct(rs['vs_50d'], 1, reason='under 50 common days')} vs its 50-day average, "
        f"{fmt_pct(rs['vs_200d'], 1, reason='under 200 common days')} vs its 200-day average"
    )
    if rs.get("last_cross") is not None:
        where = "above" if rs["above_200d"] else "below"
        text += (
            f"; {where} the 200-day average since {fmt_date(rs['last_cross'])} "
            f"({rs['days_since_cross']} trading days)"
        )
    return text + "."


def _print_compare(p: dict[str, Any]) -> None:
    a, b = p["a"], p["b"]
    rows = [
        [
            r["window"],
            fmt_pct(r[a], 2, reason=r.get("reason_a") or r["reason"]),
            fmt_pct(r[b], 2, reason=r.get("reason_b") or r["reason"]),
            _fmt_pp(r["spread"], reason=r["reason"]),
            fmt_date(r["base_date"]),
            fmt_date(r["end_date"]),
        ]
        for r in p["relative"]
    ]
    caption = [_ratio_line(p)]
    if p.get("as_of_note"):
        caption.insert(0, f"Note: {p['as_of_note']}.")
    print_table(
        rows,
        ["Window", a, b, f"{a} - {b}", "Base", "End"],
        title=f"{a} vs {b} (as of {fmt_date(p['as_of'])})",
        caption="\n".join(caption),
        right_align=(1, 2, 3),
    )
    yrows = []
    for r in p["years"]:
        status = r["status"]
        if status == "partial":
            status = f"partial ({fmt_date(r['base_date'])}..{fmt_date(r['end_date'])})"
        elif status == "missing":
            status = f"missing ({r['note']})"
        yrows.append(
            [
                str(r["year"]),
                fmt_pct(r[a], 1, reason="no data"),
                fmt_pct(r[b], 1, reason="no data"),
                _fmt_pp(r["spread"], reason="no data"),
                str(r["winner"] or "n/a"),
                status,
            ]
        )
    st = p["streaks"]
    cur = st["current"]
    lines = []
    if cur is not None:
        lines.append(
            f"Current streak: {cur['leader']} led {cur['length']} year(s) in a row "
            f"({cur['start_year']}-{cur['end_year']})."
        )
    for who, s in st["longest"].items():
        if who != "tie":
            lines.append(
                f"Longest {who} streak: {s['length']} years ({s['start_year']}-{s['end_year']})."
            )
    lines.append(f"Full calendar years counted: {st['years_counted']}. {p['convention']}.")
    lines.append(
        f"Data as of {fmt_date(p['as_of'])}; bases: "
        + ", ".join(f"{k} {v}" for k, v in p["basis"].items())
    )
    lines += [f"{s}: {v['source']}" for s, v in p["sources"].items()]
    lines += p["notes"]
    print_table(
        yrows,
        ["Year", a, b, "Spread", "Leader", "Status"],
        title="Calendar-year leadership",
        caption="\n".join(lines),
        right_align=(1, 2, 3),
    )


# --------------------------------------------------------------------------- risk


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


# --------------------------------------------------------------------------- register


def register(app: typer.Typer) -> None:
    """Add ``perf``, ``compare``, ``risk`` and ``highs`` to the ``capsize`` app."""

    @app.command("perf")
    @handle_errors
    def perf_cmd(
        symbols: list[str] | None = typer.Argument(
            None, help="Symbols, e.g. IWM SPY IWC ^RUT (or use --segments)."
        ),
        segments: bool = typer.Option(
            False, "--segments", help="One row per size segment (micro..mega) via its proxy."
        ),
        style: str = typer.Option(
            "blend", "--style", help="Segment proxies: blend, value, growth or equal-weight."
        ),
        ytd: bool = typer.Option(False, "--ytd", help="Year to date."),
        since: str | None = typer.Option(None, "--since", help="From the close of this date."),
        between: tuple[str, str] | None = typer.Option(
            None, "--between", help="Two dates: from the close of the first to the second."
        ),
        trough_from: str | None = typer.Option(
            None, "--trough-from", help="From the lowest close on or after this date."
        ),
        as_of: str | None = typer.Option(None, "--as-of", help="End date (default: latest data)."),
        total: bool = typer.Option(False, "--total", help="Show total return only."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    ) -> None:
        """Show price and total returns over YTD, since a date, or between dates.

        Without a window option: MTD, QTD, YTD, 1Y, 3Y and 5Y.

        With --segments: one row per size segment, through its first proxy with data.

        Example: capsize perf IWM SPY IWC --ytd --as-of 2025-10-08
        """
        day = parse_date_option(as_of, "--as-of")
        s = parse_date_option(since, "--since")
        t = parse_date_option(trough_from, "--trough-from")
        btw = None
        if between is not None:
            d1 = parse_date_option(between[0], "--between")
            d2 = parse_date_option(between[1], "--between")
            if d1 is None or d2 is None:
                raise InputError("--between needs two dates, e.g. --between 2025-01-01 2025-06-30")
            btw = (d1, d2)
        if segments and symbols:
            raise InputError("give symbols or --segments, not both")
        if not segments and not symbols:
            raise InputError("name at least one symbol (e.g. capsize perf IWM SPY) or --segments")
        with open_store(read_only=True) as store:
            if segments:
                payload = segments_payload(
                    store, as_of=day, style=style, ytd=ytd, since=s, between=btw, trough_from=t
                )
            else:
                payload = perf_payload(
                    store,
                    upper_symbols(symbols or []),
                    as_of=day,
                    ytd=ytd,
                    since=s,
                    between=btw,
                    trough_from=t,
                )
        if as_json:
            emit_json(payload)
        elif segments:
            _print_segments(payload, total)
        else:
            _print_perf(payload, total)

    @app.command("compare")
    @handle_errors
    def compare_cmd(
        a: str = typer.Argument(..., help="First symbol, e.g. IWM."),
        b: str = typer.Argument(..., help="Second symbol, e.g. SPY."),
        as_of: str | None = typer.Option(None, "--as-of", help="Use data up to this date."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
    ) -> None:
        """Compare two symbols: relative returns, calendar-year leaders and streaks.

        Example: capsize compare IWM SPY
        """
        day = parse_date_option(as_of, "--as-of")
        with open_store(read_only=True) as store:
            payload = compare_payload(store, a.upper(), b.upper(), as_of=day)
        if as_json:
            emit_json(payload)
        else:
            _print_compare(payload)

    @app.command("risk")
    @handle_errors
    def risk_cmd(
        symbol: str = typer.Argument(..., help="Symbol, e.g. IWM."),
        vs: str = typer.Option("SPY", "--vs", help="Benchmark symbol."),
        since: str | None = typer.Option(None, "--since", help="First date of the returns."),
        as_of: str | None = typer.Option(None, "--as-of", help="Last date of the returns."),
        threshold: float = typer.Option(
            0.01, "--threshold", help="Benchmark move for the conditional move (0.01 = 1%)."
        ),
        window: int = typer.Option(252, "--window", help="Rolling beta window (trading days)."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    ) -> None:
        """Show volatility, beta, correlation, capture and the move on big benchmark days.

        Example: capsize risk IWM --vs SPY --since 2015-01-01
        """
        day = parse_date_option(as_of, "--as-of")
        s = parse_date_option(since, "--since")
        with open_store(read_only=True) as store:
            payload = risk_payload(
                store,
                symbol.upper(),
                vs.upper(),
                as_of=day,
                since=s,
                threshold=threshold,
                window=window,
            )
        if as_json:
            emit_json(payload)
        else:
            _print_risk(payload)

    @app.command("highs")
    @handle_errors
    def highs_cmd(
        symbols: list[str] = typer.Argument(..., help="Symbols, e.g. ^RUT IWM."),
        as_of: str | None = typer.Option(None, "--as-of", help="Use data up to this date."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    ) -> None:
        """Show all-time and 52-week highs (close and intraday), distance and drawdowns.

        Example: capsize highs ^RUT IWM
        """
        day = parse_date_option(as_of, "--as-of")
        with open_store(read_only=True) as store:
            payload = highs_payload(store, upper_symbols(symbols), as_of=day)
        if as_json:
            emit_json(payload)
        else:
            _print_highs(payload)
            console.print()
