"""``capsize rates``, ``capsize flows`` and ``capsize crypto``: the drivers of size rotation.

Thin commands over :mod:`capsize.analytics.rates`, :mod:`capsize.analytics.flows`
and :mod:`capsize.analytics.crosscap`. The payload builders (re-exported here)
take an open store and return plain dicts (numbers unformatted, NaN for
missing) so the report can reuse them; the commands print them with the shared
formatter or as JSON.
"""

from __future__ import annotations

import typer

from capsize._cli._common import emit_json, handle_errors, open_store, parse_date_option
from capsize._cli.drivers.crypto import crypto_payload, load_alts, load_markets, print_crypto
from capsize._cli.drivers.flows import (
    flows_payload,
    nport_payload,
    parse_nport_spec,
    print_flows,
    print_nport,
)
from capsize._cli.drivers.rates import print_rates, rates_payload

__all__ = [
    "crypto_payload",
    "flows_payload",
    "nport_payload",
    "parse_nport_spec",
    "rates_payload",
    "register",
]


def _segments_config() -> dict[str, object]:
    from capsize.config import load_settings

    return dict(load_settings().segments)


def register(app: typer.Typer) -> None:
    """Add ``rates``, ``flows`` and ``crypto`` to the ``capsize`` app."""

    @app.command("rates")
    @handle_errors
    def rates(
        small: str = typer.Option("IWM", "--small", help="Small-cap leg, e.g. IWM or ^RUT."),
        large: str = typer.Option("SPY", "--large", help="Large-cap leg, e.g. SPY or ^GSPC."),
        series: str = typer.Option(
            "DGS2,DGS10", "--series", help="FRED yield series in the store, comma-separated."
        ),
        as_of: str | None = typer.Option(
            None, "--as-of", help="Use only data dated on or before (YYYY-MM-DD)."
        ),
        frequency: str = typer.Option(
            "M", "--frequency", help="Regression sampling: M (monthly), W (weekly), D (daily)."
        ),
        threshold: float = typer.Option(
            10.0, "--threshold", help="Regime threshold, bp of yield change in a month."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
    ) -> None:
        """Measure how rates move small vs large: regression, regimes, Fed turns.

        Example: capsize rates --as-of 2025-12-31
        """
        when = parse_date_option(as_of, "--as-of")
        with open_store(read_only=True) as store:
            payload = rates_payload(
                store,
                as_of=when,
                small=small.strip().upper(),
                large=large.strip().upper(),
                series=tuple(x.strip().upper() for x in series.split(",") if x.strip()),
                threshold_bp=threshold,
                frequency=frequency.strip().upper(),
            )
        if as_json:
            emit_json(payload)
        else:
            print_rates(payload)

    @app.command("flows")
    @handle_errors
    def flows(
        segment: str | None = typer.Option(
            None, "--segment", help="Only this size segment (small, large, ...)."
        ),
        year: int | None = typer.Option(None, "--year", help="Year of the year-to-date table."),
        as_of: str | None = typer.Option(
            None, "--as-of", help="Use only data dated on or before (YYYY-MM-DD)."
        ),
        nport: list[str] | None = typer.Option(
            None,
            "--nport",
            help="Also fetch SEC N-PORT monthly flows: FUND=CIK[:SERIES] (repeatable).",
        ),
        nport_filings: int = typer.Option(
            8, "--nport-filings", help="Newest NPORT-P filings read per registrant."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
    ) -> None:
        """Estimate ETF creations/redemptions by size segment from shares outstanding.

        Example: capsize flows --segment small --year 2026
        """
        when = parse_date_option(as_of, "--as-of")
        config = _segments_config()
        specs = [parse_nport_spec(x) for x in nport or []]
        with open_store(read_only=True) as store:
            payload = flows_payload(
                store, segment=segment, year=year, as_of=when, segments_config=config
            )
        if specs:
            payload["nport"] = nport_payload(
                specs, max_filings=nport_filings, segments_config=config
            )
        if as_json:
            emit_json(payload)
            return
        print_flows(payload)
        if specs:
            print_nport(payload["nport"])

    @app.command("crypto")
    @handle_errors
    def crypto(
        as_of: str | None = typer.Option(
            None, "--as-of", help="Use only data dated on or before (YYYY-MM-DD)."
        ),
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
        as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
    ) -> None:
        """Compare big-vs-small in crypto (BTC/ETH vs the rest) with small vs large stocks.

        Example: capsize crypto --markets coins_markets.json
        """
        when = parse_date_option(as_of, "--as-of")
        frame, source = load_markets(markets, live)
        alt_px, alt_source, alt_notes = load_alts(frame, n_alts, live)
        with open_store(read_only=True) as store:
            payload = crypto_payload(
                store,
                as_of=when,
                markets=frame,
                markets_source=source,
                alt_closes=alt_px,
                alt_source=alt_source,
            )
        payload["notes"] = [*payload["notes"], *alt_notes]
        if as_json:
            emit_json(payload)
        else:
            print_crypto(payload)
