"""The crypto size analogy: do the biggest coins lead the rest, as large caps lead small caps.

One answer for ``capsize crypto`` and the API (``capsize.queries.crypto``): the same
calendar-year leadership and streak table for small vs large stocks (IWM vs SPY), ETH vs
BTC, and (with an alt basket) the alts vs BTC+ETH; the trailing relative returns; and,
from a CoinGecko market-cap snapshot, the dominance of BTC and ETH against the rest.

Point in time: closes on or before the as-of day; a snapshot dated after the as-of day
is not used (its dominance is n/a); an alt history is cut at the as-of day. The
answer's as-of is the last close used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, cast

import pandas as pd

from capsize.analytics import crosscap as CC
from capsize.errors import DataNotFound, InputError
from capsize.queries.drivers._common import after_data_note, bars_source, day, span
from capsize.queries.result import Cell, FigureSet, QueryResult, TableData, Unit
from capsize.queries.session import session_for
from capsize.rules.staleness import freshness

if TYPE_CHECKING:
    from capsize.data.store import Store
    from capsize.queries.session import Session

__all__ = ["MAJORS", "PAIRS", "WINDOWS", "crypto", "load_alts", "load_markets"]

MAJORS: tuple[str, ...] = ("BTC-USD", "ETH-USD")
"""The two majors held in the store (USD levels)."""

PAIRS: dict[str, tuple[str, str, str]] = {
    "stocks": ("stocks: IWM vs SPY", "IWM", "SPY"),
    "eth_btc": ("crypto: ETH vs BTC", "ETH-USD", "BTC-USD"),
}
"""Pair key -> (label, small leg, large leg) of the pairs read from the store."""

WINDOWS: tuple[int, ...] = (1, 3, 6, 12)
"""Trailing windows (months) of the relative returns."""

_ALTS = ("alts_majors", "crypto: alts vs BTC+ETH", "ALTS", "BTC+ETH")


@dataclass
class _Answer:
    s: Session
    end: pd.Timestamp
    fs: FigureSet
    sources: dict[str, str]
    pairs: dict[str, tuple[str, pd.Series, pd.Series]] = field(default_factory=dict)
    firsts: dict[str, pd.Timestamp | None] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    tables: list[TableData] = field(default_factory=list)


# --------------------------------------------------------------------------- inputs


def load_markets(
    path: str | Path | None = None, *, live: bool = False
) -> tuple[pd.DataFrame | None, str]:
    """Read a CoinGecko ``/coins/markets`` snapshot from a saved file, or fetch it live.

    Returns
    -------
    frame : DataFrame or None
        The snapshot (None when neither a path nor ``live`` is given).
    source : str
        Where it came from.

    Raises
    ------
    InputError
        ``path`` is not a file.
    ProviderError
        The live fetch failed.
    """
    from capsize.data.providers.coingecko import CoinGeckoFetcher, parse_markets

    if path:
        file = Path(path)
        if not file.is_file():
            raise InputError(
                f"markets {str(path)!r} is not a file; pass a saved /coins/markets JSON"
            )
        frame, _ = parse_markets(file.read_bytes())
        return frame, str(file)
    if live:
        res = CoinGeckoFetcher().fetch({"kind": "markets"})[0]
        return res.frame, res.source
    return None, ""


def load_alts(
    markets: pd.DataFrame | None, n_alts: int = 10, *, live: bool = False
) -> tuple[pd.DataFrame | None, str, list[str]]:
    """Fetch the daily history of the alt basket (the ``n_alts`` largest coins after BTC, ETH).

    Returns
    -------
    closes : DataFrame or None
        Daily USD prices, one column per coin (None unless ``live`` with a snapshot).
    source : str
        Where they came from.
    notes : list of str
        Coins skipped and why.
    """
    if not live or markets is None or n_alts < 1:
        return None, "", []
    from capsize.data.providers.coingecko import CoinGeckoFetcher, fetch_histories

    coins = CC.alt_universe(markets, n=n_alts)
    closes, failed = fetch_histories(CoinGeckoFetcher(), coins, days=365)
    notes = [f"alt {k}: skipped ({v})" for k, v in failed.items()]
    return closes, "CoinGecko market_chart, 365 days (keyless limit)", notes


def _read(s: Session) -> _Answer:
    crypto = s.closes(list(MAJORS), basis="level")
    stocks = s.closes(["IWM", "SPY"], basis="adjusted")
    legs: dict[str, pd.Series] = {str(c): crypto[c].dropna() for c in MAJORS}
    legs |= {str(c): stocks[c].dropna() for c in ("IWM", "SPY")}
    lasts = [x.index[-1] for x in legs.values() if len(x)]
    if not lasts:
        raise DataNotFound(
            f"no closes of {', '.join(legs)} on or before {day(s.requested)}; pick a later as-of"
        )
    end = pd.Timestamp(max(lasts))
    srcs = {
        **{c: bars_source(s, crypto, c) for c in MAJORS},
        **{c: bars_source(s, stocks, c) for c in ("IWM", "SPY")},
    }
    ans = _Answer(s, end, FigureSet(end), srcs)
    note = after_data_note(s.requested, end)
    if note:
        ans.notes.append(note)
    for key, (label, a, b) in PAIRS.items():
        ans.pairs[key] = (label, legs[a].rename(a), legs[b].rename(b))
    return ans


def _alt_pair(ans: _Answer, alt_closes: pd.DataFrame | None, alt_source: str) -> None:
    """Add the alts-vs-majors pair and its relative figure when an alt basket is given."""
    px = None
    if alt_closes is not None and alt_closes.shape[1]:
        px = alt_closes.loc[: ans.end].dropna(how="all")
    if px is None or len(px) < 2:
        ans.notes.append(
            "alt basket: n/a (the store holds only BTC-USD and ETH-USD; fetch the largest "
            "alts' last 365 days from CoinGecko live)"
        )
        return
    majors = pd.concat([ans.pairs["eth_btc"][2], ans.pairs["eth_btc"][1]], axis=1)
    both = CC.majors_vs_alts(majors.loc[px.index[0] :], px)
    key, label, small, large = _ALTS
    ans.pairs[key] = (label, both["alts"].rename(small), both["majors"].rename(large))
    ans.sources[small] = alt_source or "caller"
    coins = [str(c) for c in px.columns]
    ans.fs.add(
        "alts.vs_majors",
        float(both["alts_vs_majors"].iloc[-1] - 1.0),
        "fraction",
        f"alt basket ({len(coins)} coins: {', '.join(coins)}) relative to BTC+ETH",
        source=f"{alt_source or 'caller'}; {ans.sources['BTC-USD']}; {ans.sources['ETH-USD']}",
        symbols=(*coins, *MAJORS),
        window=span(both.index[0], both.index[-1]),
        formula="equal weight, rebalanced daily, each basket 1.0 at the first common date; "
        "alts / majors - 1",
    )


# --------------------------------------------------------------------------- leadership


def _pair_source(ans: _Answer, a: str, b: str) -> str:
    return "; ".join(
        dict.fromkeys(f"{ans.sources.get(a, 'store')}; {ans.sources.get(b, 'store')}".split("; "))
    )


def _years_table(ans: _Answer, key: str, years: pd.DataFrame, meta: tuple[str, str, str]) -> None:
    src, a, b = meta
    rows: list[tuple[Cell, ...]] = []
    for y, r in years.iterrows():
        win = span(r["base_date"], r["end_date"])
        cells: list[Cell] = [str(y)]
        for sym, col in ((a, a), (b, b)):
            cells.append(
                ans.fs.add(
                    f"{key}.Y{y}.{'small' if sym == a else 'large'}",
                    float(r[col]),
                    "fraction",
                    f"{sym} return in {y}" + (" (partial year)" if r["status"] != "full" else ""),
                    source=src,
                    symbols=(sym,),
                    window=win,
                    formula="last close of the year / last close of the year before - 1",
                )
            )
        rows.append((*cells, str(r["winner"]), str(r["status"])))
    ans.tables.append(
        TableData(
            f"years.{key}",
            f"{a} vs {b} by calendar year",
            ("year", a, b, "winner", "status"),
            tuple(rows),
        )
    )


def _row_cells(ans: _Answer, key: str, r: pd.Series, meta: tuple[str, str, str, str]) -> list[Cell]:
    src, a, b, win = meta
    full_years = int(r["years"])
    why = "" if full_years else "no full calendar year"
    conv = "calendar-year leadership on full years only (year: last close / last close before)"
    leader = str(r["current_leader"]) or "n/a"
    specs = (
        ("small_led", int(r["small_led"]), f"full years {a} beat {b}"),
        ("years", full_years, f"full calendar years compared ({a} vs {b})"),
        ("streak", int(r["current_streak"]), f"current streak of {leader} (years)"),
        ("longest_small", int(r["longest_small"]), f"longest streak of {a} (years)"),
        ("longest_large", int(r["longest_large"]), f"longest streak of {b} (years)"),
    )
    cells: list[Cell] = [
        ans.fs.add(
            f"{key}.{tag}",
            value if full_years else None,
            "count",
            label,
            source=src,
            symbols=(a, b),
            window=win,
            formula=conv,
            note=why,
        )
        for tag, value, label in specs
    ]
    for w in WINDOWS:
        v = r[f"rel_{w}m"]
        cells.append(
            ans.fs.add(
                f"{key}.rel_{w}m",
                None if pd.isna(v) else float(v),
                "fraction",
                f"{a} relative to {b}, last {w} months",
                source=src,
                symbols=(a, b),
                window=win,
                formula=f"({a}/{b} at the end) / ({a}/{b} on the last common close on or before "
                f"end - {w} months) - 1",
                note="" if pd.notna(v) else "history shorter than the window",
            )
        )
    return cells


def _leadership(ans: _Answer) -> None:
    pairs = {k: (v[1], v[2]) for k, v in ans.pairs.items()}
    lead = CC.leadership_side_by_side(pairs, windows=WINDOWS)
    rows: list[tuple[Cell, ...]] = []
    for key, (label, small, large) in ans.pairs.items():
        r = cast("pd.Series", lead.table.loc[key])
        a, b = str(small.name), str(large.name)
        src = _pair_source(ans, a, b)
        win = span(r["start"], r["end"]) if pd.notna(r["start"]) else "n/a"
        leader = str(r["current_leader"]) if int(r["years"]) else "n/a"
        cells = _row_cells(ans, key, r, (src, a, b, win))
        rows.append(
            (label, *cells[:2], leader, *cells[2:], win if win != "n/a" else _no_data(ans, a, b))
        )
        _years_table(ans, key, lead.years[key], (src, a, b))
    ans.tables.insert(
        0,
        TableData(
            "leadership",
            "Big vs small: stocks and crypto side by side",
            (
                "pair (small vs large)",
                "years small led",
                "of full years",
                "current leader",
                "current streak",
                "longest small",
                "longest large",
                *[f"{w}m" for w in WINDOWS],
                "data",
            ),
            tuple(rows),
        ),
    )
    ans.notes.append(lead.convention + "; trailing columns: small relative to large")


def _no_data(ans: _Answer, a: str, b: str) -> str:
    if ans.s.requested is not None:
        return "n/a (no data on or before the as-of day)"
    return f"n/a (no common data for {a} and {b})"


# --------------------------------------------------------------------------- dominance


def _snapshot_day(markets: pd.DataFrame) -> pd.Timestamp | None:
    if "last_updated" not in markets:
        return None
    newest = pd.to_datetime(markets["last_updated"], utc=True, errors="coerce").max()
    return None if pd.isna(newest) else pd.Timestamp(newest).tz_localize(None).normalize()


def _dominance(ans: _Answer, markets: pd.DataFrame | None, source: str) -> None:
    if markets is None:
        ans.notes.append(
            "dominance: n/a (no CoinGecko snapshot: fetch one live or pass a saved file)"
        )
        return
    when = _snapshot_day(markets)
    if when is not None and when > ans.end:
        ans.notes.append("dominance: n/a (the market-cap snapshot is dated after the as-of day)")
        return
    d = CC.dominance(markets)
    win = day(when) if when is not None else "snapshot date unknown"
    src = source or "caller"
    specs: tuple[tuple[str, float | int, Unit, str, tuple[str, ...]], ...] = (
        (
            "majors",
            d.majors_share,
            "fraction",
            f"market-cap share of {' + '.join(d.majors)}",
            d.majors,
        ),
        *(
            (str(c), float(v), "fraction", f"market-cap share of {c}", (str(c),))
            for c, v in d.shares.items()
        ),
        ("rest", d.rest_share, "fraction", "market-cap share of the other coins", ()),
        ("total_cap", d.total_cap, "usd", "market cap of the coins counted", ()),
        (
            "n_coins",
            d.n_coins,
            "count",
            "coins counted (stablecoins and wrapped coins left out)",
            (),
        ),
    )
    for tag, value, unit, label, syms in specs:
        ans.fs.add(
            f"dominance.{tag}",
            value,
            unit,
            label,
            source=src,
            symbols=syms,
            window=win,
            formula=d.coverage,
        )
    if when is not None:
        fr = freshness(when, ans.end, "snapshot")
        if fr.stale:
            ans.notes.append("dominance: " + fr.note("market-cap snapshot"))


# --------------------------------------------------------------------------- the query


def crypto(
    source: Store | Session,
    as_of: object | None = None,
    *,
    markets: pd.DataFrame | None = None,
    markets_source: str = "",
    alt_closes: pd.DataFrame | None = None,
    alt_source: str = "",
    alt_notes: Sequence[str] = (),
) -> QueryResult:
    """Answer "do the biggest coins lead the rest, as large caps lead small caps?" at ``as_of``.

    Parameters
    ----------
    source : Store or Session
        Where to read BTC-USD, ETH-USD (USD levels), IWM and SPY (adjusted closes).
    as_of : date-like, optional
        Use only data dated on or before it (default: the latest).
    markets : DataFrame, optional
        A CoinGecko ``/coins/markets`` snapshot (:func:`load_markets`) for dominance;
        used only when dated on or before the as-of day.
    markets_source : str
        Where ``markets`` came from.
    alt_closes : DataFrame of shape (n_days, n_coins), USD, optional
        Daily prices of an alt basket (:func:`load_alts`), cut at the as-of day.
    alt_source : str
        Where ``alt_closes`` came from.
    alt_notes : sequence of str
        Notes of the alt download (coins skipped), kept with the answer.

    Returns
    -------
    QueryResult
        Figures per pair (``stocks``, ``eth_btc``, ``alts_majors``): ``.small_led``,
        ``.years``, ``.streak``, ``.longest_small``, ``.longest_large`` (counts),
        ``.rel_<k>m`` (fractions), ``.Y<year>.small``/``.large`` (returns);
        ``dominance.majors``, ``dominance.<coin>``, ``dominance.rest`` (fractions),
        ``dominance.total_cap`` (USD), ``dominance.n_coins``; ``alts.vs_majors``.
        Tables ``leadership`` and ``years.<pair>``.

    Raises
    ------
    DataNotFound
        No closes of any leg on or before ``as_of``.
    """
    s = session_for(source, as_of)
    ans = _read(s)
    _alt_pair(ans, alt_closes, alt_source)
    ans.notes.extend(alt_notes)
    _leadership(ans)
    _dominance(ans, markets, markets_source)
    return QueryResult(
        query="crypto",
        as_of=ans.end,
        requested_as_of=s.requested,
        params={"markets_source": markets_source or None, "alt_source": alt_source or None},
        figures=ans.fs.mapping(),
        tables=tuple(ans.tables),
        notes=tuple(ans.notes),
        sources=tuple(dict.fromkeys(p for v in ans.sources.values() for p in v.split("; "))),
    )
