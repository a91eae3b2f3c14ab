"""Annotated HTML: each claim in its verdict's colour; a click opens the computation.

Self-contained (inline CSS, no script, no network); all article text is escaped.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from capsize.factcheck._report import VERDICT_ORDER
from capsize.factcheck.render._spans import segments
from capsize.factcheck.render._summary import (
    SUMMARY_COLUMNS,
    claimed_text,
    computed_text,
    summary_rows,
)

if TYPE_CHECKING:
    from capsize.factcheck._report import CheckedArticle
    from capsize.factcheck.claim import Verdict

__all__ = ["COLOURS", "SYMBOLS", "to_html"]

COLOURS: dict[str, str] = {
    "supported": "#c6efce",
    "close": "#ffe699",
    "contradicted": "#ffc7ce",
    "not checkable": "#e0e0e0",
}
"""Background colour of each verdict."""

SYMBOLS: dict[str, str] = {
    "supported": "✓",
    "close": "≈",
    "contradicted": "✗",
    "not checkable": "?",
}
"""Mark after each claim's number, so the verdict does not rest on colour alone."""

_CSS = """
body{font:16px/1.6 Georgia,serif;max-width:52em;margin:2em auto;padding:0 1em;color:#222}
h1,h2,table,.meta,.calc,.legend{font-family:system-ui,Helvetica,Arial,sans-serif}
h1{font-size:1.5em;margin-bottom:.2em} h2{font-size:1.15em;margin-top:2em}
.meta{color:#555;font-size:.85em}
.legend span,td span{white-space:nowrap;display:inline-block;padding:0 .5em;margin-right:.4em;border-radius:3px;font-size:.85em}
article{white-space:pre-wrap;border-top:1px solid #ddd;padding-top:1em}
input.toggle{position:absolute;opacity:0;pointer-events:none}
label.claim{cursor:pointer;border-radius:3px;padding:0 2px}
label.claim sup{font:bold .7em system-ui,sans-serif;color:#333;margin-left:2px}
input.toggle:focus-visible+label.claim{outline:2px solid #36c}
.calc{display:none}
input.toggle:checked+label+.calc{display:block}
.calc{white-space:normal;font-size:.82em;line-height:1.4;background:#fafafa;
 border:1px solid #ccc;border-left:4px solid #888;margin:.4em 0 .8em;padding:.5em .8em}
.calc table{border-collapse:collapse;margin-top:.4em;width:100%}
.calc td,.calc th{border:1px solid #ddd;padding:2px 4px;vertical-align:top;text-align:left}
.calc td:nth-child(6),.calc td:nth-child(7){white-space:nowrap}
table.summary{border-collapse:collapse;font-size:.85em;width:100%}
table.summary td,table.summary th{border:1px solid #ccc;padding:3px 6px;text-align:left}
"""


def _badge(verdict: str) -> str:
    return f'<span style="background:{COLOURS[verdict]}">{escape(verdict)}</span>'


def _num(value: object) -> object:
    return f"{value:,.6g}" if isinstance(value, float) else value


def _figure_rows(provenance: tuple[dict[str, Any], ...]) -> str:
    rows = []
    for p in provenance:
        prov = p.get("provenance", {})
        value = p.get("value")
        shown = p.get("note") if value is None or p.get("unit") == "date" else _num(value)
        cells = (
            p.get("id"),
            p.get("label"),
            shown,
            p.get("unit"),
            prov.get("formula"),
            prov.get("window"),
            prov.get("as_of"),
            prov.get("source"),
        )
        rows.append("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in cells) + "</tr>")
    head = "".join(
        f"<th>{h}</th>"
        for h in ("figure", "what", "value", "unit", "formula", "dates", "as of", "source")
    )
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>" if rows else ""


def _calc(number: int, v: Verdict) -> str:
    subjects = "; ".join(s.mapping or f"{s.phrase} -> {s.symbol}" for s in v.claim.subjects)
    parts = [
        f"<b>#{number} {_badge(v.verdict)}</b> {escape(v.claim.kind)} — claimed "
        f"{escape(claimed_text(v))}, computed {escape(computed_text(v))}",
        f"<br>{escape(v.reason)}",
    ]
    if v.definition:
        parts.append(f"<br><i>Definition:</i> {escape(v.definition)}")
    if v.tolerance:
        parts.append(f"<br><i>Tolerance:</i> {escape(v.tolerance)}")
    if subjects:
        parts.append(f"<br><i>Subjects:</i> {escape(subjects)}")
    if v.claim.window is not None:
        w = v.claim.window
        start = w.start.isoformat() if w.start else "—"
        parts.append(f"<br><i>Window:</i> {escape(w.label)} ({start} .. {w.end.isoformat()})")
    parts.append(_figure_rows(v.provenance))
    return f'<span class="calc">{"".join(parts)}</span>'


def _claim(run: str, number: int, v: Verdict) -> str:
    """Return the claim's words, coloured; clicking them shows the computation (no script)."""
    return (
        f'<input type="checkbox" class="toggle" id="claim-{number}">'
        f'<label class="claim" for="claim-{number}" style="background:{COLOURS[v.verdict]}" '
        f'title="{escape(v.verdict)}">{escape(run)}<sup>{number}{SYMBOLS[v.verdict]}</sup>'
        f"</label>{_calc(number, v)}"
    )


def _summary_table(article: CheckedArticle) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in SUMMARY_COLUMNS)
    rows = []
    for row in summary_rows(article):
        cells = [f"<td>{escape(c)}</td>" for c in row[:-1]]
        cells.append(f"<td>{_badge(row[-1])}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return f'<table class="summary"><tr>{head}</tr>{"".join(rows)}</table>'


def to_html(article: CheckedArticle, title: str = "Fact check") -> str:
    """Return the annotated article as one self-contained HTML page."""
    body = "".join(
        escape(run) if n is None else _claim(run, n, article.verdicts[n - 1])
        for run, n in segments(article.text, article.verdicts)
    )
    counts = " ".join(
        f"{n} {_badge(name)}" for name, n in article.counts().items() if name in VERDICT_ORDER
    )
    sources = ", ".join(article.data_sources) or "n/a"
    meta = (
        f"Source: {escape(article.source or 'text')} · article date "
        f"{article.article_date.isoformat()} ({escape(article.date_origin)}) · data as of "
        f"{escape(article.data_as_of)} · data files: {escape(sources)}"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
        f'<h1>{escape(title)}</h1><p class="meta">{meta}</p>'
        f'<p class="legend">{len(article.verdicts)} claims: {counts} — click a highlighted '
        "claim to open its computation.</p>"
        f"<article>{body}</article><h2>Summary</h2>{_summary_table(article)}"
        "</body></html>\n"
    )
