"""``capsize serve``: the web dashboard and the REST API over the query layer.

Every page and endpoint renders the answer of a query function (:mod:`capsize.queries`),
the same function the CLI and the report call, so the three never disagree. Endpoints
and page sections are generated from a registry of query specs
(:mod:`capsize.web._registry`); a query that lands in :mod:`capsize.queries` appears in
the API and on its page by its registry row alone.

The server reads a private snapshot of the store and holds no connection to the store
itself, so ``capsize data update`` can run while it serves (:mod:`capsize.web._snapshot`).

Needs the ``web`` extra: ``pip install "capsize[web]"``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from capsize.web._app import create_app
    from capsize.web._state import WebConfig
    from capsize.web._tokens import TOKENS_FILE, create_token, list_tokens, revoke_token

__all__ = ["TOKENS_FILE", "WebConfig", "create_app", "create_token", "list_tokens", "revoke_token"]

_LAZY = {
    "TOKENS_FILE": "capsize.web._tokens",
    "WebConfig": "capsize.web._state",
    "create_app": "capsize.web._app",
    "create_token": "capsize.web._tokens",
    "list_tokens": "capsize.web._tokens",
    "revoke_token": "capsize.web._tokens",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'capsize.web' has no attribute {name!r}")
    try:
        value = getattr(importlib.import_module(module), name)
    except ImportError as exc:
        from capsize.errors import MissingDependencyError

        raise MissingDependencyError(
            f'capsize serve needs the web extra ({exc.name} is missing); pip install "capsize[web]"'
        ) from exc
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
