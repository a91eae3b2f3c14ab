"""Point in time for the drivers queries: the full store at D answers as a store cut at D.

For each query and day D: ``to_dict()`` on the full store at D equals ``to_dict()`` on a
copy with every row dated after D deleted, and names no date after D (no month end, no
file's last date, no snapshot date).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from capsize.queries import crypto, flows, load_markets, rates

CASES: list[tuple[str, str]] = [
    ("rates", "2024-11-29"),
    ("rates", "2025-06-26"),
    ("rates", "2026-08-19"),
    ("flows", "2025-10-08"),
    ("flows", "2026-08-21"),  # IWM's daily history runs to 2026-09-09
    ("crypto", "2023-06-30"),  # before the market-cap snapshot (2023-07-28)
    ("crypto", "2025-10-08"),
]


def _ask(cmd: str, store: Any, day: str, markets: Path) -> dict[str, Any]:
    if cmd == "rates":
        return rates(store, day).to_dict()
    if cmd == "flows":
        return flows(store, day).to_dict()
    frame, src = load_markets(markets)
    return crypto(store, day, markets=frame, markets_source=src).to_dict()


@pytest.mark.parametrize(("cmd", "day"), CASES)
def test_same_answer_on_a_store_cut_at_the_day(
    cmd: str,
    day: str,
    store_home: Path,
    truncated_home: Any,
    open_store: Any,
    dates_after: Any,
    fixtures_dir: Path,
) -> None:
    markets = fixtures_dir / "coingecko" / "coins_markets_dashbrd.json"
    with open_store(store_home) as store:
        full = _ask(cmd, store, day, markets)
    with open_store(truncated_home(day)) as store:
        cut = _ask(cmd, store, day, markets)
    assert dates_after(full, day) == []
    assert full["as_of"] <= day
    assert full == cut
