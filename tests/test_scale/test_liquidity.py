"""Liquidity and cross-sectional return percentiles over ticker partitions equal the single
process: on the synthetic panel and the shared universe, with 1, 2 and 4 partitions."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from capsize.analytics.liquidity import LiquidityResult, liquidity
from capsize.analytics.percentiles import gather_rows, return_percentiles, row_percentiles
from capsize.errors import InputError
from capsize.scale import InProcess, partitioned_liquidity, partitioned_return_percentiles

# Per-ticker window sums (a one-column partition may sum in another order) and the
# summary figures built from them.
LIQ_FLOATS = [
    "adv_shares",
    "adv_dollars",
    "yoy_adv_shares",
    "yoy_adv_dollars",
    "turnover",
    "amihud",
]
SUMMARY_FLOATS = ["total_adv_dollars", "median_adv_dollars", "yoy_adv_dollars"]


def assert_same_liquidity(got: LiquidityResult, ref: LiquidityResult) -> None:
    """Counts, tiers, notes, dates and medians equal exactly; window means to 1e-12."""
    pd.testing.assert_index_equal(got.table.columns, ref.table.columns)
    exact = [c for c in ref.table.columns if c not in LIQ_FLOATS]
    pd.testing.assert_frame_equal(got.table[exact], ref.table[exact], check_exact=True)
    pd.testing.assert_frame_equal(
        got.table[LIQ_FLOATS], ref.table[LIQ_FLOATS], check_exact=False, rtol=1e-12, atol=0
    )
    counts = [k for k in ref.summary.index if k not in SUMMARY_FLOATS]
    assert got.summary[counts].tolist() == ref.summary[counts].tolist()
    np.testing.assert_allclose(
        got.summary[SUMMARY_FLOATS].astype(float), ref.summary[SUMMARY_FLOATS].astype(float),
        rtol=1e-12, atol=0,
    )  # fmt: skip
    assert (got.window_start, got.window_end, got.caveat) == (
        ref.window_start,
        ref.window_end,
        ref.caveat,
    )


@pytest.fixture(scope="module")
def liquidity_panel(synthetic: Any) -> dict[str, Any]:
    """The synthetic closes with volume gaps, a USD-quoted and a unit-less ticker."""
    closes, volume, _ = synthetic
    vol = volume.copy()
    vol.iloc[:, 11] = np.nan  # never any volume
    vol.iloc[:450, 12] = np.nan  # volume only in the last year: no year over year
    vol.iloc[-40:, 13] = np.nan  # stale volume: under the coverage rule
    return {
        "closes": closes,
        "volume": vol,
        "volume_units": {"T020": "usd", "T021": "none"},
        "shares_outstanding": pd.Series(5e7, index=closes.columns[::2]),
        "yoy_window": 250,
    }


@pytest.mark.parametrize("partitions", [1, 2, 4])
def test_synthetic_liquidity_equals_single_process(
    liquidity_panel: dict[str, Any], partitions: int
) -> None:
    kw = dict(liquidity_panel)
    closes, volume = kw.pop("closes"), kw.pop("volume")
    ref = liquidity(closes, volume, **kw)
    assert int(ref.summary["covered"]) < len(ref.table) and int(ref.summary["yoy_covered"]) > 0
    got = partitioned_liquidity(closes, volume, partitions=partitions, runner=InProcess(), **kw)
    assert_same_liquidity(got, ref)


@pytest.mark.parametrize("partitions", [1, 2, 4])
def test_shared_universe_liquidity_equals_single_process(
    shared_universe: dict[str, Any], partitions: int
) -> None:
    u = shared_universe
    vol = u["volume"]
    last = vol.dates[np.flatnonzero(~np.isnan(vol.values).all(axis=1))[-1]]  # as the query
    kw: dict[str, Any] = {"universe": u["universe"], "as_of": last}
    ref = liquidity(u["closes"], vol, **kw)
    got = partitioned_liquidity(u["closes"], vol, partitions=partitions, **kw)
    assert int(ref.summary["covered"]) > 100  # the real universe, not an empty answer
    assert_same_liquidity(got, ref)


def test_row_percentiles_equal_numpy() -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(120, 37))
    x[rng.random(x.shape) < 0.3] = np.nan
    x[4] = np.nan  # a day without any value
    x[5, 1:] = np.nan  # a day with one value
    x[6] = 0.25  # ties only
    q = (0, 1, 10, 33.3, 50, 90, 99.9, 100)
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning, match="All-NaN"):
        ref = np.nanpercentile(x, q, axis=1).T
    np.testing.assert_array_equal(row_percentiles(x, q), ref)
    parts = [x[:, a:b] for a, b in ((0, 1), (1, 20), (20, 37))]
    np.testing.assert_array_equal(row_percentiles(gather_rows(parts), q), ref)
    with pytest.raises(InputError, match="percentiles"):
        row_percentiles(x, (50, 101))
    with pytest.raises(InputError, match="days"):
        gather_rows([x[:5], x])


@pytest.mark.parametrize("partitions", [1, 2, 4])
def test_return_percentiles_equal_single_process(
    synthetic: Any, shared_universe: dict[str, Any], partitions: int
) -> None:
    for closes in (synthetic[0], shared_universe["closes"]):
        ref = return_percentiles(closes, periods=1)
        assert ref["p50"].notna().sum() > 100
        got = partitioned_return_percentiles(closes, partitions=partitions)
        pd.testing.assert_frame_equal(got, ref, check_exact=True)
    ref5 = return_percentiles(synthetic[0], (5, 95), periods=5)
    got5 = partitioned_return_percentiles(synthetic[0], (5, 95), periods=5, partitions=partitions)
    pd.testing.assert_frame_equal(got5, ref5, check_exact=True)
