"""``capsize data ...``: import, update, status and quality check of the store.

Each command calls one function of :mod:`capsize.queries.data` and renders its result;
``--json`` prints exactly ``result.to_dict()``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from capsize._cli._common import (
    console,
    emit_json,
    err_console,
    escape_markup,
    fail,
    handle_errors,
    print_table,
)

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from capsize.queries.data import DataResult
    from capsize.queries.result import Figure

__all__ = ["register", "run_import", "run_update"]

data_app = typer.Typer(
    rich_markup_mode=None,  # plain help: rendering it with rich costs ~70 ms per --help
    help="Fill and inspect the local store.",
    no_args_is_help=True,
)


class _ProgressBars:
    """A ``progress(label, done, total)`` callback drawing one rich bar per label.

    The bars are drawn from the first call on, so an error raised before any progress
    (a bad folder) prints no empty bar.
    """

    def __init__(self) -> None:
        self.bar: Progress | None = None
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, label: str, done: int, total: int | None) -> None:
        if self.bar is None:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self.bar = Progress(
                TextColumn("[bold]{task.description:<16}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
                transient=False,
            )
            self.bar.start()
        if label not in self.tasks:
            self.tasks[label] = self.bar.add_task(escape_markup(label), total=total)
        self.bar.update(self.tasks[label], completed=done, total=total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _count(result: DataResult, fid: str) -> int:
    value = result.value(fid)
    return int(value) if value is not None else 0


def _fmt_count(cell: Figure | str | None) -> str:
    from capsize._format import fmt_num
    from capsize.queries.result import Figure

    return fmt_num(cell.value, 0) if isinstance(cell, Figure) else str(cell or "-")


_WAIT_HELP = (
    "Seconds to wait while another capsize process holds the store (default: fail at once)."
)


def run_import(
    folder: str | Path,
    *,
    force: bool = False,
    quiet: bool = False,
    wait: float = 0.0,
    allow_rejects: bool = True,
) -> DataResult:
    """Import ``folder`` into the store with progress bars (shared with ``report``)."""
    from capsize.queries.data import import_folder

    if quiet:
        return import_folder(folder, force=force, wait=wait, allow_rejects=allow_rejects)
    bars = _ProgressBars()
    try:
        return import_folder(
            folder, force=force, progress=bars, wait=wait, allow_rejects=allow_rejects
        )
    finally:
        bars.close()


@data_app.command("import")
@handle_errors
def import_cmd(
    folder: str = typer.Argument(
        ..., help="Folder laid out like shared/data (prices/, universe/, macro/ ...)."
    ),
    force: bool = typer.Option(False, "--force", help="Re-read files already imported unchanged."),
    json_out: bool = typer.Option(False, "--json", help="Print the import result as JSON."),
    wait: float = typer.Option(0.0, "--wait", min=0.0, help=_WAIT_HELP),
    allow_rejects: bool = typer.Option(
        False,
        "--allow-rejects",
        help="Import the accepted files even when others are refused (a partial import on "
        "purpose; exit 0). Without it one refused file leaves the store unchanged (exit 1).",
    ),
) -> None:
    """Import a local folder of CSV/Parquet files into the store.

    The quality findings it reports are those the store holds for the folder's data files
    after the import (imported now or unchanged): the count 'capsize data check' gives.
    When any file is refused, nothing is imported (the store is unchanged), each refused
    file is listed with its reason and the exit code is 1; --allow-rejects imports the
    accepted files instead (exit 0).
    """
    from capsize.queries.data import ImportRefused

    try:
        res = run_import(
            folder, force=force, quiet=json_out, wait=wait, allow_rejects=allow_rejects
        )
    except ImportRefused as exc:
        if json_out:
            emit_json(exc.result.to_dict())
        else:
            _print_rejected(exc.result)
        raise fail(str(exc)) from None
    if json_out:
        emit_json(res.to_dict())
    else:
        _print_import(res)


def _print_rejected(res: DataResult) -> None:
    """List each refused file with its reason, as plain text."""
    from rich.markup import escape

    for file, reason in res.table("rejected_files").rows:
        console.print(
            f"[red]rejected[/] {escape(str(file))}: {escape(str(reason))}", highlight=False
        )


def _print_import(res: DataResult) -> None:
    """Print an import result; file names and reasons are data, printed as plain text."""
    from rich.markup import escape

    from capsize._format import fmt_num

    console.print(
        f"Imported {_count(res, 'imported')} files ({fmt_num(_count(res, 'rows'), 0)} rows), "
        f"{_count(res, 'unchanged')} unchanged, {_count(res, 'rejected_files')} rejected, "
        f"{fmt_num(_count(res, 'rejected_rows'), 0)} rows rejected from "
        f"{escape(str(res.params['folder']))}."
    )
    n_data = _count(res, "files_seen") - _count(res, "skipped")
    console.print(
        f"Quality findings held for the folder's {n_data} data files: "
        f"{fmt_num(_count(res, 'findings.error'), 0)} errors, "
        f"{fmt_num(_count(res, 'findings.warning'), 0)} warnings, "
        f"{fmt_num(_count(res, 'findings.info'), 0)} notes. See 'capsize data check'."
    )
    _print_rejected(res)
    for file, reason in res.table("skipped").rows:
        console.print(
            f"[dim]skipped {escape(str(file))}: {escape(str(reason))}[/]", highlight=False
        )


@data_app.command("status")
@handle_errors
def status_cmd(
    json_out: bool = typer.Option(False, "--json", help="The status result as JSON."),
    all_rows: bool = typer.Option(
        False, "--all", help="One row per dataset, universe members included."
    ),
) -> None:
    """List every dataset in the store: coverage, rows, source, last ingest, quality flags."""
    from capsize.queries import open_session
    from capsize.queries.data import data_status

    with open_session() as s:
        res = data_status(s, members=all_rows)
    if json_out:
        emit_json(res.to_dict())
        return
    table = res.table("datasets")
    col = {c: i for i, c in enumerate(table.columns)}
    rows = [
        [
            str(r[col["subject"]]),
            f"{r[col['kind']]} ({r[col['variant']]})" if r[col["variant"]] else str(r[col["kind"]]),
            str(r[col["first"]] or "-"),
            str(r[col["last"]] or "-"),
            _fmt_count(r[col["rows"]]),
            str(r[col["source"]]),
            str(r[col["quality"]]),
        ]
        for r in table.rows
    ]
    print_table(
        rows,
        ["dataset", "kind", "first", "last", "rows", "source", "quality"],
        title="capsize store",
        caption=" ".join(res.notes) + " Details: capsize data check.",
        right_align=(4,),
    )


@data_app.command("check")
@handle_errors
def check_cmd(
    severity: str = typer.Option(
        "warning", "--severity", help="Lowest severity to list: error, warning or info."
    ),
    limit: int = typer.Option(40, "--limit", min=1, help="Findings to show (--json: all)."),
    json_out: bool = typer.Option(False, "--json", help="The check result as JSON."),
) -> None:
    """Show the quality report: store integrity and the findings of every import.

    Exits with status 1 when the store has an integrity problem (duplicated keys,
    non-finite values, orphan rows), each printed on one line.
    """
    from capsize.errors import InputError
    from capsize.queries import open_session
    from capsize.queries.data import data_check

    try:
        with open_session() as s:
            res = data_check(s, severity=severity)
    except InputError as exc:
        raise fail(f"--severity: {exc}") from None
    problems = [str(p) for (p,) in res.table("integrity").rows]
    if json_out:
        emit_json(res.to_dict())
    else:
        _print_check(res, problems, limit)
    if problems:
        raise fail(
            f"the store has {len(problems)} integrity problem(s) (listed above); rebuild it: "
            "move the store file aside and run 'capsize data import DIR'"
        )


def _print_check(res: DataResult, problems: list[str], limit: int) -> None:
    from rich.markup import escape

    if not problems:
        console.print(f"[green]{escape(res.notes[0])}[/]")
    for p in problems:
        err_console.print(f"[red]integrity problem:[/] {escape(p)}", highlight=False)
    print_table(
        [[str(sev), str(check), _fmt_count(n)] for sev, check, n in res.table("by_check").rows],
        ["severity", "check", "findings"],
        title="Quality findings by check",
        right_align=(2,),
    )
    shown = res.table("findings").rows[:limit]
    print_table(
        [[str(sev), str(ds), str(day or "-"), str(detail)] for sev, ds, day, _c, detail in shown],
        ["severity", "dataset", "date", "detail"],
        title=f"First {len(shown)} findings",
    )


@data_app.command("export")
@handle_errors
def export_cmd(
    parquet: str = typer.Option(
        ...,
        "--parquet",
        help="Folder or fsspec URL (s3://bucket/path) to write the Parquet dataset to "
        "(created or replaced).",
    ),
    json_out: bool = typer.Option(False, "--json", help="The export result as JSON."),
    wait: float = typer.Option(0.0, "--wait", min=0.0, help=_WAIT_HELP),
) -> None:
    """Export the store's bars, membership and macro as a hive-partitioned Parquet dataset.

    Bars are partitioned by ticker bucket and year, with min/max statistics, for Dask,
    DuckDB, polars or pyarrow readers; the folder appears only once the export is complete.
    """
    from capsize.queries import open_session
    from capsize.queries.data import export_parquet

    with open_session(wait=wait) as s:
        res = export_parquet(s, parquet)
    if json_out:
        emit_json(res.to_dict())
        return
    print_table(
        [[str(t), _fmt_count(n)] for t, n in res.table("exported").rows],
        ["table", "rows"],
        title="Parquet export",
        right_align=(1,),
    )
    for note in res.notes:  # plain lines: a caption would wrap to the narrow table's width
        console.print(note, highlight=False, markup=False)


def run_update(*, quiet: bool = False, wait: float = 0.0) -> DataResult:
    """Update the store from live providers with a progress bar (shared with ``report``)."""
    from capsize.queries.data import update

    if quiet:
        return update(wait=wait)
    bars = _ProgressBars()
    try:
        return update(progress=bars, wait=wait)
    finally:
        bars.close()


@data_app.command("update")
@handle_errors
def update_cmd(
    json_out: bool = typer.Option(
        False, "--json", help="Print what was fetched and what failed as JSON."
    ),
    wait: float = typer.Option(0.0, "--wait", min=0.0, help=_WAIT_HELP),
) -> None:
    """Fetch the segment proxies, FRED rates, French size data and iShares holdings from live providers."""
    from capsize._format import fmt_num

    res = run_update(quiet=json_out, wait=wait)
    if json_out:
        emit_json(res.to_dict())
    else:
        console.print(
            f"Fetched {_count(res, 'fetched')} datasets ({fmt_num(_count(res, 'rows'), 0)} rows); "
            f"{_count(res, 'failed')} sources failed."
        )
        for src, reason in res.table("failed").rows:
            console.print(
                f"[red]failed[/] {escape_markup(src)}: {escape_markup(reason)}", highlight=False
            )
    if _count(res, "failed") and not _count(res, "fetched"):
        raise fail(res.notes[0])


def register(app: typer.Typer) -> None:
    """Attach ``capsize data`` to the main app."""
    app.add_typer(data_app, name="data")
