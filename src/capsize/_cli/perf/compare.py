"""``capsize compare``: relative strength, yearly leadership and streaks of one symbol vs another."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from capsize._cli._common import print_table
from capsize._cli.drivers.base import after_data_note
from capsize._cli.perf.load import _no_data_before, _sources
from capsize._format import fmt_date, fmt_pct, is_missing
from capsize.analytics import performance as perf
from capsize.errors import InputError

if TYPE_CHECKING:
    from capsize.data.store import Store

__all__ = ["compare_payload"]


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
