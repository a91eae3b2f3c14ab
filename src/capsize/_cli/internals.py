"""``capsize breadth``, ``liquidity``, ``levels`` and ``universe``: market internals.

Each command asks one query of :mod:`capsize.queries` and renders its answer: the
tables below and, with ``--json``, exactly ``result.to_dict()``. Heavy modules
(pandas, the queries) are imported inside the commands so that ``--help`` stays fast.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Annotated, Any

import typer

from capsize._cli._cluster import Scheduler, Workers, cluster, refuse_cluster
from capsize._cli._common import check_text, console, handle_errors, print_table

if TYPE_CHECKING:
    from capsize.queries import Figure, QueryResult, Session, TableData

__all__ = ["register"]

_AS_OF_HELP = (
    "Answer as of this day (YYYY-MM-DD): only data dated on or before it are read; "
    "default: the latest data."
)


# --------------------------------------------------------------------------- rendering


def _plain(v: float) -> str:
    if abs(v) >= 1e6:
        from capsize._format import fmt_large

        return fmt_large(v)
    return f"{v:,.0f}"


def _small(v: float) -> str:
    return f"{v:.3g}" if v != 0 and abs(v) < 0.01 else f"{v:,.2f}"


def _signed_pct(v: float) -> str:
    from capsize._format import fmt_pct

    return fmt_pct(v)


def _unsigned_pct(v: float) -> str:
    from capsize._format import fmt_pct

    return fmt_pct(v, sign=False)


def _money(v: float) -> str:
    from capsize._format import fmt_money

    return fmt_money(v, compact=True)


_BY_UNIT: dict[str, Callable[[float], str]] = {
    "fraction": _signed_pct,
    "pp": lambda v: f"{v * 100:+.1f} pp",
    "usd": _money,
    "count": _plain,
    "sessions": _plain,
    "days": _plain,
    "ratio": _small,
    "level": lambda v: f"{v:,.2f}",
    "score": lambda v: f"{v:+,.1f}",
    "percent": lambda v: f"{v:.2f}%",
    "bp": lambda v: f"{v:+.0f} bp",
}
_UNSIGNED = ("pct_above_", ".turnover", ".coverage")


def fmt_figure(fig: Figure, *, reason: bool = True) -> str:
    """Format one figure for a table cell ("n/a (reason)" when missing)."""
    if fig.unit in ("date", "text"):
        return fig.note or "n/a"
    if fig.value is None:
        return f"n/a ({fig.note})" if fig.note and reason else "n/a"
    v = float(fig.value)
    if fig.unit == "fraction" and any(u in fig.id for u in _UNSIGNED):
        return _unsigned_pct(v)
    return _BY_UNIT.get(fig.unit, _small)(v)


def _cells(row: Sequence[Any], reason: bool) -> list[str]:
    from capsize.queries import Figure

    return [
        fmt_figure(c, reason=reason) if isinstance(c, Figure) else ("" if c is None else str(c))
        for c in row
    ]


def _numeric(table: TableData) -> tuple[int, ...]:
    from capsize.queries import Figure

    return tuple(
        i for i in range(len(table.columns)) if any(isinstance(r[i], Figure) for r in table.rows)
    )


def render_table(
    table: TableData,
    *,
    title: str | None = None,
    caption: str | None = None,
    rows: Sequence[Sequence[Any]] | None = None,
) -> None:
    """Print a result table (figures formatted by unit; reasons in its Note column if any)."""
    reason = "Note" not in table.columns
    print_table(
        [_cells(r, reason) for r in (table.rows if rows is None else rows)],
        list(table.columns),
        title=title or table.title,
        caption=caption,
        right_align=_numeric(table),
    )


def _caption(result: QueryResult, notes: Sequence[str] | None = None) -> str:
    lines = list(result.notes if notes is None else notes)
    day = result.as_of.strftime("%Y-%m-%d")
    lines.append(f"As of {day}. Sources: {'; '.join(result.sources)}.")
    return "\n".join(lines)


def _emit(result: QueryResult) -> None:
    typer.echo(json.dumps(result.to_dict(), indent=2))


def _ask(as_of: str | None, ask: Callable[[Session], QueryResult]) -> QueryResult:
    from capsize.queries import open_session, parse_as_of

    day = parse_as_of(as_of, "--as-of")
    with open_session(day) as s:
        return ask(s)


# --------------------------------------------------------------------------- commands


def breadth_cmd(
    as_of: Annotated[str | None, typer.Option("--as-of", help=_AS_OF_HELP)] = None,
    sectors: Annotated[
        bool, typer.Option("--sectors", help="Per sector: % above 50/200-day averages, returns.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    scheduler: Scheduler = None,
    workers: Workers = None,
) -> None:
    """Breadth of the small-cap universe: % above averages, A/D line, highs/lows, McClellan.

    The universe is the IWM member list dated on or before the day (never a later one).
    The A/D line sums net advances over the 252 sessions ending on the day; its start
    is shown next to it. With --sectors: breadth and equal-weight returns per sector
    (sectors from the IWM holdings file dated on or before the day). With --scheduler
    or --workers the members run per ticker partition on Dask (same figures).
    """
    _breadth(as_of, as_json, sectors, scheduler, workers)


@handle_errors
def _breadth(
    as_of: str | None,
    as_json: bool,
    sectors: bool = False,
    scheduler: str | None = None,
    workers: int | None = None,
) -> None:
    from capsize.queries import breadth, sector_breadth

    if sectors:
        refuse_cluster(scheduler, workers, "--sectors")
        by_sector = _ask(as_of, lambda s: sector_breadth(s))
        if as_json:
            _emit(by_sector)
            return
        render_table(by_sector.table("sectors"), caption=_caption(by_sector))
        return
    with cluster(scheduler, workers, "breadth") as runner:
        res = _ask(as_of, lambda s: breadth(s, runner=runner))
    if as_json:
        _emit(res)
        return
    render_table(res.table("breadth"), caption=_caption(res))
    render_table(res.table("ew_vs_iwm"))


def liquidity_cmd(
    symbols: Annotated[
        list[str] | None,
        typer.Argument(help="Symbols (ETF, stock, crypto, index); none: the IWM members."),
    ] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help=_AS_OF_HELP)] = None,
    window: Annotated[int, typer.Option(help="Trailing window, exchange sessions.")] = 63,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    scheduler: Scheduler = None,
    workers: Workers = None,
) -> None:
    """Average and median dollar volume, YoY, turnover, Amihud illiquidity and tiers.

    Dollar volume is close x shares for stocks and ETFs, the volume itself for crypto
    (quoted in USD) and n/a for indexes. Tiers use the median daily dollar volume.
    With --scheduler or --workers the universe's members run per ticker partition on Dask.
    """
    _liquidity(symbols or [], as_of, window, as_json, (scheduler, workers))


@handle_errors
def _liquidity(
    symbols: list[str],
    as_of: str | None,
    window: int,
    as_json: bool,
    where: tuple[str | None, int | None] = (None, None),
) -> None:
    from capsize.queries import liquidity

    symbols = [check_text(x, "SYMBOL", "IWM") for x in symbols]
    if symbols:
        refuse_cluster(*where, "named symbols")
        res = _ask(as_of, lambda s: liquidity(s, symbols=symbols, window=window))
    else:
        with cluster(*where, "liquidity") as runner:
            res = _ask(as_of, lambda s: liquidity(s, window=window, runner=runner))
    if as_json:
        _emit(res)
        return
    if symbols:
        render_table(res.table("symbols"), caption=_caption(res))
        return
    render_table(res.table("universe"), caption=_caption(res))
    render_table(res.table("tiers"))
    render_table(res.table("top"))
    for t in res.tables:
        if t.name == "etfs":
            render_table(t)


def levels_cmd(
    symbol: Annotated[str, typer.Argument(help="Index, ETF, stock or crypto, e.g. IWM or ^RUT.")],
    as_of: Annotated[str | None, typer.Option("--as-of", help=_AS_OF_HELP)] = None,
    lookback: Annotated[int, typer.Option(help="Bars (sessions) to look back.")] = 252,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Support and resistance from clustered swing pivots, with a volume profile."""
    _levels(symbol, as_of, lookback, as_json)


@handle_errors
def _levels(symbol: str, as_of: str | None, lookback: int, as_json: bool) -> None:
    from capsize.queries import levels

    symbol = check_text(symbol, "SYMBOL", "IWM")
    res = _ask(as_of, lambda s: levels(s, symbol=symbol, lookback=lookback))
    if as_json:
        _emit(res)
        return
    extra = [
        f"Last close {fmt_figure(res.fig('last_close'))}; volume point of control "
        f"{fmt_figure(res.fig('point_of_control'))} "
        f"({fmt_figure(res.fig('profile_coverage'))} bars with volume)."
    ]
    table = res.table("levels")
    render_table(table, caption=_caption(res, [*res.notes, *extra]))
    if not table.rows:
        console.print("No level with enough touches in the look-back.")


def universe_cmd(
    as_of: Annotated[str | None, typer.Option("--as-of", help=_AS_OF_HELP)] = None,
    show_all: Annotated[bool, typer.Option("--all", help="List every member.")] = False,
    movers: Annotated[
        bool, typer.Option("--movers", help="Top and bottom movers over 1D, 1W and MTD.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Show the IWM member list used on a day: the latest dated on or before it.

    With --movers: the top and bottom 10 members over 1D, 1W and month to date, each
    with its close, median dollar volume and a liquidity label.
    """
    if movers:
        _movers(as_of, as_json)
        return
    _universe(as_of, show_all, as_json)


@handle_errors
def _movers(as_of: str | None, as_json: bool) -> None:
    from capsize.queries import movers

    res = _ask(as_of, lambda s: movers(s))
    if as_json:
        _emit(res)
        return
    for i, table in enumerate(res.tables):
        render_table(table, caption=_caption(res) if i == len(res.tables) - 1 else None)


@handle_errors
def _universe(as_of: str | None, show_all: bool, as_json: bool) -> None:
    from capsize.queries import universe_members

    res = _ask(as_of, lambda s: universe_members(s))
    if as_json:
        _emit(res)
        return
    summary = [
        ("Member list", fmt_figure(res.fig("list_date"))),
        ("Members listed", fmt_figure(res.fig("listed"))),
        ("With prices", fmt_figure(res.fig("with_prices"))),
        ("Without prices", fmt_figure(res.fig("without_prices"))),
    ]
    print_table(
        [list(r) for r in summary],
        ["Measure", "Value"],
        title="IWM universe",
        caption=_caption(res),
        right_align=(1,),
    )
    table = res.table("members")

    def weight(row: Sequence[Any]) -> float:
        v = row[2].value
        return -1.0 if v is None else float(v)

    rows = sorted(table.rows, key=weight, reverse=True)
    render_table(
        table,
        rows=rows if show_all else rows[:15],
        title=table.title if show_all else f"{table.title}: largest 15 (--all for every member)",
    )


def register(app: typer.Typer) -> None:
    """Attach ``breadth``, ``liquidity``, ``levels`` and ``universe`` to the main app."""
    app.command("breadth")(breadth_cmd)
    app.command("liquidity")(liquidity_cmd)
    app.command("levels")(levels_cmd)
    app.command("universe")(universe_cmd)
