"""The SEC EDGAR client (on the shared HTTP stack) and the ``sec_*`` fetchers.

Re-exported by :mod:`capsize.data.providers.sec`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import pandas as pd

from capsize.config import Settings, load_settings
from capsize.data.providers._base import Clock, ProviderResult, Q, R, utc_now
from capsize.data.providers._http import (
    Expect,
    HostLimiter,
    HttpFetcher,
    OfflineTransport,
    Payload,
    RateLimiter,
    cache_scope,
    fetch,
    make_client,
)
from capsize.data.providers.sec._access import (
    CACHE_TTL,
    COMPANYFACTS_URL,
    PROVIDER,
    SUBMISSIONS_PAGE_URL,
    SUBMISSIONS_URL,
    TICKERS_URL,
    USER_AGENT_ENV,
    normalize_cik,
    validate_user_agent,
)
from capsize.data.providers.sec._parse import (
    parse_company_tickers,
    parse_companyfacts,
    parse_submissions,
)
from capsize.errors import InputError, ProviderError

__all__ = [
    "CompanyFactsFetcher",
    "SecEdgar",
    "SecFetcher",
    "SecQuery",
    "SubmissionsFetcher",
    "TickersFetcher",
]

Progress = Callable[[], None]


def _not_found(what: str, url: str) -> Callable[[httpx.Response], str]:
    """Return the message of an SEC HTTP 404 (or of a missing recorded response)."""

    def message(response: httpx.Response) -> str:
        if response.headers.get("x-capsize-recorded") == "missing":
            return (
                f"no recorded SEC response for {what} ({url}); "
                f"fetch it live with {USER_AGENT_ENV} set"
            )
        hint = (
            "companies that file no XBRL have no company facts"
            if "companyfacts" in url
            else "check the ticker/CIK"
        )
        return f"SEC has no {what} (HTTP 404 for {url}); {hint}"

    return message


def _is_cik(symbol: object) -> bool:
    return isinstance(symbol, int) or (
        isinstance(symbol, str) and symbol.strip().upper().removeprefix("CIK").isdigit()
    )


class SecEdgar:
    """SEC EDGAR session: the shared HTTP client with the SEC's User-Agent, and the ticker map.

    Requests go through :func:`~capsize.data.providers._http.make_client`'s
    stack like every provider's: the cache (a body is stored only once parsed),
    the ``sec.gov`` rate limit (10 requests/s) and the retry policy.

    Parameters
    ----------
    settings : Settings, optional
        Supplies ``sec_user_agent``, ``http_timeout``, ``http_retries`` and
        ``cache_dir``; defaults to :func:`~capsize.config.load_settings`.
    client : httpx.Client, optional
        Injected client (a plain ``httpx.Client`` over
        :func:`~capsize.data.providers.sec.recorded_transport` replays recorded
        responses without cache, pacing or retries). When omitted, one is built
        with ``make_client`` and closed by :meth:`close`.
    transport : httpx.BaseTransport, optional
        Sending transport of the client built here (tests pass a mock).
    offline : bool
        Never require a User-Agent; without ``client``/``transport``, read the
        cache only (a miss raises :class:`~capsize.errors.EmptyDataError`).
    cache : bool
        Give the client built here the on-disk cache.
    limiter : RateLimiter, optional
        Pacing of SEC hosts in the client built here (default 10 requests/s).
    sleep : callable, optional
        Back-off and pacing sleep of the client built here (tests pass a no-op).
    clock : callable, optional
        Current UTC time, for ``retrieved_at``.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        offline: bool = False,
        cache: bool = True,
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Clock | None = None,
    ) -> None:
        self.settings = settings if settings is not None else load_settings()
        self.offline = offline
        self.clock: Clock = clock or utc_now
        self._client = client
        self._owns_client = client is None
        self._transport = transport
        self._cache = cache
        self._limiter = limiter
        self._sleep = sleep
        self._tickers: pd.DataFrame | None = None
        self._by_ticker: dict[str, int] = {}
        self._by_cik: dict[int, str] = {}

    # -- plumbing ---------------------------------------------------------
    @property
    def client(self) -> httpx.Client:
        """The HTTP client (built on first use when none was injected)."""
        if self._client is None:
            self._client = self._make_client()
        return self._client

    def _make_client(self) -> httpx.Client:
        if self._transport is None and self.offline:  # the cache only: nothing to pace or retry
            offline = OfflineTransport(
                PROVIDER, f"set {USER_AGENT_ENV} and run without offline mode to fetch it"
            )
            return make_client(self.settings, offline, retries=1, limits=HostLimiter({}))
        limits = None
        if self._limiter is not None:
            limits = HostLimiter({"sec.gov": self._limiter}, sleep=self._sleep)
        return make_client(
            self.settings, self._transport, cache=self._cache, sleep=self._sleep, limits=limits
        )

    def close(self) -> None:
        """Close the HTTP client if this object built it."""
        if self._owns_client and self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> SecEdgar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def headers(self) -> dict[str, str]:
        """Request headers: the SEC's required User-Agent (none in offline mode).

        Raises
        ------
        UnauthorizedError
            No User-Agent (with an e-mail) for a live call; names ``CAPSIZE_SEC_USER_AGENT``.
        """
        if self.offline:
            return {}
        return {"User-Agent": validate_user_agent(self.settings.sec_user_agent)}

    def get(
        self, url: str, *, what: str, cache_ttl: float | None = None, expect: Expect = "json"
    ) -> Payload:
        """GET an SEC body through the shared stack.

        Parameters
        ----------
        url : str
            SEC address.
        what : str
            Description for messages (``"filing list for IMNN"``).
        cache_ttl : float, optional
            Lifetime of the stored body, seconds (see :data:`CACHE_TTL`).
        expect : {"json", "bytes", ...}
            Body kind (``"bytes"`` for XML and HTML documents).

        Returns
        -------
        Payload

        Raises
        ------
        EmptyDataError
            HTTP 404 (unknown CIK, or no XBRL facts for it), or not cached in offline mode.
        UnauthorizedError
            No user agent for a live call, or HTTP 401/403.
        RateLimitError, ProviderTimeout, NetworkUnreachable, ProviderError
            After the stack's retries.
        """
        return fetch(
            self.client,
            url,
            provider=PROVIDER,
            what=what,
            expect=expect,
            headers=self.headers(),
            not_found=_not_found(what, url),
            cache_ttl=cache_ttl,
        )

    # -- datasets ---------------------------------------------------------
    def tickers(self) -> pd.DataFrame:
        """Return the ``sec_tickers`` frame (read once per object)."""
        if self._tickers is None:
            with cache_scope(self.client, final=True):
                payload = self.get(TICKERS_URL, what="ticker map", cache_ttl=CACHE_TTL["tickers"])
                self._tickers = parse_company_tickers(payload.body)
            ciks = self._tickers["cik"].astype(int)
            self._by_ticker = dict(zip(self._tickers["ticker"], ciks, strict=True))
            self._by_cik = {}
            for t, c in zip(self._tickers["ticker"], ciks, strict=True):
                self._by_cik.setdefault(int(c), str(t))
        return self._tickers

    def resolve(self, symbol: str | int) -> tuple[int, str]:
        """Return ``(cik, ticker)`` for a ticker or CIK.

        Raises
        ------
        InputError
            When a ticker is not in the SEC map (``"unknown ticker"``).
        """
        self.tickers()
        if _is_cik(symbol):
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

    def _one(self, symbol: str, dataset: str) -> ProviderResult | Exception:
        try:
            if dataset == "facts":
                return self.company_facts(symbol)
            return self.submissions(symbol)
        except (ProviderError, InputError) as exc:
            return exc

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
        with _progress_bar(len(names) * len(datasets), enabled=progress) as advance:
            for sym in names:
                for ds in datasets:
                    res = self._one(sym, ds)
                    advance()
                    yield sym, ds, res


@contextlib.contextmanager
def _progress_bar(total: int, *, enabled: bool) -> Iterator[Progress]:
    """Yield a function advancing a rich progress bar on stderr (a no-op when disabled)."""
    if not enabled:
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import Progress as Bar

    with Bar(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("SEC EDGAR", total=total)
        yield lambda: bar.advance(task)


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
    all_pages : bool
        ``filings``: also read the overflow pages.
    """

    kind: str
    cik: int | None
    key: str
    all_pages: bool = True


class SecFetcher(HttpFetcher[Q, R]):
    """Base of the SEC fetchers: an :class:`HttpFetcher` on a :class:`SecEdgar` session.

    Parameters
    ----------
    edgar : SecEdgar, optional
        SEC session (User-Agent, ticker map, client); built from ``client`` and
        ``settings`` when omitted (and then closed by :meth:`close`).
    client : httpx.Client, optional
        Used only when ``edgar`` is omitted.
    clock : callable, optional
        Current UTC time (default: the session's).
    settings : Settings, optional
        Used only when ``edgar`` is omitted.
    """

    provider = PROVIDER

    def __init__(
        self,
        edgar: SecEdgar | None = None,
        *,
        client: httpx.Client | None = None,
        clock: Clock | None = None,
        settings: Settings | None = None,
    ) -> None:
        self._owns_edgar = edgar is None
        self.edgar = edgar if edgar is not None else SecEdgar(settings, client=client, clock=clock)
        super().__init__(self.edgar.client, clock=clock or self.edgar.clock, settings=settings)

    def close(self) -> None:
        """Close the SEC session if this fetcher built it."""
        if self._owns_edgar:
            self.edgar.close()


class _DatasetFetcher(SecFetcher[SecQuery, Any]):
    """The ``sec_*`` dataset fetchers: one company (or the ticker map) per query."""

    kind = "facts"

    def transform_query(self, params: Mapping[str, Any]) -> SecQuery:
        """Resolve ``symbol`` (a ticker or CIK) through the SEC ticker map."""
        if "symbol" not in params:
            raise InputError("symbol is required: a ticker such as IMNN or a CIK")
        cik, ticker = self.edgar.resolve(params["symbol"])
        return SecQuery(self.kind, cik, ticker, bool(params.get("all_pages", True)))

    def _result(
        self,
        dataset: str,
        query: SecQuery,
        frame: pd.DataFrame,
        payload: Payload,
        meta: Mapping[str, Any] | None = None,
    ) -> ProviderResult:
        retrieved = payload.stored_at if payload.cached and payload.stored_at else self._clock()
        info: dict[str, Any] = {**(meta or {}), "cached": payload.cached}
        if query.cik is not None:
            info.update(cik=query.cik, ticker=query.key)
        source = f"{PROVIDER} {payload.url}"
        return ProviderResult(dataset, query.key, frame, source, retrieved, info)


class TickersFetcher(_DatasetFetcher):
    """``sec_tickers``: the SEC ticker <-> CIK map."""

    kind = "tickers"
    cache_ttl = CACHE_TTL["tickers"]

    def transform_query(self, params: Mapping[str, Any]) -> SecQuery:
        """No parameters: the whole map."""
        return SecQuery("tickers", None, "company_tickers")

    def extract(self, query: SecQuery) -> Payload:
        """Download ``company_tickers.json``."""
        return self.edgar.get(TICKERS_URL, what="ticker map", cache_ttl=self.cache_ttl)

    def transform(
        self, query: SecQuery, raw: Payload, *, retrieved_at: dt.datetime
    ) -> list[ProviderResult]:
        """Parse into the ``sec_tickers`` frame."""
        return [self._result("sec_tickers", query, parse_company_tickers(raw.body), raw)]


class CompanyFactsFetcher(_DatasetFetcher):
    """``sec_facts``: XBRL company facts of one company."""

    kind = "facts"
    cache_ttl = CACHE_TTL["facts"]

    def extract(self, query: SecQuery) -> Payload:
        """Download the companyfacts body."""
        url = COMPANYFACTS_URL.format(cik=query.cik)
        what = f"XBRL company facts for {query.key}"
        return self.edgar.get(url, what=what, cache_ttl=self.cache_ttl)

    def transform(
        self, query: SecQuery, raw: Payload, *, retrieved_at: dt.datetime
    ) -> list[ProviderResult]:
        """Parse into the ``sec_facts`` frame; meta carries cik and entity name."""
        frame, meta = parse_companyfacts(raw.body)
        return [self._result("sec_facts", query, frame, raw, meta)]


class SubmissionsFetcher(_DatasetFetcher):
    """``sec_filings``: filing list (with 8-K items) of one company."""

    kind = "filings"
    cache_ttl = CACHE_TTL["filings"]

    def extract(self, query: SecQuery) -> tuple[Payload, list[bytes]]:
        """Download the main body plus, when ``all_pages``, its overflow pages."""
        what = f"filing list for {query.key}"
        main = self.edgar.get(
            SUBMISSIONS_URL.format(cik=query.cik), what=what, cache_ttl=self.cache_ttl
        )
        if not query.all_pages:
            return main, []
        _, meta = parse_submissions(main.body)
        pages = [
            self.edgar.get(
                SUBMISSIONS_PAGE_URL.format(name=name),
                what=f"{what} ({name})",
                cache_ttl=self.cache_ttl,
            ).body
            for name in meta["pages"]
        ]
        return main, pages

    def transform(
        self, query: SecQuery, raw: tuple[Payload, list[bytes]], *, retrieved_at: dt.datetime
    ) -> list[ProviderResult]:
        """Parse into the ``sec_filings`` frame."""
        main, pages = raw
        frame, meta = parse_submissions(main.body, pages)
        return [self._result("sec_filings", query, frame, main, meta)]
