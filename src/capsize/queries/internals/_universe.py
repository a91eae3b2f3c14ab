"""Who is in the small-cap universe on a day: the IWM member list on or before it.

The policy (:data:`capsize.rules.breadth.MEMBER_LIST_RULE`) is applied here once, for
breadth, the universe's liquidity and :func:`universe_members`:

* The *universe day* is the last session on or before the requested day with closes
  for the members (the universe's prices can end before the ETFs': 2026-07-31 in the
  shared data).
* The member list is the latest IWM list (holdings file or membership snapshot)
  dated on or before the universe day. When there is none, :class:`DataNotFound`
  names the first list's date; a later list is never used (look-ahead).
* Prices are read over :data:`~capsize.rules.breadth.READ_DAYS` calendar days ending
  on the universe day (one read ending on the requested day finds the universe day
  and holds that window); members without a close in that window are listed but not
  counted (``without_data``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING

import pandas as pd

from capsize.analytics.engine import Panel
from capsize.errors import DataNotFound
from capsize.queries.internals._common import (
    as_float,
    catalog,
    day_of,
    read_panel,
    universe_source,
)
from capsize.queries.result import FigureSet, QueryResult, TableData
from capsize.queries.session import Session, session_for
from capsize.rules.breadth import MEMBER_LIST_RULE, READ_DAYS
from capsize.rules.staleness import freshness
from capsize.universe import Universe, membership_history

if TYPE_CHECKING:
    from capsize.data.store import Store

_RECENT_DAYS = 31
"""Calendar days the universe's prices may end before the requested day and still be
read in one go with their window."""

__all__ = [
    "UniverseAnswer",
    "UniverseFrame",
    "holdings_on",
    "member_list",
    "universe_frame",
    "universe_members",
]

INDEX = "IWM"


@dataclass(frozen=True)
class UniverseFrame:
    """The universe read once per session: members, day and closes (internal).

    Attributes
    ----------
    listed : Universe
        The member list as dated (every listed equity).
    universe : Universe
        The members with a close in the window read (``without_data``: the others).
    day : Timestamp
        The universe day: its last session on or before the requested day.
    start : Timestamp
        First session read.
    closes : Panel of shape (n_sessions, n_members), adjusted closes, USD
    list_what : str
        The list in words (``"IWM membership snapshot of 2026-07-29"``).
    list_file : str
        The file the list comes from.
    session : Session
        The session read (names :attr:`price_source` when it is asked for).
    """

    listed: Universe
    universe: Universe
    day: pd.Timestamp
    start: pd.Timestamp
    closes: Panel
    list_what: str
    list_file: str
    session: Session = field(repr=False, compare=False)

    @cached_property
    def price_source(self) -> str:
        """Member price files, as patterns (named when first asked: most reads never do)."""
        return universe_source(self.session, self.universe.members, self.day)

    @property
    def source(self) -> str:
        """Provenance source of every universe figure."""
        return f"{self.price_source}; member list: {self.list_what} ({self.list_file})"


def _first_list(s: Session, index: str) -> str:
    """Return the first member list's date in the store (for an error message), or ''."""
    cat = catalog(s)
    if cat.empty:
        return ""
    rows = cat[cat["kind"].isin(("holdings", "membership")) & (cat["subject"] == index)]
    first = pd.to_datetime(rows["first_date"]).min()
    return "" if pd.isna(first) else day_of(first)


def _no_list(s: Session, index: str, day: pd.Timestamp) -> DataNotFound:
    first = _first_list(s, index)
    hint = (
        f"; the first list is dated {first}: use an as-of on or after it"
        if first
        else "; import the IWM holdings files or membership history"
    )
    return DataNotFound(
        f"no {index} member list (holdings file or membership snapshot) dated on or before "
        f"{day:%Y-%m-%d}; a later list would add look-ahead{hint}"
    )


def holdings_on(s: Session, index: str, day: pd.Timestamp) -> pd.DataFrame | None:
    """Return the latest holdings file of ``index`` dated on or before ``day`` (None: none)."""
    try:
        frame = s.holdings(index)
    except DataNotFound:
        return None
    if pd.Timestamp(str(frame.attrs.get("as_of"))) <= day:
        return frame

    def read() -> pd.DataFrame | None:
        try:
            return s.store.holdings(index, as_of=day)
        except DataNotFound:
            return None

    out: pd.DataFrame | None = s.cached(("internals", "holdings_on", index, day), read)
    return out


def _universe_on(
    s: Session,
    index: str,
    holdings: pd.DataFrame | None,
    membership: pd.DataFrame | None,
    day: pd.Timestamp,
) -> Universe:
    """``Universe.from_frames(holdings, membership, name=index, as_of=day)``, built from one snapshot.

    The history is cleaned once per session (:func:`~capsize.universe.membership_history`);
    the member list is built from the raw rows of the latest cleaned snapshot on or
    before ``day`` (cleaning is per snapshot), then given the history up to ``day``:
    the same universe as from the whole frame.
    """
    if membership is None:
        return Universe.from_frames(holdings, None, name=index, as_of=day)
    frame = membership
    clean: pd.DataFrame = s.cached(
        ("internals", "membership_history", index), lambda: membership_history(frame)
    )
    hist = clean[clean["snapshot_date"] <= day]
    if hist.empty:  # no usable snapshot: the whole frame says so
        return Universe.from_frames(holdings, membership, name=index, as_of=day)
    last = hist["snapshot_date"].max()
    rows = membership[pd.to_datetime(membership["snapshot_date"]) == last]
    one = Universe.from_frames(holdings, rows, name=index, as_of=day)
    return replace(one, history=hist.reset_index(drop=True))


def member_list(s: Session, day: pd.Timestamp, index: str = INDEX) -> tuple[Universe, str, str]:
    """Return the latest list dated on or before ``day``: the universe, its words and its file.

    Raises
    ------
    DataNotFound
        When no list is dated on or before ``day`` (the message names the first list).
    """
    holdings = holdings_on(s, index, day)
    try:
        membership: pd.DataFrame | None = s.membership(index)
    except DataNotFound:
        membership = None
    if membership is not None and not (membership["snapshot_date"] <= day).any():
        membership = None
    if holdings is None and membership is None:
        raise _no_list(s, index, day)
    uni = _universe_on(s, index, holdings, membership, day)
    snap = day_of(uni.snapshot_date)
    if uni.snapshot_source == "holdings" and holdings is not None:
        return uni, f"{index} holdings file of {snap}", str(holdings.attrs.get("source", ""))
    cat = catalog(s)
    rows = cat[(cat["kind"] == "membership") & (cat["subject"] == index)] if len(cat) else cat
    file = "; ".join(sorted(set(rows["source"].astype(str)))) if len(rows) else "store"
    return uni, f"{index} membership snapshot of {snap}", file


def _last_close_day(read: pd.DataFrame, day: pd.Timestamp) -> pd.Timestamp:
    """Return the last session of the :data:`READ_DAYS` to ``day`` with any member's close.

    ``read`` holds the members' closes of a longer span ending on ``day`` (one read
    that usually holds the window too).
    """
    found = read.loc[read.index >= day - pd.Timedelta(days=READ_DAYS)].dropna(how="all")
    if len(found):
        return pd.Timestamp(found.index[-1])
    raise DataNotFound(
        f"no closes for the {INDEX} members in the {READ_DAYS} days to {day:%Y-%m-%d}; "
        "import the universe with 'capsize data import'"
    )


def _request_day(s: Session) -> pd.Timestamp:
    """Return the requested day, or the store's last bar date when none or later."""
    last = s.store.last_date()
    if last is None:
        raise DataNotFound("the store holds no prices; run 'capsize data import DIR' first")
    return last if s.requested is None else min(s.requested, last)


def _window_of(
    s: Session,
    read: pd.DataFrame,
    first: Universe,
    listed: Universe,
    start: pd.Timestamp,
    day: pd.Timestamp,
) -> pd.DataFrame:
    """Return the closes of ``listed``'s members from ``start`` to ``day`` (rows with any).

    ``read`` holds the closes of ``first``'s members over a span containing the window;
    only ``listed``'s other members (an earlier list's) are read.
    """
    keep = set(listed.members)
    rows = (read.index >= start) & (read.index <= day)
    wide = read.loc[rows, [c for c in read.columns if c in keep]]
    have = set(first.members)
    more = [t for t in listed.members if t not in have]
    if more:
        wide = pd.concat([wide, read_panel(s, more, "close", start, day)], axis=1, sort=True)
    return wide.dropna(how="all")


def _universe_day(
    s: Session, first: Universe, asked: pd.Timestamp
) -> tuple[pd.Timestamp, pd.DataFrame | None]:
    """Return the universe day and, when read, the first list's closes of a span holding its window.

    A list dated in the last 31 days may postdate the members' last close (its window
    would then be another list's): a short read finds the day. Otherwise one read of
    :data:`READ_DAYS` + 31 days finds the day and usually holds the window.
    """
    if first.snapshot_date > asked - pd.Timedelta(days=_RECENT_DAYS):
        short = read_panel(
            s, first.members, "close", asked - pd.Timedelta(days=_RECENT_DAYS), asked
        )
        short = short.dropna(how="all")
        if len(short):
            return pd.Timestamp(short.index[-1]), None
    early = asked - pd.Timedelta(days=READ_DAYS + _RECENT_DAYS)
    read = read_panel(s, first.members, "close", early, asked)
    return _last_close_day(read, asked), read


def _build(s: Session, index: str) -> UniverseFrame:
    asked = _request_day(s)
    first, what, file = member_list(s, asked, index)
    day, read = _universe_day(s, first, asked)
    listed = first
    if first.snapshot_date > day:  # the prices end before the list: take the day's list
        listed, what, file = member_list(s, day, index)
    start = day - pd.Timedelta(days=READ_DAYS)
    early = asked - pd.Timedelta(days=READ_DAYS + _RECENT_DAYS)  # where that read starts
    if read is not None and start >= early:  # the read holds the window
        wide = _window_of(s, read, first, listed, start, day)
    else:
        wide = read_panel(s, listed.members, "close", start, day).dropna(how="all")
    uni = listed.restrict(wide.columns[wide.notna().any()])
    wide = wide[list(uni.members)]
    return UniverseFrame(
        listed=listed,
        universe=uni,
        day=day,
        start=pd.Timestamp(wide.index[0]),
        closes=Panel.from_wide(wide.astype("float64"), name="close"),
        list_what=what,
        list_file=file,
        session=s,
    )


def universe_frame(s: Session, index: str = INDEX) -> UniverseFrame:
    """Return the universe of the session's day, read once per session.

    Raises
    ------
    DataNotFound
        When no member list is dated on or before the day, or the members have no
        closes in the window.
    """
    out: UniverseFrame = s.cached(("internals", "universe", index), lambda: _build(s, index))
    return out


@dataclass(frozen=True)
class UniverseAnswer(QueryResult):
    """The universe's member list on a day (see :func:`universe_members`).

    Attributes
    ----------
    index : str
        The index the list is of (``"IWM"``).
    list_date : Timestamp or None
        Date of the member list used.
    members : tuple of str
        Members with prices in the window read.
    without_prices : tuple of str
        Listed members without a close in the window.
    start : Timestamp or None
        First session of the prices read.
    list_name : str
        The list in words, with its file (``"IWM membership snapshot of 2026-07-29
        (holdings/...csv)"``).
    """

    index: str = INDEX
    list_date: pd.Timestamp | None = None
    members: tuple[str, ...] = ()
    without_prices: tuple[str, ...] = ()
    start: pd.Timestamp | None = None
    list_name: str = ""


def _member_table(fs: FigureSet, uf: UniverseFrame) -> TableData:
    listed = uf.listed
    have = set(uf.universe.members)
    rows = []
    for t in listed.members:
        w = fs.add(
            f"weight.{t}",
            as_float(listed.weights.get(t)),
            "fraction",
            f"{t} weight in the {uf.list_what}",
            source=uf.list_file,
            symbols=(t,),
            window=day_of(listed.snapshot_date),
            formula="fund weight of the member (holdings weight where the snapshot has none)",
            note="" if pd.notna(listed.weights.get(t)) else "no weight in the list",
        )
        rows.append((t, str(listed.sectors.get(t, "n/a")), w, "yes" if t in have else "no"))
    return TableData(
        "members",
        f"Members of the {uf.list_what}",
        ("Ticker", "Sector", "Weight", "Prices"),
        tuple(rows),
    )


def _counts(fs: FigureSet, uf: UniverseFrame) -> None:
    window = f"{day_of(uf.start)}..{day_of(uf.day)}"
    snap = day_of(uf.listed.snapshot_date)
    fs.add(
        "listed",
        uf.listed.n_members,
        "count",
        f"members in the {uf.list_what}",
        source=uf.list_file,
        symbols=(f"{INDEX} members",),
        window=snap,
        formula="count of equity tickers in the member list",
    )
    for fid, n, label in (
        ("with_prices", uf.universe.n_members, "members with a close in the window read"),
        ("without_prices", len(uf.universe.without_data), "members without a close there"),
    ):
        fs.add(
            fid,
            n,
            "count",
            label,
            source=uf.source,
            symbols=(f"{INDEX} members",),
            window=window,
            formula=f"count of listed members with (without) a close in the {READ_DAYS} "
            "calendar days to the universe day",
        )
    fs.add(
        "list_date",
        uf.listed.snapshot_date.toordinal(),
        "date",
        "date of the member list used",
        source=uf.list_file,
        symbols=(f"{INDEX} members",),
        window=snap,
        formula=MEMBER_LIST_RULE,
        note=snap,
    )


def universe_members(
    source: Store | Session, as_of: object | None = None, *, index: str = INDEX
) -> UniverseAnswer:
    """Return the IWM member list used on ``as_of``: the latest dated on or before it.

    Parameters
    ----------
    source : Store or Session
        Where to read.
    as_of : date-like, optional
        The day (default: the latest data). The answer is for the universe day, the
        members' last session with closes on or before it.
    index : str
        The index whose list is used (default ``"IWM"``).

    Returns
    -------
    UniverseAnswer
        Figures ``listed``, ``with_prices``, ``without_prices``, ``list_date`` and one
        ``weight.<ticker>`` per member (fraction); table ``members``.

    Raises
    ------
    DataNotFound
        When no list is dated on or before the day (the message names the first
        list's date; a later list is never used) or the members have no closes.
    """
    s = session_for(source, as_of)
    uf = universe_frame(s, index)
    fs = FigureSet(uf.day)
    _counts(fs, uf)
    table = _member_table(fs, uf)
    fresh = freshness(uf.listed.snapshot_date, uf.day, "snapshot")
    notes = [
        MEMBER_LIST_RULE,
        f"Member list used: {uf.list_what} ({uf.list_file}).",
        uf.universe.caveat,
    ]
    if fresh.stale:
        notes.append(fresh.note("Member list"))
    if s.requested is not None and uf.day < s.requested:
        notes.append(
            f"The members' prices end {day_of(uf.day)}, before the requested "
            f"{day_of(s.requested)}: the list is the one dated on or before {day_of(uf.day)}."
        )
    return UniverseAnswer(
        query="universe_members",
        as_of=uf.day,
        requested_as_of=s.requested,
        params={"index": index},
        figures=fs.mapping(),
        tables=(table,),
        notes=tuple(notes),
        sources=(uf.list_file, uf.price_source),
        index=index,
        list_date=uf.listed.snapshot_date,
        members=uf.universe.members,
        without_prices=uf.universe.without_data,
        start=uf.start,
        list_name=f"{uf.list_what} ({uf.list_file})",
    )
