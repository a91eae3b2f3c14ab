"""Report section on risk: volatility, beta, correlation, capture, the conditional move vs SPY."""

from __future__ import annotations

import pandas as pd

from capsize.analytics import performance as P
from capsize.analytics import risk as R
from capsize.errors import CapsizeError
from capsize.report._inputs import CORE_LARGE, Inputs, num, pct
from capsize.report._model import Figure, Section, Table
from capsize.report.sections.common import day_text

__all__ = ["risk_section"]


RISK_WINDOWS = (("1Y", 1), ("3Y", 3))
CONDITIONAL_THRESHOLD = 0.01
MIN_RISK_DAYS_PER_YEAR = 200
"""A risk window is shown only with at least this many paired sessions per year of window."""


def risk_section(inp: Inputs) -> Section:
    """Volatility, beta, correlation, capture and the conditional move vs SPY."""
    rets = P.returns_from_closes(inp.closes[[c.symbol for c in inp.proxies.values()]])
    assert isinstance(rets, pd.DataFrame)
    bench = rets[CORE_LARGE].rename(CORE_LARGE)
    rows: list[tuple[Figure | str, ...]] = []
    figs: dict[str, Figure] = {}
    for choice in inp.proxies.values():
        sym = choice.symbol
        if sym == CORE_LARGE:
            continue
        inp.used.add(sym)
        for wlabel, years in RISK_WINDOWS:
            end = choice.last_date
            start = end - pd.DateOffset(years=years)
            r = rets[sym].loc[start:end].iloc[1:].rename(sym)
            b = bench.loc[start:end].iloc[1:]
            try:
                s = R.risk_summary(r.dropna(), b.dropna(), threshold=CONDITIONAL_THRESHOLD)
            except CapsizeError:
                continue
            if s.n_days < MIN_RISK_DAYS_PER_YEAR * years:
                continue  # a 3Y figure from a few months of data would mislead
            src = inp.source(sym, CORE_LARGE)
            span = f"{day_text(s.start)}..{day_text(s.end)}"
            syms = (sym, CORE_LARGE)

            def add(  # type: ignore[no-untyped-def]
                name: str,
                value: float,
                fmt,
                label: str,
                formula: str,
                sym: str = sym,
                wlabel: str = wlabel,
                src: str = src,
                syms: tuple[str, str] = syms,
                span: str = span,
            ) -> Figure:
                f = inp.book.add(
                    f"risk.{sym}.{wlabel}.{name}",
                    value,
                    fmt,
                    f"{sym} vs SPY {wlabel}: {label}",
                    source=src,
                    symbols=syms,
                    window=span,
                    formula=formula,
                )
                figs[f"{sym}.{wlabel}.{name}"] = f
                return f

            cm = s.conditional
            rows.append(
                (
                    f"{sym} vs {CORE_LARGE}" + (f" (to {day_text(end)})" if choice.stale else ""),
                    wlabel,
                    add(
                        "vol",
                        s.volatility,
                        pct("no data", sign=False),
                        "volatility",
                        "stdev of daily returns x sqrt(252)",
                    ),
                    add(
                        "bench_vol",
                        s.benchmark_volatility,
                        pct("no data", sign=False),
                        "SPY volatility",
                        "stdev of daily SPY returns x sqrt(252)",
                    ),
                    add(
                        "beta",
                        s.beta,
                        num("no data", 2),
                        "beta",
                        "cov(asset, SPY) / var(SPY), daily returns",
                    ),
                    add(
                        "corr",
                        s.correlation,
                        num("no data", 2),
                        "correlation",
                        "Pearson correlation of daily returns",
                    ),
                    add(
                        "up",
                        s.capture.up,
                        num("no data", 2, suffix="x"),
                        "up capture",
                        "geometric mean return on SPY up days / SPY's",
                    ),
                    add(
                        "down",
                        s.capture.down,
                        num("no data", 2, suffix="x"),
                        "down capture",
                        "geometric mean return on SPY down days / SPY's",
                    ),
                    add(
                        "cond",
                        cm.median_ratio,
                        num(f"no day with |SPY| >= {CONDITIONAL_THRESHOLD:.0%}", 2, suffix="x"),
                        "conditional move",
                        "median of asset move / SPY move on days |SPY| >= 1%",
                    ),
                    add(
                        "cond_n",
                        cm.n_days,
                        num("no data", 0),
                        "days with |SPY move| >= 1%",
                        "count of paired days with |SPY return| >= 1%",
                    ),
                )
            )
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
        "Daily total returns. Vol: annualised volatility (252 sessions). Beta and correlation "
        "against SPY. Up/down capture: the asset's average move on SPY's up and down days "
        "relative to SPY's. Big-day move: median ratio of the asset's move to SPY's on days "
        "SPY moved one percent or more either way (big days: how many).",
    )
    return Section("risk", "Risk", figures=figs, tables=(t,))
