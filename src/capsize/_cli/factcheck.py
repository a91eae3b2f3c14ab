"""``capsize factcheck``: check the figures in a market article against the data."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import typer

from capsize._cli._common import console, escape_markup, fail, handle_errors, print_table

__all__ = ["register", "run_factcheck"]

_FORMATS = ("html", "md")


def run_factcheck(
    file: str, date: str | None, fmt: str, out: Path | None, as_json: bool
) -> tuple[str, Path | None]:
    """Check ``file``; return the text to print and the path written (None without ``out``)."""
    from capsize.factcheck import check_article, read_article, resolve_date
    from capsize.factcheck.render import (
        summary_rows,
        summary_text,
        to_html,
        to_json_text,
        to_markdown,
        write_output,
    )
    from capsize.queries import open_session

    art = read_article(file)
    day, origin = resolve_date(art.text, date, art.name, art.source)
    with open_session(day.isoformat()) as session:
        checked = check_article(art.text, session, day, name=art.name, date_origin=origin)
    if art.format == "markdown":
        checked = replace(checked, markup=art.source)
    if as_json:
        body = to_json_text(checked)
    elif fmt == "md":
        body = to_markdown(checked)
    else:
        body = to_html(checked, title=f"Fact check: {Path(art.name).name}")
    if out is not None:
        return summary_text(checked), write_output(out, body)
    if as_json or fmt == "md":
        return body, None
    print_table(
        summary_rows(checked),
        ("#", "Claim", "Kind", "Claimed", "Computed", "Verdict"),
        title=f"Fact check: {art.name}",
        caption=summary_text(checked),
    )
    return "", None


def register(app: typer.Typer) -> None:
    """Attach ``capsize factcheck`` to the main app."""

    @app.command("factcheck")
    @handle_errors
    def factcheck(
        file: str = typer.Argument(
            ..., help="The article: a text, Markdown or saved HTML file; '-' for standard input."
        ),
        date: str | None = typer.Option(
            None, "--date", help="The article's date (YYYY-MM-DD); default: its dateline."
        ),
        as_json: bool = typer.Option(
            False, "--json", help="Print (or write with --out) the verdicts as JSON."
        ),
        out: Path | None = typer.Option(
            None, "--out", "-o", help="Write the annotated article (or the JSON) to this file."
        ),
        fmt: str = typer.Option(
            "html",
            "--format",
            "-f",
            help="With --out: html (default) or md; without: md prints it.",
        ),
    ) -> None:
        """Check each figure in a market article against the data, claim by claim.

        Without --out, prints the summary table (or the Markdown / JSON).
        Example: capsize factcheck note.md --date 2026-08-21 --out note.html
        """
        if fmt not in _FORMATS:
            raise fail(f"--format {fmt!r} is not one of {', '.join(_FORMATS)}")
        text, written = run_factcheck(file, date, fmt, out, as_json)
        if written is not None:
            console.print(
                f"Fact check written: {escape_markup(written)}", highlight=False, soft_wrap=True
            )
            console.print(escape_markup(text), highlight=False, soft_wrap=True)
        elif text:
            typer.echo(text, nl=False)
