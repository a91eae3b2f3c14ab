"""``capsize screen``, ``rate``, ``catalysts`` and ``valuation``: small-stock ideas with evidence.

Each command parses its options, asks one query of :mod:`capsize.queries.stocks` and
renders the answer; ``--json`` prints exactly the answer's ``to_dict()``.

SEC data source, in order:

1. ``--sec-dir DIR`` (or ``CAPSIZE_SEC_DIR``): recorded SEC responses, replayed offline;
2. live EDGAR when ``CAPSIZE_SEC_USER_AGENT`` is set (cached under ``$CAPSIZE_HOME/cache/sec``),
   unless ``--offline``;
3. otherwise the on-disk cache only (whatever earlier live runs fetched).

Prices, volumes and holdings always come from the store (``capsize data import``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from capsize._cli._common import (
    check_number,
    check_text,
    console,
    emit_json,
    err_console,
    escape_markup,
    fail,
    handle_errors,
    parse_date_option,
    print_table,
)
from capsize.errors import InputError

if TYPE_CHECKING:
    from capsize.queries.result import Cell, Figure, QueryResult, TableData
    from capsize.queries.stocks import SecSource

__all__ = ["register"]

_SEC_DIR_HELP = "Folder of recorded SEC responses (offline replay)."
_AS_OF_HELP = "Evaluation date YYYY-MM-DD: data dated on or before it (default: latest)."
_CAP_HELP = "Assumed total float cap of the fund's index, USD."

_SHOW: tuple[tuple[str, str], ...] = (
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
)
"""Screen columns shown in the terminal (all of them are in ``--json`` and ``--export``)."""


def _sec(sec_dir: Path | None, offline: bool, enabled: bool = True) -> SecSource:
    from capsize.queries.stocks import sec_source

    return sec_source(sec_dir, offline=offline, enabled=enabled)


@contextmanager
def _progress(live: bool) -> Iterator[Callable[[int, int], None] | None]:
    """Yield a progress callback drawing a bar on stderr while SEC EDGAR is called live."""
    if not live:
        yield None
        return
    from rich.progress import Progress

    with Progress(console=err_console, transient=True) as bar:
        task = bar.add_task("SEC EDGAR", total=None)

        def tick(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield tick


# --------------------------------------------------------------------------- cells


def _num(fig: Figure) -> str:
    from capsize._format import fmt_money, fmt_pct, fmt_ratio

    v = fig.value
    if v is None:
        return "n/a"
    x = float(v)
    if fig.unit == "usd":
        return fmt_money(x, compact=True)
    if fig.unit in ("fraction", "pp"):
        return fmt_pct(x)
    if fig.unit == "ratio":
        return fmt_ratio(x, 1)
    if fig.unit == "score":
        return "yes" if x == 1.0 else "no"
    return f"{x:,.0f}"


def _cell(cell: Cell) -> str:
    if cell is None:
        return "n/a"
    return cell if isinstance(cell, str) else _num(cell)


def _row(table: TableData, row: tuple[Cell, ...]) -> dict[str, Cell]:
    return dict(zip(table.columns, row, strict=True))


def _flags_cell(raised: Cell, not_assessed: Cell) -> str:
    """Show raised flags with the not-assessed count, so that a bare 0 never reads as clean."""
    if raised is None or isinstance(raised, str) or raised.value is None:
        return "n/a"
    text = f"{float(raised.value):.0f}"
    na = None if not_assessed is None or isinstance(not_assessed, str) else not_assessed.value
    if na is not None and float(na) > 0:
        text += f" ({float(na):.0f} n/a)"
    return text


def _screen_cell(col: str, row: dict[str, Cell]) -> str:
    if col == "flags_raised":
        return _flags_cell(row["flags_raised"], row["flags_not_assessed"])
    text = _cell(row[col])
    est = row["market_cap_estimated"]
    estimated = est is not None and not isinstance(est, str) and est.value == 1.0
    if col in ("cap_band", "market_cap") and text != "n/a" and estimated:
        text += "*"  # holdings-implied estimate, see the footnote
    return text


# --------------------------------------------------------------------------- screen


def _print_screen(res: QueryResult, preset: str | None) -> None:
    table = res.table("screen")
    rows = []
    for raw in table.rows:
        row = _row(table, raw)
        rows.append([str(row["ticker"]), *[_screen_cell(c, row) for c, _ in _SHOW]])
    print_table(
        rows,
        ["ticker", *[h for _, h in _SHOW]],
        title=f"capsize screen{' --preset ' + preset if preset else ''}",
        caption="\n".join(res.notes),
        right_align=range(2, 1 + len(_SHOW)),
    )


@handle_errors
def screen_cmd(
    preset: str = typer.Option(
        None, "--preset", "-p", help="quality-micro, ma-targets, momentum-small or catalyst-rich."
    ),
    rule: Annotated[
        list[str] | None,
        typer.Option("--rule", help="Extra rule 'column op value', e.g. 'pe<=15' (repeatable)."),
    ] = None,
    tickers: str = typer.Option(
        None, "--tickers", help="Comma-separated tickers (default: the fund's equity holdings)."
    ),
    fund: str = typer.Option(
        "IWM", "--fund", help="Holdings for universe, sector, weight and implied market cap."
    ),
    as_of: str = typer.Option(None, "--as-of", help=_AS_OF_HELP),
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
    index_cap: float = typer.Option(3.0e12, "--index-cap", help=_CAP_HELP),
) -> None:
    """Screen small stocks: size, liquidity, quality, leverage, dilution, momentum, catalysts."""
    from capsize.queries import open_session
    from capsize.queries.stocks import screen

    fund = check_text(fund, "--fund", "IWM")
    check_number(index_cap, "--index-cap", low=1e6, example="3e12")
    if export is not None and export.suffix.lower() not in (".csv", ".json"):
        raise InputError(f"--export {str(export)!r} must end in .csv or .json")
    names = None
    if tickers is not None:
        names = [t for t in tickers.split(",") if t.strip()]
        if not names:
            raise InputError(f"--tickers {tickers!r} names no ticker; give e.g. --tickers UNCY,RXT")
    at = parse_date_option(as_of, "--as-of")
    src = _sec(sec_dir, offline, enabled=not no_sec)
    with open_session(at) as s, _progress(src.live) as tick:
        res = screen(
            s,
            preset=preset,
            rules=rule or (),
            tickers=names,
            fund=fund,
            limit=limit,
            index_cap=index_cap,
            sec=src,
            progress=tick,
        )
    if export is not None:
        err_console.print(f"wrote {escape_markup(res.export(export))}", highlight=False)
    for _, why in res.table("excluded").rows:
        err_console.print(str(why), highlight=False, markup=False, soft_wrap=True)
    if json_out:
        emit_json(res.to_dict())
        return
    _print_screen(res, preset)


# --------------------------------------------------------------------------- rate


def _print_rules(json_out: bool) -> None:
    from capsize.queries.stocks import rating_rules

    payload = rating_rules()
    if json_out:
        emit_json(payload)
        return
    print_table(
        [[r["id"], r["field"], r["outcome"], r["condition"]] for r in payload["rules"]],
        ["id", "field", "outcome", "condition"],
        title=f"capsize rating rules v{payload['version']}",
    )


@handle_errors
def rate_cmd(
    ticker: str = typer.Argument(None, help="Ticker to rate, e.g. UNCY."),
    as_of: str = typer.Option(None, "--as-of", help=_AS_OF_HELP),
    json_out: bool = typer.Option(False, "--json", help="Print the card as JSON."),
    rules: bool = typer.Option(False, "--rules", help="Print the published rules and exit."),
    fund: str = typer.Option(
        "IWM", "--fund", help="Holdings for sector, weight and implied market cap."
    ),
    sec_dir: Annotated[Path | None, typer.Option("--sec-dir", help=_SEC_DIR_HELP)] = None,
    offline: bool = typer.Option(
        False, "--offline", help="Never call SEC EDGAR; use the cache only."
    ),
    index_cap: float = typer.Option(3.0e12, "--index-cap", help=_CAP_HELP),
) -> None:
    """Rating card: Recommendation, Timeframe and Risk with dated evidence (or NOT ASSESSED)."""
    if rules:
        _print_rules(json_out)
        return
    if not ticker or not ticker.strip():
        raise fail("give a TICKER to rate, e.g. 'capsize rate UNCY' (or --rules to list the rules)")
    from capsize.queries import open_session
    from capsize.queries.stocks import rating_card

    ticker, fund = check_text(ticker, "TICKER", "UNCY"), check_text(fund, "--fund", "IWM")
    check_number(index_cap, "--index-cap", low=1e6, example="3e12")
    at = parse_date_option(as_of, "--as-of")
    src = _sec(sec_dir, offline)
    with open_session(at) as s:
        res = rating_card(s, ticker=ticker, fund=fund, index_cap=index_cap, sec=src)
    if json_out:
        emit_json(res.to_dict())
        return
    console.print(res.render(), highlight=False, markup=False)
    console.print(f"(filings: {src.label})", highlight=False, markup=False)


# --------------------------------------------------------------------------- catalysts


@handle_errors
def catalysts_cmd(
    tickers: Annotated[list[str], typer.Argument(help="One ticker (timeline) or several (feed).")],
    since: str = typer.Option(None, "--since", help="Only events on or after YYYY-MM-DD."),
    as_of: str = typer.Option(None, "--as-of", help="Only filings on or before YYYY-MM-DD."),
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
    from capsize.queries.stocks import catalysts

    a = parse_date_option(as_of, "--as-of")
    start = parse_date_option(since, "--since")
    res = catalysts(  # filings only: no store needed
        None,
        a,
        tickers=tickers,
        since=start,
        include_other=show_all,
        sec=_sec(sec_dir, offline),
    )
    if json_out:
        emit_json(res.to_dict())
        return
    table = res.table("events")
    keep = ("date", "ticker", "label", "form", "accession", "detail")
    rows = []
    for raw in table.rows:
        row = _row(table, raw)
        rows.append([_cell(row[c]) for c in keep[:-1]] + [str(row["detail"] or "")])
    print_table(
        rows,
        ["filed", "ticker", "event", "form", "accession", "detail"],
        title="capsize catalysts",
        caption="\n".join(res.notes),
    )


# --------------------------------------------------------------------------- valuation


def _valuation_cell(col: str, cell: Cell) -> str:
    from capsize._format import fmt_pct

    if isinstance(cell, str) or cell is None:
        return _cell(cell)
    if cell.value is None:
        return f"n/a ({cell.note})" if cell.note else "n/a"
    if cell.unit == "fraction":
        return fmt_pct(float(cell.value), sign=col == "earnings growth")
    return _num(cell)


@handle_errors
def valuation_cmd(
    small: str = typer.Option("IWM", "--small", help="Holdings proxy of small caps."),
    large: str = typer.Option("IVV", "--large", help="Holdings proxy of large caps."),
    as_of: str = typer.Option(None, "--as-of", help=_AS_OF_HELP),
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
    from capsize.queries import open_session
    from capsize.queries.stocks import valuation

    small, large = check_text(small, "--small", "IWM"), check_text(large, "--large", "IVV")
    check_number(index_cap, "--index-cap", low=1e6, example="3e12")
    at = parse_date_option(as_of, "--as-of")
    src = _sec(sec_dir, offline)
    with open_session(at) as s, _progress(src.live) as tick:
        res = valuation(s, small=small, large=large, index_cap=index_cap, sec=src, progress=tick)
    if json_out:
        emit_json(res.to_dict())
        return
    table = res.table("segments")
    print_table(
        [
            [_valuation_cell(c, x) for c, x in zip(table.columns, r, strict=True)]
            for r in table.rows
        ],
        list(table.columns),
        title=f"capsize valuation as of {res.as_of:%Y-%m-%d}",
        caption="\n".join(res.notes),
        right_align=range(1, len(table.columns)),
    )


def register(app: typer.Typer) -> None:
    """Attach ``screen``, ``rate``, ``catalysts`` and ``valuation`` to the main app."""
    app.command("screen")(screen_cmd)
    app.command("rate")(rate_cmd)
    app.command("catalysts")(catalysts_cmd)
    app.command("valuation")(valuation_cmd)
