"""Store sharing: a writer (``capsize data import/update``) runs while the server answers."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from capsize.web import create_token

HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
con.execute("INSERT INTO watchlists (name, symbols, note, created_at, updated_at) "
            "VALUES ('written by another process', ['IWM'], '', now(), now())")
con.close()
"""


@pytest.fixture
def home(fresh_home: Path) -> Path:
    return fresh_home


def _env(home: Path) -> dict[str, str]:
    src = str(Path(__file__).resolve().parents[2] / "src")
    return {**os.environ, "CAPSIZE_HOME": str(home), "PYTHONPATH": src}


def _until(check: Callable[[], bool], seconds: float = 15.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.1)
    return False


def _names(client: Any) -> list[str]:
    return [r[1] for r in client.get("/api/v1/watchlists").json()["tables"]["watchlists"]["rows"]]


def test_cli_import_while_serving(
    home: Path, shared_data: Path, tmp_path: Path, make_client: Any
) -> None:
    client = make_client(home)
    gen = client.get("/api/v1/health").json()["snapshot"]
    folder = tmp_path / "data" / "macro"
    folder.mkdir(parents=True)
    lines = (shared_data / "macro" / "DGS2.csv").read_text().splitlines()
    (folder / "DGS2.csv").write_text("\n".join(lines[:-5]) + "\n")  # new content: re-imported
    proc = subprocess.Popen(
        [sys.executable, "-m", "capsize.cli", "data", "import", str(folder.parent)],
        env=_env(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    answered = 0
    while proc.poll() is None:
        resp = client.get("/api/v1/data_sources", params={"macro": "DGS2", "bars": "IWM"})
        assert resp.status_code == 200, resp.text
        answered += 1
    out = proc.communicate()[0]
    assert proc.returncode == 0, out
    assert answered > 0
    assert _until(lambda: client.get("/api/v1/health").json()["snapshot"] > gen), "no new snapshot"
    assert client.get("/api/v1/data_sources", params={"macro": "DGS2"}).status_code == 200


def test_writes_wait_then_answer_503_while_another_process_writes(
    home: Path, make_client: Any
) -> None:
    client = make_client(home, write_wait=0.3)
    token = create_token(home)[0]
    auth = {"Authorization": f"Bearer {token}"}
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(home / "capsize.duckdb"), "3"],
        env=_env(home),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        busy = client.post(
            "/api/v1/watchlists", json={"name": "during", "symbols": []}, headers=auth
        )
        assert busy.status_code == 503, busy.text
        assert busy.json()["error"]["code"] == "store_unavailable"
        assert "busy" in busy.json()["error"]["message"] and busy.headers["retry-after"]
        assert client.get("/api/v1/data_sources", params={"bars": "IWM"}).status_code == 200
        assert client.get("/watchlists").status_code == 200
    finally:
        proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert _until(lambda: "written by another process" in _names(client))
    after = client.post("/api/v1/watchlists", json={"name": "after", "symbols": []}, headers=auth)
    assert after.status_code == 201


def test_server_run_update_while_reads_answer(home: Path, make_client: Any) -> None:
    argv = (sys.executable, "-c", HOLD, str(home / "capsize.duckdb"), "1.5")
    client = make_client(home, update_argv=argv)
    token = create_token(home)[0]
    auth = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/v1/admin/update").status_code == 401
    started = client.post("/api/v1/admin/update", headers=auth)
    assert started.status_code == 202 and started.json()["state"] == "running"
    assert client.post("/api/v1/admin/update", headers=auth).status_code == 409
    while client.get("/api/v1/admin/update").json()["state"] == "running":
        assert client.get("/api/v1/data_sources", params={"bars": "SPY"}).status_code == 200
        time.sleep(0.05)
    assert client.get("/api/v1/admin/update").json()["state"] == "succeeded"
    assert _until(lambda: "written by another process" in _names(client))
