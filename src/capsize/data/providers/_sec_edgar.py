"""SEC EDGAR client (cache, retries, rate limit) and the ``sec_*`` fetchers.

Re-exported by :mod:`capsize.data.providers.sec`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pandas as pd

from capsize.config import Settings, load_settings
from capsize.data.providers._base import Clock, Fetcher, ProviderResult
from capsize.data.providers._sec_access import (
    _ENV,
    _MAX_AGE,
    _RETRY_STATUS,
    COMPANYFACTS_URL,
    PROVIDER,
    SUBMISSIONS_PAGE_URL,
    SUBMISSIONS_URL,
    TICKERS_URL,
    RateLimiter,
    normalize_cik,
    validate_user_agent,
)
from capsize.data.providers._sec_parse import (
    parse_company_tickers,
    parse_companyfacts,
    parse_submissions,
)
from capsize.errors import (
    EmptyDataError,
    InputError,
    ProviderError,
    ProviderTimeout,
    RateLimitError,
    UnauthorizedError,
)


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
