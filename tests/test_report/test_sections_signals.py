"""Report section "Do the signals work?": one row per card signal, the failures named.

The section is built alone from the report's inputs on a day (the rest of the report is
covered by the layout and consistency suites, which build it as part of the whole).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

DAY = "2019-12-31"


@pytest.fixture(scope="module")
def built(store_home: Path) -> Any:
    from capsize.data.store import Store
    from capsize.queries.backtesting import signal_record
    from capsize.report._inputs import load_inputs
    from capsize.report.sections.signals import signals_section

    store = Store.open(store_home / "capsize.duckdb", read_only=True)
    try:
        inp = load_inputs(store, DAY)
        section = signals_section(inp)
        record = signal_record(inp.session)  # the same session: the cached answer
        yield section, record, inp.book
    finally:
        store.close()


def test_one_row_per_card_signal_with_adopted_figures(built: Any) -> None:
    from capsize.queries.backtesting import CARD_SIGNALS
    from capsize.report._model import Figure

    section, record, book = built
    assert section.available and section.title == "Do the signals work?"
    table = section.tables[0]
    assert [row[0] for row in table.rows] == list(CARD_SIGNALS.values())
    for row in table.rows:
        assert len(row) == len(table.columns)
        for cell in row[1:-1]:
            if isinstance(cell, Figure):
                q = record.fig(cell.id.removeprefix("signals."))
                assert cell.value == q.value and cell.provenance == q.provenance
                assert "nan" not in cell.formatted and cell.formatted
            else:
                assert cell == "n/a"  # untested: the reason is in the verdict column
    ids = {f.id for f in book.all()}
    assert "signals.rates_regime.oos.rank_corr" in ids


def test_verdict_names_the_signals_that_do_not_work(built: Any) -> None:
    section, record, _ = built
    (lead,) = section.notes
    assert lead.startswith("Out of sample (month ends 2013-01 to 2019-")
    verdicts = {row[0]: row[-1] for row in section.tables[0].rows}
    for r in record.rows:
        assert r.label in lead
        shown = verdicts[r.label]
        assert shown == r.verdict or shown.startswith("untested: no history")
    not_working = [k for k, v in verdicts.items() if v != "works"]
    assert not_working and all(k in lead for k in not_working)


def test_long_history_line_adopts_the_french_backtest(built: Any) -> None:
    section, _, book = built
    long = section.tables[1]
    assert long.columns[0] == "Since 1926" and len(long.rows) == 1
    (row,) = long.rows
    assert "ME1" in row[0] and "ME10" in row[0]
    assert "1926-07 to 2019-10" in long.caption  # published two months after the month end
    ids = {f.id for f in book.all()}
    for k in ("cagr", "sharpe", "max_drawdown", "ME10.cagr", "ME10.sharpe"):
        assert f"signals.french_sleeve.{k}" in ids
    cagr = section.figures["signals.french_sleeve.cagr"]
    assert cagr.formatted.endswith("%") and "Portfolios_Formed_on_ME_VW" in cagr.provenance.source
