"""Report section on risk: volatility, beta, correlation, capture, the conditional move vs SPY.

Renders the ``risk`` query (:func:`capsize.queries.performance.risk`) for each segment
proxy over one and three years; nothing here computes a figure.
"""

from __future__ import annotations

from capsize.errors import CapsizeError
from capsize.queries.performance import RiskResult, risk
from capsize.report._inputs import CORE_LARGE, Inputs, num, pct
from capsize.report._model import Figure, Section, Table
from capsize.report.sections.common import Fmt, day_text

__all__ = ["risk_section"]


RISK_WINDOWS = (("1Y", 1), ("3Y", 3))
CONDITIONAL_THRESHOLD = 0.01
MIN_RISK_DAYS_PER_YEAR = 200
"""A risk window is shown only with at least this many paired sessions per year of window."""

COLUMNS: tuple[tuple[str, str, str, Fmt], ...] = (
    ("volatility", "vol", "volatility", pct("no data", sign=False)),
    ("benchmark_volatility", "bench_vol", "SPY volatility", pct("no data", sign=False)),
    ("beta", "beta", "beta", num("no data", 2)),
    ("correlation", "corr", "correlation", num("no data", 2)),
    ("capture.up", "up", "up capture", num("no data", 2, suffix="x")),
    ("capture.down", "down", "down capture", num("no data", 2, suffix="x")),
    (
        "conditional",
        "cond",
        "conditional move",
        num(f"no day with |SPY| >= {CONDITIONAL_THRESHOLD:.0%}", 2, suffix="x"),
    ),
    ("conditional.days", "cond_n", "days with |SPY move| >= 1%", num("no data", 0)),
)
"""Query figure id, report key, label and format of each column after the window."""


def _risk(inp: Inputs, sym: str, period: str) -> RiskResult:
    out: RiskResult = inp.session.cached(
        ("q", "risk", sym, CORE_LARGE, period),
        lambda: risk(
            inp.session,
            symbol=sym,
            benchmark=CORE_LARGE,
            period=period,
            threshold=CONDITIONAL_THRESHOLD,
        ),
    )
    return out


def risk_section(inp: Inputs) -> Section:
    """Volatility, beta, correlation, capture and the conditional move vs SPY."""
    rows: list[tuple[Figure | str, ...]] = []
    figs: dict[str, Figure] = {}
    for choice in inp.proxies.values():
        sym = choice.symbol
        if sym == CORE_LARGE:
            continue
        for wlabel, years in RISK_WINDOWS:
            try:
                res = _risk(inp, sym, wlabel)
            except CapsizeError:
                continue
            if int(res.value("sessions") or 0) < MIN_RISK_DAYS_PER_YEAR * years:
                continue  # a 3Y figure from a few months of data would mislead
            cells: list[Figure | str] = [
                f"{sym} vs {CORE_LARGE}"
                + ("" if choice.current else f" (to {day_text(choice.last_date)})"),
                wlabel,
            ]
            for qid, key, label, fmt in COLUMNS:
                f = inp.book.adopt(
                    res.fig(qid),
                    fmt,
                    fid=f"risk.{sym}.{wlabel}.{key}",
                    label=f"{sym} vs SPY {wlabel}: {label}",
                )
                figs[f"{sym}.{wlabel}.{key}"] = f
                cells.append(f)
            rows.append(tuple(cells))
    if not rows:
        return Section("risk", "Risk", False, "too few paired daily returns")
    t = Table(
        (
            "Pair",
            "Window",
            "Vol",
            "SPY vol",
            "Beta",
            "Corr",
            "Up capt.",
            "Down capt.",
            "Big-day move",
            "Big days",
        ),
        tuple(rows),
        "Daily total returns after the last close on or before the window start. Vol: "
        "annualised volatility (252 sessions). Beta and correlation against SPY. Up/down "
        "capture: the asset's average move on SPY's up and down days relative to SPY's. "
        "Big-day move: median ratio of the asset's move to SPY's on days SPY moved one "
        "percent or more either way (big days: how many).",
    )
    return Section("risk", "Risk", figures=figs, tables=(t,))
