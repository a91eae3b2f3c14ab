"""Backtests on the Ken French size portfolios (monthly, 1926 on) through the query layer.

The equity curves are checked against plain loops over the shared CSV file (not the
store), the grid against its single runs, and the point-in-time rule against a store
truncated at a day: a French month is known two months after its end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from capsize.errors import InputError

DAY = "2019-12-31"
"""Day of the point-in-time test (the truncated store of test_backtest.py is reused)."""


@pytest.fixture(scope="module")
def session(store_home: Path) -> Iterator[Any]:
    from capsize.data.store import Store
    from capsize.queries import Session

    store = Store.open(store_home / "capsize.duckdb", read_only=True)
    try:
        yield Session(store, None)
    finally:
        store.close()


@pytest.fixture(scope="module")
def deciles(shared_data: Path) -> pd.DataFrame:
    """ME1 and ME10 (French's Lo 10, Hi 10) value-weighted monthly returns, from the CSV."""
    frame = pd.read_csv(
        shared_data / "macro" / "Portfolios_Formed_on_ME_VW_monthly.csv",
        parse_dates=["date"],
        index_col="date",
    )
    return frame[["Lo 10", "Hi 10"]].set_axis(["ME1", "ME10"], axis=1) / 100.0


def _loop_sleeve(r: pd.DataFrame, w: float, rate: float) -> pd.Series:
    """Two holdings that drift; back to ``w`` on the first month of each year."""
    small, large, out = w, 1.0 - w, []
    for t, day in enumerate(r.index):
        small *= 1.0 + r.iloc[t, 0]
        large *= 1.0 + r.iloc[t, 1]
        value = small + large
        if t > 0 and day.year != r.index[t - 1].year:
            value -= abs(small - w * value) * rate
            small, large = w * value, (1.0 - w) * value
        out.append(small + large)
    return pd.Series(out, index=r.index)


def _loop_rotation(r: pd.DataFrame, sig: pd.Series, rate: float) -> pd.Series:
    """Hold ME10; ME1 from the month after the signal is above zero (lag 1, hold 1)."""
    held, equity, out = 1, 1.0, []
    for t in range(len(r)):
        equity *= 1.0 + r.iloc[t, held]
        if t >= 1:
            want = 0 if sig.iloc[t - 1] > 0 else 1
            if want != held:
                equity *= 1.0 - rate
                held = want
        out.append(equity)
    return pd.Series(out, index=r.index)


def test_sleeve_equity_equals_a_plain_loop_since_1926(session: Any, deciles: pd.DataFrame) -> None:
    from capsize.queries import backtest

    res = backtest(
        session, universe="french", strategy="sleeve", weight=0.2, rebalance="A",
        cost_bps=10.0, slippage_bps=4.0, spread_bps=10.0,
    )  # fmt: skip
    eq = res.get_series("equity").to_series()
    r = deciles.loc[: eq.index[-1]]
    assert eq.index[0] == pd.Timestamp("1926-07-31") and eq.index.equals(r.index)
    ref = _loop_sleeve(r, 0.2, 2 * (10.0 + 4.0 + 5.0) / 1e4)
    np.testing.assert_allclose(eq.to_numpy(), ref.to_numpy(), rtol=1e-10, atol=0)
    small = res.get_series("benchmark.ME1").to_series()
    np.testing.assert_allclose(small.to_numpy(), (1 + r["ME1"]).cumprod(), rtol=1e-10)
    years = len(r) / 12.0
    assert res.value("ME1.cagr") == pytest.approx(small.iloc[-1] ** (1 / years) - 1, rel=1e-10)
    assert res.legs == ("ME1", "ME10") and res.params["universe"] == "french"
    assert "Portfolios_Formed_on_ME_VW" in res.fig("cagr").provenance.source


def test_rotation_equity_equals_a_plain_loop(session: Any, deciles: pd.DataFrame) -> None:
    from capsize.queries import backtest

    res = backtest(
        session, universe="french", strategy="rotation", signal="rs_cross3_12", cost_bps=20.0
    )
    eq = res.get_series("equity").to_series()
    wealth = (1.0 + deciles).cumprod()
    ratio = wealth["ME1"] / wealth["ME10"]
    sig = (ratio.rolling(3).mean() / ratio.rolling(12).mean() - 1.0).dropna()
    r = deciles.loc[sig.index[0] : eq.index[-1]]
    assert eq.index.equals(r.index)
    ref = _loop_rotation(r, sig.loc[r.index], 2 * 20.0 / 1e4)
    np.testing.assert_allclose(eq.to_numpy(), ref.to_numpy(), rtol=1e-10, atol=0)
    assert res.value("n_trades") > 50


def test_grid_best_equals_its_single_run_and_has_a_reality_check(session: Any) -> None:
    from capsize.queries import backtest, backtest_grid

    g = backtest_grid(
        session, universe="french", strategy="sleeve", weight=[0.0, 0.1, 0.2, 0.3],
        rebalance=["A", "none"], cost_bps=10.0,
    )  # fmt: skip
    assert g.value("n_configs") == 8 and g.legs == ("ME1", "ME10")
    one = backtest(session, universe="french", strategy="sleeve", start=g.params["start"], **g.best)
    assert one.value("sharpe") == pytest.approx(g.value("best.sharpe"), abs=1e-10)
    # a 0 % sleeve is one strategy whether rebalanced or not: 7 distinct strategies tested
    assert g.reality is not None and g.reality.n_configs == g.value("n_distinct") == 7
    for fid in ("best.reality_check", "best.spa"):
        assert 0.0 <= g.value(fid) <= 1.0
        assert "ME10" in g.fig(fid).label
    again = backtest_grid(
        session, universe="french", strategy="sleeve", weight=[0.0, 0.1, 0.2, 0.3],
        rebalance=["A", "none"], cost_bps=10.0,
    )  # fmt: skip
    assert again.reality == g.reality  # seeded: reproducible


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"universe": "msci"}, "universe 'msci' is unknown"),
        ({"small": "ME1"}, "add --universe french"),
        ({"universe": "french", "small": "ME11"}, "not a French size portfolio"),
        ({"universe": "french", "small": "Q5", "large": "Hi 20"}, "both Q5"),
        ({"universe": "french", "weighting": "cap"}, "weighting 'cap'"),
        ({"universe": "french", "small": ["ME1", "ME2"]}, "small .* must be one string"),
        ({"universe": "french", "weighting": 1}, "weighting 1 must be one string"),
    ],
)
def test_bad_universes_raise_one_line_input_errors(
    session: Any, kwargs: dict[str, Any], words: str
) -> None:
    from capsize.queries import backtest

    with pytest.raises(InputError, match=words) as info:
        backtest(session, strategy="sleeve", **kwargs)
    assert "\n" not in str(info.value)


def _answers(s: Any) -> list[dict[str, Any]]:
    from capsize.queries import backtest, backtest_grid

    return [
        backtest(s, universe="french", strategy="sleeve", weight=0.3, rebalance="Q").to_dict(),
        backtest(
            s,
            universe="french",
            small="Q1",
            large="Q5",
            weighting="ew",
            strategy="rotation",
            signal="rs_ma12",
            lag=2,
        ).to_dict(),
        backtest_grid(
            s, universe="french", strategy="rotation", signal=["rs_cross1_12", "rs_cross6_24"]
        ).to_dict(),
    ]


def test_same_french_answers_on_a_store_truncated_at_the_day(
    store_home: Path, truncated_home: Callable[[str], Path]
) -> None:
    from capsize.data.store import Store
    from capsize.queries import Session

    answers = []
    for home in (store_home, truncated_home(DAY)):
        store = Store.open(home / "capsize.duckdb", read_only=True)
        try:
            answers.append(_answers(Session(store, pd.Timestamp(DAY))))
        finally:
            store.close()
    full, cut = answers
    for a, b in zip(full, cut, strict=True):
        assert a == b
        # published two months after its end: October 2019 is the last month known
        assert a["as_of"] == "2019-10-31"


def test_dca_default_is_one_month_on_monthly_legs(session: Any) -> None:
    from capsize.queries import backtest
    from capsize.queries.backtesting import resolve_params

    assert resolve_params("dca", {})["every"] == 21  # sessions on IWM/SPY
    r = backtest(session, universe="french", strategy="dca")
    assert r.params["every"] == 1
    assert "12 equal purchases of ME1 every month against" in r.description
    r = backtest(session, universe="french", strategy="dca", every=3)
    assert "every 3 months" in r.description


@pytest.mark.parametrize("day", ["1920-01-01", "1926-09-15"])
def test_an_as_of_before_the_french_months_names_the_first_usable_day(
    store_home: Path, day: str
) -> None:
    from capsize.data.store import Store
    from capsize.errors import DataNotFound
    from capsize.queries import backtest

    store = Store.open(store_home / "capsize.duckdb", read_only=True)
    try:
        with pytest.raises(
            DataNotFound, match="start 1926-07; give --as-of on or after 1926-10-31"
        ):
            backtest(store, day, universe="french", strategy="sleeve")
        assert backtest(store, "1926-10-31", universe="french", strategy="sleeve").as_of.month == 8
    finally:
        store.close()


def test_sources_hold_the_signal_inputs_and_a_note_says_where_card_signals_start(
    session: Any,
) -> None:
    from capsize.queries import backtest, backtest_grid

    flows = "flows/IWM_daily_shares_nav_ishares_fund_history.csv"
    r = backtest(session, universe="french", strategy="rotation", signal="size_factor_regime")
    assert "macro/FF3_monthly.csv" in r.sources
    assert r.series[0].dates[0].startswith("2001")
    note = next(n for n in r.notes if n.startswith("Signal start"))
    assert "size_factor_regime 2001-01" in note and "(1926-07)" in note
    # the score reads every component's inputs, flows included; a grid lists them as a run
    one = backtest(session, strategy="rotation", signal="score")
    assert {"macro/DGS2.csv", "macro/FF3_monthly.csv", flows} <= set(one.sources)
    g = backtest_grid(
        session, strategy="rotation", signal=["score", "rs_ma12"], reality_check=False
    )
    assert set(one.sources) <= set(g.sources)
    assert not any(n.startswith("Signal start") for n in g.notes)  # IWM/SPY legs: no gap
    fr = backtest(session, universe="french", strategy="rotation", signal="rs_ma12")
    assert fr.sources == (  # the legs, and the RF of the Sharpe ratio
        "macro/Portfolios_Formed_on_ME_VW_monthly.csv",
        "macro/FF3_monthly.csv",
        "macro/FF5_2x3_monthly.csv",
    )
    assert not any(n.startswith("Signal start") for n in fr.notes)
