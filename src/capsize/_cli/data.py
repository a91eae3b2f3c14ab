"""``capsize data ...``: import, update, status and quality check of the store."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from capsize._cli._common import console, emit_json, fail, handle_errors, open_store, print_table
from capsize._format import fmt_date, fmt_num

__all__ = ["register"]

data_app = typer.Typer(help="Fill and inspect the local store.", no_args_is_help=True)


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description:<16}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def run_import(folder: Path, *, force: bool = False, quiet: bool = False) -> object:
    """Import ``folder`` into the store with a progress bar (shared with ``report``)."""
    from capsize.data.ingest import import_folder
    from capsize.data.providers.local import scan_folder

    scan_folder(folder)  # a bad folder fails here, before any progress bar is drawn
    with open_store() as store:
        if quiet:
            return import_folder(store, folder, force=force)
        with _progress() as bar:
            tasks: dict[str, TaskID] = {}

            def tick(label: str, done: int, total: int) -> None:
                if label not in tasks:
                    tasks[label] = bar.add_task(label, total=total)
                bar.update(tasks[label], completed=done)

            return import_folder(store, folder, force=force, progress=tick)


@data_app.command("import")
@handle_errors
def import_cmd(
    folder: Path = typer.Argument(
        ..., help="Folder laid out like shared/data (prices/, universe/, macro/ ...)."
    ),
    force: bool = typer.Option(False, "--force", help="Re-read files already imported unchanged."),
    json_out: bool = typer.Option(False, "--json", help="Print the import report as JSON."),
) -> None:
    """Import a local folder of CSV/Parquet files into the store."""
    if not folder.exists():
        raise fail(
            f"folder {str(folder)!r} does not exist; pass the path of a data folder such as ../shared/data"
        )
    rep = run_import(folder, force=force, quiet=json_out)
    from capsize.data.ingest import ImportReport

    assert isinstance(rep, ImportReport)
    if json_out:
        emit_json(
            {
                "root": str(rep.root),
                "files_seen": rep.files_seen,
                "imported": len(rep.imported),
                "unchanged": len(rep.unchanged),
                "rows": rep.rows,
                "rejected_rows": rep.rejected_rows,
                "rejected_files": [{"file": r.rel, "reason": r.reason} for r in rep.rejected_files],
                "skipped": [{"file": r.rel, "reason": r.reason} for r in rep.skipped],
                "findings": rep.findings,
            }
        )
        return
    console.print(
        f"Imported {len(rep.imported)} files ({fmt_num(rep.rows, 0)} rows), "
        f"{len(rep.unchanged)} unchanged, {len(rep.rejected_files)} rejected, "
        f"{fmt_num(rep.rejected_rows, 0)} rows rejected from {rep.root}."
    )
    f = rep.findings
    console.print(
        f"Quality findings: {f.get('error', 0)} errors, {f.get('warning', 0)} warnings, "
        f"{f.get('info', 0)} notes. See 'capsize data check'."
    )
    for r in rep.rejected_files:
        console.print(f"[red]rejected[/] {r.rel}: {r.reason}", highlight=False)
    for r in rep.skipped:
        console.print(f"[dim]skipped {r.rel}: {r.reason}[/]", highlight=False)


@data_app.command("status")
@handle_errors
def status_cmd(
    json_out: bool = typer.Option(False, "--json", help="Every dataset as JSON."),
    all_rows: bool = typer.Option(
        False, "--all", help="One row per dataset, universe members included."
    ),
) -> None:
    """List every dataset in the store: coverage, rows, source, last ingest, quality flags."""
    with open_store(read_only=True) as store:
        cat = store.catalog()
    if cat.empty:
        raise fail("the store is empty; run 'capsize data import DIR' or 'capsize data update'")
    if json_out:
        emit_json(
            [
                {
                    "dataset": r.dataset_key,
                    "kind": r.kind,
                    "subject": r.subject,
                    "variant": r.variant,
                    "first_date": fmt_date(r.first_date) if pd.notna(r.first_date) else None,
                    "last_date": fmt_date(r.last_date) if pd.notna(r.last_date) else None,
                    "rows": int(r.rows),
                    "rejected": int(r.rejected),
                    "source": r.source,
                    "ingested_at": str(r.ingested_at),
                    "errors": int(r.errors),
                    "warnings": int(r.warnings),
                    "notes": int(r.infos),
                }
                for r in cat.itertuples()
            ]
        )
        return
    folded = cat["dataset_key"].str.startswith(("universe/", "universe_ohlcv/"))
    show = cat if all_rows else cat[~folded]
    rows = [
        [
            r.subject,
            r.kind if not r.variant else f"{r.kind} ({r.variant})",
            fmt_date(r.first_date, reason="-") if pd.notna(r.first_date) else "-",
            fmt_date(r.last_date) if pd.notna(r.last_date) else "-",
            fmt_num(r.rows, 0),
            r.source,
            _flags(r.errors, r.warnings, r.rejected, r.rows),
        ]
        for r in show.itertuples()
    ]
    if not all_rows and folded.any():
        for prefix in ("universe/", "universe_ohlcv/"):
            part = cat[cat["dataset_key"].str.startswith(prefix)]
            if part.empty:
                continue
            rows.append(
                [
                    f"{len(part)} members",
                    f"bars ({prefix.rstrip('/')})",
                    fmt_date(part["first_date"].min()),
                    fmt_date(part["last_date"].max()),
                    fmt_num(part["rows"].sum(), 0),
                    f"{prefix}*.csv",
                    _flags(part["errors"].sum(), part["warnings"].sum(), part["rejected"].sum()),
                ]
            )
    print_table(
        rows,
        ["dataset", "kind", "first", "last", "rows", "source", "quality"],
        title="capsize store",
        caption=(
            f"Last ingest {pd.Timestamp(cat['ingested_at'].max()).strftime('%Y-%m-%d %H:%M')} UTC. "
            "Universe members are folded into one row each (--all lists them); "
            "details: capsize data check."
        ),
        right_align=(4,),
    )


def _flags(errors: float, warnings: float, rejected: float, rows: float = 1) -> str:
    parts = [] if rows else ["no rows stored"]
    if rejected:
        parts.append(f"{int(rejected)} rows rejected")
    if errors:
        parts.append(f"{int(errors)} errors")
    if warnings:
        parts.append(f"{int(warnings)} warnings")
    return ", ".join(parts) if parts else "ok"


@data_app.command("check")
@handle_errors
def check_cmd(
    severity: str = typer.Option(
        "warning", "--severity", help="Lowest severity to list: error, warning or info."
    ),
    limit: int = typer.Option(40, "--limit", min=1, help="Rows to show."),
    json_out: bool = typer.Option(False, "--json", help="All findings as JSON."),
) -> None:
    """Show the quality report: store integrity and the findings of every import."""
    order = {"error": 0, "warning": 1, "info": 2}
    if severity not in order:
        raise fail(f"--severity {severity!r} is not one of error, warning, info")
    with open_store(read_only=True) as store:
        integrity = store.check_integrity()
        q = store.quality()
    q = q[q["severity"].map(order) <= order[severity]]
    if json_out:
        emit_json(
            {
                "integrity_ok": integrity.ok,
                "integrity_problems": list(integrity.problems),
                "findings": q.assign(date=q["date"].astype(str)).to_dict(orient="records"),
            }
        )
        return
    if integrity.ok:
        console.print(
            "[green]Store integrity: ok[/] (unique keys, positive closes, catalog consistent)."
        )
    else:
        for p in integrity.problems:
            console.print(f"[red]integrity problem:[/] {p}")
    summary = q.groupby(["severity", "check_name"]).size().reset_index(name="n")
    summary = summary.sort_values(
        ["severity", "n"], key=lambda c: c.map(order) if c.name == "severity" else -c
    )
    print_table(
        [[r.severity, r.check_name, fmt_num(r.n, 0)] for r in summary.itertuples()],
        ["severity", "check", "findings"],
        title="Quality findings by check",
        right_align=(2,),
    )
    q = q.sort_values("severity", key=lambda c: c.map(order), kind="stable").head(limit)
    print_table(
        [
            [
                r.severity,
                r.dataset_key,
                fmt_date(r.date, reason="-") if pd.notna(r.date) else "-",
                r.detail,
            ]
            for r in q.itertuples()
        ],
        ["severity", "dataset", "date", "detail"],
        title=f"First {len(q)} findings",
    )


def run_update(*, quiet: bool = False) -> object:
    """Update the store from live providers with a progress bar (shared with ``report``)."""
    from capsize.data.update import update_from_providers

    with open_store() as store:
        if quiet:
            return update_from_providers(store)
        with _progress() as bar:
            task = bar.add_task("update", total=None)

            def tick(label: str, done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            return update_from_providers(store, progress=tick)


@data_app.command("update")
@handle_errors
def update_cmd(
    json_out: bool = typer.Option(
        False, "--json", help="Print what was fetched and what failed as JSON."
    ),
) -> None:
    """Fetch the segment proxies, FRED rates, French size data and iShares holdings from live providers."""
    from capsize.data.update import UpdateReport

    rep = run_update(quiet=json_out)
    assert isinstance(rep, UpdateReport)
    if json_out:
        emit_json(
            {
                "fetched": rep.fetched,
                "failed": [{"source": s, "reason": r} for s, r in rep.failed],
                "rows": rep.rows,
            }
        )
    else:
        console.print(
            f"Fetched {len(rep.fetched)} datasets ({fmt_num(rep.rows, 0)} rows); {len(rep.failed)} sources failed."
        )
        for src, reason in rep.failed:
            console.print(f"[red]failed[/] {src}: {reason}", highlight=False)
    if rep.failed and not rep.fetched:
        raise fail(
            "no live provider could be reached; on an offline machine import a local folder instead: "
            "capsize data import DIR (or set CAPSIZE_DATA_DIR)"
        )


def register(app: typer.Typer) -> None:
    """Attach ``capsize data`` to the main app."""
    app.add_typer(data_app, name="data")
