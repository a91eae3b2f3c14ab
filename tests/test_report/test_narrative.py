"""Narrative rules on hand-built contexts (every branch) and on the real store."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from capsize.data.store import Store
from capsize.report._model import Figure, FigureBook, Section
from capsize.report.context import ReportContext, build_context
from capsize.report.narrative import TIE, Narrative, write_narrative


def _ctx(day: float | None, mtd: float | None, ytd: float | None, **extra: float) -> ReportContext:
    book = FigureBook("2025-10-08")

    def fig(fid: str, v: float | None) -> Figure:
        return book.add(
            fid,
            v,
            lambda x: "n/a (no data)" if x is None else f"{x * 100:+.1f}%",
            fid,
            source="hand",
            symbols=("IWM", "SPY"),
            window="w",
            formula="f",
        )

    score = {
        "IWM-SPY.1D": fig("d", day),
        "IWM-SPY.MTD": fig("m", mtd),
        "IWM-SPY.YTD": fig("y", ytd),
        "IWM-SPY.YTD.abs": fig("ya", None if ytd is None else abs(ytd)),
        "IWM.1D": fig("i1", 0.01),
        "SPY.1D": fig("s1", 0.005),
        "IWM.MTD": fig("im", 0.02),
        "SPY.MTD": fig("sm", 0.01),
        "IWM.YTD": fig("iy", 0.1),
        "SPY.YTD": fig("sy", 0.12),
    }
    rel = {k: fig(k, v) for k, v in extra.items()}
    sections = (
        Section("scoreboard", "Scoreboard", figures=score),
        Section("relative", "Relative strength", figures=rel),
    )
    return ReportContext(
        as_of=pd.Timestamp("2025-10-08"),
        requested=None,
        proxies=(),
        sections=sections,
        watch=(),
        figures=book.all(),
        notes=(),
        version="test",
    )


def _head(n: Narrative) -> str:
    return n.text().split("\n\n")[0]


@pytest.mark.parametrize(
    ("day", "ytd", "expected"),
    [
        (0.008, 0.05, "Small caps beat large caps by +0.8%; ahead by +5.0% for the year"),
        (
            0.008,
            -0.05,
            "Small caps beat large caps by +0.8%, but still behind by +5.0% for the year",
        ),
        (-0.008, -0.05, "Small caps trail large caps by -0.8%; behind by +5.0% for the year"),
        (
            -0.008,
            0.05,
            "Small caps trail large caps by -0.8%, but still ahead by +5.0% for the year",
        ),
        (TIE / 2, 0.0, "Small and large caps move in step; level for the year"),
        (None, 0.05, "Small caps vs large caps"),
    ],
)
def test_headline_rules(day: float | None, ytd: float, expected: str) -> None:
    assert _head(write_narrative(_ctx(day, 0.0, ytd))) == expected


def test_tie_threshold_is_exclusive() -> None:
    at = write_narrative(_ctx(TIE, 0.0, 0.05))
    above = write_narrative(_ctx(TIE * 1.5, 0.0, 0.05))
    assert _head(at).startswith("Small and large caps move in step")
    assert _head(above).startswith("Small caps beat")


def test_summary_uses_only_context_figures() -> None:
    ctx = _ctx(0.008, 0.01, -0.02, **{"small.vs200": -0.05})
    n = write_narrative(ctx)
    ids = {f.id for f in ctx.figures}
    for para in (n.headline, *n.paragraphs):
        for p in para:
            if not isinstance(p, str):
                assert p.id in ids
    text = n.text()
    assert "behind by +2.0% (IWM" in text  # the magnitude figure; words carry the sign
    assert "trend is against small caps" in text


def test_missing_figures_leave_sentences_out() -> None:
    n = write_narrative(_ctx(None, None, None))
    assert n.headline == ("Small caps vs large caps",)
    assert "Month to date" not in n.text()


@pytest.fixture(scope="module")
def real(store_home: Path) -> dict[str, ReportContext]:
    s = Store.open(store_home / "capsize.duckdb", read_only=True)
    try:
        return {d: build_context(s, as_of=d) for d in ("2025-06-26", "2026-08-21")}
    finally:
        s.close()


def test_real_narrative_matches_signs(real: dict[str, ReportContext]) -> None:
    for ctx in real.values():
        n = write_narrative(ctx)
        ytd = float(ctx.fig("scoreboard", "IWM-SPY.YTD").value)
        head = _head(n)
        # the headline is the bottom line: the year's verdict first, the card after it
        word = "lead" if ytd > TIE else ("trail" if ytd < -TIE else "are level with")
        assert head.startswith(f"Small caps {word} large caps"), head
        assert "rotation signal" in head and "(score " in head and head.endswith(".")
        assert "the Russell 2000 ETF (IWM) returned" in n.text()  # the day: in the summary
        assert n.rules[0].startswith("Bottom line:")
        assert "nan" not in n.text().lower()
    stale = write_narrative(real["2026-08-21"]).text()
    assert "IWC" not in stale  # stale proxies are flagged by the report banner, not the prose
