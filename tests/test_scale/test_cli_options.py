"""``--scheduler``/``--workers`` and ``[dask]``: bad input and an unreachable scheduler are
one line and exit 1, before any data is read (no store needed)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from capsize.cli import app


@pytest.fixture
def closed_port() -> int:
    """A 127.0.0.1 port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def _fails(args: list[str], *needles: str) -> None:
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 1, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), res.stderr
    assert "Traceback" not in res.output
    for n in needles:
        assert n in lines[0], lines[0]


def test_unreachable_scheduler_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, closed_port: int
) -> None:
    monkeypatch.setenv("CAPSIZE_HOME", str(tmp_path))
    address = f"tcp://127.0.0.1:{closed_port}"
    hint = ("cannot reach the Dask scheduler", address, "dask scheduler")
    _fails(["breadth", "--scheduler", address], *hint, "(--scheduler)")
    _fails(["liquidity", "--scheduler", address], *hint)
    (tmp_path / "config.toml").write_text(f'[dask]\nscheduler = "{address}"\n')
    _fails(["breadth"], *hint, "([dask] scheduler)")  # the config's scheduler is used
    grid = ["backtest", "run", "--strategy", "sleeve", "--weight", "0,0.5"]
    _fails([*grid, "--scheduler", address], *hint)


def test_bad_addresses_and_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAPSIZE_HOME", str(tmp_path))
    _fails(["breadth", "--scheduler", "127.0.0.1:8786"], "--scheduler='127.0.0.1:8786'", "tcp://")
    _fails(["liquidity", "IWM", "--workers", "2"], "named symbols")
    _fails(["breadth", "--sectors", "--scheduler", "tcp://127.0.0.1:8786"], "--sectors")
    (tmp_path / "config.toml").write_text('[dask]\nscheduler = "localhost"\n')
    _fails(["breadth"], "dask.scheduler='localhost'", "config.toml")
    res = CliRunner().invoke(app, ["breadth", "--workers", "0"])
    assert res.exit_code == 2 and "--workers" in res.stderr  # a usage error, one line
