"""Fundamentals from company facts: concept selection, discrete quarters, TTM and instants.

Re-exported by :mod:`capsize.stocks.fundamentals`, which documents how figures are built.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from capsize.errors import InputError, SchemaError
from capsize.stocks.fundamentals.model import (
    ALL_CONCEPTS,
    CONCEPTS,
    FACT_COLUMNS,
    FLOW_METRICS,
    INSTANT_METRICS,
    METRIC_UNITS,
    PERIOD_BANDS,
    QUARTER_GAP_DAYS,
    Concept,
    Figure,
    Fundamentals,
    missing_figure,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from capsize._typing import DateLike


__all__ = [
    "compute_fundamentals",
    "discrete_quarters",
    "latest_instant",
    "share_history",
    "ttm",
]


def _check(facts: pd.DataFrame) -> None:
    if not isinstance(facts, pd.DataFrame):
        raise InputError("facts must be the sec_facts DataFrame from capsize.data.providers.sec")
    missing = FACT_COLUMNS - set(facts.columns)
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
    for name, (lo, hi) in PERIOD_BANDS.items():
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
        tol = pd.Timedelta(days=QUARTER_GAP_DAYS if idx else 0)
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
    if metric not in FLOW_METRICS:
        raise InputError(f"metric={metric!r} is not a flow metric; use one of {list(FLOW_METRICS)}")
    notes = notes if notes is not None else []
    unit = METRIC_UNITS.get(metric, "USD")
    name = f"{metric}_ttm"
    at = pd.Timestamp(as_of) if as_of is not None else None
    concept, rows = _pick(_asof(facts, at), CONCEPTS[metric], unit, instant=False, notes=notes)
    if concept is None:
        return missing_figure(name, unit, f"no {metric} facts in {unit} in the filings")
    periods, _ = _dedupe(rows, ["start", "end"])
    periods = periods.assign(
        days=[_days(s, e) for s, e in zip(periods["start"], periods["end"], strict=True)]
    )
    annual = periods.loc[periods["days"].between(*PERIOD_BANDS["FY"])]
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
        return missing_figure(name, unit, f"{concept}: no fiscal year or four contiguous quarters")
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
    if metric not in INSTANT_METRICS:
        raise InputError(
            f"metric={metric!r} is not an instant metric; use one of {list(INSTANT_METRICS)}"
        )
    notes = notes if notes is not None else []
    unit = METRIC_UNITS.get(metric, "USD")
    at = pd.Timestamp(as_of) if as_of is not None else None
    concept, rows = _pick(_asof(facts, at), CONCEPTS[metric], unit, instant=True, notes=notes)
    if before is not None:
        rows = rows.loc[rows["end"] <= pd.Timestamp(before)]
    if concept is None or rows.empty:
        return missing_figure(metric, unit, f"no {metric} facts in {unit} in the filings")
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


def _flows(facts: pd.DataFrame, at: pd.Timestamp | None, notes: list[str]) -> dict[str, Figure]:
    """TTM of every flow metric, plus net income and revenue a year earlier."""
    figs = {f"{m}_ttm": ttm(facts, m, as_of=at, notes=notes) for m in FLOW_METRICS}
    ni = figs["net_income_ttm"]
    if ni.missing or ni.end is None:
        return figs
    for metric in ("net_income", "revenue"):
        cur = figs[f"{metric}_ttm"]
        if cur.missing or cur.end is None:
            continue
        prior = ttm(facts, metric, as_of=at, end=cur.end - pd.Timedelta(days=364), notes=[])
        name = f"{metric}_ttm_prior"
        figs[name] = Figure(**{**prior.__dict__, "name": name})
    return figs


def _drop_discontinued(figs: dict[str, Figure]) -> None:
    """Drop figures whose concept stopped before the latest revenue/earnings period."""
    ends = [f.end for f in (figs["revenue_ttm"], figs["net_income_ttm"]) if f.end is not None]
    if not ends:
        return
    ref_end = max(ends)
    for key, f in list(figs.items()):
        if key.endswith("_prior") or f.end is None or key in ("shares", "public_float"):
            continue
        limit = 120 if key.endswith("_ttm") else 200
        if (ref_end - f.end).days > limit:
            figs[key] = missing_figure(
                key,
                f.unit,
                f"latest {f.concept} period ends {f.end:%Y-%m-%d}, more than {limit} days "
                f"before the latest revenue/earnings period ({ref_end:%Y-%m-%d}); not used",
            )


def _shares_prior(facts: pd.DataFrame, sh: Figure, at: pd.Timestamp | None) -> Figure:
    """Return the share count closest to one year before ``sh`` (10 to 15 months earlier)."""
    end = sh.end if sh.end is not None else pd.Timestamp(0)
    hist = share_history(facts, as_of=at)
    window = hist.loc[
        hist["end"].between(end - pd.Timedelta(days=450), end - pd.Timedelta(days=300))
    ]
    if window.empty:
        return missing_figure("shares_prior", "shares", "no share count 10-15 months earlier")
    gaps = (window["end"] - (end - pd.Timedelta(days=365))).abs()
    r = window.iloc[int(np.argmin(gaps.to_numpy()))]
    return Figure(
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


def _restated(scope: pd.DataFrame) -> int:
    """Periods of revenue and net income whose value changed between filings."""
    n = 0
    for metric in ("revenue", "net_income"):
        concept, rows = _pick(
            scope, CONCEPTS[metric], METRIC_UNITS.get(metric, "USD"), instant=False, notes=[]
        )
        if concept is not None:
            n += _dedupe(rows, ["start", "end"])[1]
    return n


def _stale_notes(
    figs: dict[str, Figure], ref: pd.Timestamp | None, stale_after_days: int
) -> list[str]:
    if ref is None:
        return []
    out = []
    for key in ("revenue_ttm", "net_income_ttm"):
        f = figs[key]
        if f.end is not None and (ref - f.end).days > stale_after_days:
            out.append(
                f"{key} period ends {f.end:%Y-%m-%d}, over {stale_after_days} days "
                f"before {ref:%Y-%m-%d}"
            )
    return out


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
    facts = facts.loc[facts["concept"].isin(ALL_CONCEPTS)]
    at = pd.Timestamp(as_of) if as_of is not None else None
    notes: list[str] = []
    figs = _flows(facts, at, notes)
    for metric in INSTANT_METRICS:
        figs[metric] = latest_instant(facts, metric, as_of=at, notes=notes)
    # A concept the company stopped using must not be mixed with current periods.
    _drop_discontinued(figs)
    sh = figs["shares"]
    if not sh.missing and sh.end is not None:
        figs["shares_prior"] = _shares_prior(facts, sh, at)
    scope = _asof(facts, at)
    ref = at if at is not None else (scope["filed"].max() if not scope.empty else None)
    notes.extend(_stale_notes(figs, ref, stale_after_days))
    return Fundamentals(
        ticker.upper(), at, figs, _restated(scope), tuple(dict.fromkeys(notes)), source
    )
