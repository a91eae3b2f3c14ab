"""From what a checker measured to the verdict, its reason and its stated tolerance."""

from __future__ import annotations

import math

from capsize.factcheck._units import decimals_of, fmt_claimed, fmt_value
from capsize.factcheck.check._context import Measured, figure_dicts
from capsize.factcheck.check._tolerance import band_for, judge_value
from capsize.factcheck.claim import Claim, Claimed, Verdict

__all__ = ["not_checkable", "verdict_of"]


def not_checkable(claim: Claim, reason: str) -> Verdict:
    """Return the verdict of a claim the data cannot settle (``reason`` names what is missing)."""
    return Verdict(claim, "not checkable", None, "", reason)


def _magnitude(claimed: Claimed) -> Claimed:
    """Return the claimed range as sizes (``-12.05..-11.95`` -> ``11.95..12.05``)."""
    if claimed.high <= 0:
        return Claimed(-claimed.high, -claimed.low, claimed.unit, claimed.text, claimed.hedge)
    return claimed


def _fact_verdict(claim: Claim, m: Measured) -> Verdict:
    ok = bool(m.fact)
    reason = ("The data bear it out: " if ok else "The data do not bear it out: ") + m.definition
    return Verdict(
        claim,
        "supported" if ok else "contradicted",
        None,
        m.definition,
        reason,
        "",
        figure_dicts(m.figures),
    )


def verdict_of(claim: Claim, m: Measured, *, at_least: bool = False) -> Verdict:
    """Judge ``m`` against the claim's value.

    ``at_least``: the claimed lower bound is enough (a longer run supports "N straight").
    A claim without a value is judged on ``m.fact``; a value claim whose ``fact`` is False
    (a record claimed but set before the window) is contradicted whatever the level.
    """
    if claim.claimed is None:
        return _fact_verdict(claim, m)
    claimed = _magnitude(claim.claimed) if m.magnitude else claim.claimed
    if at_least:
        claimed = Claimed(claimed.low, math.inf, claimed.unit, claimed.text, claimed.hedge)
    value = abs(m.value) if (m.magnitude and m.value is not None) else m.value
    if value is None or not math.isfinite(value):
        return not_checkable(claim, f"no value computed: {m.definition}")
    alts = [abs(a.value) if m.magnitude else a.value for a in m.alternatives]
    band = band_for(claimed, claim.kind)
    name, which = judge_value(value, alts, claimed, band)
    if m.fact is False:
        name = "contradicted"
    definition, figures, label = m.definition, m.figures, m.label
    if which is not None:
        alt = m.alternatives[which]
        definition, figures, label = alt.definition, (*alt.figures, *m.figures), alt.label
    reason = _reason(name, which, m, value, alts, claimed)
    if name == "supported" and which is None and m.stand_in:
        name, reason = "close", _stand_in_reason(reason, m.stand_in)
    flip = m.magnitude and claim.claimed.high <= 0
    shown_value = -value if flip else value
    accepted = _accepted(claimed, band.widening(claimed, close=False), flip=flip)
    return Verdict(
        claim,
        name,
        shown_value,
        definition,
        reason,
        band.words,
        figure_dicts(figures),
        fmt_claimed(accepted),
        label,
    )


def _stand_in_reason(reason: str, stand_in: str) -> str:
    """Say why a value within the tolerance is only "close": it was measured on a stand-in."""
    within = reason.removeprefix("Supported: ").removesuffix(", within the tolerance.")
    return (
        f"Close: {within}, within the tolerance, but measured on {stand_in}, not on what the "
        "claim states."
    )


def _accepted(claimed: Claimed, pad: float, *, flip: bool) -> Claimed:
    """Return the claimed range widened by ``pad`` (in the claim's sign when ``flip``)."""
    low, high = claimed.low - pad, claimed.high + pad
    if flip:
        low, high = -high, -low
    return Claimed(low, high, claimed.unit, claimed.text, claimed.hedge)


def _size(value: float, unit: str) -> str:
    return "a size of " + fmt_value(value, unit).lstrip("+")


def _reason(
    name: str, which: int | None, m: Measured, value: float, alts: list[float], claimed: Claimed
) -> str:
    """Say why: the computed value against the claimed range, and the definition if another."""
    unit = claimed.unit

    def fmt(x: float) -> str:
        return fmt_value(x, unit, decimals_of(claimed))

    if m.magnitude:
        shown = (
            f"computed a size of {fmt(value).lstrip('+')} against the claimed "
            f"{fmt_claimed(claimed).replace('+', '')}"
        )
    else:
        shown = f"computed {fmt(value)} against the claimed {fmt_claimed(claimed)}"
    if m.fact is False:
        return f"The record was not set within the claim's window: {m.definition}."
    if name == "supported":
        return f"Supported: {shown}, within the tolerance."
    if which is not None:
        alt = m.alternatives[which]
        return (
            f"Supported under another definition ({alt.definition}: "
            f"{fmt(alts[which])}); by the main definition {shown}."
        )
    if name == "close":
        return f"Close: {shown}, outside the tolerance but within the close band."
    if not m.alternatives:
        return f"Contradicted: {shown}; no other definition applies to this claim."
    tried = "; ".join(
        f"{a.definition}: {_size(v, unit) if m.magnitude else fmt(v)}"
        for a, v in zip(m.alternatives, alts, strict=True)
    )
    return f"Contradicted: {shown}; the other definitions tried do not give it either ({tried})."
