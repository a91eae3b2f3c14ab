"""FRED parsers and fetcher, replayed against recorded fredgraph/API responses."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from typing import TYPE_CHECKING

import httpx
import numpy as np
import pandas as pd
import pytest

from capsize.config import Settings
from capsize.data.providers._http import make_client
from capsize.data.providers.fred import (
    FredApiFetcher,
    FredFetcher,
    parse_fred_observations_json,
    parse_fredgraph_csv,
)
from capsize.errors import (
    EmptyDataError,
    InputError,
    ProviderError,
    SchemaError,
    UnauthorizedError,
)

if TYPE_CHECKING:
    from pathlib import Path

LEGACY = "fredgraph_DGS10_legacy_DATE_header_dot_missing.csv"
CURRENT = "fredgraph_DGS10_observation_date_header_empty_missing.csv"
MULTI = "fredgraph_FEDFUNDS_MORTGAGE30US_multi_series.csv"


def _plain(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


@pytest.mark.parametrize(("fname", "missing_token"), [(LEGACY, "."), (CURRENT, "")])
def test_both_header_formats(fixtures_dir: Path, fname: str, missing_token: str) -> None:
    path = fixtures_dir / "fred" / fname
    _header, rows = _plain(path)
    frame = parse_fredgraph_csv(path.read_text(), name=fname)
    assert list(frame.columns) == ["DGS10"]
    assert frame.index.name == "date"
    assert len(frame) == len(rows)
    assert frame.index[0] == pd.Timestamp(rows[0][0])
    assert frame.index[-1] == pd.Timestamp(rows[-1][0])
    n_missing = sum(1 for r in rows if r[1] == missing_token)
    assert n_missing > 0
    assert int(frame["DGS10"].isna().sum()) == n_missing
    # a specific missing day and its neighbour, read independently
    miss = next(r for r in rows if r[1] == missing_token)
    assert math.isnan(frame.loc[miss[0], "DGS10"])
    assert frame.loc[rows[0][0], "DGS10"] == float(rows[0][1])
    expected = np.array([math.nan if r[1] == missing_token else float(r[1]) for r in rows])
    np.testing.assert_array_equal(frame["DGS10"].to_numpy(), expected)


def test_legacy_and_current_agree_on_overlap(fixtures_dir: Path) -> None:
    old = parse_fredgraph_csv((fixtures_dir / "fred" / LEGACY).read_text())
    new = parse_fredgraph_csv((fixtures_dir / "fred" / CURRENT).read_text())
    common = old.index.intersection(new.index)
    assert len(common) > 15000
    a, b = old.loc[common, "DGS10"], new.loc[common, "DGS10"]
    both = a.notna() & b.notna()
    assert (a[both] == b[both]).mean() > 0.999


def test_multi_series(fixtures_dir: Path) -> None:
    path = fixtures_dir / "fred" / MULTI
    header, rows = _plain(path)
    frame = parse_fredgraph_csv(path.read_text())
    assert list(frame.columns) == header[1:] == ["FEDFUNDS", "MORTGAGE30US"]
    assert frame.loc[rows[-1][0]].tolist() == [float(x) for x in rows[-1][1:]]
    assert len(frame) == len(rows)


def test_api_json_dot_missing(fixtures_dir: Path) -> None:
    path = fixtures_dir / "fred" / "fred_api_series_observations_T10Y3M_dot_missing.json"
    body = json.loads(path.read_text())
    frame = parse_fred_observations_json(path.read_text(), series_id="T10Y3M")
    assert len(frame) == body["count"] == 112
    dots = [o["date"] for o in body["observations"] if o["value"] == "."]
    assert dots == ["2023-01-02", "2023-01-16", "2023-02-20", "2023-05-29"]
    assert frame.loc[pd.DatetimeIndex(dots), "T10Y3M"].isna().all()
    assert int(frame["T10Y3M"].isna().sum()) == 4
    first_num = next(o for o in body["observations"] if o["value"] != ".")
    assert frame.loc[first_num["date"], "T10Y3M"] == float(first_num["value"])


def test_api_json_plain(fixtures_dir: Path) -> None:
    path = fixtures_dir / "fred" / "fred_api_series_observations_HQMCB10YR.json"
    body = json.loads(path.read_bytes())
    frame = parse_fred_observations_json(body, series_id="HQMCB10YR")
    assert frame["HQMCB10YR"].tolist() == [float(o["value"]) for o in body["observations"]]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("<!DOCTYPE html><html>Error</html>", "HTML"),
        ("", "empty"),
        ("Date;DGS10\n2020-01-02;1.8\n", "not a FRED header"),
        ("DATE,DGS10\n2020-01-02,1.8,3\n", "3 fields"),
        ("DATE,DGS10\n2020-01-02,abc\n", "non-numeric"),
        ("DATE,DGS10\n01/02/2020,1.8\n", "ISO"),
        ("DATE,DGS10\n2020-01-02,1.8\n2020-01-02,1.9\n", "appears twice"),
    ],
)
def test_bad_csv(text: str, match: str) -> None:
    with pytest.raises(SchemaError, match=match):
        parse_fredgraph_csv(text, name="fredgraph.csv?id=DGS10")


@pytest.mark.parametrize(
    "body", ['{"observations": [', '{"error_code": 400}', '{"observations":[{"x":1}]}']
)
def test_bad_json(body: str) -> None:
    with pytest.raises(SchemaError):
        parse_fred_observations_json(body, series_id="X")


# -- fetcher: replay through httpx.MockTransport ---------------------------------------------


NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def _fetcher(
    tmp_path: Path, body: bytes, status: int = 200
) -> tuple[FredFetcher, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, content=body, headers={"content-type": "text/csv"})

    client = make_client(
        Settings(home=tmp_path), httpx.MockTransport(handler), sleep=lambda s: None
    )
    return FredFetcher(client, clock=lambda: NOW), seen


@pytest.mark.parametrize(("fname", "missing_token"), [(LEGACY, "."), (CURRENT, "")])
def test_fetcher_drops_and_counts_missing(
    tmp_path: Path, fixtures_dir: Path, fname: str, missing_token: str
) -> None:
    path = fixtures_dir / "fred" / fname
    _, rows = _plain(path)
    fetcher, seen = _fetcher(tmp_path, path.read_bytes())
    params = {"series": "dgs10"}
    (res,) = fetcher.fetch(params)
    assert params == {"series": "dgs10"}  # not mutated
    assert str(seen[0].url) == "https://fred.stlouisfed.org/graph/fredgraph.csv?id=DGS10"
    n_missing = sum(1 for r in rows if r[1] == missing_token)
    assert res.dataset == "macro"
    assert res.key == "DGS10"
    assert res.meta["n_missing"] == n_missing
    assert res.meta["missing_dates"][0] == next(r[0] for r in rows if r[1] == missing_token)
    assert len(res.frame) == len(rows) - n_missing
    assert list(res.frame.columns) == ["value"]
    assert not res.frame["value"].isna().any()
    assert res.frame["value"].iloc[-1] == float(
        next(r[1] for r in reversed(rows) if r[1] != missing_token)
    )
    assert res.source == "fred https://fred.stlouisfed.org/graph/fredgraph.csv?id=DGS10"
    assert res.retrieved_at == NOW


def test_fetcher_multi_series_and_window(tmp_path: Path, fixtures_dir: Path) -> None:
    path = fixtures_dir / "fred" / MULTI
    _, rows = _plain(path)
    fetcher, seen = _fetcher(tmp_path, path.read_bytes())
    results = fetcher.fetch(
        {"series": ["FEDFUNDS", "MORTGAGE30US"], "start": "2020-01-01", "end": "2020-12-31"}
    )
    assert "id=FEDFUNDS%2CMORTGAGE30US" in str(seen[0].url) or "id=FEDFUNDS,MORTGAGE30US" in str(
        seen[0].url
    )
    assert [r.key for r in results] == ["FEDFUNDS", "MORTGAGE30US"]
    in_2020 = [r for r in rows if r[0].startswith("2020-")]
    assert len(results[0].frame) == len(in_2020) == 12
    assert results[1].frame["value"].tolist() == [float(r[2]) for r in in_2020]


def test_fetcher_errors(tmp_path: Path) -> None:
    fetcher, _ = _fetcher(tmp_path / "a", b"<!DOCTYPE html><html><body>Error</body></html>")
    with pytest.raises(ProviderError, match="HTML"):
        fetcher.fetch({"series": "DGS10"})
    fetcher, _ = _fetcher(tmp_path / "b", b"Not found", status=404)
    with pytest.raises(EmptyDataError, match="DGS10"):
        fetcher.fetch({"series": "DGS10"})
    fetcher, _ = _fetcher(tmp_path / "c", b"observation_date,DGS2\n2020-01-02,1.5\n")
    with pytest.raises(SchemaError, match="DGS10"):
        fetcher.fetch({"series": "DGS10"})
    fetcher, _ = _fetcher(tmp_path / "d", b"observation_date,DGS10\n2020-01-02,\n")
    with pytest.raises(EmptyDataError, match="no observations"):
        fetcher.fetch({"series": "DGS10"})


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"series": ""},
        {"series": "DGS 10"},
        {"series": 10},
        {"series": "DGS10", "start": "soon"},
        {"series": "DGS10", "start": "2021-01-01", "end": "2020-01-01"},
        {"series": "DGS10", "serie": "x"},
    ],
)
def test_fetcher_query_validation(tmp_path: Path, params: dict[str, object]) -> None:
    fetcher, seen = _fetcher(tmp_path, b"")
    with pytest.raises(InputError):
        fetcher.fetch(params)
    assert seen == []


def _api_fetcher(
    tmp_path: Path, fixtures_dir: Path, api_key: str | None = "SECRETKEY"
) -> tuple[FredApiFetcher, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    files = {
        "T10Y3M": "fred_api_series_observations_T10Y3M_dot_missing.json",
        "HQMCB10YR": "fred_api_series_observations_HQMCB10YR.json",
    }

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        sid = request.url.params["series_id"]
        if sid not in files:
            return httpx.Response(400, json={"error_code": 400, "error_message": "Bad Request."})
        return httpx.Response(200, content=(fixtures_dir / "fred" / files[sid]).read_bytes())

    client = make_client(
        Settings(home=tmp_path), httpx.MockTransport(handler), sleep=lambda s: None
    )
    return FredApiFetcher(client, api_key=api_key, clock=lambda: NOW), seen


def test_api_fetcher_replay(tmp_path: Path, fixtures_dir: Path) -> None:
    fetcher, seen = _api_fetcher(tmp_path, fixtures_dir)
    t10y3m, hqm = fetcher.fetch({"series": "T10Y3M,HQMCB10YR"})
    assert [r.url.params["series_id"] for r in seen] == ["T10Y3M", "HQMCB10YR"]
    assert all(r.url.params["api_key"] == "SECRETKEY" for r in seen)
    body = json.loads(
        (fixtures_dir / "fred" / "fred_api_series_observations_T10Y3M_dot_missing.json").read_text()
    )
    kept = [o for o in body["observations"] if o["value"] != "."]
    assert t10y3m.meta["n_missing"] == 4
    assert t10y3m.meta["missing_dates"] == ["2023-01-02", "2023-01-16", "2023-02-20", "2023-05-29"]
    assert t10y3m.frame["value"].tolist() == [float(o["value"]) for o in kept]
    assert hqm.meta["n_missing"] == 0
    assert len(hqm.frame) == 6
    assert "SECRETKEY" not in t10y3m.source
    assert "SECRETKEY" not in repr(t10y3m.meta)


def test_api_fetcher_needs_key_and_maps_errors(tmp_path: Path, fixtures_dir: Path) -> None:
    fetcher, seen = _api_fetcher(tmp_path, fixtures_dir, api_key=None)
    with pytest.raises(UnauthorizedError, match="api_key"):
        fetcher.fetch({"series": "T10Y3M"})
    assert seen == []
    fetcher, _ = _api_fetcher(tmp_path / "b", fixtures_dir)
    with pytest.raises(ProviderError, match="HTTP 400"):
        fetcher.fetch({"series": "NOSUCH"})
