"""A stated return's basis and vehicle: each figure is measured as its own words say."""

from __future__ import annotations

import datetime as dt

import pytest

from capsize.factcheck.extract import extract_claims, find_subjects
from capsize.factcheck.extract._vehicle import figure_basis, stretches, vehicle

AD = dt.date(2026, 1, 2)


def _returns(text: str) -> list[tuple[str, object]]:
    return [
        (c.subjects[0].symbol, c.options.get("basis"))
        for c in extract_claims(text, AD)
        if c.kind == "return"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (  # the corpus miss: each figure keeps its own definition
            "The Russell 2000 returned 11.3 % in 2025 on a price basis, "
            "or 12.7 % including dividends through IWM.",
            [("^RUT", "price"), ("IWM", "total")],
        ),
        (
            "The Russell 2000 returned 12.7 % in 2025 including dividends through IWM.",
            [("IWM", "total")],
        ),
        ("The Russell 2000 returned 12.7 % in 2025 via IWM.", [("IWM", None)]),
        ("The Russell 2000 returned 12.7 % in 2025 as measured by IWM.", [("IWM", None)]),
        (
            "The Russell 2000 returned 12.7 % in 2025 with dividends reinvested, "
            "as measured by IWM.",
            [("IWM", "total")],
        ),
        ("Through IWM, the Russell 2000 returned 12.7 % in 2025.", [("IWM", None)]),
        ("The Russell 2000 (IWM) returned 12.7 % in 2025.", [("IWM", None)]),
        # no fund named: the index, on total return
        ("The Russell 2000 returned 12.7 % in 2025, including dividends.", [("^RUT", "total")]),
        ("Small caps rose 12 % excluding dividends in 2025.", [("IWM", "price")]),
        # level words ("closed") are no price-return wording
        ("Small caps closed 2025 up 12.7 %.", [("IWM", None)]),
    ],
)
def test_a_named_fund_and_dividend_words_decide_the_measure(
    text: str, expected: list[tuple[str, object]]
) -> None:
    assert _returns(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # IWM is named for another claim of the sentence, not as the vehicle
        ("The Russell 2000 rose 11.3 % in 2025, and IWM drew $4 billion of inflows.", "^RUT"),
        ("The Russell 2000 rose 11.3 % in 2025 while IWM took in $4 billion.", "^RUT"),
        ("The S&P 500 rose 16.4 % in 2025, beating IWM by 4 points.", "^GSPC"),
        # a vehicle word, but IWM does not track the subject's market
        ("The S&P 500 returned 16.4 % in 2025 through IWM's worst stretch.", "^GSPC"),
        ("Large caps rose 16 % in 2025 even as money left through IWM.", "SPY"),
    ],
)
def test_a_fund_named_for_something_else_leaves_the_subject(text: str, expected: str) -> None:
    assert [s for s, _basis in _returns(text)] == [expected]


def test_the_flows_claim_beside_it_keeps_the_fund() -> None:
    claims = extract_claims(
        "The Russell 2000 rose 11.3 % in 2025, and IWM drew $4 billion of inflows.", AD
    )
    assert [(c.kind, c.subjects[0].symbol) for c in claims] == [
        ("return", "^RUT"),
        ("flows", "IWM"),
    ]


def test_basis_and_vehicle_read_the_figure_own_stretch() -> None:
    text = (
        "The Russell 2000 returned 11.3 % on a price basis, or 12.7 % including dividends via IWM"
    )
    first, second = stretches([(26, 32), (54, 60)], len(text))
    assert text[slice(*first.after)] == " on a price basis, or "
    assert (figure_basis(text, first), figure_basis(text, second)) == ("price", "total")
    hits = find_subjects(text)
    rut = hits[0].subject
    assert vehicle(text, hits, first, rut) is None  # IWM is in the second figure's words
    fund = vehicle(text, hits, second, rut)
    assert fund is not None and fund.symbol == "IWM"
