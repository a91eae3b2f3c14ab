"""The rating card: the rotation score (small vs large caps) and its components, point in time."""

from __future__ import annotations

import math

import pandas as pd

from capsize._format import fmt_date
from capsize.errors import CapsizeError
from capsize.report._inputs import CORE_LARGE, CORE_SMALL, Inputs, num, pct
from capsize.report._model import Figure, Section, Table

__all__ = ["BREADTH_LOOKBACK_DAYS", "rating_section"]

BREADTH_LOOKBACK_DAYS = 400
"""Calendar days of universe closes read for the breadth component (200-day means need ~290)."""


def _breadth_panel(inp: Inputs) -> tuple[pd.DataFrame | None, str]:
    """Read the closes of the latest IWM membership snapshot on or before the report day."""
    try:
        members = inp.store.membership("IWM", as_of=inp.as_of)
    except CapsizeError as exc:
        return None, str(exc)
    last = members["snapshot_date"].max()
    tickers = sorted(members.loc[members["snapshot_date"] == last, "ticker"].unique())
    try:
        panel = inp.store.panel(
            tickers, start=inp.as_of - pd.Timedelta(days=BREADTH_LOOKBACK_DAYS), as_of=inp.as_of
        )
    except CapsizeError as exc:
        return None, str(exc)
    return (
        panel,
        f"IWM members of the {fmt_date(last)} snapshot (survivorship bias: delisted names missing)",
    )


def rating_section(inp: Inputs) -> Section:
    """Rotation score on a -2..+2 scale from the components that have data on the report day."""
    from capsize.analytics import rotation as R

    notes: list[str] = []
    small, large = inp.series(CORE_SMALL), inp.series(CORE_LARGE)
    dgs2 = ff = None
    try:  # reuse what the rates and size-factor sections already read
        macro = inp.cache.get("macro")
        if macro is None or "DGS2" not in macro.columns:
            macro = inp.store.macro(["DGS2"], as_of=inp.as_of)
        dgs2 = macro["DGS2"].dropna()
    except CapsizeError:
        notes.append("Rates regime not assessed: no DGS2 in the store.")
    try:
        ff = inp.cache.get("FF3")
        if ff is None:
            ff = inp.store.factors("FF3", "monthly", as_of=inp.as_of)
    except CapsizeError:
        notes.append("Size-factor regime not assessed: no French FF3 data in the store.")
    panel, universe = _breadth_panel(inp)
    shares = None
    try:
        fs = inp.store.fund_shares("IWM", as_of=inp.as_of)
        if not fs.empty:
            shares = (
                (fs.drop_duplicates("date", keep="last").set_index("date")["shares_outstanding"])
                .sort_index()
                .astype("float64")
            )
    except CapsizeError:
        shares = None
    inputs = R.RotationInputs(small, large, dgs2, ff, panel, shares)
    score = R.rotation_score(R.build_readings(inputs, inp.as_of), as_of=inp.as_of)
    src = "capsize.analytics.rotation over the store (IWM, SPY, DGS2, FF3 monthly, IWM members)"
    figs: dict[str, Figure] = {}
    total = inp.book.add(
        "rating.score",
        score.score if math.isfinite(score.score) else None,
        num("no component had data", 2, sign=True),
        "rotation score (-2 favours large caps, +2 small caps)",
        source=src,
        symbols=(CORE_SMALL, CORE_LARGE, "DGS2", "SMB"),
        window=f"as of {inp.day}",
        formula="weighted mean of component scores (-2..+2), weights renormalised over assessed components",
    )
    figs["score"] = total
    rows: list[tuple[Figure | str, ...]] = []
    for c in score.components:
        assessed = c.status == "ASSESSED" and c.score is not None
        why = "not assessed: " + (c.reason or "no data")
        s = inp.book.add(
            f"rating.{c.name}.score",
            c.score if assessed else None,
            num(why, 0, sign=True),
            f"{c.label} score",
            source=src,
            symbols=(CORE_SMALL, CORE_LARGE),
            window=f"as of {fmt_date(c.as_of) if c.as_of is not None else inp.day}",
            formula=f"{c.rule}; evidence: {c.evidence or 'no reading'}",
        )
        w = inp.book.add(
            f"rating.{c.name}.weight",
            c.weight_used,
            pct("no weight", 0, sign=False),
            f"{c.label} weight used",
            source=src,
            symbols=(CORE_SMALL, CORE_LARGE),
            window=f"as of {inp.day}",
            formula="default weight renormalised over the assessed components",
        )
        figs[f"{c.name}.score"], figs[f"{c.name}.weight"] = s, w
        rows.append((c.label, s, w))
    if panel is not None:
        notes.append(f"Breadth universe: {universe}.")
    t = Table(
        ("Component", "Score", "Weight used"),
        tuple(rows),
        "Each component scores from minus two (favours large caps) to plus two (favours small "
        "caps) by published thresholds; components without data on the report day are not "
        "assessed and their weight is spread over the others. Evidence for each score is in "
        "the provenance table.",
    )
    label = score.label if math.isfinite(score.score) else "not assessed"
    notes.insert(0, f"Verdict: {label}.")
    return Section("rating", "Rating card", figures=figs, tables=(t,), notes=tuple(notes))
