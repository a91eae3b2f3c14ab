"""``capsize perf``, ``compare``, ``risk``, ``highs`` and ``tape``: render performance answers.

Each command parses its options, asks one question of :mod:`capsize.queries` and prints
the answer as tables, or with ``--json`` exactly ``result.to_dict()``. Nothing here
reads the store or computes a figure; heavy imports happen inside the commands, so
``capsize --help`` stays fast.
"""

from __future__ import annotations

import typer

from capsize._cli._common import check_text, emit_json, handle_errors, parse_date_option
from capsize.errors import InputError

__all__ = ["register"]

SEGMENT_WINDOWS = ("MTD", "QTD", "YTD", "1Y", "3Y", "5Y")


def _dates(
    since: str | None, between: tuple[str, str] | None, trough_from: str | None
) -> tuple[object, tuple[object, object] | None, object]:
    s = parse_date_option(since, "--since")
    t = parse_date_option(trough_from, "--trough-from")
    btw = None
    if between is not None:
        d1 = parse_date_option(between[0], "--between")
        d2 = parse_date_option(between[1], "--between")
        if d1 is None or d2 is None:
            raise InputError("--between needs two dates, e.g. --between 2025-01-01 2025-06-30")
        btw = (d1, d2)
    return s, btw, t


def perf_cmd(
    symbols: list[str] | None = typer.Argument(
        None, help="Symbols, e.g. IWM SPY IWC ^RUT (or use --segments)."
    ),
    segments: bool = typer.Option(
        False, "--segments", help="One row per size segment (micro..mega) via its proxy fund."
    ),
    style: str = typer.Option(
        "blend", "--style", help="Segment proxies: blend, value, growth or equal-weight."
    ),
    ytd: bool = typer.Option(False, "--ytd", help="Year to date."),
    since: str | None = typer.Option(
        None, "--since", help="From the last close on or before this date."
    ),
    between: tuple[str, str] | None = typer.Option(
        None,
        "--between",
        help="Two dates: from the last close on or before the first to the last close on or "
        "before the second (the answer is as of the second).",
    ),
    trough_from: str | None = typer.Option(
        None, "--trough-from", help="From the lowest close on or after this date."
    ),
    as_of: str | None = typer.Option(None, "--as-of", help="End date (default: latest data)."),
    total: bool = typer.Option(False, "--total", help="Show total return only."),
    as_json: bool = typer.Option(False, "--json", help="Print the answer as JSON."),
) -> None:
    """Show price and total returns over YTD, since a date, or between dates.

    Without a window option: MTD, QTD, YTD, 1Y, 3Y and 5Y. With --segments: one row per size segment through its proxy fund (the report's proxy choice).

    Window convention: base = last close on or before the window start (YTD: last close of the previous year); end = last close on or before the window end (default: --as-of); return = end / base - 1.

    Example: capsize perf IWM SPY IWC --ytd --as-of 2025-10-08
    """
    from capsize.queries import open_session, scoreboard, window_returns

    symbols = [check_text(x, "SYMBOL", "IWM") for x in symbols or []]
    day = parse_date_option(as_of, "--as-of")
    s, btw, t = _dates(since, between, trough_from)
    if sum([ytd, s is not None, btw is not None, t is not None]) > 1:
        raise InputError("choose one of --ytd, --since, --between, --trough-from")
    if segments and symbols:
        raise InputError("give symbols or --segments, not both")
    if not segments and not symbols:
        raise InputError("name at least one symbol (e.g. capsize perf IWM SPY) or --segments")
    dated = s is not None or btw is not None or t is not None
    with open_session(day) as session:
        if segments:
            res = scoreboard(
                session,
                style=style,
                windows=None if dated else (("YTD",) if ytd else SEGMENT_WINDOWS),
                since=s,
                between=btw,
                trough_from=t,
            )
        else:
            wr = window_returns(
                session, symbols=symbols or [], ytd=ytd, since=s, between=btw, trough_from=t
            )
    if as_json:
        emit_json((res if segments else wr).to_dict())
        return
    from capsize._cli.perf import views

    if segments:
        views.print_segments(res, total)
    else:
        views.print_returns(wr, total)


def compare_cmd(
    a: str = typer.Argument(..., help="First symbol, e.g. IWM."),
    b: str = typer.Argument(..., help="Second symbol, e.g. SPY."),
    as_of: str | None = typer.Option(None, "--as-of", help="Use data up to this date."),
    as_json: bool = typer.Option(False, "--json", help="Print the answer as JSON."),
) -> None:
    """Compare two symbols: window spreads (pp), the ratio vs its 50/200-day averages, yearly leaders.

    Windows (YTD, 1Y, 3Y) on the two symbols' common dates, ending at their last common close. Window convention: base = last close on or before the window start (YTD: last close of the previous year); end = last close on or before the end.

    Example: capsize compare IWM SPY
    """
    from capsize.queries import open_session, relative_strength

    a, b = check_text(a, "first symbol", "IWM"), check_text(b, "second symbol", "SPY")
    day = parse_date_option(as_of, "--as-of")
    with open_session(day) as session:
        res = relative_strength(session, a=a, b=b)
    if as_json:
        emit_json(res.to_dict())
        return
    from capsize._cli.perf import views

    views.print_compare(res)


def risk_cmd(
    symbol: str = typer.Argument(..., help="Symbol, e.g. IWM."),
    vs: str = typer.Option("SPY", "--vs", help="Benchmark symbol."),
    since: str | None = typer.Option(
        None,
        "--since",
        help="Window start: the base is the last close on or before it; the returns are "
        "those after the base (default: the first common close).",
    ),
    period: str | None = typer.Option(
        None, "--period", help="Instead of --since: a trailing period, 1Y, 3Y, 5Y or 10Y."
    ),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Window end: the last close on or before it (default: latest)."
    ),
    threshold: float = typer.Option(
        0.01, "--threshold", help="Benchmark move for the conditional move (0.01 = 1%)."
    ),
    window: int = typer.Option(252, "--window", help="Rolling beta window (trading days)."),
    as_json: bool = typer.Option(False, "--json", help="Print the answer as JSON."),
) -> None:
    """Show volatility, beta, correlation, capture and the move on big benchmark days.

    Window convention: base = last common close on or before the start (--since, or the end minus --period); end = last common close on or before --as-of; the daily returns are those after the base, up to the end.

    Example: capsize risk IWM --vs SPY --since 2015-01-01
    """
    from capsize.queries import open_session, risk

    symbol, vs = check_text(symbol, "SYMBOL", "IWM"), check_text(vs, "--vs", "SPY")
    if period is not None:
        period = check_text(period, "--period", "3Y")
    day = parse_date_option(as_of, "--as-of")
    start = parse_date_option(since, "--since")
    if start is not None and day is not None and start > day:
        raise InputError(f"--since {since} is after --as-of {as_of}; swap them")
    if start is not None and period is not None:
        raise InputError("give --since or --period, not both")
    with open_session(day) as session:
        res = risk(
            session,
            symbol=symbol,
            benchmark=vs,
            since=start,
            period=period.upper() if period else None,
            threshold=threshold,
            window=window,
        )
    if as_json:
        emit_json(res.to_dict())
        return
    from capsize._cli.perf import views

    views.print_risk(res)


def highs_cmd(
    symbols: list[str] = typer.Argument(..., help="Symbols, e.g. ^RUT IWM."),
    as_of: str | None = typer.Option(None, "--as-of", help="Use data up to this date."),
    as_json: bool = typer.Option(False, "--json", help="Print the answer as JSON."),
) -> None:
    """Show all-time and 52-week highs (close and intraday), distance and drawdowns.

    52-week = closes after the last date minus one year; all-time = since the first date held; distance = last close / high - 1.

    Example: capsize highs ^RUT IWM
    """
    from capsize.queries import highs, open_session

    symbols = [check_text(x, "SYMBOL", "^RUT") for x in symbols]
    day = parse_date_option(as_of, "--as-of")
    with open_session(day) as session:
        res = highs(session, symbols=symbols)
    if as_json:
        emit_json(res.to_dict())
        return
    from capsize._cli.perf import views

    views.print_highs(res)


def tape_cmd(
    as_of: str | None = typer.Option(None, "--as-of", help="Use data up to this date."),
    as_json: bool = typer.Option(False, "--json", help="Print the answer as JSON."),
) -> None:
    """Show each segment proxy's move on the day and its volume against its 20-day average.

    The day is the latest date with closes for both IWM and SPY on or before --as-of; a move is the total return from the previous close.

    Example: capsize tape --as-of 2025-10-08
    """
    from capsize.queries import open_session, tape

    day = parse_date_option(as_of, "--as-of")
    with open_session(day) as session:
        res = tape(session)
    if as_json:
        emit_json(res.to_dict())
        return
    from capsize._cli.perf import views

    views.print_tape(res)


def register(app: typer.Typer) -> None:
    """Add ``perf``, ``compare``, ``risk``, ``highs`` and ``tape`` to the ``capsize`` app."""
    for name, func in (
        ("perf", perf_cmd),
        ("compare", compare_cmd),
        ("risk", risk_cmd),
        ("highs", highs_cmd),
        ("tape", tape_cmd),
    ):
        app.command(name)(handle_errors(func))
