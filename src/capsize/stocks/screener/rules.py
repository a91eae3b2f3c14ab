"""Screen rules and the published presets.

Re-exported by :mod:`capsize.stocks.screener`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from capsize.errors import InputError

__all__ = [
    "CONSOLIDATING_SECTORS",
    "PRESETS",
    "Preset",
    "Rule",
    "parse_rule",
]

CONSOLIDATING_SECTORS: tuple[str, ...] = (
    "Health Care",
    "Financials",
    "Energy",
    "Information Technology",
)
"""Sectors treated as consolidating in the M&A preset (regional banks, biotech/medtech,
E&P and software roll-ups are where most small-cap takeovers happen). An editorial
choice, stated in the rule text; pass your own rules to change it."""


_OPS = ("<", "<=", ">", ">=", "==", "!=", "in")

_RULE_TEXT = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=|==|!=|<|>|\s+in\s+)\s*(.+?)\s*$")


@dataclass(frozen=True)
class Rule:
    """One filter: ``column op value`` (a NaN metric fails and is counted NOT ASSESSED).

    Examples
    --------
    >>> Rule("market_cap", "<", 300e6).describe()
    'market_cap < 300000000'
    """

    column: str
    op: str
    value: Any
    label: str = ""

    def __post_init__(self) -> None:
        if self.op not in _OPS:
            raise InputError(f"rule op {self.op!r} is not one of {', '.join(_OPS)}")

    def describe(self) -> str:
        """Return the rule as text."""
        if self.label:
            return self.label
        val = list(self.value) if self.op == "in" else self.value
        shown = f"{val:.0f}" if isinstance(val, float) and val.is_integer() else str(val)
        return f"{self.column} {self.op} {shown}"

    def apply(self, frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
        """Return ``(passes, not_assessed)`` boolean Series over ``frame``'s rows."""
        if self.column not in frame.columns:
            raise InputError(
                f"rule column {self.column!r} is not a screen metric; "
                f"use one of {list(frame.columns)}"
            )
        col = frame[self.column]
        na = col.isna()
        if self.op == "in":
            ok = col.isin(list(self.value))
        else:
            num = pd.to_numeric(col, errors="coerce") if not isinstance(self.value, str) else col
            ops = {
                "<": lambda s: s < self.value,
                "<=": lambda s: s <= self.value,
                ">": lambda s: s > self.value,
                ">=": lambda s: s >= self.value,
                "==": lambda s: s == self.value,
                "!=": lambda s: s != self.value,
            }
            ok = ops[self.op](num)
        ok = ok.fillna(False).astype(bool) & ~na
        return ok, na


@dataclass(frozen=True)
class Preset:
    """A named screen: rules, ranking and the stated rationale."""

    name: str
    description: str
    rules: tuple[Rule, ...]
    sort_by: str
    ascending: bool = False


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            "quality-micro",
            "Quality micro-caps: micro band ($50M-$300M by default), profitable, not illiquid "
            "(median dollar volume >= $100k/day), dilution <= 5%/yr, "
            "modest leverage; ranked by cheapest P/E.",
            (
                Rule("cap_band", "==", "micro", "cap band micro"),
                Rule("profitable", "==", 1.0, "profitable (TTM net income > 0)"),
                Rule(
                    "liquidity_tier",
                    "in",
                    ("thin", "low", "medium", "high"),
                    "liquidity tier thin or better (>= $100k/day)",
                ),
                Rule("share_growth", "<=", 0.05, "share growth <= 5%"),
                Rule(
                    "leverage_ok",
                    "==",
                    1.0,
                    "net cash, net debt/EBITDA <= 2 or interest cover >= 4",
                ),
            ),
            "pe",
            True,
        ),
        Preset(
            "ma-targets",
            "Possible M&A targets: micro or small band ($50M-$2B by default), cash-rich (cash >= 25% of market cap), "
            "undervalued (EV/sales <= 2), in consolidating sectors "
            f"({', '.join(CONSOLIDATING_SECTORS)}); ranked by cash/market cap.",
            (
                Rule("cap_band", "in", ("micro", "small"), "cap band micro or small"),
                Rule("cash_to_mcap", ">=", 0.25, "cash >= 25% of market cap"),
                Rule("ev_sales", "<=", 2.0, "EV/sales <= 2"),
                Rule("sector", "in", CONSOLIDATING_SECTORS, "sector is consolidating"),
            ),
            "cash_to_mcap",
            False,
        ),
        Preset(
            "momentum-small",
            "Small-cap momentum: micro or small band ($50M-$2B by default), positive 12-1 month return and beating "
            "the benchmark over 6 months; ranked by relative strength.",
            (
                Rule("cap_band", "in", ("micro", "small"), "cap band micro or small"),
                Rule("mom_12_1", ">", 0.0, "12-1 month return > 0"),
                Rule("rs_6m", ">", 0.0, "6-month return above the benchmark"),
            ),
            "rs_6m",
            False,
        ),
        Preset(
            "catalyst-rich",
            "Catalyst-rich small caps: micro or small band ($50M-$2B by default), at least one 8-K/XBRL catalyst in 90 "
            "days, no manipulation flag raised and at least 3 of the 5 flags assessed; ranked "
            "by number of catalysts.",
            (
                Rule("cap_band", "in", ("micro", "small"), "cap band micro or small"),
                Rule("n_catalysts_90d", ">=", 1.0, "catalyst in the last 90 days"),
                Rule("flags_raised", "==", 0.0, "no risk flag raised"),
                Rule("flags_not_assessed", "<=", 2.0, "at least 3 of 5 risk flags assessed"),
            ),
            "n_catalysts_90d",
            False,
        ),
    )
}
"""Published screen presets."""


def _value(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text.strip().strip("'\"")


def parse_rule(text: str) -> Rule:
    """Parse ``"column op value"`` into a :class:`Rule`.

    ``op`` is one of ``< <= > >= == !=`` or ``in`` (comma-separated values); numbers are
    read as floats, anything else as text.

    Raises
    ------
    InputError
        When the text is not of that form.

    Examples
    --------
    >>> parse_rule("pe<=15")
    Rule(column='pe', op='<=', value=15.0, label='')
    >>> parse_rule("cap_band in micro,small").value
    ('micro', 'small')
    """
    m = _RULE_TEXT.match(str(text))
    if m is None:
        raise InputError(
            f"rule {text!r} is not 'column op value'; e.g. 'pe<=15' or 'cap_band in micro,small'"
        )
    column, op, raw = m.group(1), m.group(2).strip(), m.group(3)
    if op == "in":
        return Rule(column, op, tuple(_value(x) for x in raw.split(",") if x.strip()))
    return Rule(column, op, _value(raw))
