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

Requests go through the HTTP stack every provider shares
(:func:`~capsize.data.providers._http.make_client`), and the SEC's fair-access
rules are enforced, not left to callers:

* a User-Agent naming the requester and a contact e-mail
  (``CAPSIZE_SEC_USER_AGENT="Jane Doe jane@example.com"``), sent with every
  request; live calls without one raise :class:`~capsize.errors.UnauthorizedError`
  naming the variable before anything is sent;
* at most 10 requests per second across ``www.sec.gov`` and ``data.sec.gov``
  (the stack's rate limit for ``sec.gov`` hosts);
* the stack's retries with exponential back-off on HTTP 429/5xx and timeouts;
* the stack's on-disk cache (``$CAPSIZE_HOME/cache/http``), holding a body only
  once it parsed, for :data:`CACHE_TTL` (the ticker map a week, facts and filing
  lists a day, filed documents a month); ``SecEdgar(offline=True)`` reads it
  without touching the network.

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

from capsize.data.providers._http import RateLimiter
from capsize.data.providers.sec._access import (
    CACHE_TTL,
    COMPANYFACTS_URL,
    PROVIDER,
    SUBMISSIONS_PAGE_URL,
    SUBMISSIONS_URL,
    TICKERS_URL,
    USER_AGENT_ENV,
    normalize_cik,
    recorded_transport,
    validate_user_agent,
)
from capsize.data.providers.sec._edgar import (
    CompanyFactsFetcher,
    SecEdgar,
    SecFetcher,
    SecQuery,
    SubmissionsFetcher,
    TickersFetcher,
)
from capsize.data.providers.sec._parse import (
    parse_company_tickers,
    parse_companyfacts,
    parse_submissions,
)

__all__ = [
    "CACHE_TTL",
    "COMPANYFACTS_URL",
    "PROVIDER",
    "SUBMISSIONS_PAGE_URL",
    "SUBMISSIONS_URL",
    "TICKERS_URL",
    "USER_AGENT_ENV",
    "CompanyFactsFetcher",
    "RateLimiter",
    "SecEdgar",
    "SecFetcher",
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
