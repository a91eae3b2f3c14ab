"""Outputs of a checked article: annotated HTML, Markdown with footnotes, a summary, JSON.

Every output states the article's date, the data's as-of date and the data sources; every
claim shows its computation (symbols, dates, values, formula, provenance). Files are
written through :mod:`capsize._atomic`.
"""

from __future__ import annotations

from capsize.factcheck.render._html import to_html
from capsize.factcheck.render._json import claim_dict, to_json_dict, to_json_text
from capsize.factcheck.render._markdown import to_markdown
from capsize.factcheck.render._summary import summary_rows, summary_text
from capsize.factcheck.render._write import write_output

__all__ = [
    "claim_dict",
    "summary_rows",
    "summary_text",
    "to_html",
    "to_json_dict",
    "to_json_text",
    "to_markdown",
    "write_output",
]
