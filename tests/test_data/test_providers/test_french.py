"""Ken French parser and fetcher, replayed against the recorded library files."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import zipfile
from typing import TYPE_CHECKING

import httpx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from capsize.config import Settings
from capsize.data.providers._http import make_client
from capsize.data.providers.french import (
    FRENCH_BASE_URL,
    FrenchFetcher,
    french_section_key,
    parse_french_csv,
)
from capsize.errors import InputError, ProviderError, SchemaError

if TYPE_CHECKING:
    from pathlib import Path


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


def _plain_rows(text: str) -> list[list[str]]:
    """Independent reading: every line as stripped CSV fields (no section logic)."""
    return [[c.strip() for c in row] for row in csv.reader(text.splitlines())]


@pytest.fixture(scope="module")
def ff3_text(fixtures_dir: Path) -> str:
    return _read(fixtures_dir / "french" / "F-F_Research_Data_Factors.CSV")


@pytest.fixture(scope="module")
def me_text(fixtures_dir: Path) -> str:
    return _read(fixtures_dir / "french" / "Portfolios_Formed_on_ME.CSV")


def test_ff3_monthly_and_annual_sections(ff3_text: str) -> None:
    sections = parse_french_csv(ff3_text, name="F-F_Research_Data_Factors.CSV")
    assert list(sections) == ["Monthly", "Annual Factors: January-December"]
    rows = _plain_rows(ff3_text)
    monthly_rows = [r for r in rows if r and re.fullmatch(r"\d{6}", r[0])]
    annual_rows = [r for r in rows if r and re.fullmatch(r"\d{4}", r[0])]
    monthly = sections["Monthly"]
    annual = sections["Annual Factors: January-December"]
    assert monthly.attrs["frequency"] == "monthly"
    assert annual.attrs["key"] == "annual"
    assert list(monthly.columns) == ["Mkt-RF", "SMB", "HML", "RF"]
    assert len(monthly) == len(monthly_rows)
    assert len(annual) == len(annual_rows)
    # first and last monthly rows, values as published (percent), month-end dates
    first, last = monthly_rows[0], monthly_rows[-1]
    assert monthly.index[0] == pd.Timestamp(
        int(first[0][:4]), int(first[0][4:]), 1
    ) + pd.offsets.MonthEnd(0)
    assert monthly.index[-1] == pd.Timestamp("2021-08-31")
    assert monthly.iloc[0].tolist() == [float(x) for x in first[1:]]
    assert monthly.iloc[-1].tolist() == [float(x) for x in last[1:]]
    assert annual.index[-1] == pd.Timestamp(f"{annual_rows[-1][0]}-12-31")
    assert annual.iloc[-1].tolist() == [float(x) for x in annual_rows[-1][1:]]
    assert monthly.index.name == "date"
    assert monthly.index.is_monotonic_increasing
    assert not monthly.isna().any().any()


def test_portfolios_formed_on_me_all_sections(me_text: str) -> None:
    sections = parse_french_csv(me_text, name="Portfolios_Formed_on_ME.CSV")
    keys = [f.attrs["key"] for f in sections.values()]
    assert keys == [
        "vw_monthly",
        "ew_monthly",
        "vw_annual",
        "ew_annual",
        "n_firms",
        "avg_firm_size",
    ]
    rows = _plain_rows(me_text)
    # independent location of the EW monthly section: the line after its title + header
    lines = me_text.splitlines()
    ew_title = next(
        i for i, ln in enumerate(lines) if ln.strip() == "Equal Weight Returns -- Monthly"
    )
    ew_first = [c.strip() for c in lines[ew_title + 2].split(",")]
    header = [c.strip() for c in lines[ew_title + 1].split(",")][1:]
    ew = sections["Equal Weight Returns -- Monthly"]
    assert list(ew.columns) == header
    assert ew.index[0] == pd.Timestamp("1926-07-31")
    expected = [math.nan if float(x) == -99.99 else float(x) for x in ew_first[1:]]
    np.testing.assert_array_equal(ew.iloc[0].to_numpy(), np.array(expected))
    # "<= 0" is always the -99.99 missing code in return sections
    assert sections["Value Weight Returns -- Monthly"]["<= 0"].isna().all()
    n_monthly = sum(1 for r in rows if r and re.fullmatch(r"\d{6}", r[0]))
    n_annual = sum(1 for r in rows if r and re.fullmatch(r"\d{4}", r[0]))
    monthly_like = [f for f in sections.values() if f.attrs["frequency"] == "monthly"]
    annual_like = [f for f in sections.values() if f.attrs["frequency"] == "annual"]
    assert sum(len(f) for f in monthly_like) == n_monthly
    assert sum(len(f) for f in annual_like) == n_annual
    # number of firms: counts, with no missing code
    firms = sections["Number of Firms in Portfolios"]
    assert not firms.drop(columns="<= 0").isna().any().any()


def test_daily_zip_member_parses(fixtures_dir: Path) -> None:
    with zipfile.ZipFile(fixtures_dir / "french" / "F-F_Research_Data_Factors_daily_CSV.zip") as zf:
        (member,) = zf.namelist()
        text = zf.read(member).decode("utf-8")
    sections = parse_french_csv(text, name=member)
    assert list(sections) == ["Daily"]
    daily = sections["Daily"]
    data = [r for r in _plain_rows(text) if r and re.fullmatch(r"\d{8}", r[0])]
    assert len(daily) == len(data)
    assert daily.index[0] == pd.Timestamp("1926-07-01")
    assert daily.index[-1] == pd.Timestamp("2024-02-29")
    assert daily.loc["2024-02-29"].tolist() == [float(x) for x in data[-1][1:]]
    assert daily.attrs["frequency"] == "daily"


def test_iso_dated_originals(shared_data: Path) -> None:
    path = shared_data / "macro" / "french_original" / "F-F_Momentum_Factor_daily.csv"
    text = _read(path)
    mom = parse_french_csv(text, name=path.name)["Daily"]
    data = [r for r in _plain_rows(text) if r and re.fullmatch(r"\d{4}-\d{2}-\d{2}", r[0])]
    assert list(mom.columns) == ["Mom"]
    assert len(mom) == len(data)
    assert mom.index[-1] == pd.Timestamp(data[-1][0])
    assert float(mom.iloc[-1, 0]) == float(data[-1][1])


def test_excel_mangled_decile_labels_restored(shared_data: Path) -> None:
    path = shared_data / "macro" / "french_original" / "Portfolios_Formed_on_ME.csv"
    sections = parse_french_csv(_read(path), name=path.name)
    vw = next(f for f in sections.values() if f.attrs["key"] == "vw_monthly")
    assert "Dec 2" in vw.columns
    assert "2-Dec" not in vw.columns
    assert vw.index[-1] == pd.Timestamp("2026-02-28")


def _french_text(rows: list[tuple[str, list[float]]], header: list[str], crlf: bool) -> str:
    nl = "\r\n" if crlf else "\n"
    body = [f"This file was created by a test.{nl}", nl, "," + ",".join(header) + nl]
    body += [d + "," + ",".join(f"{v:8.2f}" for v in vals) + nl for d, vals in rows]
    body += [nl, "Copyright Test" + nl]
    return "".join(body)


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(
        st.lists(
            st.floats(-50, 50, allow_nan=False).map(lambda x: round(x, 2)), min_size=2, max_size=2
        ),
        min_size=1,
        max_size=30,
    ),
    crlf=st.booleans(),
)
def test_roundtrip_monthly_property(values: list[list[float]], crlf: bool) -> None:
    months = pd.period_range("1990-01", periods=len(values), freq="M")
    rows = [(p.strftime("%Y%m"), v) for p, v in zip(months, values, strict=True)]
    frame = parse_french_csv(_french_text(rows, ["A", "B"], crlf))["Monthly"]
    assert list(frame.index) == [p.to_timestamp(how="end").normalize() for p in months]
    np.testing.assert_allclose(frame.to_numpy(), np.array(values), atol=0)


def test_missing_codes_become_nan() -> None:
    text = ",A,B\n199001,-99.99,1.0\n199002,-999,2.0\n199003,  -999.00,3\n"
    frame = parse_french_csv(text)["Monthly"]
    assert frame["A"].isna().all()
    assert frame["B"].tolist() == [1.0, 2.0, 3.0]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("Some preamble\n199001,1.0,2.0\n", "no header line precedes"),
        ("Preamble\n\n,A,B\n199001,1.0\n", "has 1 values"),
        ("Preamble\n\n,A,B\n199001,1.0,x\n", "non-numeric"),
        ("Preamble only\n\nCopyright\n", "no data section"),
        ("<html><body>Not found</body></html>", "HTML"),
        ("", "no data section"),
        (",A,B\n199001,1,2\n19900102,1,2\n", "mixes date formats"),
        (",A,B\n199001,1,2\n199001,1,2\n", "repeats dates"),
        (",A,A\n199001,1,2\n", "duplicated column"),
        (",A,B\n199001,1,2\nunexpected text\n199002,1,2\n", "interrupts the table"),
    ],
)
def test_bad_layouts_raise_schema_error_naming_file(text: str, match: str) -> None:
    with pytest.raises(SchemaError, match=match) as info:
        parse_french_csv(text, name="F-F_Test.CSV")
    assert "F-F_Test.CSV" in str(info.value)


def test_changed_preamble_of_real_file_raises(ff3_text: str) -> None:
    # the header line is replaced by prose: data would otherwise be read without names
    broken = ff3_text.replace(",Mkt-RF,SMB,HML,RF\r\n192607", "Factors below\r\n192607", 1)
    with pytest.raises(SchemaError, match=r"F-F_Research_Data_Factors\.CSV"):
        parse_french_csv(broken, name="F-F_Research_Data_Factors.CSV")


def test_rejects_bytes() -> None:
    with pytest.raises(InputError, match="decode"):
        parse_french_csv(b",A\n199001,1\n")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("title", "freq", "key"),
    [
        ("Average Value Weight Returns -- Monthly", "monthly", "vw_monthly"),
        ("Equal Weight Returns -- Annual from January to December", "annual", "ew_annual"),
        ("Number of Firms in Portfolios", "monthly", "n_firms"),
        ("Average Firm Size", "monthly", "avg_firm_size"),
        ("Daily", "daily", "daily"),
    ],
)
def test_section_keys(title: str, freq: str, key: str) -> None:
    assert french_section_key(title, freq) == key


# -- fetcher: replay through httpx.MockTransport ---------------------------------------------


NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def _zip_of(name: str, text: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, text.encode("utf-8"))
    return buf.getvalue()


def _fetcher(tmp_path: Path, body: bytes) -> tuple[FrenchFetcher, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200, content=body, headers={"content-type": "application/x-zip-compressed"}
        )

    client = make_client(
        Settings(home=tmp_path), httpx.MockTransport(handler), sleep=lambda s: None
    )
    return FrenchFetcher(client, clock=lambda: NOW), seen


def test_fetch_daily_zip(tmp_path: Path, fixtures_dir: Path) -> None:
    body = (fixtures_dir / "french" / "F-F_Research_Data_Factors_daily_CSV.zip").read_bytes()
    fetcher, seen = _fetcher(tmp_path, body)
    params = {"dataset": "FF3", "frequency": "daily"}
    (res,) = fetcher.fetch(params)
    assert params == {"dataset": "FF3", "frequency": "daily"}
    url = f"{FRENCH_BASE_URL}F-F_Research_Data_Factors_daily_CSV.zip"
    assert str(seen[0].url) == url
    assert res.dataset == "factors"
    assert res.key == "FF3"
    assert res.meta["frequency"] == "daily"
    assert res.meta["file"] == "F-F_Research_Data_Factors_daily.CSV"
    assert res.source == f"french {url}"
    assert res.retrieved_at == NOW
    with zipfile.ZipFile(io.BytesIO(body)) as zf:
        text = zf.read(zf.namelist()[0]).decode()
    last = [r for r in _plain_rows(text) if r and re.fullmatch(r"\d{8}", r[0])][-1]
    assert res.frame.iloc[-1].tolist() == [float(x) for x in last[1:]]
    # served from the disk cache the second time
    (again,) = fetcher.fetch(params)
    assert again.meta["cached"]
    assert len(seen) == 1


def test_fetch_monthly_with_annual(tmp_path: Path, ff3_text: str) -> None:
    fetcher, _ = _fetcher(tmp_path, _zip_of("F-F_Research_Data_Factors.CSV", ff3_text))
    results = fetcher.fetch({"dataset": "FF3"})
    assert [(r.key, r.meta["frequency"]) for r in results] == [
        ("FF3", "monthly"),
        ("FF3", "annual"),
    ]


def test_fetch_me_portfolios(tmp_path: Path, me_text: str) -> None:
    fetcher, _ = _fetcher(tmp_path, _zip_of("Portfolios_Formed_on_ME.CSV", me_text))
    results = fetcher.fetch({"dataset": "ME_portfolios"})
    assert [(r.key, r.meta["frequency"]) for r in results] == [
        ("ME_portfolios_VW", "monthly"),
        ("ME_portfolios_EW", "monthly"),
        ("ME_portfolios_VW", "annual"),
        ("ME_portfolios_EW", "annual"),
        ("ME_portfolios_nfirms", "monthly"),
        ("ME_portfolios_avgsize", "monthly"),
    ]


def test_fetch_wrong_columns_raise(tmp_path: Path, ff3_text: str) -> None:
    fetcher, _ = _fetcher(tmp_path, _zip_of("F-F_Momentum_Factor.CSV", ff3_text))
    with pytest.raises(SchemaError, match=r"F-F_Momentum_Factor\.CSV.*Mom"):
        fetcher.fetch({"dataset": "Momentum"})


def test_fetch_bad_archives(tmp_path: Path, fixtures_dir: Path) -> None:
    fetcher, _ = _fetcher(tmp_path / "a", b"<html><body>Page moved</body></html>")
    with pytest.raises(ProviderError, match="HTML"):
        fetcher.fetch({"dataset": "FF3"})
    body = (fixtures_dir / "french" / "F-F_Research_Data_Factors_daily_CSV.zip").read_bytes()
    fetcher, _ = _fetcher(tmp_path / "b", body[: len(body) // 2])
    with pytest.raises(ProviderError, match="corrupt or truncated zip"):
        fetcher.fetch({"dataset": "FF3", "frequency": "daily"})
    fetcher, _ = _fetcher(tmp_path / "c", _zip_of("a.CSV", "x")[:0] + _zip_of("README.md", "x"))
    with pytest.raises(SchemaError, match="one CSV"):
        fetcher.fetch({"dataset": "FF3"})


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"dataset": "FF4"},
        {"dataset": "FF3", "frequency": "weekly"},
        {"dataset": "FF3", "freq": "daily"},
    ],
)
def test_fetch_query_validation(tmp_path: Path, params: dict[str, object]) -> None:
    fetcher, seen = _fetcher(tmp_path, b"")
    with pytest.raises(InputError):
        fetcher.fetch(params)
    assert seen == []
