"""The vectorized kernels on small synthetic frames, each against a plain loop."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pytest

from capsize.alerts import (
    Rule,
    apply_cooldown,
    crosses,
    evaluate_rule,
    fires,
    kind_of,
    rolling_mean,
)
from capsize.alerts.kinds._breadth import zweig_thrust
from capsize.alerts.kinds._flows import period_records
from capsize.alerts.kinds._states import sign_changes, state_changes
from capsize.errors import DataNotFound


class FakeInputs:
    """AlertInputs over in-memory frames."""

    def __init__(self, prices: dict[str, pd.DataFrame], **extra: Any) -> None:
        self._prices = prices
        self._extra = extra
        self._memo: dict[tuple[Any, ...], Any] = {}

    def symbols(self, rule: Rule) -> tuple[str, ...]:
        return rule.symbols

    def prices(self, field: str, symbols: Sequence[str]) -> pd.DataFrame:
        frame = self._prices[field]
        have = [s for s in symbols if s in frame.columns]
        if not have:
            raise DataNotFound("none")
        return frame[have]

    def universe_closes(self) -> pd.DataFrame:
        return self._extra["universe"]

    def segment_flows(self, segment: str) -> pd.Series:
        raise DataNotFound(f"no flows of {segment}")

    def filings(self, ticker: str) -> pd.DataFrame:
        if ticker not in self._extra.get("filings", {}):
            raise DataNotFound(f"no filings of {ticker}")
        return self._extra["filings"][ticker]

    def rotation_scores(self) -> pd.Series:
        return self._extra["rotation"]

    def rating_states(self, symbols: Sequence[str], field: str) -> pd.DataFrame:
        return self._extra["ratings"]

    def source(self, dataset: str, *keys: str) -> str:
        return f"test:{dataset}"

    def memo(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]


def _walk(n: int, seed: int, cols: Sequence[str]) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range("2020-01-01", periods=n, name="date")
    steps = rng.normal(0, 0.02, size=(n, len(cols)))
    return pd.DataFrame(100 * np.exp(np.cumsum(steps, axis=0)), index=idx, columns=list(cols))


def test_rolling_mean_matches_pandas_and_never_bridges_gaps() -> None:
    x = _walk(120, 1, ["A", "B"])
    x.iloc[30, 1] = np.nan
    got = rolling_mean(x.to_numpy(), 20)
    want = x.rolling(20, min_periods=20).mean().to_numpy()
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10, equal_nan=True)
    assert np.isnan(got[30:49, 1]).all()


def test_crosses_against_a_loop() -> None:
    x = _walk(200, 2, ["A"]).to_numpy()
    ref = np.full(x.shape, 100.0)
    got = crosses(x, ref, "both")[:, 0]
    want = [False] + [
        (x[t - 1, 0] <= 100 < x[t, 0]) or (x[t - 1, 0] >= 100 > x[t, 0]) for t in range(1, 200)
    ]
    assert got.tolist() == want
    assert (crosses(x, ref, "up") | crosses(x, ref, "down")).tolist() == got.reshape(-1, 1).tolist()


@pytest.mark.parametrize("sessions", [0, 1, 3, 10])
def test_cooldown_against_a_loop(sessions: int) -> None:
    rng = np.random.default_rng(sessions)
    fire = rng.random((300, 3)) < 0.2
    got = apply_cooldown(fire, sessions)
    for j in range(3):
        last, want = -(10**9), []
        for t in range(300):
            keep = bool(fire[t, j]) and t - last > sessions
            last = t if keep else last
            want.append(keep)
        assert got[:, j].tolist() == want


def test_price_level_rule_fires_where_the_close_crosses() -> None:
    px = _walk(250, 3, ["A", "B"])
    rule = Rule(
        "a", "A 100", "price_level", symbols=("A", "B", "ZZZ"), params={"level": 100}, cooldown=0
    )
    ev = evaluate_rule(rule, FakeInputs({"close": px}))
    for s in ("A", "B"):
        c = px[s]
        want = ((c.shift(1) <= 100) & (c > 100)) | ((c.shift(1) >= 100) & (c < 100))
        assert ev.fired_frame()[s].tolist() == want.tolist()
    assert "ZZZ" in ev.unavailable
    day = ev.signal.index[ev.fired[:, 0]][0]
    (f,) = [f for f in fires(ev, after=day - pd.Timedelta(days=1), until=day) if f.subject == "A"]
    assert f.values["level"] == 100.0 and f.values["close"] == px.loc[day, "A"]
    # the message and the evidence say which close was compared (the store's adjusted one)
    message = kind_of("price_level").message(rule, "A", f.values)
    assert message.startswith("A dividend-adjusted close crossed ")
    assert message.endswith(f"100.00 at {px.loc[day, 'A']:,.2f}")
    assert kind_of("price_level").message(rule, "^RUT", f.values).startswith("^RUT close crossed")
    assert "dividend-adjusted" in ev.signal.values["close"].label


def test_zweig_thrust_on_a_made_up_universe() -> None:
    n, m = 80, 10
    idx = pd.bdate_range("2021-01-01", periods=n)
    up = np.r_[np.full(30, 3), np.full(20, 1), np.full(30, 9)]  # advancers per day
    r = np.zeros((n, m))
    for t in range(n):
        r[t, : up[t]] = 0.01
        r[t, up[t] :] = -0.01
    closes = pd.DataFrame(100 * np.cumprod(1 + r, axis=0), index=idx)
    fire, ema = zweig_thrust(closes.to_numpy())
    ratio = pd.Series((r > 0).sum(1) / m, index=idx)
    ratio.iloc[0] = np.nan  # no return on the first day
    want_ema = ratio.ewm(span=10, adjust=False, ignore_na=True).mean()
    np.testing.assert_allclose(ema, want_ema.to_numpy(), equal_nan=True)
    crossed = (want_ema > 0.615) & (want_ema.shift(1) <= 0.615)
    was_low = want_ema.shift(1).rolling(10, min_periods=1).min() < 0.40
    assert fire.tolist() == (crossed & was_low).tolist()
    assert fire.sum() == 1


def test_period_records_count_only_complete_periods() -> None:
    idx = pd.bdate_range("2024-01-01", "2024-06-28")
    flows = pd.Series(1.0, index=idx)
    flows.loc["2024-03-11":"2024-03-15"] = -10.0  # a record outflow week (ends Fri 03-15)
    flows.loc["2024-06-24":"2024-06-26"] = -50.0  # the last week: incomplete until Friday
    fire, flow, prev = period_records(flows.loc[:"2024-06-26"], "W", "outflow", 4)
    assert list(flow.index[fire]) == [pd.Timestamp("2024-03-15")]
    assert flow.loc["2024-03-15"] == -50.0
    assert prev.loc["2024-03-15"] == 5.0  # the smallest earlier week: five days of +1
    fire2, flow2, _ = period_records(flows, "W", "outflow", 4)
    assert pd.Timestamp("2024-06-28") in set(flow2.index[fire2])


def test_sign_and_state_changes() -> None:
    s = pd.Series(
        [0.5, 0.2, 0.0, -0.1, -0.3, 0.0, 0.4],
        index=pd.date_range("2024-01-31", periods=7, freq="ME"),
    )
    fire, prev = sign_changes(s)
    assert list(s.index[fire.to_numpy()]) == [s.index[3], s.index[6]]
    assert prev.iloc[3] == 0.2
    states = pd.DataFrame({"X": ["BUY", "BUY", None, "HOLD", "HOLD"]})
    changed, _ = state_changes(states)
    assert changed[:, 0].tolist() == [False, False, False, True, False]


def test_filing_rule_needs_both_items_and_names_unreadable_tickers() -> None:
    filings = pd.DataFrame(
        {
            "filing_date": pd.to_datetime(["2024-03-01", "2024-03-05", "2024-03-05"]),
            "form": ["8-K", "8-K", "10-Q"],
            "items": [("3.03",), ("3.03", "5.03", "9.01"), ("3.03", "5.03")],
            "accession": ["a", "b", "c"],
        }
    )
    rule = Rule(
        "rs", "reverse splits", "filing_8k", symbols=("UNCY", "NOPE"), params={"item": "3.03/5.03"}
    )
    ev = evaluate_rule(rule, FakeInputs({}, filings={"UNCY": filings}))
    assert [f.day for f in fires(ev)] == [pd.Timestamp("2024-03-05")]
    assert "NOPE" in ev.unavailable and "cannot be read" in ev.unavailable["NOPE"]


def test_rating_states_of_a_card() -> None:
    from types import SimpleNamespace as NS

    from capsize.queries.alerts._scores import card_state

    flag = lambda i, s: NS(id=i, raised=None if s == "NOT ASSESSED" else s == "RAISED")  # noqa: E731
    card = NS(
        risk=NS(value="HIGH"),
        recommendation=NS(value="NOT ASSESSED"),
        flags=(flag("penny_stock", "RAISED"), flag("dilution", "RAISED"), flag("listing", "CLEAR")),
    )
    assert card_state(card, "risk") == "HIGH"
    assert card_state(card, "recommendation") is None
    assert card_state(card, "flags") == "dilution, penny_stock"
    card.flags = (flag("listing", "CLEAR"),)
    assert card_state(card, "flags") == "none"
    card.flags = (flag("listing", "NOT ASSESSED"),)
    assert card_state(card, "flags") is None
