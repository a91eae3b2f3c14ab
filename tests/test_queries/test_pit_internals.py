"""Point in time (internals): an answer at D is the same on a store truncated at D.

For each query at two or more days D: ``to_dict()`` on the full store at D equals
``to_dict()`` on ``truncated_home(D)`` at D, and names no date after D. Member lists are
dated: the truncated store holds only the lists dated on or before D, so a query that
read a later list (look-ahead) would answer differently there.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from capsize.data.store import Store
from capsize.queries import breadth, levels, liquidity, universe_members

DAYS = ("2025-06-26", "2025-10-08", "2026-07-30")

QUESTIONS: dict[str, Callable[[Store, str], Any]] = {
    "universe_members": lambda s, d: universe_members(s, d),
    "breadth": lambda s, d: breadth(s, d),
    "liquidity_symbols": lambda s, d: liquidity(s, d, symbols=["IWM", "BTC-USD", "^RUT", "IWC"]),
    "liquidity_universe": lambda s, d: liquidity(s, d),
    "levels": lambda s, d: levels(s, d, symbol="IWM"),
    "levels_index": lambda s, d: levels(s, d, symbol="^RUT", lookback=126),
}


@pytest.mark.parametrize("day", DAYS)
@pytest.mark.parametrize("name", sorted(QUESTIONS))
def test_same_answer_on_a_store_truncated_at_the_day(
    name: str,
    day: str,
    store: Store,
    truncated_home: Callable[[str], Path],
    open_store: Callable[[Path], AbstractContextManager[Store]],
    dates_after: Callable[[Any, str], list[str]],
) -> None:
    ask = QUESTIONS[name]
    answer = ask(store, day).to_dict()
    with open_store(truncated_home(day)) as cut:
        assert ask(cut, day).to_dict() == answer
    assert dates_after(answer, day) == []
    assert answer["as_of"] <= day


def test_truncated_store_before_a_later_list_gives_the_earlier_one(
    store: Store,
    truncated_home: Callable[[str], Path],
    open_store: Callable[[Path], AbstractContextManager[Store]],
) -> None:
    """2026-07-30: the lists of 2026-08-01..08-20 exist only in the full store."""
    day = "2026-07-30"
    on_full = universe_members(store, day)
    assert on_full.list_date is not None and on_full.list_date.strftime("%Y-%m-%d") == "2026-07-29"
    with open_store(truncated_home(day)) as cut:
        assert universe_members(cut, day).list_date == on_full.list_date
