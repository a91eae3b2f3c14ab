"""The two queries the dashboard added: price_history (the stock chart) and watch."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from capsize.errors import DataNotFound, InputError
from capsize.queries.price_history import price_history
from capsize.queries.session import session_for
from capsize.queries.watch import WATCH_UNITS, watch
from capsize.report.watch import RULES

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

DAY = "2025-10-08"


def test_price_history_closes_and_averages_point_in_time(
    store_home: Path, open_store: Callable[[Path], Any]
) -> None:
    with open_store(store_home) as store:
        r = price_history(session_for(store, DAY), symbol="iwm", years=2)
        closes = store.closes(["IWM"], as_of=DAY)["IWM"].dropna()
    close = r.get_series("close").to_series()
    assert close.index[-1] == closes.index[-1] and close.index[-1] <= closes.index[-1]
    assert close.iloc[-1] == r.value("last_close") == closes.iloc[-1]
    assert r.value("ma200") == pytest.approx(closes.tail(200).mean(), rel=1e-12)
    assert r.value("ma50") == pytest.approx(closes.tail(50).mean(), rel=1e-12)
    assert r.value("vs_ma200") == pytest.approx(closes.iloc[-1] / closes.tail(200).mean() - 1)
    assert (close.index[-1] - close.index[0]).days <= 2 * 366
    assert r.fig("last_close").provenance.symbols == ("IWM",)


def test_price_history_refuses_bad_input(
    store_home: Path, open_store: Callable[[Path], Any]
) -> None:
    with open_store(store_home) as store:
        s = session_for(store, DAY)
        with pytest.raises(InputError, match="years"):
            price_history(s, symbol="IWM", years=0)
        with pytest.raises(DataNotFound, match="NOPE"):
            price_history(s, symbol="NOPE")


def test_watch_gives_the_report_items_with_their_figures(
    store_home: Path, open_store: Callable[[Path], Any], report_context: Callable[[str], Any]
) -> None:
    with open_store(store_home) as store:
        r = watch(session_for(store, DAY))
    ctx = report_context(DAY)
    rows = r.table("watch").rows
    assert [row[0] for row in rows] == [item.rule for item in ctx.watch]
    assert rows, "IWM was within 3% of its all-time closing high that day"
    for row, item in zip(rows, ctx.watch, strict=True):
        text = "".join(p if isinstance(p, str) else p.formatted for p in item.parts)
        assert row[1] == text
        shown = [p for p in item.parts if not isinstance(p, str)]
        values = [p for p in shown if not p.id.startswith("watch.threshold.")]
        evidence = values[0] if values else item.evidence  # a record close has no number
        if evidence is not None:
            assert row[2] is not None and row[2].value == evidence.value
            assert row[2].provenance == evidence.provenance
    assert str(r.as_of.date()) <= DAY


def test_every_watch_rule_has_a_unit() -> None:
    assert {rule.item for rule in RULES} | {"volume_surge"} <= set(WATCH_UNITS)
