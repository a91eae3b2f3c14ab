"""schemathesis against the served OpenAPI document: no 5xx, every response valid.

Queries not available in this build answer 501 on purpose (documented) and are left out;
each one joins this run when it lands. Writes run too (they answer 401 without a token).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

pytest.importorskip("schemathesis", reason="schemathesis is not installed (dev extra)")

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import schemathesis
    from fastapi.testclient import TestClient
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

from capsize.web import WebConfig, create_app
from capsize.web._registry import resolve_all

pytestmark = pytest.mark.filterwarnings("ignore")

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
UNAVAILABLE = {f"/api/v1/{name}" for name, r in resolve_all().items() if not r.available}
FEW_STOCKS = "BE,IONQ"
"""Screens here name their stocks: a full-universe screen per generated preset or rule set
took minutes (the universe's screen is answered by test_api's defaults and warm-up tests)."""


@pytest.fixture(scope="module")
def api_schema(web_home: Path) -> Iterator[Any]:
    app = create_app(WebConfig(home=web_home, rate=1e6, burst=1e6, poll=60, warm=False))
    with TestClient(app) as client:  # runs the lifespan: the store snapshot is taken
        # the watch list scans the universe: ~9 s of CPU, over schemathesis' 10 s read
        # timeout on a loaded machine; computed once here, its examples are then cached
        assert client.get("/api/v1/watch").status_code == 200
        schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
        yield schema


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms(case: Any) -> None:
    if case.operation.path in UNAVAILABLE:
        return  # answers 501 by design until the query lands
    if case.operation.path == "/api/v1/screen" and not (case.query or {}).get("tickers"):
        case.query = {**(case.query or {}), "tickers": FEW_STOCKS}
    # latency is benchmarks/web.py's business: a generated as_of day recomputes the watch
    # list (~9 s CPU), which can pass schemathesis' 10 s default on a loaded CI machine
    case.call_and_validate(checks=CHECKS, timeout=120)
