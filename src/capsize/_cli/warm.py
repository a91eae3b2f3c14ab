"""``capsize report`` when the same report was written before, without Typer.

Building the Typer app and coercing its options (Typer converts every option through
Pydantic) costs more CPU than writing a cached report. :func:`run_warm` reads the
plain forms of ``capsize report``'s options itself and writes the cached files
(:func:`capsize.report.output.warm_report`); for anything else (another command,
``--help``, ``--open``, an unknown, repeated or doubtful option, an option value that
starts with ``-``, no cached report, an error) it returns False and the Typer app
runs the command as usual, with its own parsing and messages.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

__all__ = ["REPORT_OPTIONS", "parse_report_args", "run_warm"]

REPORT_OPTIONS: dict[str, str] = {
    "--as-of": "as_of",
    "--format": "fmt",
    "-f": "fmt",
    "--out": "out",
    "-o": "out",
    "--data-dir": "data_dir",
    "--wait": "wait",
}
"""Options of ``capsize report`` that take a value, read here (name -> field)."""

_FLAGS = {"--quiet": "quiet", "-q": "quiet"}
_SECONDS = re.compile(r"[0-9]+(\.[0-9]+)?")


def _value(args: list[str], i: int) -> tuple[str, str, int] | None:
    """Return ``(option, value, next index)`` for ``--opt value`` or ``--opt=value``."""
    arg = args[i]
    if arg.startswith("--") and "=" in arg:
        name, value = arg.split("=", 1)
        return (name, value, i + 1) if name in REPORT_OPTIONS else None
    if arg not in REPORT_OPTIONS or i + 1 >= len(args):
        return None
    return arg, args[i + 1], i + 2


def parse_report_args(args: list[str]) -> dict[str, str] | None:
    """Read ``report [options]``; None unless every option is a plain, known, single one.

    Examples
    --------
    >>> parse_report_args(["report", "-q", "--out=x.html", "-f", "html"])
    {'quiet': '', 'out': 'x.html', 'fmt': 'html'}
    >>> parse_report_args(["report", "--open"]) is None
    True
    """
    if not args or args[0] != "report":
        return None
    seen: dict[str, str] = {}
    i = 1
    while i < len(args):
        if args[i] in _FLAGS:
            field, value, i = _FLAGS[args[i]], "", i + 1
        else:
            got = _value(args, i)
            if got is None:
                return None
            name, value, i = got
            field = REPORT_OPTIONS[name]
            if not value or value.startswith("-"):
                return None
        if field in seen:
            return None
        seen[field] = value
    return seen


def run_warm(args: list[str]) -> bool:
    """Write the cached report for ``capsize <args>``; False when Typer must run it."""
    opts = parse_report_args(args)
    if opts is None or opts.get("fmt", "html") not in {"html", "md"}:
        return False
    if "wait" in opts and not _SECONDS.fullmatch(opts["wait"]):
        return False
    from capsize.errors import CapsizeError
    from capsize.report.output import warm_report

    out = Path(opts["out"]) if "out" in opts else None
    try:
        path = warm_report(opts.get("as_of"), opts.get("fmt", "html"), out)
    except CapsizeError:  # the full path reports it, with the usual message
        return False
    if path is None:
        return False
    sys.stdout.write(f"Report written: {path}\n")  # as the Typer command prints it
    return True
