"""``capsize crypto``: payload builder and tables (private; see :mod:`capsize._cli.drivers`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from capsize._cli._common import console, print_table
from capsize._cli.drivers.base import after_data_note, date_text, num, source_of
from capsize._format import fmt_date, fmt_pct
from capsize.errors import InputError

if TYPE_CHECKING:
    from capsize.data.store import Store

__all__ = ["crypto_payload", "load_alts", "load_markets", "print_crypto"]


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

    requested = as_of
    full_c = store.closes(["BTC-USD", "ETH-USD"], basis="level")
    full_s = store.closes(["IWM", "SPY"], basis="adjusted")
    lasts = [full_c[c].last_valid_index() for c in full_c] + [
        full_s[c].last_valid_index() for c in full_s
    ]
    latest = max(pd.Timestamp(str(x)) for x in lasts if x is not None)
    as_of_note = after_data_note(as_of, latest)
    if as_of_note is not None:
        as_of = latest
    firsts = {
        str(c): full[c].first_valid_index() for full in (full_c, full_s) for c in full.columns
    }
    pair_legs = {
        "stocks: IWM vs SPY": ("IWM", "SPY"),
        "crypto: ETH vs BTC": ("ETH-USD", "BTC-USD"),
    }
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
            "start": date_text(both.index[0]),
            "end": date_text(both.index[-1]),
            "alts_vs_majors": num(both["alts_vs_majors"].iloc[-1] - 1.0),
            "source": alt_from,
            "method": "equal weight, rebalanced daily, each basket 1.0 at the first common date",
        }
    else:
        notes.append(
            "alt basket: n/a (the store holds only BTC-USD and ETH-USD; run with --live to "
            "fetch the largest alts' last 365 days from CoinGecko)"
        )
    lead = CC.leadership_side_by_side(pairs)
    dom: dict[str, Any]
    if markets is not None:
        d = CC.dominance(markets)
        dom = {
            "majors": list(d.majors),
            "majors_share": d.majors_share,
            "rest_share": d.rest_share,
            "shares": {k: num(v) for k, v in d.shares.items()},
            "total_cap": d.total_cap,
            "n_coins": d.n_coins,
            "excluded": list(d.excluded),
            "as_of": date_text(d.as_of),
            "coverage": d.coverage,
            "source": markets_source,
        }
    else:
        dom = {"missing": "no CoinGecko snapshot: run with --live or --markets FILE"}

    def data_starts(pair: str) -> str | None:
        legs = pair_legs.get(pair)
        if legs is None:
            return None
        days = [firsts.get(x) for x in legs]
        known = [pd.Timestamp(str(d)) for d in days if d is not None]
        return date_text(max(known)) if known else None

    return {
        "as_of": date_text(as_of) if as_of is not None else date_text(latest),
        "requested_as_of": date_text(requested),
        "as_of_note": as_of_note,
        "leadership": [
            {
                "pair": k,
                **{c: (date_text(v) if c in ("start", "end") else v) for c, v in r.items()},
                "data_starts": data_starts(str(k)),
            }
            for k, r in lead.table.iterrows()
        ],
        "windows": list(lead.windows),
        "convention": lead.convention,
        "years": {
            k: [
                {
                    "year": int(str(y)),
                    "small": num(r.iloc[0]),
                    "large": num(r.iloc[1]),
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
            "sources": {
                s: source_of(store, "bars", s) for s in ("BTC-USD", "ETH-USD", "IWM", "SPY")
            },
            "basis": "crypto: USD level; stocks: adjusted (total return)",
            "as_of": date_text(as_of) if as_of is not None else date_text(latest),
        },
    }


def _span(r: dict[str, Any], as_of: str | None) -> str:
    if r.get("start") is None or r.get("end") is None:
        if r.get("data_starts") and as_of is not None and as_of < r["data_starts"]:
            return f"n/a (no data before {r['data_starts']})"
        return "n/a (no data)"
    return f"{r['start']}..{r['end']}"


def print_crypto(p: dict[str, Any]) -> None:
    ws = p["windows"]
    rows = []
    if p.get("as_of_note"):
        console.print(f"note: {p['as_of_note']}", highlight=False)
    for r in p["leadership"]:
        rows.append(
            [
                r["pair"],
                f"{r['small_led']}/{r['years']}" if r["years"] else "n/a (no full year)",
                f"{r['current_leader']} x{r['current_streak']}" if r["years"] else "n/a",
                f"{r['longest_small']} / {r['longest_large']}" if r["years"] else "n/a",
                *[fmt_pct(r[f"rel_{w}m"], 1, reason="short history") for w in ws],
                _span(r, p.get("as_of")),
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
    pv = p["provenance"]
    console.print(
        f"as of {pv['as_of']}; sources: " + "; ".join(f"{k} {v}" for k, v in pv["sources"].items()),
        highlight=False,
    )


def load_alts(
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


def load_markets(path: str | None, live: bool) -> tuple[pd.DataFrame | None, str]:
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
