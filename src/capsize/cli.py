"""The ``capsize`` command line: a thin Typer app over the public API."""

from __future__ import annotations

import importlib

import typer

from capsize._cli._common import OneLineErrorsGroup

__all__ = ["app", "main"]

app = typer.Typer(
    cls=OneLineErrorsGroup,  # usage errors as one line, like every other error
    rich_markup_mode=None,  # plain help: rendering it with rich costs ~70 ms per --help
    name="capsize",
    help="Where US micro and small caps stand against large caps, and what moves them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Each module in capsize._cli exposes ``register(app)``.
_SUBCOMMANDS = (
    "data",
    "perf",
    "report",
    "internals",
    "drivers",
    "factor",
    "stocks",
    "backtest",
    "serve",
)


def _version(value: bool) -> None:
    if value:
        from capsize import __version__

        typer.echo(f"capsize {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Where US micro and small caps stand against large caps, and what moves them."""


for _name in _SUBCOMMANDS:
    importlib.import_module(f"capsize._cli.{_name}").register(app)


def main() -> None:
    """Entry point of the ``capsize`` console script."""
    app()


if __name__ == "__main__":  # pragma: no cover - python -m capsize.cli
    main()
