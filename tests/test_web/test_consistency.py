"""The web and the CLI give the same answer: the API's JSON equals ``capsize ... --json``.

One question per row, asked at several as-of days, for every family of queries
(performance, internals, drivers, size, stocks): same figures (values to 1e-12), same
provenance, same tables, series and notes. Both read the same store (the CLI the home's
file, the web its private snapshot of it).
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

import pytest
from typer.testing import CliRunner

from capsize.cli import app

if TYPE_CHECKING:
    from pathlib import Path

    from fastapi.testclient import TestClient

DAYS = ("2025-10-08", "2025-12-31")
"""As-of days asked (the universe member lists start 2025-05-13: breadth needs one)."""
STOCKS = "BE,IONQ"
"""Stocks of the shared universe (bars and IWM holdings on both days)."""

# (family, CLI arguments before --as-of, API path with its query string)
CASES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("performance", ("tape",), "tape?"),
    ("performance", ("highs", "IWM", "^RUT"), "highs?symbols=IWM,^RUT"),
    ("performance", ("perf", "IWM", "SPY", "--ytd"), "window_returns?symbols=IWM,SPY&ytd=true"),
    ("internals", ("breadth",), "breadth?"),
    ("internals", ("liquidity", "IWM"), "liquidity?symbols=IWM"),
    ("drivers", ("rates",), "rates?"),
    ("drivers", ("flows",), "flows?"),
    ("size", ("factor",), "factor_history?"),
    ("size", ("rotation",), "rotation_score?"),
    # the web computes a screen once with every passing stock (limit 5000) and pages it
    ("stocks", ("screen", "--tickers", STOCKS, "--limit", "5000"), f"screen?tickers={STOCKS}"),
    ("stocks", ("rate", "BE"), "rating_card?ticker=BE"),
)

runner = CliRunner()


def _same_containers(a: Any, b: Any, where: str) -> list[str]:
    if isinstance(a, dict):
        if a.keys() != b.keys():
            return [f"{where}: keys differ: {sorted(a.keys() ^ b.keys())[:5]}"]
        return [d for k in a for d in same(a[k], b[k], f"{where}.{k}")]
    if len(a) != len(b):
        return [f"{where}: {len(a)} items != {len(b)}"]
    pairs = enumerate(zip(a, b, strict=True))
    return [d for i, (x, y) in pairs for d in same(x, y, f"{where}[{i}]")]


def same(a: Any, b: Any, where: str = "$") -> list[str]:
    """Differences between two JSON values (numbers to 1e-12 relative or absolute)."""
    numbers = (int, float)
    if isinstance(a, numbers) and isinstance(b, numbers) and bool not in (type(a), type(b)):
        ok = math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    elif (isinstance(a, dict) and isinstance(b, dict)) or (
        isinstance(a, list) and isinstance(b, list)
    ):
        return _same_containers(a, b, where)
    else:
        ok = type(a) is type(b) and a == b
    return [] if ok else [f"{where}: {a!r} != {b!r}"]


def test_same_compares_numbers_to_1e12_and_everything_else_exactly() -> None:
    assert same({"a": [1.0, "x"]}, {"a": [1.0 + 1e-15, "x"]}) == []
    assert same({"a": 1.0}, {"a": 1.0 + 1e-9}) != []
    assert same({"a": "x"}, {"a": "y"}) != []
    assert same({"a": None}, {"a": 0}) != []
    assert same([1], [1, 2]) != []
    assert same({"a": 1}, {"b": 1}) != []


@pytest.mark.parametrize("day", DAYS)
@pytest.mark.parametrize(("family", "argv", "path"), CASES, ids=[c[2] for c in CASES])
def test_api_json_equals_cli_json(
    client: TestClient, web_home: Path, family: str, argv: tuple[str, ...], path: str, day: str
) -> None:
    cli = runner.invoke(app, [*argv, "--as-of", day, "--json"], env={"CAPSIZE_HOME": str(web_home)})
    assert cli.exit_code == 0, cli.output
    api = client.get(f"/api/v1/{path}&as_of={day}")
    assert api.status_code == 200, api.text
    want, got = json.loads(cli.output), api.json()
    assert got["query"] == want["query"]
    assert got["figures"], f"{family}: no figures to compare"
    diffs = same(want, got)
    assert not diffs, f"{family} {path} at {day}: {len(diffs)} differences, e.g. {diffs[:5]}"
