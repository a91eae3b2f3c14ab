"""The bar reads (closes, bars, panel) against a plain pandas pivot, on the shared data.

The reads pivot in numpy with pruned date bounds; the reference here is the earlier
algorithm (every row as a frame, pivoted by pandas). Both must give the same frames,
bit for bit: values, dates, column order and dtypes.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pytest

from capsize.data.store import Store, pivot_days


def _long(
    store: Store, field: str, pairs: Mapping[str, str], start: str | None, as_of: str | None
) -> pd.DataFrame:
    rows = store.con.execute(
        f"SELECT date, symbol, basis, {field} AS v FROM bars "
        "WHERE symbol IN (SELECT unnest(?::VARCHAR[])) AND date BETWEEN ? AND ? ORDER BY date",
        [list(pairs), start or "1900-01-01", as_of or "2100-01-01"],
    ).df()
    out: pd.DataFrame = rows[rows["basis"].to_numpy() == rows["symbol"].map(pairs).to_numpy()]
    return out


def _reference_closes(
    store: Store, syms: list[str], start: str | None = None, as_of: str | None = None
) -> pd.DataFrame:
    held = store.con.execute(
        "SELECT DISTINCT symbol, basis FROM bars WHERE symbol IN (SELECT unnest(?::VARCHAR[]))",
        [syms],
    ).fetchall()
    have: dict[str, set[str]] = {}
    for sym, basis in held:
        have.setdefault(sym, set()).add(basis)
    pairs = {
        x: next(b for b in ("adjusted", "level", "raw") if b in have[x])
        for x in dict.fromkeys(syms)
    }
    long = _long(store, "close", pairs, start, as_of)
    wide = long.pivot(index="date", columns="symbol", values="v").reindex(columns=syms)
    wide.index = pd.DatetimeIndex(pd.to_datetime(wide.index), name="date").astype("datetime64[ns]")
    wide.columns.name = None
    return wide.astype("float64")


CASES = [
    (["IWM"], None, None),
    (["^RUT", "IWM", "IWM", "BTC-USD"], None, None),
    (["IWM", "SPY"], "2024-01-01", "2024-06-30"),
    (["IWM"], "2031-01-01", None),
]


@pytest.mark.parametrize(("syms", "start", "as_of"), CASES)
def test_closes_equal_the_pandas_pivot(
    store: Store, syms: list[str], start: str | None, as_of: str | None
) -> None:
    got = store.closes(syms, start=start, as_of=as_of)
    want = _reference_closes(store, syms, start, as_of)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert got.index.dtype == want.index.dtype and got.columns.dtype == want.columns.dtype


def test_closes_and_panel_of_many_stocks_equal_the_pandas_pivot(store: Store) -> None:
    start, as_of = "2025-06-01", "2026-03-31"
    panel = store.panel(start=start, as_of=as_of)  # every stock with data in the bounds
    held = list(panel.columns[::-10])  # 1 in 10, in reverse order
    got = store.closes(held, start=start, as_of=as_of)
    want = _reference_closes(store, held, start, as_of)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    pd.testing.assert_frame_equal(panel[sorted(held)], got[sorted(held)], check_exact=True)


def test_bars_bounds_keep_the_rows_in_range(store: Store) -> None:
    whole = store.bars("IWM")
    part = store.bars("IWM", start="2024-01-01", as_of="2024-06-30")
    pd.testing.assert_frame_equal(part, whole.loc["2024-01-01":"2024-06-30"], check_exact=True)
    assert store.bars("IWM", start="2031-01-01").empty


def test_pivot_days_places_every_row() -> None:
    rng = np.random.default_rng(3)
    days = rng.integers(10_000, 10_050, 200)
    cols = rng.integers(0, 7, 200)
    uniq = pd.DataFrame({"d": days, "c": cols}).drop_duplicates().to_numpy()
    vals = rng.normal(size=len(uniq))
    d, v = pivot_days(uniq[:, 0], uniq[:, 1], vals, 8)
    want = (
        pd.DataFrame({"d": uniq[:, 0], "c": uniq[:, 1], "v": vals})
        .pivot(index="d", columns="c", values="v")
        .reindex(columns=range(8))
    )
    assert d.tolist() == want.index.tolist()
    np.testing.assert_array_equal(v, want.to_numpy())
    e, w = pivot_days(np.array([], dtype=int), np.array([], dtype=int), np.array([]), 2)
    assert e.shape == (0,) and w.shape == (0, 2)
