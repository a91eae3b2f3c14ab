"""Each strategy's equity curve equals an independent plain loop on the shared data."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from capsize import backtest as bt
from capsize.errors import InputError

TOL = 1e-10


def ref_rotation(
    r: pd.DataFrame,
    signal: pd.Series,
    *,
    threshold: float,
    below: str,
    hold: int,
    lag: int,
    c_small: float,
    c_other: float,
) -> pd.Series:
    """Dollar loop: hold one leg, switch at the close `lag` rows after the signal."""
    state, last, equity, out = "below", -(10**9), 1.0, []
    rs, rl, sig = r.iloc[:, 0].tolist(), r.iloc[:, 1].tolist(), signal.tolist()
    for t in range(len(r)):
        if state == "small":
            equity *= 1 + rs[t]
        elif below == "large":
            equity *= 1 + rl[t]
        if t >= lag and not math.isnan(sig[t - lag]):
            want = "small" if sig[t - lag] > threshold else "below"
            if want != state and t - last >= hold:
                equity *= 1 - (c_small + c_other)
                state, last = want, t
        out.append(equity)
    return pd.Series(out, index=r.index)


def ref_sleeve(
    r: pd.DataFrame, w: float, freq: str | None, band: float | None, rate: float
) -> pd.Series:
    """Dollar loop: two holdings that drift; trade back to target by the rule."""
    rs, rl = r.iloc[:, 0].tolist(), r.iloc[:, 1].tolist()
    vs, vl, out = w, 1 - w, []
    key = {
        "M": lambda d: (d.year, d.month),
        "Q": lambda d: (d.year, d.quarter),
        "A": lambda d: d.year,
    }
    for t, day in enumerate(r.index):
        vs *= 1 + rs[t]
        vl *= 1 + rl[t]
        value = vs + vl
        if freq is None:
            due = band is not None
        else:
            due = t > 0 and key[freq](day) != key[freq](r.index[t - 1])
        if due and (band is None or abs(vs / value - w) > band):
            value -= abs(vs - w * value) * rate
            vs, vl = w * value, (1 - w) * value
        out.append(vs + vl)
    return pd.Series(out, index=r.index)


def rs_signal(r: pd.DataFrame, window: int) -> pd.Series:
    ratio = (1 + r.iloc[:, 0]).cumprod() / (1 + r.iloc[:, 1]).cumprod()
    return ratio / ratio.rolling(window).mean() - 1


@pytest.mark.parametrize(
    ("below", "hold", "lag", "cost", "spread"),
    [
        ("large", 1, 1, 0.0, 0.0),
        ("large", 20, 2, 10.0, {"IWM": 6.0, "SPY": 1.0}),
        ("cash", 5, 1, 5.0, 2.0),
    ],
)
def test_rotation_equals_loop_on_iwm_spy(iwm_spy, below, hold, lag, cost, spread) -> None:
    sig = rs_signal(iwm_spy, 200)
    run = bt.rotation(
        iwm_spy,
        sig,
        below=below,
        hold=hold,
        lag=lag,
        cost_bps=cost,
        slippage_bps=1.0,
        spread_bps=spread,
    )
    sp_s = spread["IWM"] if isinstance(spread, dict) else spread
    sp_l = spread["SPY"] if isinstance(spread, dict) else spread
    c_small = (cost + 1.0 + sp_s / 2) / 1e4
    c_other = (cost + 1.0 + sp_l / 2) / 1e4 if below == "large" else 0.0
    ref = ref_rotation(
        iwm_spy,
        sig,
        threshold=0.0,
        below=below,
        hold=hold,
        lag=lag,
        c_small=c_small,
        c_other=c_other,
    )
    np.testing.assert_allclose(run.equity.to_numpy(), ref.to_numpy(), rtol=TOL, atol=0)
    assert len(run.trades) > 10
    assert run.trades["turnover"].eq(2.0 if below == "large" else 1.0).all()


def test_rotation_on_french_monthly(french_size) -> None:
    mom = (1 + french_size).rolling(12).apply(np.prod, raw=True)
    sig = mom["small"] - mom["large"]
    run = bt.rotation(french_size, sig, lag=1, cost_bps=20.0)
    ref = ref_rotation(
        french_size, sig, threshold=0.0, below="large", hold=1, lag=1, c_small=2e-3, c_other=2e-3
    )
    np.testing.assert_allclose(run.equity.to_numpy(), ref.to_numpy(), rtol=TOL, atol=0)
    assert run.periods_per_year == 12.0


@pytest.mark.parametrize(
    ("w", "freq", "band", "cost"),
    [
        (0.1, "M", None, 5.0),
        (0.3, "Q", 0.02, 10.0),
        (0.2, None, 0.05, 3.0),
        (0.25, "A", None, 0.0),
        (0.15, None, None, 5.0),
    ],
)
def test_sleeve_equals_loop_on_iwm_spy(iwm_spy, w, freq, band, cost) -> None:
    run = bt.sleeve(iwm_spy, w, rebalance=freq, band=band, cost_bps=cost, spread_bps=2.0)
    ref = ref_sleeve(iwm_spy, w, freq, band, 2 * (cost + 1.0) / 1e4)
    np.testing.assert_allclose(run.equity.to_numpy(), ref.to_numpy(), rtol=TOL, atol=0)


def test_sleeve_on_french_monthly(french_size) -> None:
    run = bt.sleeve(french_size, 0.3, rebalance="A", cost_bps=10.0)
    ref = ref_sleeve(french_size, 0.3, "A", None, 2e-3)
    np.testing.assert_allclose(run.equity.to_numpy(), ref.to_numpy(), rtol=TOL, atol=0)
    assert len(run.trades) == french_size.index.year.nunique() - 1


def test_dca_equals_loop(iwm_spy) -> None:
    r = iwm_spy["IWM"].loc["2008"]
    res = bt.dca(r, n_buys=12, every=21, cost_bps=5.0)
    keep, invested, cash, out = 1 - 5e-4, 0.0, 1.0, []
    for t in range(len(r)):
        invested *= 1 + (r.iloc[t] if t else 0.0)
        if t % 21 == 0 and t < 12 * 21:
            invested += keep / 12
            cash -= 1 / 12
        out.append(invested + cash)
    np.testing.assert_allclose(res.dca.to_numpy(), out, rtol=TOL)
    lump = keep * (1 + r.iloc[1:]).prod()
    assert res.final_lump_sum == pytest.approx(lump, rel=TOL)
    assert res.advantage > 0  # averaging through the 2008 fall beat the lump sum


def test_lag_zero_is_refused(iwm_spy) -> None:
    sig = rs_signal(iwm_spy, 50)
    with pytest.raises(InputError, match="lag"):
        bt.rotation(iwm_spy, sig, lag=0)
    with pytest.raises(ValueError, match="lag"):
        bt.rotation(iwm_spy, sig, lag=-1)


def test_signal_between_sessions_is_known_next_session() -> None:
    idx = pd.to_datetime(["2024-01-05", "2024-01-08", "2024-01-09", "2024-01-10"])
    r = pd.DataFrame({"s": [0.0, 0.01, 0.02, 0.03], "l": 0.0}, idx)
    sig = pd.Series([1.0], pd.to_datetime(["2024-01-06"]))  # a Saturday
    run = bt.rotation(r, sig, lag=1)
    assert run.weights["s"].tolist() == [0.0, 0.0, 1.0, 1.0]


def test_nan_returns_are_refused(iwm_spy) -> None:
    r = iwm_spy.iloc[:50].copy()
    r.iloc[10, 0] = np.nan
    with pytest.raises(InputError, match="missing"):
        bt.sleeve(r, 0.1)


def test_dca_windows_rows_equal_single_runs(iwm_spy) -> None:
    r = iwm_spy["IWM"].loc["2015":"2019"]
    cash = pd.Series(0.0001, r.index)
    table = bt.dca_windows(r, n_buys=6, every=21, horizon=252, step=50, cost_bps=3.0, cash=cash)
    assert len(table) == len(range(0, len(r) - 252, 50))
    for start in table.index[[0, 3, -1]]:
        s = r.index.get_loc(start)
        one = bt.dca(r.iloc[s : s + 253], n_buys=6, every=21, cost_bps=3.0, cash=cash)
        row = table.loc[start]
        assert row["end"] == r.index[s + 252]
        assert row["dca"] == pytest.approx(one.final_dca, rel=1e-12)
        assert row["lump_sum"] == pytest.approx(one.final_lump_sum, rel=1e-12)
