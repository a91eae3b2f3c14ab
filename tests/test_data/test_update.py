"""Live update path, replayed through a mocked transport with recorded responses."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from capsize.config import load_settings
from capsize.data.providers._http import make_client
from capsize.data.store import Store
from capsize.data.update import update_from_providers
from capsize.errors import NetworkUnreachable


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


def _unreachable(calls: list[str]) -> httpx.MockTransport:
    """A transport for a machine without network: every connection fails at once."""

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.host)
        raise httpx.ConnectError("[Errno -3] Temporary failure in name resolution")

    return httpx.MockTransport(handler)


def test_update_offline_stops_at_the_first_request_naming_the_host(tmp_path: Path) -> None:
    calls: list[str] = []
    settings = load_settings()
    # the shared stack with its sleeps recorded: a retry, a back-off or pacing would show there
    slept: list[float] = []
    client = make_client(settings, _unreachable(calls), sleep=slept.append)
    store = Store.open(tmp_path / "u.duckdb")
    try:
        with pytest.raises(NetworkUnreachable) as info:
            update_from_providers(store, settings=settings, client=client)  # every default source
    finally:
        client.close()
        store.close()
    message = str(info.value)
    assert slept == []  # no back-off, no pacing: it stopped at once
    assert calls == ["query2.finance.yahoo.com"]  # one request; no other source tried
    assert "\n" not in message
    assert message.startswith("network unreachable: cannot connect to query2.finance.yahoo.com")
    assert "no other source was tried" in message
    assert info.value.host == "query2.finance.yahoo.com"


def test_connection_error_after_an_answer_is_a_per_source_failure(
    tmp_path: Path, fixtures_dir: Path
) -> None:
    """Once a host answered, the network is up: a later connection failure is one source's."""
    chart = (fixtures_dir / "yahoo" / "yfrs_history_chart_AAPL.json").read_bytes()

    def handler(request: httpx.Request) -> httpx.Response:
        if "finance/chart/AAPL" in str(request.url):
            return httpx.Response(200, content=chart, headers={"content-type": "application/json"})
        raise httpx.ConnectError("[Errno 111] Connection refused")

    store = Store.open(tmp_path / "u.duckdb")
    client = make_client(load_settings(), httpx.MockTransport(handler))
    try:
        rep = update_from_providers(
            store, symbols=["AAPL"], macro=["DGS10"], factors=[], funds=["IWM"], client=client
        )
    finally:
        client.close()
        store.close()
    assert any("AAPL" in key for key in rep.fetched)
    failed = dict(rep.failed)
    assert set(failed) == {"fred DGS10", "ishares IWM"}
    assert "cannot connect to fred.stlouisfed.org" in failed["fred DGS10"]


def test_cli_update_offline_prints_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from capsize.cli import app
    from capsize.data.providers._http import DeadlineHTTPTransport

    calls: list[str] = []
    transport = _unreachable(calls)

    def no_network(self: DeadlineHTTPTransport, request: httpx.Request) -> httpx.Response:
        return transport.handle_request(request)

    # the default sending transport of make_client: nothing leaves the machine
    monkeypatch.setattr(DeadlineHTTPTransport, "handle_request", no_network)
    monkeypatch.setenv("CAPSIZE_HOME", str(tmp_path))
    res = CliRunner().invoke(app, ["data", "update", "--json"])  # --json: no progress bar
    assert res.exit_code == 1
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert len(lines) == 1, res.output
    assert lines[0].startswith("error: network unreachable")
    assert "query2.finance.yahoo.com" in lines[0]
    assert calls == ["query2.finance.yahoo.com"]  # one request: no retry, no other source
    # with the (transient) progress bar: still one error line and no per-source failures
    res = CliRunner().invoke(app, ["data", "update"])
    assert res.exit_code == 1
    errors = [line for line in res.output.splitlines() if "error:" in line or "failed" in line]
    assert len(errors) == 1, res.output


def test_an_update_interrupted_midway_leaves_the_store_as_it_was(
    tmp_path: Path, fixtures_dir: Path
) -> None:
    """The whole update is one transaction: sources already written are rolled back too."""
    store = Store.open(tmp_path / "u.duckdb")
    client = _client(fixtures_dir)
    calls: list[str] = []

    def progress(label: str, done: int, total: int) -> None:
        calls.append(label)
        if done == 2:  # AAPL and DGS10 are written by now: die before the factors
            raise KeyboardInterrupt

    try:
        with pytest.raises(KeyboardInterrupt):
            update_from_providers(
                store,
                settings=load_settings(),
                symbols=["AAPL"],
                macro=["DGS10"],
                factors=[("FF3", "daily")],
                funds=[],
                client=client,
                progress=progress,
            )
        assert len(calls) == 3
        for table in ("bars", "macro", "catalog", "symbols", "quality_log"):
            row = store.con.execute(f"SELECT count(*) FROM {table}").fetchone()
            assert row == (0,), table
    finally:
        client.close()
        store.close()
