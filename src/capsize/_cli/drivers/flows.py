"""``capsize flows``: print the flows answer and N-PORT flows (private; see the package)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from capsize._cli.drivers._render import print_footer, print_result_table
from capsize.errors import InputError

if TYPE_CHECKING:
    from capsize.queries.result import QueryResult

__all__ = ["parse_nport_spec", "print_flows", "print_nport"]

_ORDER = ("windows", "windows_pct", "years", "records", "coverage")


def print_flows(result: QueryResult) -> None:
    """Print the window, calendar-year, record and coverage tables, then the notes."""
    names = {t.name for t in result.tables}
    for name in (n for n in _ORDER if n in names):
        print_result_table(result.table(name))
    print_footer(result)


def print_nport(result: QueryResult) -> None:
    """Print the N-PORT monthly flows and their segment sums."""
    for table in result.tables:
        print_result_table(table)
    print_footer(result)


def parse_nport_spec(spec: str) -> tuple[str, int, str | None]:
    """Parse ``FUND=CIK[:SERIES]`` (e.g. ``IWM=1100663:S000004344``).

    Examples
    --------
    >>> parse_nport_spec("kytf=311101:S000012000")
    ('KYTF', 311101, 'S000012000')
    """
    fund, sep, rest = spec.partition("=")
    cik_txt, _, series = rest.partition(":")
    if not sep or not fund.strip() or not cik_txt.strip().isdigit():
        raise InputError(
            f"--nport {spec!r} is not FUND=CIK[:SERIES], e.g. IWM=1100663:S000004344 "
            "(the registrant CIK and the fund's series id from EDGAR)"
        )
    return fund.strip().upper(), int(cik_txt), series.strip() or None
