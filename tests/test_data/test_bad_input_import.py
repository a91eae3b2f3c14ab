"""Bad-input corpus for ``capsize data import`` (issue 13, classes 1-6 and more).

Each case writes a small folder in ``tmp_path`` over a store that already holds a small,
good dataset (an ETF with raw bars, a stock, a rate series, a factor file, a membership
snapshot, a fund-shares history), imports it through the CLI and asserts:

* no traceback, and the exit code the case calls for (1 when a file is refused);
* the refusal, rejected row or finding carries the stated reason;
* no duplicate key in any table (SQL), the store's integrity check passes, nothing
  implausible was stored, no symbol row for a refused file;
* the store is unchanged where the case refuses everything, and the good data the
  store held before is intact otherwise (no silent overwrite).

All rows are synthetic.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from capsize.cli import app
from capsize.data.ingest import import_folder
from capsize.data.store import Store

runner = CliRunner()

HDR = "date,open,high,low,close,adj_close,volume\n"


def bars(*rows: str) -> str:
    """A bar file: header plus ``rows``."""
    return HDR + "".join(r + "\n" for r in rows)


def bar(day: str, close: object, volume: object = 100, ohlc: object | None = None) -> str:
    """One bar row with open/high/low equal to ``ohlc`` (default: the close)."""
    o = close if ohlc is None else ohlc
    return f"{day},{o},{o},{o},{close},{close},{volume}"


GOOD_NEW = (bar("2024-01-02", 50), bar("2024-01-03", 51))
"""Two good rows, so a file with one bad row more is still imported."""

Writer = Callable[[Path], None]
Content = str | bytes | Writer


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _dangling(path: Path) -> None:
    os.symlink(path.parent / "no-such-target.csv", path)


def _loop(path: Path) -> None:
    os.symlink(path.parent / (path.name + ".b"), path)
    os.symlink(path, path.parent / (path.name + ".b"))


def _parquet(frame: pd.DataFrame) -> Writer:
    def write(path: Path) -> None:
        frame.to_parquet(path, index=False)

    return write


def _truncated_parquet(frame: pd.DataFrame, keep: float) -> Writer:
    def write(path: Path) -> None:
        buf = io.BytesIO()
        frame.to_parquet(buf, index=False)
        data = buf.getvalue()
        path.write_bytes(data[: int(len(data) * keep)])

    return write


def _long_line(prefix: str, n_bytes: int) -> Writer:
    def write(path: Path) -> None:
        with path.open("w") as fh:
            fh.write(prefix)
            fh.write("2024-01-04,1,1,1,")
            fh.write("9" * n_bytes)
            fh.write(",1,1\n")
            fh.write(bar("2024-01-05", 52) + "\n")

    return write


SPY_FRAME = pd.DataFrame(
    {
        "date": pd.to_datetime(["2024-01-02", "2024-01-03"]),
        "open": [100.0, 101.0],
        "high": [100.0, 101.0],
        "low": [100.0, 101.0],
        "close": [100.0, 101.0],
        "adj_close": [100.0, 101.0],
        "volume": [1e6, 1e6],
    }
)

BASE: dict[str, str] = {
    "prices/SPY.csv": bars(bar("2024-01-02", 100), bar("2024-01-03", 101), bar("2024-01-04", 102)),
    "prices/raw/SPY_raw_a.csv": bars(
        bar("2024-01-02", 90), bar("2024-01-03", 91), bar("2024-01-04", 92)
    ),
    "universe/AAA.csv": bars(bar("2024-01-02", 10), bar("2024-01-03", 11), bar("2024-01-04", 12)),
    "universe_ohlcv/AAA.csv": bars(
        bar("2024-01-02", 10), bar("2024-01-03", 11), bar("2024-01-04", 12)
    ),
    "macro/DGS2.csv": "date,value\n2024-01-02,4.1\n2024-01-03,4.2\n2024-01-04,4.3\n",
    "macro/FF3_daily.csv": "date,Mkt-RF,SMB,HML,RF\n2024-01-02,0.5,0.1,-0.2,0.02\n"
    "2024-01-03,-0.4,0.2,0.1,0.02\n",
    "holdings/IWM_membership_history_x.csv": "snapshot_date,ticker,weight_pct\n"
    + "".join(f"2025-06-05,T{i:02d},0.05\n" for i in range(20)),
    "flows/F_shares.csv": "date,ticker,shares_outstanding,nav\n2024-01-02,IWM,300000000,200\n"
    "2024-01-03,IWM,301000000,201\n",
}
"""The good data the store holds before every case."""

TABLE_KEYS = {
    "bars": "symbol, basis, date",
    "macro": "series_id, date",
    "factors": "dataset, frequency, date, name",
    "holdings": "fund, as_of, position",
    "membership": "index_name, snapshot_date, ticker",
    "fund_shares": "fund, date, source",
    "symbols": "symbol",
    "catalog": "dataset_key",
}
_DATA = {
    "bars": "symbol, basis, date, open, high, low, close, adj_close, volume",
    "macro": "series_id, date, value",
    "factors": "dataset, frequency, date, name, value",
    "membership": "index_name, snapshot_date, ticker, weight",
    "fund_shares": "fund, date, shares_outstanding, nav, source",
    "symbols": "symbol, kind",
}


@dataclass(frozen=True)
class Case:
    """One bad input.

    ``expect``: ``reject`` (the files in ``refused``, default all, are refused with
    ``text`` in the reason; exit 1), ``rows`` (rows rejected with ``text`` in the quality
    log; exit 0), ``flag`` (a finding whose check or detail holds ``text``; exit 0) or
    ``accept`` (imported, exit 0). ``unchanged``: the data tables must equal the base.
    """

    files: dict[str, Content]
    expect: str
    text: str = ""
    refused: tuple[str, ...] | None = None
    unchanged: bool = False
    args: tuple[str, ...] = ()
    check: Callable[[duckdb.DuckDBPyConnection], None] | None = None


def _q(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None
) -> list[tuple[object, ...]]:
    return con.execute(sql, params or []).fetchall()


def _spy_closes_intact(con: duckdb.DuckDBPyConnection) -> None:
    rows = _q(con, "SELECT close FROM bars WHERE symbol='SPY' AND basis='adjusted' ORDER BY date")
    assert [r[0] for r in rows] == [100.0, 101.0, 102.0]
    assert _q(con, "SELECT kind FROM symbols WHERE symbol='SPY'") == [("etf",)]


def _aaa_intact(con: duckdb.DuckDBPyConnection) -> None:
    rows = _q(con, "SELECT close FROM bars WHERE symbol='AAA' ORDER BY date")
    assert [r[0] for r in rows] == [10.0, 11.0, 12.0]


def _dgs2_intact(con: duckdb.DuckDBPyConnection) -> None:
    rows = _q(con, "SELECT value FROM macro WHERE series_id='DGS2' ORDER BY date")
    assert [r[0] for r in rows] == [4.1, 4.2, 4.3]


def _membership_intact(con: duckdb.DuckDBPyConnection) -> None:
    n = _q(
        con, "SELECT count(*) FROM membership WHERE index_name='IWM' AND snapshot_date='2025-06-05'"
    )
    assert int(str(n[0][0])) >= 20


def _new_symbol_absent(con: duckdb.DuckDBPyConnection) -> None:
    assert _q(con, "SELECT count(*) FROM bars WHERE symbol='NEW'") == [(0,)]
    assert _q(con, "SELECT count(*) FROM symbols WHERE symbol='NEW'") == [(0,)]


def _new_has(n: int) -> Callable[[duckdb.DuckDBPyConnection], None]:
    def check(con: duckdb.DuckDBPyConnection) -> None:
        assert _q(con, "SELECT count(*) FROM bars WHERE symbol='NEW'") == [(n,)]

    return check


def _raw_spy_intact(con: duckdb.DuckDBPyConnection) -> None:
    rows = _q(
        con,
        "SELECT date::VARCHAR, close FROM bars WHERE symbol='SPY' AND basis='raw' ORDER BY date",
    )
    assert rows[:3] == [("2024-01-02", 90.0), ("2024-01-03", 91.0), ("2024-01-04", 92.0)]


CASES: dict[str, Case] = {}


def _add(name: str, case: Case) -> None:
    assert name not in CASES, name
    CASES[name] = case


# --------------------------------------------------------------------------- class 3/4: dates
_BAD_DATES = {
    "out_of_pandas_range_2300": ("2300-01-03", "year outside"),
    "out_of_pandas_range_1500": ("1500-01-03", "year outside"),
    "future_2099": ("2099-01-02", "after the import day"),
    "before_1900": ("1899-12-29", "before 1900"),
    "day_first_ambiguous": ("02/01/2024", "ambiguous date"),
    "month_first_ambiguous": ("01/02/2024", "ambiguous date"),
    "dotted_ambiguous": ("02.01.2024", "ambiguous date"),
    "slashed_ymd": ("2024/01/05", "unparseable date"),
    "compact_ymd": ("20240105", "unparseable date"),
    "month_13": ("2024-13-01", "not a calendar day"),
    "feb_30": ("2024-02-30", "not a calendar day"),
    "words": ("Jan 5 2024", "unparseable date"),
    "markup_date": ("[red]x[/red]", "unparseable date"),
    "closing_tag_date": ("[/]", "unparseable date"),
    "intraday_time": ("2024-01-05T15:30:00", "unparseable date"),
    "year_9999": ("9999-12-31", "year outside"),
}
for _name, (_day, _why) in _BAD_DATES.items():
    _add(
        f"bars_date_{_name}",
        Case({"prices/NEW.csv": bars(*GOOD_NEW, bar(_day, 52))}, "rows", _why, check=_new_has(2)),
    )
for _name in (
    "out_of_pandas_range_2300",
    "future_2099",
    "day_first_ambiguous",
    "before_1900",
    "markup_date",
    "feb_30",
):
    _day, _why = _BAD_DATES[_name]
    _add(
        f"macro_date_{_name}",
        Case({"macro/DGS5.csv": f"date,value\n2024-01-02,4.0\n{_day},4.1\n"}, "rows", _why),
    )
for _name in ("out_of_pandas_range_1500", "future_2099", "day_first_ambiguous"):
    _day, _why = _BAD_DATES[_name]
    _add(
        f"flows_date_{_name}",
        Case(
            {
                "flows/G.csv": f"date,ticker,shares_outstanding,nav\n2024-01-02,IWM,5,1\n{_day},IWM,6,1\n"
            },
            "rows",
            _why,
        ),
    )
    _add(
        f"membership_date_{_name}",
        Case(
            {
                "holdings/QQQ_membership_history_y.csv": f"snapshot_date,ticker,weight_pct\n2025-06-05,AAA,1\n{_day},BBB,1\n"
            },
            "rows",
            _why,
        ),
    )
    _add(
        f"factors_date_{_name}",
        Case(
            {
                "macro/FF3_monthly.csv": f"date,Mkt-RF,SMB,HML,RF\n2024-01-31,1,1,1,0.1\n{_day},1,1,1,0.1\n"
            },
            "rows",
            _why,
        ),
    )
_add(
    "factors_century_series_before_1900_allowed",
    Case({"macro/FF3_monthly.csv": "date,Mkt-RF,SMB,HML,RF\n1890-01-31,1,1,1,0.1\n"}, "accept"),
)
_add(
    "macro_before_1900_refused_not_century",
    Case({"macro/DGS5.csv": "date,value\n1890-01-02,4.0\n1990-01-02,4.0\n"}, "rows", "before 1900"),
)

# --------------------------------------------------------------------------- class 3: values
_BAD_CLOSES = {
    "1e308": "outside the plausible range",
    "1e10": "outside the plausible range",
    "1e999": "inf",
    "inf": "not a plain number",
    "-inf": "not a plain number",
    "nan": "not a plain number",
    "NaN": "not a plain number",
    "1_000": "not a plain number",
    "10_5": "not a plain number",
    "0x10": "not a plain number",
    "1.2.3": "not a plain number",
    "abc": "not a plain number",
    "[b]9[/b]": "not a plain number",
    "-5": "outside the plausible range",
    "0": "outside the plausible range",
    "-0": "outside the plausible range",
    '"1,000"': "not a plain number",
    "12e": "not a plain number",
}
for _i, (_close, _why) in enumerate(_BAD_CLOSES.items()):
    _add(
        f"bars_close_{_i:02d}_{_close.strip(chr(34))}",
        Case(
            {"prices/NEW.csv": bars(*GOOD_NEW, bar("2024-01-04", _close))},
            "rows",
            _why,
            check=_new_has(2),
        ),
    )
for _vol, _why in {
    "-1": "volume",
    "1e20": "volume",
    "1_0": "not a plain number",
    "inf": "volume",
}.items():
    _add(
        f"bars_volume_{_vol}",
        Case(
            {"prices/NEW.csv": bars(*GOOD_NEW, bar("2024-01-04", 52, volume=_vol))},
            "rows",
            _why,
            check=_new_has(2),
        ),
    )
_add(
    "bars_open_1e308",
    Case(
        {"prices/NEW.csv": bars(*GOOD_NEW, bar("2024-01-04", 52, ohlc="1e308"))},
        "rows",
        "open",
        check=_new_has(2),
    ),
)
_add(
    "bars_open_1_000",
    Case(
        {"prices/NEW.csv": bars(*GOOD_NEW, bar("2024-01-04", 52, ohlc="1_000"))},
        "rows",
        "not a plain number",
        check=_new_has(2),
    ),
)
_add(
    "universe_close_1e308_over_stock",
    Case(
        {
            "universe/AAA.csv": bars(
                bar("2024-01-02", 10), bar("2024-01-03", 11), bar("2024-01-04", "1e308")
            )
        },
        "rows",
        "outside",
        check=lambda con: None,
    ),
)
for _val, _why in {
    "150": "outside the plausible range",
    "-50": "outside",
    "1e308": "outside",
    "inf": "not a plain number",
    "1_000": "not a plain number",
    "4,5": "not a plain number",
}.items():
    _add(
        f"rates_value_{_val}",
        Case(
            {"macro/DGS5.csv": f'date,value\n2024-01-02,4.0\n2024-01-03,"{_val}"\n'}, "rows", _why
        ),
    )
_add(
    "macro_level_1e308",
    Case({"macro/M2SL.csv": "date,value\n2024-01-02,21000\n2024-01-03,1e308\n"}, "rows", "outside"),
)
_add(
    "macro_level_big_ok",
    Case({"macro/M2SL.csv": "date,value\n2024-01-02,21000.5\n2024-01-03,21010\n"}, "accept"),
)
_add(
    "macro_fred_dot_is_missing",
    Case({"macro/DGS5.csv": "date,value\n2024-01-02,4.0\n2024-01-03,.\n"}, "flag", "missing_value"),
)
for _val, _why in {
    "inf": "not a plain number",
    "-5": "outside",
    "0": "outside",
    "1_000": "not a plain number",
    "1e308": "outside",
    "nan": "not a plain number",
    "": "missing shares",
}.items():
    _add(
        f"flows_shares_{_val or 'blank'}",
        Case(
            {
                "flows/G.csv": f'date,ticker,shares_outstanding,nav\n2024-01-02,IWM,5,1\n2024-01-03,IWM,"{_val}",1\n'
            },
            "rows",
            _why,
        ),
    )
_add(
    "flows_nav_inf",
    Case(
        {
            "flows/G.csv": "date,ticker,shares_outstanding,nav\n2024-01-02,IWM,5,1\n2024-01-03,IWM,6,inf\n"
        },
        "rows",
        "not a plain number",
    ),
)
_add(
    "flows_thousands_groups_ok",
    Case(
        {"flows/G.csv": 'date,ticker,shares_outstanding,nav\n2024-01-02,IWM,"1,234,000",1\n'},
        "accept",
        check=lambda con: None,
    ),
)
_add(
    "flows_same_day_two_counts",
    Case(
        {
            "flows/G.csv": "date,ticker,shares_outstanding,nav\n2024-01-02,IWM,5,1\n2024-01-02,IWM,7,1\n2024-01-03,IWM,6,1\n"
        },
        "rows",
        "given twice",
    ),
)
_add(
    "flows_same_day_same_count_kept_once",
    Case(
        {
            "flows/G.csv": "date,ticker,shares_outstanding,nav\n2024-01-02,IWM,5,1\n2024-01-02,IWM,5,1\n"
        },
        "accept",
    ),
)
for _val, _why in {
    "150": "outside",
    "inf": "not a plain number",
    "1_0": "not a plain number",
    "-200": "outside",
}.items():
    _add(
        f"membership_weight_{_val}",
        Case(
            {
                "holdings/QQQ_membership_history_y.csv": f"snapshot_date,ticker,weight_pct\n2025-06-05,AAA,1\n2025-06-05,BBB,{_val}\n"
            },
            "rows",
            _why,
        ),
    )
for _val, _why in {
    "1e308": "outside",
    "-150": "outside",
    "1_000": "not a plain number",
    "inf": "not a plain number",
}.items():
    _add(
        f"factors_value_{_val}",
        Case(
            {
                "macro/FF3_monthly.csv": f"date,Mkt-RF,SMB,HML,RF\n2024-01-31,1,1,1,0.1\n2024-02-29,{_val},1,1,0.1\n"
            },
            "rows",
            _why,
        ),
    )

# --------------------------------------------------------------------------- class 5/6: files
_FILES_BAD: dict[str, tuple[Content, str]] = {
    "utf16": (bars(*GOOD_NEW).encode("utf-16"), "UTF-16"),
    "utf16_be": (b"\xfe\xff" + bars(*GOOD_NEW).encode("utf-16-be"), "UTF-16"),
    "gzip_named_csv": (gzip.compress(bars(*GOOD_NEW).encode()), "gzip"),
    "zip_named_csv": (b"PK\x03\x04" + b"\x00" * 40, "zip archive"),
    "parquet_named_csv": (_parquet(SPY_FRAME), "Parquet file named like a CSV"),
    "empty": ("", "empty file"),
    "html_page": ("<!DOCTYPE html><html><body>429</body></html>\n", "HTML"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00", "binary"),
    "unbalanced_quote": (bars(*GOOD_NEW) + '2024-01-04,1,1,1,"52,52,1\n', "not a readable CSV"),
    "semicolons": ("date;close\n2024-01-02;10\n", "delimiter"),
    "no_close_column": ("date,open\n2024-01-02,1\n", "missing column"),
    "fifo": (_fifo, "FIFO"),
    "dangling_symlink": (_dangling, "dangling symbolic link"),
    "symlink_loop": (_loop, "cannot read file"),
    "long_line_2mib": (_long_line(HDR, 2 * 2**20), "MiB limit"),
}
for _name, (_content, _why) in _FILES_BAD.items():
    _add(
        f"file_prices_{_name}",
        Case(
            {"prices/NEW.csv": _content},
            "reject",
            _why,
            # a link loop is two links, both refused
            refused=("prices/NEW.csv", "prices/NEW.csv.b") if _content is _loop else None,
            unchanged=True,
            check=_new_symbol_absent,
        ),
    )
for _name in (
    "utf16",
    "gzip_named_csv",
    "fifo",
    "dangling_symlink",
    "unbalanced_quote",
    "long_line_2mib",
    "empty",
):
    _content, _why = _FILES_BAD[_name]
    if _name == "long_line_2mib":
        _content = _long_line("date,value\n", 2 * 2**20)
        _why = "MiB limit"
    if _name == "unbalanced_quote":
        _content = 'date,value\n2024-01-02,4.0\n2024-01-03,"4.1\n'
    _add(
        f"file_macro_{_name}",
        Case(
            {"macro/DGS5.csv": _content},
            "reject",
            _why if _name != "unbalanced_quote" else "not a readable CSV",
            unchanged=True,
        ),
    )
for _name in ("gzip_named_csv", "utf16", "fifo"):
    _content, _why = _FILES_BAD[_name]
    _add(f"file_flows_{_name}", Case({"flows/G.csv": _content}, "reject", _why, unchanged=True))
    _add(
        f"file_membership_{_name}",
        Case({"holdings/QQQ_membership_history_y.csv": _content}, "reject", _why, unchanged=True),
    )
_add(
    "file_universe_gzip_over_stock",
    Case(
        {"universe/AAA.csv": gzip.compress(b"date,close\n2024-01-02,10\n")},
        "reject",
        "gzip",
        unchanged=True,
    ),
)
_add(
    "parquet_truncated_half",
    Case(
        {"prices/NEW.parquet": _truncated_parquet(SPY_FRAME, 0.5)},
        "reject",
        "Parquet",
        unchanged=True,
        check=_new_symbol_absent,
    ),
)
_add(
    "parquet_truncated_tail",
    Case(
        {"prices/NEW.parquet": _truncated_parquet(SPY_FRAME, 0.97)},
        "reject",
        "Parquet",
        unchanged=True,
        check=_new_symbol_absent,
    ),
)
_add(
    "parquet_is_csv_text",
    Case(
        {"prices/NEW.parquet": bars(*GOOD_NEW)},
        "reject",
        "not a Parquet file",
        unchanged=True,
        check=_new_symbol_absent,
    ),
)
_add(
    "parquet_empty",
    Case(
        {"prices/NEW.parquet": b""},
        "reject",
        "not a Parquet file",
        unchanged=True,
        check=_new_symbol_absent,
    ),
)
_add(
    "parquet_good_accepted",
    Case({"prices/NEW.parquet": _parquet(SPY_FRAME)}, "accept", check=_new_has(2)),
)
_add(
    "parquet_close_1e308",
    Case(
        {"prices/NEW.parquet": _parquet(SPY_FRAME.assign(close=[100.0, 1e308]))},
        "rows",
        "outside",
        check=_new_has(1),
    ),
)
_add(
    "parquet_date_2300",
    Case(
        {"prices/NEW.parquet": _parquet(SPY_FRAME.assign(date=["2024-01-02", "2300-01-03"]))},
        "rows",
        "year outside",
        check=_new_has(1),
    ),
)
_add(
    "all_zero_universe_file_over_stock",
    Case(
        {"universe/AAA.csv": bars(bar("2024-01-02", 0), bar("2024-01-03", 0))},
        "reject",
        "all 2 rows rejected",
        check=_aaa_intact,
    ),
)
_add(
    "all_rows_bad_new_symbol",
    Case(
        {"prices/NEW.csv": bars(bar("2099-01-02", 1), bar("2099-01-03", 1))},
        "reject",
        "all 2 rows rejected",
        check=_new_symbol_absent,
    ),
)
_add("header_only_new_symbol", Case({"prices/NEW.csv": HDR}, "accept", check=_new_has(0)))
_add(
    "good_file_beside_bad_file",
    Case(
        {"prices/NEW.csv": bars(*GOOD_NEW), "prices/BAD.csv": b"\x1f\x8b\x08junk"},
        "reject",
        "gzip",
        refused=("prices/BAD.csv",),
        unchanged=True,  # all or nothing: the good file is not written either
        check=_new_symbol_absent,
    ),
)

# --------------------------------------------------------------------------- class 1/2: conflicts
_add(
    "csv_beside_parquet_same_symbol",
    Case(
        {
            "prices/SPY.csv": BASE["prices/SPY.csv"],
            "prices/SPY.parquet": _parquet(SPY_FRAME.assign(close=[200.0, 201.0])),
        },
        "reject",
        "both hold SPY",
        refused=("prices/SPY.parquet",),
        check=_spy_closes_intact,
    ),
)
_add(
    "parquet_for_stored_symbol",
    Case(
        {"prices/SPY.parquet": _parquet(SPY_FRAME)},
        "reject",
        "already holds SPY",
        unchanged=True,
        check=_spy_closes_intact,
    ),
)
_add(
    "lowercase_twin_of_stored_symbol",
    Case(
        {"prices/spy.csv": bars(bar("2024-01-02", 500))},
        "reject",
        "already holds SPY",
        unchanged=True,
        check=_spy_closes_intact,
    ),
)
_add(
    "two_new_files_same_symbol",
    Case(
        {"prices/NEW.csv": bars(*GOOD_NEW), "prices/NEW.parquet": _parquet(SPY_FRAME)},
        "reject",
        "both hold NEW",
        unchanged=True,
        check=_new_symbol_absent,
    ),
)
_add(
    "raw_file_disagrees_with_stored_raw",
    Case(
        {"prices/raw/SPY_raw_b.csv": bars(bar("2024-01-04", 95), bar("2024-01-05", 96))},
        "reject",
        "different closes",
        unchanged=True,
        check=_raw_spy_intact,
    ),
)
_add(
    "raw_file_agrees_with_stored_raw",
    Case(
        {"prices/raw/SPY_raw_b.csv": bars(bar("2024-01-04", 92), bar("2024-01-05", 93))},
        "accept",
        check=_raw_spy_intact,
    ),
)
_add(
    "two_new_raw_files_disagree",
    Case(
        {
            "prices/raw/NEW_raw_a.csv": bars(bar("2024-01-02", 5)),
            "prices/raw/NEW_raw_b.csv": bars(bar("2024-01-02", 6)),
        },
        "reject",
        "different closes",
        unchanged=True,
        check=_new_symbol_absent,
    ),
)
_add(
    "two_new_raw_files_agree_no_duplicate",
    Case(
        {
            "prices/raw/NEW_raw_a.csv": bars(bar("2024-01-02", 5)),
            "prices/raw/NEW_raw_b.csv": bars(bar("2024-01-02", 5), bar("2024-01-03", 6)),
        },
        "accept",
        check=_new_has(2),
    ),
)
_add(
    "universe_file_for_etf",
    Case(
        {"universe/SPY.csv": bars(bar("2024-01-02", 1))},
        "reject",
        "SPY is an ETF",
        unchanged=True,
        check=_spy_closes_intact,
    ),
)
_add(
    "universe_ohlcv_file_for_etf",
    Case(
        {"universe_ohlcv/SPY.csv": bars(bar("2024-01-02", 1))},
        "reject",
        "SPY is an ETF",
        unchanged=True,
        check=_spy_closes_intact,
    ),
)
_add(
    "universe_and_prices_for_new_symbol",
    Case(
        {"prices/NEW.csv": bars(*GOOD_NEW), "universe/NEW.csv": bars(bar("2024-01-02", 1))},
        "reject",
        "NEW is an ETF",
        refused=("universe/NEW.csv",),
        unchanged=True,
        check=_new_symbol_absent,
    ),
)
_add(
    "prices_file_for_stock",
    Case(
        {"prices/AAA.csv": bars(bar("2024-01-02", 99))},
        "reject",
        "AAA is a stock",
        unchanged=True,
        check=_aaa_intact,
    ),
)
_add(
    "universe_ohlcv_disagrees_with_stored_universe",
    Case(
        {"universe_ohlcv/AAA.csv": bars(bar("2024-01-02", 10), bar("2024-01-03", 15))},
        "reject",
        "different closes",
        unchanged=True,
        check=_aaa_intact,
    ),
)
_add(
    "second_macro_file_same_series",
    Case(
        {
            "macro/DGS2.csv": BASE["macro/DGS2.csv"],
            "macro/dgs2.csv": "date,value\n2024-01-02,9.9\n",
        },
        "reject",
        "both hold DGS2",
        refused=("macro/dgs2.csv",),
        check=_dgs2_intact,
    ),
)
_add(
    "second_macro_file_alone",
    Case(
        {"macro/dgs2.csv": "date,value\n2024-01-02,9.9\n"},
        "reject",
        "already holds DGS2",
        unchanged=True,
        check=_dgs2_intact,
    ),
)
_add(
    "macro_series_as_txt",
    Case(
        {"macro/DGS2.txt": "date,value\n2024-01-02,9.9\n"},
        "reject",
        "already holds DGS2",
        unchanged=True,
        check=_dgs2_intact,
    ),
)
_add(
    "membership_snapshot_shrinks",
    Case(
        {
            "holdings/IWM_membership_history_x.csv": "snapshot_date,ticker,weight_pct\n2025-06-05,T00,1\n2025-06-05,T01,1\n2025-06-05,T02,1\n"
        },
        "reject",
        "does not replace it",
        unchanged=True,
        check=_membership_intact,
    ),
)
_add(
    "membership_second_file_same_index",
    Case(
        {
            "holdings/IWM_membership_history_z.csv": "snapshot_date,ticker,weight_pct\n2025-06-05,ZZZ,1\n"
        },
        "reject",
        "already holds IWM",
        unchanged=True,
        check=_membership_intact,
    ),
)
_add(
    "membership_snapshot_grows_ok",
    Case(
        {
            "holdings/IWM_membership_history_x.csv": BASE["holdings/IWM_membership_history_x.csv"]
            + "2025-06-05,T99,0.05\n"
        },
        "accept",
    ),
)
_add(
    "same_date_twice_in_file",
    Case(
        {"prices/NEW.csv": bars(*GOOD_NEW, bar("2024-01-03", 60))},
        "rows",
        "duplicate",
        check=_new_has(2),
    ),
)
_add(
    "factor_file_twice_via_txt",
    Case(
        {"macro/FF3_daily.txt": "date,Mkt-RF,SMB,HML,RF\n2024-01-02,9,9,9,9\n"},
        "reject",
        "already holds FF3",
        unchanged=True,
    ),
)

# --------------------------------------------------------------------------- class 4: markup text
_add(
    "markup_in_file_name",
    Case({"prices/IWM[x].csv": bars(*GOOD_NEW)}, "accept", check=lambda con: None),
)
_add("markup_tag_file_name", Case({"prices/[red]X[/red].csv": bars(*GOOD_NEW)}, "accept"))
_add(
    "markup_in_rejected_file_name",
    Case({"prices/[bold]B[/bold].csv": b"\x1f\x8b\x08junk"}, "reject", "gzip", unchanged=True),
)
_add(
    "closing_tag_in_cell",
    Case(
        {"prices/NEW.csv": bars(*GOOD_NEW, "2024-01-04,1,1,1,[/],1,1")},
        "rows",
        "[/]",
        check=_new_has(2),
    ),
)
_add(
    "markup_ticker_in_membership",
    Case(
        {
            "holdings/QQQ_membership_history_y.csv": "snapshot_date,ticker,weight_pct\n2025-06-05,[bold]AAA[/bold],1\n2025-06-05,B[/]B,1\n"
        },
        "accept",
    ),
)
_add(
    "markup_ticker_in_flows",
    Case({"flows/G.csv": "date,ticker,shares_outstanding,nav\n2024-01-02,IWM[/],5,1\n"}, "accept"),
)
_add(
    "markup_in_macro_cell",
    Case(
        {"macro/DGS5.csv": "date,value\n2024-01-02,4.0\n2024-01-03,[link=x]4[/link]\n"},
        "rows",
        "[link=x]",
    ),
)

# --------------------------------------------------------------------------- others
_add(
    "crlf_and_bom_accepted",
    Case(
        {"prices/NEW.csv": ("\ufeff" + bars(*GOOD_NEW)).replace("\n", "\r\n")},
        "accept",
        check=_new_has(2),
    ),
)
_add(
    "extra_column_ignored",
    Case(
        {"prices/NEW.csv": "date,close,comment\n2024-01-02,50,x\n2024-01-03,51,y\n"},
        "accept",
        check=_new_has(2),
    ),
)
_add(
    "close_only_file",
    Case(
        {"prices/NEW.csv": "date,close\n2024-01-02,50\n2024-01-03,51\n"},
        "accept",
        check=_new_has(2),
    ),
)
_add(
    "whitespace_around_cells",
    Case(
        {"prices/NEW.csv": "date,close\n 2024-01-02 , 50 \n2024-01-03,51\n"},
        "accept",
        check=_new_has(2),
    ),
)
_add(
    "tiny_positive_price_ok",
    Case(
        {"prices/NEW.csv": "date,close\n2024-01-02,0.0001\n2024-01-03,0.0001\n"},
        "accept",
        check=_new_has(2),
    ),
)
_add("reimport_with_force", Case(dict(BASE), "accept", args=("--force",), unchanged=True))
_add("unknown_place_skipped", Case({"elsewhere/x.csv": "a,b\n1,2\n"}, "accept", unchanged=True))
_add(
    "dangling_symlink_unknown_place",
    Case({"elsewhere/x.csv": _dangling}, "reject", "dangling", unchanged=True),
)


# --------------------------------------------------------------------------- machinery
@pytest.fixture(scope="module")
def base_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("base")
    folder = root / "data"
    for rel, content in BASE.items():
        _write(folder, rel, content)
    path = root / "capsize.duckdb"
    with Store.open(path) as st:
        rep = import_folder(st, folder)
        assert not rep.rejected_files, rep.rejected_files
    return path


@pytest.fixture
def home(base_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(base_store, home / "capsize.duckdb")
    monkeypatch.setenv("CAPSIZE_HOME", str(home))
    return home


def _write(root: Path, rel: str, content: Content) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        content(path)


def _data(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[object, ...]]]:
    return {t: _q(con, f"SELECT {cols} FROM {t} ORDER BY ALL") for t, cols in _DATA.items()}


def _assert_store_sound(con: duckdb.DuckDBPyConnection, refused: set[str]) -> None:
    for table, key in TABLE_KEYS.items():
        dup = _q(
            con,
            f"SELECT count(*) FROM (SELECT {key} FROM {table} GROUP BY ALL HAVING count(*) > 1)",
        )
        assert dup == [(0,)], f"duplicate keys in {table}"
    today = pd.Timestamp.now(tz="UTC").date()
    assert _q(con, f"SELECT count(*) FROM bars WHERE date > '{today}' OR date < '1900-01-01'") == [
        (0,)
    ]
    assert _q(con, "SELECT count(*) FROM bars WHERE NOT (close > 0 AND close <= 1e9)") == [(0,)]
    assert _q(con, "SELECT count(*) FROM macro WHERE NOT isfinite(value) OR abs(value) > 1e15") == [
        (0,)
    ]
    assert _q(con, f"SELECT count(*) FROM macro WHERE date > '{today}'") == [(0,)]
    assert _q(
        con,
        "SELECT count(*) FROM fund_shares WHERE NOT isfinite(shares_outstanding) OR shares_outstanding <= 0",
    ) == [(0,)]
    for rel in refused - set(BASE):  # a refused base file keeps what it held before
        assert _q(con, "SELECT count(*) FROM symbols WHERE source = ?", [rel]) == [(0,)], rel
        assert _q(con, "SELECT count(*) FROM bars WHERE source LIKE ?", [f"%{rel}%"]) == [(0,)], rel


def _base_intact(con: duckdb.DuckDBPyConnection) -> None:
    _spy_closes_intact(con)
    _aaa_intact(con)
    _raw_spy_intact(con)
    _dgs2_intact(con)
    _membership_intact(con)


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_import(name: str, home: Path, tmp_path: Path) -> None:
    case = CASES[name]
    folder = tmp_path / "in"
    for rel, content in case.files.items():
        _write(folder, rel, content)
    with duckdb.connect(str(home / "capsize.duckdb"), read_only=True) as con:
        before = _data(con)
    res = runner.invoke(app, ["data", "import", str(folder), "--json", *case.args])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    assert "Traceback" not in res.output
    out = json.loads(res.stdout)
    refused = {str(r[0]): str(r[1]) for r in out["tables"]["rejected_files"]["rows"]}
    want_refused = set(case.refused if case.refused is not None else case.files)
    if case.expect == "reject":
        assert res.exit_code == 1, (res.output, refused)
        assert set(refused) == want_refused, refused
        assert all(case.text in refused[r] for r in want_refused), refused
        assert "refused" in res.stderr and "\n" not in res.stderr.strip()
    else:
        assert res.exit_code == 0, (res.output, refused)
        assert refused == {}
    with duckdb.connect(str(home / "capsize.duckdb"), read_only=True) as con:
        _assert_store_sound(con, set(refused))
        _base_intact(con)
        if case.unchanged:
            assert _data(con) == before
        if case.check is not None:
            case.check(con)
        log = _q(con, "SELECT dataset_key, check_name, detail FROM quality_log")
    mine = [(str(c), str(d)) for k, c, d in log if k in case.files]
    if case.expect == "rows":
        details = [d for c, d in mine if c == "rejected_row"]
        assert any(case.text in d for d in details), mine
    elif case.expect == "flag":
        assert any(case.text in c or case.text in d for c, d in mine), mine


def test_corpus_size_and_classes() -> None:
    assert len(CASES) >= 110
    kinds = {c.expect for c in CASES.values()}
    assert kinds == {"reject", "rows", "flag", "accept"}


def test_allow_rejects_exits_zero_and_imports_the_rest(home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    _write(folder, "prices/NEW.csv", bars(*GOOD_NEW))
    _write(folder, "prices/BAD.csv", gzip.compress(b"x"))
    res = runner.invoke(app, ["data", "import", str(folder), "--allow-rejects"])
    assert res.exit_code == 0, res.output
    assert "rejected prices/BAD.csv: gzip" in res.stdout
    with duckdb.connect(str(home / "capsize.duckdb"), read_only=True) as con:
        _new_has(2)(con)


def test_a_refused_file_leaves_the_store_unchanged(home: Path, tmp_path: Path) -> None:
    """Without --allow-rejects one refused file rolls the whole import back."""
    folder = tmp_path / "in"
    _write(folder, "prices/NEW.csv", bars(*GOOD_NEW))
    _write(folder, "prices/BAD.csv", gzip.compress(b"x"))
    with duckdb.connect(str(home / "capsize.duckdb"), read_only=True) as con:
        before = _data(con)
    res = runner.invoke(app, ["data", "import", str(folder)])
    assert res.exit_code == 1, res.output
    assert "rejected prices/BAD.csv: gzip" in res.stdout
    assert "nothing was imported" in res.stderr and "\n" not in res.stderr.strip()
    with duckdb.connect(str(home / "capsize.duckdb"), read_only=True) as con:
        assert _data(con) == before  # NEW.csv, though good, was not written either
        _new_symbol_absent(con)


def test_markup_in_reasons_printed_as_plain_text(home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    _write(folder, "prices/[red]B[/red].csv", b"\x1f\x8b\x08junk")
    res = runner.invoke(app, ["data", "import", str(folder)])
    assert res.exit_code == 1
    assert res.exception is None or isinstance(res.exception, SystemExit)
    assert "prices/[red]B[/red].csv" in res.stdout


def test_force_reimport_never_doubles_rows(home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    for rel, content in BASE.items():
        _write(folder, rel, content)
    _write(folder, "prices/raw/SPY_raw_b.csv", bars(bar("2024-01-04", 92), bar("2024-01-05", 93)))
    counts = []
    for _ in range(3):
        res = runner.invoke(app, ["data", "import", str(folder), "--force"])
        assert res.exit_code == 0, res.output
        with duckdb.connect(str(home / "capsize.duckdb"), read_only=True) as con:
            counts.append({t: _q(con, f"SELECT count(*) FROM {t}")[0][0] for t in TABLE_KEYS})
            _assert_store_sound(con, set())
    assert counts[0] == counts[1] == counts[2]


def test_subprocess_exit_code_and_one_line_error(home: Path, tmp_path: Path) -> None:
    """The installed entry point: refused files give exit 1, one error line, no traceback."""
    import subprocess
    import sys

    folder = tmp_path / "in"
    _write(folder, "prices/NEW.csv", bars(*GOOD_NEW))
    _write(folder, "prices/[x]FIFO.csv", _fifo)
    _write(folder, "macro/DGS5.csv", gzip.compress(b"date,value\n"))
    code = "import sys; from capsize.cli import main; sys.argv = ['capsize', *sys.argv[1:]]; main()"
    env = {**os.environ, "CAPSIZE_HOME": str(home), "COLUMNS": "200"}
    proc = subprocess.run(
        [sys.executable, "-c", code, "data", "import", str(folder)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "2 file(s) of" in proc.stderr and "nothing was imported" in proc.stderr
    assert "prices/[x]FIFO.csv: a FIFO" in proc.stdout
    with duckdb.connect(str(home / "capsize.duckdb"), read_only=True) as con:
        _new_symbol_absent(con)  # all or nothing
