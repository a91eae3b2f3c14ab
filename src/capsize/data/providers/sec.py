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

import logging

from capsize.data.providers._sec_access import (
    COMPANYFACTS_URL,
    SUBMISSIONS_URL,
    TICKERS_URL,
    RateLimiter,
    normalize_cik,
    recorded_transport,
    validate_user_agent,
)
from capsize.data.providers._sec_access import PROVIDER as PROVIDER
from capsize.data.providers._sec_access import SUBMISSIONS_PAGE_URL as SUBMISSIONS_PAGE_URL
from capsize.data.providers._sec_edgar import (
    CompanyFactsFetcher,
    SecEdgar,
    SecQuery,
    SubmissionsFetcher,
    TickersFetcher,
)
from capsize.data.providers._sec_parse import (
    parse_company_tickers,
    parse_companyfacts,
    parse_submissions,
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
