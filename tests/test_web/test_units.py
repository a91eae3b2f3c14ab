"""Units of the web layer: registry resolution, parameters, formatting, CSV, limits, signing."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

import pytest

from capsize.errors import InputError
from capsize.queries.result import FigureSet, QueryResult, SeriesData, TableData
from capsize.web._answers import is_past, page_tables, safe_cell, table_csv
from capsize.web._params import parse_params, split_list
from capsize.web._registry import PAGES, REGISTRY, Param, QuerySpec, resolve, resolve_all
from capsize.web._render import format_figure, view_result
from capsize.web._security import RateLimiter, Signer
from capsize.web._snapshot import SnapshotManager

WEB = Path(__file__).resolve().parents[2] / "src" / "capsize" / "web"


def sample(
    source: object,
    as_of: object | None = None,
    *,
    symbols: Sequence[str] = ("IWM",),
    window: int = 20,
    basis: Literal["price", "total"] = "total",
    since: object | None = None,
    verbose: bool = False,
    clock: Callable[[], object] | None = None,
) -> QueryResult:
    raise NotImplementedError


def test_parameters_come_from_the_signature() -> None:
    r = resolve(
        QuerySpec(
            "sample",
            "x:y",
            "Sample",
            "demo",
            params=(Param("window", "int", minimum=1, maximum=250),),
            function=sample,
        )
    )
    kinds = {p.name: (p.kind, p.default) for p in r.params}
    assert kinds == {
        "symbols": ("list", ("IWM",)),
        "window": ("int", 20),
        "basis": ("choice", "total"),
        "since": ("date", None),
        "verbose": ("bool", False),
    }
    assert r.param("basis").choices == ("price", "total")  # type: ignore[union-attr]
    assert r.param("window").maximum == 250  # type: ignore[union-attr]


def test_unimportable_rows_are_not_available() -> None:
    r = resolve(QuerySpec("ghost", "capsize.queries:no_such_query", "Ghost", "demo"))
    assert not r.available and r.reason == "not available in this build"
    r = resolve(QuerySpec("ghost", "capsize.no_such_module:x", "Ghost", "demo"))
    assert not r.available


def test_registry_and_pages_agree() -> None:
    names = [row.name for row in REGISTRY]
    assert len(names) == len(set(names))
    for page in PAGES:
        for section in page.sections:
            assert section.query in names, (page.key, section.query)
    assert resolve_all()["data_sources"].available
    assert resolve_all()["watchlists"].available


def test_parse_params() -> None:
    params = resolve(
        QuerySpec(
            "sample",
            "x:y",
            "S",
            "d",
            params=(Param("window", "int", minimum=1, maximum=250),),
            function=sample,
        )
    ).params
    got = parse_params(
        params,
        {
            "symbols": ["iwm, SPY", "^RUT"],
            "window": ["60"],
            "basis": ["price"],
            "since": ["2025-01-02"],
            "verbose": ["yes"],
            "as_of": ["2025-01-02"],
        },
    )
    assert got == {
        "symbols": ["iwm", "SPY", "^RUT"],
        "window": 60,
        "basis": "price",
        "since": "2025-01-02",
        "verbose": True,
    }
    assert parse_params(params, {"window": [""]}) == {}
    for bad in (
        {"window": ["0"]},
        {"window": ["x"]},
        {"window": ["1", "2"]},
        {"basis": ["log"]},
        {"since": ["01/02/2025"]},
        {"verbose": ["maybe"]},
        {"windw": ["5"]},
        {"symbols": ["<script>"]},
    ):
        with pytest.raises(InputError):
            parse_params(params, bad)
    with pytest.raises(InputError, match="at most 50"):
        split_list("symbols", [",".join(f"S{i}" for i in range(51))])


def _result() -> QueryResult:
    figs = FigureSet("2025-10-08")
    a = figs.add(
        "a",
        0.1234,
        "fraction",
        "A",
        source="f.csv",
        symbols=("IWM",),
        window="2025-01-02..2025-10-08",
        formula="x",
    )
    b = figs.add("b", None, "usd", "B", source="f.csv", note="no data")
    c = figs.add("c", 1.5e9, "usd", "C", source="f.csv")
    t = TableData("t", "T", ("Name", "Value"), (("=cmd", a), ("-1+2", b), ("ok", c)))
    s = SeriesData(
        "s", "S", "ratio", ("2025-01-02", "2025-01-03"), (1.0, float("nan")), a.provenance
    )
    return QueryResult(
        "demo",
        __import__("pandas").Timestamp("2025-10-08"),
        None,
        {},
        {"a": a, "lone": figs.add("lone", 3, "count", "L", source="f")},
        (t,),
        (s,),
    )


def test_formatting_and_view() -> None:
    r = _result()
    assert format_figure(r.fig("a")) == "+12.3%"
    assert format_figure(r.fig("b")) == "n/a (no data)"
    assert format_figure(r.fig("c")) == "$1.5B"
    view = view_result("x", r)
    assert [c.id for c in view.cards] == ["lone"]  # "a" is in the table
    assert view.tables[0].rows[0][1].fig == "a" and view.tables[0].numeric == (False, True)
    payload = view.charts[0].payload  # what the report's uPlot driver draws
    assert payload["y"] == [[1.0, None]] and payload["fmt"] == "ratio"
    assert payload["x"] == [1735776000, 1735862400]  # 2025-01-02 and -03, seconds UTC


def test_csv_is_formula_safe() -> None:
    text = table_csv(_result().table("t"))
    assert text.splitlines() == ["Name,Value", "'=cmd,0.1234", "'-1+2,", "ok,1500000000.0"]
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)" and safe_cell("IWM") == "IWM"


def test_paging_drops_figures_of_dropped_rows() -> None:
    paged = page_tables(_result(), 1, 1)
    assert paged.tables[0].rows[0][0] == "-1+2"
    assert "a" not in paged.figures and "lone" in paged.figures


def test_past_days() -> None:
    import datetime as dt

    today = dt.date(2026, 1, 5)
    assert (
        is_past("2026-01-04", today)
        and not is_past("2026-01-05", today)
        and not is_past(None, today)
    )


def test_rate_limiter() -> None:
    now = [0.0]
    lim = RateLimiter(rate=1.0, burst=2.0, clock=lambda: now[0])
    assert lim.take("a") == 0 and lim.take("a") == 0
    assert lim.take("a") == pytest.approx(1.0)
    assert lim.take("b") == 0  # per client
    now[0] = 1.0
    assert lim.take("a") == 0


def test_signer() -> None:
    s = Signer(b"k" * 32)
    cookie = s.auth_cookie("abcd", ttl=10, now=100)
    assert s.auth_token_id(cookie, now=105) == "abcd"
    assert s.auth_token_id(cookie, now=111) is None
    assert s.auth_token_id(cookie.replace("abcd", "efgh"), now=105) is None
    assert s.csrf_ok("c1", s.csrf_field("c1")) and not s.csrf_ok("c2", s.csrf_field("c1"))
    assert not Signer().csrf_ok("c1", s.csrf_field("c1"))  # another process's secret


def test_snapshot_waits_for_a_still_file_without_wal(tmp_path: Path) -> None:
    primary = tmp_path / "capsize.duckdb"
    primary.write_bytes(b"not a database")
    m = SnapshotManager(primary, tmp_path / "snaps", poll=60)
    (tmp_path / "snaps").mkdir()
    Path(f"{primary}.wal").write_bytes(b"")
    assert m.refresh(force=True) is False  # a writer is at work
    Path(f"{primary}.wal").unlink()
    assert m.refresh() is False  # first sight: wait one poll
    assert m.refresh() is False  # still: copied, but not a readable store
    assert m.last_error and m.generation == 0


def test_web_goes_through_the_query_layer_only() -> None:
    """capsize.web imports no store, analytics or stocks module (front ends use queries)."""
    banned = ("capsize.data.store", "capsize.analytics", "capsize.stocks", "capsize.data.update")
    for path in WEB.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for name in names:
                assert not name.startswith(banned), f"{path.name} imports {name}"


def test_capsize_help_does_not_load_the_web() -> None:
    code = "import sys, capsize.cli; capsize.cli.app; print(any(m.startswith(('fastapi', 'capsize.web')) for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_exported_names() -> None:
    mod = importlib.import_module("capsize.web")
    assert list(mod.__all__) == sorted(
        mod.__all__, key=lambda n: (0 if n.isupper() else 1 if n[:1].isupper() else 2, n)
    )
    for name in mod.__all__:
        assert getattr(mod, name) is not None


def test_writer_probe_sees_another_process_write_lock(tmp_path: Path) -> None:
    import shutil

    from capsize.web._snapshot import signature, writer_holds

    if not sys.platform.startswith("linux"):
        pytest.skip("the F_GETLK probe is Linux-only; elsewhere WAL and stillness decide")
    db = tmp_path / "s.duckdb"
    code = "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ok', flush=True); time.sleep(float(sys.argv[2]))"
    subprocess.run([sys.executable, "-c", code, str(db), "0"], check=True, capture_output=True)
    assert not writer_holds(db)
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(db), "5"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ok"
        assert writer_holds(db)
        sig = signature(db)
        assert sig is not None and sig.busy
        m = SnapshotManager(db, tmp_path / "snaps", poll=60)
        (tmp_path / "snaps").mkdir()
        assert m.refresh(force=True) is False  # never copies a file being written
    finally:
        proc.kill()
        proc.communicate()
    assert not writer_holds(db)
    shutil.rmtree(tmp_path / "snaps")
