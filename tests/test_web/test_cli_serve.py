"""``capsize serve token ...`` and ``capsize serve --help``."""

from __future__ import annotations

import json
import os
from pathlib import Path

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
