"""``capsize serve``: the web dashboard and REST API; ``capsize serve token ...``: API tokens."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from capsize._cli._common import console, err_console, escape_markup, fail, handle_errors

__all__ = ["register"]

serve_app = typer.Typer(
    rich_markup_mode=None,  # plain help: rendering it with rich costs ~70 ms per --help
    help="Open the dashboard and the REST API (http://127.0.0.1:8000); manage API tokens.",
    invoke_without_command=True,
    no_args_is_help=False,
)
token_app = typer.Typer(
    rich_markup_mode=None,  # plain help: rendering it with rich costs ~70 ms per --help
    help="API tokens: every write (watchlists, updates) needs one.",
    no_args_is_help=True,
)
serve_app.add_typer(token_app, name="token")


def _fill_from(data_dir: Path | None) -> None:
    """Import ``data_dir`` (or CAPSIZE_DATA_DIR) when there is no store yet."""
    from capsize.config import load_settings

    if load_settings().store_path.exists():
        return
    env = os.environ.get("CAPSIZE_DATA_DIR")
    folder = data_dir or (Path(env) if env else None)
    if folder is None:
        console.print(
            "No store yet: pages will say so until you run 'capsize data import DIR' "
            "(or start with --data-dir DIR)."
        )
        return
    from capsize._cli.data import run_import

    console.print(f"No store yet: importing {escape_markup(folder)} ...")
    run_import(folder, quiet=False)


@serve_app.callback()
@handle_errors
def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", help="Address to listen on (loopback by default)."),
    port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on."),
    data_dir: Path | None = typer.Option(
        None, "--data-dir", help="Import this data folder first when there is no store yet."
    ),
    poll: float = typer.Option(
        2.0, min=0.2, help="Seconds between checks for a new store version (after an update)."
    ),
) -> None:
    """Serve the dashboard and the REST API (``/api/v1``, docs at ``/api/docs``).

    Reads a private snapshot of the store, so ``capsize data update`` can run meanwhile;
    the server picks up the new data when the update has finished.
    """
    if ctx.invoked_subcommand is not None:
        return
    from capsize.web import WebConfig, create_app

    try:
        import uvicorn
    except ImportError:
        raise fail('capsize serve needs the web extra; pip install "capsize[web]"') from None
    _fill_from(data_dir)
    app = create_app(WebConfig.from_settings(poll=poll))
    console.print(
        f"capsize dashboard on http://{host}:{port}/  (API: /api/v1, docs: /api/docs)",
        markup=False,
    )
    if host not in ("127.0.0.1", "localhost", "::1"):
        console.print(
            "[yellow]warning:[/] listening beyond this machine; reads need no token, "
            "and traffic is not encrypted (put a TLS proxy in front)."
        )
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)


@token_app.command("create")
@handle_errors
def token_create(
    label: str = typer.Option("", "--label", help="What the token is for (shown in 'token list')."),
) -> None:
    """Create an API token, print it once, and store only its hash."""
    from capsize.config import load_settings
    from capsize.web import TOKENS_FILE, create_token

    home = load_settings().home
    token, record = create_token(home, label)
    typer.echo(token)
    err_console.print(
        f"Token {record.id} created; it is shown only now. Its hash is in {home / TOKENS_FILE}.\n"
        f"Use it as 'Authorization: Bearer TOKEN', or paste it in the dashboard's sign-in form.",
        highlight=False,
        markup=False,
    )


@token_app.command("list")
@handle_errors
def token_list() -> None:
    """List API tokens (ids, labels, creation times; never the tokens)."""
    from capsize._cli._common import print_table
    from capsize.config import load_settings
    from capsize.web import list_tokens

    rows = [(t.id, t.label, t.created) for t in list_tokens(load_settings().home)]
    print_table(rows, ("Id", "Label", "Created"), title="API tokens")


@token_app.command("revoke")
@handle_errors
def token_revoke(
    token_id: str = typer.Argument(..., help="The token's id (see 'token list')."),
) -> None:
    """Revoke an API token (effective at once, also in a running server)."""
    from capsize.config import load_settings
    from capsize.web import revoke_token

    revoke_token(load_settings().home, token_id)
    console.print(f"Token {token_id} revoked.", markup=False)


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the root app."""
    app.add_typer(serve_app, name="serve")
