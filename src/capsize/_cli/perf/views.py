"""How each performance command prints its answer (tables and captions from the result)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from capsize._cli.perf.render import blank, caption, fmt_figure, print_result_table

if TYPE_CHECKING:
    from capsize.queries.performance import (
        HighsResult,
        RelativeStrengthResult,
        RiskResult,
        ScoreboardResult,
        TapeResult,
        WindowReturnsResult,
    )

__all__ = [
    "print_compare",
    "print_highs",
    "print_returns",
    "print_risk",
    "print_segments",
    "print_tape",
]


def print_returns(res: WindowReturnsResult, total_only: bool) -> None:
    """``capsize perf SYMBOLS``: one row per symbol and window."""
    drop = ("Price return",) if total_only else ()
    print_result_table(res.table("returns"), drop=drop, caption_lines=[caption(res)])


def print_segments(res: ScoreboardResult, total_only: bool) -> None:
    """``capsize perf --segments``: one row per segment proxy and window."""
    drop = ("Price return",) if total_only else ()
    print_result_table(res.table("returns"), drop=drop, caption_lines=[caption(res)])


def _cross_text(res: RelativeStrengthResult) -> str:
    cross = res.fig("ratio.cross200.date")
    text = ""
    if cross.value is not None:
        where = "above" if res.above_200d else "below"
        n = fmt_figure(res.fig("ratio.cross200.sessions"))
        text += f"; {where} the 200-day average since {cross.note} ({n} trading days)"
    ma = res.fig("ma.cross.date")
    if ma.value is not None:
        side = "above" if res.ma50_above_ma200 else "below"
        n = fmt_figure(res.fig("ma.cross.sessions"))
        text += f"; its 50-day average crossed the 200-day on {ma.note} ({n} trading days ago, now {side})"
    return text


def ratio_line(res: RelativeStrengthResult) -> str:
    """One sentence on the ratio against its 50- and 200-day averages and the crossovers."""
    a, b = res.a, res.b
    vs50 = fmt_figure(res.fig("ratio.vs50"), digits=1)
    vs200 = fmt_figure(res.fig("ratio.vs200"), digits=1)
    return (
        f"{a}/{b} ratio on {res.as_of:%Y-%m-%d}: {vs50} vs its 50-day average, "
        f"{vs200} vs its 200-day average{_cross_text(res)}."
    )


def print_compare(res: RelativeStrengthResult) -> None:
    """``capsize compare``: window spreads, the ratio line, then calendar-year leadership."""
    first = [n for n in res.notes if n.startswith(("as-of ", "as of ", f"{res.a} is "))]
    print_result_table(
        res.table("relative"),
        caption_lines=[*(f"Note: {n}." for n in first), ratio_line(res)],
    )
    if any(t.name == "years" for t in res.tables):
        blank()
        rest = [n for n in res.notes if n not in first]
        print_result_table(
            res.table("years"),
            digits=1,
            caption_lines=[
                f"As of {res.as_of:%Y-%m-%d}.",
                *rest,
                "Sources: " + ", ".join(res.sources),
            ],
        )


def print_risk(res: RiskResult) -> None:
    """``capsize risk``: one row per measure."""
    print_result_table(
        res.table("risk"),
        caption_lines=[caption(res)],
        unsigned=("volatility", "benchmark_volatility"),
    )


def print_highs(res: HighsResult) -> None:
    """``capsize highs``: the highs, then the drawdowns."""
    print_result_table(res.table("highs"))
    blank()
    print_result_table(res.table("drawdowns"), digits=1, caption_lines=[caption(res)])
    blank()


def print_tape(res: TapeResult) -> None:
    """``capsize tape``: each proxy's move and volume on the day."""
    print_result_table(res.table("tape"), caption_lines=[caption(res)])
