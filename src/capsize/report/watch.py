"""What to watch: rules on the report's figures, one row of a table each.

A rule reads one figure of one section, compares it with its threshold and, when it
fires, writes a sentence of text and figures (the threshold itself is a figure whose
provenance is the rule table). Thresholds are in :data:`WATCH_RULES`; the rules in
:data:`RULES`. Adding a rule is adding a row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from capsize._format import fmt_date
from capsize.report._inputs import CORE_LARGE, CORE_SMALL, ProxyChoice, num, pct, pp_abs
from capsize.report._model import Figure, FigureBook, Section

__all__ = ["RULES", "WATCH_RULES", "WatchItem", "WatchRule", "watch_items"]

WATCH_RULES: dict[str, float] = {
    "near_high": 0.03,  # within 3% of the all-time closing high
    "deep_drawdown": 0.10,  # 10% or more below the running peak
    "rs_cross_days": 20,  # a 50/200-day crossover of the ratio in the last 20 sessions
    "volume_surge": 1.5,  # volume at least 1.5x its 20-day average
    "big_spread_day": 0.01,  # small minus large of 1 pp or more on the day
    "yield_move_1m_bp": 25,  # 2-year yield moved 25 bp or more in a month
    "rate_corr": 0.4,  # |52-week correlation| of spread vs 2-year yield changes
    "trend_test": 0.01,  # IWM/SPY ratio within 1% of its 200-day average
    "ytd_gap": 0.05,  # IWM - SPY year to date beyond 5 pp either way
    "size_extreme": 0.10,  # 10-year SMB in the bottom or top 10% of its history
}
"""Thresholds of the What-to-watch rules (fractions, sessions, ratio, basis points)."""

Parts = tuple["Figure | str", ...]
Fmt = Callable[[float | int | None], str]


@dataclass(frozen=True)
class WatchItem:
    """One rule-generated item: what triggered, the value and the threshold.

    ``parts`` is the sentence as text and figures (rendered in order); ``evidence`` is the
    figure that fired the rule, also when the sentence words it without a number (a
    record close), so the API and the dashboard can always show and explain it.
    """

    rule: str
    parts: Parts
    evidence: Figure | None = None


@dataclass(frozen=True)
class WatchRule:
    """One watch rule.

    Attributes
    ----------
    item : str
        Name of the item it produces (``WatchItem.rule``).
    threshold : str
        Key of its threshold in :data:`WATCH_RULES`.
    section : str
        Section whose figure it reads.
    figure : str
        Figure name in the section; ``{s}`` is replaced by each subject.
    subjects : tuple of (str, str)
        (figure key, name in the sentence) pairs; ``(("", ""),)`` for a single figure.
    fires : callable
        ``fires(value, threshold) -> bool``.
    fmt : callable
        Makes the threshold's formatter.
    label : str
        The threshold's label.
    sentence : callable
        ``sentence(name, figure, threshold_figure) -> parts``.
    """

    item: str
    threshold: str
    section: str
    figure: str
    subjects: tuple[tuple[str, str], ...]
    fires: Callable[[float, float], bool]
    fmt: Callable[[], Fmt]
    label: str
    sentence: Callable[[str, Figure, Figure], Parts]


def _side(f: Figure, pos: str, neg: str) -> str:
    return pos if float(f.value or 0) > 0 else neg


def _near_high(name: str, f: Figure, t: Figure) -> Parts:
    if float(f.value or 0) >= 0:
        return (f"{name} made a record close, its highest close ever (rule: within ", t, ").")
    if f.formatted.lstrip("+-") in ("0.0%", "0%"):  # below the high by less than shown
        return (
            f"{name} closed a hair under its record close, the gap rounding to zero (rule: within ",
            t,
            ").",
        )
    return (f"{name} is near its record close: ", f, " from it (rule: within ", t, ").")


def _extreme(name: str, f: Figure, t: Figure) -> Parts:
    side = "weakest" if float(f.value or 0) <= 0.5 else "strongest"
    return (
        f"The last ten years of the size factor rank among the {side} in its history: percentile ",
        f,
        " (rule: the outer ",
        t,
        " at either end).",
    )


_INDEXES = ((CORE_SMALL, CORE_SMALL), ("^RUT", "^RUT"))
_ONE = (("", ""),)

RULES: tuple[WatchRule, ...] = (
    WatchRule(
        "near_high", "near_high", "highs", "{s}.all-time_close", _INDEXES,
        lambda v, t: v >= -t, lambda: pct("", 0, sign=False),
        "near all-time high: distance at least", _near_high,
    ),
    WatchRule(
        "deep_drawdown", "deep_drawdown", "highs", "{s}.drawdown", _INDEXES,
        lambda v, t: v <= -t, lambda: pct("", 0, sign=False),
        "deep drawdown: at least",
        lambda n, f, t: (f"{n} is in a drawdown of ", f, " (rule: ", t, " or deeper)."),
    ),
    WatchRule(
        "rs_cross", "rs_cross_days", "relative", "{s}.days_since_cross",
        (("small", "IWM/SPY"), ("micro", "micro/SPY")),
        lambda v, t: int(v) <= t, lambda: num("", 0),
        "recent crossover: sessions at most",
        lambda n, f, t: (
            f"Relative-strength crossover: the 50-day average of {n} crossed its 200-day ",
            f, " sessions ago (rule: within ", t, " sessions).",
        ),
    ),
    WatchRule(
        "big_spread_day", "big_spread_day", "scoreboard", f"{CORE_SMALL}-{CORE_LARGE}.1D", _ONE,
        lambda v, t: abs(v) >= t, lambda: pp_abs(""), "big day: |spread| at least",
        lambda n, f, t: (
            "A wide day between small and large caps: IWM - SPY ", f, " (rule: ", t, " either way).",
        ),
    ),
    WatchRule(
        "yield_move", "yield_move_1m_bp", "rates", "DGS2.chg1m", _ONE,
        lambda v, t: abs(v) >= t, lambda: num("", 0, suffix=" bp"), "yield move: at least",
        lambda n, f, t: ("The 2-year Treasury yield moved ", f, " in a month (rule: ", t, " either way)."),
    ),
    WatchRule(
        "rate_corr", "rate_corr", "rates", "corr.DGS2", _ONE,
        lambda v, t: abs(v) >= t, lambda: num("", 2), "rate link: |correlation| at least",
        lambda n, f, t: (
            "Small caps are trading on rates: 52-week correlation of the spread with "
            "2-year yield changes is ", f, " (rule: beyond ", t, ").",
        ),
    ),
    WatchRule(
        "trend_test", "trend_test", "relative", "small.vs200", _ONE,
        lambda v, t: abs(v) <= t, lambda: pct("", 0, sign=False), "trend test: within",
        lambda n, f, t: (
            "The IWM/SPY ratio is testing its 200-day average: ", f, " from it (rule: within ", t, ").",
        ),
    ),
    WatchRule(
        "ytd_gap", "ytd_gap", "scoreboard", f"{CORE_SMALL}-{CORE_LARGE}.YTD", _ONE,
        lambda v, t: abs(v) >= t, lambda: pp_abs(""), "year-to-date gap: at least",
        lambda n, f, t: (
            f"A wide gap for the year: small caps are {_side(f, 'ahead of', 'behind')} large caps by ",
            f, " (rule: ", t, " either way).",
        ),
    ),
    WatchRule(
        "size_extreme", "size_extreme", "size", "10y.pctl", _ONE,
        lambda v, t: v <= t or v >= 1 - t, lambda: pct("", 0, sign=False),
        "size-factor extreme: percentile tail", _extreme,
    ),
)  # fmt: skip
"""The watch rules, in the order their items are listed."""


def _volume_rule(proxies: Mapping[str, ProxyChoice]) -> WatchRule:
    return WatchRule(
        "volume_surge",
        "volume_surge",
        "tape",
        "{s}.volume_ratio",
        tuple((c.symbol, c.symbol) for c in proxies.values()),
        lambda v, t: v >= t,
        lambda: num("", 2, suffix="x"),
        "volume surge: ratio at least",
        lambda n, f, t: (
            f"Volume surge in {n}: ",
            f,
            " its 20-day average (rule: ",
            t,
            " or more).",
        ),
    )


def _threshold(book: FigureBook, rule: WatchRule) -> Figure:
    return book.add(
        f"watch.threshold.{rule.threshold}",
        WATCH_RULES[rule.threshold],
        rule.fmt(),
        rule.label,
        source="capsize rule (report.watch.WATCH_RULES)",
        symbols=(),
        window="n/a (constant)",
        formula="threshold",
    )


def _apply(rule: WatchRule, secs: Mapping[str, Section], book: FigureBook) -> list[WatchItem]:
    sec = secs.get(rule.section)
    if sec is None:
        return []
    items: list[WatchItem] = []
    limit = WATCH_RULES[rule.threshold]
    for key, name in rule.subjects:
        f = sec.fig(rule.figure.format(s=key))
        if f is None or not f.available or not rule.fires(float(f.value or 0), limit):
            continue
        parts = rule.sentence(name, f, _threshold(book, rule))
        items.append(WatchItem(rule.item, parts, evidence=f))
    return items


def _stale(proxies: Mapping[str, ProxyChoice]) -> list[WatchItem]:
    """One item naming every proxy without recent closes (how to refresh: method section)."""
    old = [
        f"{c.symbol} ({c.label}) since {fmt_date(c.last_date)}" for c in proxies.values() if c.stale
    ]
    if not old:
        return []
    return [WatchItem("stale", (f"Data gap: no closes for {'; '.join(old)}.",))]


def watch_items(
    secs: Mapping[str, Section], proxies: Mapping[str, ProxyChoice], book: FigureBook
) -> tuple[WatchItem, ...]:
    """Apply every rule to the built sections; return the items that fired, in rule order.

    Parameters
    ----------
    secs : mapping of str to Section
        The report's sections by key.
    proxies : mapping of str to ProxyChoice
        Segment proxies (volume rule subjects, stale-data items).
    book : FigureBook
        Where threshold figures are registered.
    """
    rules = (*RULES[:3], _volume_rule(proxies), *RULES[3:])
    items = [item for rule in rules for item in _apply(rule, secs, book)]
    return (*items, *_stale(proxies))
