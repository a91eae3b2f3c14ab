"""Read an article: plain text, Markdown or a saved HTML page (as text), or standard input."""

from __future__ import annotations

import re
import sys
from html.parser import HTMLParser
from pathlib import Path

from capsize.errors import InputError

__all__ = ["html_to_text", "read_article"]

_BLOCKS = {
    "p",
    "div",
    "br",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "section",
    "article",
    "header",
    "footer",
    "blockquote",
    "pre",
    "ul",
    "ol",
    "table",
    "title",
    "time",
}
_SKIP = {"script", "style", "noscript", "template", "svg", "head"}
_KEEP_IN_HEAD = {"title"}


class _Text(HTMLParser):
    """Collect the visible text of a page, one line per block element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP and tag != "head":
            self.skip += 1
        if tag == "title":
            self.in_title = True
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP and tag != "head":
            self.skip = max(0, self.skip - 1)
        if tag == "title":
            self.in_title = False
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.skip == 0:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Return the visible text of an HTML page (blocks on their own lines, no script/style).

    Examples
    --------
    >>> html_to_text("<html><body><p>Small caps rose 2 %.</p><script>x=1</script></body></html>")
    'Small caps rose 2 %.'
    """
    parser = _Text()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _looks_html(name: str, text: str) -> bool:
    head = text.lstrip()[:200].lower()
    return name.lower().endswith((".html", ".htm")) or head.startswith(("<!doctype html", "<html"))


def read_article(path: str) -> tuple[str, str]:
    """Read an article file (``-``: standard input) and return ``(text, name)``.

    Raises
    ------
    InputError
        A missing or unreadable file, a binary file, or one without text.
    """
    name = "stdin" if path == "-" else path
    try:
        data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(
            f"article file {path} does not exist; give a text, Markdown or HTML file"
        ) from None
    except IsADirectoryError:
        raise InputError(
            f"article {path} is a directory; give a text, Markdown or HTML file"
        ) from None
    except OSError as exc:
        raise InputError(
            f"cannot read article {path}: {exc.strerror}; check its permissions"
        ) from None
    if b"\x00" in data[:8192]:
        raise InputError(f"article {name} is a binary file; give a text, Markdown or HTML file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"article {name} is not UTF-8 text; save it as UTF-8 and retry") from None
    if _looks_html(name, text):
        text = html_to_text(text)
    if not text.strip():
        raise InputError(f"article {name} is empty; give a file with the article's text")
    return text, name
