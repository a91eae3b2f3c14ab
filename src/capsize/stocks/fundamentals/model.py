"""Fundamentals data model: candidate XBRL concepts, ``Figure``, ``Fundamentals``, ``Valuation``.

Re-exported by :mod:`capsize.stocks.fundamentals`, which documents how figures are built.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "ALL_CONCEPTS",
    "CONCEPTS",
    "FACT_COLUMNS",
    "FLOW_METRICS",
    "INSTANT_METRICS",
    "METRIC_UNITS",
    "PERIOD_BANDS",
    "QUARTER_GAP_DAYS",
    "Concept",
    "Figure",
    "Fundamentals",
    "Valuation",
    "missing_figure",
]


Concept = tuple[str, str]

CONCEPTS: Mapping[str, tuple[Concept, ...]] = {
    "revenue": (
        ("us-gaap", "Revenues"),
        ("us-gaap", "RevenueFromContractWithCustomerExcludingAssessedTax"),
        ("us-gaap", "RevenueFromContractWithCustomerIncludingAssessedTax"),
        ("us-gaap", "SalesRevenueNet"),
        ("ifrs-full", "Revenue"),
    ),
    "net_income": (
        ("us-gaap", "NetIncomeLoss"),
        ("us-gaap", "ProfitLoss"),
        ("ifrs-full", "ProfitLossAttributableToOwnersOfParent"),
        ("ifrs-full", "ProfitLoss"),
    ),
    "eps_diluted": (
        ("us-gaap", "EarningsPerShareDiluted"),
        ("us-gaap", "EarningsPerShareBasicAndDiluted"),
        ("ifrs-full", "DilutedEarningsLossPerShare"),
    ),
    "operating_income": (
        ("us-gaap", "OperatingIncomeLoss"),
        ("ifrs-full", "ProfitLossFromOperatingActivities"),
    ),
    "operating_cash_flow": (
        ("us-gaap", "NetCashProvidedByUsedInOperatingActivities"),
        ("us-gaap", "NetCashProvidedByUsedInOperatingActivitiesContinuingOperations"),
        ("ifrs-full", "CashFlowsFromUsedInOperatingActivities"),
        ("ifrs-full", "CashFlowsFromUsedInOperations"),
    ),
    "d_and_a": (
        ("us-gaap", "DepreciationDepletionAndAmortization"),
        ("us-gaap", "DepreciationAndAmortization"),
        ("us-gaap", "DepreciationAmortizationAndAccretionNet"),
        ("ifrs-full", "AdjustmentsForDepreciationAndAmortisationExpense"),
        ("ifrs-full", "DepreciationAndAmortisationExpense"),
    ),
    "interest_expense": (
        ("us-gaap", "InterestExpense"),
        ("us-gaap", "InterestExpenseNonoperating"),
        ("us-gaap", "InterestExpenseDebt"),
        ("ifrs-full", "FinanceCosts"),
    ),
    "cash": (
        ("us-gaap", "CashAndCashEquivalentsAtCarryingValue"),
        ("us-gaap", "CashCashEquivalentsRestrictedCashAndRestrictedCashEquivalents"),
        ("us-gaap", "Cash"),
        ("ifrs-full", "CashAndCashEquivalents"),
    ),
    "debt": (
        ("us-gaap", "LongTermDebt"),
        ("us-gaap", "LongTermDebtNoncurrent"),
        ("us-gaap", "DebtInstrumentCarryingAmount"),
        ("ifrs-full", "Borrowings"),
    ),
    "shares": (
        ("dei", "EntityCommonStockSharesOutstanding"),
        ("us-gaap", "CommonStockSharesOutstanding"),
    ),
    "public_float": (("dei", "EntityPublicFloat"),),
}
"""Candidate XBRL concepts per metric, in order of preference."""

ALL_CONCEPTS: list[str] = sorted({name for cands in CONCEPTS.values() for _, name in cands})
"""Every candidate concept name (facts of other concepts are dropped first)."""

METRIC_UNITS: Mapping[str, str] = {"eps_diluted": "USD/shares", "shares": "shares"}
"""Unit required per metric (``USD`` for any metric not listed)."""

FLOW_METRICS: tuple[str, ...] = (
    "revenue",
    "net_income",
    "eps_diluted",
    "operating_income",
    "operating_cash_flow",
    "d_and_a",
    "interest_expense",
)
"""Metrics reported over periods (summed to trailing twelve months)."""

INSTANT_METRICS: tuple[str, ...] = ("cash", "debt", "shares", "public_float")
"""Metrics reported at an instant (the latest value is used)."""

PERIOD_BANDS: Mapping[str, tuple[int, int]] = {
    "Q": (80, 100),
    "H": (170, 190),
    "9M": (260, 285),
    "FY": (350, 380),
}
"""Period kind -> (min, max) length in days."""

QUARTER_GAP_DAYS = 7
"""Days allowed between consecutive quarters when chaining them."""

FACT_COLUMNS: frozenset[str] = frozenset(
    {"taxonomy", "concept", "unit", "start", "end", "val", "accn", "filed"}
)
"""Columns a ``sec_facts`` frame must have."""


@dataclass(frozen=True)
class Figure:
    """One number with the evidence behind it.

    Attributes
    ----------
    name : str
        Metric name (``revenue_ttm``, ``cash``, ``pe`` ...).
    value : float
        The value (USD, shares, USD/share or a ratio); NaN when missing.
    unit : str
        ``USD``, ``shares``, ``USD/shares``, ``ratio`` or ``fraction``.
    method : str
        How it was computed (``sum of 4 quarters``, ``annual``, ``latest instant``, a formula).
    concept : str or None
        XBRL concept (``us-gaap:NetIncomeLoss``) when from filings.
    start, end : Timestamp or None
        Period covered (``start`` None for instants).
    filed : Timestamp or None
        Latest filing date among the facts used (the evidence date).
    accessions : tuple of str
        Accession numbers of the filings used.
    note : str
        Why the value is missing, or a caveat.
    """

    name: str
    value: float
    unit: str
    method: str = ""
    concept: str | None = None
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    filed: pd.Timestamp | None = None
    accessions: tuple[str, ...] = ()
    note: str = ""

    @property
    def missing(self) -> bool:
        """True when the value is NaN/inf."""
        return not math.isfinite(self.value)

    def to_dict(self) -> dict[str, object]:
        """Return a JSON-friendly dict (dates as ISO strings, NaN as None)."""

        def d(x: pd.Timestamp | None) -> str | None:
            return None if x is None else x.strftime("%Y-%m-%d")

        return {
            "name": self.name,
            "value": None if self.missing else self.value,
            "unit": self.unit,
            "method": self.method,
            "concept": self.concept,
            "start": d(self.start),
            "end": d(self.end),
            "filed": d(self.filed),
            "accessions": list(self.accessions),
            "note": self.note,
        }


def missing_figure(name: str, unit: str, note: str) -> Figure:
    """Return a figure whose value is NaN, with the reason in ``note``."""
    return Figure(name, float("nan"), unit, note=note)


@dataclass(frozen=True)
class Fundamentals:
    """Filing-based fundamentals of one company as of a date.

    Attributes
    ----------
    ticker : str
    as_of : Timestamp or None
        Only facts filed on or before it were used (None = all).
    figures : Mapping[str, Figure]
        ``revenue_ttm, net_income_ttm, eps_diluted_ttm, operating_income_ttm,
        operating_cash_flow_ttm, d_and_a_ttm, interest_expense_ttm,
        net_income_ttm_prior`` (TTM one year earlier), ``cash, debt, shares,
        shares_prior`` (about a year before ``shares``), ``public_float`` (USD
        market value held by non-affiliates, cover page of the annual report,
        measured at the end of the second fiscal quarter; never stale-checked).
    restated : int
        Number of periods whose value changed between filings.
    notes : tuple of str
        Skipped units, stale periods, reverse-split suspicion.
    source : str
        Where the facts came from.
    """

    ticker: str
    as_of: pd.Timestamp | None
    figures: Mapping[str, Figure]
    restated: int = 0
    notes: tuple[str, ...] = ()
    source: str = ""

    def get(self, name: str) -> Figure:
        """Return a figure by name, or a missing one with a reason."""
        fig = self.figures.get(name)
        return fig if fig is not None else missing_figure(name, "", "not computed")


@dataclass(frozen=True)
class Valuation:
    """Price-based ratios of one company.

    Attributes
    ----------
    ticker : str
    price : float
        USD per share used.
    price_date : Timestamp
    figures : Mapping[str, Figure]
        ``market_cap, enterprise_value, pe, ps, ev_sales, net_debt_ebitda,
        interest_coverage, share_growth``.
    profitable : bool or None
        TTM net income > 0; None when not assessed.
    market_cap_source : str
        ``"XBRL shares x price"`` or the label of a caller-supplied estimate.
    """

    ticker: str
    price: float
    price_date: pd.Timestamp | None
    figures: Mapping[str, Figure]
    profitable: bool | None
    market_cap_source: str

    def get(self, name: str) -> Figure:
        """Return a figure by name, or a missing one with a reason."""
        fig = self.figures.get(name)
        return fig if fig is not None else missing_figure(name, "", "not computed")
