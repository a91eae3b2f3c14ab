"""The backtest family: signal histories, the signal record and the backtest query.

One session on the filled store at :data:`DAY` is shared by the module (the month-end
histories are computed once). The signal record is checked against an independent
plain-pandas computation from the shared CSV files; the point-in-time test asks the same
questions on a store truncated at the day and compares with the module's answers.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from capsize.errors import InputError

DAY = "2019-12-31"
"""The module's day: seven years out of sample (2013..2019), a shorter history to score."""


@pytest.fixture(scope="module")
def session(store: Any) -> Any:
    """A session at the module's day on the shared read-only store (tests/conftest.py)."""
    from capsize.queries import Session

    return Session(store, pd.Timestamp(DAY))


@pytest.fixture(scope="module")
def record(session: Any) -> Any:
    from capsize.queries import signal_record

    return signal_record(session)


# ---------------------------------------------------------------------------
# an independent computation of one signal's record: plain pandas on the CSV files
# ---------------------------------------------------------------------------


def _csv(shared: Path, rel: str, col: str) -> pd.Series:
    frame = pd.read_csv(shared / rel, parse_dates=["date"], index_col="date")
    return frame[col].dropna()


def _rates_score(dgs2: pd.Series, day: pd.Timestamp) -> float:
    """Rates-regime score on ``day``: 3-month change of DGS2, higher favours large caps."""
    y = dgs2.loc[:day]
    last = y.index[-1]
    target = last - pd.DateOffset(months=3)
    before = y.loc[:target]
    if (target - before.index[-1]).days > 10 or (day - last).days > 10:
        return np.nan
    v = y.iloc[-1] - before.iloc[-1]
    raw = -2 if v < -0.5 else -1 if v < -0.15 else 0 if v <= 0.15 else 1 if v <= 0.5 else 2
    return float(-raw)


def _next_month_sml(iwm: pd.Series, spy: pd.Series, dates: pd.DatetimeIndex) -> pd.Series:
    both = pd.concat([iwm, spy], axis=1, join="inner").dropna()
    out = {}
    for a, b in itertools.pairwise(dates):
        after_a, after_b = both.loc[both.index > a], both.loc[both.index > b]
        if after_b.empty:
            continue
        e, x = after_a.iloc[0], after_b.iloc[0]
        out[a] = (x.iloc[0] / e.iloc[0] - 1) - (x.iloc[1] / e.iloc[1] - 1)
    return pd.Series(out)


def test_rates_regime_record_equals_plain_pandas(record: Any, shared_data: Path) -> None:
    dgs2 = _csv(shared_data, "macro/DGS2.csv", "value").loc[:DAY]
    iwm = _csv(shared_data, "prices/IWM.csv", "close").loc[:DAY]
    spy = _csv(shared_data, "prices/SPY.csv", "close").loc[:DAY]
    day = min(iwm.index[-1], spy.index[-1])
    assert record.as_of == day
    dates = pd.date_range("2001-01-01", day, freq="ME")
    score = pd.Series([_rates_score(dgs2, d) for d in dates], index=dates)
    sml = _next_month_sml(iwm, spy, dates)
    pairs = pd.concat([score, sml], axis=1, keys=["x", "y"], join="inner").dropna()
    oos = pairs.loc["2013-01-01":]
    ins = pairs.loc[:"2012-12-31"]
    side = oos.loc[oos["x"] != 0]
    expected = {
        "oos.n_months": len(oos),
        "oos.rank_corr": oos["x"].corr(oos["y"], method="spearman"),
        "is.rank_corr": ins["x"].corr(ins["y"], method="spearman"),
        "oos.hit_rate": float((np.sign(side["x"]) * side["y"] > 0).mean()),
    }
    for stat, value in expected.items():
        got = record.value(f"rates_regime.{stat}")
        assert got == pytest.approx(value, abs=1e-12), stat


def test_every_card_signal_has_a_row_and_the_verdict_names_the_failures(record: Any) -> None:
    from capsize.queries.backtesting import CARD_SIGNALS

    rows = {r.key: r for r in record.rows}
    assert list(rows) == list(CARD_SIGNALS)
    # breadth and valuation have no month-end history in the store: untested, said so
    assert rows["breadth"].verdict == rows["valuation"].verdict == "untested"
    assert "no history" in rows["breadth"].reason
    for r in rows.values():
        assert r.label in record.verdict
        if r.verdict == "untested":
            continue
        low, mid, high = (r.figures[f"oos.rank_corr{s}"].value for s in (".low", "", ".high"))
        assert low <= mid <= high
        works = "works" if low > 0 else "works backwards" if high < 0 else "does not work"
        assert r.verdict == works
        assert record.fig(f"{r.key}.verdict").note == works
    failing = [r.label for r in rows.values() if r.verdict != "works"]
    assert failing, "some signal must fail"  # the card's own history shows no skill
    table = record.table("record").to_frame()
    assert len(table) == len(CARD_SIGNALS)
    assert record.to_dict()["schema"] == "capsize.query/1"


# ---------------------------------------------------------------------------
# the backtest query
# ---------------------------------------------------------------------------


def test_full_sleeve_is_buy_and_hold_of_the_small_leg(session: Any) -> None:
    from capsize.queries import backtest

    r = backtest(session, strategy="sleeve", weight=1.0, rebalance="none")
    eq = r.get_series("equity").to_series()
    bench = r.get_series("benchmark.IWM").to_series()
    assert np.allclose(eq.to_numpy(), bench.to_numpy(), rtol=0, atol=1e-12)
    assert r.value("cagr") == pytest.approx(r.value("IWM.cagr"), abs=1e-12)
    assert r.value("n_trades") == 0
    dd = r.get_series("drawdown").to_series()
    assert dd.max() <= 0 and r.value("max_drawdown") == pytest.approx(dd.min(), abs=1e-12)


def test_rotation_on_a_card_signal_trades_after_the_month_end(session: Any) -> None:
    from capsize.queries import backtest

    r = backtest(session, strategy="rotation", signal="rates_regime", cost_bps=5.0)
    trades = r.table("trades").to_frame()
    assert len(trades) == r.value("n_trades") > 0
    for day in pd.to_datetime(trades["date"]):
        prev = day - pd.offsets.BDay(1)
        # a month-end signal is traded at the first close after the month's last session
        assert day.day <= 7 or prev.month != day.month, day
    years = r.table("years").to_frame()
    total = float(np.prod(1 + years["strategy"].to_numpy()) - 1)
    assert total == pytest.approx(r.value("total_return"), rel=1e-10)
    assert r.fig("cagr").provenance.source.count("DGS2") == 1


@pytest.mark.parametrize("signal", ["breadth", "valuation"])
def test_a_signal_without_history_is_refused_not_run_as_the_large_leg(
    session: Any, signal: str
) -> None:
    from capsize.errors import DataNotFound
    from capsize.queries import backtest

    with pytest.raises(DataNotFound, match=f"signal '{signal}' has no history in the store"):
        backtest(session, strategy="rotation", signal=signal, threshold=-1.0, intervals=False)


def test_a_signal_starting_late_moves_the_start_and_says_its_gap_rule(session: Any) -> None:
    from capsize.queries import backtest

    r = backtest(session, strategy="rotation", signal="score", start="2000-06-01",
                 intervals=False)  # fmt: skip
    first = pd.Timestamp(r.get_series("equity").to_series().index[0])
    assert first > pd.Timestamp("2000-12-31")
    assert any(n.startswith(f"Start: signal score has its first value on {first:%Y-%m-%d}")
               for n in r.notes)  # fmt: skip
    assert any(n.startswith("Missing values: a period without a new score value keeps the last")
               for n in r.notes)  # fmt: skip


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"strategy": "momentum"}, "strategy 'momentum' is unknown"),
        ({"strategy": "rotation", "weight": 0.2}, "does not apply to the rotation"),
        ({"strategy": "rotation", "treshold": 0.2}, "parameter 'treshold' is unknown"),
        ({"strategy": "rotation", "signal": "rs_cross200_50"}, "signal 'rs_cross200_50'"),
        ({"strategy": "sleeve", "weight": 1.5}, "weight=1.5 is out of range"),
        ({"strategy": "rotation", "lag": 0}, "lag=0 is out of range"),
    ],
)
def test_bad_parameters_raise_one_line_input_errors(
    session: Any, kwargs: dict[str, Any], words: str
) -> None:
    from capsize.queries import backtest

    with pytest.raises(InputError, match=words.replace("(", r"\(")) as info:
        backtest(session, **kwargs)
    assert "\n" not in str(info.value)


def test_grid_counts_its_configurations_and_walks_forward(session: Any) -> None:
    from capsize.queries import backtest, backtest_grid

    g = backtest_grid(
        session, strategy="sleeve", weight=[0.0, 0.15, 0.3], rebalance=["M", "A"],
        cost_bps=5.0, walk_forward=(5, 2),
    )  # fmt: skip
    assert g.value("n_configs") == 6 == len(g.table("grid").rows)
    assert g.engine.startswith("sweep")
    assert 0.0 <= g.value("best.deflated_sharpe") <= 1.0
    # the best cell equals the single run with its parameters over the same window
    one = backtest(session, strategy="sleeve", start=g.params["start"], **g.best)
    assert one.value("sharpe") == pytest.approx(g.value("best.sharpe"), abs=1e-10)
    folds = g.table("walk_forward").to_frame()
    assert len(folds) == g.value("wf.n_folds") > 3
    weights = {c.split(",")[0] for c in folds["chosen"]}
    assert weights <= {f"weight={w}" for w in (0.0, 0.15, 0.3)}
    assert g.value("wf.oos_sharpe") is not None


def test_exported_members() -> None:
    import capsize.queries as Q
    import capsize.queries.backtesting as B

    def isort_style(n: str) -> tuple[int, str]:  # constants, classes, functions (RUF022)
        return (0 if n.isupper() else 1 if n[0].isupper() else 2, n)

    assert B.__all__ == sorted(B.__all__, key=isort_style)
    assert all(hasattr(B, n) for n in B.__all__)
    for name in ("backtest", "backtest_grid", "signal_record", "signal_histories"):
        assert getattr(Q, name) is getattr(B, name)


def test_expand_grid_is_the_product_last_axis_fastest() -> None:
    from capsize.queries.backtesting import expand_grid

    grid = expand_grid("sleeve", {"weight": [0.1, 0.2], "band": [0.0, 0.05, 0.1]})
    assert [(c["weight"], c["band"]) for c in grid] == [
        (w, b) for w in (0.1, 0.2) for b in (0.0, 0.05, 0.1)
    ]
    with pytest.raises(InputError, match="empty list"):
        expand_grid("sleeve", {"weight": []})


# ---------------------------------------------------------------------------
# point in time
# ---------------------------------------------------------------------------


def _answers(s: Any, record: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    from capsize.queries import backtest, signal_record

    return [
        backtest(s, strategy="rotation", signal="score").to_dict(),
        backtest(s, strategy="rotation", signal="rs_cross50_200", hold=5).to_dict(),
        record or signal_record(s).to_dict(),
    ]


def test_same_backtest_and_record_on_a_store_truncated_at_the_day(
    session: Any,
    record: Any,
    truncated_home: Callable[[str], Path],
    dates_after: Callable[[Any, str], list[str]],
) -> None:
    from capsize.data.store import Store
    from capsize.queries import Session

    full = _answers(session, record.to_dict())
    store = Store.open(truncated_home(DAY) / "capsize.duckdb", read_only=True)
    try:
        cut = _answers(Session(store, pd.Timestamp(DAY)))
    finally:
        store.close()
    for a, b in zip(full, cut, strict=True):
        assert a == b
        assert dates_after(a, DAY) == []
        assert a["as_of"] <= DAY
    # the Sharpe ratios are above French's daily RF published by the day, then fed funds
    rf = full[0]["figures"]["rf"]
    assert rf["note"] == "rf: 1-month T-bill, Ken French; fed funds from 2019-11-01"
    assert rf["provenance"]["source"] == "macro/FF3_daily.csv; macro/DFF.csv"


@pytest.mark.parametrize(
    "grid",
    [
        {
            "strategy": "sleeve",
            "weight": [0.2, 0.3],
            "rebalance": ["none", "A"],
            "band": [0.0, 0.05],
            "cost_bps": 5.0,
        },
        {
            "strategy": "rotation",
            "signal": ["rates_regime", "rs_ma200"],
            "threshold": [0.0, 0.5],
            "hold": [1, 21],
            "cost_bps": 5.0,
        },
        {
            "strategy": "rotation",
            "signal": ["rs_cross20_100", "rs_cross50_200"],
            "lag": [1, 2],
            "cost_bps": 5.0,
        },
        {
            "strategy": "rotation",
            "signal": ["rates_regime", "rs_cross20_100"],
            "below": "cash",
            "cost_bps": 5.0,
        },
    ],
    ids=["sleeve", "signals", "ma", "cash"],
)
def test_grid_rows_with_a_start_equal_their_single_runs(session: Any, grid: dict[str, Any]) -> None:
    from capsize.queries import backtest, backtest_grid

    g = backtest_grid(session, start="2005-01-03", reality_check=False, **grid)
    assert g.params["start"] == "2005-01-03"
    for _, row in g.frame.iterrows():
        c = {k: row[k] for k in grid if k != "strategy"}
        one = backtest(session, strategy=grid["strategy"], start="2005-01-03", intervals=False,
                       **c)  # fmt: skip
        for k in ("cagr", "sharpe", "max_drawdown", "turnover"):
            assert one.value(k) == pytest.approx(float(row[k]), abs=1e-10), (c, k)
