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


# --------------------------------------------------------------------------- breadth


def _breadth_payload(res: Any, as_of: pd.Timestamp | None) -> dict[str, Any]:
    row = res.on(as_of)
    cmp = res.compare((21, 63, 252))
    out: dict[str, Any] = {
        "date": row.name,
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
    res = compute_breadth(closes, volume=volume, benchmark=bench, universe=universe, as_of=as_of)
    row = res.on(as_of)
    if as_json:
        emit_json(_breadth_payload(res, as_of))
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
    note = (
        ""
        if as_of is None or row.name == as_of
        else f" (last trading day on or before {fmt_date(as_of)})"
    )
    print_table(
        rows,
        ["Measure", "Value", "Coverage / note"],
        title=f"Breadth of {res.universe} members on {day}{note}",
        caption=f"{res.caveat}\nSource: capsize store, adjusted closes; {res.mcclellan_formula}.",
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
        if symbols:
            syms = [s.upper() for s in symbols]
            c, v = _symbol_frames(store, syms)
            res = liquidity(c, v, as_of=as_of)
            universe = None
        else:
            universe = _universe(store, as_of)
            closes = _universe_panel(store, "close", universe.members)
            universe = universe.restrict(closes.tickers)
            volume = _universe_panel(store, "volume", universe.members)
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
    window = f"{fmt_date(res.window_start)}..{fmt_date(res.window_end)} ({res.window} trading days)"
    if as_json:
        payload: dict[str, Any] = {
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
            caption=f"{res.caveat}\n{AMIHUD_FORMULA} (shown x1e3).",
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
        caption=res.caveat,
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

    as_of = parse_date_option(as_of_s, "--as-of")
    sym = symbol.upper()
    with open_store(read_only=True) as store:
        bars = store.bars(sym, as_of=as_of)
        basis = bars.attrs.get("basis", "auto")
    res = find_levels(bars, symbol=sym, lookback=lookback, as_of=as_of)
    if as_json:
        emit_json(
            {
                "symbol": res.symbol,
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
