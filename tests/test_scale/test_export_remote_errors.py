"""A remote filesystem that fails (no credentials, no bucket, no permission) gives one line
naming the URL and what to do, not a traceback; a fake fsspec filesystem, no network."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import fsspec
import pytest
from fsspec.spec import AbstractFileSystem
from typer.testing import CliRunner

from capsize.cli import app


class NoCredentials(Exception):
    """Stands for botocore's ``NoCredentialsError``, which is not an ``OSError``."""


class FailingFS(AbstractFileSystem):
    """A filesystem whose ``find`` or ``put_file`` raises what the test asks for."""

    protocol = "capsizefail"
    fail: ClassVar[dict[str, BaseException]] = {}

    def find(self, path: str, *args: Any, **kwargs: Any) -> list[str]:
        if "find" in self.fail:
            raise self.fail["find"]
        return []

    def put_file(self, lpath: str, rpath: str, *args: Any, **kwargs: Any) -> None:
        raise self.fail["put_file"]


@pytest.fixture
def failing_fs() -> Iterator[type[FailingFS]]:
    from capsize.data.store import Store

    Store.open(Path(os.environ["CAPSIZE_HOME"]) / "capsize.duckdb").close()  # an empty store
    fsspec.register_implementation("capsizefail", FailingFS, clobber=True)
    FailingFS.clear_instance_cache()
    try:
        yield FailingFS
    finally:
        FailingFS.fail.clear()
        FailingFS.clear_instance_cache()


@pytest.mark.parametrize(
    ("where", "exc", "shown"),
    [
        ("find", NoCredentials("Unable to locate credentials"), "NoCredentials"),
        ("find", FileNotFoundError("The specified bucket does not exist"), "bucket does not"),
        ("put_file", PermissionError("Access Denied"), "PermissionError: Access Denied"),
    ],
)
def test_remote_failure_is_one_line(
    failing_fs: type[FailingFS], where: str, exc: BaseException, shown: str
) -> None:
    failing_fs.fail[where] = exc
    failing_fs.fail.setdefault("put_file", PermissionError("unreachable"))
    url = "capsizefail://nobucket/x"
    res = CliRunner().invoke(app, ["data", "export", "--parquet", url])
    assert res.exit_code == 1, res.output
    out = res.output.strip()
    assert len(out.splitlines()) == 1, out
    assert "Traceback" not in out and url in out and shown in out
    assert "configure credentials" in out


def test_export_summary_is_a_table_then_plain_lines(
    failing_fs: type[FailingFS], tmp_path: Path
) -> None:
    """The note under the counts is not squeezed into the narrow table's column."""
    dest = tmp_path / "ds"
    res = CliRunner().invoke(app, ["data", "export", "--parquet", str(dest)])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    note = next(i for i, line in enumerate(lines) if line.startswith("Parquet dataset at"))
    assert lines[note - 1].startswith("└")  # after the table, not its caption
    assert "bars by ticker bucket" in " ".join(lines[note:])
    assert max(len(line) for line in lines[note:]) > 60
