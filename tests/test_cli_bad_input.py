"""Bad input at the command line: one line, a non-zero exit, never a traceback.

A corpus of bad arguments (dates, symbols with markup brackets, blanks, counts and
thresholds out of range), bad environment variables and bad ``config.toml`` files, run
through every command in-process with typer's ``CliRunner`` (a few through a real
subprocess). Each case asserts: exit code non-zero, no exception other than the exit,
no ``Traceback``, exactly one ``error:`` line, and that line names the input.

Then the surface escaping: data text carrying ``<img onerror>``, ``<script>``, rich
markup (``[bold]``, ``[/]``) and Markdown links, imported into a store from a small
synthetic folder, comes out inert in the terminal, the Markdown report and the HTML
report.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from capsize.cli import app

runner = CliRunner()

PAYLOADS = (
    "<img src=x onerror=alert(1)>",
    "<script>alert(2)</script>",
    "[bold]EVIL[/]",
    "[x](javascript:alert(3))",
)
"""Injected text: HTML, rich markup, a Markdown link."""


def _sessions() -> pd.DatetimeIndex:
    """Weekdays of 2024-01..2025-06 (holidays included: the importer flags, keeps them)."""
    return pd.bdate_range("2024-01-02", "2025-06-30")


def _write_folder(root: Path) -> Path:
    """A small folder laid out like shared/data: two price files and a flows file."""
    rng = np.random.default_rng(13)
    days = _sessions()
    (root / "prices").mkdir(parents=True)
    (root / "flows").mkdir()
    for sym, p0 in (("IWM", 200.0), ("SPY", 470.0)):
        close = p0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, len(days))))
        pd.DataFrame(
            {
                "date": days.strftime("%Y-%m-%d"),
                "open": close,
                "high": close * 1.005,
                "low": close * 0.995,
                "close": close,
                "adj_close": close,
                "volume": rng.integers(1_000_000, 5_000_000, len(days)),
            }
        ).to_csv(root / "prices" / f"{sym}.csv", index=False)
    rows = [
        (d.strftime("%Y-%m-%d"), t, 300_000_000 + int(rng.integers(0, 1_000_000)), "")
        for d in days[-40:]
        for t in ("IWM", *PAYLOADS)
    ]
    pd.DataFrame(rows, columns=["date", "ticker", "shares_outstanding", "nav"]).to_csv(
        root / "flows" / "IWM_shares_outstanding_evil.csv", index=False
    )
    return root


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home whose store holds the synthetic folder (no shared data needed)."""
    folder = _write_folder(tmp_path_factory.mktemp("bad_input_data"))
    path = tmp_path_factory.mktemp("bad_input_home")
    res = runner.invoke(app, ["data", "import", str(folder)], env={"CAPSIZE_HOME": str(path)})
    assert res.exit_code == 0, res.output
    return path


def _assert_one_line_error(res: object, names: str) -> str:
    """The CLI answered with exactly one ``error:`` line naming ``names``; return it."""
    output: str = res.output  # type: ignore[attr-defined]
    exc = res.exception  # type: ignore[attr-defined]
    assert res.exit_code != 0, output  # type: ignore[attr-defined]
    assert exc is None or isinstance(exc, SystemExit), repr(exc)
    assert "Traceback" not in output
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    assert lines[0].startswith("error: "), output
    assert names in lines[0], (names, lines[0])
    return lines[0]


# --------------------------------------------------------------------------- arguments

DATES = [
    (["perf", "IWM", "--as-of", "2300-01-03"], "--as-of 2300-01-03"),
    (["perf", "IWM", "--since", "1500-01-03"], "--since 1500-01-03"),
    (["perf", "IWM", "--as-of", "1899-12-31"], "--as-of 1899-12-31"),
    (["perf", "IWM", "--as-of", "2200-01-01"], "--as-of 2200-01-01"),
    (["perf", "IWM", "--as-of", "2025-02-30"], "'2025-02-30'"),
    (["perf", "IWM", "--as-of", "08/10/2025"], "'08/10/2025'"),
    (["perf", "IWM", "--as-of", "10-08-2025"], "'10-08-2025'"),
    (["perf", "IWM", "--as-of", ""], "--as-of ''"),
    (["perf", "IWM", "--as-of", "[/]"], "'[/]'"),
    (["perf", "IWM", "--since", "2025-13-01"], "'2025-13-01'"),
    (["perf", "IWM", "--trough-from", "9999-01-01"], "--trough-from 9999-01-01"),
    (["perf", "IWM", "--between", "2025-01-01", ""], "--between ''"),
    (["perf", "IWM", "--between", "1500-01-01", "2025-01-01"], "--between 1500-01-01"),
    (["perf", "IWM", "--between", "2025-06-01", "2025-01-01"], "2025-06-01"),
    (["compare", "IWM", "SPY", "--as-of", "2300-01-03"], "--as-of 2300-01-03"),
    (["risk", "IWM", "--since", "1500-01-01"], "--since 1500-01-01"),
    (["risk", "IWM", "--since", "2026-01-01", "--as-of", "2025-01-01"], "--since 2026-01-01"),
    (["highs", "IWM", "--as-of", "2300-01-03"], "--as-of 2300-01-03"),
    (["tape", "--as-of", "1500-01-03"], "--as-of 1500-01-03"),
    (["tape", "--as-of", "2025/01/01"], "'2025/01/01'"),
    (["breadth", "--as-of", "2300-01-03"], "--as-of 2300-01-03"),
    (["universe", "--as-of", "0001-01-01"], "--as-of 0001-01-01"),
    (["liquidity", "IWM", "--as-of", "2262-04-12"], "--as-of 2262-04-12"),
    (["levels", "IWM", "--as-of", "1677-09-21"], "--as-of 1677-09-21"),
    (["rates", "--as-of", "2300-01-03"], "--as-of 2300-01-03"),
    (["flows", "--as-of", "1500-01-03"], "--as-of 1500-01-03"),
    (["crypto", "--as-of", "2300-01-03"], "--as-of 2300-01-03"),
    (["factor", "--as-of", "2300-01-03"], "--as-of 2300-01-03"),
    (["factor", "--since", "1500"], "--since 1500"),
    (["factor", "--since", "99999"], "--since 99999"),
    (["rotation", "--as-of", "1500-01-01"], "--as-of 1500-01-01"),
    (["screen", "--as-of", "2300-01-03", "--no-sec"], "--as-of 2300-01-03"),
    (["rate", "IWM", "--as-of", "2300-01-03"], "--as-of 2300-01-03"),
    (["catalysts", "IWM", "--since", "1500-01-01", "--offline"], "--since 1500-01-01"),
    (["valuation", "--as-of", "2300-01-03", "--offline"], "--as-of 2300-01-03"),
    (["report", "--as-of", "2300-01-03"], "--as-of 2300-01-03"),
]

SYMBOLS = [
    (["data", "import", ""], "data folder is empty"),  # not the current folder
    (["data", "import", "   "], "data folder is empty"),
    (["perf", "IWM[/]"], "'IWM[/]'"),
    (["perf", "[/]"], "'[/]'"),
    (["perf", "IWM", ""], "SYMBOL ''"),
    (["perf", "IWM/SPY"], "'IWM/SPY'"),
    (["perf", "--segments", "--style", "[x]"], "'[x]'"),
    (["compare", "IWM", ""], "second symbol ''"),
    (["compare", "", "SPY"], "first symbol ''"),
    (["compare", "IWM", "[/]"], "'[/]'"),
    (["risk", "[/x]"], "'[/X]'"),
    (["risk", "IWM", "--vs", " "], "--vs ' '"),
    (["risk", "IWM", "--vs", "[/]"], "'[/]'"),
    (["risk", "IWM", "--period", ""], "--period ''"),
    (["risk", "IWM", "--period", "[/]"], "'[/]'"),
    (["highs", "IWM", " "], "SYMBOL ' '"),
    (["highs", "[bold]x[/bold]"], "'[BOLD]X[/BOLD]'"),
    (["liquidity", ""], "SYMBOL ''"),
    (["liquidity", "[/]"], "'[/]'"),
    (["levels", " "], "SYMBOL ' '"),
    (["levels", "[/]"], "'[/]'"),
    (["rates", "--small", ""], "--small ''"),
    (["rates", "--large", "[/]"], "'[/]'"),
    (["rates", "--series", ""], "series"),
    (["rates", "--series", "[/]"], "'[/]'"),
    (["rates", "--frequency", "[Q]"], "'[Q]'"),
    (["flows", "--segment", "[x]"], "'[x]'"),
    (["flows", "--segment", ""], "segment ''"),
    (["flows", "--nport", "[/]"], "--nport '[/]'"),
    (["flows", "--nport", "IWM=abc"], "--nport 'IWM=abc'"),
    (["screen", "--fund", "", "--no-sec"], "--fund ''"),
    (["screen", "--tickers", "", "--no-sec"], "--tickers ''"),
    (["screen", "--tickers", ",,,", "--no-sec"], "--tickers ',,,'"),
    (["screen", "--preset", "[/]", "--no-sec"], "'[/]'"),
    (["screen", "--rule", "", "--no-sec"], "rule ''"),
    (["rate", ""], "TICKER"),
    (["rate", "[/]", "--offline"], "'[/]'"),
    (["rate", "IWM", "--fund", " ", "--offline"], "--fund ' '"),
    (["catalysts", "", "--offline"], "ticker"),
    (["catalysts", "[/]", "--offline"], "[/]"),
    (["valuation", "--small", "", "--offline"], "--small ''"),
    (["valuation", "--large", "\t", "--offline"], "--large '\\t'"),
    (["report", "--format", "[x]"], "--format '[x]'"),
    (["data", "check", "--severity", "[x]"], "'[x]'"),
    (["serve", "token", "revoke", "[/]"], "'[/]'"),
]

NUMBERS = [
    (["risk", "IWM", "--window", "-5"], "-5"),
    (["risk", "IWM", "--window", "0"], "window"),
    (["risk", "IWM", "--threshold", "nan"], "threshold nan"),
    (["risk", "IWM", "--threshold", "-1"], "threshold -1"),
    (["risk", "IWM", "--threshold", "inf"], "threshold inf"),
    (["risk", "IWM", "--period", "XX"], "'XX'"),
    (["liquidity", "IWM", "--window", "-1"], "window=-1"),
    (["liquidity", "IWM", "--window", "0"], "window=0"),
    (["levels", "IWM", "--lookback", "-1"], "lookback -1"),
    (["levels", "IWM", "--lookback", "0"], "lookback 0"),
    (["rates", "--window", "-1"], "window -1"),
    (["rates", "--threshold", "nan"], "--threshold nan"),
    (["rates", "--threshold", "-5"], "-5"),
    (["rates", "--frequency", "Q"], "'Q'"),
    (["flows", "--nport-filings", "-1"], "--nport-filings -1"),
    (["flows", "--nport-filings", "0"], "--nport-filings 0"),
    (["crypto", "--alts", "-1"], "--alts -1"),
    (["crypto", "--alts", "0"], "--alts 0"),
    (["crypto", "--markets", "/nonexistent/x.json"], "/nonexistent/x.json"),
    (["factor", "--years", "-1"], "--years -1"),
    (["factor", "--years", "0"], "--years 0"),
    (["factor", "--threshold", "nan"], "nan"),
    (["factor", "--threshold", "-1"], "-1"),
    (["factor", "--since", "-5"], "--since -5"),
    (["rotation", "--history", "-1"], "--history -1"),
    (["screen", "--limit", "-5", "--no-sec"], "limit=-5"),
    (["screen", "--limit", "0", "--no-sec"], "limit=0"),
    (["screen", "--index-cap", "-1", "--no-sec"], "--index-cap -1"),
    (["screen", "--index-cap", "nan", "--no-sec"], "--index-cap nan"),
    (["screen", "--index-cap", "inf", "--no-sec"], "--index-cap inf"),
    (["screen", "--export", "x.xlsx", "--tickers", "IWM", "--no-sec"], "x.xlsx"),
    (["rate", "IWM", "--index-cap", "-1", "--offline"], "--index-cap -1"),
    (["rate", "IWM", "--index-cap", "inf", "--offline"], "--index-cap inf"),
    (["valuation", "--index-cap", "nan", "--offline"], "--index-cap nan"),
    (["valuation", "--index-cap", "0", "--offline"], "--index-cap 0"),
    (["report", "--format", "xx"], "--format 'xx'"),
]


def _case_id(case: tuple[list[str], str]) -> str:
    return " ".join(repr(a) if not a or " " in a else a for a in case[0])


@pytest.mark.parametrize(("argv", "names"), DATES, ids=[_case_id(c) for c in DATES])
def test_bad_dates(home: Path, argv: list[str], names: str) -> None:
    res = runner.invoke(app, argv, env={"CAPSIZE_HOME": str(home)})
    _assert_one_line_error(res, names)


@pytest.mark.parametrize(("argv", "names"), SYMBOLS, ids=[_case_id(c) for c in SYMBOLS])
def test_bad_symbols_and_text(home: Path, argv: list[str], names: str) -> None:
    res = runner.invoke(app, argv, env={"CAPSIZE_HOME": str(home)})
    _assert_one_line_error(res, names)


@pytest.mark.parametrize(("argv", "names"), NUMBERS, ids=[_case_id(c) for c in NUMBERS])
def test_bad_numbers(home: Path, argv: list[str], names: str) -> None:
    res = runner.invoke(app, argv, env={"CAPSIZE_HOME": str(home)})
    _assert_one_line_error(res, names)


USAGE = [
    (["risk", "IWM", "--window", "abc"], "'--window'"),
    (["risk", "IWM", "--threshold", "abc"], "'--threshold'"),
    (["rates", "--window", "1.5"], "'--window'"),
    (["screen", "--limit", "many"], "'--limit'"),
    (["data", "check", "--limit", "0"], "'--limit'"),
    (["factor", "--since", "1500-01-01"], "'--since'"),
    (["perf", "--bogus"], "--bogus"),
    (["perf", "IWM", "--as-of"], "'--as-of'"),
    (["compare", "IWM"], "'b'"),
    (["nosuch"], "'nosuch'"),
    (["[/]"], "'[/]'"),
    (["data", "[bold]x"], "'[bold]x'"),
]


@pytest.mark.parametrize(("argv", "names"), USAGE, ids=[_case_id(c) for c in USAGE])
def test_usage_errors_are_one_line(home: Path, argv: list[str], names: str) -> None:
    res = runner.invoke(app, argv, env={"CAPSIZE_HOME": str(home)})
    _assert_one_line_error(res, names)
    assert res.exit_code == 2


def test_help_and_no_arguments_still_show_the_help(home: Path) -> None:
    res = runner.invoke(app, [], env={"CAPSIZE_HOME": str(home)})
    assert res.exit_code == 2 and "Usage: " in res.output and "error:" not in res.output
    res = runner.invoke(app, ["perf", "--help"], env={"CAPSIZE_HOME": str(home)})
    assert res.exit_code == 0 and "Usage: " in res.output


def test_markup_in_an_error_is_shown_literally(home: Path) -> None:
    res = runner.invoke(app, ["perf", "IWM[/]", "[red]x"], env={"CAPSIZE_HOME": str(home)})
    line = _assert_one_line_error(res, "'IWM[/]'")
    assert "\\[" not in line  # escaped once, shown as typed


# --------------------------------------------------------------------------- environment

ENVIRONMENT = [
    ("CAPSIZE_HTTP_TIMEOUT", "-5"),
    ("CAPSIZE_HTTP_TIMEOUT", "nan"),
    ("CAPSIZE_HTTP_TIMEOUT", "inf"),
    ("CAPSIZE_HTTP_TIMEOUT", "0"),
    ("CAPSIZE_HTTP_TIMEOUT", "[/]"),
    ("CAPSIZE_HTTP_RETRIES", "1e8"),
    ("CAPSIZE_HTTP_RETRIES", "0"),
    ("CAPSIZE_HTTP_RETRIES", "-3"),
    ("CAPSIZE_HTTP_RETRIES", "99"),
    ("CAPSIZE_HTTP_DEADLINE", "-1"),
    ("CAPSIZE_HTTP_DEADLINE", "inf"),
    ("CAPSIZE_NO_NUMBA", "perhaps"),
    ("CAPSIZE_SEC_USER_AGENT", "a\nb"),
    ("CAPSIZE_DATA_DIR", " "),
]


@pytest.mark.parametrize(("var", "value"), ENVIRONMENT)
@pytest.mark.parametrize("command", [["perf", "IWM"], ["data", "status"]])
def test_bad_environment(tmp_path: Path, var: str, value: str, command: list[str]) -> None:
    res = runner.invoke(app, command, env={"CAPSIZE_HOME": str(tmp_path), var: value})
    _assert_one_line_error(res, var)


def test_empty_home_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for command in (["perf", "IWM"], ["data", "status"], ["serve", "token", "list"]):
        res = runner.invoke(app, command, env={"CAPSIZE_HOME": ""})
        _assert_one_line_error(res, "CAPSIZE_HOME")
    assert list(tmp_path.iterdir()) == []  # nothing created in the current folder


def test_home_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    res = runner.invoke(app, ["perf", "IWM"], env={"CAPSIZE_HOME": str(tmp_path / "file")})
    _assert_one_line_error(res, "CAPSIZE_HOME")


# --------------------------------------------------------------------------- config.toml

CONFIGS = [
    (b"\xff\xfe[x", "not UTF-8"),
    ("http_timeout = = 3\n", "not valid TOML"),
    ("http_timout = 3\n", "'http_timout'"),
    ("http_timeout = -5\n", "http_timeout"),
    ("http_timeout = nan\n", "http_timeout"),
    ("http_retries = 1e8\n", "http_retries"),
    ("segments = 5\n", "[segments]"),
    ("[segments]\nmicro = 5\n", "micro"),
    ('[segments.micro]\nmin_cap = "x"\n', "micro.min_cap"),
    ("[segments.micro]\nmax_cap = 5e12\n", "overlap"),
    ('[segments.micro]\nproxies = "IWC"\n', "proxies"),
    ("[rotation.weights]\nbreadth = -1\n", "breadth"),
]


@pytest.mark.parametrize(("text", "names"), CONFIGS)
def test_bad_config_file(tmp_path: Path, text: str | bytes, names: str) -> None:
    path = tmp_path / "config.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    res = runner.invoke(app, ["perf", "IWM"], env={"CAPSIZE_HOME": str(tmp_path)})
    line = _assert_one_line_error(res, names)
    assert "config.toml" in line


def test_config_that_is_a_folder(tmp_path: Path) -> None:
    (tmp_path / "config.toml").mkdir()
    res = runner.invoke(app, ["data", "status"], env={"CAPSIZE_HOME": str(tmp_path)})
    _assert_one_line_error(res, "config.toml")


# --------------------------------------------------------------------------- subprocess


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    full = {**{k: v for k, v in os.environ.items() if not k.startswith("CAPSIZE_")}, **env}
    full["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).parents[1] / "src"), *sys.path])
    return subprocess.run(
        [sys.executable, "-m", "capsize.cli", *args],
        env=full,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "env", "names"),
    [
        (["perf", "IWM[/]"], {}, "'IWM[/]'"),
        (["risk", "IWM", "--as-of", "2300-01-03"], {}, "--as-of 2300-01-03"),
        (["perf", "IWM"], {"CAPSIZE_HTTP_TIMEOUT": "-5"}, "CAPSIZE_HTTP_TIMEOUT"),
        (["perf", "IWM"], {"CAPSIZE_HOME": ""}, "CAPSIZE_HOME"),
    ],
)
def test_subprocess_one_line(
    home: Path, tmp_path: Path, args: list[str], env: dict[str, str], names: str
) -> None:
    proc = _run(args, {"CAPSIZE_HOME": str(home), **env}, tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert names in lines[0]
    assert list(tmp_path.iterdir()) == []  # nothing written in the working folder


# --------------------------------------------------------------------------- escaping


def test_terminal_tables_show_injected_text_literally(home: Path) -> None:
    res = runner.invoke(app, ["flows"], env={"CAPSIZE_HOME": str(home), "COLUMNS": "250"})
    assert res.exit_code == 0, res.output
    assert "[BOLD]EVIL[/]" in res.output  # neither styled nor swallowed
    assert "<IMG SRC=X ONERROR=ALERT(1)>" in res.output
    status = runner.invoke(app, ["data", "status"], env={"CAPSIZE_HOME": str(home)})
    assert status.exit_code == 0, status.output


@pytest.fixture(scope="module")
def evil_home(home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthetic store, with the payloads configured as small-cap proxies."""
    path = tmp_path_factory.mktemp("evil_home")
    (path / "capsize.duckdb").symlink_to(home / "capsize.duckdb")
    quoted = ", ".join(f"'{p}'" for p in PAYLOADS)
    (path / "config.toml").write_text(f"[segments.small]\nproxies = ['IWM', {quoted}]\n")
    return path


def test_markdown_report_is_inert(evil_home: Path, tmp_path: Path) -> None:
    res = runner.invoke(
        app,
        ["report", "-q", "-f", "md", "--out", str(tmp_path)],
        env={"CAPSIZE_HOME": str(evil_home)},
    )
    assert res.exit_code == 0, res.output
    (md_path,) = tmp_path.glob("*.md")
    md = md_path.read_text(encoding="utf-8")
    assert "&lt;IMG SRC=X ONERROR=ALERT(1)&gt;" in md  # the payload is there, as text
    assert not re.search(r"<\s*(img|script)", md, re.IGNORECASE)
    assert "\\[BOLD\\]EVIL\\[/\\]" in md
    assert not re.search(r"(?<!\\)\[[^\]]*(?<!\\)\]\(javascript", md, re.IGNORECASE)


def test_html_report_is_inert(evil_home: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    res = runner.invoke(
        app, ["report", "-q", "-f", "html", "--out", str(out)], env={"CAPSIZE_HOME": str(evil_home)}
    )
    assert res.exit_code == 0, res.output
    html = out.read_text(encoding="utf-8")
    assert "&lt;IMG SRC=X ONERROR=ALERT(1)&gt;" in html
    assert not re.search(r"<img src=x", html, re.IGNORECASE)
    assert not re.search(r"<script>\s*alert\(2\)", html, re.IGNORECASE)
