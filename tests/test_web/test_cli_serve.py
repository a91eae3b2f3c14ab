"""``capsize serve token ...`` and ``capsize serve --help``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from capsize.cli import app
from capsize.web import TOKENS_FILE
from capsize.web._tokens import verify_token


def test_token_create_prints_once_and_stores_the_hash() -> None:
    home = Path(os.environ["CAPSIZE_HOME"])
    result = CliRunner().invoke(app, ["serve", "token", "create", "--label", "laptop"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[0]
    assert token.startswith("csz_") and len(token) > 40
    stored = json.loads((home / TOKENS_FILE).read_text())["tokens"]
    assert len(stored) == 1 and stored[0]["label"] == "laptop"
    assert token not in (home / TOKENS_FILE).read_text()
    assert verify_token(home, token) is not None
    listed = CliRunner().invoke(app, ["serve", "token", "list"])
    assert stored[0]["id"] in listed.stdout and token not in listed.stdout
    revoked = CliRunner().invoke(app, ["serve", "token", "revoke", stored[0]["id"]])
    assert revoked.exit_code == 0 and verify_token(home, token) is None
    again = CliRunner().invoke(app, ["serve", "token", "revoke", stored[0]["id"]])
    assert again.exit_code == 1 and "no API token" in again.output


def test_serve_help() -> None:
    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0
    assert "--host" in result.stdout and "--port" in result.stdout and "token" in result.stdout


def _serve(home: Path, *extra: str, wait: float = 60.0) -> None:
    """Start ``capsize serve`` on a free loopback port, check it answers, stop it."""
    import socket
    import subprocess
    import sys
    import time

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "CAPSIZE_HOME": str(home),
        "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src"),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "capsize.cli", "serve", "--port", str(port), *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=2).json()["status"] == "ok":
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        page = httpx.get(f"{base}/sources", timeout=30)
        assert page.status_code == 200 and "prices/IWM.csv" in page.text
        for asset in ("uplot/uPlot.iife.min.js", "uplot/uPlot.min.css", "charts.js"):
            assert httpx.get(f"{base}/static/vendor/{asset}", timeout=30).status_code == 200
    finally:
        proc.terminate()
        out = proc.communicate(timeout=20)[0]
    assert "capsize dashboard on" in out


def test_serve_answers(fresh_home: Path) -> None:
    _serve(fresh_home)


@pytest.mark.slow
def test_newcomer_serves_the_shared_data_with_no_setup(tmp_path: Path, shared_data: Path) -> None:
    _serve(tmp_path / "new-home", "--data-dir", str(shared_data), wait=300)
