"""The batched evaluation of one-symbol rules equals each rule's own kernel."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pytest

from capsize.alerts import Evaluation, Rule, evaluate_batch, evaluate_rule
from capsize.errors import DataNotFound

N_DAYS = 420


class BlockInputs:
    """AlertInputs over one shared block per field (as the query layer's prefetch holds them)."""

    def __init__(self, blocks: dict[str, pd.DataFrame]) -> None:
        self._blocks = blocks
        self._arrays = {f: frame.to_numpy(dtype=float) for f, frame in blocks.items()}
        self._memo: dict[tuple[Any, ...], Any] = {}

    def symbols(self, rule: Rule) -> tuple[str, ...]:
        return rule.symbols

    def prices(self, field: str, symbols: Sequence[str]) -> pd.DataFrame:
        frame = self._blocks[field]
        have = [s for s in dict.fromkeys(symbols) if s in frame.columns]
        if not have:
            raise DataNotFound("none")
        sub = frame[have]
        return sub.loc[sub.notna().any(axis=1)]  # the days any of them has a value

    def price_column(
        self, field: str, symbol: str
    ) -> tuple[pd.DatetimeIndex, np.ndarray, int] | None:
        frame = self._blocks.get(field)
        if frame is None or symbol not in frame.columns:
            return None
        col = int(frame.columns.get_loc(symbol))  # type: ignore[arg-type]
        return frame.index, self._arrays[field], col  # type: ignore[return-value]

    def source(self, dataset: str, *keys: str) -> str:
        return f"{dataset}:{','.join(keys)}"

    def memo(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]


@pytest.fixture(scope="module")
def inputs() -> BlockInputs:
    """Random walks with late listings, early ends and one gap (seeded)."""
    rng = np.random.default_rng(18)
    days = pd.bdate_range("2024-01-01", periods=N_DAYS, name="date")
    close = 50 * np.exp(np.cumsum(rng.normal(0, 0.02, (N_DAYS, 6)), axis=0))
    close[:40, 1] = np.nan  # listed later
    close[-15:, 2] = np.nan  # ended earlier
    close[200, 3] = np.nan  # a gap: left to the kernel
    volume = rng.lognormal(13, 0.6, (N_DAYS, 6))
    volume[:100, 4] = np.nan
    names = ["AAA", "BBB", "CCC", "GAP", "EEE", "IWM"]
    return BlockInputs(
        {
            "close": pd.DataFrame(close, index=days, columns=names),
            "high": pd.DataFrame(close * 1.01, index=days, columns=names),
            "volume": pd.DataFrame(volume, index=days, columns=names),
        }
    )


def _rules() -> list[Rule]:
    out = []
    for i, sym in enumerate(["AAA", "BBB", "CCC", "GAP", "EEE", "NONE"]):
        for d in ("up", "down", "both"):
            out.append(
                Rule(f"l{i}{d}", "x", "price_level", (sym,), params={"level": 50.0, "direction": d})
            )
        for w in (20, 50):
            out.append(Rule(f"m{i}{w}", "x", "price_ma", (sym,), params={"window": w}, cooldown=3))
            out.append(Rule(f"r{i}{w}", "x", "rs_cross", (sym, "IWM"), params={"window": w}))
        for span in ("52w", "all"):
            for ext in ("high", "low"):
                p = {"span": span, "extreme": ext}
                out.append(Rule(f"e{i}{span}{ext}", "x", "new_extreme", (sym,), params=p))
        hp = {"span": "52w", "extreme": "high", "field": "intraday"}
        out.append(Rule(f"h{i}", "x", "new_extreme", (sym,), params=hp, cooldown=0))
        vp = {"multiple": 1.8, "window": 20}
        out.append(Rule(f"v{i}", "x", "volume_surge", (sym,), params=vp))
    out.append(Rule("w", "x", "price_level", ("AAA", "BBB"), params={"level": 50.0}))
    return out


def _assert_same(a: Evaluation, b: Evaluation) -> None:
    sa, sb = a.signal, b.signal
    assert sa.index.equals(sb.index)
    assert sa.subjects == sb.subjects
    np.testing.assert_array_equal(sa.fire, sb.fire)
    np.testing.assert_array_equal(a.fired, b.fired)
    assert dict(sa.symbols) == dict(sb.symbols)
    assert dict(sa.sources) == dict(sb.sources)
    assert dict(sa.unavailable) == dict(sb.unavailable)
    assert list(sa.values) == list(sb.values)
    for name, va in sa.values.items():
        vb = sb.values[name]
        assert (va.label, va.unit, va.formula) == (vb.label, vb.unit, vb.formula)
        np.testing.assert_array_equal(va.values, vb.values)  # NaN equal to NaN


def test_batched_rules_equal_their_kernels(inputs: BlockInputs) -> None:
    rules = _rules()
    batched = evaluate_batch(rules, inputs)
    for i, ev in batched.items():
        _assert_same(ev, evaluate_rule(rules[i], inputs))
    ids = {rules[i].id for i in batched}
    fired = sum(int(ev.fired.sum()) for ev in batched.values())
    assert fired > 50  # the comparison is not between empty signals
    assert "l0up" in ids and "r150" in ids and "e252whigh" in ids and "v4" in ids
    # a series with a gap, a symbol without data and a two-symbol rule go to the kernel
    assert not any(r.startswith(("l3", "m3", "e3", "l5", "w")) for r in ids)
    assert len(ids) == len(rules) - 12 - 13 - 1  # GAP's closes (not its volume), NONE, w


def test_inputs_without_blocks_batch_nothing(inputs: BlockInputs) -> None:
    class Plain:
        pass

    assert evaluate_batch(_rules(), Plain()) == {}  # type: ignore[arg-type]
