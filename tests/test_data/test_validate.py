"""Unit tests of capsize.data.validate: strict parsing, rules per kind, file checks, conflicts."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from capsize.data import validate
from capsize.data.providers.local import scan_folder
from capsize.errors import InputError

TODAY = pd.Timestamp("2026-12-07")


def test_exported_members() -> None:
    assert validate.__all__ == sorted(validate.__all__, key=lambda n: (not n.isupper(), n))
    for name in validate.__all__:
        assert hasattr(validate, name), name


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("2024-01-02", None),
        (" 2024-01-02 ", None),
        ("2024-01-02 00:00:00", None),
        ("02/01/2024", "ambiguous date"),
        ("2/1/24", "ambiguous date"),
        ("2300-01-03", "year outside"),
        ("1500-01-03", "year outside"),
        ("2024-02-30", "not a calendar day"),
        ("", "missing date"),
        ("[/]", "unparseable date '[/]'"),
        ("2024-01-02T10:00", "unparseable date"),
    ],
)
def test_parse_iso_dates(cell: str, reason: str | None) -> None:
    dates, why = validate.parse_iso_dates(pd.Series([cell]))
    if reason is None:
        assert dates.iloc[0] == pd.Timestamp("2024-01-02")
        assert pd.isna(why.iloc[0])
    else:
        assert pd.isna(dates.iloc[0])
        assert reason in why.iloc[0]
    assert dates.dtype == "datetime64[ns]"


@pytest.mark.parametrize(
    ("cell", "value", "reason"),
    [
        ("1.5", 1.5, None),
        ("-2e3", -2000.0, None),
        (".5", 0.5, None),
        ("", np.nan, None),
        (".", np.nan, None),
        ("1_000", np.nan, "not a plain number"),
        ("1,000", np.nan, "not a plain number"),
        ("inf", np.nan, "not a plain number"),
        ("nan", np.nan, "not a plain number"),
        ("0x10", np.nan, "not a plain number"),
        ("1e999", np.nan, "not finite"),
    ],
)
def test_parse_numbers(cell: str, value: float, reason: str | None) -> None:
    values, why = validate.parse_numbers(pd.Series([cell]), "close")
    np.testing.assert_equal(values.iloc[0], value)
    if reason is None:
        assert pd.isna(why.iloc[0])
    else:
        assert reason in why.iloc[0] and "close" in why.iloc[0]


def test_parse_numbers_thousands_only_when_asked() -> None:
    values, why = validate.parse_numbers(
        pd.Series(["1,234,000", "12,34"]), "shares", thousands=True
    )
    assert values.iloc[0] == 1_234_000.0
    assert pd.isna(values.iloc[1]) and "not a plain number" in why.iloc[1]


@pytest.mark.parametrize(
    ("kind", "subject", "column", "value", "ok"),
    [
        ("bars", "", "close", 1e308, False),
        ("bars", "", "close", 0.0, False),
        ("bars", "", "close", 3.1e8, True),
        ("bars", "", "volume", -1.0, False),
        ("bars", "", "close", np.inf, False),
        ("bars", "", "close", np.nan, True),
        ("macro", "DGS2", "value", 150.0, False),
        ("macro", "DGS2", "value", -0.5, True),
        ("macro", "M2SL", "value", 21_000.0, True),
        ("factors", "FF3", "value", -150.0, False),
        ("factors", "ME_portfolios_avgsize", "value", 295_019.0, True),
        ("fund_shares", "", "shares_outstanding", 0.0, False),
        ("membership", "", "weight_pct", 0.88, True),
        ("membership", "", "weight_pct", 150.0, False),
    ],
)
def test_row_reasons_bounds(kind: str, subject: str, column: str, value: float, ok: bool) -> None:
    frame = pd.DataFrame({"date": [pd.Timestamp("2024-01-02")], column: [value]})
    why = validate.row_reasons(kind, frame, today=TODAY, subject=subject)
    assert pd.isna(why.iloc[0]) == ok, why.iloc[0]


@pytest.mark.parametrize(
    ("kind", "day", "ok"),
    [
        ("bars", "2099-01-02", False),
        ("bars", "2026-12-07", True),
        ("bars", "1899-12-29", False),
        ("factors", "1890-01-31", True),
        ("macro", "1890-01-31", False),
    ],
)
def test_row_reasons_dates(kind: str, day: str, ok: bool) -> None:
    frame = pd.DataFrame({"date": [pd.Timestamp(day)]})
    why = validate.row_reasons(kind, frame, today=TODAY)
    assert pd.isna(why.iloc[0]) == ok


def test_row_reasons_unknown_kind() -> None:
    with pytest.raises(InputError, match="no plausibility rule"):
        validate.row_reasons("nope", pd.DataFrame({"date": []}), today=TODAY)


def test_file_problem(tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text("date,close\n2024-01-02,1\n")
    assert validate.file_problem(good) is None
    gz = tmp_path / "gz.csv"
    gz.write_bytes(gzip.compress(b"date,close\n"))
    assert "gzip" in str(validate.file_problem(gz))
    fifo = tmp_path / "f.csv"
    os.mkfifo(fifo)
    assert "FIFO" in str(validate.file_problem(fifo))
    link = tmp_path / "l.csv"
    os.symlink(tmp_path / "missing.csv", link)
    assert "dangling" in str(validate.file_problem(link))
    pq = tmp_path / "x.parquet"
    pq.write_bytes(b"PAR1" + b"\x00" * 20)
    assert "truncated Parquet" in str(validate.file_problem(pq))
    long = tmp_path / "long.csv"
    long.write_bytes(b"date,close\n" + b"9" * (validate.MAX_LINE_BYTES + 10) + b"\n1,2\n")
    assert "line 2" in str(validate.file_problem(long))


def test_scan_lists_special_files(tmp_path: Path) -> None:
    (tmp_path / "prices").mkdir()
    os.mkfifo(tmp_path / "prices" / "X.csv")
    os.symlink(tmp_path / "nowhere", tmp_path / "prices" / "Y.csv")
    assert [s.rel for s in scan_folder(tmp_path)] == ["prices/X.csv", "prices/Y.csv"]


def _catalog(*rows: tuple[str, str, str, str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["dataset_key", "kind", "subject", "variant"])


def test_file_conflicts_rules(tmp_path: Path) -> None:
    for rel in ("prices/SPY.csv", "prices/SPY.parquet", "universe/IWM.csv", "macro/dgs2.csv"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("date,close\n")
    specs = scan_folder(tmp_path)
    catalog = _catalog(
        ("prices/SPY.csv", "bars", "SPY", "adjusted"),
        ("prices/IWM.csv", "bars", "IWM", "adjusted"),
        ("macro/DGS2.csv", "macro", "DGS2", ""),
    )
    out = validate.file_conflicts(specs, catalog)
    assert set(out) == {"prices/SPY.parquet", "universe/IWM.csv", "macro/dgs2.csv"}
    assert "prices/SPY.csv" in out["prices/SPY.parquet"]
    assert "IWM is an ETF" in out["universe/IWM.csv"]
    assert "already holds DGS2" in out["macro/dgs2.csv"]


def test_row_conflicts_names_both_files() -> None:
    rows = pd.DataFrame(
        {
            "key": ["a.csv", "b.csv", "c.csv"],
            "symbol": ["X", "X", "X"],
            "basis": ["raw"] * 3,
            "date": pd.to_datetime(["2024-01-02"] * 3),
            "close": [10.0, 10.0, 11.0],
        }
    )
    out = validate.row_conflicts(rows)
    assert set(out) == {"a.csv", "b.csv", "c.csv"}
    assert "c.csv" in out["a.csv"] and "10 vs 11" in out["a.csv"]
    assert validate.row_conflicts(rows.iloc[:2]) == {}


def test_membership_shrink() -> None:
    day = pd.Timestamp("2025-06-05")
    assert validate.membership_shrink(pd.Series({day: 3}), pd.Series({day: 1965})) is not None
    assert validate.membership_shrink(pd.Series({day: 1900}), pd.Series({day: 1965})) is None
    assert validate.membership_shrink(pd.Series({day: 3}), pd.Series(dtype="int64")) is None
