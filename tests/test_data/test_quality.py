"""Tests for capsize.data.quality: hand-built cases per rule, properties, real data."""

from __future__ import annotations

import csv
import itertools
import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capsize.data import quality as q
from capsize.data.quality import (
    FINDING_COLUMNS,
    BarsCheck,
    SeriesCheck,
    check_bars,
    check_series,
    summarize,
)
from capsize.data.quality._calendar import calendar_sessions
from capsize.errors import InputError, SchemaError

if TYPE_CHECKING:
    from pathlib import Path

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
    assert "volume 100 vs 300" in detail
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
    with pytest.raises(SchemaError, match=r"reset_index\(\)"):
        check_bars(df.set_index("date"), basis="raw")
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


# ----------------------------------------------------------------------------- calendar


def test_calendar_gap_counts_missing_sessions_and_longest_gap() -> None:
    keep = [d for d in DAYS if d.day not in (10, 11, 12)]  # drop Wed..Fri 10-12 April 2024
    res = check_bars(closes(keep, [10.0 + 0.01 * i for i in range(len(keep))]), basis="raw")
    f = of(res, "calendar_gap")
    assert len(f) == 1
    assert f["severity"].iloc[0] == "info"
    assert f["date"].iloc[0] == pd.Timestamp("2024-04-10")
    assert f["detail"].iloc[0] == (
        "3 of 22 XNYS sessions missing between 2024-04-01 and 2024-04-30; longest gap "
        "3 session(s), 2024-04-10..2024-04-12 (no rows between 2024-04-09 and 2024-04-15)"
    )


def test_calendar_gap_many_missing_is_a_warning_and_one_finding_per_key() -> None:
    keep = [d for i, d in enumerate(DAYS) if i % 3 == 0]  # 8 rows of 22 sessions
    df = pd.concat([closes(keep, list(np.linspace(10, 11, len(keep))), k) for k in ("A", "B")])
    res = check_bars(df, basis="raw")
    f = of(res, "calendar_gap")
    assert f["key"].tolist() == ["A", "B"]
    assert (f["severity"] == "warning").all()
    expected_missing = 22 - len(keep)
    assert f["detail"].iloc[0].startswith(f"{expected_missing} of 22 XNYS sessions missing")
    assert "longest gap 2 session(s), 2024-04-02..2024-04-03" in f["detail"].iloc[0]


def test_holidays_are_not_gaps_and_calendar_none_skips() -> None:
    # Good Friday 2024-03-29 and Juneteenth 2024-06-19 are XNYS holidays
    df = closes(["2024-03-28", "2024-04-01", "2024-06-18", "2024-06-20"], [10, 10.1, 10.2, 10.3])
    res = check_bars(df, basis="raw")
    gap = of(res, "calendar_gap")
    assert len(gap) == 1  # only the April..June hole
    assert gap["detail"].iloc[0].startswith("54 of 58 XNYS sessions missing")
    assert check_bars(df, basis="raw", calendar=None).findings.empty


def test_rows_on_non_sessions_are_flagged_and_kept() -> None:
    df = closes(["2024-07-03", "2024-07-04", "2024-07-05", "2024-07-06"], [10, 10.1, 10.2, 10.3])
    res = check_bars(df, basis="raw")
    assert len(res.clean) == 4
    f = of(res, "non_session_date")
    assert f["date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-07-04", "2024-07-06"]
    assert f["detail"].tolist() == [
        "dated 2024-07-04 (Thu, an exchange holiday), not a session of XNYS; row kept",
        "dated 2024-07-06 (Sat), not a session of XNYS; row kept",
    ]
    assert (f["severity"] == "warning").all()
    assert of(res, "calendar_gap").empty


def test_rows_before_calendar_start_are_skipped_with_a_finding() -> None:
    start = q.calendar_start("XNYS")
    assert start == pd.Timestamp("1970-01-02")
    # 1969-12-25 (Christmas) would be a non-session if checked; 1969-12-27 is a Saturday
    df = closes(
        ["1969-12-24", "1969-12-25", "1969-12-27", "1970-01-02", "1970-01-05"],
        [1, 1.01, 1.02, 1.03, 1.04],
    )
    res = check_bars(df, basis="level")
    f = of(res, "calendar_not_checked")
    assert f["severity"].tolist() == ["info"]
    assert f["date"].iloc[0] == pd.Timestamp("1969-12-24")
    assert (
        f["detail"].iloc[0].startswith("3 row(s) dated before 1970-01-02 not checked against XNYS")
    )
    assert of(res, "non_session_date").empty
    assert of(res, "calendar_gap").empty


# ----------------------------------------------------------------------------- stale runs


def test_stale_close_runs() -> None:
    vals = [10, 11, 11, 11, 11, 11, 12, 13, 13, 13, 13, 14]  # one run of 5, one of 4
    res = check_bars(closes(DAYS[: len(vals)], vals), basis="raw")
    f = of(res, "stale_close")
    assert len(f) == 1
    assert f["severity"].iloc[0] == "warning"
    assert (
        f["detail"].iloc[0]
        == "close unchanged at 11.00 on 5 consecutive rows, 2024-04-02..2024-04-08"
    )
    assert f["date"].iloc[0] == pd.Timestamp("2024-04-02")
    res4 = check_bars(closes(DAYS[: len(vals)], vals), basis="raw", stale_run=4)
    assert len(of(res4, "stale_close")) == 2
    off = check_bars(closes(DAYS[: len(vals)], vals), basis="raw", stale_run=None)
    assert of(off, "stale_close").empty


def test_stale_runs_do_not_cross_keys() -> None:
    df = pd.concat(
        [closes(DAYS[:6], [1, 2, 3, 5, 5, 5], "A"), closes(DAYS[:6], [5, 5, 5, 6, 7, 8], "B")]
    )
    res = check_bars(df, basis="raw")
    assert of(res, "stale_close").empty


def test_zero_volume_runs() -> None:
    df = closes(DAYS[:8], [10 + i for i in range(8)])
    df["volume"] = [100, 0, 0, 0, 0, 0, 0, 50]
    res = check_bars(df, basis="raw")
    f = of(res, "zero_volume_run")
    assert f["detail"].tolist() == [
        "volume 0 on 6 consecutive rows, 2024-04-02..2024-04-09 (no trades, or volume unknown)"
    ]
    df.loc[4, "volume"] = np.nan  # unknown volume breaks the run (3 + 2 zeros)
    assert of(check_bars(df, basis="raw"), "zero_volume_run").empty


# ----------------------------------------------------------------------------- split jumps


def _jump(prev: float, cur: float, basis: str = "raw", **kw: object) -> pd.DataFrame:
    res = check_bars(closes(DAYS[:2], [prev, cur]), basis=basis, **kw)  # type: ignore[arg-type]
    return res.findings


def test_reverse_split_in_raw_prices() -> None:
    f = _jump(1.24, 12.40)
    assert f["check"].tolist() == ["split_jump"]
    assert f["severity"].tolist() == ["warning"]
    assert f["detail"].iloc[0] == (
        "close 12.40 on 2024-04-02 vs 1.24 on 2024-04-01: ×10.00, near a 1:10 reverse split; "
        "possible unadjusted split"
    )


def test_forward_split_in_raw_prices() -> None:
    f = _jump(100.0, 50.5)
    assert f["detail"].iloc[0] == (
        "close 50.50 on 2024-04-02 vs 100.00 on 2024-04-01: ×0.505, near a 2:1 split; "
        "possible unadjusted split"
    )


@pytest.mark.parametrize("k", q.DEFAULT_SPLIT_RATIOS)
@pytest.mark.parametrize("up", [True, False])
def test_every_default_ratio_is_recognised_in_both_directions(k: float, up: bool) -> None:
    ratio = k * 1.02 if up else 1 / (k * 1.02)  # 2% off the exact ratio: within tolerance
    f = _jump(10.0, 10.0 * ratio)
    label = f"1:{k} reverse split" if up else f"{k}:1 split"
    assert f["check"].tolist() == ["split_jump"]
    assert f"near a {label};" in f["detail"].iloc[0]


def test_split_tolerance_boundary() -> None:
    assert _jump(10.0, 10.0 * 3 * 0.975)["check"].tolist() == ["split_jump"]  # 2.5% off
    f = _jump(10.0, 10.0 * 3 * 0.965)  # 3.5% off: a large move, not a split
    assert f["check"].tolist() == ["large_move"]
    assert _jump(10.0, 10.0 * 3 * 0.965, split_tolerance=0.04)["check"].tolist() == ["split_jump"]


def test_adjusted_basis_explains_split_sized_jump_as_bad_adjustment() -> None:
    for basis in ("adjusted", "level"):
        f = _jump(1.24, 12.40, basis=basis)
        assert f["check"].tolist() == ["split_jump"]
        tail = f"the data is {basis}, so a possible bad adjustment or bad tick"
        assert f["detail"].iloc[0].endswith(f"near a 1:10 reverse split; {tail}")


def test_large_moves_and_ordinary_moves() -> None:
    f = _jump(10.0, 16.0)
    assert f["check"].tolist() == ["large_move"]
    assert f["severity"].tolist() == ["info"]
    assert f["detail"].iloc[0] == (
        "close 16.00 on 2024-04-02 vs 10.00 on 2024-04-01: +60.0% (×1.60), not near a split ratio"
    )
    assert _jump(10.0, 3.5)["check"].tolist() == ["large_move"]  # -65%, 1/3 is 5% away
    assert _jump(10.0, 14.0).empty  # +40%
    assert _jump(10.0, 6.0).empty  # -40%
    assert _jump(10.0, 14.0, large_move=0.3)["check"].tolist() == ["large_move"]


def test_custom_fractional_split_ratio() -> None:
    f = _jump(30.0, 20.0, split_ratios=(1.5,), large_move=0.9)
    assert "near a 3:2 split" in f["detail"].iloc[0]
    f = _jump(20.0, 30.0, split_ratios=(1.5,), large_move=0.9)
    assert "near a 2:3 reverse split" in f["detail"].iloc[0]


def test_jumps_do_not_cross_keys() -> None:
    df = pd.concat([closes(DAYS[:2], [1.0, 1.01], "A"), closes(DAYS[:2], [10.1, 10.0], "B")])
    assert check_bars(df, basis="raw").findings.empty


def test_jump_uses_previous_accepted_row() -> None:
    df = closes(DAYS[:3], [1.0, -5.0, 10.0])
    res = check_bars(df, basis="raw")
    assert "vs 1.00 on 2024-04-01" in of(res, "split_jump")["detail"].iloc[0]


# ----------------------------------------------------------------------------- capping


def test_findings_are_capped_per_key_and_check_with_a_summary() -> None:
    vals = [10.0]
    for i in range(30):
        vals.append(vals[-1] * (1.7 if i % 2 == 0 else 0.3))
    df = closes(pd.bdate_range("2024-04-01", periods=len(vals)), vals)
    full = check_bars(df, basis="raw", max_per_check=None, calendar=None)
    assert len(of(full, "large_move")) == 30
    capped = check_bars(df, basis="raw", max_per_check=5, calendar=None)
    f = of(capped, "large_move")
    assert len(f) == 6
    assert f["detail"].iloc[-1] == (
        "... and 25 more large_move findings not listed (2024-04-09..2024-05-13)"
    )
    assert f["date"].iloc[-1] == pd.Timestamp("2024-04-09")


def test_capped_rejections_point_to_the_rejected_frame() -> None:
    df = closes(DAYS[:10], [-1.0] * 10)
    res = check_bars(df, basis="raw", max_per_check=3)
    assert len(res.rejected) == 10
    f = of(res, "non_positive_price")
    assert len(f) == 4
    assert f["detail"].iloc[-1].endswith("; all rows are in the rejected frame")
    assert f["severity"].iloc[-1] == "error"


# ----------------------------------------------------------------------------- series, summary


def test_check_series_rules() -> None:
    df = pd.DataFrame(
        {
            "key": ["DGS2"] * 6 + ["SMB"] * 12,
            "date": [
                *[
                    "2024-01-02",
                    "2024-01-03",
                    "2024-01-03",
                    "2024-01-04",
                    "2024-01-05",
                    "2024-01-08",
                ],
                *pd.bdate_range("2024-01-02", periods=12).strftime("%Y-%m-%d"),
            ],
            "value": [4.33, 4.38, 4.40, np.nan, 4.36, 4.39, *([-0.25] * 11), 0.1],
        }
    )
    res = check_series(df)
    assert isinstance(res, SeriesCheck)
    assert_partition(res, 18)
    assert res.rejected["row"].tolist() == [1, 3]
    dup = of(res, "duplicate_date")
    assert dup["severity"].tolist() == ["error"]
    assert "value 4.38 vs 4.40" in dup["detail"].iloc[0]
    miss = of(res, "missing_value")
    assert miss["severity"].tolist() == ["info"]
    stale = of(res, "stale_value")
    assert stale["key"].tolist() == ["SMB"]
    assert (
        stale["detail"].iloc[0]
        == "value unchanged at -0.250 on 11 consecutive rows, 2024-01-02..2024-01-16"
    )
    assert res.clean.loc[res.clean["key"] == "DGS2", "value"].tolist() == [4.33, 4.40, 4.36, 4.39]
    with pytest.raises(SchemaError, match="value"):
        check_series(df.rename(columns={"value": "close"}))


def test_check_series_with_calendar() -> None:
    df = pd.DataFrame(
        {"key": "X", "date": ["2024-04-01", "2024-04-03", "2024-04-06"], "value": [1.0, 2.0, 3.0]}
    )
    res = check_series(df, calendar="XNYS")
    assert set(res.findings["check"]) == {"calendar_gap", "non_session_date"}


def test_summarize_counts_per_key_and_severity() -> None:
    vals = [10, 11, 11, 11, 11, 11, 20, 20.5]
    df = pd.concat([closes(DAYS[:8], vals, "B"), closes(DAYS[:3], [1, -1, 1.1], "A")])
    res = check_bars(df, basis="raw")
    s = summarize(res.findings)
    assert s.columns.tolist() == ["key", "error", "warning", "info", "total", "checks"]
    assert s["key"].tolist() == ["A", "B"]
    expected = res.findings.groupby(["key", "severity"]).size().unstack(fill_value=0)
    for sev in ("error", "warning", "info"):
        got = s.set_index("key")[sev]
        exp = expected[sev] if sev in expected else pd.Series(0, index=got.index)
        assert got.tolist() == exp.reindex(got.index, fill_value=0).tolist()
    assert (s["total"] == s[["error", "warning", "info"]].sum(axis=1)).all()
    assert s.set_index("key").loc["B", "checks"] == "large_move, stale_close"
    empty = summarize(res.findings.iloc[:0])
    assert empty.empty
    assert empty.columns.tolist() == s.columns.tolist()
    with pytest.raises(SchemaError, match="severity"):
        summarize(res.findings.assign(severity="fatal"))


def test_result_helpers() -> None:
    res = check_bars(closes(DAYS[:3], [1, -1, 1.1]), basis="raw")
    # the rejected row leaves a one-session hole: an info calendar_gap
    assert res.counts() == {"error": 1, "warning": 0, "info": 1}
    assert of(res, "calendar_gap")["detail"].iloc[0].startswith("1 of 3 XNYS sessions missing")
    assert not res.ok


# ----------------------------------------------------------------------------- properties


_row = st.tuples(
    st.sampled_from(["A", "B", "C"]),
    st.integers(0, 12),  # day offset: many duplicates
    st.one_of(st.floats(-5, 50, allow_nan=False), st.just(float("nan")), st.just(float("inf"))),
    st.one_of(st.floats(0, 1e6), st.just(float("nan")), st.just(-1.0)),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_row, max_size=60))
def test_property_nothing_dropped_and_last_valid_row_kept(
    rows: list[tuple[str, int, float, float]],
) -> None:
    df = pd.DataFrame(
        {
            "key": [r[0] for r in rows],
            "date": pd.Timestamp("2024-04-01") + pd.to_timedelta([r[1] for r in rows], unit="D"),
            "close": [r[2] for r in rows],
            "volume": [r[3] for r in rows],
            "id": np.arange(len(rows)),
        }
    )
    if df.empty:
        df = df.astype({"key": object, "close": float, "volume": float})
    res = check_bars(df, basis="raw")
    assert_partition(res, len(df))
    ids = sorted([*res.clean["id"].tolist(), *res.rejected["id"].tolist()])
    assert ids == list(range(len(df)))
    assert (res.rejected["row"] == res.rejected["id"]).all()
    # independent computation with plain pandas
    valid = df[np.isfinite(df["close"]) & (df["close"] > 0) & ~(df["volume"] < 0)]
    expected = valid.drop_duplicates(["key", "date"], keep="last").sort_values(["key", "date"])
    assert res.clean["id"].tolist() == expected["id"].tolist()
    n_err = int((res.findings["severity"] == "error").sum())
    assert n_err <= len(res.rejected)


# ----------------------------------------------------------------------------- real data


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def load_bars(path: Path, key: str) -> pd.DataFrame:
    df = pd.read_csv(path)
    df.insert(0, "key", key)
    df["date"] = pd.to_datetime(df["date"], format="ISO8601")
    for c in ["open", "high", "low", "close", "volume"]:
        df[c] = df[c].astype("float64")
    return df


def big_moves_csv(path: Path, threshold: float = 0.5) -> list[str]:
    """Dates whose close moved more than ``threshold`` from the row above (csv module only)."""
    rows = read_rows(path)
    out = []
    for prev, cur in itertools.pairwise(rows):
        r = float(cur["close"]) / float(prev["close"])
        if abs(r - 1) > threshold:
            out.append(cur["date"])
    return out


@pytest.fixture(scope="module")
def universe_index(shared_data: Path) -> dict[str, dict[str, str]]:
    return {r["ticker"]: r for r in read_rows(shared_data / "universe_index.csv")}


def test_universe_big_moves_all_reported(
    shared_data: Path, universe_index: dict[str, dict[str, str]]
) -> None:
    movers = sorted(t for t, r in universe_index.items() if int(r["n_daily_moves_gt50pct"]) > 0)
    calm = sorted(t for t, r in universe_index.items() if int(r["n_daily_moves_gt50pct"]) == 0)
    sample = [*movers[::25], *calm[::200], "BNED", "PROP", "GORO"]
    df = pd.concat(
        [load_bars(shared_data / "universe" / f"{t}.csv", t) for t in sample], ignore_index=True
    )
    res = check_bars(df, basis="adjusted", max_per_check=None)
    assert_partition(res, len(df))
    assert len(res.rejected) == 0  # the manifest: dates parse, ascending, no duplicates, prices > 0
    assert of(res, "unsorted").empty
    jumps = res.findings[res.findings["check"].isin(["split_jump", "large_move"])]
    for t in sample:
        expected = big_moves_csv(shared_data / "universe" / f"{t}.csv")
        assert len(expected) == int(universe_index[t]["n_daily_moves_gt50pct"]), t
        got = set(jumps.loc[jumps["key"] == t, "date"].dt.strftime("%Y-%m-%d"))
        assert set(expected) <= got, t
        # anything extra is a split-sized move of at most 50% (a 2:1-like -48.5%..-50%)
        for d in got - set(expected):
            row = jumps[(jumps["key"] == t) & (jumps["date"] == pd.Timestamp(d))]
            assert row["check"].iloc[0] == "split_jump", (t, d)
    large = jumps[jumps["check"] == "large_move"]
    assert (large["severity"] == "info").all()
    assert large["detail"].str.contains("not near a split ratio").all()


def test_adjusted_bned_shows_no_reverse_split(shared_data: Path) -> None:
    # BNED did a 1-for-100 reverse split in June 2024; adjusted prices must not show it
    res = check_bars(load_bars(shared_data / "universe" / "BNED.csv", "BNED"), basis="adjusted")
    details = res.findings.loc[res.findings["check"] == "split_jump", "detail"]
    assert not details.str.contains("1:100").any()
    june = res.findings[
        (res.findings["date"] >= "2024-06-01") & (res.findings["date"] <= "2024-06-30")
    ]
    assert june.empty
    assert details.str.contains("possible bad adjustment or bad tick").all()


def test_raw_qqq_is_split_adjusted_and_an_unadjusted_split_is_caught(shared_data: Path) -> None:
    path = shared_data / "prices" / "raw" / "QQQ_raw_taa.csv"
    df = load_bars(path, "QQQ")
    res = check_bars(df, basis="raw")
    # Yahoo's raw Close is already split-adjusted: the 2:1 split of 2000-03-20 does not show
    assert of(res, "split_jump").empty
    assert len(res.rejected) == 0
    # undo the split by hand: prices before 2000-03-20 doubled
    before = df["date"] < "2000-03-20"
    raw = df.copy()
    raw.loc[before, ["open", "high", "low", "close"]] *= 2
    f = of(check_bars(raw, basis="raw"), "split_jump")
    assert f["date"].tolist() == [pd.Timestamp("2000-03-20")]
    rows = {r["date"]: float(r["close"]) for r in read_rows(path)}
    ratio = rows["2000-03-20"] / (2 * rows["2000-03-17"])
    assert f"×{ratio:.3f}, near a 2:1 split; possible unadjusted split" in f["detail"].iloc[0]


def test_vix_genuine_big_moves_are_info(shared_data: Path) -> None:
    path = shared_data / "prices" / "VIX.csv"
    res = check_bars(load_bars(path, "^VIX"), basis="level", max_per_check=None)
    expected = big_moves_csv(path)
    assert len(expected) == 9  # the manifest counts 9 moves > 50%
    large = of(res, "large_move")
    assert large["date"].dt.strftime("%Y-%m-%d").tolist() == expected
    assert "2018-02-05" in expected
    assert of(res, "split_jump").empty


def test_gspc_matches_the_xnys_calendar_since_1970(shared_data: Path) -> None:
    path = shared_data / "prices" / "GSPC.csv"
    res = check_bars(load_bars(path, "^GSPC"), basis="level")
    assert of(res, "calendar_gap").empty
    assert of(res, "non_session_date").empty
    n_before = sum(1 for r in read_rows(path) if r["date"] < "1970-01-02")
    f = of(res, "calendar_not_checked")
    assert f["detail"].iloc[0].startswith(f"{n_before:,} row(s) dated before 1970-01-02")
    zero = of(res, "zero_volume_run")  # volume 0 = unknown in early decades
    assert zero["date"].iloc[0] == pd.Timestamp("1927-12-30")


def test_deleted_spy_rows_are_counted_as_missing_sessions(shared_data: Path) -> None:
    df = load_bars(shared_data / "prices" / "SPY.csv", "SPY")
    assert check_bars(df, basis="adjusted").findings.empty
    rng = np.random.default_rng(7)
    drop = np.sort(rng.choice(np.arange(1, len(df) - 1), size=7, replace=False))
    drop = np.r_[drop, [3000, 3001, 3002, 3003]]  # one 4-session hole
    holed = df.drop(index=drop)
    f = of(check_bars(holed, basis="adjusted"), "calendar_gap")
    assert len(f) == 1
    assert f["severity"].iloc[0] == "warning"
    d = f["detail"].iloc[0]
    assert d.startswith(f"{len(set(drop.tolist()))} of {len(df):,} XNYS sessions missing")
    lo, hi = df["date"].iloc[3000], df["date"].iloc[3003]
    assert f"longest gap 4 session(s), {lo:%Y-%m-%d}..{hi:%Y-%m-%d}" in d


def test_real_macro_series(shared_data: Path) -> None:
    frames = []
    for name in ("DGS2", "DGS10", "FEDFUNDS", "DFF"):
        m = pd.read_csv(shared_data / "macro" / f"{name}.csv")
        m.insert(0, "key", name)
        frames.append(m)
    df = pd.concat(frames, ignore_index=True)
    res = check_series(df, max_per_check=None)
    assert_partition(res, len(df))
    assert res.ok
    assert set(res.findings["check"]) <= {"stale_value"}
    # FEDFUNDS held at 5.33% for 13 months (2023-08..2024-08): the run is reported
    ff = res.findings[res.findings["key"] == "FEDFUNDS"]
    assert (
        "value unchanged at 5.33 on 13 consecutive rows, 2023-08-01..2024-08-01"
        in ff["detail"].tolist()
    )
    assert math.isclose(res.clean["value"].sum(), df["value"].sum())


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_property_row_order_does_not_change_the_result(data: st.DataObject) -> None:
    n = data.draw(st.integers(2, 40))
    keys = data.draw(st.lists(st.sampled_from(["A", "B", "C"]), min_size=n, max_size=n))
    day_idx = data.draw(st.lists(st.integers(0, 60), min_size=n, max_size=n))
    df = (
        pd.DataFrame(
            {
                "key": keys,
                "date": pd.bdate_range("2024-04-01", periods=61)[day_idx],
                "close": np.round(np.linspace(5, 9, n), 4),
            }
        )
        .drop_duplicates(["key", "date"])
        .sort_values(["key", "date"])
    )
    perm = data.draw(st.permutations(list(range(len(df)))))
    shuffled = df.iloc[list(perm)]
    a = check_bars(df, basis="adjusted")
    b = check_bars(shuffled, basis="adjusted")
    pd.testing.assert_frame_equal(a.clean, b.clean)
    assert not a.findings["check"].eq("unsorted").any()
    other_a = a.findings[a.findings["check"] != "unsorted"].reset_index(drop=True)
    other_b = b.findings[b.findings["check"] != "unsorted"].reset_index(drop=True)
    pd.testing.assert_frame_equal(other_a, other_b)
    # a key is reported unsorted iff its dates are not ascending in file order
    out_of_order = {k for k, g in shuffled.groupby("key") if not g["date"].is_monotonic_increasing}
    assert set(b.findings.loc[b.findings["check"] == "unsorted", "key"]) == out_of_order


@settings(max_examples=60, deadline=None)
@given(st.sets(st.integers(0, 249), min_size=2, max_size=250))
def test_property_missing_session_count(picked: set[int]) -> None:
    sessions = pd.DatetimeIndex(
        calendar_sessions("XNYS")[0][-800:-550].astype("datetime64[D]").astype("datetime64[ns]")
    )
    idx = sorted(picked)
    df = closes(sessions[idx], [10.0] * len(idx))
    df["close"] = 10.0 + np.arange(len(idx)) * 0.01
    f = of(check_bars(df, basis="adjusted"), "calendar_gap")
    inside = sessions[idx[0] : idx[-1] + 1]
    missing = len(inside) - len(idx)
    if missing == 0:
        assert f.empty
        return
    assert f["detail"].iloc[0].startswith(f"{missing:,} of {len(inside):,} XNYS sessions missing")
    longest = max(b - a - 1 for a, b in itertools.pairwise(idx))
    assert f"longest gap {longest:,} session(s)" in f["detail"].iloc[0]
    assert f["severity"].iloc[0] == ("info" if missing <= 5 else "warning")
