"""A corpus of bad input files: each is a clear rejection or a flagged row, never a traceback,
and never damages what the store already holds."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from capsize.data.ingest import ImportReport, import_folder
from capsize.data.store import Store

GOOD = "date,open,high,low,close,adj_close,volume\n2024-01-02,1,1,1,10,10,100\n2024-01-03,1,1,1,11,11,100\n2024-01-04,1,1,1,12,12,100\n"
HDR = "date,open,high,low,close,adj_close,volume\n"


def _rows(*rows: str) -> str:
    return HDR + "".join(r + "\n" for r in rows)


# name -> (relative path, content (str or bytes), expectation)
#   expectation: ("file", text in reason) | ("row", text in the rejected-row finding)
#                | ("flag", check name) | ("skip", text)
CASES: dict[str, tuple[str, str | bytes, tuple[str, str]]] = {
    "missing_close_column": (
        "prices/BAD.csv",
        "date,open,high\n2024-01-02,1,2,3\n",
        ("file", "missing column(s) close"),
    ),
    "semicolon_delimiter": (
        "prices/BAD.csv",
        "date;close\n2024-01-02;10\n",
        ("file", "delimiter ';'"),
    ),
    "tab_delimiter": (
        "prices/BAD.csv",
        "date\tclose\n2024-01-02\t10\n",
        ("file", "delimiter '\\t'"),
    ),
    "unparseable_date": (
        "prices/BAD.csv",
        _rows("2024-01-02,1,1,1,10,10,1", "02/01/2024x,1,1,1,10,10,1"),
        ("row", "unparseable date"),
    ),
    "missing_date": (
        "prices/BAD.csv",
        _rows("2024-01-02,1,1,1,10,10,1", ",1,1,1,10,10,1"),
        ("row", "missing date"),
    ),
    "conflicting_duplicate_dates": (
        "prices/BAD.csv",
        _rows("2024-01-02,1,1,1,10,10,1", "2024-01-02,1,1,1,12,12,1"),
        ("row", "duplicate"),
    ),
    "identical_duplicate_dates": (
        "prices/BAD.csv",
        _rows("2024-01-02,1,1,1,10,10,1", "2024-01-02,1,1,1,10,10,1"),
        ("flag", "duplicate_date"),
    ),
    "descending_order": (
        "prices/BAD.csv",
        _rows("2024-01-03,10,10,10,10,10,1", "2024-01-02,10,10,10,10,10,1"),
        ("flag", "unsorted"),
    ),
    "negative_price": (
        "prices/BAD.csv",
        _rows("2024-01-02,1,1,1,10,10,1", "2024-01-03,1,1,1,-5,-5,1"),
        ("row", "close"),
    ),
    "zero_price": (
        "prices/BAD.csv",
        _rows("2024-01-02,1,1,1,10,10,1", "2024-01-03,1,1,1,0,0,1"),
        ("row", "close"),
    ),
    "blank_close": (
        "prices/BAD.csv",
        _rows("2024-01-02,1,1,1,10,10,1", "2024-01-03,1,1,1,,,1"),
        ("row", "close"),
    ),
    "nan_text_close": (
        "prices/BAD.csv",
        _rows("2024-01-02,1,1,1,10,10,1", "2024-01-03,1,1,1,abc,,1"),
        ("row", "unparseable close"),
    ),
    "thousands_separator": (
        "prices/BAD.csv",
        _rows("2024-01-02,1,1,1,10,10,1", '2024-01-03,1,1,1,"1,234.50",10,1'),
        ("row", "unparseable close"),
    ),
    "high_below_low": (
        "prices/BAD.csv",
        _rows("2024-01-02,9,8,12,10,10,1", "2024-01-03,10,11,9,10.5,10.5,1"),
        ("flag", "high_below_low"),
    ),
    "negative_volume": (
        "prices/BAD.csv",
        _rows("2024-01-02,10,10,10,10,10,1", "2024-01-03,10,10,10,10,10,-5"),
        ("row", "volume"),
    ),
    "reverse_split_in_raw_prices": (
        "prices/raw/BAD_raw_x.csv",
        _rows("2024-01-02,1,1,1,1.0,,1", "2024-01-03,1,1,1,1.01,,1", "2024-01-04,10,10,10,10.1,,1"),
        ("flag", "split_jump"),
    ),
    "truncated_file": (
        "prices/BAD.csv",
        _rows("2024-01-02,1,1,1,10,10,1") + "2024-01-03,1,1",
        ("file_or_row", ""),
    ),
    "empty_file": ("prices/BAD.csv", "", ("file", "empty file")),
    "header_only": ("prices/BAD.csv", HDR, ("zero", "")),
    "binary_file": ("prices/BAD.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", ("file", "binary")),
    "html_error_page": (
        "prices/BAD.csv",
        "<!DOCTYPE html><html><body>Rate limited</body></html>\n",
        ("file", "HTML"),
    ),
    "fred_dot_missing_value": (
        "macro/DGS7.csv",
        "date,value\n2024-01-02,4.1\n2024-01-03,.\n2024-01-04,4.2\n",
        ("flag_any", ""),
    ),
    "french_preamble_changed": (
        "macro/french_original/F-F_Research_Data_Factors.csv",
        "This is not a French file anymore\nfoo;bar\n1;2\n",
        ("file", ""),
    ),
    "unknown_place": ("somewhere/else.csv", "a,b\n1,2\n", ("skip", "not in a known place")),
    "membership_missing_ticker": (
        "holdings/IWM_membership_history_x.csv",
        "snapshot_date,ticker,weight_pct\n2025-06-05,AAA,\n2025-06-05,,\n",
        ("row", "missing date or ticker"),
    ),
}


@pytest.fixture
def store(tmp_path: Path) -> Store:
    good = tmp_path / "good"
    (good / "prices").mkdir(parents=True)
    (good / "prices" / "GOOD.csv").write_text(GOOD)
    s = Store.open(tmp_path / "s.duckdb")
    import_folder(s, good)
    yield s
    s.close()


def _write(root: Path, rel: str, content: str | bytes) -> None:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        p.write_bytes(content)
    else:
        p.write_text(content)


def _good_intact(store: Store) -> None:
    assert store.closes("GOOD")["GOOD"].tolist() == [10.0, 11.0, 12.0]
    assert store.check_integrity().ok


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input(case: str, store: Store, tmp_path: Path) -> None:
    rel, content, (kind, text) = CASES[case]
    root = tmp_path / "bad"
    _write(root, rel, content)
    rep: ImportReport = import_folder(store, root)
    q = store.quality()
    mine = q[q["dataset_key"] == rel]
    reasons = " | ".join(r.reason for r in rep.rejected_files)
    if kind == "file":
        assert [r.rel for r in rep.rejected_files] == [rel], reasons
        assert text in reasons
    elif kind == "row":
        assert rep.rejected_rows >= 1
        rejected = mine[mine["check_name"] == "rejected_row"]["detail"].str.cat(sep=" | ")
        assert text in rejected, mine.to_string()
    elif kind == "flag":
        assert (mine["check_name"].str.contains(text)).any(), mine.to_string()
    elif kind == "flag_any":
        assert len(mine) >= 1, "a missing FRED value must be stated, not dropped silently"
    elif kind == "skip":
        assert any(text in r.reason for r in rep.skipped)
    elif kind == "file_or_row":
        assert rep.rejected_files or rep.rejected_rows >= 1
    elif kind == "zero":
        entry = store.catalog().set_index("dataset_key").loc[rel]
        assert entry["rows"] == 0
    _good_intact(store)


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 20


def test_ishares_file_with_footer(store: Store, tmp_path: Path, shared_data: Path) -> None:
    real = (shared_data / "holdings" / "IWM_holdings_2025-11-05.csv").read_bytes()
    footer = b'\n \n"The content contained herein is owned or licensed by BlackRock"\n"Holdings subject to change."\n'
    _write(tmp_path / "bad", "holdings/IWM_holdings_2025-11-05.csv", real.rstrip() + footer)
    rep = import_folder(store, tmp_path / "bad")
    assert rep.rejected_files == []
    h = store.holdings("IWM")
    assert not h["ticker"].fillna("").str.contains("content contained").any()
    assert h.attrs["as_of"] == pd.Timestamp("2025-11-05")
    _good_intact(store)


def test_missing_folder_is_a_clear_error(store: Store, tmp_path: Path) -> None:
    from capsize.errors import InputError

    with pytest.raises(InputError, match="does not exist"):
        import_folder(store, tmp_path / "nope")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="empty"):
        import_folder(store, empty)
