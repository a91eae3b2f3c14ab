"""Shared helpers of the CLI: consoles, error handling, tables, JSON output."""

from __future__ import annotations

import functools
import json
import math
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.errors import MarkupError
from rich.markup import escape
from rich.table import Table
from typer.core import TyperGroup

from capsize.errors import CapsizeError, InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "OneLineErrorsGroup",
    "check_number",
    "check_text",
    "console",
    "emit_json",
    "err_console",
    "escape_markup",
    "fail",
    "handle_errors",
    "parse_date_option",
    "print_table",
]

P = ParamSpec("P")
T = TypeVar("T")


def _width() -> int | None:
    # Piped output (files, CI logs) would otherwise be squeezed into 80 columns.
    return None if sys.stdout.isatty() else int(os.environ.get("COLUMNS", "150"))


def escape_markup(value: object) -> str:
    r"""Return ``value`` as text that rich prints literally (never read as markup).

    Every data-derived text (a ticker, a file name, a cell, an error message) goes
    through this before it is put into a string that rich renders with markup.

    Examples
    --------
    >>> escape_markup("IWM[/]")
    'IWM\\[/]'
    >>> escape_markup("[bold]x")
    '\\[bold]x'
    """
    return escape(str(value))


class _LiteralFallbackConsole(Console):
    """A console that prints a string literally when its markup does not parse.

    The last line of defence: text is escaped where it is built (:func:`escape_markup`),
    but an unescaped ``[/]`` must still never end a command with a ``MarkupError``.
    """

    def render_str(self, text: str, **kwargs: Any) -> Any:
        try:
            return super().render_str(text, **kwargs)
        except MarkupError:
            return super().render_str(text, **{**kwargs, "markup": False})


console = _LiteralFallbackConsole(width=_width(), emoji=False)
err_console = _LiteralFallbackConsole(stderr=True, width=_width(), emoji=False)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print a one-line error to stderr and return the ``typer.Exit`` to raise.

    ``message`` is plain text: brackets in it are shown as they are.
    """
    one_line = " ".join(str(message).splitlines())
    err_console.print(
        f"[bold red]error:[/] {escape_markup(one_line)}", highlight=False, soft_wrap=True
    )
    return typer.Exit(code)


_CLICK_EXCEPTION: type[Exception] = next(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException"
)
"""Click's base exception (typer may ship its own copy of click: found from typer's class)."""


def _usage_line(exc: Any) -> str:
    ctx = getattr(exc, "ctx", None)
    hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
    return f"{exc.format_message()}{hint}"


class OneLineErrorsGroup(TyperGroup):
    """The root command group: usage errors as one ``error:`` line, like every other error.

    A bad option value, an unknown option or command, a missing argument: click would
    print the usage, a hint and the error on three lines. Here it is one line naming the
    option, and the exit code stays click's (2 for usage errors).
    """

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Run the command line; see :meth:`click.Command.main`."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except typer.Abort:
            err_console.print("Aborted.", markup=False)
            sys.exit(1)
        except _CLICK_EXCEPTION as exc:
            code = int(getattr(exc, "exit_code", 1))
            if type(exc).__name__ == "NoArgsIsHelpError":
                exc.show()  # type: ignore[attr-defined]  # the help text, as click does
                sys.exit(code)
            fail(_usage_line(exc))
            sys.exit(code)
        sys.exit(rv if isinstance(rv, int) else 0)


def handle_errors(func: Callable[P, T]) -> Callable[P, T]:
    """Turn :class:`CapsizeError` into a one-line message and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return func(*args, **kwargs)
        except CapsizeError as exc:
            raise fail(str(exc)) from None
        except OSError as exc:  # a path the user gave cannot be read or written
            where = exc.filename if exc.filename is not None else "the file"
            what = exc.strerror or exc.__class__.__name__
            raise fail(f"cannot use {where}: {what}; choose a path you can write to") from None

    return wrapper


def parse_date_option(value: str | None, name: str) -> pd.Timestamp | None:
    """Parse a ``--date`` style option by the query layer's one date rule.

    Only ISO ``YYYY-MM-DD`` within 1900..2199 is accepted: day-first and month-first
    forms (``08/10/2025``, ``12-08-2025``) are refused rather than guessed, so a date
    never silently means another day.
    """
    from capsize.queries.session import parse_as_of

    try:
        return parse_as_of(value, name)
    except CapsizeError as exc:
        raise fail(str(exc)) from None


def check_text(value: str, name: str, example: str) -> str:
    """Return ``value`` stripped; an empty or blank symbol/name option is an error.

    Raises
    ------
    InputError
        Naming the option (``name``) and an example of a good value.
    """
    text = value.strip()
    if not text or not text.isprintable():
        raise InputError(f"{name} {value!r} is empty or not printable; give e.g. {example}")
    return text


def check_number(
    value: float, name: str, *, low: float, high: float | None = None, example: str
) -> float:
    """Return ``value`` when it is finite and within ``low..high`` (inclusive).

    Raises
    ------
    InputError
        Naming the option (``name``) and the accepted range.
    """
    ok = math.isfinite(value) and value >= low and (high is None or value <= high)
    if not ok:
        bound = f"from {low:g} to {high:g}" if high is not None else f"of {low:g} or more"
        raise InputError(f"{name} {value!r} is out of range; use a value {bound}, e.g. {example}")
    return value


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "strftime") and hasattr(value, "normalize"):  # pandas Timestamp
        return value.strftime("%Y-%m-%d")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):
        return _jsonable(value.item())
    return value


def emit_json(payload: Any) -> None:
    """Print ``payload`` as JSON (NaN -> null, dates -> ISO strings)."""

    def default(obj: Any) -> Any:
        out = _jsonable(obj)
        if out is obj:
            return str(obj)
        return out

    def clean(obj: Any) -> Any:
        if isinstance(obj, dict):
            return {str(k): clean(v) for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return [clean(v) for v in obj]
        return _jsonable(obj)

    typer.echo(json.dumps(clean(payload), default=default, indent=2))


def print_table(
    rows: Sequence[Sequence[str]],
    columns: Sequence[str],
    *,
    title: str | None = None,
    caption: str | None = None,
    right_align: Sequence[int] = (),
) -> None:
    """Print a rich table; every cell must already be formatted text.

    Title, caption, headers and cells are shown literally (brackets are not markup).
    """
    table = Table(
        title=None if title is None else escape_markup(title),
        caption=None if caption is None else escape_markup(caption),
        caption_justify="left",
        show_lines=False,
    )
    for i, col in enumerate(columns):
        table.add_column(escape_markup(col), justify="right" if i in right_align else "left")
    for row in rows:
        table.add_row(*(escape_markup(c) for c in row))
    console.print(table)
