"""The ``catalysts`` question: dated 8-K events and XBRL share-count jumps of some stocks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from capsize.errors import DataNotFound, InputError, ProviderError
from capsize.queries.result import Cell, FigureSet, QueryResult, TableData
from capsize.queries.session import parse_as_of, session_for
from capsize.queries.stocks.sec import SecSource, sec_source
from capsize.stocks.catalysts import catalyst_feed, timeline
from capsize.stocks.evidence import short_reason
from capsize.stocks.fundamentals import share_history

if TYPE_CHECKING:
    from capsize.data.store import Store
    from capsize.queries.session import Session

__all__ = ["CATEGORIES", "CatalystsResult", "catalysts"]

CATEGORIES: tuple[str, ...] = (
    "capital",
    "listing",
    "deal",
    "distress",
    "dilution",
    "unknown",
    "other",
)
"""Event categories; ``other`` (routine 8-Ks: results, votes, officers) only with ``include_other``."""

_COLUMNS = ("date", "ticker", "event", "category", "label", "items", "form", "accession", "detail")


@dataclass(frozen=True)
class CatalystsResult(QueryResult):
    """Answer of :func:`catalysts`.

    Table ``events`` (newest first: filing date, ticker, event, category, label, 8-K
    items, form, accession, detail). Figures ``events`` (count) and ``TICKER.events``.
    Notes name each ticker or dataset that could not be read, and why.

    Attributes
    ----------
    errors : Mapping[str, str]
        Ticker (or ``"TICKER (XBRL shares)"``) -> why it could not be read.
    """

    errors: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Read:
    timelines: dict[str, pd.DataFrame]
    errors: dict[str, str]
    sources: dict[str, list[str]]
    last_filed: list[pd.Timestamp]


def _read(
    client: Any,
    tickers: Sequence[str],
    at: pd.Timestamp | None,
    since: pd.Timestamp | None,
    other: bool,
) -> _Read:
    out = _Read({}, {}, {}, [])
    for t in tickers:
        try:
            sub = client.submissions(t)
        except (ProviderError, InputError) as exc:
            out.errors[t] = str(exc)
            continue
        shares = None
        out.sources[t] = [str(sub.source)]
        filed = sub.frame["filing_date"]
        filed = filed.loc[filed <= at] if at is not None else filed
        if len(filed):
            out.last_filed.append(pd.Timestamp(filed.max()))
        try:
            facts = client.company_facts(t)
            shares = share_history(facts.frame, as_of=at)
            out.sources[t].append(str(facts.source))
        except (ProviderError, InputError) as exc:
            out.errors[f"{t} (XBRL shares)"] = str(exc)
        out.timelines[t] = timeline(
            sub.frame, shares, ticker=t, as_of=at, since=since, include_other=other
        )
    return out


def _rows(feed: pd.DataFrame) -> tuple[tuple[Cell, ...], ...]:
    def cell(col: str, v: Any) -> Cell:
        if col == "date":
            return f"{pd.Timestamp(v):%Y-%m-%d}"
        return None if v is None or (isinstance(v, float) and v != v) or v == "" else str(v)

    return tuple(tuple(cell(c, r[c]) for c in _COLUMNS) for r in feed.to_dict("records"))


def catalysts(
    source: Store | Session | None,
    as_of: object | None = None,
    *,
    tickers: Sequence[str],
    since: object | None = None,
    include_other: bool = False,
    sec: SecSource | None = None,
) -> CatalystsResult:
    """8-K catalysts (reverse splits, listing notices, deals, bankruptcy) and XBRL share jumps.

    Parameters
    ----------
    source : Store, Session or None
        Filings come from ``sec``, not the store: a session only fixes the day, and
        None (no store at all) is accepted.
    as_of : date-like, optional
        Only filings dated on or before it (default: every filing).
    tickers : sequence of str
        One ticker (a timeline) or several (a feed).
    since : date-like, optional
        Only events on or after it.
    include_other : bool
        Include routine 8-Ks (results, votes, officers).
    sec : SecSource, optional
        Where filings come from (default: :func:`~capsize.queries.stocks.sec.sec_source`).

    Returns
    -------
    CatalystsResult

    Raises
    ------
    InputError
        No ticker given, or a bad date.
    DataNotFound
        When no ticker's filings could be read (the message says why, per ticker).
    """
    day = session_for(source, as_of).requested if source is not None else parse_as_of(as_of)
    names = list(dict.fromkeys(str(t).strip().upper() for t in tickers if str(t).strip()))
    if not names:
        raise InputError("give at least one ticker, e.g. 'capsize catalysts UNCY'")
    start = parse_as_of(since, "since")
    src = sec if sec is not None else sec_source()
    if src.client is None:
        raise InputError("catalysts read SEC filings; pass an SEC source (sec_source())")
    got = _read(src.client, names, day, start, include_other)
    if not got.timelines:
        raise DataNotFound("; ".join(f"{k}: {short_reason(v, 160)}" for k, v in got.errors.items()))
    feed = catalyst_feed(got.timelines, categories=CATEGORIES if include_other else None)
    # the window's end: the day asked for, else the last filing read
    answer_as_of = day if day is not None else max(got.last_filed, default=None)
    if answer_as_of is None:
        raise DataNotFound(f"no filings of {', '.join(names)} in the SEC data ({src.label})")
    fs = FigureSet(answer_as_of)
    window = f"{'' if start is None else f'{start:%Y-%m-%d}'}..{answer_as_of:%Y-%m-%d}"
    kinds = "all 8-K events" if include_other else "8-K catalysts other than routine filings"
    fs.add(
        "events",
        len(feed),
        "count",
        f"{kinds} and XBRL share jumps",
        source="; ".join(p for t in names for p in got.sources.get(t, [])),
        symbols=names,
        window=window,
        formula="events of capsize.stocks.catalysts.EVENT_RULES, by filing date",
    )
    for t in names:
        if t in got.timelines:
            fs.add(
                f"{t}.events",
                int((feed["ticker"] == t).sum()) if len(feed) else 0,
                "count",
                f"{t}: {kinds} and XBRL share jumps",
                source="; ".join(got.sources[t]),
                symbols=(t,),
                window=window,
                formula="events of capsize.stocks.catalysts.EVENT_RULES, by filing date",
            )
    notes = [
        f"filings: {src.label}",
        *(f"{k}: {short_reason(v, 160)}" for k, v in got.errors.items()),
    ]
    notes.append("Dates are filing dates (the day the market could know), not report dates.")
    return CatalystsResult(
        query="catalysts",
        as_of=answer_as_of,
        requested_as_of=day,
        params={
            "tickers": names,
            "since": None if start is None else f"{start:%Y-%m-%d}",
            "include_other": include_other,
            "sec": src.label,
        },
        figures=fs.mapping(),
        tables=(TableData("events", "Catalyst events, newest first", _COLUMNS, _rows(feed)),),
        notes=tuple(notes),
        sources=(*(p for t in names for p in got.sources.get(t, [])), f"SEC: {src.label}"),
        errors=dict(got.errors),
    )
