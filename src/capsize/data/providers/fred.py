"""FRED (Federal Reserve Bank of St. Louis) economic series.

Two payloads are understood:

* the keyless ``fredgraph.csv`` download
  (``https://fred.stlouisfed.org/graph/fredgraph.csv?id=DGS10`` or
  ``?id=FEDFUNDS,MORTGAGE30US``), in its legacy layout (header ``DATE,<ID>``,
  missing values written ``.``) and its current layout (header
  ``observation_date,<ID>``, missing values left empty);
* the FRED API ``series/observations`` JSON (``"value": "."`` when missing).

:func:`parse_fredgraph_csv` and :func:`parse_fred_observations_json` are pure
(reused by the local importer); :class:`FredFetcher` downloads the CSV.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from capsize.data.providers._base import Clock, ProviderResult
from capsize.data.providers._http import (
    HttpFetcher,
    Payload,
    get_json,
    get_text,
    query_date,
    reject_unknown,
)
from capsize.errors import (
    EmptyDataError,
    InputError,
    ProviderError,
    SchemaError,
    UnauthorizedError,
)

if TYPE_CHECKING:
    import datetime as dt

    import httpx

    from capsize.config import Settings

__all__ = [
    "FREDGRAPH_URL",
    "FRED_API_URL",
    "FredApiFetcher",
    "FredFetcher",
    "FredQuery",
    "check_complete_csv",
    "parse_fred_observations_json",
    "parse_fredgraph_csv",
]

PROVIDER = "fred"
_SERIES_RE = re.compile(r"^[A-Z0-9_]{1,40}$")

FREDGRAPH_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv"
FRED_API_URL = "https://api.stlouisfed.org/fred/series/observations"
_DATE_HEADERS = {"date", "observation_date"}
_MISSING = {"", "."}


def _to_float(token: str, *, name: str, where: str) -> float:
    token = token.strip()
    if token in _MISSING:
        return math.nan
    try:
        return float(token)
    except ValueError:
        raise SchemaError(f"{name}: {where} has a non-numeric value {token!r}") from None


def _dates(tokens: list[str], name: str) -> pd.DatetimeIndex:
    try:
        index = pd.DatetimeIndex(pd.to_datetime(tokens, format="%Y-%m-%d"))
    except ValueError as exc:
        raise SchemaError(f"{name}: dates are not ISO YYYY-MM-DD: {exc}") from None
    index.name = "date"
    if index.has_duplicates:
        dup = index[index.duplicated()][0].date()
        raise SchemaError(f"{name}: date {dup} appears twice")
    return index


def parse_fredgraph_csv(text: str, *, name: str = "<fredgraph CSV>") -> pd.DataFrame:
    r"""Parse a FRED ``fredgraph.csv`` download.

    Parameters
    ----------
    text : str
        CSV text: header ``DATE,<ID>[,<ID>...]`` (legacy) or
        ``observation_date,<ID>[,...]`` (current), then ISO-dated rows.
    name : str, optional
        Source name used in error messages.

    Returns
    -------
    DataFrame of shape (n_dates, n_series), float64, units as published (percent for rates)
        One column per series id, tz-naive ``DatetimeIndex`` named ``date``,
        sorted ascending.

    Raises
    ------
    SchemaError
        If the header is not a FRED header (e.g. an HTML error page), a row's
        width differs from the header, a date is not ISO or repeats, or a
        value is not numeric.

    Notes
    -----
    NaN policy: ``.`` (legacy) and empty cells (current) become NaN; rows are
    kept so several series stay aligned. Callers that drop them must count
    them (as :class:`FredFetcher` does in ``meta["n_missing"]``).

    Examples
    --------
    >>> frame = parse_fredgraph_csv("DATE,DGS10\n1962-02-09,4.05\n1962-02-12,.\n")
    >>> float(frame.loc["1962-02-09", "DGS10"]), bool(frame["DGS10"].isna().iloc[1])
    (4.05, True)
    """
    if not isinstance(text, str):
        raise InputError(f"text must be str, got {type(text).__name__}; decode the download first")
    text = text.removeprefix("\ufeff")
    if text.lstrip()[:1] == "<":
        raise SchemaError(f"{name}: got an HTML/XML page, not a fredgraph CSV")
    rows = [r for r in csv.reader(io.StringIO(text)) if r and any(c.strip() for c in r)]
    if not rows:
        raise SchemaError(f"{name}: empty file; expected a header like 'observation_date,DGS10'")
    header = [c.strip() for c in rows[0]]
    if len(header) < 2 or header[0].casefold() not in _DATE_HEADERS or not all(header[1:]):
        raise SchemaError(
            f"{name}: header {','.join(header)[:60]!r} is not a FRED header "
            "('DATE,<SERIES>' or 'observation_date,<SERIES>')"
        )
    series = header[1:]
    if len(set(series)) != len(series):
        raise SchemaError(f"{name}: series ids repeat in header {header}")
    tokens: list[str] = []
    values: list[list[float]] = []
    for lineno, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise SchemaError(
                f"{name}: row {lineno} has {len(row)} fields, header has {len(header)}"
            )
        tokens.append(row[0].strip())
        values.append([_to_float(c, name=name, where=f"row {lineno}") for c in row[1:]])
    index = _dates(tokens, name)
    return pd.DataFrame(values, index=index, columns=series, dtype="float64").sort_index()


def parse_fred_observations_json(
    payload: str | bytes | Mapping[str, Any], *, series_id: str, name: str = "<FRED API JSON>"
) -> pd.DataFrame:
    r"""Parse a FRED API ``series/observations`` JSON response.

    Parameters
    ----------
    payload : str, bytes or Mapping
        The JSON body (raw or already decoded).
    series_id : str
        Column name of the result (the API body does not repeat it).
    name : str, optional
        Source name used in error messages.

    Returns
    -------
    DataFrame of shape (n_dates, 1), float64
        Column ``series_id``, tz-naive ``DatetimeIndex`` named ``date``.

    Raises
    ------
    SchemaError
        If the body is not JSON or has no ``observations`` list of
        ``{"date", "value"}`` objects.

    Notes
    -----
    NaN policy: ``"."`` becomes NaN; rows are kept.

    Examples
    --------
    >>> body = (
    ...     '{"observations":[{"date":"2023-01-02","value":"."},'
    ...     '{"date":"2023-01-03","value":"-0.74"}]}'
    ... )
    >>> parse_fred_observations_json(body, series_id="T10Y3M")["T10Y3M"].tolist()
    [nan, -0.74]
    """
    if isinstance(payload, (str, bytes)):
        try:
            data = json.loads(payload)
        except ValueError as exc:
            raise SchemaError(f"{name}: body is not valid JSON ({exc})") from None
    else:
        data = payload
    obs = data.get("observations") if isinstance(data, Mapping) else None
    if not isinstance(obs, list):
        raise SchemaError(f"{name}: no 'observations' list in the FRED API response")
    tokens: list[str] = []
    values: list[float] = []
    for i, item in enumerate(obs):
        if not isinstance(item, Mapping) or "date" not in item or "value" not in item:
            raise SchemaError(f"{name}: observation {i} lacks 'date'/'value'")
        tokens.append(str(item["date"]))
        values.append(_to_float(str(item["value"]), name=name, where=f"observation {i}"))
    index = _dates(tokens, name)
    return pd.DataFrame({series_id: values}, index=index, dtype="float64").sort_index()


@dataclass(frozen=True)
class FredQuery:
    """A validated FRED request.

    Attributes
    ----------
    series : tuple of str
        Upper-case FRED series ids (e.g. ``("DGS2", "DGS10")``).
    start, end : datetime.date or None
        Inclusive window applied after download (None = all).
    """

    series: tuple[str, ...]
    start: dt.date | None = None
    end: dt.date | None = None

    @property
    def url(self) -> str:
        """The fredgraph CSV address for all series at once."""
        return f"{FREDGRAPH_URL}?id={','.join(self.series)}"


def _fred_query(params: Mapping[str, Any], fetcher: str) -> FredQuery:
    """Validate ``series``, ``start`` and ``end`` (shared by both FRED fetchers)."""
    reject_unknown(params, {"series", "start", "end"}, fetcher=fetcher)
    raw = params.get("series")
    if isinstance(raw, str):
        items = [x.strip() for x in raw.split(",")]
    elif isinstance(raw, (list, tuple)) and all(isinstance(x, str) for x in raw):
        items = [x.strip() for x in raw]
    else:
        raise InputError(f"series={raw!r} must be a FRED id like 'DGS10' or a list of ids")
    ids = tuple(dict.fromkeys(x.upper() for x in items if x))
    bad = [x for x in ids if not _SERIES_RE.match(x)]
    if not ids or bad:
        raise InputError(f"series={raw!r}: {bad or 'nothing'} is not a FRED id like 'DGS10'")
    start = query_date(params.get("start"), name="start")
    end = query_date(params.get("end"), name="end")
    if start and end and start > end:
        raise InputError(f"start={start} is after end={end}")
    return FredQuery(ids, start, end)


class FredFetcher(HttpFetcher[FredQuery, Payload]):
    """Download FRED series through the keyless ``fredgraph.csv`` endpoint.

    Parameters
    ----------
    client : httpx.Client, optional
        Injected client (tests pass one built on ``httpx.MockTransport``);
        defaults to :func:`~capsize.data.providers._http.make_client`.
    clock : callable, optional
        Current UTC time for ``retrieved_at``.
    settings : Settings, optional
        Used only to build the default client.

    Notes
    -----
    Parameters: ``series`` (str, comma-separated str or list of ids),
    optional ``start`` and ``end`` (ISO dates). One :class:`ProviderResult`
    per series: dataset ``macro``, frame column ``value`` (units as published,
    percent for rates), key the series id. Missing observations (``.`` or
    empty) are dropped, never silently: ``meta["n_missing"]`` counts them and
    ``meta["missing_dates"]`` lists up to the first 20. A body without its
    final newline (a download cut inside its last line, whose last value may
    be incomplete) raises :class:`~capsize.errors.ProviderError` and is not
    cached (:func:`check_complete_csv`). In a multi-series
    download the count covers every blank cell of that column, including
    dates that exist only for another series.

    Examples
    --------
    >>> FredFetcher().transform_query({"series": "dgs10"}).url
    'https://fred.stlouisfed.org/graph/fredgraph.csv?id=DGS10'
    """

    provider = PROVIDER

    def transform_query(self, params: Mapping[str, Any]) -> FredQuery:
        """Validate ``series``, ``start`` and ``end``."""
        return _fred_query(params, "FredFetcher")

    def extract(self, query: FredQuery) -> Payload:
        """Download the CSV (HTML error pages and empty bodies raise)."""
        return get_text(
            self.client,
            query.url,
            provider=PROVIDER,
            what=f"FRED series {','.join(query.series)}",
            not_found=(
                f"FRED has no series {','.join(query.series)}; check the id on fred.stlouisfed.org"
            ),
            cache_ttl=self.cache_ttl,
        )

    def transform(
        self, query: FredQuery, raw: Payload, *, retrieved_at: dt.datetime
    ) -> list[ProviderResult]:
        """Parse the CSV and return one ``macro`` result per series."""
        text = raw.text
        check_complete_csv(text, name=raw.url)
        frame = parse_fredgraph_csv(text, name=raw.url)
        extra = {"cached": raw.cached}
        return _macro_results(query, frame, f"{PROVIDER} {raw.url}", retrieved_at, extra)


def check_complete_csv(text: str, *, name: str) -> None:
    r"""Raise when a downloaded fredgraph CSV was cut short.

    fredgraph answers end every line, the last included, with a newline. A
    body cut inside its last line still parses: ``2024-01-05,4.0`` cut from
    ``4.05``, or ``2024-01-05,`` read as a missing value. Such a body is
    refused whole (nothing of it is returned or cached).

    Parameters
    ----------
    text : str
        The decoded body.
    name : str
        URL for the message.

    Raises
    ------
    ProviderError
        The body does not end with a newline.

    Examples
    --------
    >>> check_complete_csv("DATE,DGS10\n2024-01-05,4.05\n", name="x")
    >>> try:
    ...     check_complete_csv("DATE,DGS10\n2024-01-05,4.0", name="x")
    ... except ProviderError as exc:
    ...     print(str(exc)[:42])
    x: the download was cut short: it ends ins
    """
    if text.endswith(("\n", "\r")):
        return
    lines = text.splitlines()
    last = lines[-1] if lines else ""
    raise ProviderError(
        f"{name}: the download was cut short: it ends inside line {len(lines)} ({last[:40]!r}) "
        "without its final newline; nothing was kept, try again",
        provider=PROVIDER,
    )


def _macro_results(
    query: FredQuery,
    frame: pd.DataFrame,
    source: str,
    retrieved_at: dt.datetime,
    extra: Mapping[str, Any],
) -> list[ProviderResult]:
    """Cut ``frame`` to the query window; one ``macro`` result per series, NaN rows counted."""
    absent = [s for s in query.series if s not in frame.columns]
    if absent:
        raise SchemaError(f"{source}: no column for {absent}; got {list(frame.columns)}")
    if query.start is not None:
        frame = frame.loc[frame.index >= pd.Timestamp(query.start)]
    if query.end is not None:
        frame = frame.loc[frame.index <= pd.Timestamp(query.end)]
    results: list[ProviderResult] = []
    for sid in query.series:
        col = frame[sid]
        missing = col.index[col.isna()]
        kept = col.dropna()
        if kept.empty:
            raise EmptyDataError(
                f"FRED series {sid} has no observations in the requested window "
                f"({query.start or 'start'} .. {query.end or 'end'})",
                provider=PROVIDER,
            )
        out = kept.to_frame("value")
        out.index.name = "date"
        meta = {
            "series_id": sid,
            "n_rows": len(out),
            "n_missing": len(missing),
            "missing_dates": [d.date().isoformat() for d in missing[:20]],
            "first_date": out.index[0].date(),
            "last_date": out.index[-1].date(),
            **extra,
        }
        results.append(ProviderResult("macro", sid, out, source, retrieved_at, meta))
    return results


class FredApiFetcher(HttpFetcher[FredQuery, tuple[str, Any]]):
    """Download FRED series through the keyed API (``series/observations`` JSON).

    Parameters
    ----------
    client : httpx.Client, optional
        Injected client; defaults to :func:`~capsize.data.providers._http.make_client`.
    api_key : str, optional
        FRED API key (free at fred.stlouisfed.org); required for live calls.
        It is sent as a query parameter and removed from ``source``.
    clock : callable, optional
        Current UTC time for ``retrieved_at``.
    settings : Settings, optional
        Used only to build the default client.

    Notes
    -----
    Same parameters and results as :class:`FredFetcher` (one request per
    series). ``"."`` values are dropped and counted in ``meta["n_missing"]``.
    Prefer :class:`FredFetcher`, which needs no key.
    """

    provider = PROVIDER

    def __init__(
        self,
        client: httpx.Client | None = None,
        *,
        api_key: str | None = None,
        clock: Clock | None = None,
        settings: Settings | None = None,
    ) -> None:
        super().__init__(client, clock=clock, settings=settings)
        self._api_key = api_key

    def transform_query(self, params: Mapping[str, Any]) -> FredQuery:
        """Validate like :meth:`FredFetcher.transform_query`."""
        return _fred_query(params, "FredApiFetcher")

    def extract(self, query: FredQuery) -> tuple[str, Any]:
        """Return ``(redacted source URL, {series_id: parsed JSON})``."""
        if not self._api_key:
            raise UnauthorizedError(
                "the FRED API needs an api_key (free at fred.stlouisfed.org); "
                "or use FredFetcher, which needs none",
                provider=PROVIDER,
            )
        bodies: dict[str, Any] = {}
        for sid in query.series:
            params = {"series_id": sid, "api_key": self._api_key, "file_type": "json"}
            bodies[sid], _ = get_json(
                self.client,
                FRED_API_URL,
                provider=PROVIDER,
                what=f"FRED API series {sid}",
                params=params,
                not_found=f"FRED has no series {sid}; check the id on fred.stlouisfed.org",
                cache_ttl=self.cache_ttl,
            )
        return f"{FRED_API_URL}?series_id={','.join(query.series)}", bodies

    def transform(
        self, query: FredQuery, raw: tuple[str, Any], *, retrieved_at: dt.datetime
    ) -> list[ProviderResult]:
        """Parse each series' observations into ``macro`` results."""
        url, bodies = raw
        results: list[ProviderResult] = []
        for sid in query.series:  # one response per series: count missing values per series
            frame = parse_fred_observations_json(bodies[sid], series_id=sid, name=f"{url} ({sid})")
            one = FredQuery((sid,), query.start, query.end)
            source = f"{PROVIDER} {FRED_API_URL}?series_id={sid}"
            results += _macro_results(one, frame, source, retrieved_at, {"cached": False})
        return results
