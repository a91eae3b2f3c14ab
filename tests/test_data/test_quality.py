"""Tests for capsize.data.quality: hand-built cases per rule, properties, real data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from capsize.data.quality import (
    FINDING_COLUMNS,
    BarsCheck,
    SeriesCheck,
    check_bars,
)
from capsize.errors import InputError, SchemaError

# ----------------------------------------------------------------------------- helpers


def bars(rows: list[tuple], key: str = "A") -> pd.DataFrame:
    """rows: (date, open, high, low, close, volume) or (key, date, o, h, l, c, v)."""
    out = []
    for r in rows:
        if len(r) == 6:
            out.append((key, *r))
        else:
            out.append(r)
    df = pd.DataFrame(out, columns=["key", "date", "open", "high", "low", "close", "volume"])
    df["date"] = pd.to_datetime(df["date"])
    for c in ["open", "high", "low", "close", "volume"]:
        df[c] = df[c].astype("float64")
    return df


def closes(
    dates: list[str] | pd.DatetimeIndex, values: list[float], key: str = "A"
) -> pd.DataFrame:
    n = len(values)
    return pd.DataFrame(
        {
            "key": [key] * n,
            "date": pd.to_datetime(list(dates)),
            "open": np.nan,
            "high": np.nan,
            "low": np.nan,
            "close": np.asarray(values, dtype=float),
            "volume": np.nan,
        }
    )


def of(res: BarsCheck | SeriesCheck, check: str) -> pd.DataFrame:
    return res.findings[res.findings["check"] == check]


def assert_partition(res: BarsCheck | SeriesCheck, n_input: int) -> None:
    assert len(res.clean) + len(res.rejected) == n_input
    assert list(res.findings.columns) == FINDING_COLUMNS
    assert set(res.findings["severity"]) <= {"error", "warning", "info"}
    assert res.rejected["reason"].map(lambda s: isinstance(s, str) and len(s) > 0).all()
    # sorted, unique per key and date
    c = res.clean
    if len(c):
        order = c.sort_values(["key", "date"], kind="stable")
        assert order.index.tolist() == list(range(len(c)))
        assert not c.duplicated(["key", "date"]).any()


DAYS = pd.bdate_range(
    "2024-04-01", "2024-04-30"
)  # no XNYS holiday in April 2024 (Good Friday: 03-29)


# ----------------------------------------------------------------------------- rejection rules


def test_clean_input_passes_untouched() -> None:
    df = closes(DAYS, list(np.linspace(10, 11, len(DAYS))))
    res = check_bars(df, basis="adjusted")
    assert_partition(res, len(df))
    assert len(res.rejected) == 0
    assert res.findings.empty
    assert res.ok
    pd.testing.assert_frame_equal(res.clean, df)


def test_missing_and_unparseable_dates_are_rejected() -> None:
    df = pd.DataFrame(
        {
            "key": ["A", "A", "A", "A"],
            "date": ["2024-04-01", None, "2024-13-45", "2024-04-03"],
            "close": [1.0, 2.0, 3.0, 4.0],
        }
    )
    res = check_bars(df, basis="raw", calendar=None)
    assert_partition(res, 4)
    assert res.clean["date"].tolist() == [pd.Timestamp("2024-04-01"), pd.Timestamp("2024-04-03")]
    assert res.rejected["row"].tolist() == [1, 2]
    assert res.rejected["reason"].tolist() == ["date missing", "date '2024-13-45' unparseable"]
    f = of(res, "missing_date")
    assert (f["severity"] == "error").all()
    assert len(f) == 2
    assert f["date"].isna().all()
    assert not res.ok


def test_missing_close_rejected_but_missing_ohlv_kept() -> None:
    df = bars(
        [
            ("2024-04-01", np.nan, np.nan, np.nan, 10.0, np.nan),
            ("2024-04-02", 10.0, 11.0, 9.0, np.nan, 100.0),
            ("2024-04-03", 10.0, 11.0, 9.0, 10.5, 100.0),
        ]
    )
    res = check_bars(df, basis="raw")
    assert_partition(res, 3)
    assert res.rejected["row"].tolist() == [1]
    assert res.rejected["reason"].iloc[0] == "close missing"
    assert of(res, "missing_close")["detail"].iloc[0] == "row 1: close missing; row rejected"


@pytest.mark.parametrize("col", ["open", "high", "low", "close"])
@pytest.mark.parametrize("bad", [0.0, -1.5])
def test_non_positive_prices_rejected(col: str, bad: float) -> None:
    df = bars([("2024-04-01", 10, 11, 9, 10, 100), ("2024-04-02", 10, 11, 9, 10.5, 100)])
    df.loc[1, col] = bad
    res = check_bars(df, basis="raw")
    assert_partition(res, 2)
    assert res.rejected["row"].tolist() == [1]
    assert res.rejected["reason"].iloc[0].startswith(f"{col} {bad:.2f} <= 0")
    f = of(res, "non_positive_price")
    assert len(f) == 1
    assert f["severity"].iloc[0] == "error"
    assert f["date"].iloc[0] == pd.Timestamp("2024-04-02")


def test_negative_volume_rejected_zero_volume_kept() -> None:
    df = bars([("2024-04-01", 10, 11, 9, 10, 0), ("2024-04-02", 10, 11, 9, 10.5, -200)])
    res = check_bars(df, basis="raw")
    assert res.rejected["row"].tolist() == [1]
    assert res.rejected["reason"].iloc[0] == "volume -200 < 0"
    assert len(res.clean) == 1


def test_several_reasons_are_joined_and_finding_counted_once() -> None:
    df = bars([("2024-04-01", -1, 11, 9, np.nan, -5)])
    res = check_bars(df, basis="raw")
    assert res.rejected["reason"].iloc[0] == "close missing; open -1.00 <= 0; volume -5 < 0"
    assert len(res.findings) == 1
    assert res.findings["check"].iloc[0] == "missing_close"


def test_unparseable_and_infinite_numbers_rejected() -> None:
    df = pd.DataFrame(
        {
            "key": ["A", "A", "A", "A"],
            "date": ["2024-04-01", "2024-04-02", "2024-04-03", "2024-04-04"],
            "close": ["10.0", "abc", "", "inf"],
        }
    )
    res = check_bars(df, basis="raw", calendar=None)
    assert_partition(res, 4)
    assert res.clean["close"].tolist() == [10.0]
    assert res.clean["close"].dtype == np.float64
    reasons = dict(zip(res.rejected["row"], res.rejected["reason"], strict=True))
    assert reasons[1] == "close 'abc' is not a number"
    assert reasons[2] == "close missing"  # a blank cell is a missing value
    assert reasons[3] == "close inf is not finite"


def test_missing_key_rejected() -> None:
    df = pd.DataFrame(
        {"key": ["A", None, " "], "date": pd.to_datetime(["2024-04-01"] * 3), "close": [1.0] * 3}
    )
    res = check_bars(df, basis="raw")
    assert_partition(res, 3)
    assert res.rejected["row"].tolist() == [1, 2]
    assert set(of(res, "missing_key")["key"]) == {"(missing key)"}


def test_extra_columns_are_carried_and_input_not_mutated() -> None:
    df = bars([("2024-04-02", 10, 11, 9, 10, 1), ("2024-04-01", 10, 11, 9, -1, 1)])
    df["adj_close"] = [9.5, 9.0]
    before = df.copy()
    res = check_bars(df, basis="raw")
    pd.testing.assert_frame_equal(df, before)
    assert res.clean["adj_close"].tolist() == [9.5]
    assert res.rejected["adj_close"].tolist() == [9.0]
    assert res.rejected.columns.tolist() == [*df.columns, "reason", "row"]


# ----------------------------------------------------------------------------- duplicates


def test_identical_duplicates_keep_one_with_warning() -> None:
    df = bars(
        [
            ("2024-04-01", 10, 11, 9, 10, 100),
            ("2024-04-02", 10, 11, 9, 10.5, 100),
            ("2024-04-02", 10, 11, 9, 10.5, 100),
        ]
    )
    res = check_bars(df, basis="raw")
    assert_partition(res, 3)
    assert len(res.clean) == 2
    assert res.rejected["row"].tolist() == [1]
    assert "identical" in res.rejected["reason"].iloc[0]
    f = of(res, "duplicate_date")
    assert f["severity"].tolist() == ["warning"]
    assert (
        f["detail"].iloc[0] == "row 1 repeats row 2 for 2024-04-02 exactly; kept one copy (row 2)"
    )


def test_conflicting_duplicates_keep_last_in_file_order() -> None:
    # file order: the 12.40 row comes last although rows are unsorted
    df = bars(
        [
            ("2024-04-02", 10, 13, 9, 12.10, 100),
            ("2024-04-01", 10, 11, 9, 10.0, 100),
            ("2024-04-02", 10, 13, 9, 12.40, 300),
        ]
    )
    res = check_bars(df, basis="raw")
    assert_partition(res, 3)
    assert res.clean["close"].tolist() == [10.0, 12.40]
    assert res.rejected["row"].tolist() == [0]
    f = of(res, "duplicate_date")
    assert f["severity"].tolist() == ["error"]
    detail = f["detail"].iloc[0]
    assert "close 12.10 vs 12.40" in detail
    assert "volume 100.00 vs 300.00" in detail
    assert "kept row 2" in detail
    assert "rejected row 0" in detail


def test_triple_duplicate_mixed() -> None:
    df = bars(
        [
            ("2024-04-01", 10, 11, 9, 10.0, 1),
            ("2024-04-01", 10, 11, 9, 10.2, 1),
            ("2024-04-01", 10, 11, 9, 10.2, 1),
        ]
    )
    res = check_bars(df, basis="raw")
    assert res.clean["close"].tolist() == [10.2]
    assert res.rejected["row"].tolist() == [0, 1]
    f = of(res, "duplicate_date").sort_values("severity")
    assert f["severity"].tolist() == ["error", "warning"]


def test_duplicates_only_within_key() -> None:
    df = pd.concat([closes(DAYS[:3], [1, 2, 3], "A"), closes(DAYS[:3], [1, 2, 3], "B")])
    res = check_bars(df, basis="adjusted")
    assert len(res.clean) == 6
    assert of(res, "duplicate_date").empty


# ----------------------------------------------------------------------------- ordering


def test_descending_input_is_sorted_and_reported() -> None:
    df = closes(DAYS[:5][::-1], [5, 4, 3, 2, 1])
    res = check_bars(df, basis="adjusted")
    assert res.clean["date"].is_monotonic_increasing
    assert res.clean["close"].tolist() == [1, 2, 3, 4, 5]
    f = of(res, "unsorted")
    assert f["severity"].tolist() == ["info"]
    assert "descending" in f["detail"].iloc[0]


def test_unsorted_input_is_sorted_and_reported() -> None:
    d = list(DAYS[:5])
    df = closes([d[0], d[2], d[1], d[3], d[4]], [1, 3, 2, 4, 5])
    res = check_bars(df, basis="adjusted")
    assert res.clean["close"].tolist() == [1, 2, 3, 4, 5]
    f = of(res, "unsorted")
    assert "not in date order" in f["detail"].iloc[0]
    assert "row 2" in f["detail"].iloc[0]


def test_interleaved_keys_are_grouped_and_sorted() -> None:
    a = closes(DAYS[:3], [1, 2, 3], "B")
    b = closes(DAYS[:3], [4, 5, 6], "A")
    df = pd.concat([a, b]).sort_values("date", kind="stable").reset_index(drop=True)
    res = check_bars(df, basis="adjusted")
    assert res.clean["key"].tolist() == ["A"] * 3 + ["B"] * 3
    assert res.clean["close"].tolist() == [4, 5, 6, 1, 2, 3]
    assert of(res, "unsorted").empty  # each key is ascending in file order


# ----------------------------------------------------------------------------- OHLC consistency


def test_high_below_low_and_close_outside_range_are_kept_with_warning() -> None:
    df = bars(
        [
            ("2024-04-01", 10, 9, 11, 10, 1),  # high < low
            ("2024-04-02", 10, 11, 9, 12, 1),  # close above high
            ("2024-04-03", 10, 11, 9, 8.5, 1),  # close below low
            ("2024-04-04", 8, 11, 9, 10, 1),  # open below low
            ("2024-04-05", 10, 11, 9, 11 * (1 + 1e-8), 1),  # rounding: fine
        ]
    )
    res = check_bars(df, basis="raw")
    assert len(res.clean) == 5
    assert len(res.rejected) == 0
    hl = of(res, "high_below_low")
    assert hl["date"].tolist() == [pd.Timestamp("2024-04-01")]
    assert hl["detail"].iloc[0].startswith("high 9.00 < low 11.00 on 2024-04-01")
    co = of(res, "close_outside_range")
    assert co["date"].dt.strftime("%m-%d").tolist() == ["04-02", "04-03"]
    assert (
        co["detail"].iloc[0] == "close 12.00 outside [low 9.00, high 11.00] on 2024-04-02; row kept"
    )
    assert of(res, "open_outside_range")["date"].tolist() == [pd.Timestamp("2024-04-04")]
    assert set(res.findings["severity"]) == {"warning"}


# ----------------------------------------------------------------------------- validation


def test_schema_and_argument_errors() -> None:
    df = closes(DAYS[:3], [1, 2, 3])
    with pytest.raises(SchemaError, match="close"):
        check_bars(df.drop(columns="close"), basis="raw")
    with pytest.raises(InputError, match="basis"):
        check_bars(df, basis="total")
    with pytest.raises(InputError, match="calendar"):
        check_bars(df, basis="raw", calendar="NOPE")
    with pytest.raises(InputError, match="stale_run"):
        check_bars(df, basis="raw", stale_run=1)
    with pytest.raises(InputError, match="split_ratios"):
        check_bars(df, basis="raw", split_ratios=(1.0,))
    with pytest.raises(InputError, match="bars"):
        check_bars(df["close"], basis="raw")  # type: ignore[arg-type]
    tz = df.assign(date=df["date"].dt.tz_localize("UTC"))
    with pytest.raises(SchemaError, match="timezone"):
        check_bars(tz, basis="raw")


def test_empty_input() -> None:
    df = closes([], [])
    res = check_bars(df, basis="raw")
    assert len(res.clean) == 0
    assert len(res.rejected) == 0
    assert res.findings.empty
    assert list(res.findings.columns) == FINDING_COLUMNS
