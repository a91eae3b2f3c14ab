"""Backtests above a risk-free rate, and grids that count identical configurations once.

The Sharpe ratios are checked against plain pandas on the shared CSV files: monthly
French legs above French's monthly RF, and IWM/SPY above French's daily RF, with the
effective fed funds rate (DFF x days / 360) on the sessions after the last daily RF
published by the day (a month counts as published two months after its end).
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

DAY = "2019-12-31"
"""As of this day French's RF is published through 2019-10: November and December take DFF."""


@pytest.fixture(scope="module")
def session(store: Any) -> Any:
    """A session at the module's day on the shared read-only store (tests/conftest.py)."""
    from capsize.queries import Session

    return Session(store, pd.Timestamp(DAY))


def _csv(shared: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(shared / name, parse_dates=["date"], index_col="date")


def _sharpe(r: pd.Series, rf: pd.Series, periods: float) -> float:
    x = r - rf.reindex(r.index)
    assert x.notna().all()
    return float(x.mean() / x.std(ddof=1) * math.sqrt(periods))


def test_french_sharpe_above_the_tbill_equals_plain_pandas(session: Any, shared_data: Path) -> None:
    from capsize.queries import backtest

    legs = _csv(shared_data, "macro/Portfolios_Formed_on_ME_VW_monthly.csv")
    r = legs[["Lo 10", "Hi 10"]].loc[:"2019-10-31"] / 100.0  # published by the day
    rf = _csv(shared_data, "macro/FF3_monthly.csv")["RF"] / 100.0
    res = backtest(
        session, universe="french", strategy="sleeve", weight=1.0, rebalance="none",
        intervals=False,
    )  # fmt: skip
    assert res.value("sharpe") == pytest.approx(_sharpe(r["Lo 10"], rf, 12), abs=1e-10)
    assert res.value("ME10.sharpe") == pytest.approx(_sharpe(r["Hi 10"], rf, 12), abs=1e-10)
    zero = backtest(
        session, universe="french", strategy="sleeve", weight=1.0, rebalance="none",
        intervals=False, rf="zero",
    )  # fmt: skip
    plain = r["Hi 10"].mean() / r["Hi 10"].std(ddof=1) * math.sqrt(12)
    assert zero.value("ME10.sharpe") == pytest.approx(plain, abs=1e-10)
    assert zero.fig("rf").note == "rf 0" and zero.value("rf.annual") == 0.0
    fig = res.fig("sharpe")
    assert fig.label == "strategy: Sharpe ratio (rf: 1-month T-bill, Ken French)"
    assert "macro/FF3_monthly.csv" in fig.provenance.source
    assert "French RF 1926-07-31..2019-10-31" in fig.provenance.window
    assert res.params["rf"] == "tbill" and "macro/FF3_monthly.csv" in res.sources


def _daily_rf(shared: Path, index: pd.DatetimeIndex) -> pd.Series:
    """French's daily RF through 2019-10-31, then DFF accrued from the previous session."""
    ff = _csv(shared, "macro/FF3_daily.csv")["RF"].loc[:"2019-10-31"] / 100.0
    dff = _csv(shared, "macro/DFF.csv")["value"]
    out = {}
    for prev, day in itertools.pairwise(index):
        if day in ff.index:
            out[day] = ff.loc[day]
        else:
            out[day] = dff.loc[:prev].iloc[-1] / 100.0 * (day - prev).days / 360.0
    return pd.Series(out)


def test_etf_sharpe_above_the_tbill_then_fed_funds_equals_plain_pandas(
    session: Any, shared_data: Path
) -> None:
    from capsize.queries import backtest

    closes = (
        pd.concat(
            {s: _csv(shared_data, f"prices/{s}.csv")["adj_close"] for s in ("IWM", "SPY")},
            axis=1,
            sort=True,
        )
        .dropna()
        .loc[:DAY]
    )
    rf = _daily_rf(shared_data, pd.DatetimeIndex(closes.index))
    r = closes.pct_change().iloc[1:]
    res = backtest(session, strategy="sleeve", weight=0.0, rebalance="none", intervals=False)
    for leg in ("IWM", "SPY"):
        assert res.value(f"{leg}.sharpe") == pytest.approx(_sharpe(r[leg], rf, 252), abs=1e-10)
    x = r["SPY"] - rf
    down = math.sqrt(float((np.minimum(x, 0.0) ** 2).mean()))
    assert res.value("sortino") == pytest.approx(x.mean() / down * math.sqrt(252), abs=1e-10)
    note = res.fig("rf").note
    assert note == "rf: 1-month T-bill, Ken French; fed funds from 2019-11-01"
    assert res.fig("rf").provenance.source == "macro/FF3_daily.csv; macro/DFF.csv"
    n_fed = len(r.loc["2019-11-01":])  # 41 sessions
    assert (
        f"DFF accrued 2019-11-01..2019-12-31 ({n_fed} sessions)" in res.fig("rf").provenance.window
    )


def test_grid_counts_identical_configurations_once(session: Any) -> None:
    from capsize.queries import backtest_grid

    kw: dict[str, Any] = {
        "strategy": "sleeve", "start": "2010-01-04", "weight": [0.0, 0.1],
        "rebalance": ["M", "none"], "band": [0.0, 0.6], "cost_bps": 5.0,
    }  # fmt: skip
    g = backtest_grid(session, **kw)
    f = g.frame
    ids = dict(
        zip(zip(f["weight"], f["rebalance"], f["band"], strict=True), f["strategy_id"], strict=True)
    )
    # known duplicates: a 0 % sleeve never trades (4 configurations, one strategy), and a
    # band no drift from 10 % can reach (0.6) never rebalances, like no rebalancing at all
    assert len({v for k, v in ids.items() if k[0] == 0.0}) == 1
    assert ids[(0.1, "none", 0.6)] == ids[(0.1, "none", 0.0)]
    assert ids[(0.1, "M", 0.0)] != ids[(0.1, "none", 0.0)]
    n_distinct = len(set(ids.values()))
    assert g.value("n_configs") == 8 and g.value("n_distinct") == n_distinct < 8
    assert g.reality is not None and g.reality.n_configs == n_distinct
    dsr = g.fig("best.deflated_sharpe").provenance.formula
    assert f"from {n_distinct:,} trials" in dsr
    assert "bit-for-bit equal net return series" in g.fig("n_distinct").provenance.formula
    # without the return series the statistics find the same strategies
    h = backtest_grid(session, reality_check=False, **kw)
    assert h.frame["strategy_id"].tolist() == f["strategy_id"].tolist()
    assert "bit-for-bit equal statistics" in h.fig("n_distinct").provenance.formula
    assert h.value("best.deflated_sharpe") == g.value("best.deflated_sharpe")


def test_rf_provenance_names_the_dates_the_run_uses(session: Any) -> None:
    from capsize.queries import backtest, backtest_grid

    r = backtest(session, strategy="dca", start="2015-11-09", intervals=False)
    window = r.fig("rf").provenance.window
    assert window.startswith("French RF 2015-11-09..2019-10-31; DFF accrued 2019-11-01..")
    g = backtest_grid(session, strategy="sleeve", weight=[0.1, 0.2], start="2015-11-09",
                      reality_check=False)  # fmt: skip
    assert g.fig("rf").provenance.window == window


@pytest.mark.parametrize("rf", ["tbill", "zero"])
def test_cash_earns_the_risk_free_rate_of_the_run(session: Any, rf: str) -> None:
    from capsize.queries import backtest

    # a threshold no score reaches: the rotation holds cash on every session
    r = backtest(session, strategy="rotation", signal="rates_regime", below="cash",
                 threshold=2.5, rf=rf, intervals=False)  # fmt: skip
    assert r.value("n_trades") == 0
    equity = r.get_series("equity").to_series()
    daily = equity.pct_change().fillna(equity.iloc[0] - 1.0)  # the first period's return too
    assert float(daily.mean()) * 252 == pytest.approx(r.value("rf.annual"), rel=1e-9, abs=1e-15)
    if rf == "tbill":
        assert r.value("rf.annual") > 0.005
        assert "cash (earning the risk-free rate, 1-month T-bill" in r.description
    else:
        assert r.value("total_return") == 0.0
