"""Article text (plain, Markdown, saved HTML) with offsets kept, sentences, the public API."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import capsize.factcheck.extract as extract
from capsize.factcheck.extract import article_date, extract_claims, load_article, sentences

ARTICLES = Path(__file__).parent / "corpus" / "articles"


def test_all_is_sorted_and_resolves() -> None:
    names = extract.__all__

    def key(n: str) -> tuple[int, str]:
        return (0 if n.isupper() else 1 if n[:1].isupper() else 2, n)

    assert list(names) == sorted(set(names), key=key)
    for name in names:
        assert getattr(extract, name) is not None


def test_plain_text_is_kept_as_is() -> None:
    a = load_article("Small caps rose 5 %.\n\nThen fell.", "text")
    assert a.text == "Small caps rose 5 %.\n\nThen fell."
    assert a.source_span((11, 15)) == (11, 15)


def test_html_drops_markup_and_keeps_offsets() -> None:
    src = (
        "<html><head><title>Small caps &amp; rates</title><style>p {x: 1}</style>"
        "<script>var y = 2024;</script></head><body><nav>Top 10</nav>"
        "<p>Small caps rose <b>5&nbsp;%</b> in July.</p><p>Rates fell.</p></body></html>"
    )
    a = load_article(src)
    assert a.format == "html"
    assert a.text.split("\n\n") == [
        "Small caps & rates",
        "Top 10",
        "Small caps rose 5\xa0% in July.",
        "Rates fell.",
    ]
    start = a.text.index("5\xa0%")
    s, e = a.source_span((start, start + 3))
    assert src[s:e] == "5&nbsp;%"
    assert "2024" not in a.text and "x: 1" not in a.text


def test_markdown_drops_markup_and_keeps_offsets() -> None:
    src = "# Title\n\n*Published Jan. 6, 2025*\n\nThe **S&P 500 rose 24 %** per [our data](https://x.y/z).\n"
    a = load_article(src)
    assert a.format == "markdown"
    assert a.text == "Title\n\nPublished Jan. 6, 2025\n\nThe S&P 500 rose 24 % per our data."
    start = a.text.index("S&P")
    s, e = a.source_span((start, start + len("S&P 500 rose 24 %")))
    assert src[s:e] == "S&P 500 rose 24 %"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("On Aug. 21 IWM rose 1.5 %. SPY fell.", ["On Aug. 21 IWM rose 1.5 %.", "SPY fell."]),
        ("The U.S. market rose. It fell.", ["The U.S. market rose.", "It fell."]),
        ("Shares of AAON Inc. (AAON) jumped 12 %.", ["Shares of AAON Inc. (AAON) jumped 12 %."]),
        ("Up 3.5 % vs. 2 % for SPY.", ["Up 3.5 % vs. 2 % for SPY."]),
        ("First line\nsame paragraph.\n\nNew one.", ["First line\nsame paragraph.", "New one."]),
        ('He said "it rose." Then it fell.', ['He said "it rose."', "Then it fell."]),
    ],
)
def test_sentences(text: str, expected: list[str]) -> None:
    got = sentences(text)
    assert [s.text for s in got] == expected
    assert all(text[s.start : s.end] == s.text for s in got)


@pytest.mark.parametrize(
    "path", sorted(p for p in ARTICLES.iterdir() if p.suffix in (".md", ".html", ".txt"))
)
def test_claim_spans_point_into_the_article(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    a = load_article(source)
    claims = extract_claims(a.text, article_date(source))
    assert claims
    for c in claims:
        assert a.text[c.span[0] : c.span[1]] == c.text
        s, e = a.source_span(c.span)
        original = source[s:e]
        first_number = re.search(r"\d[\d,.]*", c.text)
        if first_number:
            assert first_number.group(0) in original, (c.text, original)


def test_article_words() -> None:
    for path in ARTICLES.iterdir():
        if path.suffix in (".md", ".html"):
            words = len(load_article(path.read_text(encoding="utf-8")).text.split())
            assert 150 <= words <= 600, (path.name, words)


_WORDS = [
    "small caps",
    "the S&P 500",
    "rose",
    "fell",
    "12.7 %",
    "nearly 3 %",
    "$20 billion",
    "last week",
    "since the March low",
    "in 2024",
    "Aug. 21",
    "record",
    "below its peak",
    "the 10-year yield",
    "50 basis points",
    "three straight years",
    ",",
    ".",
    "\n\n",
    "and",
    "while",
    "(IWM)",
    "—",
    "1–2 %",
    "a fifth",
    "twice as much as",
    "p. 4",
    "212-555-0147",
]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from(_WORDS) | st.text(max_size=8), max_size=40),
    st.dates(dt.date(1950, 1, 1), dt.date(2100, 12, 31)),
)
def test_extraction_never_fails_and_spans_index_the_text(parts: list[str], day: object) -> None:
    text = " ".join(parts)
    for c in extract_claims(text, day):  # type: ignore[arg-type]
        assert text[c.span[0] : c.span[1]] == c.text
        if c.claimed is not None:
            assert c.claimed.low <= c.claimed.high
        if c.window is not None:
            assert c.window.start is None or c.window.start <= c.window.end
            assert c.window.end <= day  # type: ignore[operator]
