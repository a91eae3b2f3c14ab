"""Recording alert events: point in time, exactly once, with evidence and a link.

A rule evaluated as of D on the full store records the same events (ids, messages,
evidence with provenance) as on a copy of the store truncated at D, and names no date
after D. Running twice records nothing the second time.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from capsize.alerts import Rule
from capsize.data import alerts as store_alerts
from capsize.data.store import Store
from capsize.queries.alerts import add_rule, evaluate_alerts, record_events
from capsize.queries.stocks.sec import sec_source

DAY = "2025-10-08"
MARK = date(2025, 7, 1)  # each rule's evaluated_through before the run: fires after it count
NOW = datetime(2025, 10, 9, 6, 0)

RULES = (
    Rule(
        "iwm-ma20", "IWM 20d", "price_ma", symbols=("IWM", "SPY"), params={"window": 20}, cooldown=0
    ),
    Rule(
        "rs20",
        "IWM/SPY 20d",
        "rs_cross",
        symbols=("IWM", "SPY"),
        params={"window": 20},
        cooldown=0,
        channels=("log", "webhook:https://example.com/hook"),
    ),
    Rule("hi", "52w highs", "new_extreme", symbols=("IWM", "SPY", "^RUT"), cooldown=0),
    Rule("b20", "breadth 20", "breadth_level", params={"level": 0.5, "window": 20}, cooldown=0),
    Rule("nh", "net highs", "net_highs", params={"level": 50}, cooldown=0),
    Rule(
        "vol", "IWM volume", "volume_surge", symbols=("IWM",), params={"multiple": 1.5}, cooldown=0
    ),
    Rule("rot", "rotation", "rotation_sign"),
    Rule("rs8k", "reverse splits", "filing_8k", symbols=("UNCY",), params={"item": "3.03/5.03"}),
)


def _home(src: Path, dst: Path) -> Path:
    dst.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src / "capsize.duckdb", dst / "capsize.duckdb")
    db = dst / "capsize.duckdb"
    for rule in RULES:
        add_rule(rule, path=db, clock=lambda: NOW)
    with Store.open(db) as store:
        store_alerts.record_events(store, [], {r.id: MARK for r in RULES})
    return db


@pytest.fixture(scope="module")
def homes(
    store_home: Path,
    truncated_home: Callable[[str], Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("alerts_record")
    return _home(store_home, base / "full"), _home(truncated_home(DAY), base / "cut")


NO_SEC = sec_source(enabled=False)


@pytest.fixture(scope="module")
def recorded(homes: tuple[Path, Path]) -> dict[str, Any]:
    full, cut = homes
    out: dict[str, Any] = {}
    with Store.open(full) as store:
        out["full"] = record_events(store, DAY, sec=NO_SEC, clock=lambda: NOW)
        out["again"] = record_events(store, DAY, sec=NO_SEC, clock=lambda: NOW)
        out["status"] = evaluate_alerts(
            store, DAY, rules=(RULES[0], RULES[-1]), sec=NO_SEC, clock=lambda: NOW
        )
        out["stored"] = store_alerts.list_events(store)
        out["marks"] = {r.id: r.evaluated_through for r in store_alerts.list_rules(store)}
    with Store.open(cut) as store:
        out["cut"] = record_events(store, None, sec=NO_SEC, clock=lambda: NOW)
    return out


def test_point_in_time_same_events_as_a_store_cut_at_the_day(
    recorded: dict[str, Any], dates_after: Callable[[Any, str], list[str]]
) -> None:
    full = [e.to_dict() for e in recorded["full"]]
    cut = [e.to_dict() for e in recorded["cut"]]
    assert full == cut
    kinds = {e["kind"] for e in full}
    assert {"price_ma", "rs_cross", "breadth_level", "net_highs", "new_extreme"} <= kinds
    assert dates_after([{k: v for k, v in e.items() if k != "created_at"} for e in full], DAY) == []
    assert all(MARK < date.fromisoformat(e["day"]) <= date.fromisoformat(DAY) for e in full)


def test_running_twice_records_nothing_twice(
    recorded: dict[str, Any], homes: tuple[Path, Path]
) -> None:
    assert len(recorded["full"]) >= 5
    assert recorded["again"] == ()
    assert len(recorded["stored"]) == len(recorded["full"])
    assert recorded["status"].value("fires") == 0
    with Store.open(homes[0]) as store:
        assert store_alerts.insert_events(store, recorded["full"][:2]) == ()


def test_marks_move_to_each_rules_last_data_day(recorded: dict[str, Any]) -> None:
    marks = recorded["marks"]
    assert marks["iwm-ma20"] == date(2025, 10, 8)
    assert marks["rot"] == date(2025, 9, 30)  # month-end scores
    assert marks["rs8k"] == MARK  # no filings source: never evaluated, never moved


def test_an_event_carries_evidence_with_provenance_and_a_link(recorded: dict[str, Any]) -> None:
    ev = next(e for e in recorded["full"] if e.rule_id == "rs20")
    assert ev.event_id == store_alerts.event_id("rs20", ev.day, "IWM/SPY")
    assert ev.channels == ("log", "webhook:https://example.com/hook")
    assert ev.link == f"/performance?as_of={ev.day.isoformat()}"
    ratio = ev.evidence["rs20.IWM/SPY.ratio"]
    assert ratio["unit"] == "ratio" and ratio["provenance"]["as_of"] == ev.day.isoformat()
    assert "prices/IWM.csv" in ratio["provenance"]["source"]
    assert ratio["provenance"]["symbols"] == ["IWM", "SPY"]
    c = ev.evidence["rs20.IWM/SPY.average"]["value"]
    assert ("above" in ev.message) == (ratio["value"] > c)


def test_a_rule_without_its_data_says_it_cannot_be_evaluated(recorded: dict[str, Any]) -> None:
    status = recorded["status"]
    rows = {r[0]: r for r in status.table("rules").rows}
    assert rows["rs8k"][2] == "cannot evaluate"
    assert "SEC" in str(rows["rs8k"][4]) or "filings" in str(rows["rs8k"][4])
    assert any(n.startswith("rs8k: cannot be evaluated") for n in status.notes)
    assert rows["iwm-ma20"][2] == "evaluated"


def test_evaluating_a_day_reads_nothing_after_it(homes: tuple[Path, Path]) -> None:
    with Store.open(homes[0], read_only=True) as store:
        res = evaluate_alerts(store, "2024-03-28", rules=RULES[:2], sec=NO_SEC)
    assert res.as_of <= pd.Timestamp("2024-03-28")
