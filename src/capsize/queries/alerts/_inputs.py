"""The frames alert kernels read, through one session, point in time (``AlertInputs``).

Each read happens once per evaluation and is shared by every rule (the engine's
speed comes from that and from vectorized kernels). Every frame holds only rows dated
on or before the session's requested day.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from capsize.data import userdata
from capsize.errors import DataNotFound, InputError

if TYPE_CHECKING:
    from capsize.alerts import Rule
    from capsize.queries.session import Session
    from capsize.queries.stocks.sec import SecSource

__all__ = ["HISTORY_PAD_DAYS", "SessionInputs"]

HISTORY_PAD_DAYS = 600
"""Calendar days of universe history read before the first day evaluated (400-day
averages and the thrust's EMA warm up in it)."""

_FIELDS = ("close", "high", "low", "volume")


@dataclass
class SessionInputs:
    """:class:`capsize.alerts.AlertInputs` over a :class:`Session`.

    Parameters
    ----------
    s : Session
        Point-in-time reads.
    start : Timestamp, optional
        First day the caller will look at (a replay's ``since``); universe reads start
        :data:`HISTORY_PAD_DAYS` before it. None: the breadth section's window.
    sec : SecSource, optional
        Where 8-K filings come from (None: :func:`~capsize.queries.stocks.sec.sec_source`).
    rating_days : int
        Calendar days of weekly rating evaluations before the day (live evaluation).
    """

    s: Session
    start: pd.Timestamp | None = None
    sec: SecSource | None = None
    rating_days: int = 14
    _memo: dict[tuple[Any, ...], Any] = field(default_factory=dict, repr=False)

    def memo(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """Return ``compute()`` once per key."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    # ------------------------------------------------------------------ symbols and prices
    def symbols(self, rule: Rule) -> tuple[str, ...]:
        """The rule's symbols, or its watchlist's (by name, case-insensitive)."""
        if rule.watchlist is None:
            return rule.symbols
        name = rule.watchlist.lower()

        def find() -> tuple[str, ...]:
            for w in userdata.list_watchlists(self.s.store):
                if w.name.lower() == name:
                    return w.symbols
            raise DataNotFound(
                f"rule {rule.id!r}: no watchlist named {rule.watchlist!r}; create it or edit the rule"
            )

        out: tuple[str, ...] = self.memo(("watchlist", name), find)
        return out

    def prices(self, field: str, symbols: Sequence[str]) -> pd.DataFrame:
        """Wide ``field`` of ``symbols`` (close: the ``auto`` basis), one column each.

        A symbol the store does not hold is left out (its rule names it).
        """
        if field not in _FIELDS:
            raise InputError(f"field {field!r} is not one of {', '.join(_FIELDS)}")
        held = self.memo(("held",), lambda: frozenset(self.s.symbols()))
        syms = [x for x in dict.fromkeys(symbols) if x in held]
        if not syms:
            raise DataNotFound(f"no price data for {', '.join(symbols)} in the store")
        cols = {x: self.memo(("px", field, x), lambda x=x: self._one(field, x)) for x in syms}
        return pd.concat(cols, axis=1).sort_index()

    def _one(self, field: str, symbol: str) -> pd.Series:
        if field == "close":
            return self.s.closes([symbol])[symbol].dropna()
        bars = self.s.bars(symbol)
        return bars[field].dropna()

    # ------------------------------------------------------------------ universe and flows
    def universe_closes(self) -> pd.DataFrame:
        """Adjusted closes of the small-cap universe (the breadth section's member list)."""
        from capsize.queries.internals import universe_frame

        uf = universe_frame(self.s)
        self._memo[("universe_source",)] = uf.source
        if self.start is None or self.start - pd.Timedelta(days=HISTORY_PAD_DAYS) >= uf.start:
            c = uf.closes
            return pd.DataFrame(c.values, index=c.dates, columns=c.tickers)
        frame: pd.DataFrame = self.s.store.panel(
            list(uf.universe.members),
            field="close",
            basis="adjusted",
            start=self.start - pd.Timedelta(days=HISTORY_PAD_DAYS),
            as_of=uf.day,
        )
        return frame

    def segment_flows(self, segment: str) -> pd.Series:
        """Usable daily flows (USD) of the segment's funds, summed per date."""
        from capsize.analytics import flows as FL
        from capsize.rules.flow_funds import segment_funds

        def read() -> pd.DataFrame:
            shares = self.s.fund_shares()
            if shares.empty:
                raise DataNotFound("no fund share counts in the store on or before the day")
            return FL.daily_flows(shares)

        daily: pd.DataFrame = self.memo(("daily_flows",), read)
        funds = [f.upper() for f in segment_funds(self.s.settings.segments).get(segment, ())]
        rows = daily[daily["fund"].isin(funds) & daily["flow"].notna()]
        if rows.empty:
            raise DataNotFound(
                f"no usable flows of the {segment}-cap funds ({', '.join(funds) or 'none'}) "
                "on or before the day"
            )
        self._memo[("flow_source", segment)] = "; ".join(sorted(set(rows["source"].astype(str))))
        out = rows.groupby("date")["flow"].sum().sort_index()
        out.index = pd.DatetimeIndex(out.index, name="date")
        return out

    # ------------------------------------------------------------------ filings, scores, ratings
    def sec_source(self) -> SecSource:
        """The SEC source (built once)."""
        from capsize.queries.stocks.sec import sec_source

        src: SecSource = self.memo(("sec",), lambda: self.sec if self.sec else sec_source())
        return src

    def filings(self, ticker: str) -> pd.DataFrame:
        """8-K filings of ``ticker`` dated on or before the day (SEC source)."""
        src = self.sec_source()
        if src.client is None:
            raise DataNotFound(f"no SEC filings source ({src.label})")
        sub = self.memo(("submissions", ticker), lambda: src.client.submissions(ticker))
        frame: pd.DataFrame = sub.frame
        day = self.s.requested
        if day is not None:
            frame = frame.loc[pd.to_datetime(frame["filing_date"]) <= day]
        return frame

    def rotation_scores(self) -> pd.Series:
        """Month-end rotation scores, each with only the data available that day."""
        from capsize.queries.alerts._scores import rotation_scores

        out: pd.Series = self.memo(("rotation",), lambda: rotation_scores(self.s, self.start))
        return out

    def rating_states(self, symbols: Sequence[str], field: str) -> pd.DataFrame:
        """Rating card ``field`` on each week's last session (since ``start``)."""
        from capsize.queries.alerts._scores import rating_states

        return rating_states(self, symbols, field)  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ provenance
    def source(self, dataset: str, *keys: str) -> str:
        """Source files behind ``keys`` (``bars``, ``universe``, ``fund_shares``, ``sec``...)."""
        if dataset == "bars":
            return self.s.source(*keys)
        if dataset == "universe":
            return str(self._memo.get(("universe_source",), "store universe"))
        if dataset == "fund_shares":
            return str(self._memo.get(("flow_source", keys[0]), "store fund_shares"))
        if dataset in ("sec", "rating"):
            return f"SEC: {self.sec_source().label}" + (
                "" if dataset == "sec" else "; store prices"
            )
        if dataset == "rotation":
            return "store: IWM, SPY closes; FRED DGS2; French FF3; IWM shares outstanding"
        return "store"
