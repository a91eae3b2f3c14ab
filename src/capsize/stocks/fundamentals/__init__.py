"""Fundamentals from SEC XBRL company facts: TTM figures, balance sheet, valuation ratios.

Input is the long ``sec_facts`` frame of :mod:`capsize.data.providers.sec`
(``taxonomy, concept, unit, start, end, val, accn, fy, fp, form, filed, frame``).

How the figures are built
-------------------------
* **Point in time.** Only facts filed on or before ``as_of`` are used.
* **Duplicates and restatements.** The same period is reported again in later
  filings (a 10-K repeats the prior years); facts are grouped by period
  (``start, end`` for flows, ``end`` for stocks) and the **latest filed** value
  wins. A period whose value changed between filings is counted in
  ``Fundamentals.restated``.
* **Fiscal-year shifts.** The ``fy``/``fp`` fields of company facts describe
  the *filing*, not the fact, so they are never used. Periods are classified by
  their length in days (quarter 80-100, half 170-190, nine months 260-285,
  year 350-380) and chained by dates, so 52/53-week years and changed fiscal
  year ends are handled.
* **Trailing twelve months.** Discrete quarters come from reported quarters
  plus quarters derived by difference (``FY - 9M``, ``9M - 6M``, ``6M - Q1``)
  of periods with the same start. TTM is the sum of four contiguous quarters
  ending at the latest quarter end (gaps of up to 7 days allowed), or the
  annual figure when a fiscal year ends on that date or later.
* **Concepts.** Each metric has an ordered list of candidate concepts
  (US GAAP first, then IFRS); the concept with the most recent period wins and
  is used alone (concepts are never mixed within a TTM sum).
* **Units.** Money must be ``USD``, EPS ``USD/shares``, share counts ``shares``.
  Facts in other units (``EUR``, ``COP``, ...) are not converted: they are
  skipped and named in ``Fundamentals.notes``.

Notes
-----
NaN policy: a figure with no usable facts is NaN with ``Figure.note`` giving
the reason; ratios with a missing or non-positive denominator are NaN with a
reason (P/E of a loss-maker is NaN, never negative).
"""

from __future__ import annotations

from capsize.stocks.fundamentals.facts import (
    compute_fundamentals,
    discrete_quarters,
    latest_instant,
    share_history,
    ttm,
)
from capsize.stocks.fundamentals.model import CONCEPTS, Figure, Fundamentals, Valuation
from capsize.stocks.fundamentals.valuation import valuation

__all__ = [
    "CONCEPTS",
    "Figure",
    "Fundamentals",
    "Valuation",
    "compute_fundamentals",
    "discrete_quarters",
    "latest_instant",
    "share_history",
    "ttm",
    "valuation",
]
