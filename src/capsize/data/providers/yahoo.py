"""Yahoo Finance daily bars, dividends and splits (v8 chart JSON).

``https://query2.finance.yahoo.com/v8/finance/chart/<SYMBOL>?period1=..&period2=..&interval=1d&events=div|split``
returns, per bar, Yahoo's ``close`` (split-adjusted only: the "raw" basis) and
``adjclose`` (split- and dividend-adjusted: the "adjusted" basis), plus split
and dividend events. :func:`parse_yahoo_chart` is the pure parser;
:class:`YahooChartFetcher` downloads through the shared HTTP layer. The v7
``quote`` and v10 ``quoteSummary`` bodies are parsed by
:func:`parse_yahoo_quote` and :func:`parse_yahoo_quote_summary`.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import urllib.parse
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from capsize.data.providers._base import ProviderResult
from capsize.data.providers._http import (
    HttpFetcher,
    get_json,
    query_date,
    reject_unknown,
    user_agent,
)
from capsize.errors import EmptyDataError, InputError, ProviderError, SchemaError

__all__ = [
    "BAR_COLUMNS",
    "YAHOO_CHART_URL",
    "YahooChart",
    "YahooChartFetcher",
    "YahooChartQuery",
    "parse_yahoo_chart",
    "parse_yahoo_quote",
    "parse_yahoo_quote_summary",
]

PROVIDER = "yahoo"
YAHOO_CHART_URL = "https://query2.finance.yahoo.com/v8/finance/chart/"
BAR_COLUMNS: tuple[str, ...] = ("open", "high", "low", "close", "adj_close", "volume")
"""Columns of the standard bars frame."""

_SYMBOL_RE = re.compile(r"^\^?[A-Z0-9][A-Z0-9.\-=]{0,19}$")
_INTERVALS = ("1d", "1wk", "1mo", "3mo")
_LEVEL_TYPES = {"INDEX", "CRYPTOCURRENCY", "CURRENCY", "FUTURE"}


@dataclass(frozen=True)
class YahooChart:
    """A parsed v8 chart response.

    Attributes
    ----------
    symbol : str
        Yahoo symbol.
    raw : DataFrame of shape (n_days, 6)
        ``open, high, low, close, adj_close, volume``; ``close`` is Yahoo's
        close (split-adjusted, not dividend-adjusted), ``adj_close`` Yahoo's
        adjclose (NaN if absent). Index: exchange-local dates, tz-naive,
        named ``date``. Prices in ``meta["currency"]``, volume in shares.
    adjusted : DataFrame or None
        Same shape; ``close = adj_close`` = adjclose and open/high/low scaled
        by adjclose/close. None when Yahoo sent no adjclose.
    actions : DataFrame
        Index ``date`` (ex-date, exchange-local); columns ``kind`` (``split``
        or ``dividend``), ``value`` (split ratio new/old, or cash per share),
        ``numerator``, ``denominator`` (splits; NaN for dividends).
    meta : dict
        ``currency``, ``exchange``, ``timezone``, ``instrument_type``,
        ``interval``, ``n_null_rows`` (bars Yahoo sent empty, dropped),
        ``partial_bar_dropped`` (date or None), ``last_bar_live`` (the last
        bar is a live snapshot whose session had closed; kept),
        ``capital_gains`` (list of (date, amount); not in ``actions``).
    """

    symbol: str
    raw: pd.DataFrame
    adjusted: pd.DataFrame | None
    actions: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)


def _as_json(payload: str | bytes | Mapping[str, Any], name: str) -> Any:
    if isinstance(payload, (str, bytes)):
        try:
            return json.loads(payload)
        except ValueError as exc:
            raise ProviderError(
                f"{name}: truncated or invalid JSON from Yahoo ({exc}); try again",
                provider=PROVIDER,
            ) from None
    return payload


def _tz(meta: Mapping[str, Any]) -> dt.tzinfo:
    name = meta.get("exchangeTimezoneName")
    if isinstance(name, str):
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    offset = meta.get("gmtoffset")
    if isinstance(offset, (int, float)):
        return dt.timezone(dt.timedelta(seconds=int(offset)))
    return dt.UTC


def _local_dates(stamps: Sequence[int], tz: dt.tzinfo) -> pd.DatetimeIndex:
    idx = pd.to_datetime(pd.Series(stamps, dtype="int64"), unit="s", utc=True)
    local = idx.dt.tz_convert(tz).dt.tz_localize(None).dt.normalize()
    out = pd.DatetimeIndex(local)
    out.name = "date"
    return out


def _column(values: object, n: int, what: str, name: str) -> list[float]:
    if values is None:
        return [math.nan] * n
    if not isinstance(values, list) or len(values) != n:
        raise SchemaError(f"{name}: Yahoo '{what}' series does not match the {n} timestamps")
    return [math.nan if v is None else float(v) for v in values]


def _live_bar_state(
    meta: Mapping[str, Any], stamps: Sequence[int], tz: dt.tzinfo, now: dt.datetime | None
) -> tuple[bool, bool]:
    """Return ``(is_live_snapshot, is_partial)`` for the last bar."""
    last = stamps[-1]
    rmt = meta.get("regularMarketTime")

    def local_time(t: int) -> dt.time:
        return dt.datetime.fromtimestamp(t, tz).time()

    tod = {local_time(t) for t in stamps[:-1]}
    odd_time = bool(tod) and local_time(last) not in tod
    if not odd_time:  # Yahoo stamps a live bar with its last trade time, not the session open
        return False, False
    regular = (meta.get("currentTradingPeriod") or {}).get("regular") or {}
    start, end = regular.get("start"), regular.get("end")
    if not isinstance(start, int) or not isinstance(end, int):
        # cannot prove the session closed: treat as partial
        return True, True
    if last < start - 12 * 3600:
        return True, False  # the current period is a later session: the bar's session is over
    session_over = isinstance(rmt, int) and rmt >= end
    if now is not None:
        session_over = session_over and now.timestamp() >= end
    return True, not session_over


def parse_yahoo_chart(
    payload: str | bytes | Mapping[str, Any],
    *,
    symbol: str,
    now: dt.datetime | None = None,
    name: str | None = None,
) -> YahooChart:
    """Parse a Yahoo v8 chart response into raw bars, adjusted bars and actions.

    Parameters
    ----------
    payload : str, bytes or Mapping
        The JSON body (raw or decoded).
    symbol : str
        Requested symbol (for messages and the result).
    now : datetime, optional
        Retrieval time (UTC); a live last bar whose session had not closed by
        then is dropped as partial.
    name : str, optional
        Source (URL) for messages; defaults to the symbol.

    Returns
    -------
    YahooChart

    Raises
    ------
    EmptyDataError
        Yahoo reports an error (unknown or delisted symbol) or sends no bars.
    ProviderError
        The body is not valid JSON (truncated download).
    SchemaError
        The JSON lacks the chart layout, or series lengths disagree.

    Notes
    -----
    Timestamps are converted to dates in the exchange's time zone
    (``exchangeTimezoneName``, else the fixed ``gmtoffset``). NaN policy:
    bars whose open/high/low/close are all null are dropped and counted in
    ``meta["n_null_rows"]``; other nulls stay NaN. A repeated date keeps the
    last bar. The last bar is dropped (``meta["partial_bar_dropped"]``) when it
    is a live snapshot of a session that had not closed.
    """
    src = name or symbol
    res = _chart_result(_as_json(payload, src), symbol, src)
    meta = res.get("meta") or {}
    stamps = res["timestamp"]
    tz = _tz(meta)
    frame, has_adj = _bars_frame(res, stamps, tz, src)
    live, partial = _live_bar_state(meta, stamps, tz, now)
    partial_date: dt.date | None = None
    if partial:
        partial_date = frame.index[-1].date()
        frame = frame.iloc[:-1]
    null_rows = frame[["open", "high", "low", "close"]].isna().all(axis=1)
    frame = frame.loc[~null_rows]
    n_dup = int(frame.index.duplicated(keep="last").sum())
    frame = frame.loc[~frame.index.duplicated(keep="last")].sort_index()
    if frame.empty:
        raise EmptyDataError(f"Yahoo returned only empty bars for {symbol!r}", provider=PROVIDER)
    actions, gains = _actions(res.get("events") or {}, tz, src, symbol)
    info: dict[str, Any] = {
        "currency": meta.get("currency"),
        "exchange": meta.get("fullExchangeName") or meta.get("exchangeName"),
        "timezone": meta.get("exchangeTimezoneName"),
        "instrument_type": meta.get("instrumentType"),
        "interval": meta.get("dataGranularity"),
        "n_null_rows": int(null_rows.sum()),
        "n_duplicate_dates": n_dup,
        "partial_bar_dropped": partial_date,
        "last_bar_live": live and not partial,
        "capital_gains": gains,
    }
    adjusted = _adjusted(frame) if has_adj else None
    return YahooChart(str(meta.get("symbol") or symbol), frame, adjusted, actions, info)


def _chart_result(data: Any, symbol: str, src: str) -> Mapping[str, Any]:
    """Return the first chart result, raising when Yahoo reports an error or sent no bars."""
    chart = data.get("chart") if isinstance(data, Mapping) else None
    if not isinstance(chart, Mapping):
        raise SchemaError(f"{src}: no 'chart' object in the Yahoo response")
    error = chart.get("error")
    results = chart.get("result")
    if error or not results:
        desc = error.get("description") if isinstance(error, Mapping) else "empty result"
        raise EmptyDataError(
            f"Yahoo has no chart data for {symbol!r} ({desc}); check the symbol "
            "(indices start with ^, e.g. ^RUT) or whether it was delisted",
            provider=PROVIDER,
        )
    res = results[0]
    if not res.get("timestamp"):
        raise EmptyDataError(
            f"Yahoo returned no bars for {symbol!r} in the requested window", provider=PROVIDER
        )
    return dict(res)


def _bars_frame(
    res: Mapping[str, Any], stamps: Sequence[int], tz: dt.tzinfo, src: str
) -> tuple[pd.DataFrame, bool]:
    """Return the bars as sent (one row per timestamp) and whether adjclose was sent."""
    try:
        quote = res["indicators"]["quote"][0]
    except (KeyError, IndexError, TypeError):
        raise SchemaError(f"{src}: no indicators.quote in the Yahoo chart response") from None
    n = len(stamps)
    cols = {c: _column(quote.get(c), n, c, src) for c in ("open", "high", "low", "close", "volume")}
    adj_list = (res["indicators"].get("adjclose") or [{}])[0].get("adjclose")
    cols["adj_close"] = _column(adj_list, n, "adjclose", src)
    frame = pd.DataFrame(cols, index=_local_dates(stamps, tz), dtype="float64")
    return frame.loc[:, list(BAR_COLUMNS)], adj_list is not None


def _adjusted(frame: pd.DataFrame) -> pd.DataFrame:
    """Scale open/high/low by adjclose/close; ``close`` becomes adjclose."""
    factor = frame["adj_close"] / frame["close"]
    adjusted = frame.copy()
    for c in ("open", "high", "low"):
        adjusted[c] = frame[c] * factor
    adjusted["close"] = frame["adj_close"]
    return adjusted


def _actions(
    events: Mapping[str, Any], tz: dt.tzinfo, src: str, symbol: str
) -> tuple[pd.DataFrame, list[tuple[dt.date, float]]]:
    """Return the splits and dividends frame, and the capital gains (date, amount)."""
    rows: list[tuple[pd.Timestamp, str, float, float, float]] = []
    for item in (events.get("splits") or {}).values():
        num, den = float(item["numerator"]), float(item["denominator"])
        if den == 0:
            raise SchemaError(f"{src}: split with zero denominator for {symbol}")
        rows.append((_local_dates([int(item["date"])], tz)[0], "split", num / den, num, den))
    for item in (events.get("dividends") or {}).values():
        day = _local_dates([int(item["date"])], tz)[0]
        rows.append((day, "dividend", float(item["amount"]), math.nan, math.nan))
    actions = pd.DataFrame(rows, columns=["date", "kind", "value", "numerator", "denominator"])
    actions = actions.astype({"value": "float64", "numerator": "float64", "denominator": "float64"})
    actions = actions.set_index(pd.DatetimeIndex(actions.pop("date"), name="date")).sort_index()
    gains = [
        (_local_dates([int(g["date"])], tz)[0].date(), float(g["amount"]))
        for g in (events.get("capitalGains") or {}).values()
    ]
    return actions, sorted(gains)


def parse_yahoo_quote(
    payload: str | bytes | Mapping[str, Any], *, symbols: Sequence[str]
) -> pd.DataFrame:
    """Parse a Yahoo v7 ``quote`` response.

    Parameters
    ----------
    payload : str, bytes or Mapping
        The JSON body.
    symbols : sequence of str
        Requested symbols (for the error message).

    Returns
    -------
    DataFrame
        Index ``symbol``; columns ``name, quote_type, currency, exchange,
        price, market_cap, shares_outstanding`` (floats NaN when absent).

    Raises
    ------
    EmptyDataError
        Yahoo answered with an empty result (its answer to unknown symbols).
    """
    data = _as_json(payload, ",".join(symbols))
    resp = data.get("quoteResponse") if isinstance(data, Mapping) else None
    if not isinstance(resp, Mapping):
        raise SchemaError(f"no 'quoteResponse' in the Yahoo quote for {list(symbols)}")
    result = resp.get("result") or []
    if not result:
        raise EmptyDataError(
            f"Yahoo knows none of {list(symbols)} (empty quote result); check the symbols",
            provider=PROVIDER,
        )

    def num(q: Mapping[str, Any], key: str) -> float:
        v = q.get(key)
        return float(v) if isinstance(v, (int, float)) else math.nan

    rows = [
        {
            "symbol": q.get("symbol"),
            "name": q.get("longName") or q.get("shortName"),
            "quote_type": q.get("quoteType"),
            "currency": q.get("currency"),
            "exchange": q.get("fullExchangeName") or q.get("exchange"),
            "price": num(q, "regularMarketPrice"),
            "market_cap": num(q, "marketCap"),
            "shares_outstanding": num(q, "sharesOutstanding"),
        }
        for q in result
    ]
    return pd.DataFrame(rows).set_index("symbol")


def parse_yahoo_quote_summary(
    payload: str | bytes | Mapping[str, Any], *, symbol: str
) -> dict[str, Any]:
    """Parse a Yahoo v10 ``quoteSummary`` response into ``{module: dict}``.

    Parameters
    ----------
    payload : str, bytes or Mapping
        The JSON body (also the body of Yahoo's HTTP 404 answer).
    symbol : str
        Requested symbol (for messages).

    Returns
    -------
    dict
        Module name (``assetProfile``, ``quoteType``, ...) -> its object.

    Raises
    ------
    EmptyDataError
        Yahoo reports an error such as ``Not Found``.
    """
    data = _as_json(payload, symbol)
    summary = data.get("quoteSummary") if isinstance(data, Mapping) else None
    if not isinstance(summary, Mapping):
        raise SchemaError(f"no 'quoteSummary' in the Yahoo response for {symbol!r}")
    error = summary.get("error")
    result = summary.get("result")
    if error or not result:
        desc = error.get("description") if isinstance(error, Mapping) else "empty result"
        raise EmptyDataError(f"Yahoo has no summary for {symbol!r}: {desc}", provider=PROVIDER)
    return dict(result[0])


@dataclass(frozen=True)
class YahooChartQuery:
    """A validated chart request.

    Attributes
    ----------
    symbol : str
        Upper-case Yahoo symbol (``IWM``, ``^RUT``, ``BTC-USD``).
    start, end : datetime.date or None
        Inclusive window (None = from the first bar / up to now).
    interval : str
        ``1d`` (default), ``1wk``, ``1mo`` or ``3mo``.
    """

    symbol: str
    start: dt.date | None = None
    end: dt.date | None = None
    interval: str = "1d"

    @property
    def url(self) -> str:
        """Chart address without the query string."""
        return YAHOO_CHART_URL + urllib.parse.quote(self.symbol, safe="")

    def params(self, now: dt.datetime) -> dict[str, str]:
        """Query-string parameters (``period2`` from ``end`` or ``now``)."""
        out = {"interval": self.interval, "events": "div|split", "includeAdjustedClose": "true"}
        if self.start is None:
            out["range"] = "max"
            return out
        p1 = dt.datetime.combine(self.start, dt.time(), dt.UTC)
        p2 = (
            dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), dt.UTC)
            if self.end is not None
            else now
        )
        out["period1"] = str(int(p1.timestamp()))
        out["period2"] = str(int(p2.timestamp()))
        return out


class YahooChartFetcher(HttpFetcher[YahooChartQuery, tuple[str, Any]]):
    """Download daily bars, dividends and splits from Yahoo's v8 chart API.

    Parameters
    ----------
    client : httpx.Client, optional
        Injected client; defaults to :func:`~capsize.data.providers._http.make_client`.
    clock : callable, optional
        Current UTC time (``period2`` when no ``end``, ``retrieved_at``,
        partial-bar check).
    settings : Settings, optional
        Used only to build the default client.

    Notes
    -----
    Parameters: ``symbol``, optional ``start``, ``end`` (ISO dates),
    ``interval``. Results: ``bars`` with ``meta["basis"] == "raw"`` and, when
    Yahoo sends adjclose, ``bars`` with basis ``adjusted`` (for indices and
    crypto a single ``bars`` result with basis ``level``), then ``actions``.
    Bars outside ``start``..``end`` are removed.

    Examples
    --------
    >>> q = YahooChartFetcher().transform_query({"symbol": "^rut", "start": "2024-01-02"})
    >>> q.url, q.params(dt.datetime(2024, 2, 1, tzinfo=dt.UTC))["period1"]
    ('https://query2.finance.yahoo.com/v8/finance/chart/%5ERUT', '1704153600')
    """

    provider = PROVIDER
    cache_ttl = 900.0  # bars move during the session: a quarter of an hour

    def transform_query(self, params: Mapping[str, Any]) -> YahooChartQuery:
        """Validate ``symbol``, ``start``, ``end`` and ``interval``."""
        reject_unknown(params, {"symbol", "start", "end", "interval"}, fetcher="YahooChartFetcher")
        raw = params.get("symbol")
        symbol = raw.strip().upper() if isinstance(raw, str) else ""
        if not _SYMBOL_RE.match(symbol):
            raise InputError(
                f"symbol={raw!r} is not a Yahoo symbol like 'IWM', '^RUT' or 'BTC-USD'"
            )
        interval = params.get("interval", "1d")
        if interval not in _INTERVALS:
            raise InputError(f"interval={interval!r} must be one of {list(_INTERVALS)}")
        start = query_date(params.get("start"), name="start")
        end = query_date(params.get("end"), name="end")
        if start and end and start > end:
            raise InputError(f"start={start} is after end={end}")
        if end is not None and start is None:
            raise InputError("end= needs start= too (Yahoo's range=max has no end)")
        return YahooChartQuery(symbol, start, end, str(interval))

    def extract(self, query: YahooChartQuery) -> tuple[str, Any]:
        """Download the chart JSON; return ``(url, parsed JSON)``."""
        data, payload = get_json(
            self.client,
            query.url,
            provider=PROVIDER,
            what=f"Yahoo chart for {query.symbol}",
            params=query.params(self._clock()),
            headers={"User-Agent": f"Mozilla/5.0 (compatible; {user_agent()})"},
            not_found=(
                f"Yahoo has no chart for {query.symbol!r} (HTTP 404: unknown or delisted symbol); "
                "check the symbol"
            ),
            cache_ttl=self.cache_ttl,
        )
        return payload.url, data

    def transform(
        self, query: YahooChartQuery, raw: tuple[str, Any], *, retrieved_at: dt.datetime
    ) -> list[ProviderResult]:
        """Parse bars and actions; cut to the requested window."""
        url, data = raw
        chart = parse_yahoo_chart(data, symbol=query.symbol, now=retrieved_at, name=url)

        def window(frame: pd.DataFrame) -> pd.DataFrame:
            if query.start is not None:
                frame = frame.loc[frame.index >= pd.Timestamp(query.start)]
            if query.end is not None:
                frame = frame.loc[frame.index <= pd.Timestamp(query.end)]
            return frame

        source = f"{PROVIDER} {url}"
        base = {"symbol": query.symbol, **chart.meta}
        level = str(chart.meta.get("instrument_type") or "").upper() in _LEVEL_TYPES
        results: list[ProviderResult] = []
        frames = [("level" if level else "raw", chart.raw)]
        if not level and chart.adjusted is not None:
            frames.append(("adjusted", chart.adjusted))
        for basis, frame in frames:
            meta = {**base, "basis": basis}
            results.append(
                ProviderResult("bars", query.symbol, window(frame), source, retrieved_at, meta)
            )
        if results[0].frame.empty:
            raise EmptyDataError(
                f"Yahoo returned no bars for {query.symbol!r} "
                f"between {query.start} and {query.end}",
                provider=PROVIDER,
            )
        actions = window(chart.actions)
        results.append(ProviderResult("actions", query.symbol, actions, source, retrieved_at, base))
        return results
