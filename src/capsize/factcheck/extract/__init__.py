"""Claim extraction: article text in, structured :class:`~capsize.factcheck.claim.Claim` out.

Rule-based and offline (dateparser only for labelled dates in unusual formats). The
concepts, one module each: ``_text`` (plain, Markdown and HTML articles as text with source
offsets; sentences), ``_calendar`` (month and number words, date arithmetic), ``_dates``
(the article's date; windows resolved from it), ``_subjects`` (phrases mapped to symbols,
the mapping stated), ``_values`` (numbers with units, precision and hedges as ranges),
``_kinds`` (which measure a clause states; direction words), ``_vehicle`` (a stated
return's basis and the fund named as its vehicle) and ``_claims`` (clauses to claims, the
options each kind sets).

Examples
--------
>>> import datetime as dt
>>> from capsize.factcheck.extract import extract_claims
>>> [c.kind for c in extract_claims("The Nasdaq closed at a record 21,000 on Friday.", dt.date(2025, 8, 15))]
['record_high']
"""

from capsize.factcheck.extract._claims import extract_claims
from capsize.factcheck.extract._dates import article_date, find_window
from capsize.factcheck.extract._subjects import SUBJECTS, find_subjects
from capsize.factcheck.extract._text import ArticleText, Format, Sentence, load_article, sentences
from capsize.factcheck.extract._values import Value, find_values

__all__ = [
    "SUBJECTS",
    "ArticleText",
    "Format",
    "Sentence",
    "Value",
    "article_date",
    "extract_claims",
    "find_subjects",
    "find_values",
    "find_window",
    "load_article",
    "sentences",
]
