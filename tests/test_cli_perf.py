"""``capsize perf / compare / risk / highs / tape`` on a store filled by ``capsize data import``.

A temporary folder laid out like ``shared/data`` links (never copies) a few real
price files; ``capsize data import`` loads it. Expected figures come from the
csv module and plain Python. Every ``--json`` is the query result's ``to_dict()``.
"""

from __future__ import annotations

import csv
import json
import math
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from capsize.cli import app

if TYPE_CHECKING:
    from pathlib import Path

runner = CliRunner()
TOL = 1e-10
PRICES = ("IWM", "SPY", "IWC", "RUT", "BTC-USD")
RAW = ("IWM_raw_taa", "IWM_raw_jm", "SPY_raw_taa", "SPY_raw_jm")


@pytest.fixture(scope="module")
def home(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("perf_data")
    (src / "prices" / "raw").mkdir(parents=True)
    for name in PRICES:
        (src / "prices" / f"{name}.csv").symlink_to(shared_data / "prices" / f"{name}.csv")
    for name in RAW:
        (src / "prices" / "raw" / f"{name}.csv").symlink_to(
            shared_data / "prices" / "raw" / f"{name}.csv"
        )
    path = tmp_path_factory.mktemp("perf_home")
    res = runner.invoke(app, ["data", "import", str(src)], env={"CAPSIZE_HOME": str(path)})
    assert res.exit_code == 0, res.output
    assert "Imported 9 files" in res.output
    return path


@pytest.fixture
def use_home(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CAPSIZE_HOME", str(home))
    return home


def closes(path: Path, field: str = "close") -> list[tuple[str, float]]:
    with path.open(newline="") as fh:
        return [(r["date"], float(r[field])) for r in csv.DictReader(fh) if r[field]]


def ret(pairs, start: str, end: str) -> tuple[float, str, str]:
    b = [p for p in pairs if p[0] <= start][-1]
    e = [p for p in pairs if p[0] <= end][-1]
    return e[1] / b[1] - 1, b[0], e[0]


def run_json(args: list[str]) -> dict:
    res = runner.invoke(app, [*args, "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert isinstance(out, dict)
    assert out["schema"] == "capsize.query/1"
    assert list(out)[:5] == ["schema", "query", "as_of", "requested_as_of", "sources"]
    return out


def fig(p: dict, fid: str) -> dict:
    return p["figures"][fid]


def value(p: dict, fid: str) -> float | None:
    return p["figures"][fid]["value"]


def text(args: list[str]) -> str:
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    return " ".join(res.output.split())


def test_perf_ytd_json_matches_plain_python(use_home, shared_data):
    p = run_json(["perf", "IWM", "SPY", "IWC", "--ytd", "--as-of", "2025-10-08"])
    assert p["query"] == "window_returns"
    assert p["as_of"] == "2025-10-08"
    assert [r[0] for r in p["tables"]["returns"]["rows"]] == ["IWM", "SPY", "IWC"]
    for sym in ("IWM", "SPY", "IWC"):
        exp, b, e = ret(closes(shared_data / "prices" / f"{sym}.csv"), "2024-12-31", "2025-10-08")
        total = fig(p, f"{sym}.YTD.total")
        assert abs(total["value"] - exp) < TOL
        assert total["provenance"]["window"] == f"{b}..{e}" == "2024-12-31..2025-10-08"
        assert total["provenance"]["source"] == f"prices/{sym}.csv"
        price = fig(p, f"{sym}.YTD.price")
        assert price["value"] is None  # never silently the total
        assert price["note"]
        assert f"prices/{sym}.csv" in p["sources"]
    # the raw closes stop 2025-09-26 (gap until 2026-03-20): the reason says so
    assert "2025-09-26" in fig(p, "IWM.YTD.price")["note"]
    assert "no price-return series" in fig(p, "IWC.YTD.price")["note"]
    assert any("last close on or before" in n for n in p["notes"])


def test_perf_price_and_total_side_by_side(use_home, shared_data):
    p = run_json(["perf", "IWM", "--ytd", "--as-of", "2025-09-26"])
    exp_t, _, _ = ret(closes(shared_data / "prices" / "IWM.csv"), "2024-12-31", "2025-09-26")
    raw = closes(shared_data / "prices" / "raw" / "IWM_raw_taa.csv")
    exp_p, _, _ = ret(raw, "2024-12-31", "2025-09-26")
    assert abs(value(p, "IWM.YTD.total") - exp_t) < TOL
    assert abs(value(p, "IWM.YTD.price") - exp_p) < TOL
    assert "(raw close)" in fig(p, "IWM.YTD.price")["provenance"]["formula"]
    assert "prices/raw/" in fig(p, "IWM.YTD.price")["provenance"]["source"]


def test_perf_table_names_source_and_as_of(use_home, shared_data):
    res = runner.invoke(app, ["perf", "IWM", "SPY", "IWC", "--ytd", "--as-of", "2025-10-08"])
    assert res.exit_code == 0, res.output
    exp, _, _ = ret(closes(shared_data / "prices" / "IWM.csv"), "2024-12-31", "2025-10-08")
    assert f"{exp * 100:+.2f}%" in res.output
    assert "As of 2025-10-08" in res.output
    assert "prices/IWM.csv" in res.output
    assert "nan" not in res.output.lower().replace("n/a", "")
    total_only = runner.invoke(app, ["perf", "IWM", "--ytd", "--as-of", "2025-10-08", "--total"])
    assert "Price return" not in total_only.output


def test_perf_other_windows_and_index(use_home, shared_data):
    p = run_json(["perf", "^RUT", "--since", "2020-03-23", "--as-of", "2025-10-08"])
    exp, _, _ = ret(closes(shared_data / "prices" / "RUT.csv"), "2020-03-23", "2025-10-08")
    assert abs(value(p, "^RUT.since.price") - exp) < TOL
    assert value(p, "^RUT.since.total") is None
    assert "no total-return series" in fig(p, "^RUT.since.total")["note"]
    p = run_json(["perf", "IWM", "--between", "2022-01-03", "2023-06-30"])
    exp, _, _ = ret(closes(shared_data / "prices" / "IWM.csv"), "2022-01-03", "2023-06-30")
    assert abs(value(p, "IWM.between.total") - exp) < TOL
    assert p["as_of"] == "2023-06-30"
    p = run_json(["perf", "IWM", "--trough-from", "2025-01-01", "--as-of", "2025-10-08"])
    pairs = [
        x
        for x in closes(shared_data / "prices" / "IWM.csv")
        if "2025-01-01" <= x[0] <= "2025-10-08"
    ]
    low = min(pairs, key=lambda x: x[1])
    assert fig(p, "IWM.trough.total")["provenance"]["window"].startswith(low[0])
    p = run_json(["perf", "IWM", "--as-of", "2025-10-08"])
    assert p["params"]["windows"] == ["MTD", "QTD", "YTD", "1Y", "3Y", "5Y"]
    assert [r[1] for r in p["tables"]["returns"]["rows"]] == [
        "MTD 2025-10",
        "QTD 2025-Q4",
        "YTD 2025",
        "1Y to 2025-10-08",
        "3Y to 2025-10-08",
        "5Y to 2025-10-08",
    ]
    exp, _, _ = ret(closes(shared_data / "prices" / "IWM.csv"), "2020-10-08", "2025-10-08")
    assert abs(value(p, "IWM.5Y.total") - exp) < TOL
    assert abs(value(p, "IWM.5Y.total.annualised") - ((1 + exp) ** (365.25 / 1826) - 1)) < TOL


def test_perf_between_is_as_of_its_end_without_false_stale_notes(use_home, shared_data):
    """Issue 12: IWC's data end after the window's end, so no note says its figures are n/a."""
    p = run_json(["perf", "IWC", "IWM", "--between", "2025-06-30", "2025-09-30"])
    assert p["as_of"] == "2025-09-30"
    assert not [n for n in p["notes"] if "IWC" in n]
    for sym in ("IWC", "IWM"):
        exp, _, _ = ret(closes(shared_data / "prices" / f"{sym}.csv"), "2025-06-30", "2025-09-30")
        assert abs(value(p, f"{sym}.between.total") - exp) < TOL
    out = text(["perf", "IWC", "IWM", "--between", "2025-06-30", "2025-09-30"])
    assert "As of 2025-09-30" in out
    assert "2026" not in out
    res = runner.invoke(
        app, ["perf", "IWM", "--between", "2025-06-30", "2025-09-30", "--as-of", "2025-08-01"]
    )
    assert res.exit_code == 1
    assert "after as_of 2025-08-01" in res.output


def test_compare_years_and_streaks(use_home, shared_data):
    p = run_json(["compare", "IWM", "SPY"])
    iwm = closes(shared_data / "prices" / "IWM.csv")
    spy = closes(shared_data / "prices" / "SPY.csv")
    full = [int(r[0]) for r in p["tables"]["years"]["rows"] if r[5] == "full"]
    assert full == list(range(2001, 2026))
    winners = []
    for y in full:
        a, _, _ = ret(iwm, f"{y - 1}-12-31", f"{y}-12-31")
        b, _, _ = ret(spy, f"{y - 1}-12-31", f"{y}-12-31")
        assert abs(value(p, f"{y}.IWM") - a) < TOL
        assert abs(value(p, f"{y}.SPY") - b) < TOL
        winners.append("IWM" if a > b else "SPY")
    n = 1
    while n < len(winners) and winners[-n - 1] == winners[-1]:
        n += 1
    cur = fig(p, "streak.current")
    assert cur["value"] == n
    assert winners[-1] in cur["label"]
    assert cur["provenance"]["window"].endswith("..2025")
    assert value(p, "years.full") == len(full)
    out = text(["compare", "IWM", "SPY"])
    assert f"Current streak: {winners[-1]} led {n} year(s) in a row" in out
    assert "(to date)" in out and "partial" in out


def test_risk_json_beta_matches_plain_python(use_home, shared_data):
    """``--since D``: the base is the last close on or before D (the documented convention).

    Before issue 12 the returns started the day after the first close on or after D.
    """
    p = run_json(["risk", "IWM", "--vs", "SPY", "--since", "2015-01-01"])
    a = dict(closes(shared_data / "prices" / "IWM.csv"))
    b = dict(closes(shared_data / "prices" / "SPY.csv"))
    common = sorted(d for d in a if d in b)
    base = [d for d in common if d <= "2015-01-01"][-1]
    days = [d for d in common if d >= base]
    x = [a[days[i]] / a[days[i - 1]] - 1 for i in range(1, len(days))]
    y = [b[days[i]] / b[days[i - 1]] - 1 for i in range(1, len(days))]
    mx, my = sum(x) / len(x), sum(y) / len(y)
    beta = sum((u - mx) * (v - my) for u, v in zip(x, y, strict=True)) / sum(
        (v - my) ** 2 for v in y
    )
    assert abs(value(p, "beta") - beta) < 1e-9
    assert value(p, "sessions") == len(x)
    assert fig(p, "beta")["provenance"]["window"] == f"{base}..{days[-1]}"
    ratios = sorted(u / v for u, v in zip(x, y, strict=True) if abs(v) >= 0.01)
    k = len(ratios)
    med = ratios[k // 2] if k % 2 else (ratios[k // 2 - 1] + ratios[k // 2]) / 2
    assert abs(value(p, "conditional") - med) < TOL
    assert value(p, "conditional_up.days") == sum(1 for v in y if v >= 0.01)
    assert value(p, "conditional_down.days") == sum(1 for v in y if v <= -0.01)
    assert "prices/IWM.csv" in p["sources"]
    out = text(["risk", "IWM", "--vs", "SPY"])
    assert "Beta" in out
    assert "base = last common close on or before" in text(["risk", "--help"])


def test_risk_period_is_a_trailing_window(use_home, shared_data):
    p = run_json(["risk", "IWM", "--period", "1Y", "--as-of", "2025-10-08"])
    assert fig(p, "beta")["provenance"]["window"] == "2024-10-08..2025-10-08"
    assert p["as_of"] == "2025-10-08"


def test_highs_json(use_home, shared_data):
    p = run_json(["highs", "^RUT", "IWC", "--as-of", "2025-10-08"])
    rut = [x for x in closes(shared_data / "prices" / "RUT.csv") if x[0] <= "2025-10-08"]
    best = max(rut, key=lambda x: x[1])
    assert value(p, "^RUT.all_time_close.level") == best[1]
    assert fig(p, "^RUT.all_time_close.date")["note"] == best[0]
    assert math.isclose(value(p, "^RUT.all_time_close"), rut[-1][1] / best[1] - 1, abs_tol=TOL)
    hi = [x for x in closes(shared_data / "prices" / "RUT.csv", "high") if x[0] <= "2025-10-08"]
    assert value(p, "^RUT.all_time_intraday.level") == max(v for _, v in hi)
    assert value(p, "IWC.all_time_intraday.level") is None
    assert "no intraday highs" in fig(p, "IWC.all_time_intraday")["note"]
    out = text(["highs", "^RUT"])
    assert "prices/RUT.csv" in out


def test_tape_json(use_home, shared_data):
    p = run_json(["tape", "--as-of", "2025-10-08"])
    exp, _, _ = ret(closes(shared_data / "prices" / "IWM.csv"), "2025-10-07", "2025-10-08")
    assert abs(value(p, "IWM.1D.total") - exp) < TOL
    vol = dict(closes(shared_data / "prices" / "IWM.csv", "volume"))
    days = sorted(d for d in vol if d <= "2025-10-08")
    avg = sum(vol[d] for d in days[-21:-1]) / 20
    assert abs(value(p, "IWM.volume_ratio") - vol["2025-10-08"] / avg) < TOL
    assert "IWM" in text(["tape", "--as-of", "2025-10-08"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["perf", "NOPE"], "no price data for symbol 'NOPE'"),
        (["perf", "IWM", "--between", "2025-05-01", "2025-01-01"], "after end"),
        (["perf", "IWM", "--ytd", "--since", "2025-01-01"], "choose one of"),
        (["perf", "IWM", "--as-of", "2025-13-01"], "--as-of"),
        (["risk", "IWM", "--vs", "NOPE"], "NOPE"),
        (["risk", "IWM", "--period", "2W"], "period must be one of"),
    ],
)
def test_errors_are_one_line(use_home, args, message):
    res = runner.invoke(app, args)
    assert res.exit_code != 0
    assert message in res.output
    assert "Traceback" not in res.output


def test_perf_segments(use_home, shared_data):
    p = run_json(["perf", "--segments", "--ytd", "--as-of", "2025-10-08"])
    assert p["query"] == "scoreboard"
    rows = {r[2]: r for r in p["tables"]["returns"]["rows"]}
    assert rows["IWC"][0] == "Micro-cap (IWC)" and rows["IWC"][1] == "$50M-$300M"
    assert rows["IWM"][0].startswith("Small-cap") and rows["SPY"][0].startswith("Large-cap")
    exp, _, _ = ret(closes(shared_data / "prices" / "IWC.csv"), "2024-12-31", "2025-10-08")
    assert abs(value(p, "IWC.YTD.total") - exp) < TOL
    # IJH/MDY and OEF/QQQ were not imported: n/a with the reason, never another segment's number
    mid = [r for r in p["tables"]["returns"]["rows"] if r[0] == "mid"]
    assert mid and "no blend ETF proxy of mid" in mid[0][5]
    a, _, _ = ret(closes(shared_data / "prices" / "IWM.csv"), "2024-12-31", "2025-10-08")
    b, _, _ = ret(closes(shared_data / "prices" / "SPY.csv"), "2024-12-31", "2025-10-08")
    assert abs(value(p, "IWM-SPY.YTD") - (a - b)) < TOL
    out = text(["perf", "--segments", "--ytd", "--as-of", "2025-10-08"])
    assert "Micro-cap" in out
    assert "$50M-$300M" in out
    both = runner.invoke(app, ["perf", "IWM", "--segments"])
    assert both.exit_code != 0
    assert "not both" in both.output


def last_date(shared_data: Path, name: str) -> str:
    return closes(shared_data / "prices" / f"{name}.csv")[-1][0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["compare", "IWM", "iwm"], "needs two different symbols"),
        (["risk", "IWM", "--vs", "IWM"], "risk needs two different symbols"),
        (["perf", "IWM", "--ytd", "--as-of", "1990-01-01"], "IWM's data starts 2000-05-26"),
        (
            ["risk", "IWM", "--since", "2026-01-01", "--as-of", "2025-01-01"],
            "--since 2026-01-01 is after --as-of 2025-01-01; swap them",
        ),
        (["risk", "IWM", "--threshold", "1"], "threshold is a fraction (0.01 = 1%)"),
        (["risk", "IWM", "--threshold", "0.5"], "threshold is a fraction"),
    ],
)
def test_internal_messages_do_not_leak(use_home, args, message):
    res = runner.invoke(app, args)
    assert res.exit_code == 1
    assert message in " ".join(res.output.split())
    assert "Series" not in res.output and "performance_table" not in res.output
    assert "Traceback" not in res.output


def test_trough_from_after_latest_data(use_home, shared_data):
    res = runner.invoke(app, ["perf", "IWM", "--trough-from", "2099-01-01"])
    assert res.exit_code == 1
    assert f"after the latest data ({last_date(shared_data, 'IWM')})" in res.output
    assert "swap" not in res.output


def test_future_as_of_uses_latest_data_with_a_note(use_home, shared_data):
    last = last_date(shared_data, "IWM")
    note = f"as-of 2099-01-01 is after the latest data ({last}); figures are as of {last}"
    p = run_json(["perf", "IWM", "--ytd", "--as-of", "2099-01-01"])
    assert p["as_of"] == last and note in p["notes"]
    assert p["requested_as_of"] == "2099-01-01"
    exp, _, _ = ret(closes(shared_data / "prices" / "IWM.csv"), f"{int(last[:4]) - 1}-12-31", last)
    assert abs(value(p, "IWM.YTD.total") - exp) < TOL
    for args in (
        ["compare", "IWM", "SPY"],
        ["risk", "IWM"],
        ["highs", "IWM"],
    ):
        q = run_json([*args, "--as-of", "2099-01-01"])
        assert note in q["notes"], args
        assert q["as_of"] == last, args
        assert "as-of 2099-01-01 is after the latest data" in text([*args, "--as-of", "2099-01-01"])
    c = run_json(["compare", "IWM", "SPY", "--as-of", "2099-01-01"])
    assert all(value(c, f"IWM.{w}") is not None for w in ("YTD", "1Y", "3Y"))


def test_highs_json_names_the_as_of(use_home, shared_data):
    p = run_json(["highs", "IWM"])
    assert p["as_of"] == last_date(shared_data, "IWM")


@pytest.mark.parametrize(
    "args",
    [
        ["perf", "iwm", "--ytd"],
        ["compare", "iwm", "spy"],
        ["risk", "iwm", "--vs", "spy"],
        ["highs", "^rut", "iwm"],
    ],
)
def test_lower_case_symbols_are_accepted(use_home, args):
    res = runner.invoke(app, [*args, "--json"])
    assert res.exit_code == 0, res.output
    assert "IWM" in res.output


def test_compare_stale_proxy_uses_the_common_last_date(use_home, shared_data):
    iwc, spy = last_date(shared_data, "IWC"), last_date(shared_data, "SPY")
    assert iwc < spy  # the data defect this guards against
    p = run_json(["compare", "IWC", "SPY"])
    assert p["as_of"] == iwc
    assert any(f"as of {iwc}, the last date with data for all symbols" in n for n in p["notes"])
    for w in ("YTD", "1Y", "3Y"):
        assert value(p, f"IWC.{w}") is not None and value(p, f"SPY.{w}") is not None
        assert fig(p, f"IWC.{w}")["provenance"]["window"].endswith(iwc)
    exp_a, _, _ = ret(closes(shared_data / "prices" / "IWC.csv"), f"{int(iwc[:4]) - 1}-12-31", iwc)
    exp_b, _, _ = ret(closes(shared_data / "prices" / "SPY.csv"), f"{int(iwc[:4]) - 1}-12-31", iwc)
    assert abs(value(p, "IWC.YTD") - exp_a) < TOL
    assert abs(value(p, "spread.YTD") - (exp_a - exp_b)) < TOL
    out = text(["compare", "IWC", "SPY"])
    assert f"as of {iwc}, the last date with data for all symbols" in out
    assert f"{(exp_a - exp_b) * 100:+.1f} pp" in out


def test_compare_ratio_line(use_home, shared_data):
    a = dict(closes(shared_data / "prices" / "IWM.csv"))
    b = dict(closes(shared_data / "prices" / "SPY.csv"))
    days = sorted(d for d in a if d in b)
    ratio = [a[d] / b[d] for d in days]
    ma50 = sum(ratio[-50:]) / 50
    ma200 = sum(ratio[-200:]) / 200
    p = run_json(["compare", "IWM", "SPY"])
    assert abs(value(p, "ratio.vs50") - (ratio[-1] / ma50 - 1)) < 1e-9
    assert abs(value(p, "ratio.vs200") - (ratio[-1] / ma200 - 1)) < 1e-9
    side = [ratio[i] > sum(ratio[i - 199 : i + 1]) / 200 for i in range(199, len(ratio))]
    k = len(side) - 1
    while k > 0 and side[k - 1] == side[-1]:
        k -= 1
    assert fig(p, "ratio.cross200.side")["note"] == ("above" if side[-1] else "below")
    assert fig(p, "ratio.cross200.date")["note"] == days[199 + k]
    assert value(p, "ratio.cross200.sessions") == len(side) - 1 - k
    out = text(["compare", "IWM", "SPY"])
    assert "IWM/SPY ratio on" in out and "vs its 200-day average" in out


def test_perf_stale_symbol_gets_a_hint(use_home, shared_data):
    iwc = last_date(shared_data, "IWC")
    p = run_json(["perf", "IWM", "IWC", "--ytd"])
    assert any(f"IWC: data end {iwc}" in n and f"--as-of {iwc}" in n for n in p["notes"])
    assert value(p, "IWC.YTD.total") is None
    q = run_json(["perf", "IWM", "IWC", "--ytd", "--as-of", iwc])
    assert value(q, "IWC.YTD.total") is not None
    assert not [n for n in q["notes"] if n.startswith("IWC: data end")]


def test_segments_stale_proxy_runs_to_its_last_close(use_home, shared_data):
    """A proxy without a close on the day runs to its last close, labelled; its 1D is n/a.

    Drift (issue 12): ``perf --segments`` showed the stale proxy as n/a while the report
    showed its figures to its last close; both now render the ``scoreboard`` query.
    """
    iwc, iwm = last_date(shared_data, "IWC"), last_date(shared_data, "IWM")
    p = run_json(["perf", "--segments", "--as-of", "2099-01-01"])
    assert p["as_of"] == iwm
    assert any(n.startswith("as-of 2099-01-01 is after the latest data") for n in p["notes"])
    assert any(f"IWC: data end {iwc}" in n for n in p["notes"])
    assert any(n.startswith("IWC: no close on") and f"as-of {iwc}" in n for n in p["notes"])
    assert fig(p, "IWC.YTD.total")["provenance"]["window"].endswith(iwc)
    exp, _, _ = ret(closes(shared_data / "prices" / "IWC.csv"), f"{int(iwc[:4]) - 1}-12-31", iwc)
    assert abs(value(p, "IWC.YTD.total") - exp) < TOL


def test_help_states_the_window_convention():
    for cmd in ("perf", "compare", "risk"):
        assert "last close on or before" in text([cmd, "--help"]), cmd
