"""Report context: figures vs plain-Python reads of the real CSVs, point in time, staleness."""

from __future__ import annotations

import csv
import math
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from capsize.data.store import Store
from capsize.errors import DataNotFound, InputError
from capsize.report.context import WATCH_RULES, ReportContext, build_context

DAYS = ("2025-06-26", "2025-10-08", "2025-12-10")


def _read(path: Path, column: str = "close") -> list[tuple[str, float]]:
    out = []
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            if row.get(column):
                out.append((row["date"], float(row[column])))
    return out


@pytest.fixture(scope="module")
def contexts(store: Store) -> dict[str, ReportContext]:
    return {d: build_context(store, as_of=d) for d in DAYS}


@pytest.fixture(scope="module")
def latest(store: Store) -> ReportContext:
    return build_context(store)


def _up_to(rows: list[tuple[str, float]], day: str) -> list[tuple[str, float]]:
    return [r for r in rows if r[0] <= day]


@pytest.mark.parametrize("day", DAYS)
def test_ytd_and_1d_match_plain_csv(contexts, shared_data: Path, day: str) -> None:
    ctx = contexts[day]
    for sym in ("IWM", "SPY"):
        rows = _up_to(_read(shared_data / "prices" / f"{sym}.csv"), day)
        end = rows[-1]
        base = [r for r in rows if r[0] < f"{day[:4]}-01-01"][-1]
        ytd = ctx.fig("scoreboard", f"{sym}.YTD")
        assert ytd is not None and ytd.available
        assert math.isclose(float(ytd.value), end[1] / base[1] - 1, rel_tol=1e-9)
        assert ytd.provenance.window == f"{base[0]}..{end[0]}"
        one = ctx.fig("scoreboard", f"{sym}.1D")
        assert math.isclose(float(one.value), end[1] / rows[-2][1] - 1, rel_tol=1e-9)
        assert "prices/" in one.provenance.source
    spread = ctx.fig("scoreboard", "IWM-SPY.YTD")
    iwm, spy = ctx.fig("scoreboard", "IWM.YTD"), ctx.fig("scoreboard", "SPY.YTD")
    assert math.isclose(float(spread.value), float(iwm.value) - float(spy.value), abs_tol=1e-12)


def test_index_rows_are_price_return_from_levels(contexts, shared_data: Path) -> None:
    day = "2025-10-08"
    rows = _up_to(_read(shared_data / "prices" / "RUT.csv"), day)
    base = [r for r in rows if r[0] <= "2024-10-08"][-1]
    f = contexts[day].fig("scoreboard", "^RUT.1Y")
    assert math.isclose(float(f.value), rows[-1][1] / base[1] - 1, rel_tol=1e-9)
    assert f.provenance.formula.startswith("price return")


def test_highs_and_volume_match_plain_csv(contexts, shared_data: Path) -> None:
    day = "2025-10-08"
    ctx = contexts[day]
    rows = _up_to(_read(shared_data / "prices" / "IWM.csv"), day)
    ath = max(v for _, v in rows)
    f = ctx.fig("highs", "IWM.all-time_close")
    assert math.isclose(float(f.value), rows[-1][1] / ath - 1, rel_tol=1e-9)
    highs = _up_to(_read(shared_data / "prices" / "IWM.csv", "high"), day)
    fi = ctx.fig("highs", "IWM.all-time_intraday")
    assert math.isclose(float(fi.value), rows[-1][1] / max(v for _, v in highs) - 1, rel_tol=1e-9)
    vols = [v for _, v in _up_to(_read(shared_data / "prices" / "IWM.csv", "volume"), day)]
    ratio = ctx.fig("tape", "IWM.volume_ratio")
    assert math.isclose(float(ratio.value), vols[-1] / (sum(vols[-21:-1]) / 20), rel_tol=1e-9)


def test_rates_level_matches_fred_csv(contexts, shared_data: Path) -> None:
    day = "2025-10-08"
    rows = _up_to(_read(shared_data / "macro" / "DGS2.csv", "value"), day)
    f = contexts[day].fig("rates", "DGS2.level")
    assert f is not None and math.isclose(float(f.value), rows[-1][1])
    assert f.formatted == f"{rows[-1][1]:.2f}%"


COMPACT_MISSING = re.compile(r"^(stale|stale since \d{1,2} [A-Z][a-z]{2}( \d{4})?|no data)$")
"""Short reader texts for a missing figure whose reason is stated once nearby (issue 14)."""


def _assert_says_why(ctx: ReportContext, f: Any) -> None:
    """A missing figure says why: "n/a (reason)", a compact reason, or a bare "n/a" in a
    highs row whose level cell carries the reason."""
    if f.id.startswith("highs.") and f.id.endswith((".date", ".sessions")):
        level = {g.id: g for g in ctx.figures}[f.id.rsplit(".", 1)[0] + ".level"]
        assert f.formatted == "n/a" and level.formatted.startswith("n/a ("), (f, level)
    else:
        assert f.formatted.startswith("n/a (") or COMPACT_MISSING.match(f.formatted), f


@pytest.mark.parametrize("day", DAYS)
def test_every_section_available_and_figures_clean(contexts, day: str) -> None:
    ctx = contexts[day]
    for sec in ctx.sections:
        assert sec.available, f"{sec.key}: {sec.reason}"
    ids = [f.id for f in ctx.figures]
    assert len(ids) == len(set(ids))
    for f in ctx.figures:
        low = f.formatted.lower()
        assert f.formatted.strip(), f.id
        assert "nan" not in low.replace("n/a", "") and "none" not in low and "inf" not in low, f
        if not f.available:
            _assert_says_why(ctx, f)
        # a query figure keeps its answer's as-of: the last date it used, never after the day
        assert f.provenance.as_of <= ctx.day
        assert f.provenance.source and f.provenance.formula and f.provenance.window


def test_default_as_of_is_latest_core_date_and_stale_proxies_flagged(latest: ReportContext) -> None:
    assert latest.day == "2026-08-21"
    stale = {c.symbol: c.last_date.strftime("%Y-%m-%d") for c in latest.proxies if c.stale}
    assert stale == {"IWC": "2026-07-31", "IJH": "2026-07-31"}
    fresh = {c.segment: c.symbol for c in latest.proxies if not c.stale}
    assert fresh == {"small": "IWM", "large": "SPY", "mega": "QQQ"}
    # stale rows end on their own last date and say so
    f = latest.fig("scoreboard", "IWC.YTD")
    assert f.provenance.window.endswith("2026-07-31")
    assert any("IWC" in n and "2026-07-31" in n for n in latest.notes)
    assert any(w.rule == "stale" for w in latest.watch)


def test_as_of_on_a_weekend_uses_previous_session(store: Store) -> None:
    ctx = build_context(store, as_of="2025-10-11")  # a Saturday
    assert ctx.day == "2025-10-10"
    assert ctx.requested is not None and ctx.requested.strftime("%Y-%m-%d") == "2025-10-11"


def test_watch_rules_state_their_thresholds(contexts, latest) -> None:
    for ctx in (*contexts.values(), latest):
        for item in ctx.watch:
            if item.rule == "stale":
                continue
            thresholds = [
                p
                for p in item.parts
                if not isinstance(p, str) and p.id.startswith("watch.threshold")
            ]
            assert thresholds, item
            assert thresholds[0].provenance.source.startswith("capsize rule")
    near = [w for w in latest.watch if w.rule == "near_high"]
    assert near and WATCH_RULES["near_high"] > 0


def test_point_in_time_unchanged_when_later_data_is_added(
    store_home: Path, tmp_path: Path, store: Store
) -> None:
    day = "2025-10-08"
    copy = tmp_path / "home"
    shutil.copytree(store_home, copy)
    trunc = Store.open(copy / "capsize.duckdb")
    try:
        for table in ("bars", "macro", "factors", "fund_shares"):
            trunc.con.execute(f"DELETE FROM {table} WHERE date > ?::DATE", [day])
        before = build_context(trunc, as_of=day)
    finally:
        trunc.close()
    after = build_context(store, as_of=day)  # the full store holds ten more months
    assert [(f.id, f.formatted, f.provenance) for f in before.figures] == [
        (f.id, f.formatted, f.provenance) for f in after.figures
    ]
    assert before.watch == after.watch
    assert before.notes == after.notes


def test_empty_or_missing_inputs_raise_named_errors(tmp_path: Path) -> None:
    empty = Store.open(tmp_path / "empty.duckdb")
    try:
        with pytest.raises(DataNotFound, match="IWM"):
            build_context(empty)
        with pytest.raises(InputError, match="as_of"):
            build_context(empty, as_of="not a date")
    finally:
        empty.close()


def test_missing_macro_degrades_to_not_available(store_home: Path, tmp_path: Path) -> None:
    copy = tmp_path / "home"
    shutil.copytree(store_home, copy)
    s = Store.open(copy / "capsize.duckdb")
    try:
        s.con.execute("DELETE FROM macro")
        s.con.execute("DELETE FROM factors")
        ctx = build_context(s, as_of="2025-10-08")
    finally:
        s.close()
    rates, size = ctx.section("rates"), ctx.section("size")
    assert not rates.available and "DGS2" in rates.reason
    assert not size.available and size.reason
    assert ctx.section("scoreboard").available
