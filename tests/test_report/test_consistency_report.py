"""One truth across the report: a figure shown in two places is one figure.

Each test reads a report context built from the real store and checks a pair of places
that used to disagree: the headline (bottom line) against the scoreboard, relative
strength and the rating card; the summary's month to date against the scoreboard's MTD
column; the card's breadth member list against the breadth section's; the Sources
table's French month against the size section's; windows never after the report day; the
Fed-turn averages against the values they average; stale rows, ties and record closes.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from capsize.data.store import Store
from capsize.report._model import Figure, FigureBook, Table
from capsize.report.context import ReportContext, build_context
from capsize.report.narrative import write_narrative
from capsize.report.watch import RULES

DAYS = ("2026-08-21", "2025-10-08")
"""A day with stale proxies and a tie on the tape, and a day with every proxy current."""

_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
_LOG = ("not assessed:", "(limit ", "days before", "flow_t", "capsize ", "--nport")
"""Fragments of log lines and commands that must not appear in reader text."""


@pytest.fixture(scope="module")
def contexts(store_home: Path) -> dict[str, ReportContext]:
    s = Store.open(store_home / "capsize.duckdb", read_only=True)
    try:
        return {d: build_context(s, as_of=d) for d in DAYS}
    finally:
        s.close()


def _cells(ctx: ReportContext, key: str) -> list[Figure]:
    return [
        c for t in ctx.section(key).tables for row in t.rows for c in row if isinstance(c, Figure)
    ]


def _places(ctx: ReportContext) -> list[Figure]:
    """Every figure shown anywhere: headline, summary, cards of sections, tables, watch."""
    out: list[Figure] = [p for p in ctx.bottom_line if isinstance(p, Figure)]
    n = write_narrative(ctx)
    out += [p for para in (n.headline, *n.paragraphs) for p in para if isinstance(p, Figure)]
    for s in ctx.sections:
        out += list(s.figures.values())
        out += _cells(ctx, s.key)
    out += [p for w in ctx.watch for p in w.parts if isinstance(p, Figure)]
    return out


@pytest.mark.parametrize("day", DAYS)
def test_a_figure_in_two_places_has_one_value_and_provenance(contexts, day: str) -> None:
    ctx = contexts[day]
    book = {f.id: f for f in ctx.figures}
    for f in _places(ctx):
        assert f.id in book, f.id
        assert f == book[f.id], f.id  # value, text shown, label and provenance


@pytest.mark.parametrize("day", DAYS)
def test_bottom_line_quotes_the_sections_figures(contexts, day: str) -> None:
    ctx = contexts[day]
    figs = [p for p in ctx.bottom_line if isinstance(p, Figure)]
    assert figs, "no bottom line"
    sc, rel, card = ctx.section("scoreboard"), ctx.section("relative"), ctx.section("rating")
    ytd = sc.fig("IWM-SPY.YTD")
    assert ytd is not None and figs[0].id == "score.IWM-SPY.YTD.abs"
    assert figs[0].value == pytest.approx(abs(float(ytd.value)), abs=1e-15)
    assert figs[0].provenance.window == ytd.provenance.window
    score = next(f for f in figs if f.id == "rating.score")
    assert score is card.fig("score")
    for f in figs:
        if f.id.startswith("rs.small."):
            base = rel.fig(f.id.removeprefix("rs.").removesuffix(".abs"))
            assert base is not None and f.value == pytest.approx(abs(float(base.value)))
    assert ctx.bottom_line == write_narrative(ctx).headline


@pytest.mark.parametrize("day", DAYS)
def test_summary_month_to_date_is_in_the_scoreboard(contexts, day: str) -> None:
    ctx = contexts[day]
    sc = ctx.section("scoreboard")
    table: Table = sc.tables[0]
    assert "MTD" in table.columns
    col = table.columns.index("MTD")
    spread = next(r for r in table.rows if str(r[0]).startswith("Small - large"))
    cell = spread[col]
    assert isinstance(cell, Figure) and cell.id == "score.IWM-SPY.MTD"
    n = write_narrative(ctx)
    quoted = [p for para in n.paragraphs for p in para if isinstance(p, Figure)]
    mtd = next(f for f in quoted if f.id.startswith("score.IWM-SPY.MTD"))
    assert mtd.value == pytest.approx(abs(float(cell.value)))
    for sym in ("IWM", "SPY"):
        row = next(r for r in table.rows if f"({sym})" in str(r[0]))
        assert any(f is row[col] for f in quoted if f.id == f"score.{sym}.MTD")


def test_stale_rows_show_no_old_move_as_today(contexts) -> None:
    ctx = contexts["2026-08-21"]
    table = ctx.section("scoreboard").tables[0]
    stale = [r for r in table.rows if ", to " in str(r[0])]
    assert {str(r[0]).split("(")[1][:3] for r in stale} == {"IWC", "IJH"}
    for col in ("1D", "MTD"):
        i = table.columns.index(col)
        for r in stale:
            cell = r[i]
            assert isinstance(cell, Figure) and cell.value is None and cell.formatted == "stale"
    assert table.caption.count("had no close on 2026-08-21") == 1
    for r in stale:  # windows that end on the last close are still shown, labelled by the row
        assert isinstance(r[table.columns.index("YTD")], Figure)
        assert r[table.columns.index("YTD")].available


def test_tied_proxies_are_called_tied(contexts) -> None:
    ctx = contexts["2026-08-21"]
    tape = ctx.section("tape")
    spy, qqq = tape.fig("SPY.move"), tape.fig("QQQ.move")
    assert spy is not None and qqq is not None and spy.formatted == qqq.formatted
    text = write_narrative(ctx).text()
    assert "SPY and QQQ tied for last" in text
    assert "QQQ lagged" not in text and "laggard" not in tape.figures
    assert any(n.startswith("Leader: Small-cap (IWM). Laggards, tied:") for n in tape.notes)


def _near_high_sentence(value: float) -> str:
    book = FigureBook("2026-08-21")
    f = book.add(
        "highs.IWM.all-time_close",
        value,
        lambda v: f"{float(v or 0) * 100:+.1f}%".replace("-0.0%", "0.0%"),
        "IWM distance from its record close",
        source="prices/IWM.csv",
        symbols=("IWM",),
        window="w",
        formula="f",
    )
    rule = next(r for r in RULES if r.item == "near_high")
    t = book.add("t", 0.03, lambda v: "3%", "t", source="s", symbols=(), window="w", formula="f")
    return "".join(p if isinstance(p, str) else p.formatted for p in rule.sentence("IWM", f, t))


def test_a_record_close_is_called_a_record_close() -> None:
    assert "made a record close" in _near_high_sentence(0.0)
    tiny = _near_high_sentence(-0.0001)
    assert "0.0%" not in tiny and "a hair under its record close" in tiny
    assert "-1.7% from it" in _near_high_sentence(-0.017)


@pytest.mark.parametrize("day", DAYS)
def test_highs_show_date_level_and_sessions_once(contexts, day: str) -> None:
    t = contexts[day].section("highs").tables[0]
    assert t.columns.count("Set on") == 2 and t.columns.count("Sessions since") == 2
    for row in t.rows:
        shown = [c.formatted for c in row if isinstance(c, Figure) and c.available]
        assert len(shown) == len(set(shown)) or len(set(shown)) > 3, row
        day_cell = row[t.columns.index("Set on")]
        assert isinstance(day_cell, Figure) and _ISO.fullmatch(day_cell.formatted)


@pytest.mark.parametrize("day", DAYS)
def test_card_and_breadth_use_one_member_list(contexts, day: str) -> None:
    ctx = contexts[day]
    card = [n for n in ctx.section("rating").notes if n.startswith("Breadth universe:")]
    breadth = ctx.section("breadth")
    if not card or not breadth.available:
        pytest.skip(f"no breadth on {day}")
    snap = re.search(r"snapshot of (\d{4}-\d{2}-\d{2})", card[0])
    assert snap is not None
    assert any(f"snapshot of {snap.group(1)}" in n for n in breadth.notes)


@pytest.mark.parametrize("day", DAYS)
def test_sources_french_month_is_the_size_sections(contexts, day: str) -> None:
    ctx = contexts[day]
    size = ctx.section("size")
    said = next(n for n in size.notes if n.startswith("SMB data run to "))
    month = said.removeprefix("SMB data run to ")[:7]
    rows = ctx.section("sources").tables[0].rows
    ff3 = [r for r in rows if "FF3" in str(r[1]) or "F-F" in str(r[1])]
    assert ff3
    last = str(ff3[0][4])
    assert last[:7] == month, (last, month)


@pytest.mark.parametrize("day", DAYS)
def test_no_window_ends_after_the_report_day(contexts, day: str) -> None:
    ctx = contexts[day]
    for f in ctx.figures:
        late = [d for d in _ISO.findall(f.provenance.window) if d > ctx.day]
        assert not late, (f.id, f.provenance.window)
    for s in ctx.sections:
        for t in s.tables:
            assert not [d for d in _ISO.findall(t.caption) if d > ctx.day], t.caption


@pytest.mark.parametrize("day", DAYS)
def test_fed_turn_averages_count_what_they_average(contexts, day: str) -> None:
    tables = [t for t in contexts[day].section("rates").tables if t.columns[:2] == ("turn", "kind")]
    assert tables
    t = tables[0]

    def text(c: object) -> str:
        return c.formatted if isinstance(c, Figure) else str(c)

    for kind in {text(r[1]) for r in t.rows}:
        events = [r for r in t.rows if text(r[1]) == kind and _ISO.fullmatch(text(r[0]))]
        counted = next(r for r in t.rows if text(r[0]) == "events averaged" and text(r[1]) == kind)
        assert events
        for j in range(2, len(t.columns)):
            have = sum(1 for r in events if isinstance(r[j], Figure) and r[j].available)
            assert int(counted[j].value) == have, (kind, t.columns[j])


@pytest.mark.parametrize("day", DAYS)
def test_rating_card_shows_reading_band_weight_and_date(contexts, day: str) -> None:
    sec = contexts[day].section("rating")
    t = sec.tables[0]
    assert t.columns == ("Component", "Reading", "Threshold passed", "Score", "Weight", "As of")
    assert any(
        n.startswith("Scale: from minus two (strongly favours large caps)") for n in sec.notes
    )
    assert "Data is stale when" in t.caption  # the one rule, stated once
    for row in t.rows:
        text = " ".join(c if isinstance(c, str) else c.formatted for c in row)
        assert not any(x in text for x in _LOG), text
        score = row[3]
        assert isinstance(score, Figure)
        if not score.available:
            assert score.formatted in ("no data", "not assessed") or score.formatted.startswith(
                "stale since "
            )


def test_rating_card_rates_reading_in_basis_points(contexts) -> None:
    t = contexts["2026-08-21"].section("rating").tables[0]
    rates = next(r for r in t.rows if str(r[0]).startswith("Rates regime"))
    assert str(rates[1].formatted).endswith(" bp") and "2-year yield, 3-month" in str(rates[0])
    breadth = next(r for r in t.rows if str(r[0]).startswith("Small-cap breadth"))
    assert breadth[3].formatted == "stale since 31 Jul"


@pytest.mark.parametrize("day", DAYS)
def test_reader_text_has_no_log_lines(contexts, day: str) -> None:
    ctx = contexts[day]
    n = write_narrative(ctx)
    texts = [n.text()]
    for s in ctx.sections:
        if s.key == "sources":
            continue  # the method section: formulas and commands belong there
        texts += [*s.notes, s.reason, *(t.caption for t in s.tables)]
        texts += [c.formatted for c in _cells(ctx, s.key)]
    texts += ["".join(p if isinstance(p, str) else p.formatted for p in w.parts) for w in ctx.watch]
    for text in texts:
        assert not any(x in text for x in _LOG), text
    method = " ".join(ctx.notes)
    assert "capsize data update" in method and "flow_t" in method


def test_a_record_close_in_the_highs_table(contexts) -> None:
    t = contexts["2025-10-08"].section("highs").tables[0]
    rows = {str(r[0]): r for r in t.rows}
    assert rows["SPY"][1] == "record close"  # SPY closed at its record on 2025-10-08
    sessions = rows["SPY"][t.columns.index("Sessions since")]
    assert isinstance(sessions, Figure) and sessions.value == 0
    iwm = rows["IWM"][1]  # 0.02% under its record: a distance, not a record
    assert isinstance(iwm, Figure) and iwm.formatted == "0.0%" and float(iwm.value) < 0
