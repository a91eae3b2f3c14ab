"""Risk: how much one subject swings against another (volatility ratio), and beta."""

from __future__ import annotations

import pandas as pd

from capsize.factcheck.check._context import Alternative, CheckContext, Measured, NotCheckable
from capsize.factcheck.check._subjects import subject
from capsize.factcheck.claim import Claim
from capsize.queries import QueryResult, risk

__all__ = ["DEFAULT_BENCHMARK", "check_beta", "check_volatility_ratio"]

DEFAULT_BENCHMARK = "SPY"
"""Benchmark of a beta or volatility claim naming only one subject (the market, by convention)."""


def _pair(claim: Claim) -> tuple[str, str]:
    a = subject(claim).symbol
    others = [s.symbol for s in claim.subjects[1:] if s.symbol]
    return a, (others[0] if others else DEFAULT_BENCHMARK)


def _risk(ctx: CheckContext, claim: Claim, years: int) -> QueryResult:
    a, b = _pair(claim)
    end = ctx.end_of(claim)
    start = ctx.start_of(claim) or end - pd.DateOffset(years=years)
    res: QueryResult = risk(ctx.at(end), symbol=a, benchmark=b, since=start.strftime("%Y-%m-%d"))
    ctx.fresh(res, end, f"{a} and {b}")
    return res


def _ratio(res: QueryResult) -> float:
    va, vb = res.value("volatility"), res.value("benchmark_volatility")
    if va is None or vb is None or vb == 0:
        raise NotCheckable("volatility n/a over the window")
    return float(va) / float(vb)


def check_volatility_ratio(ctx: CheckContext, claim: Claim) -> Measured:
    """Ratio of annualised daily-return volatilities; beta and a 3-year window as others."""
    res = _risk(ctx, claim, 1)
    a, b = _pair(claim)
    window = res.fig("volatility").provenance.window
    alts = [
        Alternative(
            float(res.value("beta") or 0.0), f"beta of {a} to {b} ({window})", (res.fig("beta"),)
        )
    ]
    if ctx.start_of(claim) is None:
        long = _risk(ctx, claim, 3)
        alts.append(
            Alternative(
                _ratio(long),
                f"volatility ratio over 3 years ({long.fig('volatility').provenance.window})",
                (long.fig("volatility"), long.fig("benchmark_volatility")),
            )
        )
    return Measured(
        _ratio(res),
        f"annualised volatility of {a} / that of {b}, daily returns {window}",
        (res.fig("volatility"), res.fig("benchmark_volatility")),
        tuple(alts),
    )


def check_beta(ctx: CheckContext, claim: Claim) -> Measured:
    """Beta of daily returns (1 year unless the claim gives a window; 3 years as another)."""
    res = _risk(ctx, claim, 1)
    a, b = _pair(claim)
    beta = res.fig("beta")
    if beta.value is None:
        raise NotCheckable(f"beta of {a} to {b}: {beta.note}")
    alts: list[Alternative] = []
    if ctx.start_of(claim) is None:
        long = _risk(ctx, claim, 3)
        lb = long.fig("beta")
        if lb.value is not None:
            alts.append(
                Alternative(float(lb.value), f"beta over 3 years ({lb.provenance.window})", (lb,))
            )
    return Measured(
        float(beta.value),
        f"beta of {a} to {b}, daily returns {beta.provenance.window}: {beta.provenance.formula}",
        (beta,),
        tuple(alts),
    )
