"""Segment valuation: P/E, earnings growth and share of loss-makers, with coverage.

An index with many loss-makers has no meaningful "average P/E": averaging
the P/E of profitable firms hides the losers, and averaging all P/Es mixes
negative numbers. This module reports, for each segment (small vs large
proxy, e.g. IWM vs IVV holdings):

``pe_aggregate``
    Holdings-weighted aggregate P/E = ``sum(w) / sum(w * E / M)``: the price
    of one dollar of the portfolio divided by the earnings it owns, losses
    included (a weighted harmonic mean). NaN when aggregate earnings <= 0.
``pe_aggregate_ex_losses``
    The same over profitable holdings only (what most quoted index P/Es are).
``pe_median``
    Median P/E of profitable holdings (equal weight).
``loss_share_count`` / ``loss_share_weight``
    Fraction of covered holdings (by count / by weight) with TTM earnings <= 0.
``growth_aggregate``
    ``sum(w * E / M) / sum(w * E_prior / M) - 1``: growth of the earnings the
    portfolio owns, holdings held fixed. NaN when prior aggregate earnings <= 0.
``growth_median``
    Median of ``E / E_prior - 1`` over holdings with ``E_prior > 0``.
``coverage_weight``
    Fraction of the segment's weight whose market cap and earnings are known;
    every figure above uses only covered holdings (weights renormalised).
``estimated_cap_weight``
    Fraction of the covered weight whose market cap is an estimate (optional
    boolean input column ``market_cap_estimated``); such figures rest on an
    assumption, and a note says so.

Notes
-----
NaN policy: rows with NaN weight are dropped; rows with NaN market cap or
earnings are uncovered (they count in the coverage denominator only). Zero
earnings count as loss-makers. All inputs in USD; weights as fractions (any
scale, they are renormalised).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from capsize.errors import InputError, SchemaError

__all__ = ["SegmentValuation", "segment_valuation", "valuation_by_segment", "valuation_table"]

_REQUIRED = ("weight", "market_cap", "net_income")


@dataclass(frozen=True)
class SegmentValuation:
    """Valuation of one segment.

    Attributes
    ----------
    segment : str
    n_holdings, n_covered : int
        Holdings, and holdings with market cap and earnings.
    coverage_weight : float
        Fraction of segment weight covered.
    pe_aggregate, pe_aggregate_ex_losses, pe_median : float
        See module docstring; NaN when undefined (see ``notes``).
    loss_share_count, loss_share_weight : float
        Fractions of covered holdings that lose money.
    growth_aggregate, growth_median : float
        Earnings growth (fraction); NaN when undefined.
    growth_coverage_weight : float
        Fraction of segment weight with current and prior earnings.
    as_of : Timestamp or None
    source : str
    notes : tuple of str
    estimated_cap_weight : float
        Fraction of the covered weight whose market cap is an estimate (the
        ``market_cap_estimated`` input column); 0 when none, NaN when the column
        is absent or nothing is covered.
    """

    segment: str
    n_holdings: int
    n_covered: int
    coverage_weight: float
    pe_aggregate: float
    pe_aggregate_ex_losses: float
    pe_median: float
    loss_share_count: float
    loss_share_weight: float
    growth_aggregate: float
    growth_median: float
    growth_coverage_weight: float
    as_of: pd.Timestamp | None = None
    source: str = ""
    notes: tuple[str, ...] = ()
    estimated_cap_weight: float = float("nan")


def _f(x: float) -> float:
    return float(x) if math.isfinite(x) else float("nan")


def _validated(holdings: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(holdings, pd.DataFrame):
        raise InputError("holdings must be a DataFrame with weight, market_cap, net_income")
    missing = [c for c in _REQUIRED if c not in holdings.columns]
    if missing:
        raise SchemaError(f"holdings lacks columns {missing}; need {list(_REQUIRED)}")
    h = holdings.loc[holdings["weight"].notna()]
    if (h["weight"].astype("float64").to_numpy() < 0).any():
        raise InputError("holdings weight has negative values; pass long-only weights")
    return h


def _estimated_weight(
    h: pd.DataFrame, w: np.ndarray, cov: np.ndarray, cw: float, notes: list[str]
) -> float:
    """Fraction of the covered weight whose market cap is an estimate (NaN: not stated)."""
    if "market_cap_estimated" not in h.columns:
        return float("nan")
    est = np.array([bool(x) and x == x for x in h["market_cap_estimated"]], dtype=bool)
    est_w = min(1.0, float(w[cov & est].sum()) / cw)
    if est_w > 0:
        notes.append(
            f"market caps of {int((cov & est).sum())} covered holdings "
            f"({est_w:.0%} of covered weight) are estimates from an assumed index cap, "
            "not XBRL shares x price"
        )
    return est_w


def _pe(
    wc: np.ndarray, mc: np.ndarray, ec: np.ndarray, notes: list[str]
) -> tuple[float, float, float]:
    """Aggregate P/E (losses included), aggregate P/E of profitable holdings, median P/E."""
    nan = float("nan")
    agg = float((wc * ec / mc).sum())  # earnings owned per dollar
    pe_agg = 1.0 / agg if agg > 0 else nan
    if agg <= 0:
        notes.append("aggregate earnings of covered holdings <= 0: aggregate P/E undefined")
    prof = ec > 0
    if not prof.any():
        notes.append("no profitable holding: P/E undefined")
        return pe_agg, nan, nan
    wp = wc[prof] / wc[prof].sum()
    pe_ex = 1.0 / float((wp * ec[prof] / mc[prof]).sum())
    return pe_agg, pe_ex, float(np.median(mc[prof] / ec[prof]))


def _growth(
    h: pd.DataFrame, w: np.ndarray, m: np.ndarray, e: np.ndarray, cov: np.ndarray, notes: list[str]
) -> tuple[float, float, float]:
    """Aggregate and median earnings growth, and the weight share they cover."""
    nan = float("nan")
    if "net_income_prior" not in h.columns:
        notes.append("no prior-year earnings given: growth not assessed")
        return nan, nan, 0.0
    ep = h["net_income_prior"].astype("float64").to_numpy()
    gc = cov & np.isfinite(ep)
    g_cov = float(w[gc].sum()) / float(w.sum())
    if not gc.any():
        return nan, nan, g_cov
    wg = w[gc] / w[gc].sum()
    now = float((wg * e[gc] / m[gc]).sum())
    before = float((wg * ep[gc] / m[gc]).sum())
    g_agg = now / before - 1.0 if before > 0 else nan
    if before <= 0:
        notes.append("prior aggregate earnings <= 0: aggregate growth undefined")
    pos = ep[gc] > 0
    g_med = float(np.median(e[gc][pos] / ep[gc][pos] - 1.0)) if pos.any() else nan
    return g_agg, g_med, g_cov


def segment_valuation(
    holdings: pd.DataFrame,
    *,
    segment: str = "all",
    as_of: pd.Timestamp | None = None,
    source: str = "",
) -> SegmentValuation:
    """Valuation figures of one segment.

    Parameters
    ----------
    holdings : DataFrame of shape (n_holdings, k)
        Columns ``weight`` (fraction), ``market_cap`` (USD), ``net_income``
        (TTM, USD) and optionally ``net_income_prior`` (TTM a year earlier, USD).
    segment : str
        Label.
    as_of : Timestamp, optional
        Date of the holdings/evidence (provenance).
    source : str
        Provenance text.

    Returns
    -------
    SegmentValuation

    Examples
    --------
    >>> h = pd.DataFrame({"weight": [0.5, 0.3, 0.2], "market_cap": [100.0, 50.0, 10.0],
    ...                   "net_income": [10.0, -5.0, float("nan")]})
    >>> v = segment_valuation(h)
    >>> round(v.coverage_weight, 2), round(v.loss_share_weight, 3)
    (0.8, 0.375)
    >>> round(v.pe_aggregate_ex_losses, 1)
    10.0
    """
    h = _validated(holdings)
    w = h["weight"].astype("float64").to_numpy()
    notes: list[str] = []
    total = float(w.sum())
    m = h["market_cap"].astype("float64").to_numpy()
    e = h["net_income"].astype("float64").to_numpy()
    cov = np.isfinite(m) & (m > 0) & np.isfinite(e)
    cw = float(w[cov].sum())
    coverage = min(1.0, cw / total) if total > 0 else float("nan")
    nan = float("nan")
    if cw <= 0:
        notes.append("no holding has both market cap and earnings")
        return SegmentValuation(
            segment, len(h), int(cov.sum()), coverage if total > 0 else nan,
            nan, nan, nan, nan, nan, nan, nan, 0.0 if total > 0 else nan,
            as_of, source, tuple(notes),
        )  # fmt: skip
    est_w = _estimated_weight(h, w, cov, cw, notes)
    wc, mc, ec = w[cov] / cw, m[cov], e[cov]
    pe_agg, pe_ex, pe_med = _pe(wc, mc, ec, notes)
    prof = ec > 0
    loss_count = float((~prof).mean())
    loss_weight = min(1.0, float(wc[~prof].sum()))  # renormalised weights may sum to 1 + ulp
    g_agg, g_med, g_cov = _growth(h, w, m, e, cov, notes)
    return SegmentValuation(
        segment,
        len(h),
        int(cov.sum()),
        _f(coverage),
        _f(pe_agg),
        _f(pe_ex),
        _f(pe_med),
        loss_count,
        loss_weight,
        _f(g_agg),
        _f(g_med),
        _f(g_cov),
        as_of,
        source,
        tuple(notes),
        _f(est_w),
    )


def valuation_by_segment(
    holdings: pd.DataFrame,
    *,
    segment_col: str = "segment",
    as_of: pd.Timestamp | None = None,
    source: str = "",
) -> dict[str, SegmentValuation]:
    """Apply :func:`segment_valuation` to each segment of a combined frame.

    Parameters
    ----------
    holdings : DataFrame
        Columns of :func:`segment_valuation` plus ``segment_col``
        (e.g. ``"small (IWM)"``, ``"large (IVV)"``).
    segment_col : str
        Column naming the segment.

    Returns
    -------
    dict
        Segment label -> SegmentValuation, in order of first appearance.
    """
    if segment_col not in holdings.columns:
        raise SchemaError(f"holdings lacks the segment column {segment_col!r}")
    out: dict[str, SegmentValuation] = {}
    for seg in pd.unique(holdings[segment_col]):
        part = holdings.loc[holdings[segment_col] == seg]
        out[str(seg)] = segment_valuation(part, segment=str(seg), as_of=as_of, source=source)
    return out


def valuation_table(results: dict[str, SegmentValuation]) -> pd.DataFrame:
    """One row per segment with every figure (fractions and ratios, not formatted).

    Returns
    -------
    DataFrame
        Index ``segment``; columns are the numeric fields of SegmentValuation.
    """
    rows = []
    for seg, r in results.items():
        rows.append(
            {
                "segment": seg,
                "n_holdings": r.n_holdings,
                "n_covered": r.n_covered,
                "coverage_weight": r.coverage_weight,
                "pe_aggregate": r.pe_aggregate,
                "pe_aggregate_ex_losses": r.pe_aggregate_ex_losses,
                "pe_median": r.pe_median,
                "loss_share_count": r.loss_share_count,
                "loss_share_weight": r.loss_share_weight,
                "growth_aggregate": r.growth_aggregate,
                "growth_median": r.growth_median,
                "growth_coverage_weight": r.growth_coverage_weight,
                "estimated_cap_weight": r.estimated_cap_weight,
            }
        )
    return pd.DataFrame(rows).set_index("segment") if rows else pd.DataFrame()
