"""``capsize alerts dead-letter``: list the failed deliveries, retry them, one-line errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from capsize.cli import app
from capsize.data.store import Store
from capsize.queries.alert_delivery import deliver_pending

from .conftest import SECRET, Receiver


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CAPSIZE_HOME", str(tmp_path))
    monkeypatch.setenv("CAPSIZE_TEST_HOOK_SECRET", SECRET)
    (tmp_path / "config.toml").write_text(
        "[alerts]\nattempts = 2\nbackoff = 0.001\nmax_backoff = 0.002\n"
        '[alerts.webhook]\nsecret_env = "CAPSIZE_TEST_HOOK_SECRET"\n',
        encoding="utf-8",
    )
    return tmp_path


def test_dead_letter_lists_then_retry_delivers(
    home: Path, receiver: Receiver, add_events: Callable[..., None]
) -> None:
    with Store.open(home / "capsize.duckdb") as store:
        add_events(store, ["e1"], ["log", f"webhook:{receiver.url('/dead')}"])
        deliver_pending(store)
    runner = CliRunner()
    listed = runner.invoke(app, ["alerts", "dead-letter"])
    assert listed.exit_code == 0, listed.output
    assert "count 1" in listed.output and "e1" in listed.output and "HTTP 503" in listed.output
    as_json = json.loads(runner.invoke(app, ["alerts", "dead-letter", "--json"]).output)
    assert as_json["tables"]["dead_letters"]["rows"][0][0] == "e1"
    receiver.alive.add("/dead")
    retried = runner.invoke(app, ["alerts", "dead-letter", "--retry", "--event", "e1"])
    assert retried.exit_code == 0, retried.output
    assert "sent 1" in retried.output and "revived 1" in retried.output
    assert [h.key for h in receiver.accepted()] == ["e1"]
    assert "count 0" in runner.invoke(app, ["alerts", "dead-letter"]).output


def test_dead_letter_without_store_is_one_line(home: Path) -> None:
    got = CliRunner().invoke(app, ["alerts", "dead-letter"])
    assert got.exit_code != 0 and "no capsize store" in got.output
    assert len(got.output.strip().splitlines()) == 1
