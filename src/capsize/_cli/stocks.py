"""``capsize screen``, ``capsize rate`` and ``capsize catalysts``: small-stock ideas with evidence.

SEC data source, in order:

1. ``--sec-dir DIR`` (or ``CAPSIZE_SEC_DIR``): recorded SEC responses, replayed offline;
2. live EDGAR when ``CAPSIZE_SEC_USER_AGENT`` is set (cached under ``$CAPSIZE_HOME/cache/sec``),
   unless ``--offline``;
3. otherwise the on-disk cache only (whatever earlier live runs fetched).

Prices, volumes and holdings always come from the store (``capsize data import``).
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from capsize._cli._common import (
    console,
    emit_json,
    err_console,
    fail,
    handle_errors,
    open_store,
    parse_date_option,
    print_table,
)
from capsize._format import fmt_date, fmt_money, fmt_pct, fmt_ratio

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["register"]

_SEC_DIR_HELP = "Folder of recorded SEC responses (offline replay)."


def _edgar(sec_dir: Path | None, offline: bool) -> tuple[Any, str]:
    """Build the SEC client and a one-line description of the source."""
    import httpx

    from capsize.config import load_settings
    from capsize.data.providers.sec import SecEdgar, recorded_transport

    settings = load_settings()
    folder = sec_dir or (
        Path(os.environ["CAPSIZE_SEC_DIR"]) if os.environ.get("CAPSIZE_SEC_DIR") else None
    )
    if folder is not None:
        client = httpx.Client(transport=recorded_transport(folder))
        return SecEdgar(
            settings, client=client, offline=True
        ), f"recorded SEC responses in {folder}"
    if settings.sec_user_agent and not offline:
        return SecEdgar(settings), "live SEC EDGAR (cached)"
    why = "--offline" if offline else "CAPSIZE_SEC_USER_AGENT not set"
    return SecEdgar(settings, offline=True), f"SEC on-disk cache only ({why})"


def _gather(store: Any, names: list[str] | None, *, live: bool, **kw: Any) -> list[Any]:
    """Gather evidence, with a progress bar on stderr when SEC EDGAR is called live."""
    from rich.progress import Progress

    from capsize.stocks.gather import gather_universe

    if not live:
        return gather_universe(store, names, **kw)
    with Progress(console=err_console, transient=True) as bar:
        task = bar.add_task("SEC EDGAR", total=None)

        def tick(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return gather_universe(store, names, progress=tick, **kw)


_NOT_STOCK = {"etf": "an ETF", "index": "an index", "crypto": "a crypto asset"}
"""Store symbol kinds that are not stocks, and how to name them."""

_SHOW = [
    ("cap_band", "band"),
    ("market_cap", "mkt cap"),
    ("liquidity_tier", "liquidity"),
    ("profitable", "profit"),
    ("pe", "P/E"),
    ("share_growth", "dilution"),
    ("mom_12_1", "12-1m"),
    ("rs_6m", "RS 6m"),
    ("n_catalysts_90d", "catalysts"),
    ("flags_raised", "flags"),
]


def _cell(col: str, value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if col == "market_cap":
        return fmt_money(float(value), compact=True)
    if col in ("share_growth", "mom_12_1", "rs_6m"):
        return fmt_pct(float(value))
    if col == "pe":
        return fmt_ratio(float(value), 1)
    if col == "profitable":
        return "yes" if float(value) == 1.0 else "no"
    if col in ("n_catalysts_90d", "flags_raised"):
        return f"{float(value):.0f}"
    return str(value)


def _flags_cell(raised: Any, not_assessed: Any) -> str:
    """Show raised flags with the not-assessed count, so that a bare 0 never reads as clean.

    Examples
    --------
    >>> _flags_cell(0.0, 4.0)
    '0 (4 n/a)'
    >>> _flags_cell(1.0, 0.0)
    '1'
    """

    def finite(x: Any) -> bool:
        return x is not None and isinstance(x, (int, float)) and math.isfinite(float(x))

    if not finite(raised):
        return "n/a"
    text = f"{float(raised):.0f}"
    if finite(not_assessed) and float(not_assessed) > 0:
        text += f" ({float(not_assessed):.0f} n/a)"
    return text


def _row_cell(col: str, row: Mapping[Any, Any]) -> str:
    if col == "flags_raised":
        return _flags_cell(row.get("flags_raised"), row.get("flags_not_assessed"))
    text = _cell(col, row.get(col))
    if col in ("cap_band", "market_cap") and text != "n/a" and row.get("market_cap_estimated") == 1:
        text += "*"  # holdings-implied estimate, see the footnote
    return text


@handle_errors
def screen_cmd(
    preset: str = typer.Option(
        None, "--preset", "-p", help="quality-micro, ma-targets, momentum-small or catalyst-rich."
    ),
    tickers: str = typer.Option(
        None, "--tickers", help="Comma-separated tickers (default: the fund's equity holdings)."
    ),
    fund: str = typer.Option(
        "IWM", "--fund", help="Holdings for universe, sector, weight and implied market cap."
    ),
    as_of: str = typer.Option(
        None, "--as-of", help="Evaluation date YYYY-MM-DD (default: latest prices)."
    ),
    limit: int = typer.Option(25, "--limit", help="Rows to show/export."),
    export: Annotated[
        Path | None, typer.Option("--export", help="Write the result to .csv or .json.")
    ] = None,
    json_out: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    sec_dir: Annotated[Path | None, typer.Option("--sec-dir", help=_SEC_DIR_HELP)] = None,
    offline: bool = typer.Option(
        False, "--offline", help="Never call SEC EDGAR; use the cache only."
    ),
    no_sec: bool = typer.Option(
        False, "--no-sec", help="Skip filings entirely (prices and holdings only)."
    ),
    index_cap: float = typer.Option(
        3.0e12, "--index-cap", help="Assumed total float cap of the fund's index, USD."
    ),
) -> None:
    """Screen small stocks: size, liquidity, quality, leverage, dilution, momentum, catalysts."""
    from capsize.stocks.gather import estimate_note
    from capsize.stocks.screener import (
        PRESETS,
        compute_metrics,
        export_screen,
        metrics_frame,
        screen,
        screen_payload,
    )

    if preset is not None and preset not in PRESETS:
        raise fail(f"--preset {preset!r} is unknown; choose one of {', '.join(PRESETS)}")
    at = parse_date_option(as_of, "--as-of")
    fund = fund.strip().upper()
    names = [t.strip().upper() for t in tickers.split(",") if t.strip()] if tickers else None
    edgar, sec_label = (None, "no filings (--no-sec)") if no_sec else _edgar(sec_dir, offline)
    with open_store(read_only=True) as store:
        evs = _gather(
            store,
            names,
            live=sec_label.startswith("live"),
            as_of=at,
            edgar=edgar,
            fund=fund.upper(),
            index_cap=index_cap,
        )
    unknown = [e for e in evs if e.unknown]
    unknown_lines = [f"unknown ticker {e.ticker}: no prices in the store" for e in unknown]
    not_stocks = [e for e in evs if e.kind in _NOT_STOCK]
    unknown_lines += [
        f"{e.ticker} is {_NOT_STOCK[e.kind]}; the screen is for stocks (left out)"
        for e in not_stocks
    ]
    for line in unknown_lines:
        err_console.print(line, highlight=False, markup=False, soft_wrap=True)
    if evs and len(unknown) == len(evs):
        raise fail(
            f"unknown ticker {', '.join(e.ticker for e in unknown)}: no prices in the store "
            f"and not in the {fund.upper()} holdings; check the spelling or run "
            "'capsize data import DIR'"
        )
    evs = [e for e in evs if not e.unknown and e.kind not in _NOT_STOCK]
    if not evs:
        raise fail("nothing to screen: " + "; ".join(unknown_lines))
    metrics = [compute_metrics(e) for e in evs]
    frame = metrics_frame(metrics)
    when = evs[0].as_of if evs else at
    res = screen(
        frame,
        preset=preset,
        limit=limit,
        as_of=when,
        requested_as_of=at,
        missing={m.ticker: m.missing for m in metrics},
    )
    if export is not None:
        path = export_screen(res, export)
        err_console.print(f"wrote {path}")
    if json_out:
        payload = screen_payload(res)
        payload["sec_source"] = sec_label
        payload["unknown_tickers"] = {e.ticker: "no prices in the store" for e in unknown}
        payload["not_stocks"] = {e.ticker: e.kind for e in not_stocks}
        emit_json(payload)
        return
    rows = [
        [str(t), *[_row_cell(c, r) for c, _ in _SHOW]]
        for t, r in res.frame.to_dict("index").items()
    ]
    caption_lines = [
        f"{res.description}",
        f"{res.n_passed} of {res.n_universe} stocks pass (showing {len(res.frame)}), "
        f"{res.as_of_text()}; "
        f"filings: {sec_label}.",
    ]
    caption_lines.extend(f"  {st.describe()}" for st in res.stats)
    empty = res.empty_reason()
    if empty:
        caption_lines.append(empty.replace("no stock passes", "No stock passes", 1) + ".")
    if "market_cap_estimated" in frame.columns and (frame["market_cap_estimated"] == 1).any():
        caption_lines.append(
            f"* market cap and band are an {estimate_note(index_cap)}: holdings-implied "
            f"({fund} weight x index cap, rolled by price), not XBRL shares x price."
        )
    caption_lines.append(
        "flags = manipulation-risk flags RAISED of 5; '(k n/a)' = k flags NOT ASSESSED "
        "(data missing), so a 0 with n/a is not a clean bill."
    )
    caption_lines.extend(unknown_lines)
    caption_lines.append("Information, not investment advice.")
    print_table(
        rows,
        ["ticker", *[h for _, h in _SHOW]],
        title=f"capsize screen{' --preset ' + preset if preset else ''}",
        caption="\n".join(caption_lines),
        right_align=range(2, 1 + len(_SHOW)),
    )


@handle_errors
def rate_cmd(
    ticker: str = typer.Argument(None, help="Ticker to rate, e.g. UNCY."),
    as_of: str = typer.Option(
        None, "--as-of", help="Evaluation date YYYY-MM-DD (default: latest prices)."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the card as JSON."),
    rules: bool = typer.Option(False, "--rules", help="Print the published rules and exit."),
    fund: str = typer.Option(
        "IWM", "--fund", help="Holdings for sector, weight and implied market cap."
    ),
    sec_dir: Annotated[Path | None, typer.Option("--sec-dir", help=_SEC_DIR_HELP)] = None,
    offline: bool = typer.Option(
        False, "--offline", help="Never call SEC EDGAR; use the cache only."
    ),
    index_cap: float = typer.Option(
        3.0e12, "--index-cap", help="Assumed total float cap of the fund's index, USD."
    ),
) -> None:
    """Rating card: Recommendation, Timeframe and Risk with dated evidence (or NOT ASSESSED)."""
    from capsize.stocks.gather import gather_universe
    from capsize.stocks.ratings import RULES_VERSION, rate, render_card, rules_table
    from capsize.stocks.screener import compute_metrics

    if rules:
        table = rules_table()
        if json_out:
            emit_json({"version": RULES_VERSION, "rules": table.to_dict("records")})
            return
        print_table(
            [[r["id"], r["field"], r["outcome"], r["condition"]] for r in table.to_dict("records")],
            ["id", "field", "outcome", "condition"],
            title=f"capsize rating rules v{RULES_VERSION}",
        )
        return
    if not ticker or not ticker.strip():
        raise fail("give a TICKER to rate, e.g. 'capsize rate UNCY' (or --rules to list the rules)")
    at = parse_date_option(as_of, "--as-of")
    fund = fund.strip().upper()
    edgar, sec_label = _edgar(sec_dir, offline)
    with open_store(read_only=True) as store:
        (ev,) = gather_universe(
            store,
            [ticker.strip().upper()],
            as_of=at,
            edgar=edgar,
            fund=fund.upper(),
            index_cap=index_cap,
        )
    if ev.kind in _NOT_STOCK:
        raise fail(
            f"{ev.ticker} is {_NOT_STOCK[ev.kind]}; rating cards are for stocks "
            "(their rules read company filings and stock risk flags)"
        )
    if ev.before_data:
        raise fail(ev.missing["prices"])
    if ev.close is None and ev.filings is None and ev.fundamentals is None:
        from capsize.stocks.evidence import short_reason

        reasons = "; ".join(
            f"{k}: {short_reason(v)}" for k, v in ev.missing.items() if k in ("prices", "filings")
        )
        raise fail(f"unknown ticker {ev.ticker!r}: nothing in the store or SEC data ({reasons})")
    m = compute_metrics(ev)
    card = rate(
        ev.ticker,
        as_of=ev.as_of,
        values=m.values,
        evidence=m.evidence,
        flags=m.flags,
        events=ev.events if ev.filings is not None else None,
        missing=m.missing,
    )
    if json_out:
        payload = card.to_dict()
        payload["sec_source"] = sec_label
        emit_json(payload)
        return
    console.print(render_card(card), highlight=False, markup=False)
    console.print(f"(filings: {sec_label})", highlight=False, markup=False)


@handle_errors
def catalysts_cmd(
    tickers: Annotated[list[str], typer.Argument(help="One ticker (timeline) or several (feed).")],
    since: str = typer.Option(None, "--since", help="Only events on or after YYYY-MM-DD."),
    as_of: str = typer.Option(None, "--as-of", help="Only events on or before YYYY-MM-DD."),
    show_all: bool = typer.Option(
        False, "--all", help="Include routine 8-Ks (results, votes, officers)."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print events as JSON."),
    sec_dir: Annotated[Path | None, typer.Option("--sec-dir", help=_SEC_DIR_HELP)] = None,
    offline: bool = typer.Option(
        False, "--offline", help="Never call SEC EDGAR; use the cache only."
    ),
) -> None:
    """8-K catalysts (reverse splits, listing notices, deals, bankruptcy) and XBRL share jumps."""
    from capsize.errors import InputError, ProviderError
    from capsize.stocks.catalysts import catalyst_feed, timeline
    from capsize.stocks.fundamentals import share_history

    s = parse_date_option(since, "--since")
    a = parse_date_option(as_of, "--as-of")
    edgar, sec_label = _edgar(sec_dir, offline)
    lines: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for t in tickers:
        t = t.strip().upper()
        try:
            filings = edgar.submissions(t).frame
        except (ProviderError, InputError) as exc:
            errors[t] = str(exc)
            continue
        shares = None
        try:
            shares = share_history(edgar.company_facts(t).frame, as_of=a)
        except (ProviderError, InputError) as exc:
            errors[f"{t} (XBRL shares)"] = str(exc)
        lines[t] = timeline(filings, shares, ticker=t, as_of=a, since=s, include_other=show_all)
    if not lines:
        raise fail("; ".join(f"{k}: {v}" for k, v in errors.items()))
    every = ["capital", "listing", "deal", "distress", "dilution", "unknown", "other"]
    feed = catalyst_feed(lines, categories=every if show_all else None)
    if json_out:
        emit_json(
            {
                "sec_source": sec_label,
                "events": [{**r, "date": fmt_date(r["date"])} for r in feed.to_dict("records")],
                "errors": errors,
            }
        )
        return
    rows = [
        [
            fmt_date(r["date"]),
            r["ticker"],
            r["label"],
            r["form"],
            r["accession"],
            str(r["detail"] or ""),
        ]
        for r in feed.to_dict("records")
    ]
    cap = [f"filings: {sec_label}"] + [f"{k}: {v}" for k, v in errors.items()]
    print_table(
        rows,
        ["filed", "ticker", "event", "form", "accession", "detail"],
        title="capsize catalysts",
        caption="\n".join(cap),
    )


@handle_errors
def valuation_cmd(
    small: str = typer.Option("IWM", "--small", help="Holdings proxy of small caps."),
    large: str = typer.Option("IVV", "--large", help="Holdings proxy of large caps."),
    as_of: str = typer.Option(
        None, "--as-of", help="Evaluation date YYYY-MM-DD (default: latest prices)."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
    sec_dir: Annotated[Path | None, typer.Option("--sec-dir", help=_SEC_DIR_HELP)] = None,
    offline: bool = typer.Option(
        False, "--offline", help="Never call SEC EDGAR; use the cache only."
    ),
    index_cap: float = typer.Option(
        3.0e12, "--index-cap", help="Assumed float cap of the small index, USD."
    ),
) -> None:
    """Segment valuation: P/E, loss-makers and earnings growth, each with its coverage."""
    from capsize.analytics.valuation import valuation_by_segment
    from capsize.stocks.gather import estimate_note, valuation_inputs

    at = parse_date_option(as_of, "--as-of")
    edgar, sec_label = _edgar(sec_dir, offline)
    from capsize.errors import DataNotFound

    frames = []
    unavailable: dict[str, str] = {}
    when = at
    with open_store(read_only=True) as store:
        for kind, fund in (("small", small.upper()), ("large", large.upper())):
            label = f"{kind} ({fund})"
            try:
                evs = _gather(
                    store,
                    None,
                    live=sec_label.startswith("live"),
                    as_of=at,
                    edgar=edgar,
                    fund=fund,
                    index_cap=index_cap,
                )
            except DataNotFound as exc:
                unavailable[label] = str(exc)
                continue
            frames.append(valuation_inputs(evs, label))
            when = evs[0].as_of if evs else when
    if not frames:
        raise fail("; ".join(f"{k}: {v}" for k, v in unavailable.items()))
    import pandas as pd

    res = valuation_by_segment(pd.concat(frames, ignore_index=True), as_of=when, source=sec_label)
    if json_out:
        emit_json(
            {
                "as_of": fmt_date(when),
                "sec_source": sec_label,
                "not_assessed": unavailable,
                "market_cap_estimate": estimate_note(index_cap),
                "segments": {
                    k: {f: getattr(v, f) for f in v.__dataclass_fields__} for k, v in res.items()
                },
            }
        )
        return
    rows = []
    for seg, v in res.items():

        def why(key: str, v: Any = v) -> str:
            hit = [n for n in v.notes if key in n]
            return hit[0].split(":")[0] if hit else "no data"

        rows.append(
            [
                seg,
                f"{v.n_covered}/{v.n_holdings}",
                fmt_pct(v.coverage_weight, sign=False),
                fmt_ratio(v.pe_aggregate, 1, reason=why("aggregate earnings")),
                fmt_ratio(v.pe_aggregate_ex_losses, 1, reason="no data"),
                fmt_ratio(v.pe_median, 1, reason="no data"),
                fmt_pct(v.loss_share_weight, sign=False, reason="no data"),
                fmt_pct(v.growth_aggregate, reason=why("prior")),
            ]
        )
    print_table(
        rows,
        [
            "segment",
            "covered",
            "weight covered",
            "P/E (all)",
            "P/E (profitable)",
            "median P/E",
            "loss-makers (wt)",
            "earnings growth",
        ],
        title=f"capsize valuation as of {fmt_date(when)}",
        caption=(
            "P/E (all) = holdings-weighted aggregate incl. loss-makers; figures use only covered "
            f"holdings (weight covered). Filings: {sec_label}. "
            + "".join(f"{k}: NOT ASSESSED ({v}). " for k, v in unavailable.items())
            + "".join(
                f"{seg}: market caps of {fmt_pct(v.estimated_cap_weight, sign=False)} of the "
                f"covered weight are an {estimate_note(index_cap)}. "
                for seg, v in res.items()
                if v.estimated_cap_weight > 0
            )
            + "Information, not investment advice."
        ),
        right_align=range(1, 8),
    )


def register(app: typer.Typer) -> None:
    """Attach ``screen``, ``rate``, ``catalysts`` and ``valuation`` to the main app."""
    app.command("screen")(screen_cmd)
    app.command("rate")(rate_cmd)
    app.command("catalysts")(catalysts_cmd)
    app.command("valuation")(valuation_cmd)
