"""SEC EDGAR access: endpoints, User-Agent and CIK checks, rate limit, recorded transport.

Re-exported by :mod:`capsize.data.providers.sec`, which states the fair-access rules.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from capsize.errors import InputError, UnauthorizedError

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
