"""``capsize perf``: price and total returns over windows, by symbol or by size segment."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from capsize._cli._common import print_table
from capsize._cli.drivers.base import after_data_note
from capsize._cli.perf.load import (
    _check_starts,
    _clamp_as_of,
    _default_as_of,
    _last_dates,
    _load,
    _sources,
    _windows,
    upper_symbols,
)
from capsize._format import fmt_date, fmt_pct
from capsize.analytics import performance as perf
from capsize.errors import DataNotFound, InputError

if TYPE_CHECKING:
    from capsize.data.store import Store

__all__ = ["CONVENTION", "perf_payload", "segments_payload"]


CONVENTION = (
    "return = end close / base close - 1; base = last close on or before the window start "
    "(YTD: last close of the previous year); end = last close on or before the as-of date"
)


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
