"""Write an output file (through capsize._atomic, the one writer of capsize's files)."""

from __future__ import annotations

from pathlib import Path

from capsize._atomic import write_text

__all__ = ["write_output"]


def write_output(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (UTF-8) and return the path.

    Raises
    ------
    OutputError
        When the file cannot be written (the message names the path).
    """
    target = Path(path)
    write_text(target, text)
    return target
