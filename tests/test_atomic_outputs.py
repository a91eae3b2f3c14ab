"""Every output file is written atomically: a failed write keeps the previous file.

The writers (report HTML/Markdown/PNG/PDF, ``screen --out``, the web token file, the
analytics panel cache) all go through :mod:`capsize._atomic`; a write that fails (full
disk, unwritable place) raises a one-line :class:`~capsize.errors.OutputError` naming the
path, and leaves the previous file as it was and no temporary file behind.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from capsize._atomic import atomic_path, write_bytes, write_text
from capsize.cli import app
from capsize.errors import CapsizeError, OutputError

runner = CliRunner()


def _disk_full(*_: object, **__: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_write_replaces_the_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "out.txt"
    assert write_text(target, "one") == target
    write_bytes(target, b"two")
    assert target.read_bytes() == b"two"
    assert _leftovers(target.parent) == []


def test_full_disk_keeps_the_previous_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "report.html"
    target.write_text("<html>old</html>", encoding="utf-8")
    monkeypatch.setattr(os, "replace", _disk_full)
    with pytest.raises(OutputError) as err:
        write_text(target, "<html>new, half written")
    msg = str(err.value)
    assert str(target) in msg and "No space left on device" in msg and "\n" not in msg
    assert isinstance(err.value, CapsizeError)
    assert target.read_text(encoding="utf-8") == "<html>old</html>"
    assert _leftovers(tmp_path) == []


def test_unwritable_place_names_the_path(tmp_path: Path) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("a file, not a folder", encoding="utf-8")
    with pytest.raises(OutputError, match=str(blocker / "out.html")):
        write_text(blocker / "out.html", "x")


def test_a_writer_that_fails_midway_keeps_the_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "chart.png"
    target.write_bytes(b"old png")
    with pytest.raises(RuntimeError), atomic_path(target) as part:
        part.write_bytes(b"half a png")
        raise RuntimeError("renderer crashed")
    assert target.read_bytes() == b"old png"
    assert _leftovers(tmp_path) == []


def test_token_file_is_atomic_and_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from capsize.web import TOKENS_FILE, create_token, list_tokens

    create_token(tmp_path, "first")
    path = tmp_path / TOKENS_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    before = path.read_bytes()
    monkeypatch.setattr(os, "replace", _disk_full)
    with pytest.raises(OutputError, match=TOKENS_FILE):
        create_token(tmp_path, "second")
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [t.label for t in list_tokens(tmp_path)] == ["first"]


def test_panel_cache_failure_keeps_the_previous_panel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from capsize.analytics.engine import as_panel, load_panel, save_panel

    days = pd.bdate_range("2024-01-02", periods=3)
    old = as_panel(pd.DataFrame({"A": [1.0, 2.0, 3.0]}, index=days), "close")
    new = as_panel(pd.DataFrame({"A": [9.0, 9.0, 9.0], "B": 1.0}, index=days), "close")
    save_panel(old, tmp_path / "p")
    monkeypatch.setattr(os, "replace", _disk_full)
    with pytest.raises(OutputError, match=r"p\.npy"):
        save_panel(new, tmp_path / "p")
    monkeypatch.undo()
    back = load_panel(tmp_path / "p")
    assert list(back.tickers) == ["A"] and back.values[:, 0].tolist() == [1.0, 2.0, 3.0]
    assert _leftovers(tmp_path) == []


def test_report_on_a_full_disk_keeps_the_previous_report(
    store_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAPSIZE_HOME", str(store_home))
    out = tmp_path / "daily.html"
    out.write_text("<html>yesterday's good report</html>", encoding="utf-8")
    real_replace = os.replace

    def replace(src: str, dst: str) -> None:  # the disk fills up when the report is moved
        if Path(dst) == out:
            _disk_full()
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    res = runner.invoke(app, ["report", "-q", "--as-of", "2025-10-08", "--out", str(out)])
    assert res.exit_code == 1
    assert str(out) in res.output.replace("\n", "") and "Traceback" not in res.output
    assert out.read_text(encoding="utf-8") == "<html>yesterday's good report</html>"
    assert _leftovers(tmp_path) == []


def test_report_into_an_unwritable_place_exits_non_zero(
    store_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAPSIZE_HOME", str(store_home))
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    res = runner.invoke(
        app, ["report", "-q", "-f", "md", "--as-of", "2025-10-08", "--out", str(blocker / "r.md")]
    )
    assert res.exit_code == 1
    assert str(blocker) in res.output.replace("\n", "") and "Traceback" not in res.output


def test_atomic_write_keeps_ordinary_permissions(tmp_path: Path) -> None:
    """A report is readable like any file the user writes; a secret can ask for owner-only."""
    umask = os.umask(0)
    os.umask(umask)
    new = write_text(tmp_path / "r.html", "<html></html>")
    assert stat.S_IMODE(new.stat().st_mode) == 0o666 & ~umask  # as open() would give, not 0600
    os.chmod(new, 0o640)
    write_text(new, "<html>2</html>")
    assert stat.S_IMODE(new.stat().st_mode) == 0o640  # the replaced file's mode is kept
    secret = write_text(tmp_path / "t.json", "{}", mode=0o600)
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
