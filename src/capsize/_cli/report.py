"""``capsize report``: the daily small-cap note from the store, every figure sourced."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from capsize._cli._common import console, escape_markup, fail, handle_errors, parse_date_option
from capsize.errors import MissingDependencyError

__all__ = ["register", "write_report"]

_FORMATS = ("html", "md", "pdf")
_HOW_TO_FILL = (
    "the store is empty and could not be filled. Run one of:\n"
    "  capsize data import /path/to/shared/data   (a local data folder), or\n"
    "  capsize data update                         (live providers; needs network), or\n"
    "  capsize report --data-dir /path/to/data     (or set CAPSIZE_DATA_DIR)"
)


def _fill_if_empty(data_dir: Path | None, quiet: bool, wait: float = 0.0) -> None:
    """Fill an empty store: from ``data_dir`` / CAPSIZE_DATA_DIR, else live providers."""
    from capsize._cli.data import run_import, run_update
    from capsize.errors import CapsizeError
    from capsize.queries.data import store_is_empty

    if not store_is_empty(wait):
        return
    folder = data_dir or (
        Path(os.environ["CAPSIZE_DATA_DIR"]) if os.environ.get("CAPSIZE_DATA_DIR") else None
    )
    if folder is not None:
        if not folder.exists():
            raise fail(f"data folder {str(folder)!r} does not exist; {_HOW_TO_FILL}")
        if not quiet:
            console.print(f"The store is empty: importing {escape_markup(folder)} ...")
        run_import(folder, quiet=quiet, wait=wait)
    else:
        if not quiet:
            console.print("The store is empty: updating from live providers ...")
        try:
            run_update(quiet=quiet, wait=wait)
        except CapsizeError as exc:
            raise fail(f"{exc}; {_HOW_TO_FILL}") from None
    if store_is_empty(wait):
        raise fail(_HOW_TO_FILL)


def write_report(
    as_of: object | None = None, fmt: str = "html", out: Path | None = None, wait: float = 0.0
) -> Path:
    """Build the context from the store at ``CAPSIZE_HOME`` and write the report; return its path."""
    from capsize.report.output import write_report as write

    return write(as_of, fmt, out, wait)  # cached by store data, code, settings and day


def register(app: typer.Typer) -> None:
    """Attach ``capsize report`` to the main app."""

    @app.command("report")
    @handle_errors
    def report(
        as_of: str | None = typer.Option(
            None, "--as-of", help="Report day: use only data dated on or before it (YYYY-MM-DD)."
        ),
        fmt: str = typer.Option(
            "html",
            "--format",
            "-f",
            help="html (default, one offline file), md (with SVG charts) or pdf; md and pdf "
            "write the provenance of every figure beside them as .provenance.csv and .json.",
        ),
        out: Path | None = typer.Option(
            None, "--out", "-o", help="Output file, or a folder (default: current folder)."
        ),
        data_dir: Path | None = typer.Option(
            None,
            "--data-dir",
            help="Fill an empty store from this folder (else CAPSIZE_DATA_DIR, else live).",
        ),
        open_: bool = typer.Option(False, "--open", help="Open the report when written."),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress output."),
        wait: float = typer.Option(
            0.0,
            "--wait",
            min=0.0,
            help="Seconds to wait while an import or update holds the store.",
        ),
    ) -> None:
        """Write the small-cap daily report: tape, scoreboard, trends, rates, size factor, sources.

        Example: capsize report --as-of 2025-10-08 --format md --out reports/
        """
        if fmt not in _FORMATS:
            raise fail(f"--format {fmt!r} is not one of {', '.join(_FORMATS)}")
        from capsize.report.output import warm_report

        # Warm: the same store data, code, settings and day were written before; this
        # reads the store's stamp and the cached files only (no pandas, no DuckDB).
        path = warm_report(as_of, fmt, out)
        if path is None:
            day = parse_date_option(as_of, "--as-of")
            _fill_if_empty(data_dir, quiet, wait)
            try:
                path = write_report(day, fmt, out, wait)
            except MissingDependencyError as exc:
                raise fail(str(exc)) from None
        console.print(f"Report written: {escape_markup(path)}", highlight=False, soft_wrap=True)
        if open_:
            import webbrowser

            webbrowser.open(path.resolve().as_uri())
