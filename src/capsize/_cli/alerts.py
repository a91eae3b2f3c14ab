"""``capsize alerts``: add, list and remove rules; run them (record events); backtest one.

A thin layer over :mod:`capsize.queries.alerts`: every command calls one query and
renders its answer. Imports of pandas-backed modules stay inside the functions.
"""

from __future__ import annotations

from typing import Any

import typer

from capsize._cli._common import console, escape_markup, handle_errors, parse_date_option
from capsize._cli.alert_delivery import register as register_delivery
from capsize.errors import InputError

__all__ = ["parse_params", "register"]

alerts_app = typer.Typer(
    help="Alert rules on prices, relative strength, breadth, flows and filings.",
    no_args_is_help=True,
)


def parse_params(pairs: list[str]) -> dict[str, object]:
    """Turn ``NAME=VALUE`` options into a mapping (values stay text; the rule checks them).

    Examples
    --------
    >>> parse_params(["level=250", "direction=up"])
    {'level': '250', 'direction': 'up'}
    """
    out: dict[str, object] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--param {pair!r} is not NAME=VALUE; use e.g. --param level=250")
        out[key.strip()] = value.strip()
    return out


@alerts_app.command("add")
@handle_errors
def add_cmd(
    name: str = typer.Argument(..., help="Rule name, e.g. 'IWM above 250'."),
    kind: str = typer.Option(..., "--kind", "-k", help="Rule kind (see 'capsize alerts kinds')."),
    symbols: str = typer.Option("", "--symbols", "-s", help="Symbols, space or comma separated."),
    watchlist: str | None = typer.Option(None, "--watchlist", "-w", help="Watchlist name."),
    param: list[str] = typer.Option([], "--param", "-p", help="NAME=VALUE, repeatable."),
    cooldown: int | None = typer.Option(None, "--cooldown", help="Quiet sessions after a fire."),
    channel: list[str] = typer.Option(
        ["log"], "--channel", "-c", help="log, email:ADDR or webhook:URL; repeatable."
    ),
    rule_id: str | None = typer.Option(None, "--id", help="Rule id (default: from the name)."),
) -> None:
    """Add an alert rule.

    Example: capsize alerts add "IWM above 250" --kind price_level -s IWM -p level=250
    """
    from capsize.queries.alerts import create_rule

    rule = create_rule(
        name,
        kind,
        symbols=tuple(symbols.replace(",", " ").split()),
        watchlist=watchlist,
        params=parse_params(param),
        cooldown=cooldown,
        channels=tuple(channel),
        rule_id=rule_id,
    )
    console.print(
        f"added rule {escape_markup(rule.id)} ({escape_markup(rule.kind)})", highlight=False
    )


@alerts_app.command("list")
@handle_errors
def list_cmd(
    as_json: bool = typer.Option(False, "--json", help="Print the answer as JSON."),
) -> None:
    """List the alert rules."""
    from capsize._cli.drivers._render import emit_result, print_result_table
    from capsize.queries import open_session
    from capsize.queries.alerts import alert_rules

    with open_session() as s:
        res = alert_rules(s)
    if as_json:
        emit_result(res)
        return
    print_result_table(res.table("rules"))


@alerts_app.command("kinds")
@handle_errors
def kinds_cmd() -> None:
    """List the rule kinds, what fires them and their parameters."""
    from capsize._cli._common import print_table
    from capsize.queries.alerts import rule_kinds

    rows = []
    for name, k in rule_kinds().items():
        params: dict[str, Any] = k["params"]  # type: ignore[assignment]
        text = ", ".join(
            f"{p}={v['default']}" if v["default"] is not None else f"{p} (required)"
            for p, v in params.items()
        )
        rows.append([name, str(k["watches"]), text or "-", str(k["summary"])])
    print_table(rows, ["Kind", "Watches", "Parameters", "Fires when"], title="Alert rule kinds")


@alerts_app.command("remove")
@handle_errors
def remove_cmd(rule: str = typer.Argument(..., help="Rule id or name.")) -> None:
    """Remove an alert rule (its recorded events are kept)."""
    from capsize.queries.alerts import remove_rule

    row = remove_rule(rule)
    console.print(f"removed rule {escape_markup(row.id)}", highlight=False)


@alerts_app.command("run")
@handle_errors
def run_cmd(
    as_of: str | None = typer.Option(None, "--as-of", help="Evaluate as of this day (YYYY-MM-DD)."),
    wait: float = typer.Option(0.0, "--wait", min=0.0, help="Seconds to wait for the store."),
    as_json: bool = typer.Option(False, "--json", help="Print the answer as JSON."),
) -> None:
    """Evaluate the rules, record new events and deliver them (idempotent; cron-friendly).

    Rules that cannot be evaluated are listed with the reason and a warning on stderr;
    the exit stays 0 (the run did its job for the other rules).
    """
    from capsize._cli.alert_delivery import run_and_show

    run_and_show(parse_date_option(as_of, "--as-of"), wait, as_json=as_json)


@alerts_app.command("backtest")
@handle_errors
def backtest_cmd(
    rule: str = typer.Argument(..., help="Rule id or name."),
    since: str = typer.Option(..., "--since", help="First day to replay (YYYY-MM-DD)."),
    as_of: str | None = typer.Option(None, "--as-of", help="Last day of data (YYYY-MM-DD)."),
    benchmark: str | None = typer.Option(None, "--benchmark", help="Benchmark of the spreads."),
    as_json: bool = typer.Option(False, "--json", help="Print the answer as JSON."),
) -> None:
    """Replay a rule: when it would have fired since a day, and what followed.

    Example: capsize alerts backtest iwm-above-250 --since 2024-01-02
    """
    from capsize._cli.drivers._render import emit_result, print_footer, print_result_table
    from capsize.queries import open_session
    from capsize.queries.alerts import replay_rule

    start = parse_date_option(since, "--since")
    with open_session(parse_date_option(as_of, "--as-of")) as s:
        res = replay_rule(s, rule, start, benchmark=benchmark)
    if as_json:
        emit_result(res)
        return
    print_result_table(res.table("fires"))
    print_result_table(res.table("summary"))
    print_footer(res)


register_delivery(alerts_app)  # dead-letter (the delivery half of the alerts)


def register(app: typer.Typer) -> None:
    """Attach ``capsize alerts`` to the main app."""
    app.add_typer(alerts_app, name="alerts")
