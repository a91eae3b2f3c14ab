"""Rating cards: Recommendation, Timeframe and Risk from published, versioned rules.

Every card field is decided by the first rule (in the order below) that fires
on the evidence; each field lists the rules that fired and the dated evidence
they used. A field whose evidence is missing says **NOT ASSESSED** instead of
guessing. Every card carries :data:`DISCLAIMER`.

Rules (version :data:`RULES_VERSION`)
-------------------------------------
Recommendation (first match wins):

========  ================  =====================================================================
id        outcome           condition
========  ================  =====================================================================
REC-1     AVOID             8-K item 1.03 (bankruptcy) or 4.02 (non-reliance) in the last 365 days
REC-2     AVOID             two or more manipulation-risk flags RAISED
REC-3     AVOID             unprofitable (TTM net income <= 0) and cash runway < 12 months
REC-4     CANDIDATE         profitable, P/E <= 20, share growth <= 10%, no risk flag RAISED,
                            12-1 month return > 0 (all must be known)
REC-5     WATCH             profitability and price known (none of the above)
(none)    NOT ASSESSED      no filings-based profitability or no price
========  ================  =====================================================================

Risk (points; HIGH >= 3 whatever is missing, because a missing input can
only add points, never remove them: when the assessed inputs already reach
HIGH, the card grades HIGH with that evidence and lists the inputs it could
not assess. Otherwise at least 4 of the 6 inputs RISK-1..RISK-6 must be
assessed to call it lower; RISK-7 does not count toward those 4):

========  ======  ==========================================================================
id        points  condition
========  ======  ==========================================================================
RISK-1    2 each  manipulation-risk flag RAISED
RISK-2    2 / 1   cap band nano (below the micro band) / micro (configured segments)
RISK-3    1       unprofitable (TTM net income <= 0)
RISK-4    2       cash runway < 12 months
RISK-5    1       liquidity tier illiquid or thin (median dollar volume < $1M/day)
RISK-6    1       annualised volatility > 60% (simple daily returns) or share growth > 20%
RISK-7    3       extreme price risk: annualised volatility > 100% or a one-day gain
                  >= 100% in the last 365 days (HIGH on its own; adds to RISK-6)
========  ======  ==========================================================================

HIGH >= 3 points, ELEVATED 1-2, MODERATE 0.

Timeframe (first match wins):

========  ===================================================  =================================
id        outcome                                              condition
========  ===================================================  =================================
TF-1      Immediate (risk event)                               Recommendation is AVOID
TF-2      1-3 months (event-driven)                            deal catalyst (1.01, 2.01, 5.01)
                                                               in the last 90 days
TF-3      6-12 months (valuation; review at each 10-Q)         Recommendation is CANDIDATE
TF-4      3-6 months (re-check after the next filing)          Recommendation is WATCH
(none)    NOT ASSESSED                                         otherwise, or Recommendation
                                                               NOT ASSESSED
========  ===================================================  =================================

:func:`rules_table` returns these rules as data (the CLI and docs print it).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from capsize._format import fmt_date, fmt_num, fmt_pct, fmt_ratio
from capsize.errors import InputError
from capsize.stocks.evidence import NOT_ASSESSED, Evidence, short_reason

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from capsize.stocks.risk_flags import RiskFlag

__all__ = [
    "DISCLAIMER",
    "NOT_ASSESSED",
    "RULES",
    "RULES_VERSION",
    "CardField",
    "RatingCard",
    "RatingRule",
    "rate",
    "render_card",
    "rules_table",
]

RULES_VERSION = "1.2.0"
"""Version of the published rule set; bump it whenever a rule or threshold changes.

1.1.0: RISK-7 (extreme volatility or a one-day gain >= 100% grades HIGH even when
other risk inputs are missing).
1.2.0: inputs follow the one rule of each concept: cap bands from the configured segments
(RISK-2), volatility of simple daily returns (RISK-6, RISK-7; was log returns), liquidity
tiers of :mod:`capsize.rules.liquidity` with volume older than the staleness rule allows
not assessed (RISK-5; the illiquid/thin threshold, $1M/day, is unchanged).
"""

DISCLAIMER = (
    "Information, not investment advice. This card applies capsize's published rules "
    f"(version {RULES_VERSION}) to public filings and prices; it is not a recommendation to buy "
    "or sell any security. Data can be incomplete, late or wrong: check every evidence date."
)

Check = tuple[bool | None, list[Evidence]]
"""Rule result: fired (True), not fired (False) or not evaluable (None), with evidence."""


@dataclass(frozen=True)
class _Ctx:
    values: Mapping[str, Any]
    evidence: Mapping[str, Evidence]
    flags: Sequence[RiskFlag]
    events: pd.DataFrame | None
    as_of: pd.Timestamp
    recommendation: str = ""

    def num(self, key: str) -> float:
        x = self.values.get(key)
        try:
            return float(x) if x is not None else float("nan")
        except (TypeError, ValueError):
            return float("nan")

    def ev(self, key: str) -> list[Evidence]:
        e = self.evidence.get(key)
        return [e] if e is not None else []


@dataclass(frozen=True)
class RatingRule:
    """One published rule.

    Attributes
    ----------
    id : str
        Stable identifier (``REC-1``).
    field : str
        ``recommendation``, ``timeframe`` or ``risk``.
    outcome : str
        Value the field takes when the rule fires (points for risk rules).
    condition : str
        The rule in words.
    check : callable
        ``check(ctx) -> (fired, evidence)``.
    """

    id: str
    field: str
    outcome: str
    condition: str
    check: Callable[[_Ctx], Check] = dataclasses.field(repr=False, compare=False)


# --------------------------------------------------------------------------- checks


def _events_within(ctx: _Ctx, kinds: Sequence[str], days: int) -> Check:
    if ctx.events is None:
        return None, []
    ev = ctx.events
    hit = ev.loc[
        ev["event"].isin(list(kinds))
        & (ev["date"] > ctx.as_of - pd.Timedelta(days=days))
        & (ev["date"] <= ctx.as_of)
    ]
    evid = [
        Evidence(
            f"8-K {r['label']}",
            str(r["items"] or r["event"]),
            pd.Timestamp(r["date"]),
            f"SEC {r['form']} {r['accession']}",
        )
        for _, r in hit.iterrows()
    ]
    return (len(hit) > 0), evid


def _rec1(ctx: _Ctx) -> Check:
    return _events_within(ctx, ("bankruptcy", "non_reliance"), 365)


def _rec2(ctx: _Ctx) -> Check:
    if not ctx.flags or all(f.raised is None for f in ctx.flags):
        return None, []
    raised = [f for f in ctx.flags if f.raised]
    evid = [
        Evidence(f"risk flag {f.id}", "RAISED", f.evidence[0].date if f.evidence else None, f.rule)
        for f in raised
    ]
    return len(raised) >= 2, evid


def _rec3(ctx: _Ctx) -> Check:
    prof, runway = ctx.num("profitable"), ctx.num("cash_runway_months")
    if math.isnan(prof):
        return None, []
    if prof == 1.0:
        return False, ctx.ev("profitable")
    if math.isnan(runway):
        return None, ctx.ev("profitable")
    return runway < 12.0, ctx.ev("profitable") + ctx.ev("cash_runway_months")


def _rec4(ctx: _Ctx) -> Check:
    need = ("profitable", "pe", "share_growth", "mom_12_1")
    vals = {k: ctx.num(k) for k in need}
    flags_ok = bool(ctx.flags) and all(f.raised is not None for f in ctx.flags)
    if any(math.isnan(x) for x in vals.values()) or not flags_ok:
        return None, []
    ok = (
        vals["profitable"] == 1.0
        and vals["pe"] <= 20.0
        and vals["share_growth"] <= 0.10
        and vals["mom_12_1"] > 0.0
        and not any(f.raised for f in ctx.flags)
    )
    evid = [e for k in need for e in ctx.ev(k)]
    evid.append(
        Evidence(
            "risk flags RAISED",
            "0" if ok else str(sum(bool(f.raised) for f in ctx.flags)),
            ctx.as_of,
            "capsize risk flags",
        )
    )
    return ok, evid


def _rec5(ctx: _Ctx) -> Check:
    if math.isnan(ctx.num("profitable")) or math.isnan(ctx.num("price")):
        return None, []
    return True, ctx.ev("profitable") + ctx.ev("price")


def _risk_flags(ctx: _Ctx) -> Check:
    if not ctx.flags or all(f.raised is None for f in ctx.flags):
        return None, []
    raised = [f for f in ctx.flags if f.raised]
    evid = [e for f in raised for e in f.evidence[:2]]
    return bool(raised), evid


def _risk_cap(ctx: _Ctx) -> Check:
    band = ctx.values.get("cap_band")
    if not band:
        return None, []
    return band in ("nano", "micro"), ctx.ev("market_cap")


def _risk_unprofitable(ctx: _Ctx) -> Check:
    p = ctx.num("profitable")
    return (None, []) if math.isnan(p) else (p == 0.0, ctx.ev("profitable"))


def _risk_runway(ctx: _Ctx) -> Check:
    r = ctx.num("cash_runway_months")
    return (None, []) if math.isnan(r) else (r < 12.0, ctx.ev("cash_runway_months"))


def _risk_liquidity(ctx: _Ctx) -> Check:
    tier = ctx.values.get("liquidity_tier")
    return (None, []) if not tier else (tier in ("illiquid", "thin"), ctx.ev("dollar_volume"))


def _risk_vol(ctx: _Ctx) -> Check:
    vol, g = ctx.num("vol_1y"), ctx.num("share_growth")
    if math.isnan(vol) and math.isnan(g):
        return None, []
    hit = (not math.isnan(vol) and vol > 0.60) or (not math.isnan(g) and g > 0.20)
    return hit, ctx.ev("vol_1y") + ctx.ev("share_growth")


EXTREME_VOL = 1.00
"""Annualised volatility above which RISK-7 grades the risk HIGH on its own (fraction)."""

EXTREME_GAIN_1D = 1.00
"""One-day gain at or above which RISK-7 grades the risk HIGH on its own (fraction)."""


def _risk_extreme(ctx: _Ctx) -> Check:
    vol, gain = ctx.num("vol_1y"), ctx.num("max_gain_1d")
    if math.isnan(vol) and math.isnan(gain):
        return None, []
    hit_vol = not math.isnan(vol) and vol > EXTREME_VOL
    hit_gain = not math.isnan(gain) and gain >= EXTREME_GAIN_1D
    evid = (ctx.ev("vol_1y") if hit_vol else []) + (ctx.ev("max_gain_1d") if hit_gain else [])
    return hit_vol or hit_gain, evid


def _tf1(ctx: _Ctx) -> Check:
    return ctx.recommendation == "AVOID", []


def _tf2(ctx: _Ctx) -> Check:
    return _events_within(ctx, ("agreement", "acquisition", "control"), 90)


def _tf3(ctx: _Ctx) -> Check:
    return ctx.recommendation == "CANDIDATE", []


def _tf4(ctx: _Ctx) -> Check:
    return ctx.recommendation == "WATCH", []


RULES: tuple[RatingRule, ...] = (
    RatingRule(
        "REC-1",
        "recommendation",
        "AVOID",
        "8-K item 1.03 (bankruptcy) or 4.02 (non-reliance) in the last 365 days",
        _rec1,
    ),
    RatingRule(
        "REC-2", "recommendation", "AVOID", "two or more manipulation-risk flags RAISED", _rec2
    ),
    RatingRule(
        "REC-3", "recommendation", "AVOID", "unprofitable and cash runway < 12 months", _rec3
    ),
    RatingRule(
        "REC-4",
        "recommendation",
        "CANDIDATE",
        "profitable, P/E <= 20, share growth <= 10%, no risk flag RAISED, 12-1 month return > 0",
        _rec4,
    ),
    RatingRule("REC-5", "recommendation", "WATCH", "profitability and price known", _rec5),
    RatingRule("RISK-1", "risk", "2 each", "manipulation-risk flag RAISED", _risk_flags),
    RatingRule(
        "RISK-2",
        "risk",
        "2 / 1",
        "cap band nano (below the micro band) / micro (configured segments)",
        _risk_cap,
    ),
    RatingRule("RISK-3", "risk", "1", "unprofitable (TTM net income <= 0)", _risk_unprofitable),
    RatingRule("RISK-4", "risk", "2", "cash runway < 12 months", _risk_runway),
    RatingRule(
        "RISK-5", "risk", "1", "liquidity tier illiquid or thin (< $1M/day)", _risk_liquidity
    ),
    RatingRule(
        "RISK-6", "risk", "1", "annualised volatility > 60% or share growth > 20%", _risk_vol
    ),
    RatingRule(
        "RISK-7",
        "risk",
        "3",
        "extreme price risk: annualised volatility > 100% or a one-day gain >= 100% "
        "in the last 365 days",
        _risk_extreme,
    ),
    RatingRule("TF-1", "timeframe", "Immediate (risk event)", "Recommendation is AVOID", _tf1),
    RatingRule(
        "TF-2",
        "timeframe",
        "1-3 months (event-driven)",
        "deal catalyst (8-K 1.01, 2.01, 5.01) in the last 90 days",
        _tf2,
    ),
    RatingRule(
        "TF-3",
        "timeframe",
        "6-12 months (valuation; review at each 10-Q)",
        "Recommendation is CANDIDATE",
        _tf3,
    ),
    RatingRule(
        "TF-4",
        "timeframe",
        "3-6 months (re-check after the next filing)",
        "Recommendation is WATCH",
        _tf4,
    ),
)
"""The published rule set, in evaluation order."""


def rules_table() -> pd.DataFrame:
    """Return the rules as a frame (``id, field, outcome, condition``; version in ``attrs``)."""
    df = pd.DataFrame(
        [
            {"id": r.id, "field": r.field, "outcome": r.outcome, "condition": r.condition}
            for r in RULES
        ]
    )
    df.attrs["version"] = RULES_VERSION
    return df


@dataclass(frozen=True)
class CardField:
    """One field of a card.

    Attributes
    ----------
    name : str
    value : str
        The outcome, or ``NOT ASSESSED``.
    rules : tuple of str
        Ids of the rules that decided it.
    evidence : tuple of Evidence
    notes : tuple of str
        Which inputs were missing.
    """

    name: str
    value: str
    rules: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly dict."""
        return {
            "value": self.value,
            "rules": list(self.rules),
            "evidence": [e.to_dict() for e in self.evidence],
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class RatingCard:
    """A rating card.

    Attributes
    ----------
    ticker : str
    as_of : Timestamp
    recommendation, timeframe, risk : CardField
    flags : tuple of RiskFlag
    key_figures : Mapping[str, str]
        Formatted headline numbers (n/a with reason when missing).
    missing_inputs : Mapping[str, str]
        Inputs that were unavailable and why.
    rules_version : str
    disclaimer : str
    """

    ticker: str
    as_of: pd.Timestamp
    recommendation: CardField
    timeframe: CardField
    risk: CardField
    flags: tuple[RiskFlag, ...]
    key_figures: Mapping[str, str]
    missing_inputs: Mapping[str, str]
    rules_version: str = RULES_VERSION
    disclaimer: str = DISCLAIMER

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly dict."""
        return {
            "ticker": self.ticker,
            "as_of": fmt_date(self.as_of),
            "rules_version": self.rules_version,
            "recommendation": self.recommendation.to_dict(),
            "timeframe": self.timeframe.to_dict(),
            "risk": self.risk.to_dict(),
            "flags": [f.to_dict() for f in self.flags],
            "key_figures": dict(self.key_figures),
            "missing_inputs": dict(self.missing_inputs),
            "disclaimer": self.disclaimer,
        }


def _first(ctx: _Ctx, field_name: str) -> CardField:
    notes: list[str] = []
    for rule in (r for r in RULES if r.field == field_name):
        fired, evid = rule.check(ctx)
        if fired is None:
            notes.append(f"{rule.id} not assessed (input missing)")
            continue
        if fired:
            return CardField(field_name, rule.outcome, (rule.id,), tuple(evid), tuple(notes))
    return CardField(
        field_name, NOT_ASSESSED, (), (), tuple(notes) or ("no rule could be evaluated",)
    )


_RISK_INPUTS = {
    "RISK-1": "manipulation-risk flags",
    "RISK-2": "market cap",
    "RISK-3": "profitability",
    "RISK-4": "cash runway",
    "RISK-5": "liquidity",
    "RISK-6": "volatility and share growth",
    "RISK-7": "price history",
}


def _risk(ctx: _Ctx) -> CardField:
    points = 0
    fired: list[str] = []
    evid: list[Evidence] = []
    notes: list[str] = []
    missing_ids: list[str] = []
    assessed = 0
    for rule in (r for r in RULES if r.field == "risk"):
        hit, e = rule.check(ctx)
        if hit is None:
            notes.append(f"{rule.id} not assessed (input missing)")
            missing_ids.append(f"{rule.id} ({_RISK_INPUTS.get(rule.id, 'input')})")
            continue
        assessed += rule.id != "RISK-7"
        if not hit:
            continue
        if rule.id == "RISK-1":
            pts = 2 * sum(1 for f in ctx.flags if f.raised)
        elif rule.id == "RISK-2":
            pts = 2 if ctx.values.get("cap_band") == "nano" else 1
        else:
            pts = int(rule.outcome)
        points += pts
        fired.append(f"{rule.id} (+{pts})")
        evid.extend(x for x in e if x not in evid)
    if points >= 3:
        value = "HIGH"
        if missing_ids:
            notes.append(
                f"HIGH on the assessed inputs alone; {', '.join(missing_ids)} not assessed "
                "(missing inputs can only raise the risk, never lower it)"
            )
    elif assessed < 4:
        value = NOT_ASSESSED
        notes.append(
            f"only {assessed} of 6 risk inputs assessed ({points} points); "
            "need 4 to grade below HIGH"
        )
    else:
        value = "ELEVATED" if points >= 1 else "MODERATE"
    return CardField("risk", value, tuple(fired), tuple(evid), tuple(notes))


def _key_figures(values: Mapping[str, Any], missing: Mapping[str, str]) -> dict[str, str]:
    def num(k: str) -> float:
        x = values.get(k)
        try:
            return float(x) if x is not None else float("nan")
        except (TypeError, ValueError):
            return float("nan")

    def why(k: str, default: str) -> str:
        return short_reason(missing.get(k, default))

    from capsize._format import fmt_money

    return {
        "price_date": str(values.get("price_date") or "n/a (no prices)"),
        "price": f"{fmt_money(num('price'), reason='no prices')} "
        f"({values.get('price_date', 'n/a')})",
        "market_cap": fmt_money(
            num("market_cap"), compact=True, reason=why("market_cap", "no share count")
        )
        + (f" [{values.get('market_cap_source')}]" if values.get("market_cap_source") else ""),
        "TTM net income": fmt_money(
            num("net_income_ttm"), compact=True, reason=why("fundamentals", "no filings")
        ),
        "P/E": fmt_ratio(num("pe"), 1, reason=why("pe", "not available")),
        "EV/sales": fmt_ratio(num("ev_sales"), 1, reason=why("ev_sales", "not available")),
        "share growth (1y)": fmt_pct(
            num("share_growth"), reason=why("share_growth", "not available")
        ),
        "cash runway": (
            "self-funding"
            if math.isinf(num("cash_runway_months"))
            else (
                fmt_num(num("cash_runway_months"), 1, reason="not available") + " months"
                if math.isfinite(num("cash_runway_months"))
                else "n/a (not available)"
            )
        ),
        "12-1 month return": fmt_pct(num("mom_12_1"), reason="under a year of prices"),
        "median dollar volume": fmt_money(
            num("dollar_volume"), compact=True, reason=why("dollar_volume", "no volume")
        ),
    }


def rate(
    ticker: str,
    *,
    as_of: pd.Timestamp | str,
    values: Mapping[str, Any],
    evidence: Mapping[str, Evidence] | None = None,
    flags: Sequence[RiskFlag] = (),
    events: pd.DataFrame | None = None,
    missing: Mapping[str, str] | None = None,
) -> RatingCard:
    """Apply :data:`RULES` to one stock's evidence.

    Parameters
    ----------
    ticker : str
    as_of : date-like
        Evaluation date; events after it are ignored.
    values : Mapping
        Screen metrics (:attr:`capsize.stocks.screener.StockMetrics.values`).
    evidence : Mapping, optional
        Metric -> Evidence (:attr:`StockMetrics.evidence`).
    flags : sequence of RiskFlag
        From :func:`capsize.stocks.risk_flags.assess_risk_flags`.
    events : DataFrame, optional
        Catalyst timeline; None when no filing list is available.
    missing : Mapping, optional
        Input -> reason it is missing (shown on the card).

    Returns
    -------
    RatingCard
    """
    if not isinstance(ticker, str) or not ticker.strip():
        raise InputError("ticker must be a non-empty string, e.g. 'IMNN'")
    at = pd.Timestamp(as_of)
    ctx = _Ctx(dict(values), dict(evidence or {}), tuple(flags), events, at)
    rec = _first(ctx, "recommendation")
    if rec.value == NOT_ASSESSED:
        tf = CardField("timeframe", NOT_ASSESSED, (), (), ("no recommendation to time",))
    else:
        tf = _first(_Ctx(ctx.values, ctx.evidence, ctx.flags, events, at, rec.value), "timeframe")
    risk = _risk(ctx)
    miss = dict(missing or {})
    return RatingCard(
        ticker.strip().upper(), at, rec, tf, risk, tuple(flags), _key_figures(values, miss), miss
    )


def render_card(card: RatingCard) -> str:
    """Plain-text rendering of a card (the CLI prints it through rich).

    Every field shows its value, the rules that decided it and each piece of
    evidence with its date; the disclaimer closes the card.
    """
    head = f"{card.ticker} — rating card as of {fmt_date(card.as_of)}"
    pdate = card.key_figures.get("price_date", "")
    if pdate and pdate != fmt_date(card.as_of):
        head += f" (prices as of {pdate})"
    lines = [f"{head} (rules v{card.rules_version})", ""]
    for f in (card.recommendation, card.timeframe, card.risk):
        rules = ", ".join(f.rules) if f.rules else "no rule fired"
        lines.append(f"{f.name.capitalize():<15} {f.value}   [{rules}]")
        for e in f.evidence:
            lines.append(f"    - {e}")
        for n in f.notes:
            lines.append(f"    · {n}")
    lines += ["", "Key figures:"]
    lines += [f"    {k:<22} {v}" for k, v in card.key_figures.items()]
    lines += ["", "Manipulation-risk flags:"]
    for fl in card.flags:
        lines.append(f"    {fl.id:<26} {fl.status}")
        for e in fl.evidence[:3]:
            lines.append(f"        - {e}")
    if card.missing_inputs:
        lines += ["", "Not available:"]
        lines += [f"    {k}: {short_reason(v, 160)}" for k, v in card.missing_inputs.items()]
    lines += ["", card.disclaimer]
    return "\n".join(lines)
