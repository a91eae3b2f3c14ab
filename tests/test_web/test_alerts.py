"""Alerts in the web app: /api/v1/alerts reads and token writes, the page, the scheduler.

The scheduler test runs the whole chain the server runs after a data update: a token
holder's ``POST /api/v1/admin/update`` succeeds, the server runs the alert job in a child
process (evaluation of the stored rules on the real data, recording, delivery), and the
notification list, the page and the dead-letter list show the result.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from capsize.data.store import Store
from capsize.web._alerts import scheduler_of

from .conftest import copy_home

SCHEDULED = (
    sys.executable,
    "-c",
    "from capsize.queries.alert_commands import run_alerts; run_alerts(wait=60)",
)


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _rule(**kw: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "IWM above 100",
        "kind": "price_level",
        "symbols": ["IWM"],
        "params": {"level": 100.0, "direction": "up"},
        "channels": ["log"],
    }
    return {**body, **kw}


def test_rules_need_a_token_and_are_validated(client: Any, token: str) -> None:
    assert client.get("/api/v1/alerts").status_code == 200
    assert client.post("/api/v1/alerts/rules", json=_rule()).status_code == 401
    made = client.post("/api/v1/alerts/rules", json=_rule(), headers=_auth(token))
    assert made.status_code == 201, made.text
    assert made.json()["id"] == "iwm-above-100" and made.json()["channels"] == ["log"]
    listed = client.get("/api/v1/alerts/rules").json()
    assert [r[0] for r in listed["tables"]["rules"]["rows"]] == ["iwm-above-100"]
    assert listed == client.get("/api/v1/alert_rules").json()
    for bad in (_rule(kind="nope"), _rule(channels=["sms:1"]), _rule(name="x", extra=1)):
        got = client.post("/api/v1/alerts/rules", json=bad, headers=_auth(token))
        assert got.status_code == 400 and got.json()["error"]["message"], got.text
    again = client.post("/api/v1/alerts/rules", json=_rule(), headers=_auth(token))
    assert again.status_code == 400  # the id is taken
    assert client.delete("/api/v1/alerts/rules/iwm-above-100").status_code == 401
    assert (
        client.delete("/api/v1/alerts/rules/iwm-above-100", headers=_auth(token)).status_code == 204
    )
    assert (
        client.delete("/api/v1/alerts/rules/iwm-above-100", headers=_auth(token)).status_code == 404
    )
    assert client.get("/api/v1/alerts/rules").json()["tables"]["rules"]["rows"] == []


def _last_closes(db: Path) -> tuple[float, float]:
    with Store.open(db, read_only=True) as store:
        closes = store.bars("IWM", basis="adjusted")["close"].dropna()
    return float(closes.iloc[-2]), float(closes.iloc[-1])


def _until(check: Callable[[], bool], seconds: float = 120.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.1)
    return False


def test_scheduler_runs_alerts_after_an_update_and_the_page_lists_them(
    store_home: Path,
    tmp_path: Path,
    make_client: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from capsize.web import create_token

    home = copy_home(store_home, tmp_path / "home")
    (home / "config.toml").write_text(
        "[alerts]\nattempts = 2\nbackoff = 0.001\nmax_backoff = 0.002\n"
        '[alerts.webhook]\nsecret_env = "CAPSIZE_TEST_HOOK_SECRET"\ntimeout = 2\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("CAPSIZE_TEST_HOOK_SECRET", "s3cret")
    before, last = _last_closes(home / "capsize.duckdb")
    level = (before + last) / 2  # the last session crosses it, one way or the other
    client = make_client(home, update_argv=(sys.executable, "-c", "pass"))
    scheduler_of(client.app).argv = SCHEDULED
    token = create_token(home, "tests")[0]
    dead_hook = "webhook:http://127.0.0.1:9/hook"  # the discard port: nothing listens
    name = "IWM crosses <b>level</b> & more"
    made = client.post(
        "/api/v1/alerts/rules",
        json=_rule(
            name=name,
            params={"level": level, "direction": "both"},
            cooldown=0,  # the session before may have crossed it too
            channels=["log", dead_hook],
        ),
        headers=_auth(token),
    )
    assert made.status_code == 201, made.text
    assert client.post("/api/v1/admin/update", headers=_auth(token)).status_code == 202
    assert _until(lambda: client.get("/api/v1/alerts/scheduler").json()["state"] == "succeeded"), (
        client.get("/api/v1/alerts/scheduler").json()
    )

    def listed() -> list[list[Any]]:
        rows: list[list[Any]] = client.get("/api/v1/alerts").json()["tables"]["notifications"][
            "rows"
        ]
        return rows

    assert _until(lambda: len(listed()) == 1), client.get("/api/v1/alerts/scheduler").json()
    (row,) = listed()
    _, rule_name, _, subject, _, evidence, link, delivery, _ = row
    assert rule_name == name and "IWM" in subject and link.startswith("/")
    assert "(" in evidence and "IWM" in evidence  # figures with their provenance
    assert "dead" in delivery and "ConnectError" in delivery
    dead = client.get("/api/v1/alerts/dead-letters").json()
    assert dead["figures"]["count"]["value"] == 1
    page = client.get("/alerts")
    assert page.status_code == 200
    assert "IWM crosses &lt;b&gt;level&lt;/b&gt; &amp; more" in page.text
    assert "<b>level</b>" not in page.text
    assert f'href="{link}"' in page.text
    # a second update runs the alerts again: nothing new, nothing sent twice
    first = json.dumps(listed())
    assert client.post("/api/v1/admin/update", headers=_auth(token)).status_code == 202
    assert _until(lambda: client.get("/api/v1/admin/update").json()["state"] == "succeeded")
    time.sleep(0.2)
    assert _until(lambda: client.get("/api/v1/alerts/scheduler").json()["state"] != "running")
    assert json.dumps(listed()) == first
