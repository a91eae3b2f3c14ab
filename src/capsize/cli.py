"""The ``capsize`` command line: a thin Typer app over the public API.

The app is built on first use of ``capsize.cli.app`` (or by :func:`main`), so that
``capsize report`` can write a cached report before Typer is imported
(:mod:`capsize._cli.warm`).
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import typer

__all__ = ["app", "build_app", "main"]

app: typer.Typer
"""The Typer app (built on first access: :func:`build_app`)."""

# Each module in capsize._cli exposes ``register(app)``.
_SUBCOMMANDS = (
    "data",
    "perf",
    "report",
    "internals",
    "drivers",
    "factor",
    "stocks",
    "factcheck",
    "serve",
    "alerts",
    "backtest",
)
_HELP = "Where US micro and small caps stand against large caps, and what moves them."


def build_app() -> typer.Typer:
    """Return the Typer app with every subcommand registered."""
    import typer

    from capsize._cli._common import OneLineErrorsGroup

    new = typer.Typer(
        cls=OneLineErrorsGroup,  # usage errors as one line, like every other error
        rich_markup_mode=None,  # plain help: rendering it with rich costs ~70 ms per --help
        name="capsize",
        help=_HELP,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )

    def _version(value: bool) -> None:
        if value:
            from capsize import __version__

            typer.echo(f"capsize {__version__}")
            raise typer.Exit()

    @new.callback(help=_HELP)
    def _root(
        version: bool = typer.Option(
            False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ) -> None:
        pass

    for name in _SUBCOMMANDS:
        importlib.import_module(f"capsize._cli.{name}").register(new)
    return new


def __getattr__(name: str) -> Any:
    if name == "app":
        value = build_app()
        globals()["app"] = value
        return value
    raise AttributeError(f"module 'capsize.cli' has no attribute {name!r}")


def main() -> None:
    """Entry point of the ``capsize`` console script."""
    from capsize._cli.warm import run_warm

    if run_warm(sys.argv[1:]):
        return
    __getattr__("app")()


if __name__ == "__main__":  # pragma: no cover - python -m capsize.cli
    main()
