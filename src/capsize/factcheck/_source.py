"""Read an article file: plain text, Markdown or a saved HTML page, or standard input."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from capsize.errors import InputError

__all__ = ["ArticleFile", "read_article"]


@dataclass(frozen=True)
class ArticleFile:
    """An article as read from a file.

    Attributes
    ----------
    name : str
        The file name (``"stdin"`` for standard input).
    source : str
        The file's text as written (HTML or Markdown markup included).
    text : str
        The plain text the claims are found in (markup removed by
        :func:`capsize.factcheck.extract.load_article`).
    format : str
        ``"text"``, ``"markdown"`` or ``"html"``.
    """

    name: str
    source: str
    text: str
    format: str


def _read_bytes(path: str) -> bytes:
    try:
        return sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
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
            f"cannot read article {path}: {exc.strerror}; check that the file is readable"
        ) from None


def read_article(path: str) -> ArticleFile:
    """Read an article file (``-``: standard input) as plain text.

    Raises
    ------
    InputError
        A missing or unreadable file, a binary file, text that is not UTF-8, or a file
        without text.
    """
    from capsize.factcheck.extract import load_article

    name = "stdin" if path == "-" else path
    data = _read_bytes(path)
    if b"\x00" in data[:8192]:
        raise InputError(f"article {name} is a binary file; give a text, Markdown or HTML file")
    try:
        source = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"article {name} is not UTF-8 text; save it as UTF-8 and retry") from None
    if not source.strip():
        raise InputError(f"article {name} is empty; give a file with the article's text")
    art = load_article(source)
    if not art.text.strip():
        raise InputError(f"article {name} has no text outside its markup; give the article")
    return ArticleFile(name, source, art.text, art.format)
