"""The ``bottom_line`` query: its figures are the other queries' figures, its words follow the rules."""

from __future__ import annotations

from typing import Any

import pytest

from capsize.rules import bottom_line as B

DAYS = ("2026-08-21", "2025-10-08", "2024-06-28")


@pytest.fixture(scope="module")
def answers(store: Any) -> dict[str, tuple[Any, ...]]:
    from capsize.queries import bottom_line, relative_strength, rotation_score, scoreboard

    out = {}
    for d in DAYS:
        out[d] = (
            bottom_line(store, d),
            scoreboard(store, d),
            relative_strength(store, d),
            rotation_score(store, d, history=False),
        )
    return out


def test_bottom_line_is_in_the_lazy_registry() -> None:
    import capsize.queries as q

    assert "bottom_line" in q.__all__
    assert q.bottom_line.__module__ == "capsize.queries.size._bottom_line"


@pytest.mark.parametrize("day", DAYS)
def test_figures_are_the_other_queries_figures(answers, day: str) -> None:
    bl, board, rel, card = answers[day]
    assert bl.figures, bl.text
    for fid, f in bl.figures.items():
        src = card if fid == "score" else (rel if fid.startswith("ratio.") else board)
        other = src.fig(fid)
        assert (f.value, f.unit, f.provenance) == (other.value, other.unit, other.provenance)


@pytest.mark.parametrize("day", DAYS)
def test_words_follow_the_rules(answers, day: str) -> None:
    bl, board, _, card = answers[day]
    ytd = board.fig("IWM-SPY.YTD").value
    assert bl.year == B.verdict(ytd)
    assert bl.card == B.card_lean(card.score.value)
    assert bl.case == B.card_case(bl.year, bl.card)
    word = {"lead": "lead", "trail": "trail", "level": "are level with"}[bl.year]
    assert bl.text.startswith(f"Small caps {word} large caps")
    assert f"{abs(ytd) * 100:.1f} pp this year" in bl.text
    score = card.score.value
    assert f"score {score:+.2f}".replace("+0.00", "0.00") in bl.text
    assert bl.notes == (B.RULE,)
    assert "nan" not in bl.text.lower() and "None" not in bl.text
    d = bl.to_dict()
    assert d["query"] == "bottom_line"


def test_known_days_read_as_expected(answers) -> None:
    assert answers["2024-06-28"][0].case == "agree"  # trailing, signals lean large
    split = answers["2026-08-21"][0]
    assert split.case == "split" and split.ratio == "pulling back"
    assert "above its 200-day average but" in split.text
    assert "favours small caps" in split.text and "favour large caps" in split.text
