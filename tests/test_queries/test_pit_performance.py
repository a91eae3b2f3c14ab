"""Point in time: each performance query at day D answers the same on a store cut at D.

For every query and day D, ``to_dict()`` on the full store at ``as_of=D`` equals
``to_dict()`` on a copy of the store with every row dated after D deleted, and the
answer names no date after D (not a file's last date, not a window end).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

import capsize.queries as Q

DAYS = ("2025-10-08", "2026-08-05")
"""A day with every proxy current, and one where IWC, IJH and OEF ended five days before."""

QUERIES: dict[str, Callable[[Any, str], Any]] = {
    "proxies": lambda s, d: Q.proxies(s, d),
    "scoreboard": lambda s, d: Q.scoreboard(s, d),
    "scoreboard since": lambda s, d: Q.scoreboard(s, d, since="2025-06-30"),
    "window_returns": lambda s, d: Q.window_returns(
        s, d, symbols=["IWM", "IWC", "^RUT", "BTC-USD", "MDY"]
    ),
    "window_returns between": lambda s, d: Q.window_returns(
        s, d, symbols=["IWM", "IWC"], between=("2025-06-30", "2025-09-30")
    ),
    "relative_strength": lambda s, d: Q.relative_strength(s, d),
    "relative_strength micro": lambda s, d: Q.relative_strength(s, d, a="IWC"),
    "leadership": lambda s, d: Q.leadership(s, d),
    "highs": lambda s, d: Q.highs(s, d, symbols=["IWM", "^RUT", "IWC", "QQQ"]),
    "drawdowns": lambda s, d: Q.drawdowns(s, d, symbols=["IWM", "IJH"]),
    "risk": lambda s, d: Q.risk(s, d, symbol="IWM", period="3Y"),
    "risk since": lambda s, d: Q.risk(s, d, symbol="IWC", since="2020-03-23"),
    "tape": lambda s, d: Q.tape(s, d),
}


@pytest.fixture(scope="module")
def answer(
    store_home: Any, truncated_home: Any, open_store: Any
) -> Iterator[Callable[[str, str], Any]]:
    """``answer(name, day)`` -> (full store's to_dict(), truncated store's to_dict())."""
    stores: dict[str, Any] = {}
    opened: list[Any] = []

    def store_for(home: Any) -> Any:
        key = str(home)
        if key not in stores:
            cm = open_store(home)
            stores[key] = cm.__enter__()
            opened.append(cm)
        return stores[key]

    def get(name: str, day: str) -> tuple[dict[str, Any], dict[str, Any]]:
        full = QUERIES[name](store_for(store_home), day).to_dict()
        cut = QUERIES[name](store_for(truncated_home(day)), day).to_dict()
        return full, cut

    yield get
    for cm in opened:
        cm.__exit__(None, None, None)


@pytest.mark.parametrize("day", DAYS)
@pytest.mark.parametrize("name", list(QUERIES))
def test_same_answer_on_a_store_cut_at_the_day(
    name: str, day: str, answer: Any, dates_after: Any
) -> None:
    full, cut = answer(name, day)
    assert full == cut
    assert dates_after(full, day) == []
    assert full["as_of"] <= day
    assert full["requested_as_of"] == day
