"""``capsize factcheck``: check the figures in a market article against the data.

``claim`` holds the structured claim and verdict (the contract), ``extract`` turns text into
claims, ``check`` answers each claim through the query layer, ``render`` writes the annotated
article, the summary table and the JSON. :func:`check_article` does all of it.

Examples
--------
>>> from capsize.factcheck import check_article          # doctest: +SKIP
>>> from capsize.queries import open_session             # doctest: +SKIP
>>> with open_session() as s:                            # doctest: +SKIP
...     checked = check_article("Small caps rose 22 % this year.", s, "2026-08-21")
>>> checked.verdicts[0].verdict                          # doctest: +SKIP
'supported'
"""

from __future__ import annotations

from capsize.factcheck._article import check_article, resolve_date
from capsize.factcheck._report import VERDICT_ORDER, CheckedArticle
from capsize.factcheck._source import ArticleFile, read_article

__all__ = [
    "VERDICT_ORDER",
    "ArticleFile",
    "CheckedArticle",
    "check_article",
    "read_article",
    "resolve_date",
]
