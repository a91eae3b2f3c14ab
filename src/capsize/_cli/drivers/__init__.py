"""``capsize rates``, ``capsize flows`` and ``capsize crypto``: the drivers of size rotation.

Each command parses its options, asks its query (:func:`capsize.queries.rates`,
:func:`~capsize.queries.flows`, :func:`~capsize.queries.crypto`) and prints the answer's
tables, or with ``--json`` exactly the answer's ``to_dict()``. Nothing is computed here.
Heavy imports (pandas, the queries) happen inside the commands.

Windows (every command): ``--as-of D`` uses only data dated on or before D; the answer's
as-of is the last date actually used.
"""

from __future__ import annotations

import typer

from capsize._cli._common import check_number, check_text, handle_errors

__all__ = ["register"]

_AS_OF_HELP = "Use only data dated on or before this day (YYYY-MM-DD); default: the latest."


def register(app: typer.Typer) -> None:
    """Add ``rates``, ``flows`` and ``crypto`` to the ``capsize`` app."""
    app.command("rates")(handle_errors(rates))
    app.command("flows")(handle_errors(flows_cmd))
    app.command("crypto")(handle_errors(crypto))


def rates(
    small: str = typer.Option("IWM", "--small", help="Small-cap leg, e.g. IWM or ^RUT."),
    large: str = typer.Option("SPY", "--large", help="Large-cap leg, e.g. SPY or ^GSPC."),
    series: str = typer.Option(
        "DGS2,DGS10", "--series", help="FRED yield series in the store, comma-separated."
    ),
    as_of: str | None = typer.Option(None, "--as-of", help=_AS_OF_HELP),
    frequency: str = typer.Option(
        "M", "--frequency", help="Regression sampling: M (monthly), W (weekly), D (daily)."
    ),
    window: int | None = typer.Option(
        None, "--window", help="Rolling window in periods (default 36 months, 156 weeks, 252 days)."
    ),
    threshold: float = typer.Option(
        10.0, "--threshold", help="Regime threshold, bp of yield change in a month."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the answer as JSON."),
) -> None:
    """Measure how rates move small vs large: regression, regimes, Fed turns.

    A month the data end inside is dated by its last day.

    The regime table uses complete months only.

    Example: capsize rates --as-of 2025-12-31
    """
    from capsize._cli.drivers._render import emit_result
    from capsize._cli.drivers.rates import print_rates
    from capsize.queries import open_session, parse_as_of
    from capsize.queries import rates as rates_query

    small, large = check_text(small, "--small", "IWM"), check_text(large, "--large", "SPY")
    check_number(threshold, "--threshold", low=0, example="10")
    day = parse_as_of(as_of, "--as-of")
    with open_session(day) as s:
        result = rates_query(
            s,
            small=small,
            large=large,
            series=tuple(x for x in series.split(",") if x.strip()),
            frequency=frequency,
            window=window,
            threshold_bp=threshold,
        )
    if as_json:
        emit_result(result)
    else:
        print_rates(result)


def flows_cmd(
    segment: str | None = typer.Option(
        None, "--segment", help="Only this size segment (micro, small, mid, large, mega)."
    ),
    as_of: str | None = typer.Option(None, "--as-of", help=_AS_OF_HELP),
    nport: list[str] | None = typer.Option(
        None,
        "--nport",
        help="Also fetch SEC N-PORT monthly flows: FUND=CIK[:SERIES] (repeatable).",
    ),
    nport_filings: int = typer.Option(
        8, "--nport-filings", help="Newest NPORT-P filings read per registrant."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the answer as JSON."),
) -> None:
    """Estimate ETF creations/redemptions by size segment from shares outstanding.

    Windows (1W, 1M, MTD, YTD, 1Y, calendar years) sum the flows dated after their base day.

    Base days: 1W the as-of day minus 7 days, YTD the previous year's last day, and so on.

    With --nport the JSON adds the N-PORT answer under "nport".

    Example: capsize flows --segment small --as-of 2025-12-31
    """
    from capsize._cli.drivers._render import emit_result
    from capsize._cli.drivers.flows import parse_nport_spec, print_flows, print_nport
    from capsize.config import load_settings
    from capsize.queries import flows as flows_query
    from capsize.queries import nport_flows, open_session, parse_as_of

    check_number(nport_filings, "--nport-filings", low=1, high=200, example="8")
    day = parse_as_of(as_of, "--as-of")
    specs = [parse_nport_spec(x) for x in nport or []]
    with open_session(day) as s:
        result = flows_query(s, segment=segment)
    monthly = (
        nport_flows(specs, max_filings=nport_filings, segments=load_settings().segments)
        if specs
        else None
    )
    if as_json:
        emit_result(result, {"nport": monthly.to_dict()} if monthly is not None else None)
        return
    print_flows(result)
    if monthly is not None:
        print_nport(monthly)


def crypto(
    as_of: str | None = typer.Option(None, "--as-of", help=_AS_OF_HELP),
    markets: str | None = typer.Option(
        None, "--markets", help="Saved CoinGecko /coins/markets JSON for dominance."
    ),
    live: bool = typer.Option(
        False,
        "--live",
        help="Fetch the market-cap snapshot and the alt basket's history from CoinGecko.",
    ),
    n_alts: int = typer.Option(
        10, "--alts", help="Alt basket size with --live (largest coins after BTC and ETH)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the answer as JSON."),
) -> None:
    """Compare big-vs-small in crypto (BTC/ETH vs the rest) with small vs large stocks.

    Example: capsize crypto --markets coins_markets.json
    """
    from capsize._cli.drivers._render import emit_result
    from capsize._cli.drivers.crypto import print_crypto
    from capsize.queries import crypto as crypto_query
    from capsize.queries import load_alts, load_markets, open_session, parse_as_of

    check_number(n_alts, "--alts", low=1, high=250, example="10")
    day = parse_as_of(as_of, "--as-of")
    frame, source = load_markets(markets, live=live)
    alt_px, alt_source, alt_notes = load_alts(frame, n_alts, live=live)
    with open_session(day) as s:
        result = crypto_query(
            s,
            markets=frame,
            markets_source=source,
            alt_closes=alt_px,
            alt_source=alt_source,
            alt_notes=alt_notes,
        )
    if as_json:
        emit_result(result)
    else:
        print_crypto(result)
