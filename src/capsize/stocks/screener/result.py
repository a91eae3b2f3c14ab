"""Running a screen: per-rule counts with NOT ASSESSED reasons, and the result.

Re-exported by :mod:`capsize.stocks.screener`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from capsize._format import fmt_date
from capsize.errors import InputError
from capsize.stocks.screener.rules import PRESETS, Rule

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence


__all__ = [
    "RuleStat",
    "ScreenResult",
    "missing_reason",
    "screen",
]

_REASON_KEYS: dict[str, tuple[str, ...]] = {
    "cap_band": ("market_cap", "prices"),
    "market_cap": ("market_cap", "prices"),
    "liquidity_tier": ("dollar_volume", "volume", "prices"),
    "dollar_volume": ("dollar_volume", "volume", "prices"),
    "profitable": ("fundamentals", "filings"),
    "net_income_ttm": ("fundamentals", "filings"),
    "cash_runway_months": ("fundamentals", "filings"),
    "cash_to_mcap": ("fundamentals", "filings", "market_cap"),
    "net_debt_to_mcap": ("fundamentals", "filings", "market_cap"),
    "leverage_ok": ("fundamentals", "filings"),
    "mom_12_1": ("prices",),
    "ret_6m": ("prices",),
    "rs_6m": ("prices",),
    "vol_1y": ("prices",),
    "n_catalysts_90d": ("n_catalysts_90d", "filings"),
    "max_gain_1d": ("prices",),
    "price": ("prices",),
    "revenue_ttm": ("fundamentals", "filings"),
    "cash": ("fundamentals", "filings"),
    "net_debt_ebitda": ("fundamentals", "filings"),
    "interest_coverage": ("fundamentals", "filings"),
    "share_growth": ("fundamentals", "filings"),
    "pe": ("fundamentals", "filings", "market_cap"),
    "ps": ("fundamentals", "filings", "market_cap"),
    "ev_sales": ("fundamentals", "filings", "market_cap"),
    "sector": ("holdings",),
    "weight": ("holdings",),
}
"""Screen metric -> the evidence inputs whose missing reason explains it (in order)."""

_DEFAULT_REASON: dict[str, str] = {
    "mom_12_1": "under a year of prices",
    "ret_6m": "under six months of prices",
    "rs_6m": "under six months of prices or benchmark",
    "vol_1y": "under 120 days of prices",
    "max_gain_1d": "no prices in the last 365 days",
    "leverage_ok": "no debt, EBITDA or interest figures",
    "flags_raised": "risk flags not computed",
    "flags_not_assessed": "risk flags not computed",
}


def missing_reason(column: str, ticker: str, missing: Mapping[str, str]) -> str:
    """Say, shortly, why a stock's metric is missing (NOT ASSESSED).

    Parameters
    ----------
    column : str
        The screen metric.
    ticker : str
        The stock (replaced by "the stock" so that reasons group across stocks).
    missing : Mapping[str, str]
        Input or metric -> reason (:attr:`StockMetrics.missing`).
    """
    from capsize.stocks.evidence import short_reason

    for key in (column, *_REASON_KEYS.get(column, ())):
        if key in missing:
            return short_reason(missing[key].replace(ticker, "the stock"))
    return _DEFAULT_REASON.get(column, "data missing")


@dataclass(frozen=True)
class RuleStat:
    """How one rule thinned the screen.

    Attributes
    ----------
    rule : str
        The rule as text.
    entered : int
        Stocks that passed every earlier rule and so were tested by this one.
    passed, failed, not_assessed : int
        Of those: passing; failing on known data; dropped because the metric is missing.
    reasons : Mapping[str, int]
        Why the metric was missing -> number of stocks (most frequent first).
    """

    rule: str
    entered: int
    passed: int
    failed: int
    not_assessed: int
    reasons: Mapping[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        """One line: entering, passing, failing, NOT ASSESSED and the main reason.

        Examples
        --------
        >>> RuleStat("profitable", 1900, 0, 0, 1900, {"no filings": 1900}).describe()
        "rule 'profitable': 1,900 in, 0 pass, 0 fail, 1,900 NOT ASSESSED (1,900: no filings)"
        """
        text = (
            f"rule '{self.rule}': {self.entered:,} in, {self.passed:,} pass, "
            f"{self.failed:,} fail, {self.not_assessed:,} NOT ASSESSED"
        )
        if self.not_assessed and self.reasons:
            why, n = next(iter(self.reasons.items()))
            more = len(self.reasons) - 1
            text += f" ({n:,}: {why}" + (f"; {more} other reasons)" if more else ")")
        return text


@dataclass(frozen=True)
class ScreenResult:
    """Outcome of a screen.

    Attributes
    ----------
    frame : DataFrame
        Passing stocks, ranked (index ticker).
    rules : tuple of Rule
    preset : str or None
    description : str
    n_universe : int
        Stocks screened.
    not_assessed : Mapping[str, int]
        Rule text -> stocks dropped because the metric was missing.
    failed : Mapping[str, int]
        Rule text -> stocks with data that failed the rule.
    as_of : Timestamp or None
        Evaluation date: filings and events are counted up to it.
    n_passed : int
        Stocks passing every rule (before ``limit``).
    price_as_of : Timestamp or None
        Latest price date among the screened stocks (the date the data is from).
    n_older_prices : int
        Screened stocks whose latest price is older than ``price_as_of``.
    requested_as_of : Timestamp or None
        The date the user asked for (None = latest).
    stats : tuple of RuleStat
        Per rule, in order: stocks entering, passing, failing and NOT ASSESSED, with reasons.
    """

    frame: pd.DataFrame
    rules: tuple[Rule, ...]
    preset: str | None
    description: str
    n_universe: int
    not_assessed: Mapping[str, int] = field(default_factory=dict)
    failed: Mapping[str, int] = field(default_factory=dict)
    as_of: pd.Timestamp | None = None
    n_passed: int = 0
    price_as_of: pd.Timestamp | None = None
    n_older_prices: int = 0
    requested_as_of: pd.Timestamp | None = None
    stats: tuple[RuleStat, ...] = ()

    def empty_reason(self) -> str | None:
        """Say which rule removed the last stocks and why (None when some pass).

        Examples
        --------
        >>> st = RuleStat("profitable", 1900, 0, 0, 1900, {"no SEC filings": 1900})
        >>> ScreenResult(pd.DataFrame(), (), None, "", 1900, stats=(st,)).empty_reason()
        "no stock passes: rule 'profitable' removed the last 1,900 (NOT ASSESSED for 1,900: no SEC filings)"
        """
        if self.n_passed or not self.n_universe:
            return None
        last = next((x for x in self.stats if x.entered and not x.passed), None)
        if last is None:
            return None
        parts = []
        if last.not_assessed:
            top = list(last.reasons.items())[:2]
            why = top[0][0] if len(top) == 1 else "; ".join(f"{n:,}: {r}" for r, n in top)
            parts.append(f"NOT ASSESSED for {last.not_assessed:,}: {why or 'data missing'}")
        if last.failed:
            parts.append(f"{last.failed:,} failed it on known data")
        detail = "; ".join(parts)
        return f"no stock passes: rule '{last.rule}' removed the last {last.entered:,} ({detail})"

    def as_of_text(self) -> str:
        """Say what date the data is from, and the requested date when it differs.

        Examples
        --------
        >>> r = ScreenResult(pd.DataFrame(), (), None, "", 0,
        ...                  price_as_of=pd.Timestamp("2026-07-31"),
        ...                  requested_as_of=pd.Timestamp("2027-01-01"))
        >>> r.as_of_text()
        'prices as of 2026-07-31; requested 2027-01-01'
        """
        if self.price_as_of is None:
            text = "no prices"
        else:
            text = f"prices as of {fmt_date(self.price_as_of)}"
            if self.n_older_prices:
                text += f" ({self.n_older_prices} stocks with older prices, see price_date)"
        if self.requested_as_of is not None and self.requested_as_of != self.price_as_of:
            text += f"; requested {fmt_date(self.requested_as_of)}"
        return text


def _apply_rules(
    frame: pd.DataFrame, rules: Sequence[Rule], miss: Mapping[str, Mapping[str, str]]
) -> tuple[pd.Series, dict[str, int], dict[str, int], list[RuleStat]]:
    """Apply the rules in order: who passes, and per rule the n/a and fail counts and stats."""
    keep = pd.Series(True, index=frame.index)
    na_counts: dict[str, int] = {}
    fail_counts: dict[str, int] = {}
    stats: list[RuleStat] = []
    for rule in rules:
        ok, na = rule.apply(frame)
        text = rule.describe()
        na_here = na & keep
        na_counts[text] = int(na_here.sum())
        fail_counts[text] = int((~ok & ~na & keep).sum())
        reasons: dict[str, int] = {}
        for t in frame.index[na_here.to_numpy()]:
            why = missing_reason(rule.column, str(t), miss.get(str(t), {}))
            reasons[why] = reasons.get(why, 0) + 1
        entered = int(keep.sum())
        keep &= ok
        stats.append(
            RuleStat(
                text,
                entered,
                int(keep.sum()),
                fail_counts[text],
                na_counts[text],
                dict(sorted(reasons.items(), key=lambda kv: -kv[1])),
            )
        )
    return keep, na_counts, fail_counts, stats


def _price_dates(frame: pd.DataFrame) -> tuple[pd.Timestamp | None, int]:
    """Return the latest price date and how many stocks have an older one."""
    dates = (
        pd.to_datetime(frame["price_date"], errors="coerce", format="%Y-%m-%d").dropna()
        if "price_date" in frame.columns
        else pd.Series(dtype="datetime64[ns]")
    )
    price_as_of = pd.Timestamp(dates.max()) if len(dates) else None
    n_older = int((dates < price_as_of).sum()) if price_as_of is not None else 0
    return price_as_of, n_older


def screen(
    frame: pd.DataFrame,
    *,
    preset: str | None = None,
    rules: Sequence[Rule] = (),
    sort_by: str | None = None,
    ascending: bool | None = None,
    limit: int | None = None,
    as_of: pd.Timestamp | None = None,
    requested_as_of: pd.Timestamp | None = None,
    missing: Mapping[str, Mapping[str, str]] | None = None,
) -> ScreenResult:
    """Filter and rank a metrics frame.

    Parameters
    ----------
    frame : DataFrame
        :func:`metrics_frame` output.
    preset : str, optional
        A key of :data:`PRESETS`; its rules come first.
    rules : sequence of Rule
        Extra rules (all must pass).
    sort_by : str, optional
        Ranking column (default: the preset's, else ``market_cap``).
    ascending : bool, optional
        Ranking direction (default: the preset's, else descending).
    limit : int, optional
        Keep the top ``limit`` rows.
    as_of : Timestamp, optional
        Evaluation date (provenance).
    requested_as_of : Timestamp, optional
        The date the user asked for, stated next to the actual price date.
    missing : Mapping, optional
        Ticker -> input -> reason it is missing (:attr:`StockMetrics.missing`), used
        to say why a rule could not be assessed.

    Returns
    -------
    ScreenResult
    """
    if preset is not None and preset not in PRESETS:
        raise InputError(f"preset {preset!r} is unknown; choose one of {', '.join(PRESETS)}")
    if limit is not None and limit < 1:
        raise InputError(f"limit={limit!r} must be at least 1")
    p = PRESETS[preset] if preset else None
    all_rules = (*(p.rules if p else ()), *rules)
    keep, na_counts, fail_counts, stats = _apply_rules(frame, all_rules, missing or {})
    out = frame.loc[keep]
    key = sort_by or (p.sort_by if p else "market_cap")
    asc = ascending if ascending is not None else (p.ascending if p else False)
    if key not in out.columns:
        raise InputError(f"sort_by={key!r} is not a screen metric")
    out = out.sort_values(key, ascending=asc, na_position="last", kind="stable")
    n_passed = len(out)
    if limit is not None:
        out = out.head(limit)
    desc = p.description if p else "custom rules"
    price_as_of, n_older = _price_dates(frame)
    return ScreenResult(
        out,
        tuple(all_rules),
        preset,
        desc,
        len(frame),
        na_counts,
        fail_counts,
        as_of,
        n_passed,
        price_as_of,
        n_older,
        None if requested_as_of is None else pd.Timestamp(requested_as_of),
        tuple(stats),
    )
