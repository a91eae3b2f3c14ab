"""``capsize breadth``, ``capsize liquidity`` and ``capsize levels``: market internals.

All data comes from the store (``capsize data import``). The dense universe panels
(closes, volume) are cached beside the store (``$CAPSIZE_HOME/cache/panels``) and
rebuilt when the store file changes, so a second run skips the long -> wide scatter.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
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
from capsize._format import fmt_date, fmt_large, fmt_money, fmt_num, fmt_pct

if TYPE_CHECKING:
    from capsize.analytics.engine import Panel
    from capsize.universe import Universe

__all__ = ["register"]

_INDEX = "IWM"
_ETFS = ("IWM", "IJR", "IWC", "SPY")


# --------------------------------------------------------------------------- loading


def _fingerprint(store: Any, key: str) -> str:
    st = Path(store.path).stat()
    return f"{key}|{st.st_size}|{st.st_mtime_ns}"


def _universe_panel(store: Any, field: str, members: tuple[str, ...]) -> Panel:
    """Return the dense panel of one bar field for the universe stocks (cached)."""
    from capsize.analytics.engine import Panel, load_panel, save_panel
    from capsize.errors import CapsizeError, DataNotFound

    folder = Path(store.path).parent / "cache" / "panels"
    base = folder / f"universe_{field}"
    key_file = folder / f"universe_{field}.key"
    key = _fingerprint(store, field)
    if key_file.is_file() and key_file.read_text() == key:
        try:
            return load_panel(base)
        except CapsizeError:
            pass
    try:
        wide = store.panel(field=field, basis="adjusted")
    except DataNotFound:
        wide = store.panel(list(members), field=field, basis="adjusted")
        key = key + "|members:" + str(hash(members))
    panel = Panel.from_wide(wide, name=field)
    try:
        save_panel(panel, base)
        key_file.write_text(key)
    except OSError:
        pass  # a read-only home: work without the cache
    return panel


def _universe(store: Any, as_of: pd.Timestamp | None) -> Universe:
    from capsize.errors import DataNotFound
    from capsize.universe import Universe

    try:
        holdings = store.holdings(_INDEX, as_of=as_of)
    except DataNotFound:
        holdings = None
    try:
        membership = store.membership(_INDEX, as_of=as_of)
    except DataNotFound:
        membership = None
    if holdings is None and membership is None:
        # nothing on or before the date: fall back to the earliest snapshot we have
        holdings = store.holdings(_INDEX)
    return Universe.from_frames(holdings, membership, name=_INDEX, as_of=None)


def _benchmark(store: Any, as_of: pd.Timestamp | None) -> pd.Series | None:
    from capsize.errors import CapsizeError

    try:
        return store.closes([_INDEX], as_of=as_of)[_INDEX]  # type: ignore[no-any-return]
    except (CapsizeError, KeyError):
        return None


def _source(store: Any, dataset: str, key: str) -> str:
    from capsize.errors import DataNotFound

    try:
        return str(store.provenance(dataset, key).source)
    except DataNotFound:
        return "unknown"


def _universe_source(store: Any, members: tuple[str, ...]) -> str:
    """Name the files behind the universe panel: member bars, membership, holdings."""
    folders: set[str] = set()
    for t in members[:5]:
        src = _source(store, "bars", t)
        for part in src.split("; "):
            folders.add(part.replace(t, "<TICKER>") if t in part else part)
    bars = "; ".join(sorted(f for f in folders if f != "unknown")) or "unknown"
    return (
        f"member bars {bars}; membership {_source(store, 'membership', _INDEX)}; "
        f"holdings {_source(store, 'holdings', _INDEX)}; benchmark {_INDEX} "
        f"{_source(store, 'bars', _INDEX)}"
    )


def _note_line(note: str | None) -> str:
    return f"Note: {note}.\n" if note else ""


# --------------------------------------------------------------------------- breadth


def _breadth_payload(
    res: Any,
    as_of: pd.Timestamp | None,
    note: str | None,
    source: str,
    requested: pd.Timestamp | None = None,
) -> dict[str, Any]:
    row = res.on(as_of)
    cmp = res.compare((21, 63, 252))
    out: dict[str, Any] = {
        "date": row.name,
        "as_of": row.name,
        "requested_as_of": requested if note else as_of,
        "as_of_note": note,
        "source": source,
        "universe": res.universe,
        "members": res.members,
        "caveat": res.caveat,
        "benchmark": res.benchmark,
        "mcclellan_formula": res.mcclellan_formula,
        "values": {k: float(v) for k, v in row.items()},
        "ew_vs_cw": {
            int(w): {k: (v if not isinstance(v, float) else float(v)) for k, v in r.items()}
            for w, r in cmp.iterrows()
        },
    }
    return out


def breadth_cmd(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Show breadth on this day (YYYY-MM-DD).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Breadth of the small-cap universe: % above averages, A/D, highs/lows, McClellan."""
    _run_breadth(as_of, as_json)


@handle_errors
def _run_breadth(as_of_s: str | None, as_json: bool) -> None:
    from capsize.analytics.breadth import compute_breadth

    as_of = parse_date_option(as_of_s, "--as-of")
    with open_store(read_only=True) as store:
        universe = _universe(store, as_of)
        closes = _universe_panel(store, "close", universe.members)
        universe = universe.restrict(closes.tickers)
        volume = _universe_panel(store, "volume", universe.members)
        bench = _benchmark(store, as_of)
        source = _universe_source(store, universe.members)
    from capsize.errors import DataNotFound

    dates = closes.dates
    if len(dates) < 2:
        raise DataNotFound(f"the {_INDEX} universe has under two days of prices; import more data")
    if as_of is not None and as_of < dates[1]:
        raise DataNotFound(
            f"--as-of {fmt_date(as_of)} is before the universe's prices (they start "
            f"{fmt_date(dates[0])}); pick --as-of {fmt_date(dates[1])} or later"
        )
    note = after_data_note(as_of, dates[-1])
    if note is not None:
        as_of = pd.Timestamp(dates[-1])
    res = compute_breadth(closes, volume=volume, benchmark=bench, universe=universe, as_of=as_of)
    row = res.on(as_of)
    if as_json:
        emit_json(_breadth_payload(res, as_of, note, source, parse_date_option(as_of_s, "--as-of")))
        return
    day = fmt_date(row.name)

    def pct_of(k: str) -> tuple[str, str]:
        covered = row[f"covered_{k}"]
        return fmt_pct(row[f"pct_above_{k}"], sign=False, reason="no member covered"), (
            f"{int(row[f'above_{k}']):,} of {int(covered):,}"
        )

    rows: list[list[str]] = []
    rows.append(["Members with prices", f"{res.members:,}", universe.describe()])
    rows.append(["Members with a close that day", f"{int(row['with_close']):,}", ""])
    for w in res.ma_windows:
        val, cov = pct_of(str(w))
        rows.append([f"% above {w}-day average", val, cov])
    rows.append(
        [
            "Advancers",
            f"{int(row['advancers']):,}",
            f"of {int(row['advancers'] + row['decliners'] + row['unchanged']):,} with a return",
        ]
    )
    rows.append(["Decliners", f"{int(row['decliners']):,}", f"unchanged {int(row['unchanged']):,}"])
    rows.append(
        [
            "A/D line",
            fmt_num(row["ad_line"], 0, sign=True),
            f"cumulative since {fmt_date(res.start)}",
        ]
    )
    rows.append(
        [
            "New 52-week highs",
            f"{int(row['new_highs']):,}",
            f"of {int(row['hl_covered']):,} with a full year",
        ]
    )
    rows.append(["New 52-week lows", f"{int(row['new_lows']):,}", ""])
    vcov = int(row["volume_covered"])
    vnote = f"{vcov:,} of {res.members:,} members have volume that day"
    rows.append(["Up volume", fmt_large(row["up_volume"], reason="no volume data"), vnote])
    rows.append(["Down volume", fmt_large(row["down_volume"], reason="no volume data"), ""])
    rows.append(
        [
            "McClellan oscillator",
            fmt_num(row["mcclellan"], 1, sign=True),
            "EMA19 - EMA39 of net advances",
        ]
    )
    cmp = res.compare((21, 63, 252))
    for wl, r in cmp.iterrows():
        rows.append(
            [
                f"{wl}-day return: equal-weight vs {res.benchmark or 'n/a'}",
                f"{fmt_pct(r['ew_return'], reason='window too long')} vs "
                f"{fmt_pct(r['cw_return'], reason='no benchmark')}",
                f"difference {fmt_pct(r['difference'], reason='n/a')}",
            ]
        )
    on_before = (
        ""
        if as_of is None or row.name == as_of
        else f" (last trading day on or before {fmt_date(as_of)})"
    )
    print_table(
        rows,
        ["Measure", "Value", "Coverage / note"],
        title=f"Breadth of {res.universe} members on {day}{on_before}",
        caption=(
            f"{_note_line(note)}{res.caveat}\nAs of {day}. Source: adjusted closes, {source}; "
            f"{res.mcclellan_formula}."
        ),
        right_align=(1,),
    )


# --------------------------------------------------------------------------- liquidity


def _symbol_frames(store: Any, symbols: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    closes, vols = {}, {}
    for s in symbols:
        bars = store.bars(s)
        closes[s] = bars["close"]
        vols[s] = bars["volume"]
    c = pd.DataFrame(closes).sort_index()
    v = pd.DataFrame(vols).reindex(c.index)
    return c, v


def _check_start(closes: pd.DataFrame, as_of: pd.Timestamp | None) -> None:
    """Refuse an as-of before the second close of a symbol, naming where its data starts."""
    from capsize.errors import DataNotFound

    if as_of is None:
        return
    for sym in closes.columns:
        col = closes[sym].dropna()
        if len(col) >= 2 and as_of < col.index[1]:
            raise DataNotFound(
                f"--as-of {fmt_date(as_of)} is too early for {sym}: its data starts "
                f"{fmt_date(col.index[0])}; pick --as-of {fmt_date(col.index[1])} or later"
            )


def _liq_rows(table: pd.DataFrame) -> list[list[str]]:
    rows = []
    for sym, r in table.iterrows():
        rows.append(
            [
                str(sym),
                fmt_large(r["adv_shares"], reason="no volume"),
                fmt_money(r["adv_dollars"], compact=True, reason="no volume"),
                f"{int(r['days_with_volume'])}",
                fmt_pct(r["yoy_adv_dollars"], reason="coverage"),
                fmt_num(r["amihud"] * 1e3, 3, reason="no volume"),
                str(r["tier"]),
                str(r["note"]),
            ]
        )
    return rows


def liquidity_cmd(
    symbols: Annotated[
        list[str] | None, typer.Argument(help="ETFs or stocks; none = the universe summary.")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="End of the 63-day window (YYYY-MM-DD).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Average daily volume, dollar volume, YoY change, Amihud illiquidity and tiers."""
    _run_liquidity(symbols or [], as_of, as_json)


@handle_errors
def _run_liquidity(symbols: list[str], as_of_s: str | None, as_json: bool) -> None:
    from capsize.analytics.liquidity import AMIHUD_FORMULA, liquidity

    as_of = parse_date_option(as_of_s, "--as-of")
    cols = ["Symbol", "ADV shares", "ADV $", "Days", "YoY $", "Amihud x1e3", "Tier", "Note"]
    with open_store(read_only=True) as store:
        note = None
        if symbols:
            syms = [s.strip().upper() for s in symbols]
            c, v = _symbol_frames(store, syms)
            _check_start(c, as_of)
            note = after_data_note(as_of, c.index.max())
            if note is not None:
                as_of = pd.Timestamp(c.index.max())
            res = liquidity(c, v, as_of=as_of)
            universe = None
            source = "; ".join(f"{x} {_source(store, 'bars', x)}" for x in syms)
        else:
            universe = _universe(store, as_of)
            closes = _universe_panel(store, "close", universe.members)
            universe = universe.restrict(closes.tickers)
            volume = _universe_panel(store, "volume", universe.members)
            has_vol = np.flatnonzero((~np.isnan(volume.values)).any(axis=1))
            if as_of is not None and len(has_vol):
                note = after_data_note(as_of, volume.dates[has_vol[-1]])
                if note is not None:
                    as_of = None
            if as_of is None:
                # the universe's volume ends before its closes: end on the last volume day
                has = ~np.isnan(volume.values)
                rows_with = np.flatnonzero(has.any(axis=1))
                as_of = volume.dates[rows_with[-1]] if len(rows_with) else None
            res = liquidity(closes, volume, as_of=as_of, universe=universe)
            etfs = [e for e in _ETFS if e in set(store.symbols())]
            etf_res = (
                liquidity(*_symbol_frames(store, etfs), as_of=res.window_end) if etfs else None
            )
            source = (
                _universe_source(store, universe.members)
                + "; ETFs "
                + "; ".join(f"{x} {_source(store, 'bars', x)}" for x in etfs)
            )
    window = f"{fmt_date(res.window_start)}..{fmt_date(res.window_end)} ({res.window} trading days)"
    if as_json:
        payload: dict[str, Any] = {
            "as_of": res.window_end,
            "requested_as_of": parse_date_option(as_of_s, "--as-of"),
            "as_of_note": note,
            "source": source,
            "window_start": res.window_start,
            "window_end": res.window_end,
            "caveat": res.caveat,
            "summary": dict(res.summary.items()),
            "amihud_formula": AMIHUD_FORMULA,
        }
        if symbols:
            payload["symbols"] = json.loads(res.table.to_json(orient="index", date_format="iso"))
        emit_json(payload)
        return
    if symbols:
        print_table(
            _liq_rows(res.table),
            cols,
            title=f"Liquidity over {window}",
            caption=(
                f"{_note_line(note)}{res.caveat}\n{AMIHUD_FORMULA} (shown x1e3).\n"
                f"As of {fmt_date(res.window_end)}. Source: {source}"
            ),
            right_align=(1, 2, 3, 4, 5),
        )
        return
    s = res.summary
    rows = [
        ["Members", f"{int(s['symbols']):,}", universe.describe() if universe else ""],
        [
            "Members with volume (>= 90% of days)",
            f"{int(s['covered']):,}",
            "every figure below covers only these",
        ],
        [
            "Total ADV $",
            fmt_money(s["total_adv_dollars"], compact=True, reason="no member covered"),
            "",
        ],
        [
            "Median ADV $",
            fmt_money(s["median_adv_dollars"], compact=True, reason="no member covered"),
            "",
        ],
        [
            "YoY change of ADV $ (same members)",
            fmt_pct(s["yoy_adv_dollars"], reason="no member covered in both years"),
            f"{int(s['yoy_covered']):,} members covered in both years",
        ],
    ]
    rows += [
        [f"Tier {str(k)[5:]}", f"{int(v):,}", ""]
        for k, v in s.items()
        if str(k).startswith("tier_")
    ]
    print_table(
        rows,
        ["Measure", "Value", "Coverage / note"],
        title=f"Liquidity of {_INDEX} members over {window}",
        caption=(
            f"{_note_line(note)}{res.caveat}\nAs of {fmt_date(res.window_end)}. Source: {source}"
        ),
        right_align=(1,),
    )
    if etf_res is not None:
        print_table(
            _liq_rows(etf_res.table),
            cols,
            title="ETFs, same window",
            caption=f"{AMIHUD_FORMULA} (shown x1e3).",
            right_align=(1, 2, 3, 4, 5),
        )
    top = res.table.dropna(subset=["adv_dollars"]).sort_values("adv_dollars", ascending=False)
    if len(top):
        print_table(
            _liq_rows(top.head(10)), cols, title="Most liquid members", right_align=(1, 2, 3, 4, 5)
        )


# --------------------------------------------------------------------------- levels


def levels_cmd(
    symbol: Annotated[str, typer.Argument(help="Index or ETF, e.g. IWM or ^RUT.")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Last bar to use (YYYY-MM-DD).")
    ] = None,
    lookback: Annotated[int, typer.Option(help="Bars (trading days) to look back.")] = 252,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Support and resistance from clustered swing pivots, with a volume profile."""
    _run_levels(symbol, as_of, lookback, as_json)


@handle_errors
def _run_levels(symbol: str, as_of_s: str | None, lookback: int, as_json: bool) -> None:
    from capsize.analytics.levels import find_levels
    from capsize.errors import InputError

    as_of = parse_date_option(as_of_s, "--as-of")
    sym = symbol.strip().upper()
    pivot_window = 5
    if lookback < 2 * pivot_window + 1:
        raise InputError(
            f"--lookback {lookback} is too short for swing pivots of {pivot_window} bars each "
            f"side; use --lookback >= {2 * pivot_window + 1}"
        )
    with open_store(read_only=True) as store:
        bars = store.bars(sym, as_of=as_of)
        basis = bars.attrs.get("basis", "auto")
        source = _source(store, "bars", sym)
        full = store.bars(sym) if bars.empty else bars
    first = fmt_date(full.index.min()) if not full.empty else "n/a"
    if bars.empty:
        from capsize.errors import DataNotFound

        raise DataNotFound(
            f"no bars for {sym} on or before {fmt_date(as_of)}: {sym}'s data starts "
            f"{first}; pick a later --as-of"
        )
    note = after_data_note(as_of, bars.index.max())
    if note is not None:
        as_of = pd.Timestamp(bars.index.max())
    res = find_levels(bars, symbol=sym, lookback=lookback, pivot_window=pivot_window, as_of=as_of)
    if as_json:
        emit_json(
            {
                "symbol": res.symbol,
                "as_of": res.last_date,
                "requested_as_of": parse_date_option(as_of_s, "--as-of"),
                "as_of_note": note,
                "source": source,
                "last_date": res.last_date,
                "last_close": res.last_close,
                "start": res.start,
                "basis": basis,
                "point_of_control": res.point_of_control,
                "params": res.params,
                "levels": res.to_frame().to_dict(orient="records"),
            }
        )
        return
    rows = [
        [
            lv.kind,
            fmt_num(lv.price, 2),
            f"{fmt_num(lv.low, 2)}..{fmt_num(lv.high, 2)}",
            str(lv.touches),
            fmt_date(lv.last_touch),
            fmt_pct(lv.distance),
        ]
        for lv in res.levels
    ]
    poc = fmt_num(res.point_of_control, 2, reason="no volume")
    print_table(
        rows,
        ["Kind", "Level", "Pivot range", "Touches", "Last touch", "Distance"],
        title=f"{res.symbol} support and resistance, {fmt_date(res.start)}..{fmt_date(res.last_date)}",
        caption=(
            f"{_note_line(note)}As of {fmt_date(res.last_date)}. Source: {source}.\n"
            f"Last close {fmt_num(res.last_close, 2)} ({basis} prices). Swing pivots of "
            f"{int(res.params['pivot_window'])} bars each side, clustered within "
            f"{res.params['tolerance']:.1%}; at least {int(res.params['min_touches'])} touches. "
            f"Volume profile point of control: {poc} ({res.profile_coverage} bars with volume)."
        ),
        right_align=(1, 3, 5),
    )
    if not rows:
        console.print("No level with enough touches in the look-back.")


def register(app: typer.Typer) -> None:
    """Attach ``breadth``, ``liquidity`` and ``levels`` to the main app."""
    app.command("breadth")(breadth_cmd)
    app.command("liquidity")(liquidity_cmd)
    app.command("levels")(levels_cmd)
