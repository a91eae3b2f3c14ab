"""The small-cap universe: index members with weights, their history and caveats.

A :class:`Universe` is built from frames the caller passes (an index fund's holdings
snapshot and, optionally, the index membership history, e.g. ``Store.holdings("IWM")``
and ``Store.membership("IWM")``); it does no I/O. Every output that uses a universe
must show :attr:`Universe.caveat`: the member list is a recent snapshot applied to all
history, so it suffers survivorship bias.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from capsize.errors import DataNotFound, InputError, SchemaError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from capsize._typing import DateLike

__all__ = ["SURVIVORSHIP_CAVEAT", "Universe", "membership_history"]

SURVIVORSHIP_CAVEAT = (
    "Survivorship bias: the universe is the {name} member list of {snapshot} applied to all "
    "history, and only names still quoted today have prices ({with_data} of {members} members); "
    "stocks that left the index or were delisted are missing, so history overstates the "
    "breadth and returns of small caps."
)

_HOLDINGS_COLUMNS = ("ticker", "weight")
_MEMBERSHIP_COLUMNS = ("snapshot_date", "ticker")


def _clean_tickers(s: pd.Series) -> pd.Series:
    t = s.astype("string").str.strip().str.upper()
    return t.where(t.notna() & (t != "") & (t != "-"))


@dataclass(frozen=True)
class Universe:
    """Members of an index at one snapshot, with weights, history and caveat.

    Attributes
    ----------
    name : str
        Index or fund the members come from (``"IWM"``).
    members : tuple of str
        Sorted member tickers (equities only).
    weights : Series
        Ticker -> weight in the fund, fraction (NaN when the snapshot has none).
    sectors : Series
        Ticker -> sector (``"n/a"`` when unknown).
    snapshot_date : Timestamp
        Date of the member list.
    snapshot_source : str
        ``"holdings"`` or ``"membership"`` (which frame gave the member list).
    history : DataFrame
        Membership history, columns ``snapshot_date, ticker, weight`` (may be empty).
    without_data : tuple of str
        Members dropped by :meth:`restrict` because they have no prices.
    """

    name: str
    members: tuple[str, ...]
    weights: pd.Series
    sectors: pd.Series
    snapshot_date: pd.Timestamp
    snapshot_source: str
    history: pd.DataFrame = field(repr=False)
    without_data: tuple[str, ...] = ()

    @classmethod
    def from_frames(
        cls,
        holdings: pd.DataFrame | None,
        membership: pd.DataFrame | None = None,
        *,
        name: str = "IWM",
        as_of: DateLike | None = None,
    ) -> Universe:
        """Build the universe from a holdings snapshot and/or a membership history.

        Parameters
        ----------
        holdings : DataFrame or None
            Columns ``ticker, weight`` (fraction) and optionally ``sector``,
            ``asset_class``; ``attrs["as_of"]`` or an ``as_of`` column gives its date.
            Only equity rows with a real ticker are kept.
        membership : DataFrame, optional
            Columns ``snapshot_date, ticker`` and optionally ``weight`` (fraction, or
            percent when a snapshot's weights sum above 1.5).
        name : str
            Index name for provenance and the caveat.
        as_of : date-like, optional
            Use the latest snapshot dated on or before this day (default: the latest).

        Returns
        -------
        Universe
            Members from the most recent snapshot among the two frames; weights and
            sectors from the holdings where the snapshot has none.
        """
        cutoff = pd.Timestamp(as_of) if as_of is not None else None
        hold = _holdings(holdings) if holdings is not None else None
        hist = _membership(membership) if membership is not None else _empty_history()
        if cutoff is not None:
            hist = hist[hist["snapshot_date"] <= cutoff]
            if hold is not None and hold[1] > cutoff:
                hold = None
        if hold is None and hist.empty:
            when = f" on or before {cutoff.date()}" if cutoff is not None else ""
            raise DataNotFound(
                f"no {name} holdings or membership snapshot{when}; import the holdings files"
            )
        h_frame, h_date = hold if hold is not None else (None, pd.Timestamp.min)
        m_date = hist["snapshot_date"].max() if not hist.empty else pd.Timestamp.min
        if h_frame is not None and h_date >= m_date:
            members = h_frame["ticker"]
            weights = h_frame.set_index("ticker")["weight"]
            snap, source = h_date, "holdings"
        else:
            snap_rows = hist[hist["snapshot_date"] == m_date]
            members = snap_rows["ticker"]
            weights = snap_rows.set_index("ticker")["weight"]
            snap, source = m_date, "membership"
            if weights.isna().all() and h_frame is not None:
                weights = h_frame.set_index("ticker")["weight"].reindex(weights.index)
        tickers = tuple(sorted(set(members)))
        weights = weights[~weights.index.duplicated()].reindex(list(tickers)).astype("float64")
        if h_frame is not None and "sector" in h_frame:
            sectors = h_frame.set_index("ticker")["sector"]
            sectors = sectors[~sectors.index.duplicated()].reindex(list(tickers)).fillna("n/a")
        else:
            sectors = pd.Series("n/a", index=list(tickers), dtype="object")
        return cls(
            name=name,
            members=tickers,
            weights=weights.rename("weight"),
            sectors=sectors.astype("object").rename("sector"),
            snapshot_date=pd.Timestamp(snap),
            snapshot_source=source,
            history=hist.reset_index(drop=True),
        )

    @property
    def n_members(self) -> int:
        """Number of members with prices (after :meth:`restrict`)."""
        return len(self.members)

    @property
    def n_listed(self) -> int:
        """Number of members in the snapshot, with or without prices."""
        return len(self.members) + len(self.without_data)

    @property
    def caveat(self) -> str:
        """The survivorship caveat every output using this universe must show."""
        return SURVIVORSHIP_CAVEAT.format(
            name=self.name,
            snapshot=self.snapshot_date.strftime("%Y-%m-%d"),
            with_data=f"{self.n_members:,}",
            members=f"{self.n_listed:,}",
        )

    def restrict(self, available: Iterable[str]) -> Universe:
        """Keep the members that have data; the others go to :attr:`without_data`."""
        have = {str(t).upper() for t in available}
        keep = tuple(t for t in self.members if t in have)
        dropped = tuple(sorted(set(self.without_data) | {t for t in self.members if t not in have}))
        if not keep:
            raise DataNotFound(
                f"none of the {self.n_listed} {self.name} members has prices; "
                "import the universe with 'capsize data import'"
            )
        return Universe(
            name=self.name,
            members=keep,
            weights=self.weights.reindex(list(keep)),
            sectors=self.sectors.reindex(list(keep)),
            snapshot_date=self.snapshot_date,
            snapshot_source=self.snapshot_source,
            history=self.history,
            without_data=dropped,
        )

    def members_on(self, date: DateLike) -> tuple[str, ...]:
        """Members in the latest history snapshot on or before ``date``.

        Raises
        ------
        DataNotFound
            When the history has no snapshot that early (membership before the first
            snapshot is unknown).
        """
        ts = pd.Timestamp(date)
        h = self.history[self.history["snapshot_date"] <= ts]
        if h.empty:
            first = self.history["snapshot_date"].min().date() if not self.history.empty else "none"
            raise DataNotFound(
                f"{self.name} membership on {ts.date()} is unknown (first snapshot: {first})"
            )
        last = h["snapshot_date"].max()
        return tuple(sorted(h.loc[h["snapshot_date"] == last, "ticker"]))

    def normalized_weights(self) -> pd.Series:
        """Weights rescaled to sum to 1 over members with a weight (NaN stays NaN)."""
        total = float(self.weights.sum(skipna=True))
        if not np.isfinite(total) or total <= 0:
            raise InputError(f"the {self.name} snapshot has no weights to normalize")
        return self.weights / total

    def describe(self) -> str:
        """One line: name, snapshot and member counts."""
        return (
            f"{self.name} members as of {self.snapshot_date.strftime('%Y-%m-%d')} "
            f"({self.snapshot_source}): {self.n_members:,} with prices of {self.n_listed:,}"
        )


def _holdings(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.Timestamp]:
    missing = [c for c in _HOLDINGS_COLUMNS if c not in frame.columns]
    if missing:
        raise SchemaError(f"holdings frame lacks columns {missing}; it has {list(frame.columns)}")
    raw_date = frame.attrs.get("as_of")
    if raw_date is None and "as_of" in frame.columns and len(frame):
        raw_date = frame["as_of"].max()
    if raw_date is None:
        raise SchemaError("holdings frame has no date: set attrs['as_of'] or an 'as_of' column")
    df = frame.copy()
    df["ticker"] = _clean_tickers(df["ticker"])
    if "asset_class" in df.columns:
        df = df[df["asset_class"].astype("string").str.lower() == "equity"]
    df = df[df["ticker"].notna()]
    df["ticker"] = df["ticker"].astype(str)
    df["weight"] = pd.to_numeric(df["weight"], errors="coerce")
    if df["ticker"].duplicated().any():
        # one ticker on several lines (e.g. share lots): one member, weights added
        agg = {c: "first" for c in df.columns if c not in ("ticker", "weight")}
        agg["weight"] = "sum"
        df = df.groupby("ticker", as_index=False, sort=False).agg(agg)
    return df.reset_index(drop=True), pd.Timestamp(raw_date)


def _empty_history() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "snapshot_date": pd.Series([], dtype="datetime64[ns]"),
            "ticker": pd.Series([], dtype="object"),
            "weight": pd.Series([], dtype="float64"),
        }
    )


def membership_history(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a membership frame as :meth:`Universe.from_frames` reads it.

    Tickers cleaned (rows without one dropped), one row per snapshot and ticker, a
    snapshot's percent weights (summing above 1.5) turned into fractions, sorted by
    date then ticker. The cleaning is per snapshot: the rows of one snapshot give the
    same rows alone as among the others.

    Parameters
    ----------
    frame : DataFrame
        Columns ``snapshot_date, ticker`` and optionally ``weight``.
    """
    return _membership(frame)


def _membership(frame: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in _MEMBERSHIP_COLUMNS if c not in frame.columns]
    if missing:
        raise SchemaError(f"membership frame lacks columns {missing}; it has {list(frame.columns)}")
    df = pd.DataFrame(
        {
            "snapshot_date": pd.to_datetime(frame["snapshot_date"]).astype("datetime64[ns]"),
            "ticker": _clean_tickers(frame["ticker"]),
            "weight": pd.to_numeric(frame["weight"], errors="coerce")
            if "weight" in frame.columns
            else np.nan,
        }
    )
    df = df[df["ticker"].notna()].copy()
    df["ticker"] = df["ticker"].astype(str)
    df = df.drop_duplicates(["snapshot_date", "ticker"])
    sums = df.groupby("snapshot_date")["weight"].transform("sum")
    df["weight"] = df["weight"].where(sums <= 1.5, df["weight"] / 100.0)
    return df.sort_values(["snapshot_date", "ticker"]).reset_index(drop=True)
