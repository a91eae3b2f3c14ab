"""``capsize rates``: print the rates answer (private; see :mod:`capsize._cli.drivers`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from capsize._cli.drivers._render import cell_text, print_footer, print_result_table

if TYPE_CHECKING:
    from capsize.queries.result import QueryResult, TableData

__all__ = ["print_rates"]

_ORDER = ("levels", "sensitivity", "rolling_correlation", "corr52w", "regimes", "turns", "events")


def _regimes(table: TableData) -> None:
    """Print the regime table with each horizon's average, hit rate and count in one cell."""
    from capsize._cli._common import print_table

    horizons = [c.split()[1] for c in table.columns if c.startswith("next ")]
    rows = []
    for r in table.rows:
        cells = [cell_text(r[0]), cell_text(r[1])]
        for i in range(len(horizons)):
            avg, hit, n = r[2 + 3 * i : 5 + 3 * i]
            cells.append(f"{cell_text(avg)} / {cell_text(hit)} (n={cell_text(n)})")
        rows.append(cells)
    print_table(
        rows,
        ["month when yield was", "months", *[f"next {h}: avg / hit" for h in horizons]],
        title=table.title,
        caption="avg: small minus large over the next months; hit: share of months small led",
        right_align=tuple(range(1, 2 + len(horizons))),
    )


def print_rates(result: QueryResult) -> None:
    """Print levels, sensitivity, correlations, regimes and the Fed-turn study."""
    names = {t.name for t in result.tables}
    for name in (n for n in _ORDER if n in names):
        if name == "regimes":
            _regimes(result.table(name))
        else:
            print_result_table(result.table(name))
    print_footer(result)
