"""Article text: plain, Markdown or a saved HTML page, as plain text with its source offsets.

Claims carry ``(start, end)`` offsets into the plain text; :meth:`ArticleText.source_span`
maps them back to the file as given, so a renderer can annotate the original.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Literal

__all__ = ["ArticleText", "Format", "Sentence", "load_article", "sentences"]

#: How an article file is written.
Format = Literal["text", "markdown", "html"]


@dataclass(frozen=True)
class ArticleText:
    """An article as plain text, each character mapped to its place in the source.

    Attributes
    ----------
    text : str
        The plain text (markup removed, HTML entities decoded, blocks separated by blank lines).
    source : str
        The article as given.
    offsets : tuple of int
        ``offsets[i]`` is the index in ``source`` of ``text[i]``; one more entry, the source's
        length, closes the last span.
    format : Format
        ``"text"``, ``"markdown"`` or ``"html"``.
    """

    text: str
    source: str
    offsets: tuple[int, ...]
    format: Format

    def source_span(self, span: tuple[int, int]) -> tuple[int, int]:
        """Return the source offsets ``(start, end)`` of the text span ``span``."""
        start, end = span
        if end <= start:
            return self.offsets[start], self.offsets[start]
        return self.offsets[start], self.offsets[end - 1] + 1


@dataclass(frozen=True)
class Sentence:
    """A sentence of the plain text and its ``(start, end)`` offsets."""

    text: str
    start: int
    end: int


class _Builder:
    """Collects output characters with their source offsets."""

    def __init__(self) -> None:
        self.chars: list[str] = []
        self.offsets: list[int] = []

    def add(self, text: str, at: int, *, one_place: bool = False) -> None:
        for i, ch in enumerate(text):
            self.chars.append(ch)
            self.offsets.append(at if one_place else at + i)

    def blank_line(self, at: int) -> None:
        tail = "".join(self.chars[-2:])
        if self.chars and tail != "\n\n":
            self.add("\n" if tail.endswith("\n") else "\n\n", at, one_place=True)

    def done(self, source: str, fmt: Format) -> ArticleText:
        return ArticleText("".join(self.chars), source, (*self.offsets, len(source)), fmt)


_HTML_TOKEN = re.compile(
    r"<!--.*?-->|<(script|style|head|noscript|template)\b[^>]*>.*?</\1\s*>|<[^>]+>|&#?\w+;",
    re.I | re.S,
)
_BLOCK_TAG = re.compile(
    r"</?(p|div|br|h[1-6]|li|ul|ol|tr|td|th|table|section|article|header|footer|"
    r"blockquote|title|figcaption|hr|main|aside|nav)\b",
    re.I,
)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.I | re.S)
_SPACE = re.compile(r"[ \t\r\n]+")


def _html_data(b: _Builder, data: str, at: int) -> None:
    """Add text between tags, folding runs of white space into one space."""
    pos = 0
    for m in _SPACE.finditer(data):
        b.add(data[pos : m.start()], at + pos)
        if b.chars and b.chars[-1] not in " \n":
            b.add(" ", at + m.start())
        pos = m.end()
    b.add(data[pos:], at + pos)


def _from_html(source: str) -> ArticleText:
    b = _Builder()
    title = _TITLE.search(source)
    if title:  # the <head> is skipped below; its title is the headline
        _html_data(b, html.unescape(title.group(1)).strip(), title.start(1))
        b.blank_line(title.end())
    pos = 0
    for m in _HTML_TOKEN.finditer(source):
        _html_data(b, source[pos : m.start()], pos)
        token = m.group(0)
        if token.startswith("&"):
            b.add(html.unescape(token), m.start(), one_place=True)
        elif _BLOCK_TAG.match(token):
            b.blank_line(m.start())
        pos = m.end()
    _html_data(b, source[pos:], pos)
    return b.done(source, "html")


# Markdown markup dropped from the text: heading and quote markers, list bullets, emphasis,
# inline code ticks, link targets (the link text stays), images, horizontal rules.
_MD_DROP = re.compile(
    r"(?m)^[ \t]*(?:#{1,6}[ \t]+|>[ \t]?|[-*+][ \t]+|\d+\.[ \t]+)"
    r"|^[ \t]*(?:-{3,}|\*{3,}|_{3,})[ \t]*$"
    r"|!\[[^\]]*\]\([^)]*\)"
    r"|\]\([^)]*\)|\["
    r"|\*\*|__|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])|`"
)


def _from_markdown(source: str) -> ArticleText:
    b = _Builder()
    pos = 0
    for m in _MD_DROP.finditer(source):
        b.add(source[pos : m.start()], pos)
        pos = m.end()
    b.add(source[pos:], pos)
    return b.done(source, "markdown")


def _guess_format(source: str) -> Format:
    head = source.lstrip()[:2000].lower()
    if head.startswith(("<!doctype html", "<html")) or "<body" in head or "</p>" in head:
        return "html"
    if re.search(r"(?m)^#{1,6} |\*\*\w|\]\(https?://", source[:4000]):
        return "markdown"
    return "text"


def load_article(source: str, fmt: Format | None = None) -> ArticleText:
    r"""Turn an article (plain text, Markdown or saved HTML) into plain text with offsets.

    Parameters
    ----------
    source : str
        The article as read from its file.
    fmt : {"text", "markdown", "html"}, optional
        Its format; guessed from the content when None (an ``<html>``/``<body>``/``</p>``
        tag means HTML, a ``# heading``, ``**bold**`` or ``[link](https://...)`` Markdown).

    Returns
    -------
    ArticleText
        The text and the map from text offsets to source offsets.

    Examples
    --------
    >>> a = load_article("<p>Small caps rose <b>5&nbsp;%</b>.</p>")
    >>> a.text
    'Small caps rose 5\xa0%.'
    >>> a.source[slice(*a.source_span((16, 19)))]
    '5&nbsp;%'
    """
    fmt = fmt or _guess_format(source)
    if fmt == "html":
        art = _from_html(source)
    elif fmt == "markdown":
        art = _from_markdown(source)
    else:
        art = ArticleText(source, source, (*range(len(source)), len(source)), "text")
    text = art.text.rstrip()
    lead = len(text) - len(text.lstrip())
    if lead or len(text) != len(art.text):
        off = art.offsets[lead : len(text)]
        art = ArticleText(text[lead:], source, (*off, len(source)), art.format)
    return art


# Abbreviations whose full stop does not end a sentence.
_ABBREV = (
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|Mr|Mrs|Ms|Dr|St|Inc|Corp|Co|Ltd|"
    r"vs|No|approx|est|U\.S|e\.g|i\.e|Jr|Sr|Gov|Sen|Rep|Prof|p"
)
_SENTENCE_END = re.compile(r"(?<!\b[A-Z])[.!?][\"'”’)]*(?=\s+[\"'“‘(]?[A-Z0-9$])|\n[ \t]*\n\s*")
_ABBREV_END = re.compile(rf"\b(?:{_ABBREV})\.$|\b[A-Z]\.$")


def sentences(text: str) -> list[Sentence]:
    r"""Split plain text into sentences (paragraph breaks and ``. ? !`` before a capital).

    Abbreviations (``Aug.``, ``U.S.``, ``vs.``) and decimals do not end a sentence; single
    line breaks inside a paragraph do not either.

    Examples
    --------
    >>> [s.text for s in sentences("On Aug. 21 IWM rose 1.5 %. SPY fell.\n\nNext.")]
    ['On Aug. 21 IWM rose 1.5 %.', 'SPY fell.', 'Next.']
    """
    out: list[Sentence] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        end = m.start() if m.group(0).startswith("\n") else m.end()
        if not m.group(0).startswith("\n") and _ABBREV_END.search(text[start:end]):
            continue
        _append(out, text, start, end)
        start = m.end()
    _append(out, text, start, len(text))
    return out


def _append(out: list[Sentence], text: str, start: int, end: int) -> None:
    piece = text[start:end]
    stripped = piece.strip()
    if stripped:
        s = start + piece.index(stripped)
        out.append(Sentence(stripped, s, s + len(stripped)))
