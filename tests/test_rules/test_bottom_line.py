"""The bottom-line rules: every classification branch and the card cases."""

from __future__ import annotations

import pytest

from capsize.rules import bottom_line as B


@pytest.mark.parametrize(
    ("spread", "want"),
    [(0.0011, "lead"), (0.001, "level"), (-0.001, "level"), (-0.0011, "trail"), (None, None)],
)
def test_verdict_uses_the_tie_of_a_tenth_of_a_point(spread: float | None, want: str | None) -> None:
    assert B.verdict(spread) == want


@pytest.mark.parametrize(
    ("score", "want"),
    [(0.5, "small"), (0.49, "neutral"), (-0.49, "neutral"), (-0.5, "large"), (None, "none")],
)
def test_card_lean(score: float | None, want: str) -> None:
    assert B.card_lean(score) == want


@pytest.mark.parametrize(
    ("vs200", "vs50", "want"),
    [
        (0.02, 0.01, "up"),
        (-0.02, -0.01, "down"),
        (0.02, -0.01, "pulling back"),
        (-0.02, 0.01, "recovering"),
        (None, 0.01, None),
    ],
)
def test_ratio_trend(vs200: float | None, vs50: float | None, want: str | None) -> None:
    assert B.ratio_trend(vs200, vs50) == want


@pytest.mark.parametrize(
    ("year", "lean", "want"),
    [
        ("lead", "small", "agree"),
        ("trail", "large", "agree"),
        ("lead", "large", "oppose"),
        ("trail", "small", "oppose"),
        ("level", "small", "lean"),
        (None, "large", "lean"),
        ("lead", "neutral", "split"),
        ("lead", "none", "none"),
    ],
)
def test_card_case(year: B.Verdict | None, lean: str, want: str) -> None:
    assert B.card_case(year, lean) == want


def test_every_case_and_component_has_words() -> None:
    assert set(B.CARD_SENTENCES) == {"agree", "oppose", "lean", "split", "none"}
    assert set(B.RATIO_WORDS) == {"up", "down", "pulling back", "recovering"}
    assert len(B.COMPONENT_WORDS) == 6
    assert "a tenth of a percentage point" in B.RULE and "one half" in B.RULE
