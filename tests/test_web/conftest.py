"""Fixtures of the web tests: a private copy of the filled store, an app, a client, a token."""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the web extra is not installed: pip install 'capsize[web]'")

with warnings.catch_warnings():
    # starlette asks for its httpx fork (httpx2) at import; the httpx client works the same.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from capsize.web import WebConfig, create_app, create_token

TestClient.__test__ = False  # type: ignore[attr-defined]


def copy_home(store_home: Path, dest: Path) -> Path:
    """A new home holding a copy of the filled store (the web may write to it)."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(store_home / "capsize.duckdb", dest / "capsize.duckdb")
    return dest


@pytest.fixture(scope="module")
def web_home(store_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with a copy of the filled store, shared by the tests of one module."""
    return copy_home(store_home, tmp_path_factory.mktemp("web_home"))


@pytest.fixture
def fresh_home(store_home: Path, tmp_path: Path) -> Path:
    """A home with its own copy of the filled store, for one test."""
    return copy_home(store_home, tmp_path / "home")


@pytest.fixture(scope="module")
def make_client() -> Iterator[Callable[..., TestClient]]:
    """Factory: ``make_client(home, **config)`` starts an app (lifespan run) and its client."""
    opened: list[TestClient] = []

    def make(home: Path, **config: Any) -> TestClient:
        config.setdefault("poll", 0.2)
        config.setdefault("rate", 1000.0)
        config.setdefault("burst", 1000.0)
        config.setdefault("warm", False)
        client = TestClient(create_app(WebConfig(home=home, **config)))
        client.__enter__()
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


@pytest.fixture(scope="module")
def client(web_home: Path, make_client: Callable[..., TestClient]) -> TestClient:
    """A client of an app on ``web_home`` (generous rate limits)."""
    return make_client(web_home)


@pytest.fixture(scope="module")
def token(web_home: Path) -> str:
    """A valid API token for ``web_home``."""
    return create_token(web_home, "tests")[0]
