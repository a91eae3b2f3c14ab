"""Alert delivery commands: ``capsize alerts dead-letter``, and the delivery half of ``run``.

``register(alerts_app)`` adds ``dead-letter`` to the ``capsize alerts`` group;
``run_and_show`` is the body of ``capsize alerts run`` (evaluate, record, deliver).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from capsize._cli._common import console, emit_json, err_console, handle_errors, print_table

if TYPE_CHECKING:
    from collections.abc import Sequence

    from capsize.queries.result import Figure, QueryResult

__all__ = ["WAIT_HELP", "first_run_line", "register", "run_and_show", "show_result"]

WAIT_HELP = "Seconds to wait while another process writes the store (another run, an update)."


def _cell(value: object) -> str:
    if value is None:
        return ""
    fig: Figure | None = value if hasattr(value, "provenance") else None  # type: ignore[assignment]
    if fig is not None:
        return "n/a" if fig.value is None else f"{fig.value:g}"
    return str(value)


def show_result(result: QueryResult, *, as_json: bool = False) -> None:
    """Print a delivery result: its counts, then its table (or all of it as JSON)."""
    if as_json:
        emit_json(result.to_dict())
        return
    counts = ", ".join(
        f"{fid} {fig.value}"
        for fid, fig in result.figures.items()
        if fid
        in ("recorded", "created", "sent", "dead", "redelivered", "pending", "revived", "count")
    )
    console.print(counts)
    for table in result.tables:
        if table.rows:
            print_table(
                [[_cell(c) for c in row] for row in table.rows], table.columns, title=table.title
            )


def first_run_line(started: Sequence[Sequence[object]]) -> str:
    """Say from which day the rules run for the first time watch (rows: rule, day)."""
    days = sorted({str(row[1]) for row in started})
    since = (
        f"the last data day ({days[0]})"
        if len(days) == 1
        else "each rule's last data day (its 'Watches from' above)"
    )
    return (
        f"First run of {len(started)} rule(s): a rule watches from {since}; nothing before "
        "is sent. Use 'capsize alerts backtest RULE --since D' to see when it would have "
        "fired before."
    )


def run_and_show(as_of: object | None, wait: float, as_json: bool) -> None:
    """Evaluate the rules as of ``as_of``, record their events, deliver; print the result."""
    from capsize.queries.alert_commands import run_and_deliver

    result = run_and_deliver(as_of, wait=wait)
    show_result(result, as_json=as_json)
    if as_json:
        return
    console.print(f"{result.value('recorded')} new alert event(s) recorded", highlight=False)
    started = result.table("started").rows
    if started:
        console.print(first_run_line(started), highlight=False, markup=False)
    bad = len(result.table("unevaluated").rows)
    if bad:
        # exit stays 0: the run did its job for the other rules (a scheduler must not retry
        # it); the warning on stderr reaches cron's mail
        err_console.print(
            f"warning: {bad} rule(s) could not be evaluated (see above); fix or remove them",
            highlight=False,
            markup=False,
        )


def register(alerts_app: typer.Typer) -> None:
    """Add ``dead-letter`` to the ``capsize alerts`` group."""

    @alerts_app.command("dead-letter")
    @handle_errors
    def dead_letter(
        retry: bool = typer.Option(
            False, "--retry", help="Send the dead deliveries again (all, or those of --event)."
        ),
        event: list[str] = typer.Option(
            [], "--event", help="Only this event id (repeat the option for several)."
        ),
        wait: float = typer.Option(0.0, "--wait", min=0.0, help=WAIT_HELP),
        as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    ) -> None:
        """List the deliveries that failed their last try (nothing is dropped); --retry sends them again."""
        from capsize.queries.alert_commands import dead_letters

        result = dead_letters(retry=retry, event_ids=list(event) or None, wait=wait)
        show_result(result, as_json=as_json)
