"""The small-cap universe read once for the breadth and liquidity sections.

Breadth and the universe's liquidity run over the small-cap universe held in the
store (IWM members with prices), point in time:

* **Member list.** The latest IWM member list dated on or before the breadth day:
  a membership snapshot, or an IWM holdings file when it is newer. Before the first
  list the section is not available (a later list would add look-ahead).
* **Breadth day.** The universe's prices can end before the report day (they end
  2026-07-31 in the shared data while the ETFs run on). Breadth is then computed on
  the universe's own last day and IWM is compared over the same dates only; the
  section says so.
* **Window.** The universe panel is read once from ``UNIVERSE_LOOKBACK_DAYS``
  calendar days before the breadth day (enough for a 252-session high/low look-back
  and a 252-session year-over-year liquidity window); the A/D line is cumulated
  from the start of the one-year chart window.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from capsize.errors import CapsizeError, DataNotFound
from capsize.report._inputs import Inputs
from capsize.report.sections.common import day_text

if TYPE_CHECKING:
    from capsize.analytics.engine import Panel
    from capsize.universe import Universe

__all__ = ["UNIVERSE_LOOKBACK_DAYS", "UniverseData", "load_universe"]


UNIVERSE_INDEX = "IWM"
UNIVERSE_LOOKBACK_DAYS = 800
RECENT_DAYS = 31
VOLUME_SOURCE = "universe_ohlcv/<ticker>.csv via store (share volume)"
"""Calendar days of universe history read before the breadth day (about 550 sessions)."""


@dataclass(frozen=True)
class UniverseData:
    """The universe read once for the breadth and volume sections.

    Attributes
    ----------
    universe : Universe
        Members with prices (``without_data`` holds the others).
    closes : Panel of shape (n_days, n_members), adjusted closes, USD
        From ``start`` to ``day``.
    volume : Panel of shape (n_days, n_members), shares
        Same dates and tickers; NaN where no volume is known (all NaN when the
        universe's volume ends before ``day``: it is then not read).
    volume_end : Timestamp or None
        Last date with universe volume on or before ``day`` (None: none known).
    day : Timestamp
        Breadth day: the universe's last close on or before the report day.
    start : Timestamp
        First date read.
    list_source : str
        Where the member list comes from (file and date).
    price_source : str
        Where the prices come from.
    """

    universe: Universe
    closes: Panel
    volume: Panel
    volume_end: pd.Timestamp | None
    day: pd.Timestamp
    start: pd.Timestamp
    list_source: str
    price_source: str


def _member_list(inp: Inputs, day: pd.Timestamp) -> tuple[Universe, str]:
    from capsize.universe import Universe

    store = inp.store
    try:
        holdings: pd.DataFrame | None = store.holdings(UNIVERSE_INDEX, as_of=day)
    except DataNotFound:
        holdings = None
    try:
        membership: pd.DataFrame | None = store.membership(UNIVERSE_INDEX, as_of=day)
    except DataNotFound:
        membership = None
    if holdings is None and membership is None:
        raise DataNotFound(
            f"no {UNIVERSE_INDEX} member list (holdings file or membership snapshot) dated on or "
            f"before {day_text(day)}; a later list would add look-ahead"
        )
    uni = Universe.from_frames(holdings, membership, name=UNIVERSE_INDEX)
    if uni.snapshot_source == "holdings" and holdings is not None:
        src = str(holdings.attrs.get("source", "")) or f"{UNIVERSE_INDEX} holdings"
        what = f"{UNIVERSE_INDEX} holdings file of {day_text(uni.snapshot_date)} ({src})"
    else:
        try:
            src = store.provenance("membership", UNIVERSE_INDEX).source
        except CapsizeError:
            src = "store membership"
        what = f"{UNIVERSE_INDEX} membership snapshot of {day_text(uni.snapshot_date)} ({src})"
    return uni, what


def _universe_volume(
    inp: Inputs, uni: Universe, wide: pd.DataFrame, start: pd.Timestamp, day: pd.Timestamp
) -> tuple[pd.DataFrame, pd.Timestamp | None]:
    """Member volume from ``start`` to ``day``, read in full only when it reaches ``day``.

    A small read of the last weeks decides; when the volume ends earlier, its last
    date comes from that read or, further back, from the import catalog (capped at
    ``day``: only data dated on or before it is described).
    """
    store = inp.store
    members = list(uni.members)
    empty = pd.DataFrame(np.nan, index=wide.index, columns=wide.columns)
    try:
        recent = store.panel(
            members,
            field="volume",
            basis="adjusted",
            start=day - pd.Timedelta(days=RECENT_DAYS),
            as_of=day,
        ).dropna(how="all")
    except DataNotFound:
        recent = pd.DataFrame()
    if len(recent) and pd.Timestamp(recent.index[-1]) == day:
        vol = store.panel(members, field="volume", basis="adjusted", start=start, as_of=day)
        return vol.reindex(index=wide.index, columns=wide.columns), day
    if len(recent):
        return empty, pd.Timestamp(recent.index[-1])
    try:
        cat = store.catalog()
    except CapsizeError:
        return empty, None
    mine = cat[
        cat["source"].astype(str).str.startswith("universe_ohlcv/")
        & cat["subject"].astype(str).isin(set(members))
    ]
    last = pd.to_datetime(mine["last_date"]).max() if len(mine) else pd.NaT
    return empty, (pd.Timestamp(last) if pd.notna(last) and last <= day else None)


def load_universe(inp: Inputs) -> UniverseData:
    """Read the universe member list and its closes and volume once, point in time.

    Raises
    ------
    DataNotFound
        When the store has no universe prices or no member list on or before the day.
    """
    from capsize.analytics.engine import Panel

    store = inp.store
    uni, what = _member_list(inp, inp.as_of)
    members = list(uni.members)
    day: pd.Timestamp | None = None
    for days in (RECENT_DAYS, UNIVERSE_LOOKBACK_DAYS):  # a small read finds the last date
        try:
            recent = store.panel(
                members,
                field="close",
                basis="adjusted",
                start=inp.as_of - pd.Timedelta(days=days),
                as_of=inp.as_of,
            ).dropna(how="all")
        except DataNotFound:
            continue
        if len(recent):
            day = pd.Timestamp(recent.index[-1])
            break
    if day is None:
        raise DataNotFound(
            f"no universe closes in the {UNIVERSE_LOOKBACK_DAYS} days to {inp.day}; "
            "import the universe with 'capsize data import'"
        )
    if day != inp.as_of:
        # prices end before the report day: take the member list of the breadth day
        uni, what = _member_list(inp, day)
    start = day - pd.Timedelta(days=UNIVERSE_LOOKBACK_DAYS)
    wide = store.panel(
        list(uni.members), field="close", basis="adjusted", start=start, as_of=day
    ).dropna(how="all")
    uni = uni.restrict(wide.columns[wide.notna().any()])
    wide = wide[list(uni.members)]
    inp.cache["universe_closes"] = wide
    vol, volume_end = _universe_volume(inp, uni, wide, start, day)
    return UniverseData(
        universe=uni,
        closes=Panel.from_wide(wide, name="close"),
        volume=Panel.from_wide(vol.astype("float64"), name="volume"),
        volume_end=volume_end,
        day=day,
        start=pd.Timestamp(wide.index[0]),
        list_source=what,
        price_source="universe/<ticker>.csv via store (adjusted closes)",
    )
