"""Tests for ``capsize._format``: the one formatter of numbers shown to people."""

from __future__ import annotations

import pytest

from capsize._format import fmt_pct


@pytest.mark.parametrize(
    ("value", "digits", "sign", "expected"),
    [
        (19703.352, 1, True, "+1,970,335%"),  # a century of compounding
        (-0.5, 1, True, "-50.0%"),
        (0.0123, 1, True, "+1.2%"),
        (9.994, 1, True, "+999.4%"),  # below 1,000 %: decimals kept
        (9.99996, 1, True, "+1,000%"),  # rounds to 1,000 %: no decimals
        (12.3456, 0, True, "+1,235%"),
        (12.3456, 2, False, "1,235%"),
        (-12.3456, 1, True, "-1,235%"),
        (0.1234, 2, False, "12.34%"),
        (-1e-7, 1, True, "0.0%"),
    ],
)
def test_fmt_pct_large_values_read_with_thousands_separators(
    value: float, digits: int, sign: bool, expected: str
) -> None:
    assert fmt_pct(value, digits, sign=sign) == expected


def test_fmt_pct_missing_value_is_na_with_reason() -> None:
    assert fmt_pct(float("inf"), reason="no data") == "n/a (no data)"
