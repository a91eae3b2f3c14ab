"""Risk analytics vs independent computations (csv module + plain Python / numpy lstsq)."""

from __future__ import annotations

import csv
import math
import statistics
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest

from capsize.analytics import risk
from capsize.analytics.performance import returns_from_closes
from capsize.errors import InputError

if TYPE_CHECKING:
    from pathlib import Path

TOL = 1e-10


def read_closes(path: Path) -> list[tuple[str, float]]:
    with path.open(newline="") as fh:
        return [(r["date"], float(r["close"])) for r in csv.DictReader(fh) if r["close"]]


def py_returns(pairs):
    return {pairs[i][0]: pairs[i][1] / pairs[i - 1][1] - 1 for i in range(1, len(pairs))}


@pytest.fixture(scope="module")
def data(shared_data: Path):
    out = {}
    for sym, fname in [
        ("IWM", "IWM.csv"),
        ("SPY", "SPY.csv"),
        ("IWC", "IWC.csv"),
        ("BTC-USD", "BTC-USD.csv"),
    ]:
        pairs = read_closes(shared_data / "prices" / fname)
        series = pd.Series(
            [c for _, c in pairs], index=pd.DatetimeIndex([d for d, _ in pairs]), name=sym
        )
        out[sym] = (pairs, series)
    return out


def paired(ra: dict, rb: dict, since: str = "0000"):
    days = sorted(d for d in set(ra) & set(rb) if d >= since)
    return days, [ra[d] for d in days], [rb[d] for d in days]


def py_beta(x, y):
    mx, my = sum(x) / len(x), sum(y) / len(y)
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y, strict=True))
    syy = sum((b - my) ** 2 for b in y)
    return sxy / syy


@pytest.mark.parametrize("sym", ["IWM", "IWC"])
def test_beta_correlation_vs_independent(data, sym):
    ra, rb = py_returns(data[sym][0]), py_returns(data["SPY"][0])
    _, x, y = paired(ra, rb)
    exp_beta = py_beta(x, y)
    # numpy least squares as a second, independent route
    coef = np.linalg.lstsq(np.column_stack([np.ones(len(y)), y]), np.array(x), rcond=None)[0]
    assert abs(coef[1] - exp_beta) < 1e-9
    r_a = returns_from_closes(data[sym][1])
    r_b = returns_from_closes(data["SPY"][1])
    assert abs(risk.beta(r_a, r_b) - exp_beta) < TOL
    exp_corr = float(np.corrcoef(x, y)[0, 1])
    assert abs(risk.correlation(r_a, r_b) - exp_corr) < TOL
    frame = pd.DataFrame({sym: r_a, "SPY": r_b})
    betas = risk.beta(frame, r_b)
    assert abs(betas[sym] - exp_beta) < TOL
    assert abs(betas["SPY"] - 1.0) < TOL


def test_volatility_vs_statistics(data):
    r = py_returns(data["IWM"][0])
    vals = list(r.values())
    exp = statistics.stdev(vals) * math.sqrt(252)
    got = risk.volatility(returns_from_closes(data["IWM"][1]))
    assert abs(got - exp) < TOL
    daily = risk.volatility(returns_from_closes(data["IWM"][1]), annualise=False)
    assert abs(daily - statistics.stdev(vals)) < TOL
    rv = risk.rolling_volatility(returns_from_closes(data["IWM"][1]), 63)
    assert abs(rv.iloc[-1] - statistics.stdev(vals[-63:]) * math.sqrt(252)) < TOL


def test_rolling_beta_matches_scalar_on_windows(data):
    r_a = returns_from_closes(data["IWM"][1])
    r_b = returns_from_closes(data["SPY"][1])
    rb = risk.rolling_beta(r_a, r_b, 252)
    rc = risk.rolling_correlation(r_a, r_b, 252)
    ra_, rb_ = py_returns(data["IWM"][0]), py_returns(data["SPY"][0])
    for pos in (252, 1000, 4000, len(r_a) - 1):
        win = r_a.index[pos - 251 : pos + 1]
        days = [d.strftime("%Y-%m-%d") for d in win]
        x = [ra_[d] for d in days if d in ra_ and d in rb_]
        y = [rb_[d] for d in days if d in ra_ and d in rb_]
        assert abs(rb.iloc[pos] - py_beta(x, y)) < 1e-9
        assert abs(rc.iloc[pos] - float(np.corrcoef(x, y)[0, 1])) < 1e-9
    assert rb.iloc[:251].isna().all()


def test_conditional_move_vs_plain_python(data):
    ra, rb = py_returns(data["IWM"][0]), py_returns(data["SPY"][0])
    _days, x, y = paired(ra, rb, since="2020-01-01")
    for direction, keep in [
        ("both", lambda b: abs(b) >= 0.01),
        ("up", lambda b: b >= 0.01),
        ("down", lambda b: b <= -0.01),
    ]:
        ratios = [a / b for a, b in zip(x, y, strict=True) if keep(b) and b != 0]
        r_a = returns_from_closes(data["IWM"][1]).loc["2020-01-01":]
        r_b = returns_from_closes(data["SPY"][1]).loc["2020-01-01":]
        m = risk.conditional_move(r_a, r_b, 0.01, direction=direction)
        assert m.n_days == len(ratios)
        assert abs(m.median_ratio - statistics.median(ratios)) < TOL
        assert abs(m.mean_ratio - statistics.fmean(ratios)) < TOL


def test_capture_ratios_vs_plain_python(data):
    ra, rb = py_returns(data["IWM"][0]), py_returns(data["SPY"][0])
    _, x, y = paired(ra, rb)

    def gmean(v):
        return math.exp(sum(math.log1p(a) for a in v) / len(v)) - 1

    up = gmean([a for a, b in zip(x, y, strict=True) if b > 0]) / gmean([b for b in y if b > 0])
    down = gmean([a for a, b in zip(x, y, strict=True) if b < 0]) / gmean([b for b in y if b < 0])
    r_a, r_b = returns_from_closes(data["IWM"][1]), returns_from_closes(data["SPY"][1])
    c = risk.capture_ratios(r_a, r_b)
    assert abs(c.up - up) < 1e-9
    assert abs(c.down - down) < 1e-9
    assert abs(risk.up_capture(r_a, r_b) - up) < 1e-9
    assert c.n_up == sum(1 for b in y if b > 0)


def test_crypto_on_equity_calendar(data):
    btc, spy = data["BTC-USD"][1], data["SPY"][1]
    on_spy = risk.to_calendar(btc, spy.loc["2015-01-01":].index)
    # Monday's BTC value is the Monday close, and the Monday return spans the weekend
    assert on_spy["2025-10-06"] == btc["2025-10-06"]
    r = returns_from_closes(on_spy)
    assert abs(r["2025-10-06"] - (btc["2025-10-06"] / btc["2025-10-03"] - 1)) < TOL
    s = risk.risk_summary(r, returns_from_closes(spy))
    assert s.n_days > 2000
    assert s.start >= pd.Timestamp("2015-01-05")


def test_risk_summary_fields(data):
    r_a = returns_from_closes(data["IWM"][1])
    r_b = returns_from_closes(data["SPY"][1])
    s = risk.risk_summary(r_a, r_b)
    assert s.symbol == "IWM"
    assert s.benchmark == "SPY"
    assert 1.0 < s.beta < 1.5
    assert s.conditional.threshold == 0.01


def test_edge_cases():
    idx = pd.date_range("2025-01-01", periods=5)
    r = pd.Series([0.01, np.nan, 0.02, -0.01, 0.0], index=idx, name="A")
    assert math.isnan(risk.beta(r.iloc[:1], r.iloc[:1]))
    assert math.isnan(risk.volatility(r.iloc[:1]))
    flat = pd.Series(0.0, index=idx)
    assert math.isnan(risk.beta(r, flat))
    m = risk.conditional_move(r, r, 0.5)
    assert m.n_days == 0
    assert math.isnan(m.median_ratio)
    assert m.first_date is None
    with pytest.raises(InputError, match="direction"):
        risk.conditional_move(r, r, 0.01, direction="sideways")
    with pytest.raises(InputError, match="threshold"):
        risk.conditional_move(r, r, -0.01)
    with pytest.raises(InputError, match="window"):
        risk.rolling_beta(r, r, 1)
    with pytest.raises(InputError, match="min_periods"):
        risk.rolling_beta(r, r, 3, min_periods=5)
    with pytest.raises(InputError, match="<= -100%"):
        risk.volatility(pd.Series([100.0, 101.0], index=idx[:2]) * -1)
    with pytest.raises(InputError, match="need at least 2"):
        risk.risk_summary(r.iloc[:2], r.iloc[2:])
    frame = pd.DataFrame({"A": r, "B": 2 * r})
    out = risk.conditional_move(frame, r, 0.005)
    assert list(out.index) == ["A", "B"]
    assert out.loc["B", "median_ratio"] == pytest.approx(2.0)


def test_public_names_and_doctests():
    import doctest

    assert risk.__all__ == sorted(risk.__all__)
    assert all(hasattr(risk, n) for n in risk.__all__)
    result = doctest.testmod(risk, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
