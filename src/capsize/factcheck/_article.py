"""Check a whole article: its date, its claims, a verdict for each."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from capsize.errors import InputError
from capsize.factcheck._report import CheckedArticle

if TYPE_CHECKING:
    from capsize.queries.session import Source

__all__ = ["check_article", "resolve_date"]


def resolve_date(
    text: str, date: object | None, name: str = "the article", source: str = ""
) -> tuple[dt.date, str]:
    """Return the article's date and where it came from (``"--date"`` or ``"article"``).

    Without ``date``: the dateline or first full date of ``text``, else of ``source`` (the
    file as written: an HTML page's ``published_time``).

    Raises
    ------
    InputError
        A ``date`` that is not ISO, or no date given and none found in the text.
    """
    from capsize.queries import parse_as_of

    if date is not None:
        day = parse_as_of(date if not isinstance(date, dt.date) else date.isoformat(), "--date")
        if day is not None:
            return day.date(), "--date"
    from capsize.factcheck.extract import article_date

    found = article_date(text) or (article_date(source) if source else None)
    if found is None:
        raise InputError(
            f"no date found in {name} (no dateline); give the article's date with --date YYYY-MM-DD"
        )
    return found, "article"


def check_article(
    text: str,
    source: Source,
    date: object | None = None,
    *,
    name: str = "",
    date_origin: str = "",
) -> CheckedArticle:
    """Extract the claims of ``text`` and check each against the data at the article's date.

    Parameters
    ----------
    text : str
        The article (plain text or Markdown; see :func:`capsize.factcheck.read_article` for
        files and HTML).
    source : Store or Session
        Where to read (nothing dated after the article's date is read).
    date : date or ISO str, optional
        The article's date; default the dateline or date found in the text.
    name : str
        The article's file name, for the outputs.
    date_origin : str
        Where ``date`` came from, for the outputs (default: ``"--date"`` when given).

    Returns
    -------
    CheckedArticle
        The verdicts in the article's order, with the data's as-of date and sources.

    Raises
    ------
    InputError
        No date given and none found in the text, or a date that is not ISO.
    """
    from capsize.factcheck.check import check_claims
    from capsize.factcheck.extract import extract_claims

    day, origin = resolve_date(text, date, name or "the article")
    claims = extract_claims(text, day, unread=True)
    verdicts = check_claims(claims, source, day)
    return CheckedArticle(text, day, tuple(verdicts), name, date_origin or origin)
