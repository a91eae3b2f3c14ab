"""Shared pieces of the performance queries: symbols, closes by basis, sources, windows, notes.

Window convention (every performance question, every front end)
----------------------------------------------------------------
A window has a start and an end. The **base** is the last close on or before the
start (YTD: the last close of the previous year), the **end** is the last close on or
before the end (default: the as-of day); a return is ``end close / base close - 1`` and
daily returns are those *after* the base, up to the end. :data:`CONVENTION` states it
for notes and ``--help``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import pandas as pd

from capsize.analytics import performance as P
from capsize.errors import CapsizeError, DataNotFound, InputError
from capsize.queries.result import Figure, FigureSet, iso
from capsize.queries.session import Session
from capsize.rules.staleness import MAX_AGE_DAYS, freshness
from capsize.segments import SegmentSet, default_segments

if TYPE_CHECKING:
    from capsize.queries.result import Unit

__all__ = [
    "CONVENTION",
    "CORE_LARGE",
    "CORE_SMALL",
    "DAILY_LIMIT",
    "LARGE_INDEX",
    "SMALL_INDEX",
    "STANDARD_WINDOWS",
    "Prices",
    "after_data_note",
    "basis_source",
    "check_start",
    "configured_segments",
    "custom_window",
    "date_figure",
    "day_text",
    "load_many",
    "load_prices",
    "narrowed",
    "no_data_error",
    "number_figure",
    "ordinal",
    "return_figure",
    "sources_of",
    "span",
    "stale_note",
    "standard_window",
    "upper_symbols",
]

CORE_SMALL = "IWM"
"""Small-cap core proxy (Russell 2000 ETF)."""
CORE_LARGE = "SPY"
"""Large-cap core proxy (S&P 500 ETF)."""
SMALL_INDEX = "^RUT"
LARGE_INDEX = "^GSPC"

DAILY_LIMIT = MAX_AGE_DAYS["daily"]
"""Calendar days a base or end close may lag its requested day (the one staleness rule)."""

CONVENTION = (
    "return = end close / base close - 1; base = last close on or before the window start "
    "(YTD: last close of the previous year); end = last close on or before the window end "
    "(default: the as-of date); daily returns are those after the base"
)
"""The one window convention of every performance answer, in words."""

STANDARD_WINDOWS: tuple[str, ...] = (
    "1D",
    "1W",
    "1M",
    "3M",
    "6M",
    "MTD",
    "QTD",
    "YTD",
    "1Y",
    "3Y",
    "5Y",
)
"""Window keys every performance query understands (1D: from the previous session)."""


def upper_symbols(symbols: Iterable[str]) -> list[str]:
    """Symbols as the store spells them: stripped and upper-cased (``iwm`` -> ``IWM``)."""
    return [s.strip().upper() for s in symbols if s.strip()]


def day_text(ts: object) -> str:
    """ISO date, or ``"n/a"`` for a missing date."""
    return iso(ts) or "n/a"


def ordinal(ts: object) -> int:
    """Proleptic Gregorian ordinal of a date (the value of a ``date`` figure)."""
    return int(pd.Timestamp(str(ts)).toordinal())


def span(first: object, last: object) -> str:
    """``"first..last"`` in ISO dates."""
    return f"{day_text(first)}..{day_text(last)}"


def configured_segments(s: Session) -> SegmentSet:
    """Return the size segments with the ``[segments]`` overrides of ``config.toml`` applied."""
    overrides = s.settings.segments
    base = default_segments()
    return base.with_overrides(overrides) if overrides else base  # type: ignore[arg-type]


def after_data_note(requested: pd.Timestamp | None, latest: object) -> str | None:
    """One line when the requested as-of is after the latest data used (None otherwise)."""
    if requested is None or latest is None:
        return None
    last = pd.Timestamp(str(latest)).normalize()
    if requested <= last:
        return None
    return (
        f"as-of {requested:%Y-%m-%d} is after the latest data ({last:%Y-%m-%d}); "
        f"figures are as of {last:%Y-%m-%d}"
    )


def stale_note(symbol: str, last: pd.Timestamp, day: pd.Timestamp) -> str | None:
    """Return the staleness rule's note when ``symbol``'s last close is too old for ``day``."""
    f = freshness(last, day, "daily")
    return f.note(symbol) if f.stale else None


def narrowed(s: Session, end: pd.Timestamp) -> Session:
    """Return a session that reads nothing after ``end`` (``s`` itself when it already does).

    Raises
    ------
    InputError
        When the session's as-of is before ``end`` (a window ending after the as-of).
    """
    if s.requested is not None and s.requested < end:
        raise InputError(
            f"the window ends {end:%Y-%m-%d}, after as_of {s.requested:%Y-%m-%d}; "
            "end the window earlier or drop as_of"
        )
    if s.requested == end:
        return s
    return Session(s.store, end, s.settings)


def no_data_error(s: Session, symbol: str) -> DataNotFound:
    """Return the error for a symbol without closes on or before the session's day."""
    if s.requested is None:
        return DataNotFound(f"no closes for {symbol} in the store; run 'capsize data import DIR'")
    try:
        first = day_text(s.store.provenance("bars", symbol).first_date)
    except CapsizeError:
        first = "n/a"
    return DataNotFound(
        f"no closes for {symbol} on or before {s.requested:%Y-%m-%d}: {symbol}'s data starts "
        f"{first}; pick a later as-of date"
    )


def basis_source(s: Session, symbol: str, basis: str) -> str:
    """Source files of one basis of ``symbol``'s bars, as held on the session's day.

    Read from the store's catalogue: files of that symbol and basis whose first row is
    on or before the session's day (so a file whose data all come later is not named).
    Without a catalogue entry (bars written directly), the session's sources.
    """
    files = _catalogued(s, symbol, basis)
    if files:
        return "; ".join(files)
    parts = s.source(symbol).split("; ")
    other = [p for p in parts if "/raw/" not in p]
    return "; ".join(other or parts)


def sources_of(texts: Iterable[str]) -> tuple[str, ...]:
    """Every file named in ``"; "``-joined source texts, once, in order."""
    out: list[str] = []
    for text in texts:
        for p in text.split("; "):
            if p and p not in out:
                out.append(p)
    return tuple(out)


@dataclass(frozen=True)
class Prices:
    """One symbol's closes on or before the session's day, by return basis.

    Attributes
    ----------
    symbol : str
        Symbol.
    basis : str
        The store's basis of its main closes: ``adjusted``, ``raw`` or ``level``.
    total, price : Series or None
        Closes for total return (adjusted; crypto levels) and price return (raw closes,
        index and crypto levels); None when the store holds no such series.
    total_source, price_source : str
        Source files of each.
    note : str or None
        What the basis means for this symbol (index level: price return only, ...).
    last : Timestamp
        Date of its last close (any basis).
    first : Timestamp
        Date of its first close (main basis).
    """

    symbol: str
    basis: str
    total: pd.Series | None
    price: pd.Series | None
    total_source: str
    price_source: str
    note: str | None
    last: pd.Timestamp
    first: pd.Timestamp

    @property
    def main(self) -> pd.Series:
        """The closes used for levels, ratios and risk (total-return closes when held)."""
        out = self.total if self.total is not None else self.price
        if out is None:  # pragma: no cover - load_prices always sets one
            raise DataNotFound(f"no closes for {self.symbol}")
        return out

    @property
    def main_source(self) -> str:
        """Source files of :attr:`main`."""
        return self.total_source if self.total is not None else self.price_source

    @property
    def word(self) -> Literal["total", "price"]:
        """``"total"`` when :attr:`main` includes dividends, else ``"price"``."""
        return "total" if self.basis == "adjusted" else "price"


_Listing = dict[str, list[tuple[str, pd.Timestamp | None, str]]]


def _bars_listing(s: Session) -> _Listing:
    """Return the store's catalogue of bars files: symbol -> [(basis, first date, file)]."""

    def read() -> _Listing:
        cat = s.store.catalog()
        cat = cat[cat["kind"] == "bars"]
        out: _Listing = {}
        for subject, variant, first, source in zip(
            cat["subject"],
            cat["variant"],
            pd.to_datetime(cat["first_date"]),
            cat["source"],
            strict=True,
        ):
            when = None if pd.isna(first) else pd.Timestamp(first)
            out.setdefault(str(subject), []).append((str(variant), when, str(source)))
        return out

    listing: _Listing = s.cached(("perf.bars_listing",), read)
    return listing


def _catalogued(s: Session, symbol: str, basis: str) -> list[str] | None:
    """Files of ``symbol``'s bars of one basis first dated on or before the day.

    None when the catalogue does not list the symbol at all (bars written directly).
    """
    entries = _bars_listing(s).get(symbol)
    if entries is None:
        return None
    day = s.requested
    return sorted(
        {
            src
            for b, first, src in entries
            if b == basis and (day is None or first is None or first <= day)
        }
    )


def _raw_closes(s: Session, symbol: str) -> pd.Series | None:
    """Raw closes of ``symbol`` (None when the store holds none on or before the day)."""
    if _catalogued(s, symbol, "raw") == []:
        return None  # the catalogue lists the symbol, but no raw closes by the day
    try:
        col = s.closes([symbol], basis="raw")[symbol].dropna()
    except DataNotFound:
        return None
    col.name = symbol
    return col if not col.empty else None


def load_prices(s: Session, symbol: str) -> Prices:
    """Read ``symbol``'s closes (once per session) and sort them by return basis.

    Raises
    ------
    DataNotFound
        When the store has no closes for ``symbol`` on or before the session's day.
    """
    return load_many(s, [symbol])[symbol]


def load_many(s: Session, symbols: Sequence[str], *, missing_ok: bool = False) -> dict[str, Prices]:
    """Read several symbols' closes in one go (once per session), by return basis.

    Parameters
    ----------
    s : Session
        The session.
    symbols : sequence of str
        Symbols the store holds.
    missing_ok : bool
        Leave out a symbol without closes on or before the day instead of raising.

    Raises
    ------
    DataNotFound
        A symbol unknown to the store, or (unless ``missing_ok``) without closes.
    """
    known: dict[str, Prices | None] = s.cached(("perf.prices",), dict)
    todo = [x for x in dict.fromkeys(symbols) if x not in known]
    if todo:
        frame = s.closes(todo)
        for x in todo:
            known[x] = _prices(s, x, frame)
    out: dict[str, Prices] = {}
    for x in symbols:
        p = known[x]
        if p is None:
            if missing_ok:
                continue
            raise no_data_error(s, x)
        out[x] = p
    return out


def _prices(s: Session, symbol: str, frame: pd.DataFrame) -> Prices | None:
    basis = str(frame.attrs.get("basis", {}).get(symbol, "adjusted"))
    col = frame[symbol].dropna()
    col.name = symbol
    if col.empty:
        return None
    src = basis_source(s, symbol, basis)
    total: pd.Series | None = None
    price: pd.Series | None = None
    note: str | None = None
    price_src = src
    if basis == "adjusted":
        total = col
        price = _raw_closes(s, symbol)
        price_src = basis_source(s, symbol, "raw")
    elif basis == "raw":
        price, note = col, f"{symbol}: only raw closes held, price return only"
    elif symbol in s.symbols("crypto"):
        total, price = col, col
        note = f"{symbol}: crypto price level; no distributions, so total = price return"
    else:
        price, note = col, f"{symbol}: index level, price return only (no dividends)"
    last = max(x.index[-1] for x in (total, price) if x is not None)
    return Prices(symbol, basis, total, price, src, price_src, note, last, col.index[0])


# --------------------------------------------------------------------------- windows

_TRAILING_KEYS = ("1W", "1M", "3M", "6M", "1Y", "3Y", "5Y")
_TO_DATE: dict[str, Callable[[pd.Timestamp], P.Window]] = {
    "MTD": P.mtd,
    "QTD": P.qtd,
    "YTD": P.ytd,
}


def standard_window(key: str, end: pd.Timestamp, calendar: pd.DatetimeIndex) -> P.Window:
    """Return the window ``key`` (a :data:`STANDARD_WINDOWS` entry) ending at ``end``.

    ``1D`` runs from the session before ``end`` on ``calendar`` (the core proxies' dates).

    Raises
    ------
    InputError
        For an unknown key.
    """
    if key == "1D":
        before = calendar[calendar < end]
        prev = before[-1] if len(before) else end
        return P.Window("between", pd.Timestamp(prev), end, f"1D to {end:%Y-%m-%d}")
    if key in _TO_DATE:
        return _TO_DATE[key](end)
    if key in _TRAILING_KEYS:
        return P.trailing(key, end)
    raise InputError(f"unknown window {key!r}; use one of {', '.join(STANDARD_WINDOWS)}")


def custom_window(
    end: pd.Timestamp,
    *,
    since: pd.Timestamp | None = None,
    between: tuple[pd.Timestamp, pd.Timestamp] | None = None,
    trough_from: pd.Timestamp | None = None,
) -> tuple[str, P.Window] | None:
    """Return the one user-dated window asked for, keyed ``since``/``between``/``trough``, or None.

    Raises
    ------
    InputError
        When more than one is given, or a start is after ``end``.
    """
    given = [k for k, v in (("since", since), ("between", between), ("trough", trough_from)) if v]
    if len(given) > 1:
        raise InputError("choose one of since, between, trough_from (one window at a time)")
    if since is not None:
        return "since", P.since(since, end)
    if between is not None:
        return "between", P.between(*between)
    if trough_from is not None:
        return "trough", P.trough_to_date(trough_from, end)
    return None


def check_start(name: str, start: pd.Timestamp | None, latest: pd.Timestamp) -> None:
    """Refuse a window start after the latest data.

    Raises
    ------
    InputError
        Naming the option and the latest date.
    """
    if start is not None and start > latest:
        raise InputError(
            f"{name} {start:%Y-%m-%d} is after the latest data ({latest:%Y-%m-%d}); "
            "pick an earlier date"
        )


# --------------------------------------------------------------------------- figures


def return_figure(fs: FigureSet, fid: str, wr: P.WindowReturn, label: str, source: str) -> Figure:
    """Register a window return as a figure: dates used as the window, the input in the formula."""
    window = span(wr.base_date, wr.end_date) if wr.ok else wr.window.label
    return fs.add(
        fid,
        wr.value if wr.ok else None,
        "fraction",
        label,
        source=source,
        symbols=(wr.symbol,),
        window=window,
        formula=f"{wr.basis} return = end close / base close - 1 ({wr.series})",
        note=wr.reason or "",
    )


def date_figure(
    fs: FigureSet,
    fid: str,
    when: object | None,
    label: str,
    *,
    source: str,
    symbols: Sequence[str],
    window: str,
    formula: str,
    why: str = "no date",
) -> Figure:
    """Register a date as a figure (value: ordinal day; note: ISO date, or why it is missing)."""
    value: int | None
    if when is None or (not isinstance(when, str) and bool(pd.isna(when))):  # type: ignore[call-overload]
        value, note = None, why
    else:
        value, note = ordinal(when), day_text(when)
    return fs.add(
        fid,
        value,
        "date",
        label,
        source=source,
        symbols=symbols,
        window=window,
        formula=formula,
        note=note,
    )


def number_figure(
    fs: FigureSet,
    fid: str,
    value: float | int | None,
    unit: Unit,
    label: str,
    *,
    source: str,
    symbols: Sequence[str],
    window: str,
    formula: str,
    why: str = "",
) -> Figure:
    """Register a number as a figure; a NaN or None value is n/a with ``why``."""
    ok = value is not None and not (isinstance(value, float) and pd.isna(value))
    return fs.add(
        fid,
        value if ok else None,
        unit,
        label,
        source=source,
        symbols=symbols,
        window=window,
        formula=formula,
        note="" if ok else why,
    )
