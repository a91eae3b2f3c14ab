"""``capsize factor`` and ``capsize rotation``: render the size family's answers.

Both commands only render: :func:`capsize.queries.factor_history` and
:func:`capsize.queries.rotation_score` compute every figure (point in time, configured
weights, one staleness rule); ``--json`` prints the result's dict exactly. Imports of the
query layer and the formatter happen inside the commands so that ``capsize --help``
stays fast.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import typer

from capsize._cli._common import (
    check_number,
    console,
    emit_json,
    escape_markup,
    handle_errors,
    print_table,
)
from capsize.errors import InputError

if TYPE_CHECKING:
    from capsize.queries.result import Cell, Figure, QueryResult, TableData
    from capsize.queries.size import FactorHistory, RotationScoreResult

__all__ = ["format_cell", "register"]

_UNSIGNED = ("weight", "weight_used", "assessed_weight", "pctl", "hit_rate", "tracking_error")
"""Figure id endings shown without a sign (shares, weights, percentiles)."""


_UNSIGNED_COMPONENTS = ("breadth.", "valuation.")
"""Components whose reading is a share or a percentile (shown without a sign)."""


def _fraction(f: Figure, v: float) -> str:
    from capsize._format import fmt_pct

    unsigned = f.id.rsplit(".", 1)[-1] in _UNSIGNED or f.id.startswith(_UNSIGNED_COMPONENTS)
    return fmt_pct(v, 0 if f.id.endswith("pctl") else 1, sign=not unsigned)


def _score(_: Figure, v: float) -> str:
    from capsize._format import fmt_num

    if float(v).is_integer():
        return f"{int(v):+d}" if v else "0"
    return fmt_num(v, 2, sign=True)


def _number(f: Figure, v: float) -> str:
    from capsize._format import fmt_num, fmt_ratio

    return fmt_ratio(v) if f.id.endswith(".growth") else fmt_num(v, 2, sign=f.unit == "pp")


_BY_UNIT: dict[str, Callable[[Figure, float], str]] = {
    "fraction": _fraction,
    "pp": _fraction,
    "score": _score,
    "ratio": _number,
    "level": _number,
    "count": lambda _, v: f"{int(v):,}",
    "percent": lambda _, v: f"{v:+.2f} pp",
}
"""How each unit is shown (``percent`` here is a change of a yield, in percentage points)."""


def format_cell(cell: Cell) -> str:
    """Return the text of one table cell: labels as they are, figures by unit (n/a with why)."""
    if cell is None:
        return ""
    if isinstance(cell, str):
        return cell
    if cell.unit in ("text", "date"):
        return cell.note
    if cell.value is None:
        return f"n/a ({cell.note})" if cell.note else "n/a"
    return _BY_UNIT.get(cell.unit, _number)(cell, float(cell.value))


def _print(table: TableData, rows: Sequence[Sequence[Cell]] | None = None, **kw: str) -> None:
    """Print ``table`` (or some of its rows) with numbers right-aligned."""
    from capsize.queries.result import Figure

    body = table.rows if rows is None else rows
    numeric = [i for i in range(len(table.columns)) if any(isinstance(r[i], Figure) for r in body)]
    print_table(
        [[format_cell(c) for c in r] for r in body],
        table.columns,
        title=kw.get("title", table.title),
        caption=kw.get("caption"),
        right_align=numeric,
    )


def _notes_and_sources(r: QueryResult, what: str) -> None:
    for note in r.notes:
        console.print(f"[dim]{escape_markup(note)}[/]", highlight=False)
    console.print(
        f"{what} as of {r.as_of:%Y-%m-%d}; sources: {'; '.join(r.sources) or 'unknown'}",
        highlight=False,
        markup=False,
    )


# ---------------------------------------------------------------------------
# factor
# ---------------------------------------------------------------------------


def _print_factor(r: FactorHistory, years_shown: int) -> None:
    _print(r.table("summary"))
    key = r.main
    years = r.table(f"{key}.years")
    complete = [row for row in years.rows if row[-1] == "complete"][-years_shown:]
    last = years.rows[-1]
    partial = None
    if last[-1] != "complete":
        months = r.fig(f"{key}.year.{last[0]}.months")
        partial = (
            f"{last[0]} so far ({format_cell(months)} months): {format_cell(last[1])}, "
            f"{last[2]} ahead"
        )
    _print(
        years,
        complete,
        title=f"{r.labels[key]}: last {len(complete)} complete calendar years",
        caption=partial or "",
    )
    for name in ("streaks", "cycles", "ranks", "forward", "aftermath"):
        _print(r.table(f"{key}.{name}"))
    for k in r.detailed:
        track = r.table(f"{k}.tracking")
        if track.rows:
            _print(track)
    _notes_and_sources(r, "Data")


# ---------------------------------------------------------------------------
# rotation
# ---------------------------------------------------------------------------

_SHORT = {
    "relative_strength": "RS",
    "breadth": "breadth",
    "rates_regime": "rates",
    "flows": "flows",
    "valuation": "value",
    "size_factor_regime": "size",
}


def _history_rows(r: RotationScoreResult, n: int) -> list[list[str]]:
    if n <= 0 or not r.series:
        return []
    score = r.get_series("history.score")
    assessed = r.get_series("history.n_assessed")
    comps = {k: r.get_series(f"history.{k}").values for k in _SHORT}
    rows: list[list[str]] = []
    for i in range(max(len(score.dates) - n, 0), len(score.dates)):
        parts = [f"{_SHORT[k]} {int(v[i]):+d}" for k, v in comps.items() if v[i] == v[i]]
        rows.append(
            [
                score.dates[i][:7],
                f"{score.values[i]:+.2f}",
                r.history_labels[i],
                f"{int(assessed.values[i])}",
                " ".join(parts),
            ]
        )
    return rows


def _print_rotation(r: RotationScoreResult, history_rows: int) -> None:
    console.print(f"[bold]{escape_markup(r.headline)}[/]", highlight=False)
    _print(r.table("components"), caption=r.disclosure)
    _print(r.table("rules"))
    rows = _history_rows(r, history_rows)
    if rows:
        print_table(
            rows,
            ["month end", "score", "reading", "assessed", "component scores"],
            title=f"Score history, last {len(rows)} month ends (point in time)",
            right_align=[1, 3],
        )
    if any(t.name == "evidence" for t in r.tables):
        _print(r.table("evidence"))
    _notes_and_sources(r, "Score")


def register(app: typer.Typer) -> None:
    """Add ``factor`` and ``rotation`` to the ``capsize`` app."""

    @app.command("factor")
    @handle_errors
    def factor(
        as_of: str | None = typer.Option(
            None,
            "--as-of",
            help="Use only French months published by this day (YYYY-MM-DD; month M counts "
            "as published at the end of month M+2) and ETF closes on or before it.",
        ),
        since: int | None = typer.Option(None, "--since", help="First calendar year, e.g. 1990."),
        years: int = typer.Option(15, "--years", help="Calendar years shown in the year table."),
        threshold: float = typer.Option(
            0.25, "--threshold", help="Reversal that confirms a cycle turning point (fraction)."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
    ) -> None:
        """Show the size factor across a century: growth, streaks, cycles, what followed.

        Example: capsize factor --as-of 2025-06-30 --since 1980
        """
        from capsize.queries import factor_history, open_session, parse_as_of

        if years < 1:
            raise InputError(
                f"--years {years} shows no year; pass a count of 1 or more (e.g. --years 15)"
            )
        if since is not None:
            check_number(since, "--since", low=1900, high=2199, example="1990")
        day = parse_as_of(as_of, "--as-of")
        with open_session(day) as s:
            result = factor_history(s, since=since, cycle_threshold=threshold)
        if as_json:
            emit_json(result.to_dict())
        else:
            _print_factor(result, years)

    @app.command("rotation")
    @handle_errors
    def rotation(
        as_of: str | None = typer.Option(
            None,
            "--as-of",
            help="Score on the last IWM/SPY close on or before this day (YYYY-MM-DD), from "
            "data available then.",
        ),
        history: int = typer.Option(12, "--history", help="Month ends of history to show."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
    ) -> None:
        """Show the small-vs-large rotation score, its components, history and evidence.

        Weights come from [rotation.weights] in config.toml (defaults otherwise).

        Example: capsize rotation --as-of 2025-06-30
        """
        from capsize.queries import bottom_line, open_session, parse_as_of, rotation_score

        check_number(history, "--history", low=0, high=1200, example="12")
        day = parse_as_of(as_of, "--as-of")
        with open_session(day) as s:
            result = rotation_score(s)
            line = None if as_json else bottom_line(s)
        if as_json:
            emit_json(result.to_dict())
        else:
            if line is not None:
                console.print(f"Bottom line: {line.text}", highlight=False)
            _print_rotation(result, history)
