"""SEC EDGAR access: endpoints, cache lifetimes, User-Agent and CIK checks, recorded transport.

Re-exported by :mod:`capsize.data.providers.sec`, which states the fair-access rules.
The rate limit (10 requests/s) is the shared HTTP stack's rule for ``sec.gov`` hosts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import httpx

from capsize.errors import InputError, UnauthorizedError

__all__ = [
    "CACHE_TTL",
    "COMPANYFACTS_URL",
    "PROVIDER",
    "SUBMISSIONS_PAGE_URL",
    "SUBMISSIONS_URL",
    "TICKERS_URL",
    "USER_AGENT_ENV",
    "normalize_cik",
    "recorded_transport",
    "validate_user_agent",
]

PROVIDER = "sec"
TICKERS_URL = "https://www.sec.gov/files/company_tickers.json"
COMPANYFACTS_URL = "https://data.sec.gov/api/xbrl/companyfacts/CIK{cik:010d}.json"
SUBMISSIONS_URL = "https://data.sec.gov/submissions/CIK{cik:010d}.json"
SUBMISSIONS_PAGE_URL = "https://data.sec.gov/submissions/{name}"
USER_AGENT_ENV = "CAPSIZE_SEC_USER_AGENT"
"""Environment variable holding the User-Agent the SEC requires (``"Name email"``)."""
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")

CACHE_TTL: Mapping[str, float] = {
    "tickers": 7 * 86400.0,
    "facts": 86400.0,
    "filings": 86400.0,
    "documents": 30 * 86400.0,
}
"""Cache lifetime by kind of SEC body, seconds: the ticker map changes slowly, company
facts and filing lists daily; a filed document (N-PORT XML, header page) never changes."""


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
            f'{USER_AGENT_ENV}="Your Name you@example.com" (or sec_user_agent in config.toml) '
            "before fetching live filings",
            provider=PROVIDER,
        )
    ua = user_agent.strip()
    if not _EMAIL.search(ua):
        raise UnauthorizedError(
            f'{USER_AGENT_ENV}={ua!r} has no contact e-mail; the SEC requires "Your Name you@example.com"',
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
