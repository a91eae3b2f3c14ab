"""Watchlists through the API and the pages, stored in the store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from capsize.queries import open_session
from capsize.queries.watchlists import watchlists


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_create_edit_delete(client: Any, web_home: Path, token: str) -> None:
    made = client.post(
        "/api/v1/watchlists",
        json={"name": "Banks", "symbols": ["kre", "IWM", "KRE"], "note": "regional"},
        headers=_auth(token),
    )
    assert made.status_code == 201, made.text
    w = made.json()
    assert w["symbols"] == ["KRE", "IWM"] and w["note"] == "regional"
    one = client.get(f"/api/v1/watchlists/{w['id']}").json()
    assert one["figures"]["count"]["value"] == 2 and one["figures"]["name"]["note"] == "Banks"
    assert one == client.get("/api/v1/watchlist", params={"id": w["id"]}).json()
    listed = client.get("/api/v1/watchlists").json()
    assert ["Banks", "KRE IWM"] in [row[1:3] for row in listed["tables"]["watchlists"]["rows"]]
    with open_session(None, path=str(web_home / "capsize.duckdb")) as s:  # in the store itself
        assert any(r[1] == "Banks" for r in watchlists(s).table("watchlists").rows)

    edited = client.put(
        f"/api/v1/watchlists/{w['id']}",
        json={"name": "Banks 2", "symbols": ["KRE"]},
        headers=_auth(token),
    )
    assert edited.status_code == 200 and edited.json()["name"] == "Banks 2"
    assert client.get(f"/api/v1/watchlists/{w['id']}").json()["figures"]["count"]["value"] == 1

    page = client.get(f"/watchlists/{w['id']}")
    assert page.status_code == 200 and "Banks 2" in page.text and 'href="/stock/KRE"' in page.text

    gone = client.delete(f"/api/v1/watchlists/{w['id']}", headers=_auth(token))
    assert gone.status_code == 204
    assert client.get(f"/api/v1/watchlists/{w['id']}").status_code == 404
    assert client.delete(f"/api/v1/watchlists/{w['id']}", headers=_auth(token)).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"name": "", "symbols": []},
        {"name": "   ", "symbols": []},
        {"name": "ok", "symbols": ["NOT A SYMBOL"]},
        {"name": "ok", "symbols": ["X" * 30]},
        {"name": "x" * 81, "symbols": []},
        {"name": "ok", "symbols": [], "extra": 1},
        {"name": "bell\x07here", "symbols": []},
        {"symbols": ["IWM"]},
    ],
)
def test_bad_watchlists_are_refused(client: Any, token: str, body: dict[str, Any]) -> None:
    resp = client.post("/api/v1/watchlists", json=body, headers=_auth(token))
    assert resp.status_code == 400, resp.text
    assert resp.json()["error"]["code"] == "invalid_input"


def test_names_are_unique(client: Any, token: str) -> None:
    first = client.post(
        "/api/v1/watchlists", json={"name": "Unique", "symbols": []}, headers=_auth(token)
    )
    assert first.status_code == 201
    dup = client.post(
        "/api/v1/watchlists", json={"name": "unique", "symbols": []}, headers=_auth(token)
    )
    assert dup.status_code == 400 and "exists already" in dup.json()["error"]["message"]


def test_watchlist_writes_keep_market_answers_cached(client: Any, token: str) -> None:
    snaps = client.app.state.capsize.snapshots
    before = (snaps.generation, snaps.data_generation)
    made = client.post(
        "/api/v1/watchlists", json={"name": "Cache check", "symbols": ["IWM"]}, headers=_auth(token)
    )
    assert made.status_code == 201
    assert snaps.generation > before[0]  # the list is visible at once ...
    assert snaps.data_generation == before[1]  # ... and market answers stay cached
    assert "Cache check" in client.get("/api/v1/watchlists").text
