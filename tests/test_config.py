"""Settings are validated in one place: :func:`capsize.config.load_settings`.

Each bad value (environment variable or ``config.toml`` key) raises an ``InputError``
whose one-line message names the variable or key and the accepted range; good values
resolve with the documented precedence (argument > environment > config.toml > default).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from capsize.config import (
    MAX_HTTP_DEADLINE,
    MAX_HTTP_RETRIES,
    MAX_HTTP_TIMEOUT,
    Settings,
    data_home,
    load_settings,
)
from capsize.errors import InputError


def _write(home: Path, text: str | bytes) -> Path:
    path = home / "config.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _one_line(exc: pytest.ExceptionInfo[InputError]) -> str:
    msg = str(exc.value)
    assert "\n" not in msg, msg
    return msg


def test_defaults(tmp_path: Path) -> None:
    s = load_settings(tmp_path)
    assert s == Settings(home=tmp_path.resolve())
    assert (s.http_timeout, s.http_retries, s.http_deadline, s.use_numba) == (20.0, 3, 120.0, True)


def test_environment_wins_over_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, 'http_timeout = 5\nhttp_retries = 2\nsec_user_agent = "A a@b.c"\n')
    s = load_settings(tmp_path)
    assert (s.http_timeout, s.http_retries, s.sec_user_agent) == (5.0, 2, "A a@b.c")
    monkeypatch.setenv("CAPSIZE_HTTP_TIMEOUT", "7.5")
    monkeypatch.setenv("CAPSIZE_HTTP_RETRIES", "")  # empty: unset, the file's value holds
    s = load_settings(tmp_path)
    assert (s.http_timeout, s.http_retries) == (7.5, 2)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0.5", 0.5), ("20", 20.0), (str(MAX_HTTP_TIMEOUT), MAX_HTTP_TIMEOUT), (" 3 ", 3.0)],
)
def test_timeout_accepted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str, expected: float
) -> None:
    monkeypatch.setenv("CAPSIZE_HTTP_TIMEOUT", value)
    assert load_settings(tmp_path).http_timeout == expected


@pytest.mark.parametrize(
    ("var", "value"),
    [
        ("CAPSIZE_HTTP_TIMEOUT", "-5"),
        ("CAPSIZE_HTTP_TIMEOUT", "0"),
        ("CAPSIZE_HTTP_TIMEOUT", "nan"),
        ("CAPSIZE_HTTP_TIMEOUT", "inf"),
        ("CAPSIZE_HTTP_TIMEOUT", "-inf"),
        ("CAPSIZE_HTTP_TIMEOUT", "1e9"),
        ("CAPSIZE_HTTP_TIMEOUT", "twenty"),
        ("CAPSIZE_HTTP_RETRIES", "1e8"),
        ("CAPSIZE_HTTP_RETRIES", "100000000"),
        ("CAPSIZE_HTTP_RETRIES", "0"),
        ("CAPSIZE_HTTP_RETRIES", "-1"),
        ("CAPSIZE_HTTP_RETRIES", "2.5"),
        ("CAPSIZE_HTTP_RETRIES", str(MAX_HTTP_RETRIES + 1)),
        ("CAPSIZE_HTTP_RETRIES", "٣"),  # a non-ASCII digit
        ("CAPSIZE_HTTP_DEADLINE", "-1"),
        ("CAPSIZE_HTTP_DEADLINE", "nan"),
        ("CAPSIZE_HTTP_DEADLINE", str(MAX_HTTP_DEADLINE * 2)),
        ("CAPSIZE_NO_NUMBA", "maybe"),
        ("CAPSIZE_SEC_USER_AGENT", "Jane\r\nX-Injected: 1"),
        ("CAPSIZE_SEC_USER_AGENT", "   "),
        ("CAPSIZE_DATA_DIR", "   "),
    ],
)
def test_bad_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, var: str, value: str
) -> None:
    monkeypatch.setenv(var, value)
    with pytest.raises(InputError) as exc:
        load_settings(tmp_path)
    msg = _one_line(exc)
    assert msg.startswith(var), msg


def test_retries_range_is_stated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAPSIZE_HTTP_RETRIES", "1e8")
    with pytest.raises(InputError, match=f"from 1 to {MAX_HTTP_RETRIES}"):
        load_settings(tmp_path)
    monkeypatch.setenv("CAPSIZE_HTTP_TIMEOUT", "-5")
    monkeypatch.delenv("CAPSIZE_HTTP_RETRIES")
    with pytest.raises(InputError, match="above 0 and at most 600"):
        load_settings(tmp_path)


@pytest.mark.parametrize(
    ("value", "expected"), [("1", False), ("yes", False), ("0", True), ("", True), ("off", True)]
)
def test_no_numba_flag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str, expected: bool
) -> None:
    monkeypatch.setenv("CAPSIZE_NO_NUMBA", value)
    assert load_settings(tmp_path).use_numba is expected


def test_empty_home_is_refused_not_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CAPSIZE_HOME", "")
    with pytest.raises(InputError, match="CAPSIZE_HOME is set but empty"):
        load_settings()
    monkeypatch.setenv("CAPSIZE_HOME", "   ")
    with pytest.raises(InputError, match="CAPSIZE_HOME"):
        data_home()
    assert list(tmp_path.iterdir()) == []


def test_home_that_is_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "f").write_text("x")
    for home in (tmp_path / "f", tmp_path / "f" / "sub"):
        monkeypatch.setenv("CAPSIZE_HOME", str(home))
        with pytest.raises(InputError, match="CAPSIZE_HOME") as exc:
            load_settings()
        assert str(home) in _one_line(exc)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        (b"\xff\xfe[x", "not UTF-8"),
        (b"http_timeout = \xe9\n", "not UTF-8"),
        ("http_timeout = = 3\n", "not valid TOML"),
        ("[segments\n", "not valid TOML"),
        ("http_timout = 3\n", "'http_timout'"),
        ("[colors]\nx = 1\n", "'colors'"),
        ("http_timeout = -5\n", "http_timeout"),
        ("http_timeout = nan\n", "http_timeout"),
        ("http_timeout = inf\n", "http_timeout"),
        ('http_timeout = "abc"\n', "http_timeout"),
        ("http_timeout = true\n", "http_timeout"),
        ("http_timeout = [1]\n", "http_timeout"),
        ("http_retries = 1e8\n", "http_retries"),
        ("http_retries = 0\n", "http_retries"),
        ("http_retries = true\n", "http_retries"),
        ("http_deadline = -3\n", "http_deadline"),
        ("data_dir = 5\n", "data_dir"),
        ('sec_user_agent = ""\n', "sec_user_agent"),
        ('sec_user_agent = "a\\nb"\n', "sec_user_agent"),
        ("segments = 5\n", "[segments]"),
        ('segments = "micro"\n', "[segments]"),
        ("[segments]\nmicro = 5\n", "micro"),
        ("[segments]\nmicro = [1, 2]\n", "micro"),
        ('[segments.micro]\nmin_cap = "x"\n', "micro.min_cap"),
        ("[segments.micro]\nmin_cap = -1\n", "micro.min_cap"),
        ("[segments.micro]\nmax_cap = inf\n", "micro.max_cap"),
        ("[segments.micro]\nmax_cap = true\n", "micro.max_cap"),
        ("[segments.micro]\nlabel = 3\n", "micro.label"),
        ("[segments.micro]\ncolour = 1\n", "colour"),
        ('[segments.micro]\nproxies = "IWC"\n', "proxies"),
        ("[segments.micro]\nmax_cap = 5e12\n", "overlap"),
        ("[segments.nano]\nlabel = 'Nano'\n", "nano"),
        ("rotation = 3\n", "[rotation]"),
        ("[rotation]\nweight = 1\n", "[rotation]"),
        ("[rotation]\nweights = 3\n", "[rotation.weights]"),
        ("[rotation.weights]\nbreadth = -1\n", "breadth"),
        ("[rotation.weights]\nbreadth = nan\n", "breadth"),
        ('[rotation.weights]\nbreadth = "high"\n', "breadth"),
    ],
)
def test_bad_config_file(tmp_path: Path, text: str | bytes, names: str) -> None:
    _write(tmp_path, text)
    with pytest.raises(InputError) as exc:
        load_settings(tmp_path)
    msg = _one_line(exc)
    assert names in msg, msg
    assert "config.toml" in msg, msg


def test_config_that_is_not_a_file(tmp_path: Path) -> None:
    (tmp_path / "config.toml").mkdir()
    with pytest.raises(InputError, match="is a folder"):
        load_settings(tmp_path)
    (tmp_path / "config.toml").rmdir()
    (tmp_path / "config.toml").symlink_to(tmp_path / "missing.toml")
    with pytest.raises(InputError, match="broken link"):
        load_settings(tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_config(tmp_path: Path) -> None:
    path = _write(tmp_path, "http_timeout = 3\n")
    path.chmod(0)
    try:
        with pytest.raises(InputError, match="cannot read config file"):
            load_settings(tmp_path)
    finally:
        path.chmod(0o600)


def test_good_config_tables(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "[segments.micro]\nmax_cap = 250e6\nproxies = ['IWC', 'FDM']\n"
        "[segments]\nsmall = ['IWM', 'IJR']\n"
        "[rotation.weights]\nrelative_strength = 0.5\n",
    )
    s = load_settings(tmp_path, data_dir=tmp_path)
    assert s.segments["small"] == ["IWM", "IJR"]
    assert s.data_dir == tmp_path.resolve()


def test_dask_table(tmp_path: Path) -> None:
    from capsize.config import DaskSettings

    assert load_settings(tmp_path).dask == DaskSettings()
    _write(tmp_path, '[dask]\nscheduler = " tcp://10.0.0.5:8786 "\n')
    assert load_settings(tmp_path).dask == DaskSettings(scheduler="tcp://10.0.0.5:8786")
    _write(tmp_path, "[dask]\nworkers = 4\n")
    assert load_settings(tmp_path).dask == DaskSettings(workers=4)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ('[dask]\nscheduler = "10.0.0.5:8786"\n', "dask.scheduler='10.0.0.5:8786'"),
        ('[dask]\nscheduler = "tcp://host:99999"\n', "dask.scheduler="),
        ('[dask]\nscheduler = "http://host:8786"\n', "dask.scheduler="),
        ("[dask]\nscheduler = 8786\n", "dask.scheduler=8786"),
        ("[dask]\nworkers = 0\n", "dask.workers=0"),
        ("[dask]\nworkers = true\n", "dask.workers=true is not"),
        ("[dask]\nworker = 2\n", "'worker'"),
        ('[dask]\nscheduler = "tcp://h:8786"\nworkers = 2\n', "both scheduler and workers"),
        ('dask = "tcp://h:8786"\n', "[dask]"),
    ],
)
def test_bad_dask_table(tmp_path: Path, text: str, names: str) -> None:
    _write(tmp_path, text)
    with pytest.raises(InputError) as exc:
        load_settings(tmp_path)
    assert names in _one_line(exc)
