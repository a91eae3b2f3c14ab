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

import itertools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from capsize.errors import InputError, SchemaError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from capsize._typing import DateLike

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

_ALL_CONCEPTS = sorted({name for cands in CONCEPTS.values() for _, name in cands})
_UNITS = {"eps_diluted": "USD/shares", "shares": "shares"}
_FLOW = (
    "revenue",
    "net_income",
    "eps_diluted",
    "operating_income",
    "operating_cash_flow",
    "d_and_a",
    "interest_expense",
)
_INSTANT = ("cash", "debt", "shares", "public_float")
_Q = (80, 100)
_BANDS = {"Q": (80, 100), "H": (170, 190), "9M": (260, 285), "FY": (350, 380)}
_GAP = 7  # days allowed between consecutive quarters
_REQUIRED = {"taxonomy", "concept", "unit", "start", "end", "val", "accn", "filed"}


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


def _missing(name: str, unit: str, note: str) -> Figure:
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
        return fig if fig is not None else _missing(name, "", "not computed")


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
        return fig if fig is not None else _missing(name, "", "not computed")


# --------------------------------------------------------------------------- selection


def _check(facts: pd.DataFrame) -> None:
    if not isinstance(facts, pd.DataFrame):
        raise InputError("facts must be the sec_facts DataFrame from capsize.data.providers.sec")
    missing = _REQUIRED - set(facts.columns)
    if missing:
        raise SchemaError(f"facts lacks columns {sorted(missing)}; pass the sec_facts frame")


def _asof(facts: pd.DataFrame, as_of: pd.Timestamp | None) -> pd.DataFrame:
    if as_of is None:
        return facts
    return facts.loc[facts["filed"] <= as_of]


def _pick(
    facts: pd.DataFrame,
    candidates: Sequence[Concept],
    unit: str,
    *,
    instant: bool,
    notes: list[str],
) -> tuple[str | None, pd.DataFrame]:
    """Choose the candidate concept with the most recent period; return its de-duplicated facts."""
    best: tuple[pd.Timestamp, int, str, pd.DataFrame] | None = None
    for rank, (tax, name) in enumerate(candidates):
        rows = facts.loc[(facts["taxonomy"] == tax) & (facts["concept"] == name)]
        if rows.empty:
            continue
        good = rows.loc[rows["unit"] == unit]
        odd = sorted(set(rows["unit"]) - {unit})
        if odd:
            notes.append(f"{tax}:{name} also reported in {', '.join(odd)}; not converted")
        good = good.loc[good["val"].notna() & good["end"].notna()]
        if not instant:
            good = good.loc[good["start"].notna()]
        if good.empty:
            continue
        last = good["end"].max()
        if best is None or last > best[0] or (last == best[0] and rank < best[1]):
            best = (last, rank, f"{tax}:{name}", good)
    if best is None:
        return None, facts.iloc[0:0]
    return best[2], best[3]


def _dedupe(rows: pd.DataFrame, keys: list[str]) -> tuple[pd.DataFrame, int]:
    """Latest filed value per period; return frame and the number of restated periods."""
    if rows.empty:
        return rows, 0
    ordered = rows.sort_values([*keys, "filed", "accn"], kind="stable")
    restated = int((ordered.groupby(keys, dropna=False)["val"].nunique() > 1).sum())
    latest = ordered.groupby(keys, dropna=False, sort=True).tail(1)
    return latest.reset_index(drop=True), restated


def _days(start: pd.Timestamp, end: pd.Timestamp) -> int:
    return int((end - start).days) + 1


def _band(days: int) -> str | None:
    for name, (lo, hi) in _BANDS.items():
        if lo <= days <= hi:
            return name
    return None


def discrete_quarters(periods: pd.DataFrame) -> pd.DataFrame:
    """Discrete fiscal quarters from de-duplicated duration facts.

    Parameters
    ----------
    periods : DataFrame
        Columns ``start, end, val, filed, accn`` (one row per period).

    Returns
    -------
    DataFrame
        Columns ``start, end, val, filed, accns, derived`` sorted by ``end``;
        ``derived`` is True for quarters obtained as a difference of two
        cumulative periods with the same start (e.g. FY minus nine months).

    Examples
    --------
    >>> p = pd.DataFrame({
    ...     "start": pd.to_datetime(["2024-01-01", "2024-01-01"]),
    ...     "end": pd.to_datetime(["2024-09-30", "2024-12-31"]),
    ...     "val": [90.0, 130.0], "filed": pd.to_datetime(["2024-11-01", "2025-03-01"]),
    ...     "accn": ["a", "b"]})
    >>> discrete_quarters(p)[["end", "val", "derived"]].to_dict("records")
    [{'end': Timestamp('2024-12-31 00:00:00'), 'val': 40.0, 'derived': True}]
    """
    out: dict[
        tuple[pd.Timestamp, pd.Timestamp], tuple[float, pd.Timestamp, tuple[str, ...], bool]
    ] = {}
    recs = list(
        periods[["start", "end", "val", "filed", "accn"]].itertuples(index=False, name=None)
    )
    for start, end, val, filed, accn in recs:
        if _band(_days(start, end)) == "Q":
            out[(start, end)] = (float(val), filed, (str(accn),), False)
    by_start: dict[pd.Timestamp, list[tuple[pd.Timestamp, float, pd.Timestamp, str]]] = {}
    for start, end, val, filed, accn in recs:
        if _band(_days(start, end)) is not None:
            by_start.setdefault(start, []).append((end, float(val), filed, str(accn)))
    for items in by_start.values():
        items.sort()
        for (e1, v1, f1, a1), (e2, v2, f2, a2) in itertools.pairwise(items):
            q_start = e1 + pd.Timedelta(days=1)
            if _band(_days(q_start, e2)) != "Q":
                continue
            if (q_start, e2) in out:
                continue
            out[(q_start, e2)] = (v2 - v1, max(f1, f2), (a1, a2), True)
    rows = [
        {"start": s, "end": e, "val": v, "filed": f, "accns": a, "derived": d}
        for (s, e), (v, f, a, d) in out.items()
    ]
    frame = pd.DataFrame(rows, columns=["start", "end", "val", "filed", "accns", "derived"])
    return frame.sort_values("end", kind="stable").reset_index(drop=True)


def _chain(quarters: pd.DataFrame, end: pd.Timestamp) -> list[int] | None:
    """Return the row positions of four contiguous quarters ending at ``end``, or None."""
    starts = list(pd.to_datetime(quarters["start"]))
    ends = list(pd.to_datetime(quarters["end"]))
    idx: list[int] = []
    target = end
    for _ in range(4):
        tol = pd.Timedelta(days=_GAP if idx else 0)
        limit = starts[idx[-1]] if idx else None
        cand = [
            i for i, e in enumerate(ends) if abs(e - target) <= tol and (limit is None or e < limit)
        ]
        if not cand:
            return None
        j = max(cand, key=lambda i: (ends[i], i))
        idx.append(j)
        target = starts[j] - pd.Timedelta(days=1)
    return idx


def ttm(
    facts: pd.DataFrame,
    metric: str,
    *,
    as_of: DateLike | None = None,
    end: DateLike | None = None,
    notes: list[str] | None = None,
) -> Figure:
    """Trailing-twelve-month value of a flow metric.

    Parameters
    ----------
    facts : DataFrame
        ``sec_facts`` frame.
    metric : str
        A flow key of :data:`CONCEPTS` (``revenue``, ``net_income`` ...).
    as_of : date-like, optional
        Use only facts filed on or before it.
    end : date-like, optional
        Compute the TTM ending on (or up to 10 days before) this date instead of
        the latest available one; used for year-earlier comparisons.
    notes : list, optional
        Receives caveats (skipped units).

    Returns
    -------
    Figure
        ``{metric}_ttm``; method ``annual`` or ``sum of 4 quarters``.
    """
    _check(facts)
    if metric not in _FLOW:
        raise InputError(f"metric={metric!r} is not a flow metric; use one of {list(_FLOW)}")
    notes = notes if notes is not None else []
    unit = _UNITS.get(metric, "USD")
    name = f"{metric}_ttm"
    at = pd.Timestamp(as_of) if as_of is not None else None
    concept, rows = _pick(_asof(facts, at), CONCEPTS[metric], unit, instant=False, notes=notes)
    if concept is None:
        return _missing(name, unit, f"no {metric} facts in {unit} in the filings")
    periods, _ = _dedupe(rows, ["start", "end"])
    periods = periods.assign(
        days=[_days(s, e) for s, e in zip(periods["start"], periods["end"], strict=True)]
    )
    annual = periods.loc[periods["days"].between(*_BANDS["FY"])]
    quarters = discrete_quarters(periods)
    target = pd.Timestamp(end) if end is not None else None
    if target is not None:
        lo = target - pd.Timedelta(days=10)
        annual = annual.loc[annual["end"].between(lo, target)]
        quarters_end = quarters.loc[quarters["end"].between(lo, target), "end"]
    else:
        quarters_end = quarters["end"]
    q_best: tuple[pd.Timestamp, list[int]] | None = None
    for qe in sorted(set(quarters_end), reverse=True):
        chain = _chain(quarters, qe)
        if chain is not None:
            q_best = (qe, chain)
            break
    a_best = annual.sort_values("end").iloc[-1] if not annual.empty else None
    if (
        unit == "USD/shares"
        and q_best is not None
        and a_best is not None
        and a_best["end"] < q_best[0]
    ):
        notes.append(f"{name}: EPS summed over quarters (share counts differ by quarter)")
    if a_best is not None and (q_best is None or a_best["end"] >= q_best[0]):
        return Figure(
            name,
            float(a_best["val"]),
            unit,
            "annual",
            concept,
            a_best["start"],
            a_best["end"],
            a_best["filed"],
            (str(a_best["accn"]),),
        )
    if q_best is None:
        return _missing(name, unit, f"{concept}: no fiscal year or four contiguous quarters")
    sel = quarters.loc[q_best[1]]
    accns = tuple(dict.fromkeys(a for t in sel["accns"] for a in t))
    derived = int(sel["derived"].sum())
    return Figure(
        name,
        float(sel["val"].sum()),
        unit,
        "sum of 4 quarters" + (f" ({derived} derived by difference)" if derived else ""),
        concept,
        sel["start"].min(),
        sel["end"].max(),
        sel["filed"].max(),
        accns,
    )


def latest_instant(
    facts: pd.DataFrame,
    metric: str,
    *,
    as_of: DateLike | None = None,
    before: DateLike | None = None,
    notes: list[str] | None = None,
) -> Figure:
    """Latest point-in-time value (cash, debt, shares).

    Parameters
    ----------
    facts : DataFrame
        ``sec_facts`` frame.
    metric : str
        ``cash``, ``debt`` or ``shares``.
    as_of : date-like, optional
        Use only facts filed on or before it.
    before : date-like, optional
        Latest value with period end on or before this date.
    notes : list, optional
        Receives caveats.

    Returns
    -------
    Figure
        Share counts of several classes reported for the same date in one
        filing are summed (method says so).
    """
    _check(facts)
    if metric not in _INSTANT:
        raise InputError(f"metric={metric!r} is not an instant metric; use one of {list(_INSTANT)}")
    notes = notes if notes is not None else []
    unit = _UNITS.get(metric, "USD")
    at = pd.Timestamp(as_of) if as_of is not None else None
    concept, rows = _pick(_asof(facts, at), CONCEPTS[metric], unit, instant=True, notes=notes)
    if before is not None:
        rows = rows.loc[rows["end"] <= pd.Timestamp(before)]
    if concept is None or rows.empty:
        return _missing(metric, unit, f"no {metric} facts in {unit} in the filings")
    hist = _instant_history(rows)
    last = hist.iloc[-1]
    return Figure(
        metric,
        float(last["val"]),
        unit,
        str(last["method"]),
        concept,
        None,
        last["end"],
        last["filed"],
        (str(last["accn"]),),
    )


def _instant_history(rows: pd.DataFrame) -> pd.DataFrame:
    # Several classes in one filing for one date: sum them; then the latest filing per date.
    grouped = (
        rows.groupby(["end", "accn"], sort=False)
        .agg(val=("val", "sum"), n=("val", "size"), filed=("filed", "max"))
        .reset_index()
    )
    grouped["method"] = np.where(
        grouped["n"] > 1, "latest instant (classes summed)", "latest instant"
    )
    grouped = grouped.sort_values(["end", "filed", "accn"], kind="stable")
    return grouped.groupby("end", sort=True).tail(1).reset_index(drop=True)


def share_history(facts: pd.DataFrame, *, as_of: DateLike | None = None) -> pd.DataFrame:
    """Shares outstanding over time (cover page, else balance sheet).

    Returns
    -------
    DataFrame
        Columns ``end, shares, filed, accn, concept``, ascending by ``end``;
        empty when the company reports no share counts.
    """
    _check(facts)
    at = pd.Timestamp(as_of) if as_of is not None else None
    concept, rows = _pick(_asof(facts, at), CONCEPTS["shares"], "shares", instant=True, notes=[])
    if concept is None:
        return pd.DataFrame(columns=["end", "shares", "filed", "accn", "concept"])
    hist = _instant_history(rows)
    return pd.DataFrame(
        {
            "end": hist["end"],
            "shares": hist["val"].astype("float64"),
            "filed": hist["filed"],
            "accn": hist["accn"],
            "concept": concept,
        }
    )


def compute_fundamentals(
    facts: pd.DataFrame,
    *,
    ticker: str,
    as_of: DateLike | None = None,
    source: str = "",
    stale_after_days: int = 460,
) -> Fundamentals:
    """Compute TTM flows and latest balances from company facts.

    Parameters
    ----------
    facts : DataFrame
        ``sec_facts`` frame.
    ticker : str
        Label for the result.
    as_of : date-like, optional
        Point in time: facts filed after it are ignored.
    source : str
        Provenance of ``facts``.
    stale_after_days : int
        A TTM period ending more than this many days before ``as_of`` (or the
        latest filing) is flagged stale in ``notes``.

    Returns
    -------
    Fundamentals
    """
    _check(facts)
    # Only the candidate concepts matter; filtering once keeps every later pass small.
    facts = facts.loc[facts["concept"].isin(_ALL_CONCEPTS)]
    at = pd.Timestamp(as_of) if as_of is not None else None
    notes: list[str] = []
    figs: dict[str, Figure] = {}
    for metric in _FLOW:
        figs[f"{metric}_ttm"] = ttm(facts, metric, as_of=at, notes=notes)
    ni = figs["net_income_ttm"]
    if not ni.missing and ni.end is not None:
        prior = ttm(facts, "net_income", as_of=at, end=ni.end - pd.Timedelta(days=364), notes=[])
        figs["net_income_ttm_prior"] = Figure(**{**prior.__dict__, "name": "net_income_ttm_prior"})
        rev = figs["revenue_ttm"]
        if not rev.missing and rev.end is not None:
            prior_r = ttm(
                facts, "revenue", as_of=at, end=rev.end - pd.Timedelta(days=364), notes=[]
            )
            figs["revenue_ttm_prior"] = Figure(**{**prior_r.__dict__, "name": "revenue_ttm_prior"})
    for metric in _INSTANT:
        figs[metric] = latest_instant(facts, metric, as_of=at, notes=notes)
    # A concept the company stopped using must not be mixed with current periods.
    ends = [f.end for f in (figs["revenue_ttm"], figs["net_income_ttm"]) if f.end is not None]
    if ends:
        ref_end = max(ends)
        for key, f in list(figs.items()):
            if key.endswith("_prior") or f.end is None or key in ("shares", "public_float"):
                continue
            limit = 120 if key.endswith("_ttm") else 200
            if (ref_end - f.end).days > limit:
                figs[key] = _missing(
                    key,
                    f.unit,
                    f"latest {f.concept} period ends {f.end:%Y-%m-%d}, more than {limit} days "
                    f"before the latest revenue/earnings period ({ref_end:%Y-%m-%d}); not used",
                )
    sh = figs["shares"]
    if not sh.missing and sh.end is not None:
        hist = share_history(facts, as_of=at)
        window = hist.loc[
            hist["end"].between(sh.end - pd.Timedelta(days=450), sh.end - pd.Timedelta(days=300))
        ]
        if window.empty:
            figs["shares_prior"] = _missing(
                "shares_prior", "shares", "no share count 10-15 months earlier"
            )
        else:
            # closest to one year before
            gaps = (window["end"] - (sh.end - pd.Timedelta(days=365))).abs()
            r = window.iloc[int(np.argmin(gaps.to_numpy()))]
            figs["shares_prior"] = Figure(
                "shares_prior",
                float(r["shares"]),
                "shares",
                "instant ~1 year earlier",
                str(r["concept"]),
                None,
                r["end"],
                r["filed"],
                (str(r["accn"]),),
            )
    # restatements across all flow and instant concepts used
    restated = 0
    scope = _asof(facts, at)
    for metric in ("revenue", "net_income"):
        concept, rows = _pick(
            scope, CONCEPTS[metric], _UNITS.get(metric, "USD"), instant=False, notes=[]
        )
        if concept is not None:
            restated += _dedupe(rows, ["start", "end"])[1]
    ref = at if at is not None else (scope["filed"].max() if not scope.empty else None)
    for key in ("revenue_ttm", "net_income_ttm"):
        f = figs[key]
        if ref is not None and f.end is not None and (ref - f.end).days > stale_after_days:
            notes.append(
                f"{key} period ends {f.end:%Y-%m-%d}, over {stale_after_days} days "
                f"before {ref:%Y-%m-%d}"
            )
    return Fundamentals(ticker.upper(), at, figs, restated, tuple(dict.fromkeys(notes)), source)


# --------------------------------------------------------------------------- valuation


def _ratio(
    name: str, num: float, den: float, formula: str, *, positive_den: bool, why: str
) -> Figure:
    if not (math.isfinite(num) and math.isfinite(den)):
        return _missing(name, "ratio", f"{formula}: input missing")
    if den == 0 or (positive_den and den < 0):
        return Figure(name, float("nan"), "ratio", formula, note=why)
    return Figure(name, num / den, "ratio", formula)


def valuation(
    fund: Fundamentals,
    price: float,
    price_date: DateLike | None,
    *,
    shares: float | None = None,
    shares_label: str = "",
) -> Valuation:
    """Market cap and valuation ratios from fundamentals and a price.

    Parameters
    ----------
    fund : Fundamentals
    price : float
        USD per share (raw, not dividend-adjusted, ideally).
    price_date : date-like or None
        Date of ``price`` (evidence date of every price-based figure).
    shares : float, optional
        Override share count (only when XBRL has none); ``shares_label`` must
        say where it came from.
    shares_label : str
        Label of the override (e.g. ``"holdings-implied estimate"``).

    Returns
    -------
    Valuation
        ``market_cap = shares x price`` (never a provider's market-cap field);
        ``pe = market_cap / net income TTM`` (NaN for loss-makers);
        ``ps = market_cap / revenue TTM``; ``ev_sales = (market_cap + debt -
        cash) / revenue TTM``; ``net_debt_ebitda = (debt - cash) / (operating
        income + D&A, TTM)``; ``interest_coverage = operating income TTM /
        interest expense TTM``; ``share_growth = shares / shares a year earlier - 1``.
    """
    if not isinstance(fund, Fundamentals):
        raise InputError("fund must be a Fundamentals from compute_fundamentals()")
    p = float(price) if price is not None else float("nan")
    pdate = pd.Timestamp(price_date) if price_date is not None else None
    sh = fund.get("shares")
    if sh.missing and shares is not None and math.isfinite(shares):
        n_sh, src = float(shares), shares_label or "caller-supplied share count"
    else:
        n_sh, src = sh.value, "XBRL shares x price"
    figs: dict[str, Figure] = {}
    if not math.isfinite(p) or p <= 0:
        mcap = _missing("market_cap", "USD", "no valid price")
    elif not math.isfinite(n_sh):
        mcap = _missing("market_cap", "USD", "no share count in the filings")
    else:
        mcap = Figure(
            "market_cap",
            n_sh * p,
            "USD",
            f"shares x price ({src})",
            sh.concept,
            None,
            pdate,
            sh.filed,
            sh.accessions,
        )
    figs["market_cap"] = mcap
    m = mcap.value
    cash, debt = fund.get("cash").value, fund.get("debt").value
    debt0 = debt if math.isfinite(debt) else float("nan")
    ev = m + debt0 - cash if math.isfinite(cash) else float("nan")
    figs["enterprise_value"] = (
        Figure("enterprise_value", ev, "USD", "market_cap + debt - cash")
        if math.isfinite(ev)
        else _missing("enterprise_value", "USD", "market cap, debt or cash missing")
    )
    ni = fund.get("net_income_ttm").value
    rev = fund.get("revenue_ttm").value
    figs["pe"] = _ratio(
        "pe",
        m,
        ni,
        "market_cap / net_income_ttm",
        positive_den=True,
        why="loss-maker: P/E not meaningful",
    )
    figs["ps"] = _ratio(
        "ps", m, rev, "market_cap / revenue_ttm", positive_den=True, why="no revenue"
    )
    figs["ev_sales"] = _ratio(
        "ev_sales", ev, rev, "EV / revenue_ttm", positive_den=True, why="no revenue"
    )
    oi, da = fund.get("operating_income_ttm").value, fund.get("d_and_a_ttm").value
    ebitda = oi + da if math.isfinite(da) else float("nan")
    net_debt = debt0 - cash
    figs["net_debt_ebitda"] = _ratio(
        "net_debt_ebitda",
        net_debt,
        ebitda,
        "(debt - cash) / (operating_income + d_and_a)",
        positive_den=True,
        why="EBITDA not positive",
    )
    figs["interest_coverage"] = _ratio(
        "interest_coverage",
        oi,
        fund.get("interest_expense_ttm").value,
        "operating_income_ttm / interest_expense_ttm",
        positive_den=True,
        why="no interest expense",
    )
    prior = fund.get("shares_prior")
    if sh.missing or prior.missing:
        figs["share_growth"] = _missing(
            "share_growth", "fraction", "share counts a year apart not available"
        )
    else:
        g = sh.value / prior.value - 1.0
        if g < -0.5:
            figs["share_growth"] = Figure(
                "share_growth",
                float("nan"),
                "fraction",
                "shares / shares_prior - 1",
                sh.concept,
                prior.end,
                sh.end,
                sh.filed,
                (*prior.accessions, *sh.accessions),
                note=(
                    f"share count fell {g:.0%}: consistent with a reverse split; "
                    "dilution not assessed across it"
                ),
            )
        else:
            figs["share_growth"] = Figure(
                "share_growth",
                g,
                "fraction",
                "shares / shares_prior - 1",
                sh.concept,
                prior.end,
                sh.end,
                sh.filed,
                (*prior.accessions, *sh.accessions),
            )
    prof: bool | None = None if not math.isfinite(ni) else ni > 0
    return Valuation(fund.ticker, p, pdate, figs, prof, src)
