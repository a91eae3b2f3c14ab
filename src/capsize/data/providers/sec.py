"""SEC EDGAR provider: ticker/CIK map, XBRL company facts and filing lists.

Three public JSON endpoints are used, all documented by the SEC
(https://www.sec.gov/search-filings/edgar-application-programming-interfaces):

``https://www.sec.gov/files/company_tickers.json``
    ticker <-> CIK map (dataset ``sec_tickers``).
``https://data.sec.gov/api/xbrl/companyfacts/CIK##########.json``
    every XBRL fact a company filed (dataset ``sec_facts``).
``https://data.sec.gov/submissions/CIK##########.json``
    filing list with 8-K item numbers, plus overflow pages listed in
    ``filings.files`` (dataset ``sec_filings``).

Fair-access rules of the SEC are enforced here, not left to callers:

* a User-Agent naming the requester and a contact e-mail
  (``CAPSIZE_SEC_USER_AGENT="Jane Doe jane@example.com"``); live calls without
  one raise :class:`~capsize.errors.UnauthorizedError` naming the variable;
* at most 10 requests per second (:class:`RateLimiter`, 0.1 s spacing);
* retries with exponential back-off on HTTP 429/5xx and timeouts;
* an on-disk cache under ``$CAPSIZE_HOME/cache/sec`` keyed by URL path, so a
  universe is fetched once and then read offline.

Recorded responses (for tests and offline runs) are replayed by pointing
:class:`SecEdgar` at a folder with :func:`recorded_transport`; file names follow
the SEC paths (``company_tickers.json``, ``companyfacts_CIK##########*.json``,
``submissions_CIK##########*.json``).

Standard frames
---------------
``sec_tickers``
    RangeIndex; ``ticker`` (upper case), ``cik`` (int), ``title``.
``sec_facts``
    RangeIndex; ``taxonomy, concept, unit, start, end, val, accn, fy, fp, form,
    filed, frame`` (``start``/``end``/``filed`` datetime64, ``start`` NaT for
    instant facts, ``val`` float64).
``sec_filings``
    RangeIndex; ``accession, filing_date, report_date, form, items,
    primary_document`` with ``items`` a tuple of item numbers (``("3.03",
    "5.03")``; empty tuple when the filing lists none), sorted newest first.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pandas as pd

from capsize.config import Settings, load_settings
from capsize.data.providers._base import Clock, Fetcher, ProviderResult
from capsize.errors import (
    EmptyDataError,
    InputError,
    ProviderError,
    ProviderTimeout,
    RateLimitError,
    SchemaError,
    UnauthorizedError,
)

__all__ = [
    "COMPANYFACTS_URL",
    "SUBMISSIONS_URL",
    "TICKERS_URL",
    "CompanyFactsFetcher",
    "RateLimiter",
    "SecEdgar",
    "SecQuery",
    "SubmissionsFetcher",
    "TickersFetcher",
    "normalize_cik",
    "parse_company_tickers",
    "parse_companyfacts",
    "parse_submissions",
    "recorded_transport",
    "validate_user_agent",
]

logger = logging.getLogger(__name__)

PROVIDER = "sec"
TICKERS_URL = "https://www.sec.gov/files/company_tickers.json"
COMPANYFACTS_URL = "https://data.sec.gov/api/xbrl/companyfacts/CIK{cik:010d}.json"
SUBMISSIONS_URL = "https://data.sec.gov/submissions/CIK{cik:010d}.json"
SUBMISSIONS_PAGE_URL = "https://data.sec.gov/submissions/{name}"
_ENV = "CAPSIZE_SEC_USER_AGENT"
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
# Cache lifetimes, seconds: the ticker map changes slowly, filings daily.
_MAX_AGE = {"tickers": 7 * 86400.0, "facts": 86400.0, "filings": 86400.0}


def validate_user_agent(user_agent: str | None) -> str:
    """Return a User-Agent acceptable to the SEC, or raise.

    Parameters
    ----------
    user_agent : str or None
        ``"Name email@domain"`` as the SEC requires.

    Returns
    -------
    str
        The stripped User-Agent.

    Raises
    ------
    UnauthorizedError
        When missing or without an e-mail address; the message names
        ``CAPSIZE_SEC_USER_AGENT``.

    Examples
    --------
    >>> validate_user_agent("Jane Doe jane@example.com")
    'Jane Doe jane@example.com'
    """
    if not user_agent or not user_agent.strip():
        raise UnauthorizedError(
            "SEC EDGAR requires a User-Agent with your name and e-mail; set "
            f'{_ENV}="Your Name you@example.com" (or sec_user_agent in config.toml) '
            "before fetching live filings",
            provider=PROVIDER,
        )
    ua = user_agent.strip()
    if not _EMAIL.search(ua):
        raise UnauthorizedError(
            f'{_ENV}={ua!r} has no contact e-mail; the SEC requires "Your Name you@example.com"',
            provider=PROVIDER,
        )
    return ua


def normalize_cik(cik: int | str) -> int:
    """Return a CIK as an int, accepting ``"0000749647"``, ``"CIK749647"`` or ``749647``.

    Examples
    --------
    >>> normalize_cik("CIK0000749647")
    749647
    """
    if isinstance(cik, bool):
        raise InputError(f"cik={cik!r} is not a CIK; pass digits such as 749647")
    if isinstance(cik, int):
        value = cik
    else:
        text = str(cik).strip().upper().removeprefix("CIK")
        if not text.isdigit():
            raise InputError(f"cik={cik!r} is not a CIK; pass digits such as 749647")
        value = int(text)
    if value <= 0 or value >= 10**10:
        raise InputError(f"cik={cik!r} is out of range; a CIK has 1 to 10 digits")
    return value


class RateLimiter:
    """Spaces calls at least ``1 / rate`` seconds apart (SEC: 10 requests/s).

    Parameters
    ----------
    rate : float
        Maximum calls per second.
    monotonic, sleep : callable, optional
        Injected clock and sleeper (tests pass fakes).
    """

    def __init__(
        self,
        rate: float = 10.0,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not rate > 0:
            raise InputError(f"rate={rate!r} must be positive (requests per second)")
        self.interval = 1.0 / rate
        self._monotonic = monotonic
        self._sleep = sleep
        self._next = -float("inf")

    def wait(self) -> float:
        """Block until a call is allowed; return the seconds slept."""
        now = self._monotonic()
        delay = max(0.0, self._next - now)
        if delay > 0:
            self._sleep(delay)
        self._next = max(now, self._next) + self.interval
        return delay


# --------------------------------------------------------------------------- parsing


def _json(raw: bytes | str | Mapping[str, Any], what: str) -> Any:
    if isinstance(raw, Mapping):
        return raw
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise SchemaError(
            f"{what} is not JSON ({exc}); the SEC may have sent an error page"
        ) from exc


def parse_company_tickers(raw: bytes | str | Mapping[str, Any]) -> pd.DataFrame:
    """Parse ``company_tickers.json`` into the ``sec_tickers`` frame.

    Parameters
    ----------
    raw : bytes, str or Mapping
        The body, ``{"0": {"cik_str": 789019, "ticker": "MSFT", "title": ...}, ...}``.

    Returns
    -------
    DataFrame
        Columns ``ticker, cik, title``; one row per ticker (a CIK can have
        several tickers, e.g. share classes).
    """
    data = _json(raw, "company_tickers.json")
    if not isinstance(data, Mapping) or not data:
        raise SchemaError("company_tickers.json is empty or not an object keyed by row number")
    rows = []
    for entry in data.values():
        try:
            rows.append(
                (str(entry["ticker"]).upper(), int(entry["cik_str"]), str(entry.get("title", "")))
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise SchemaError(f"company_tickers.json row {entry!r} lacks cik_str/ticker") from exc
    return pd.DataFrame(rows, columns=["ticker", "cik", "title"])


_FACT_COLUMNS = [
    "taxonomy",
    "concept",
    "unit",
    "start",
    "end",
    "val",
    "accn",
    "fy",
    "fp",
    "form",
    "filed",
    "frame",
]


def parse_companyfacts(raw: bytes | str | Mapping[str, Any]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Parse a companyfacts body into the long ``sec_facts`` frame.

    Parameters
    ----------
    raw : bytes, str or Mapping
        ``{"cik", "entityName", "facts": {taxonomy: {concept: {"units": {unit: [...]}}}}}``.

    Returns
    -------
    frame : DataFrame
        One row per reported fact (duplicates across filings are kept; see
        :mod:`capsize.stocks.fundamentals` for de-duplication).
    meta : dict
        ``cik`` (int; the live API sends an int, some copies a zero-padded
        string) and ``entity_name``.

    Raises
    ------
    EmptyDataError
        When the body holds no facts (a company that files no XBRL).
    """
    data = _json(raw, "companyfacts")
    if not isinstance(data, Mapping):
        raise SchemaError("companyfacts body is not a JSON object")
    meta = {
        "cik": normalize_cik(data.get("cik") or 0) if data.get("cik") else None,
        "entity_name": str(data.get("entityName", "")),
    }
    rows: list[tuple[Any, ...]] = []
    facts = data.get("facts") or {}
    for taxonomy, concepts in facts.items():
        for concept, body in (concepts or {}).items():
            for unit, items in (body.get("units") or {}).items():
                for it in items:
                    rows.append(
                        (
                            taxonomy,
                            concept,
                            unit,
                            it.get("start"),
                            it.get("end"),
                            it.get("val"),
                            it.get("accn"),
                            it.get("fy"),
                            it.get("fp"),
                            it.get("form"),
                            it.get("filed"),
                            it.get("frame"),
                        )
                    )
    if not rows:
        raise EmptyDataError(
            f"CIK {meta['cik']} ({meta['entity_name'] or 'unknown'}) has no XBRL company facts; "
            "fundamentals cannot be assessed for it",
            provider=PROVIDER,
        )
    frame = pd.DataFrame(rows, columns=_FACT_COLUMNS)
    for col in ("start", "end", "filed"):
        frame[col] = pd.to_datetime(frame[col], errors="coerce")
    frame["val"] = pd.to_numeric(frame["val"], errors="coerce").astype("float64")
    return frame, meta


_FILING_COLUMNS = ["accession", "filing_date", "report_date", "form", "items", "primary_document"]


def _items(value: object) -> tuple[str, ...]:
    if not isinstance(value, str) or not value.strip():
        return ()
    return tuple(dict.fromkeys(p.strip() for p in value.split(",") if p.strip()))


def _columnar(block: Mapping[str, Any], what: str) -> pd.DataFrame:
    acc = block.get("accessionNumber")
    if acc is None:
        raise SchemaError(f"{what} has no accessionNumber column")
    n = len(acc)

    def col(name: str) -> list[Any]:
        values = block.get(name)
        return list(values) if values is not None and len(values) == n else [None] * n

    frame = pd.DataFrame(
        {
            "accession": acc,
            "filing_date": pd.to_datetime(col("filingDate"), errors="coerce"),
            "report_date": pd.to_datetime(col("reportDate"), errors="coerce"),
            "form": [str(f) if f is not None else "" for f in col("form")],
            "items": [_items(v) for v in col("items")],
            "primary_document": col("primaryDocument"),
        }
    )
    return frame


def parse_submissions(
    raw: bytes | str | Mapping[str, Any],
    pages: Iterable[bytes | str | Mapping[str, Any]] = (),
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Parse a submissions body (plus overflow pages) into the ``sec_filings`` frame.

    Parameters
    ----------
    raw : bytes, str or Mapping
        Main body with ``filings.recent`` in columnar form.
    pages : iterable
        Overflow pages (``CIK##########-submissions-###.json``), flat columnar.

    Returns
    -------
    frame : DataFrame
        Filings newest first, duplicates (same accession) dropped.
    meta : dict
        ``cik``, ``name``, ``tickers``, ``sic``, ``sic_description``,
        ``fiscal_year_end``, ``category``, ``pages`` (names listed in
        ``filings.files``).
    """
    data = _json(raw, "submissions")
    if not isinstance(data, Mapping) or "filings" not in data:
        raise SchemaError("submissions body has no 'filings' block")
    filings = data["filings"]
    frames = [_columnar(filings.get("recent") or {"accessionNumber": []}, "filings.recent")]
    for page in pages:
        frames.append(_columnar(_json(page, "submissions page"), "submissions page"))
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    frame = frame.drop_duplicates("accession").sort_values(
        ["filing_date", "accession"], ascending=False, kind="stable"
    )
    frame = frame.reset_index(drop=True)[_FILING_COLUMNS]
    meta = {
        "cik": normalize_cik(data["cik"]) if data.get("cik") else None,
        "name": str(data.get("name", "")),
        "tickers": [str(t).upper() for t in data.get("tickers") or []],
        "sic": str(data.get("sic") or ""),
        "sic_description": str(data.get("sicDescription") or ""),
        "fiscal_year_end": str(data.get("fiscalYearEnd") or ""),
        "category": str(data.get("category") or ""),
        "pages": [str(f.get("name")) for f in filings.get("files") or [] if f.get("name")],
    }
    return frame, meta


# --------------------------------------------------------------------------- transport


def recorded_transport(folder: str | Path) -> httpx.MockTransport:
    """Return a transport that answers SEC URLs from recorded files in ``folder``.

    File lookup (first match wins; 404 with the SEC's S3-style XML otherwise):

    * ``/files/company_tickers.json`` -> ``company_tickers.json``
    * ``/api/xbrl/companyfacts/CIK##########.json`` -> ``companyfacts_CIK##########*.json``
    * ``/submissions/CIK##########.json`` -> ``submissions_CIK##########_*.json``
      (or ``submissions_CIK##########.json``)
    * ``/submissions/CIK##########-submissions-001.json`` ->
      ``submissions_CIK##########-submissions-001*.json``

    Parameters
    ----------
    folder : path-like
        Folder of recorded bodies (e.g. ``shared/fixtures/sec``).
    """
    root = Path(folder)
    if not root.is_dir():
        raise InputError(f"recorded SEC folder {str(root)!r} does not exist")

    def find(pattern: str) -> Path | None:
        hits = sorted(root.glob(pattern))
        return hits[0] if hits else None

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        name = path.rsplit("/", 1)[-1]
        hit: Path | None = None
        if name == "company_tickers.json":
            hit = find("company_tickers.json")
        elif "/companyfacts/" in path:
            hit = find(f"companyfacts_{name.removesuffix('.json')}*.json")
        elif "/submissions/" in path:
            stem = name.removesuffix(".json")
            if "-submissions-" in stem:
                hit = find(f"submissions_{stem}*.json")
            else:
                hit = find(f"submissions_{stem}.json") or find(f"submissions_{stem}_*.json")
        if hit is None:
            body = (
                '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code>'
                f"<Message>The specified key does not exist.</Message><Key>{path}</Key></Error>"
            )
            return httpx.Response(
                404,
                text=body,
                headers={"content-type": "application/xml", "x-capsize-recorded": "missing"},
            )
        return httpx.Response(
            200, content=hit.read_bytes(), headers={"content-type": "application/json"}
        )

    return httpx.MockTransport(handler)


# --------------------------------------------------------------------------- fetchers


@dataclass(frozen=True)
class SecQuery:
    """A validated SEC request.

    Attributes
    ----------
    kind : str
        ``"tickers"``, ``"facts"`` or ``"filings"``.
    cik : int or None
        Company CIK (None for ``tickers``).
    key : str
        What the result is about (ticker or ``CIK##########``).
    """

    kind: str
    cik: int | None
    key: str


def _default_client(settings: Settings, user_agent: str | None) -> httpx.Client:
    """Shared client (``_http.make_client``) without its own cache/retries/limit.

    :class:`SecEdgar` applies the SEC's policy (cache keyed by SEC path,
    10 requests/s, retries) itself, so the shared layers are switched off here
    to avoid doing each twice.
    """
    from capsize.data.providers import _http

    return _http.make_client(
        settings, cache=False, retries=1, rate_limit=None, user_agent_string=user_agent
    )


class SecEdgar:
    """Client for SEC EDGAR JSON with user agent, rate limit, retries and cache.

    Parameters
    ----------
    settings : Settings, optional
        Supplies ``sec_user_agent``, ``http_timeout``, ``http_retries`` and
        ``cache_dir``; defaults to :func:`~capsize.config.load_settings`.
    client : httpx.Client, optional
        Injected client (tests pass one with a mock or recorded transport).
        When omitted, ``capsize.data.providers._http.make_client`` builds one.
    offline : bool
        Read only the on-disk cache / injected transport; never require a user
        agent. Used with :func:`recorded_transport`.
    cache : bool
        Read and write the on-disk cache.
    limiter : RateLimiter, optional
        Defaults to 10 requests/s.
    sleep : callable, optional
        Used for retry back-off (tests pass a no-op).
    clock : callable, optional
        Current UTC time, for cache ages and ``retrieved_at``.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        client: httpx.Client | None = None,
        offline: bool = False,
        cache: bool = True,
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Clock | None = None,
    ) -> None:
        self.settings = settings if settings is not None else load_settings()
        self.offline = offline
        self._client_given = client is not None
        self._client = client
        self._cache = cache
        self._limiter = limiter if limiter is not None else RateLimiter(10.0)
        self._sleep = sleep
        self._clock: Clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._tickers: pd.DataFrame | None = None
        self._by_ticker: dict[str, int] | None = None
        self._by_cik: dict[int, str] = {}
        self.requests_made = 0

    # -- plumbing ---------------------------------------------------------
    def close(self) -> None:
        """Close the HTTP client if this object created it."""
        if self._client is not None and not self._client_given:
            self._client.close()

    def __enter__(self) -> SecEdgar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _http(self) -> httpx.Client:
        ua = None if self.offline else validate_user_agent(self.settings.sec_user_agent)
        if self._client is None:
            self._client = _default_client(self.settings, ua)
        if ua is not None:
            self._client.headers["User-Agent"] = ua
        return self._client

    def _cache_path(self, url: str) -> Path:
        parsed = httpx.URL(url)
        name = parsed.path.strip("/").replace("/", "__") or hashlib.sha1(url.encode()).hexdigest()
        return self.settings.cache_dir / "sec" / f"{parsed.host}__{name}"

    def _read_cache(self, url: str, max_age: float | None) -> tuple[bytes, dt.datetime] | None:
        if not self._cache:
            return None
        path = self._cache_path(url)
        if not path.is_file():
            return None
        fetched = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
        age = (self._clock() - fetched).total_seconds()
        if max_age is not None and not self.offline and age > max_age:
            return None
        return path.read_bytes(), fetched

    def _write_cache(self, url: str, body: bytes) -> None:
        if not self._cache or self.offline:
            return
        path = self._cache_path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(body)
        tmp.replace(path)

    def get(
        self, url: str, *, what: str, max_age: float | None = None
    ) -> tuple[bytes, str, dt.datetime]:
        """Return ``(body, source, retrieved_at)`` for ``url``, from cache or network.

        Raises
        ------
        EmptyDataError
            HTTP 404 (unknown CIK, or no XBRL facts for it).
        UnauthorizedError
            No user agent for a live call, or HTTP 403.
        RateLimitError, ProviderTimeout, ProviderError
            After ``settings.http_retries`` attempts.
        """
        cached = self._read_cache(url, max_age)
        if cached is not None:
            return cached[0], f"sec cache {url}", cached[1]
        if self.offline and not self._client_given:
            raise EmptyDataError(
                f"{what} is not in the offline SEC cache ({self._cache_path(url)}); set "
                f"{_ENV} and run without offline mode to fetch it",
                provider=PROVIDER,
            )
        client = self._http()
        attempts = max(1, self.settings.http_retries)
        last: Exception | None = None
        for attempt in range(attempts):
            if not self.offline:  # replayed responses never reach the SEC
                self._limiter.wait()
            self.requests_made += 1
            try:
                resp = client.get(url)
            except httpx.TimeoutException as exc:
                last = ProviderTimeout(
                    f"SEC did not answer {url} within {self.settings.http_timeout}s "
                    f"after {attempt + 1} attempts; raise CAPSIZE_HTTP_TIMEOUT or retry later",
                    provider=PROVIDER,
                )
                last.__cause__ = exc
            except httpx.TransportError as exc:
                last = ProviderError(f"cannot reach SEC for {url}: {exc}", provider=PROVIDER)
            else:
                if resp.status_code == 200:
                    body = resp.content
                    self._write_cache(url, body)
                    return body, url, self._clock()
                if resp.status_code == 404:
                    if resp.headers.get("x-capsize-recorded") == "missing":
                        raise EmptyDataError(
                            f"no recorded SEC response for {what} ({url}); "
                            "fetch it live with CAPSIZE_SEC_USER_AGENT set",
                            provider=PROVIDER,
                        )
                    hint = (
                        "companies that file no XBRL have no company facts"
                        if "companyfacts" in url
                        else "check the ticker/CIK"
                    )
                    raise EmptyDataError(
                        f"SEC has no {what} (HTTP 404 for {url}); {hint}", provider=PROVIDER
                    )
                if resp.status_code in (401, 403):
                    raise UnauthorizedError(
                        f"SEC refused {url} (HTTP {resp.status_code}); set {_ENV} to "
                        '"Your Name you@example.com" and keep under 10 requests/s',
                        provider=PROVIDER,
                    )
                if resp.status_code in _RETRY_STATUS:
                    cls = RateLimitError if resp.status_code == 429 else ProviderError
                    last = cls(
                        f"SEC answered HTTP {resp.status_code} for {url} after "
                        f"{attempt + 1} attempts; retry later",
                        provider=PROVIDER,
                    )
                else:
                    raise ProviderError(
                        f"SEC answered HTTP {resp.status_code} for {url}", provider=PROVIDER
                    )
            if attempt + 1 < attempts:
                self._sleep(min(30.0, 0.5 * 2**attempt))
        raise (
            last
            if last is not None
            else ProviderError(f"no attempt made for {url}", provider=PROVIDER)
        )

    # -- datasets ---------------------------------------------------------
    def tickers(self) -> pd.DataFrame:
        """Return the ``sec_tickers`` frame (cached for the object's life)."""
        if self._tickers is None:
            body, _, _ = self.get(TICKERS_URL, what="ticker map", max_age=_MAX_AGE["tickers"])
            self._tickers = parse_company_tickers(body)
        return self._tickers

    def resolve(self, symbol: str | int) -> tuple[int, str]:
        """Return ``(cik, ticker)`` for a ticker or CIK.

        Raises
        ------
        InputError
            When a ticker is not in the SEC map (``"unknown ticker"``).
        """
        if self._by_ticker is None:
            tk = self.tickers()
            self._by_ticker = dict(zip(tk["ticker"], tk["cik"].astype(int), strict=True))
            self._by_cik = {}
            for t, c in zip(tk["ticker"], tk["cik"].astype(int), strict=True):
                self._by_cik.setdefault(int(c), str(t))
        is_cik = isinstance(symbol, int) or (
            isinstance(symbol, str) and symbol.strip().upper().removeprefix("CIK").isdigit()
        )
        if is_cik:
            cik = normalize_cik(symbol)
            return cik, self._by_cik.get(cik, f"CIK{cik:010d}")
        if not isinstance(symbol, str) or not symbol.strip():
            raise InputError(f"ticker={symbol!r} is empty; pass a ticker such as IMNN")
        ticker = symbol.strip().upper()
        hit = self._by_ticker.get(ticker, self._by_ticker.get(ticker.replace(".", "-")))
        if hit is None:
            raise InputError(
                f"unknown ticker {ticker!r}: not in SEC's company_tickers list; check the "
                "symbol or pass a CIK"
            )
        return int(hit), ticker

    def company_facts(self, symbol: str | int) -> ProviderResult:
        """Return the ``sec_facts`` result for a ticker or CIK."""
        return CompanyFactsFetcher(self).fetch({"symbol": symbol})[0]

    def submissions(self, symbol: str | int, *, all_pages: bool = True) -> ProviderResult:
        """Return the ``sec_filings`` result for a ticker or CIK (overflow pages included)."""
        return SubmissionsFetcher(self).fetch({"symbol": symbol, "all_pages": all_pages})[0]

    def bulk(
        self,
        symbols: Iterable[str],
        *,
        datasets: tuple[str, ...] = ("facts", "filings"),
        progress: bool = False,
    ) -> Iterator[tuple[str, str, ProviderResult | Exception]]:
        """Fetch datasets for many symbols, yielding ``(symbol, dataset, result or error)``.

        Errors per symbol (unknown ticker, no XBRL) are yielded, not raised, so
        one bad name does not stop a universe. ``progress=True`` shows a rich
        progress bar on stderr.
        """
        names = list(symbols)
        bar: Any = None
        task: Any = None
        if progress:
            from rich.console import Console
            from rich.progress import Progress

            bar = Progress(console=Console(stderr=True), transient=True)
            bar.start()
            task = bar.add_task("SEC EDGAR", total=len(names) * len(datasets))
        try:
            for sym in names:
                for ds in datasets:
                    try:
                        res: ProviderResult | Exception = (
                            self.company_facts(sym) if ds == "facts" else self.submissions(sym)
                        )
                    except (ProviderError, InputError) as exc:
                        res = exc
                    if bar is not None:
                        bar.advance(task)
                    yield sym, ds, res
        finally:
            if bar is not None:
                bar.stop()


class _SecFetcher(Fetcher[SecQuery, Any]):
    provider = PROVIDER
    kind = "facts"

    def __init__(self, edgar: SecEdgar, *, clock: Clock | None = None) -> None:
        super().__init__(clock=clock or edgar._clock)
        self.edgar = edgar

    def transform_query(self, params: Mapping[str, Any]) -> SecQuery:
        if self.kind == "tickers":
            return SecQuery("tickers", None, "company_tickers")
        if "symbol" not in params:
            raise InputError("symbol is required: a ticker such as IMNN or a CIK")
        cik, ticker = self.edgar.resolve(params["symbol"])
        return SecQuery(self.kind, cik, ticker)


class TickersFetcher(_SecFetcher):
    """``sec_tickers``: the SEC ticker <-> CIK map."""

    kind = "tickers"

    def extract(self, query: SecQuery) -> Any:
        """Return the raw ``company_tickers.json`` body and its source."""
        return self.edgar.get(TICKERS_URL, what="ticker map", max_age=_MAX_AGE["tickers"])

    def transform(
        self, query: SecQuery, raw: Any, *, retrieved_at: dt.datetime
    ) -> list[ProviderResult]:
        """Parse into the ``sec_tickers`` frame."""
        body, source, fetched = raw
        return [
            ProviderResult("sec_tickers", query.key, parse_company_tickers(body), source, fetched)
        ]


class CompanyFactsFetcher(_SecFetcher):
    """``sec_facts``: XBRL company facts of one company."""

    kind = "facts"

    def extract(self, query: SecQuery) -> Any:
        """Return the raw companyfacts body and its source."""
        url = COMPANYFACTS_URL.format(cik=query.cik)
        return self.edgar.get(
            url, what=f"XBRL company facts for {query.key}", max_age=_MAX_AGE["facts"]
        )

    def transform(
        self, query: SecQuery, raw: Any, *, retrieved_at: dt.datetime
    ) -> list[ProviderResult]:
        """Parse into the ``sec_facts`` frame; meta carries cik and entity name."""
        body, source, fetched = raw
        frame, meta = parse_companyfacts(body)
        meta = {**meta, "cik": query.cik, "ticker": query.key}
        return [ProviderResult("sec_facts", query.key, frame, source, fetched, meta)]


class SubmissionsFetcher(_SecFetcher):
    """``sec_filings``: filing list (with 8-K items) of one company."""

    kind = "filings"

    def transform_query(self, params: Mapping[str, Any]) -> SecQuery:
        """Validate ``symbol`` (and ``all_pages``)."""
        q = super().transform_query(params)
        self._all_pages = bool(params.get("all_pages", True))
        return q

    def extract(self, query: SecQuery) -> Any:
        """Return the main body plus overflow pages."""
        url = SUBMISSIONS_URL.format(cik=query.cik)
        what = f"filing list for {query.key}"
        body, source, fetched = self.edgar.get(url, what=what, max_age=_MAX_AGE["filings"])
        pages: list[bytes] = []
        if getattr(self, "_all_pages", True):
            _, meta = parse_submissions(body)
            for name in meta["pages"]:
                page, _, _ = self.edgar.get(
                    SUBMISSIONS_PAGE_URL.format(name=name), what=f"{what} ({name})", max_age=None
                )
                pages.append(page)
        return body, pages, source, fetched

    def transform(
        self, query: SecQuery, raw: Any, *, retrieved_at: dt.datetime
    ) -> list[ProviderResult]:
        """Parse into the ``sec_filings`` frame."""
        body, pages, source, fetched = raw
        frame, meta = parse_submissions(body, pages)
        meta = {**meta, "cik": query.cik, "ticker": query.key}
        return [ProviderResult("sec_filings", query.key, frame, source, fetched, meta)]
