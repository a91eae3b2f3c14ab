"""``capsize perf``, ``compare``, ``risk`` and ``highs``: performance figures with their evidence.

Thin commands over :mod:`capsize.analytics.performance` and
:mod:`capsize.analytics.risk`. Each command reads closes from the store, builds a
JSON-ready payload with a plain function taking an open store (so the report can
reuse it), and prints it as rich tables or JSON. Every output names the data's
source, the as-of date and the window convention.
"""

from __future__ import annotations

import typer

from capsize._cli._common import (
    console,
    emit_json,
    handle_errors,
    open_store,
    parse_date_option,
)
from capsize._cli.perf.compare import _print_compare, compare_payload
from capsize._cli.perf.load import upper_symbols
from capsize._cli.perf.returns import _print_perf, _print_segments, perf_payload, segments_payload
from capsize._cli.perf.risk import _print_highs, _print_risk, highs_payload, risk_payload
from capsize.errors import InputError

__all__ = [
    "compare_payload",
    "highs_payload",
    "perf_payload",
    "register",
    "risk_payload",
    "segments_payload",
]


def register(app: typer.Typer) -> None:
    """Add ``perf``, ``compare``, ``risk`` and ``highs`` to the ``capsize`` app."""

    @app.command("perf")
    @handle_errors
    def perf_cmd(
        symbols: list[str] | None = typer.Argument(
            None, help="Symbols, e.g. IWM SPY IWC ^RUT (or use --segments)."
        ),
        segments: bool = typer.Option(
            False, "--segments", help="One row per size segment (micro..mega) via its proxy."
        ),
        style: str = typer.Option(
            "blend", "--style", help="Segment proxies: blend, value, growth or equal-weight."
        ),
        ytd: bool = typer.Option(False, "--ytd", help="Year to date."),
        since: str | None = typer.Option(None, "--since", help="From the close of this date."),
        between: tuple[str, str] | None = typer.Option(
            None, "--between", help="Two dates: from the close of the first to the second."
        ),
        trough_from: str | None = typer.Option(
            None, "--trough-from", help="From the lowest close on or after this date."
        ),
        as_of: str | None = typer.Option(None, "--as-of", help="End date (default: latest data)."),
        total: bool = typer.Option(False, "--total", help="Show total return only."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    ) -> None:
        """Show price and total returns over YTD, since a date, or between dates.

        Without a window option: MTD, QTD, YTD, 1Y, 3Y and 5Y.

        With --segments: one row per size segment, through its first proxy with data.

        Example: capsize perf IWM SPY IWC --ytd --as-of 2025-10-08
        """
        day = parse_date_option(as_of, "--as-of")
        s = parse_date_option(since, "--since")
        t = parse_date_option(trough_from, "--trough-from")
        btw = None
        if between is not None:
            d1 = parse_date_option(between[0], "--between")
            d2 = parse_date_option(between[1], "--between")
            if d1 is None or d2 is None:
                raise InputError("--between needs two dates, e.g. --between 2025-01-01 2025-06-30")
            btw = (d1, d2)
        if segments and symbols:
            raise InputError("give symbols or --segments, not both")
        if not segments and not symbols:
            raise InputError("name at least one symbol (e.g. capsize perf IWM SPY) or --segments")
        with open_store(read_only=True) as store:
            if segments:
                payload = segments_payload(
                    store, as_of=day, style=style, ytd=ytd, since=s, between=btw, trough_from=t
                )
            else:
                payload = perf_payload(
                    store,
                    upper_symbols(symbols or []),
                    as_of=day,
                    ytd=ytd,
                    since=s,
                    between=btw,
                    trough_from=t,
                )
        if as_json:
            emit_json(payload)
        elif segments:
            _print_segments(payload, total)
        else:
            _print_perf(payload, total)

    @app.command("compare")
    @handle_errors
    def compare_cmd(
        a: str = typer.Argument(..., help="First symbol, e.g. IWM."),
        b: str = typer.Argument(..., help="Second symbol, e.g. SPY."),
        as_of: str | None = typer.Option(None, "--as-of", help="Use data up to this date."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
    ) -> None:
        """Compare two symbols: relative returns, calendar-year leaders and streaks.

        Example: capsize compare IWM SPY
        """
        day = parse_date_option(as_of, "--as-of")
        with open_store(read_only=True) as store:
            payload = compare_payload(store, a.upper(), b.upper(), as_of=day)
        if as_json:
            emit_json(payload)
        else:
            _print_compare(payload)

    @app.command("risk")
    @handle_errors
    def risk_cmd(
        symbol: str = typer.Argument(..., help="Symbol, e.g. IWM."),
        vs: str = typer.Option("SPY", "--vs", help="Benchmark symbol."),
        since: str | None = typer.Option(None, "--since", help="First date of the returns."),
        as_of: str | None = typer.Option(None, "--as-of", help="Last date of the returns."),
        threshold: float = typer.Option(
            0.01, "--threshold", help="Benchmark move for the conditional move (0.01 = 1%)."
        ),
        window: int = typer.Option(252, "--window", help="Rolling beta window (trading days)."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    ) -> None:
        """Show volatility, beta, correlation, capture and the move on big benchmark days.

        Example: capsize risk IWM --vs SPY --since 2015-01-01
        """
        day = parse_date_option(as_of, "--as-of")
        s = parse_date_option(since, "--since")
        with open_store(read_only=True) as store:
            payload = risk_payload(
                store,
                symbol.upper(),
                vs.upper(),
                as_of=day,
                since=s,
                threshold=threshold,
                window=window,
            )
        if as_json:
            emit_json(payload)
        else:
            _print_risk(payload)

    @app.command("highs")
    @handle_errors
    def highs_cmd(
        symbols: list[str] = typer.Argument(..., help="Symbols, e.g. ^RUT IWM."),
        as_of: str | None = typer.Option(None, "--as-of", help="Use data up to this date."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    ) -> None:
        """Show all-time and 52-week highs (close and intraday), distance and drawdowns.

        Example: capsize highs ^RUT IWM
        """
        day = parse_date_option(as_of, "--as-of")
        with open_store(read_only=True) as store:
            payload = highs_payload(store, upper_symbols(symbols), as_of=day)
        if as_json:
            emit_json(payload)
        else:
            _print_highs(payload)
            console.print()
