"""Live update path, replayed through a mocked transport with recorded responses."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from capsize.config import load_settings
from capsize.data.store import Store
from capsize.data.update import update_from_providers


def _client(fixtures: Path) -> httpx.Client:
    chart = (fixtures / "yahoo" / "yfrs_history_chart_AAPL.json").read_bytes()
    fred = (
        fixtures / "fred" / "fredgraph_DGS10_observation_date_header_empty_missing.csv"
    ).read_bytes()
    french = (fixtures / "french" / "F-F_Research_Data_Factors_daily_CSV.zip").read_bytes()
    ishares = (fixtures / "ishares" / "IWM_holdings_2025-11-05.csv").read_bytes()

    def handler(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if "finance/chart/AAPL" in url:
            return httpx.Response(200, content=chart, headers={"content-type": "application/json"})
        if "finance/chart/" in url:
            return httpx.Response(
                404,
                json={
                    "chart": {
                        "result": None,
                        "error": {"code": "Not Found", "description": "No data found"},
                    }
                },
            )
        if "fredgraph.csv" in url and "DGS10" in url:
            return httpx.Response(200, content=fred, headers={"content-type": "text/csv"})
        if "F-F_Research_Data_Factors_daily" in url:
            return httpx.Response(200, content=french, headers={"content-type": "application/zip"})
        if "ishares.com" in url and "IWM" in url:
            return httpx.Response(200, content=ishares, headers={"content-type": "text/csv"})
        return httpx.Response(503, text="Service Unavailable")

    return httpx.Client(transport=httpx.MockTransport(handler))


def test_update_writes_what_it_gets_and_reports_each_failure(
    tmp_path: Path, fixtures_dir: Path
) -> None:
    store = Store.open(tmp_path / "u.duckdb")
    settings = load_settings()
    client = _client(fixtures_dir)
    try:
        rep = update_from_providers(
            store,
            settings=settings,
            symbols=["AAPL", "ZZZZ"],
            macro=["DGS10"],
            factors=[("FF3", "daily"), ("FF5_2x3", "monthly")],
            funds=["IWM", "IJR"],
            client=client,
        )
    finally:
        client.close()
    try:
        fetched = " ".join(rep.fetched)
        assert (
            "AAPL" in fetched
            and "fred:DGS10" in fetched
            and "FF3" in fetched
            and "ishares:IWM" in fetched
        )
        failed = dict(rep.failed)
        assert set(failed) == {"yahoo ZZZZ", "french FF5_2x3 monthly", "ishares IJR"}
        assert all(reason and "\n" not in reason for reason in failed.values())
        raw = store.closes("AAPL", basis="raw")
        payload = json.loads((fixtures_dir / "yahoo" / "yfrs_history_chart_AAPL.json").read_text())
        quotes = payload["chart"]["result"][0]["indicators"]["quote"][0]["close"]
        assert raw["AAPL"].iloc[-1] == pytest.approx([q for q in quotes if q is not None][-1])
        assert store.macro("DGS10").index.max().year == 2026
        assert "SMB" in store.factors("FF3", "daily").columns
        assert store.fund_shares("IWM")["shares_outstanding"].iloc[0] > 0
        prov = store.provenance("bars", "AAPL")
        assert "finance.yahoo.com" in prov.source
        assert store.check_integrity().ok
    finally:
        store.close()
