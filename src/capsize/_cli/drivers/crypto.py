"""``capsize crypto``: print the crypto answer (private; see :mod:`capsize._cli.drivers`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from capsize._cli.drivers._render import fig_text, print_footer, print_result_table

if TYPE_CHECKING:
    from capsize.queries.result import QueryResult

__all__ = ["print_crypto"]


def print_crypto(result: QueryResult) -> None:
    """Print the leadership table, the dominance line and the alt-basket line."""
    from capsize._cli._common import console

    print_result_table(result.table("leadership"))
    figs = {f.id: f for f in result.all_figures()}
    dom = figs.get("dominance.majors")
    if dom is not None:
        rest = figs["dominance.rest"]
        console.print(
            f"dominance of {' + '.join(dom.provenance.symbols)}: {fig_text(dom)} vs the rest "
            f"{fig_text(rest)} (snapshot {dom.provenance.window}; {dom.provenance.formula}; "
            f"{dom.provenance.source})",
            highlight=False,
            markup=False,
        )
    alts = figs.get("alts.vs_majors")
    if alts is not None:
        console.print(
            f"{alts.label}: {fig_text(alts)} from {alts.provenance.window.replace('..', ' to ')}",
            highlight=False,
            markup=False,
        )
    print_footer(result)
