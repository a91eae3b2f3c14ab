"""Alerts in the web app: /api/v1/alerts reads and token writes, the page, the scheduler.

The scheduler test runs the whole chain the server runs after a data update: a token
holder's ``POST /api/v1/admin/update`` succeeds, the server runs ``capsize alerts run`` in
a child process (evaluation of the stored rules, recording, delivery), and the
notification list, the page and the dead-letter list show the result. The store is small
(IWM's close jumps from 100 to 110 on its last session), so the tests need no shared data.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from capsize.data.store import Store
from capsize.web import create_token


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A home whose store holds 40 sessions of IWM, closing 100 then 110 on the last."""
    days = pd.bdate_range("2025-01-02", periods=40)
    close = np.where(np.arange(len(days)) == len(days) - 1, 110.0, 100.0)
    bars = pd.DataFrame({"symbol": "IWM", "basis": "adjusted", "date": days, "close": close})
    with Store.open(tmp_path / "capsize.duckdb") as store:
        store.write_bars(bars, source="synthetic")
    (tmp_path / "config.toml").write_text(
        "[alerts]\nattempts = 2\nbackoff = 0.001\nmax_backoff = 0.002\n"
        '[alerts.webhook]\nsecret_env = "CAPSIZE_TEST_HOOK_SECRET"\ntimeout = 2\n',
        encoding="utf-8",
    )
    return tmp_path


def _rule(**kw: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "IWM above 100",
        "kind": "price_level",
        "symbols": ["IWM"],
        "params": {"level": 100.0, "direction": "up"},
        "channels": ["log"],
    }
    return {**body, **kw}


def test_rules_need_a_token_and_are_validated(home: Path, make_client: Callable[..., Any]) -> None:
    client = make_client(home)
    token = create_token(home, "tests")[0]
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


def _until(check: Callable[[], bool], seconds: float = 120.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.1)
    return False


def test_scheduler_runs_alerts_after_an_update_and_the_page_lists_them(
    home: Path, make_client: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAPSIZE_TEST_HOOK_SECRET", "s3cret")  # the child's environment
    client = make_client(home, update_argv=(sys.executable, "-c", "pass"))
    token = create_token(home, "tests")[0]
    dead_hook = "webhook:http://127.0.0.1:9/hook"  # the discard port: nothing listens
    name = "IWM crosses <b>level</b> & more"
    made = client.post(
        "/api/v1/alerts/rules",
        json=_rule(
            name=name,
            params={"level": 105, "direction": "up"},
            cooldown=0,
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
    event_id = row[-1]
    assert f'href="/alerts/open/{event_id}"' in page.text
    opened = client.get(f"/alerts/open/{event_id}", follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == link
    assert client.get("/alerts/open/nope", follow_redirects=False).status_code == 404
