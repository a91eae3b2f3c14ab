"""Fixtures of the query-layer suites: the CLI's JSON, the report's figures, dates in output.

The consistency suite asks one question three ways (CLI ``--json``, the Python API, the
report's provenance) and requires the same value (to 1e-12) and the same provenance.
The point-in-time suite asks a question on the full store at ``as_of=D`` and on a copy
truncated at ``D`` (``truncated_home``) and requires identical answers that name no
date after ``D``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")


def _dates_after(obj: Any, day: str) -> list[str]:
    """Every ISO date (``YYYY-MM-DD``) found anywhere in ``obj`` that is after ``day``.

    ``obj`` may be a nested dict/list of strings and numbers (a ``to_dict()``), or text.
    """
    found: list[str] = []

    def walk(x: Any) -> None:
        if isinstance(x, dict):
            for k, v in x.items():
                walk(k)
                walk(v)
        elif isinstance(x, (list, tuple)):
            for v in x:
                walk(v)
        elif isinstance(x, str):
            found.extend(m.group(0) for m in _ISO.finditer(x) if m.group(0) > day)

    walk(obj)
    return found


@pytest.fixture(scope="session")
def cli_json() -> Callable[..., dict[str, Any]]:
    """``cli_json(home, "breadth", "--as-of", D)`` runs ``capsize ... --json`` on ``home``.

    Asserts exit code 0 and returns the parsed JSON object (a dict: never a bare list).
    """
    from capsize.cli import app

    runner = CliRunner()

    def run(home: Path, *args: str) -> dict[str, Any]:
        res = runner.invoke(app, [*args, "--json"], env={"CAPSIZE_HOME": str(home)})
        assert res.exit_code == 0, res.output
        out = json.loads(res.stdout)
        assert isinstance(out, dict), f"capsize {' '.join(args)} --json is not an object"
        return out

    return run


@pytest.fixture(scope="session")
def open_store() -> Callable[[Path], Any]:
    """``with open_store(home) as store:`` opens ``home``'s store read-only."""
    from contextlib import contextmanager

    from capsize.data.store import Store

    @contextmanager
    def opener(home: Path) -> Iterator[Any]:
        store = Store.open(home / "capsize.duckdb", read_only=True)
        try:
            yield store
        finally:
            store.close()

    return opener


@pytest.fixture(scope="session")
def report_context(store_home: Path) -> Callable[[str | None], Any]:
    """``report_context(D)`` is the report's context for ``D`` on the full store (cached)."""
    from capsize.data.store import Store
    from capsize.report.context import build_context

    made: dict[str | None, Any] = {}

    def make(day: str | None) -> Any:
        if day not in made:
            store = Store.open(store_home / "capsize.duckdb", read_only=True)
            try:
                made[day] = build_context(store, as_of=day)
            finally:
                store.close()
        return made[day]

    return make


def _report_figure(ctx: Any, fid: str) -> Any:
    """The report's figure ``fid`` (from its provenance table: every figure shown)."""
    for f in ctx.figures:
        if f.id == fid:
            return f
    raise AssertionError(f"report has no figure {fid!r}")


def _assert_same_figure(report_fig: Any, api_fig: Any, json_fig: dict[str, Any]) -> None:
    """Same value (to 1e-12) and same provenance across report, API and CLI JSON."""
    values = [report_fig.value, api_fig.value, json_fig["value"]]
    if any(v is None for v in values):
        assert all(v is None for v in values), values
    else:
        assert abs(float(values[0]) - float(values[1])) <= 1e-12, values
        assert abs(float(values[1]) - float(values[2])) <= 1e-12, values
    assert report_fig.provenance == api_fig.provenance
    assert json_fig["provenance"] == api_fig.provenance.to_dict()


@pytest.fixture(scope="session")
def dates_after() -> Callable[[Any, str], list[str]]:
    """``dates_after(obj, D)``: every ISO date after ``D`` named anywhere in ``obj``."""
    return _dates_after


@pytest.fixture(scope="session")
def report_figure() -> Callable[[Any, str], Any]:
    """``report_figure(ctx, fid)``: the report's figure ``fid`` (fails when absent)."""
    return _report_figure


@pytest.fixture(scope="session")
def same_figure() -> Callable[[Any, Any, dict[str, Any]], None]:
    """``same_figure(report_fig, api_fig, json_fig)`` asserts one value and provenance."""
    return _assert_same_figure
