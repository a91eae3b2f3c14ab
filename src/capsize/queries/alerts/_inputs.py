"""The frames alert kernels read, through one session, point in time (``AlertInputs``).

Each read happens once per evaluation and is shared by every rule (the engine's
speed comes from that and from vectorized kernels). Every frame holds only rows dated
on or before the session's requested day.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from capsize.errors import DataNotFound, InputError
from capsize.queries.watchlists import watchlist_named

if TYPE_CHECKING:
    from capsize.alerts import Rule
    from capsize.queries.session import Session
    from capsize.queries.stocks.sec import SecSource

__all__ = ["HISTORY_PAD_DAYS", "SessionInputs"]

HISTORY_PAD_DAYS = 600
"""Calendar days of universe history read before the first day evaluated (400-day
averages and the thrust's EMA warm up in it)."""

_FIELDS = ("close", "high", "low", "volume")
_Block = tuple[pd.DatetimeIndex, np.ndarray]
"""Prefetched prices: days (n_days) and values (n_days, n_symbols), column-major."""
_LEVEL_KINDS = ("index", "crypto")


def _extreme_fields(rule: Rule) -> tuple[str, ...]:
    if rule.param("field") == "intraday":
        return ("high",) if rule.param("extreme") == "high" else ("low",)
    return ("close",)


_FIELDS_OF: dict[str, Callable[[Rule], tuple[str, ...]]] = {
    "price_level": lambda r: ("close",),
    "price_ma": lambda r: ("close",),
    "rs_cross": lambda r: ("close",),
    "volume_surge": lambda r: ("volume",),
    "new_extreme": _extreme_fields,
}
"""Bars fields each price kind reads (for the shared read of :meth:`SessionInputs.prefetch`)."""


def _slice(block: _Block, syms: list[str], cols: list[int]) -> pd.DataFrame:
    """Columns ``cols`` of a block, named ``syms``, on the days any of them has a value."""
    dates, values = block
    keep: np.ndarray
    if len(cols) == 1:
        col = values[:, cols[0]]
        keep = ~np.isnan(col)
        v = col[keep].reshape(-1, 1)
    else:
        v = values[:, cols]
        keep = np.asarray(~np.isnan(v).all(axis=1))
        v = v[keep]
    index = dates.take(np.flatnonzero(keep))
    return pd.DataFrame(v, index=index, columns=pd.Index(syms, dtype=object))


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
    price_start : Timestamp, optional
        First day of the symbol prices read by :meth:`prices` (None: all history); see
        :meth:`prefetch`.
    """

    s: Session
    start: pd.Timestamp | None = None
    sec: SecSource | None = None
    rating_days: int = 14
    price_start: pd.Timestamp | None = None
    _memo: dict[tuple[Any, ...], Any] = field(default_factory=dict, repr=False)
    _wide: dict[str, tuple[list[_Block], dict[str, tuple[int, int]]]] = field(
        default_factory=dict, repr=False
    )

    def memo(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """Return ``compute()`` once per key."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    # ------------------------------------------------------------------ symbols and prices
    def symbols(self, rule: Rule) -> tuple[str, ...]:
        """Return the rule's symbols, or its watchlist's (by name, case-insensitive)."""
        if rule.watchlist is None:
            return rule.symbols
        name = rule.watchlist.lower()

        def find() -> tuple[str, ...]:
            found = watchlist_named(self.s, name)
            if found is None:
                raise DataNotFound(
                    f"rule {rule.id!r}: no watchlist named {rule.watchlist!r}; "
                    "create it or edit the rule"
                )
            return found.symbols

        out: tuple[str, ...] = self.memo(("watchlist", name), find)
        return out

    def prices(self, field: str, symbols: Sequence[str]) -> pd.DataFrame:
        """Wide ``field`` of ``symbols`` (close: the ``auto`` basis), one column each.

        A symbol the store does not hold is left out (its rule names it).
        """
        if field not in _FIELDS:
            raise InputError(f"field {field!r} is not one of {', '.join(_FIELDS)}")
        fast = self._from_wide(field, symbols)
        if fast is not None:
            return fast
        held = self.memo(("held",), lambda: frozenset(self.s.symbols()))
        syms = [x for x in dict.fromkeys(symbols) if x in held]
        if not syms:
            raise DataNotFound(f"no price data for {', '.join(symbols)} in the store")
        cols: dict[str, pd.Series] = {}
        for x in syms:
            cols[x] = self.memo(("px", field, x), partial(self._one, field, x))
        frame: pd.DataFrame = pd.concat(cols, axis=1, sort=True)
        return frame

    def _from_wide(self, field: str, symbols: Sequence[str]) -> pd.DataFrame | None:
        """Slice the prefetched blocks (None when a symbol was not prefetched).

        The rows are the days with a value for any of the symbols. A block is held
        column-major and the frame is built from arrays: a symbol rule costs a column
        read, not a pandas selection.
        """
        wide = self._wide.get(field)
        if wide is None:
            return None
        blocks, where = wide
        if any(x not in where for x in symbols):
            return None
        syms = [x for x in dict.fromkeys(symbols) if where[x][0] >= 0]
        if not syms:
            raise DataNotFound(f"no {field} data for {', '.join(symbols)} in the days read")
        placed = sorted({where[x][0] for x in syms})
        if len(placed) == 1:
            return _slice(blocks[placed[0]], syms, [where[x][1] for x in syms])
        parts = [
            _slice(blocks[b], names, [where[x][1] for x in names])
            for b in placed
            for names in [[x for x in syms if where[x][0] == b]]
        ]
        both = pd.concat(parts, axis=1, sort=True)
        return pd.DataFrame(
            both[syms].to_numpy(), index=both.index, columns=pd.Index(syms, dtype=object)
        )

    def price_column(
        self, field: str, symbol: str
    ) -> tuple[pd.DatetimeIndex, np.ndarray, int] | None:
        """Where :meth:`prefetch` put ``symbol``'s ``field``: (days, block, column), or None.

        The block has shape (n_days, n_cols), NaN where a symbol has no value; blocks
        are shared (never write to them).
        """
        wide = self._wide.get(field)
        if wide is None:
            return None
        blocks, where = wide
        b, j = where.get(symbol, (-1, -1))
        if b < 0:
            return None
        dates, values = blocks[b]
        return dates, values, j

    def _one(self, field: str, symbol: str) -> pd.Series:
        if field == "close":
            c = self.s.closes([symbol])[symbol].dropna()
        else:
            c = self.s.bars(symbol)[field].dropna()
        return c if self.price_start is None else c.loc[c.index >= self.price_start]

    def prefetch(self, rules: Sequence[Rule]) -> None:
        """Read the prices ``rules`` need in one query per field and basis (the shared read).

        Sets :attr:`price_start` from the rules' lookbacks when it is unset: the
        longest lookback plus three cool-downs, in sessions (x 1.5 as calendar days),
        so the last days are decided exactly as a full-history replay decides them.
        Rules needing all history (an all-time high) have their symbols read whole.
        """
        from capsize.alerts import kind_of

        need: dict[str, set[str]] = {}
        whole: set[str] = set()
        longest = 2
        for rule in rules:
            fields = _FIELDS_OF.get(rule.kind, ())
            if not fields:
                continue
            try:
                syms = self.symbols(rule)
            except DataNotFound:
                continue
            back = kind_of(rule.kind).lookback(rule)
            if back is None:
                whole.update(syms)
            else:
                longest = max(longest, back + 3 * int(rule.cooldown or 0))
            for f in fields(rule):
                need.setdefault(f, set()).update(syms)
        end = self.s.requested
        if self.price_start is None and end is None:
            end = self.s.store.last_date()
        if self.price_start is None and end is not None:
            self.price_start = end - pd.Timedelta(days=int(longest * 1.5) + 10)
        for f, names in need.items():
            parts = [
                *self._read_panel(f, sorted(names & whole), None),
                *self._read_panel(f, sorted(names - whole), self.price_start),
            ]
            where = dict.fromkeys(names, (-1, -1))
            blocks = []
            for b, part in enumerate(parts):  # disjoint columns, each with its own days
                where.update({str(x): (b, j) for j, x in enumerate(part.columns.tolist())})
                dates = pd.DatetimeIndex(part.index.to_numpy(dtype="datetime64[ns]"), name="date")
                blocks.append((dates, np.asfortranarray(part.to_numpy(dtype=float))))
            self._wide[f] = (blocks, where)

    def _read_panel(
        self, field: str, symbols: list[str], start: pd.Timestamp | None
    ) -> list[pd.DataFrame]:
        kinds = self.memo(("kinds",), self._kinds)
        groups: dict[Literal["adjusted", "level"], list[str]] = {}
        for x in symbols:  # a symbol the store lacks reads no row: it gets no column
            level = kinds.get(x) in _LEVEL_KINDS
            groups.setdefault("level" if level else "adjusted", []).append(x)
        out = []
        for basis, names in groups.items():
            try:
                out.append(
                    self.s.store.panel(
                        names, field=field, basis=basis, start=start, as_of=self.s.requested
                    )
                )
            except DataNotFound:
                continue
        return out

    def _kinds(self) -> dict[str, str]:
        return {x: k for k in ("stock", "etf", "index", "crypto") for x in self.s.symbols(k)}

    # ------------------------------------------------------------------ universe and flows
    def universe_closes(self) -> pd.DataFrame:
        """Return adjusted closes of the small-cap universe (the breadth section's member list)."""
        from capsize.queries.internals import universe_frame

        uf = universe_frame(self.s)
        self._memo[("universe_frame",)] = uf  # its source is named when an event asks
        if self.start is None or self.start - pd.Timedelta(days=HISTORY_PAD_DAYS) >= uf.start:
            c = uf.closes
            return pd.DataFrame(c.values, index=c.dates, columns=c.tickers)
        first = self.start - pd.Timedelta(days=HISTORY_PAD_DAYS)
        frame: pd.DataFrame = self.s.cached(
            ("alerts", "universe", first),
            lambda: self.s.store.panel(
                list(uf.universe.members),
                field="close",
                basis="adjusted",
                start=first,
                as_of=uf.day,
            ),
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
        """Return the SEC source (built once)."""
        from capsize.queries.stocks.sec import sec_source

        src: SecSource = self.memo(("sec",), lambda: self.sec if self.sec else sec_source())
        return src

    def filings(self, ticker: str) -> pd.DataFrame:
        """8-K filings of ``ticker`` dated on or before the day (SEC source)."""
        src = self.sec_source()
        client = src.client
        if client is None:
            raise DataNotFound(f"no SEC filings source ({src.label})")
        sub = self.memo(("submissions", ticker), lambda: client.submissions(ticker))
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
            kinds = self.memo(("kinds",), self._kinds)
            parts = [
                self.s.source(k, variant="level" if kinds.get(k) in _LEVEL_KINDS else "adjusted")
                for k in keys
            ]
            return "; ".join(dict.fromkeys(p for part in parts for p in part.split("; ")))
        if dataset == "universe":
            uf = self._memo.get(("universe_frame",))
            return "store universe" if uf is None else str(uf.source)
        if dataset == "fund_shares":
            return str(self._memo.get(("flow_source", keys[0]), "store fund_shares"))
        if dataset in ("sec", "rating"):
            return f"SEC: {self.sec_source().label}" + (
                "" if dataset == "sec" else "; store prices"
            )
        if dataset == "rotation":
            return "store: IWM, SPY closes; FRED DGS2; French FF3; IWM shares outstanding"
        return "store"
