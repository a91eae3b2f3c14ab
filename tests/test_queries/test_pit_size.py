"""Point in time: the size family answers the same on a store truncated at the day.

For each query and day D: ``to_dict()`` on the full store at D equals ``to_dict()`` on a
copy of the store with every row dated after D deleted, and names no date after D (no
month end, no file's last date, no member list).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

FACTOR_DAYS = ("2019-12-31", "2025-06-30", "2026-08-21")
ROTATION_DAYS = ("2025-06-26", "2025-10-08", "2026-08-21")


def _ask(home: Path, query: str, day: str) -> dict[str, Any]:
    import capsize.queries as Q
    from capsize.data.store import Store

    store = Store.open(home / "capsize.duckdb", read_only=True)
    try:
        result = getattr(Q, query)(store, day)
    finally:
        store.close()
    out: dict[str, Any] = result.to_dict()
    return out


@pytest.mark.parametrize(
    ("query", "day"),
    [("factor_history", d) for d in FACTOR_DAYS] + [("rotation_score", d) for d in ROTATION_DAYS],
)
def test_same_answer_on_a_truncated_store(
    query: str,
    day: str,
    store_home: Path,
    truncated_home: Callable[[str], Path],
    dates_after: Callable[[Any, str], list[str]],
) -> None:
    full = _ask(store_home, query, day)
    cut = _ask(truncated_home(day), query, day)
    assert full == cut
    assert dates_after(full, day) == []
    assert full["as_of"] <= day
    assert full["requested_as_of"] == day


def test_factor_month_ends_respect_the_publication_lag(store_home: Path) -> None:
    # 2025-06-30 -> the last usable month is April 2025 (published by the end of June)
    full = _ask(store_home, "factor_history", "2025-06-30")
    assert full["as_of"] == "2025-04-30"
    for s in full["series"].values():
        assert s["dates"][-1] <= "2025-04-30"
    mid = _ask(store_home, "factor_history", "2025-06-29")
    assert mid["as_of"] == "2025-03-31"  # June not over: May's data not yet published
