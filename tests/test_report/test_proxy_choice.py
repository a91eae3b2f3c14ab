"""Which proxy stands for a segment, that a substitution is stated, and no stale move shows today.

The choice itself is the ``proxies`` query; the report calls it from ``load_inputs``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from capsize.data.store import Store
from capsize.report import build_context
from capsize.report.context import ReportContext


@pytest.fixture(scope="module")
def ctx_at(store_home: Path) -> Callable[[str], ReportContext]:
    made: dict[str, ReportContext] = {}

    def make(day: str) -> ReportContext:
        if day not in made:
            store = Store.open(store_home / "capsize.duckdb", read_only=True)
            try:
                made[day] = build_context(store, as_of=day)
            finally:
                store.close()
        return made[day]

    return make


def test_passed_over_proxy_is_named(ctx_at: Callable[[str], ReportContext]) -> None:
    ctx = ctx_at("2026-08-21")
    mega = next(p for p in ctx.proxies if p.segment == "mega")
    assert mega.symbol == "QQQ"
    assert [s for s, _ in mega.passed_over] == ["OEF"]
    assert any("preferred OEF last closed 2026-07-31" in n for n in ctx.notes)


def test_no_substitution_when_preferred_is_fresh(ctx_at: Callable[[str], ReportContext]) -> None:
    ctx = ctx_at("2025-10-08")
    mega = next(p for p in ctx.proxies if p.segment == "mega")
    assert mega.symbol == "OEF"
    assert mega.passed_over == ()
    assert mega.last_date == pd.Timestamp("2025-10-08")
    assert not any("Substituted" in n for n in ctx.notes)


def test_stale_proxy_shows_no_old_move_in_todays_column(
    ctx_at: Callable[[str], ReportContext],
) -> None:
    """Before issue 12 the IWC row's 1D cell showed IWC's move of 2026-07-31 on 2026-08-21."""
    ctx = ctx_at("2026-08-21")
    move = ctx.fig("scoreboard", "IWC.1D")
    assert move is not None and not move.available
    assert move.formatted == "stale"  # issue 14: compact; the reason is stated once, in the caption
    ytd = ctx.fig("scoreboard", "IWC.YTD")
    assert ytd is not None and ytd.available and ytd.provenance.window.endswith("2026-07-31")
    rows = ctx.section("scoreboard").tables[0].rows
    assert any(r[0] == "Micro-cap (IWC), to 2026-07-31" for r in rows)
    assert ctx.fig("scoreboard", "IWC-SPY.1D") is None  # no micro - large spread on mixed dates
    tape = ctx.section("tape")
    assert tape.fig("IWC.move") is None
    assert "Not in the table: IWC and IJH (no close on 2026-08-21)." in tape.notes
    caption = ctx.section("scoreboard").tables[0].caption
    assert "IWC (last close 2026-07-31)" in caption  # the reason for "stale", stated once
