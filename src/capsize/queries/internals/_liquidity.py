"""Liquidity of symbols or of the small-cap universe: one answer for every front end.

Policy (stated in the answer's notes):

* Dollar volume by instrument kind (:mod:`capsize.rules.dollar_volume`): close x
  shares for stocks and ETFs, the volume itself for crypto (USD), n/a for indexes.
  Windows count each symbol's own sessions (crypto's scaled to the same span).
* Tiers (:mod:`capsize.rules.liquidity`) on the median daily dollar volume.
* A symbol's window ends on its last bar on or before the day; a stale end is noted
  (:mod:`capsize.rules.staleness`).
* The universe (:func:`~capsize.queries.internals.universe_frame`) is measured over
  the window ending on the last day with member volume on or before the universe
  day; the year-over-year change sums only members covered in both years.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from capsize.analytics.engine import Panel
from capsize.analytics.liquidity import AMIHUD_FORMULA, LiquidityResult
from capsize.analytics.liquidity import liquidity as measure
from capsize.errors import DataNotFound, InputError
from capsize.queries.internals._breadth import universe_volume
from capsize.queries.internals._common import (
    after_note,
    as_count,
    as_float,
    bars_source,
    data_start_hint,
    day_of,
    read_panel,
    symbol_kind,
)
from capsize.queries.internals._universe import INDEX, UniverseFrame, universe_frame
from capsize.queries.result import Cell, Figure, FigureSet, QueryResult, TableData, Unit
from capsize.queries.session import Session, session_for
from capsize.rules.breadth import READ_DAYS
from capsize.rules.dollar_volume import RULE as DOLLAR_RULE
from capsize.rules.dollar_volume import na_reason, sessions_for, volume_unit
from capsize.rules.liquidity import RULE as TIER_RULE
from capsize.rules.liquidity import TIER_NAMES
from capsize.rules.staleness import freshness

if TYPE_CHECKING:
    from capsize.data.store import Store

__all__ = ["ETFS", "LiquidityAnswer", "liquidity"]

ETFS = ("IWM", "IJR", "IWC", "SPY")
"""Funds shown beside the universe, over the same window."""

_TOP = 10


@dataclass(frozen=True)
class LiquidityAnswer(QueryResult):
    """Liquidity of symbols or of the universe (see :func:`liquidity`).

    Attributes
    ----------
    symbols : tuple of str
        The symbols measured (empty for the universe).
    tiers : mapping of str to str
        Symbol (or member) -> tier name (``"n/a"`` without one).
    ends : mapping of str to Timestamp
        Symbol -> last session of its window (empty for the universe).
    """

    symbols: tuple[str, ...] = ()
    tiers: Mapping[str, str] = field(default_factory=dict)
    ends: Mapping[str, pd.Timestamp] = field(default_factory=dict)


@dataclass(frozen=True)
class _Params:
    window: int
    yoy_window: int
    ratio_window: int
    min_coverage: float


@dataclass(frozen=True)
class _Measured:
    """One symbol measured over its own sessions."""

    symbol: str
    kind: str
    source: str
    row: pd.Series
    start: pd.Timestamp
    end: pd.Timestamp
    sessions: int
    yoy_start: pd.Timestamp | None
    ratio: float | None
    ratio_start: pd.Timestamp | None
    has_shares_out: bool


def _check(prm: _Params) -> None:
    for name in ("window", "yoy_window", "ratio_window"):
        if getattr(prm, name) < 2:
            raise InputError(f"{name}={getattr(prm, name)} is too short; use 2 sessions or more")
    if not 0.0 < prm.min_coverage <= 1.0:
        raise InputError(f"min_coverage={prm.min_coverage} must be in (0, 1], e.g. 0.9")


def _shares_out(s: Session, symbol: str, kind: str, end: pd.Timestamp) -> pd.Series | None:
    if kind != "etf":
        return None
    frame = s.fund_shares(symbol)
    frame = frame[frame["date"] <= end] if len(frame) else frame
    if frame.empty:
        return None
    return pd.Series({symbol: float(frame["shares_outstanding"].iloc[-1])})


def _ratio(
    volume: pd.Series, end: pd.Timestamp, n: int
) -> tuple[float | None, pd.Timestamp | None]:
    """Volume on ``end`` / mean volume of the ``n`` sessions before (None without)."""
    vol = volume.dropna()
    if len(vol) <= n or vol.index[-1] != end:
        return None, None
    prior = vol.iloc[-n - 1 : -1]
    mean = float(prior.mean())
    return (float(vol.iloc[-1]) / mean if mean > 0 else None), pd.Timestamp(prior.index[0])


def _measure(s: Session, symbol: str, prm: _Params, end: pd.Timestamp | None) -> _Measured:
    kind = symbol_kind(s, symbol)
    bars = s.bars(symbol)
    if end is not None:
        bars = bars.loc[:end]
    bars = bars[bars["close"].notna()]
    if len(bars) < 2:
        when = day_of(end or s.requested or pd.Timestamp.max.normalize())
        raise DataNotFound(
            f"fewer than two bars of {symbol} on or before {when}"
            f"{data_start_hint(s, symbol)}; pick a later as-of"
        )
    last = pd.Timestamp(bars.index[-1])
    w = sessions_for(prm.window, kind)
    yw = sessions_for(prm.yoy_window, kind)
    shares_out = _shares_out(s, symbol, kind, last)
    res = measure(
        bars[["close"]].rename(columns={"close": symbol}),
        bars[["volume"]].rename(columns={"volume": symbol}),
        window=w,
        yoy_window=yw,
        min_coverage=prm.min_coverage,
        as_of=last,
        shares_outstanding=shares_out,
        volume_units={symbol: volume_unit(kind)},
    )
    ratio, ratio_start = (None, None)
    if volume_unit(kind) != "none":
        ratio, ratio_start = _ratio(bars["volume"], last, sessions_for(prm.ratio_window, kind))
    n = len(bars)
    return _Measured(
        symbol=symbol,
        kind=kind,
        source=bars_source(s, symbol, str(bars.attrs.get("basis", "adjusted")), last),
        row=res.table.iloc[0],
        start=res.window_start,
        end=last,
        sessions=res.window,
        yoy_start=pd.Timestamp(bars.index[n - 2 * yw]) if n >= 2 * yw else None,
        ratio=ratio,
        ratio_start=ratio_start,
        has_shares_out=shares_out is not None,
    )


# (key, column, unit, label, formula, window kind)
_SPECS: tuple[tuple[str, str, Unit, str, str, str], ...] = (
    ("adv_shares", "adv_shares", "count", "average daily volume, {w} sessions (shares)",
     "mean daily share volume", "cur"),
    ("adv_dollars", "adv_dollars", "usd", "average daily dollar volume, {w} sessions",
     "mean of daily dollar volume (capsize.rules.dollar_volume)", "cur"),
    ("median_dollars", "median_dollars", "usd", "median daily dollar volume, {w} sessions",
     "median of daily dollar volume (capsize.rules.dollar_volume)", "cur"),
    ("days_with_volume", "days_with_volume", "sessions", "sessions with a volume, of {w}",
     "count of sessions with a dollar volume", "cur"),
    ("yoy_adv_dollars", "yoy_adv_dollars", "fraction", "dollar volume, last {y} sessions vs the {y} before",
     "mean dollar volume of the last {y} sessions / of the {y} before - 1", "yoy"),
    ("yoy_adv_shares", "yoy_adv_shares", "fraction", "share volume, last {y} sessions vs the {y} before",
     "mean share volume of the last {y} sessions / of the {y} before - 1", "yoy"),
    ("turnover", "turnover", "fraction", "turnover per day (ADV shares / shares outstanding)",
     "average daily share volume / latest shares outstanding", "cur"),
    ("amihud", "amihud", "ratio", "Amihud illiquidity (|return| per $1M traded)",
     AMIHUD_FORMULA, "cur"),
)  # fmt: skip


def _why(m: _Measured, key: str) -> str:
    """Why the figure ``key`` of ``m`` is missing."""
    unit = volume_unit(m.kind)
    if unit == "none":
        return na_reason(m.kind)
    if key in ("adv_shares", "yoy_adv_shares", "turnover") and unit == "usd":
        return "volume quoted in USD, not shares"
    if key == "turnover" and not m.has_shares_out:
        return f"no shares-outstanding data for {m.symbol}"
    return str(m.row["note"]) or "no volume"


def _symbol_figures(fs: FigureSet, m: _Measured, prefix: str, prm: _Params) -> dict[str, Figure]:
    """Every figure of one measured symbol, by key."""
    end = day_of(m.end)
    spans = {
        "cur": f"{day_of(m.start)}..{end}",
        "yoy": f"{day_of(m.yoy_start)}..{end}" if m.yoy_start is not None else f"to {end}",
    }
    yw = sessions_for(prm.yoy_window, m.kind)
    out: dict[str, Figure] = {}
    for key, col, unit, label, formula, span in _SPECS:
        raw = m.row[col]
        v = as_count(raw) if key == "days_with_volume" else as_float(raw)
        out[key] = fs.add(
            f"{prefix}.{key}",
            v,
            unit,
            f"{m.symbol} {label.format(w=m.sessions, y=yw)}",
            source=m.source,
            symbols=(m.symbol,),
            window=spans[span],
            formula=formula.format(y=yw),
            note="" if v is not None else _why(m, key),
        )
    rw = sessions_for(prm.ratio_window, m.kind)
    out["volume_ratio"] = fs.add(
        f"{prefix}.volume_ratio",
        m.ratio,
        "ratio",
        f"{m.symbol} volume on {end} / its {rw}-session average",
        source=m.source,
        symbols=(m.symbol,),
        window=f"{day_of(m.ratio_start)}..{end}" if m.ratio_start is not None else end,
        formula=f"volume / mean volume of the previous {rw} sessions",
        note="" if m.ratio is not None else (na_reason(m.kind) or f"no volume on {end}"),
    )
    return out


_COLUMNS = (
    "Symbol",
    "Kind",
    "ADV shares",
    "ADV $",
    "Median $",
    "Days",
    "YoY $",
    "Turnover",
    "Amihud",
    "Vol / avg",
    "Tier",
    "Note",
)


def _row(m: _Measured, figs: dict[str, Figure]) -> tuple[Cell, ...]:
    note = "" if figs["adv_dollars"].available else figs["adv_dollars"].note
    return (
        m.symbol,
        m.kind,
        figs["adv_shares"],
        figs["adv_dollars"],
        figs["median_dollars"],
        figs["days_with_volume"],
        figs["yoy_adv_dollars"],
        figs["turnover"],
        figs["amihud"],
        figs["volume_ratio"],
        str(m.row["tier"]),
        note,
    )


def _stale_notes(day: pd.Timestamp, ms: Sequence[_Measured]) -> list[str]:
    out = []
    for m in ms:
        f = freshness(m.end, day, "daily")
        if f.stale:
            out.append(f.note(m.symbol))
    return out


def _symbols_answer(s: Session, symbols: Sequence[str], prm: _Params) -> LiquidityAnswer:
    syms = tuple(dict.fromkeys(x.strip().upper() for x in symbols if x.strip()))
    if not syms:
        raise InputError(f"symbols {list(symbols)!r} are all blank; name a symbol, e.g. IWM")
    ms = [_measure(s, sym, prm, None) for sym in syms]
    as_of = max(m.end for m in ms)
    fs = FigureSet(as_of)
    rows = [_row(m, _symbol_figures(fs, m, m.symbol, prm)) for m in ms]
    notes = after_note(s.requested, as_of, "data of these symbols")
    notes += _stale_notes(s.requested or as_of, ms)
    notes += [DOLLAR_RULE, TIER_RULE, f"{AMIHUD_FORMULA}."]
    if any(m.kind == "crypto" for m in ms):
        notes.append(
            "Crypto trades every day: its windows are counted in calendar days "
            f"({sessions_for(prm.window, 'crypto')} for {prm.window} exchange sessions)."
        )
    return LiquidityAnswer(
        query="liquidity",
        as_of=as_of,
        requested_as_of=s.requested,
        params=_params(prm, list(syms)),
        figures=fs.mapping(),
        tables=(TableData("symbols", "Liquidity per symbol", _COLUMNS, tuple(rows)),),
        notes=tuple(notes),
        sources=tuple(dict.fromkeys(m.source for m in ms)),
        symbols=syms,
        tiers={m.symbol: str(m.row["tier"]) for m in ms},
        ends={m.symbol: m.end for m in ms},
    )


def _params(prm: _Params, symbols: list[str] | None) -> dict[str, Any]:
    return {
        "symbols": symbols,
        "window": prm.window,
        "yoy_window": prm.yoy_window,
        "ratio_window": prm.ratio_window,
        "min_coverage": prm.min_coverage,
    }


# ----------------------------------------------------------------------------- universe


@dataclass(frozen=True)
class _UniverseRun:
    uf: UniverseFrame
    res: LiquidityResult
    end: pd.Timestamp
    source: str


def _measure_universe(runner: Any | None, closes: Panel, vol: Panel, **kw: Any) -> LiquidityResult:
    """:func:`measure`, or over ticker partitions on ``runner`` (one per worker thread)."""
    if runner is None:
        return measure(closes, vol, **kw)
    from capsize.scale import default_partitions, partitioned_liquidity

    return partitioned_liquidity(
        closes, vol, partitions=default_partitions(runner), runner=runner, **kw
    )


def _universe_run(s: Session, prm: _Params, runner: Any | None = None) -> _UniverseRun:
    uf = universe_frame(s)
    vol, vol_end = universe_volume(s, uf)
    if vol_end is None:
        raise DataNotFound(
            f"no volume for the {INDEX} members in the {READ_DAYS} days to {day_of(uf.day)}; "
            "the universe's liquidity needs member volume (universe_ohlcv files)"
        )
    closes: Panel = uf.closes
    if vol_end < uf.day:  # read the window ending on the last volume day
        start = vol_end - pd.Timedelta(days=READ_DAYS)
        members = uf.universe.members
        wide = read_panel(s, members, "close", start, vol_end).dropna(how="all")
        closes = Panel.from_wide(wide.astype("float64"), name="close")
        v = read_panel(s, members, "volume", start, vol_end)
        vol = Panel.from_wide(v.reindex(index=wide.index, columns=wide.columns), name="volume")
    res = _measure_universe(
        runner,
        closes,
        vol,
        window=prm.window,
        yoy_window=prm.yoy_window,
        min_coverage=prm.min_coverage,
        as_of=vol_end,
        universe=uf.universe,
    )
    return _UniverseRun(uf, res, vol_end, uf.source)


def _universe_figures(fs: FigureSet, run: _UniverseRun, stale: str) -> list[tuple[Cell, ...]]:
    res, sm = run.res, run.res.summary
    cur = f"{day_of(res.window_start)}..{day_of(res.window_end)}"
    yoy = f"{2 * res.yoy_window} sessions to {day_of(res.window_end)}"
    w = res.window
    specs: tuple[tuple[str, str, Unit, str, str, str, str], ...] = (
        ("members", "symbols", "count", "universe members with prices", "count", cur, ""),
        ("covered", "covered", "count",
         f"members with volume on nine in ten of the last {w} sessions",
         "count of members with volume coverage >= 90% of the window", cur, ""),
        ("total_adv_dollars", "total_adv_dollars", "usd",
         "total average daily dollar volume of the covered members",
         "sum over covered members of mean(close x volume)", cur, "no member covered"),
        ("median_adv_dollars", "median_adv_dollars", "usd",
         "median average daily dollar volume of the covered members",
         "median over covered members of mean(close x volume)", cur, "no member covered"),
        ("yoy_covered", "yoy_covered", "count", "members with volume in both years",
         f"count of members with >= 90% volume coverage in both {res.yoy_window}-session windows",
         yoy, ""),
        ("yoy_adv_dollars", "yoy_adv_dollars", "fraction", "dollar volume YoY, same members",
         f"sum of mean dollar volume of the last {res.yoy_window} sessions / of the "
         f"{res.yoy_window} before - 1, members covered in both", yoy,
         "no member covered in both years"),
    )  # fmt: skip
    labels = {
        "members": "Members with prices",
        "covered": f"With volume on nine in ten of {w} sessions",
        "total_adv_dollars": "Total ADV $ (covered members)",
        "median_adv_dollars": "Median ADV $ (covered members)",
        "yoy_covered": "Members covered in both years",
        "yoy_adv_dollars": "$ volume YoY (those members only)",
    }
    rows: list[tuple[Cell, ...]] = []
    for key, col, unit, label, formula, window, why in specs:
        raw = sm[col]
        v = as_count(raw) if unit == "count" else as_float(raw)
        f = fs.add(
            f"universe.{key}",
            v,
            unit,
            label,
            source=run.source,
            symbols=(f"{INDEX} members",),
            window=window,
            formula=formula,
            note=why if v is None else stale,
        )
        rows.append((labels[key], f))
    return rows


def _tier_rows(fs: FigureSet, run: _UniverseRun, stale: str) -> list[tuple[Cell, ...]]:
    res, sm = run.res, run.res.summary
    cur = f"{day_of(res.window_start)}..{day_of(res.window_end)}"
    rows: list[tuple[Cell, ...]] = []
    for name in (*TIER_NAMES, "untiered"):
        key = f"tier_{name}" if name != "untiered" else name
        what = (
            f"members in the {name} tier"
            if name != "untiered"
            else "members without a tier (volume on under nine in ten sessions)"
        )
        f = fs.add(
            f"universe.tier.{name}",
            int(sm[key]),
            "count",
            what,
            source=run.source,
            symbols=(f"{INDEX} members",),
            window=cur,
            formula="count of members by capsize.rules.liquidity.liquidity_tier of the median "
            "daily dollar volume",
            note=stale,
        )
        rows.append((name, f))
    return rows


def _top_rows(fs: FigureSet, run: _UniverseRun) -> list[tuple[Cell, ...]]:
    t = run.res.table.dropna(subset=["adv_dollars"]).sort_values("adv_dollars", ascending=False)
    cur = f"{day_of(run.res.window_start)}..{day_of(run.res.window_end)}"
    rows: list[tuple[Cell, ...]] = []
    for sym, r in t.head(_TOP).iterrows():
        cells: list[Cell] = [str(sym)]
        for col, unit, what in (
            ("adv_dollars", "usd", "average daily dollar volume"),
            ("median_dollars", "usd", "median daily dollar volume"),
            ("amihud", "ratio", "Amihud illiquidity (|return| per $1M traded)"),
        ):
            cells.append(
                fs.add(
                    f"member.{sym}.{col}",
                    as_float(r[col]),
                    unit,  # type: ignore[arg-type]
                    f"{sym} {what}, {run.res.window} sessions",
                    source=run.source,
                    symbols=(str(sym),),
                    window=cur,
                    formula=AMIHUD_FORMULA if col == "amihud" else "close x share volume",
                )
            )
        cells.append(str(r["tier"]))
        rows.append(tuple(cells))
    return rows


def _etf_table(s: Session, fs: FigureSet, run: _UniverseRun, prm: _Params) -> TableData | None:
    held = set(s.symbols())
    rows = []
    for sym in ETFS:
        if sym not in held:
            continue
        try:
            m = _measure(s, sym, prm, run.end)
        except DataNotFound:
            continue
        rows.append(_row(m, _symbol_figures(fs, m, f"etf.{sym}", prm)))
    if not rows:
        return None
    return TableData("etfs", "Funds over the same window", _COLUMNS, tuple(rows))


def _universe_answer(s: Session, prm: _Params, runner: Any | None) -> LiquidityAnswer:
    run = _universe_run(s, prm, runner)
    uf, end = run.uf, run.end
    fresh = freshness(end, uf.day, "daily")
    stale = f"stale: member volume ends {day_of(end)}" if fresh.stale else ""
    fs = FigureSet(end)
    tables = [
        TableData(
            "universe",
            f"Liquidity of {INDEX} members, {run.res.window} sessions to {day_of(end)}",
            ("Measure", "Value"),
            tuple(_universe_figures(fs, run, stale)),
        ),
        TableData(
            "tiers",
            "Members by liquidity tier",
            ("Tier", "Members"),
            tuple(_tier_rows(fs, run, stale)),
        ),
        TableData(
            "top",
            "Most liquid members",
            ("Member", "ADV $", "Median $", "Amihud", "Tier"),
            tuple(_top_rows(fs, run)),
        ),
    ]
    etfs = _etf_table(s, fs, run, prm)
    if etfs is not None:
        tables.append(etfs)
    notes = after_note(s.requested, end, "universe volume")
    if fresh.stale:
        notes.append(fresh.note(f"{INDEX} members' volume") + "; figures run to that date.")
    notes += [
        run.res.caveat,
        f"Member list used: {uf.list_what} ({uf.list_file}).",
        DOLLAR_RULE,
        TIER_RULE,
    ]
    return LiquidityAnswer(
        query="liquidity",
        as_of=end,
        requested_as_of=s.requested,
        params=_params(prm, None),
        figures=fs.mapping(),
        tables=tuple(tables),
        notes=tuple(notes),
        sources=(uf.price_source, uf.list_file),
        tiers={str(k): str(v) for k, v in run.res.table["tier"].items()},
    )


def liquidity(
    source: Store | Session,
    as_of: object | None = None,
    *,
    symbols: Sequence[str] | None = None,
    window: int = 63,
    yoy_window: int = 252,
    ratio_window: int = 20,
    min_coverage: float = 0.9,
    runner: Any | None = None,
) -> LiquidityAnswer:
    """Liquidity of ``symbols``, or of the IWM members when none is given.

    Parameters
    ----------
    source : Store or Session
        Where to read.
    as_of : date-like, optional
        The day (default: the latest data).
    symbols : sequence of str, optional
        Symbols of any kind (stock, ETF, crypto, index). None or empty: the universe.
    window : int
        Trailing window, exchange sessions (default 63, about three months).
    yoy_window : int
        Each of the two windows compared year over year, sessions (default 252).
    ratio_window : int
        Sessions averaged for the volume ratio (default 20).
    min_coverage : float
        Share of a window's sessions that need a volume (default 0.9).
    runner : capsize.scale runner or distributed.Client, optional
        Measure the universe per ticker partition there (one per worker thread;
        :func:`capsize.scale.connect` builds one). Default: in this process. Symbols
        given by name are always measured here.

    Returns
    -------
    LiquidityAnswer
        Per symbol ``S``: ``S.adv_shares`` (shares/day), ``S.adv_dollars`` and
        ``S.median_dollars`` (USD/day), ``S.days_with_volume``, ``S.yoy_adv_dollars``,
        ``S.yoy_adv_shares``, ``S.turnover`` (fractions), ``S.amihud``,
        ``S.volume_ratio``; table ``symbols`` (with the tier). For the universe:
        ``universe.<members|covered|total_adv_dollars|median_adv_dollars|yoy_covered|
        yoy_adv_dollars>``, ``universe.tier.<tier>`` counts, ``member.<T>.*`` for the
        most liquid members and ``etf.<S>.*`` for the funds over the same window.

    Raises
    ------
    InputError
        For a window under 2 sessions or a coverage outside (0, 1].
    DataNotFound
        For a symbol without two bars on or before the day, or a universe without
        a member list on or before the day or without member volume.
    """
    s = session_for(source, as_of)
    prm = _Params(int(window), int(yoy_window), int(ratio_window), float(min_coverage))
    _check(prm)
    if symbols:
        return _symbols_answer(s, symbols, prm)
    return _universe_answer(s, prm, runner)
