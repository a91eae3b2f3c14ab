"""``capsize perf / compare / risk / highs`` on a store filled by ``capsize data import``.

A temporary folder laid out like ``shared/data`` links (never copies) a few real
price files; ``capsize data import`` loads it. Expected figures come from the
csv module and plain Python.
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
    return json.loads(res.output)


def test_perf_ytd_json_matches_plain_python(use_home, shared_data):
    p = run_json(["perf", "IWM", "SPY", "IWC", "--ytd", "--as-of", "2025-10-08"])
    assert p["as_of"] == "2025-10-08"
    rows = {r["symbol"]: r for r in p["rows"]}
    assert list(rows) == ["IWM", "SPY", "IWC"]
    for sym in ("IWM", "SPY", "IWC"):
        exp, b, e = ret(closes(shared_data / "prices" / f"{sym}.csv"), "2024-12-31", "2025-10-08")
        r = rows[sym]
        assert abs(r["total_return"] - exp) < TOL
        assert (r["base_date"], r["end_date"]) == (b, e) == ("2024-12-31", "2025-10-08")
        assert r["price_return"] is None  # never silently the total
        assert r["price_reason"]
        assert f"prices/{sym}.csv" in p["sources"][sym]["source"]
    # the raw closes stop 2025-09-26 (gap until 2026-03-20): the reason says so
    assert "2025-09-26" in rows["IWM"]["price_reason"]
    assert "no price-return series" in rows["IWC"]["price_reason"]
    assert "last close on or before" in p["convention"]


def test_perf_price_and_total_side_by_side(use_home, shared_data):
    p = run_json(["perf", "IWM", "--ytd", "--as-of", "2025-09-26"])
    r = p["rows"][0]
    exp_t, _, _ = ret(closes(shared_data / "prices" / "IWM.csv"), "2024-12-31", "2025-09-26")
    raw = closes(shared_data / "prices" / "raw" / "IWM_raw_taa.csv")
    exp_p, _, _ = ret(raw, "2024-12-31", "2025-09-26")
    assert abs(r["total_return"] - exp_t) < TOL
    assert abs(r["price_return"] - exp_p) < TOL
    assert r["price_series"] == "raw close"


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
    r = p["rows"][0]
    exp, _, _ = ret(closes(shared_data / "prices" / "RUT.csv"), "2020-03-23", "2025-10-08")
    assert abs(r["price_return"] - exp) < TOL
    assert r["total_return"] is None and "no total-return series" in r["total_reason"]
    p = run_json(["perf", "IWM", "--between", "2022-01-03", "2023-06-30"])
    exp, _, _ = ret(closes(shared_data / "prices" / "IWM.csv"), "2022-01-03", "2023-06-30")
    assert abs(p["rows"][0]["total_return"] - exp) < TOL
    p = run_json(["perf", "IWM", "--trough-from", "2025-01-01", "--as-of", "2025-10-08"])
    pairs = [
        x
        for x in closes(shared_data / "prices" / "IWM.csv")
        if "2025-01-01" <= x[0] <= "2025-10-08"
    ]
    low = min(pairs, key=lambda x: x[1])
    assert p["rows"][0]["base_date"] == low[0]
    p = run_json(["perf", "IWM", "--as-of", "2025-10-08"])
    assert [r["window"] for r in p["rows"]] == [
        "MTD 2025-10",
        "QTD 2025-Q4",
        "YTD 2025",
        "1Y to 2025-10-08",
        "3Y to 2025-10-08",
        "5Y to 2025-10-08",
    ]


def test_compare_years_and_streaks(use_home, shared_data):
    p = run_json(["compare", "IWM", "SPY"])
    iwm = closes(shared_data / "prices" / "IWM.csv")
    spy = closes(shared_data / "prices" / "SPY.csv")
    full = [y for y in p["years"] if y["status"] == "full"]
    assert [y["year"] for y in full] == list(range(2001, 2026))
    winners = []
    for y in full:
        a, _, _ = ret(iwm, f"{y['year'] - 1}-12-31", f"{y['year']}-12-31")
        b, _, _ = ret(spy, f"{y['year'] - 1}-12-31", f"{y['year']}-12-31")
        assert abs(y["IWM"] - a) < TOL
        assert abs(y["SPY"] - b) < TOL
        winners.append("IWM" if a > b else "SPY")
    n = 1
    while n < len(winners) and winners[-n - 1] == winners[-1]:
        n += 1
    cur = p["streaks"]["current"]
    assert (cur["leader"], cur["length"], cur["end_year"]) == (winners[-1], n, 2025)
    text = runner.invoke(app, ["compare", "IWM", "SPY"])
    assert f"Current streak: {winners[-1]} led {n} year(s) in a row" in text.output
    assert "partial" in text.output


def test_risk_json_beta_matches_plain_python(use_home, shared_data):
    p = run_json(["risk", "IWM", "--vs", "SPY", "--since", "2015-01-01"])
    a = dict(closes(shared_data / "prices" / "IWM.csv"))
    b = dict(closes(shared_data / "prices" / "SPY.csv"))
    days = sorted(d for d in a if d in b and d >= "2015-01-01")
    x = [a[days[i]] / a[days[i - 1]] - 1 for i in range(1, len(days))]
    y = [b[days[i]] / b[days[i - 1]] - 1 for i in range(1, len(days))]
    mx, my = sum(x) / len(x), sum(y) / len(y)
    beta = sum((u - mx) * (v - my) for u, v in zip(x, y, strict=True)) / sum(
        (v - my) ** 2 for v in y
    )
    assert abs(p["beta"] - beta) < 1e-9
    assert p["n_days"] == len(x)
    ratios = sorted(u / v for u, v in zip(x, y, strict=True) if abs(v) >= 0.01)
    k = len(ratios)
    med = ratios[k // 2] if k % 2 else (ratios[k // 2 - 1] + ratios[k // 2]) / 2
    assert abs(p["conditional"]["median_ratio"] - med) < TOL
    assert p["conditional_up"]["n_days"] == sum(1 for v in y if v >= 0.01)
    assert p["conditional_down"]["n_days"] == sum(1 for v in y if v <= -0.01)
    assert p["sources"]["IWM"]["source"]
    text = runner.invoke(app, ["risk", "IWM", "--vs", "SPY"])
    assert text.exit_code == 0
    assert "Beta" in text.output


def test_highs_json(use_home, shared_data):
    p = run_json(["highs", "^RUT", "IWC", "--as-of", "2025-10-08"])
    rut = [x for x in closes(shared_data / "prices" / "RUT.csv") if x[0] <= "2025-10-08"]
    best = max(rut, key=lambda x: x[1])
    s = p["symbols"][0]
    assert s["all_time_close"]["value"] == best[1]
    assert s["all_time_close"]["date"] == best[0]
    assert math.isclose(s["all_time_close"]["distance"], rut[-1][1] / best[1] - 1, abs_tol=TOL)
    hi = [x for x in closes(shared_data / "prices" / "RUT.csv", "high") if x[0] <= "2025-10-08"]
    assert s["all_time_intraday"]["value"] == max(v for _, v in hi)
    iwc = p["symbols"][1]
    assert iwc["all_time_intraday"]["value"] is None
    assert "no intraday highs" in iwc["all_time_intraday"]["reason"]
    text = runner.invoke(app, ["highs", "^RUT"])
    assert text.exit_code == 0
    assert "prices/RUT.csv" in text.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["perf", "NOPE"], "no price data for symbol 'NOPE'"),
        (["perf", "IWM", "--between", "2025-05-01", "2025-01-01"], "after end"),
        (["perf", "IWM", "--ytd", "--since", "2025-01-01"], "choose one of"),
        (["perf", "IWM", "--as-of", "2025-13-01"], "--as-of"),
        (["risk", "IWM", "--vs", "NOPE"], "NOPE"),
    ],
)
def test_errors_are_one_line(use_home, args, message):
    res = runner.invoke(app, args)
    assert res.exit_code != 0
    assert message in res.output
    assert "Traceback" not in res.output


def test_perf_segments(use_home, shared_data):
    p = run_json(["perf", "--segments", "--ytd", "--as-of", "2025-10-08"])
    rows = {r["segment"]: r for r in p["rows"]}
    assert rows["micro"]["symbol"] == "IWC"
    assert rows["small"]["symbol"] == "IWM"
    assert rows["large"]["symbol"] == "SPY"
    exp, _, _ = ret(closes(shared_data / "prices" / "IWC.csv"), "2024-12-31", "2025-10-08")
    assert abs(rows["micro"]["total_return"] - exp) < TOL
    # IJH/MDY and OEF/QQQ were not imported: n/a with the reason, never another segment's number
    assert rows["mid"]["total_return"] is None
    assert "no data for any blend proxy of mid" in rows["mid"]["total_reason"]
    text = runner.invoke(app, ["perf", "--segments", "--ytd", "--as-of", "2025-10-08"])
    assert text.exit_code == 0
    assert "Micro-cap" in text.output
    assert "$50M-$300M" in text.output
    both = runner.invoke(app, ["perf", "IWM", "--segments"])
    assert both.exit_code != 0
    assert "not both" in both.output


def last_date(shared_data: Path, name: str) -> str:
    return closes(shared_data / "prices" / f"{name}.csv")[-1][0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["compare", "IWM", "iwm"], "compare needs two different symbols"),
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
    assert message in res.output
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
    assert p["as_of"] == last and p["as_of_note"] == note
    exp, _, _ = ret(closes(shared_data / "prices" / "IWM.csv"), f"{int(last[:4]) - 1}-12-31", last)
    assert abs(p["rows"][0]["total_return"] - exp) < TOL
    for args in (
        ["compare", "IWM", "SPY"],
        ["risk", "IWM"],
        ["highs", "IWM"],
    ):
        q = run_json([*args, "--as-of", "2099-01-01"])
        assert q["as_of_note"] == note, args
        text = runner.invoke(app, [*args, "--as-of", "2099-01-01"])
        assert text.exit_code == 0
        assert "as-of 2099-01-01 is after the latest data" in " ".join(text.output.split())
    c = run_json(["compare", "IWM", "SPY", "--as-of", "2099-01-01"])
    assert all(r["IWM"] is not None for r in c["relative"])


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
    assert f"as of {iwc}, the last date with data for all symbols" in p["as_of_note"]
    for r in p["relative"]:
        assert r["IWC"] is not None and r["SPY"] is not None
        assert r["end_date"] == iwc
    exp_a, _, _ = ret(closes(shared_data / "prices" / "IWC.csv"), f"{int(iwc[:4]) - 1}-12-31", iwc)
    exp_b, _, _ = ret(closes(shared_data / "prices" / "SPY.csv"), f"{int(iwc[:4]) - 1}-12-31", iwc)
    assert abs(p["relative"][0]["IWC"] - exp_a) < TOL
    assert abs(p["relative"][0]["spread"] - (exp_a - exp_b)) < TOL
    text = " ".join(runner.invoke(app, ["compare", "IWC", "SPY"]).output.split())
    assert f"as of {iwc}, the last date with data for all symbols" in text
    assert f"{(exp_a - exp_b) * 100:+.1f} pp" in text


def test_compare_ratio_line(use_home, shared_data):
    a = dict(closes(shared_data / "prices" / "IWM.csv"))
    b = dict(closes(shared_data / "prices" / "SPY.csv"))
    days = sorted(d for d in a if d in b)
    ratio = [a[d] / b[d] for d in days]
    ma50 = sum(ratio[-50:]) / 50
    ma200 = sum(ratio[-200:]) / 200
    p = run_json(["compare", "IWM", "SPY"])
    rs = p["relative_strength"]
    assert abs(rs["vs_50d"] - (ratio[-1] / ma50 - 1)) < 1e-9
    assert abs(rs["vs_200d"] - (ratio[-1] / ma200 - 1)) < 1e-9
    side = [ratio[i] > sum(ratio[i - 199 : i + 1]) / 200 for i in range(199, len(ratio))]
    k = len(side) - 1
    while k > 0 and side[k - 1] == side[-1]:
        k -= 1
    assert rs["above_200d"] == side[-1]
    assert rs["last_cross"] == days[199 + k]
    assert rs["days_since_cross"] == len(side) - 1 - k
    text = " ".join(runner.invoke(app, ["compare", "IWM", "SPY"]).output.split())
    assert "IWM/SPY ratio on" in text and "vs its 200-day average" in text


def test_perf_stale_symbol_gets_a_hint(use_home, shared_data):
    iwc = last_date(shared_data, "IWC")
    p = run_json(["perf", "IWM", "IWC", "--ytd"])
    assert any(f"IWC: data ends {iwc}" in n and f"--as-of {iwc}" in n for n in p["notes"])
    q = run_json(["perf", "IWM", "IWC", "--ytd", "--as-of", iwc])
    assert q["rows"][1]["total_return"] is not None


def test_segments_stale_proxy_gets_a_hint(use_home, shared_data):
    iwc, iwm = last_date(shared_data, "IWC"), last_date(shared_data, "IWM")
    p = run_json(["perf", "--segments", "--ytd", "--as-of", "2099-01-01"])
    assert p["as_of"] == iwm
    assert p["as_of_note"].startswith("as-of 2099-01-01 is after the latest data")
    assert any(f"IWC: data ends {iwc}" in n and f"--as-of {iwc}" in n for n in p["notes"])
