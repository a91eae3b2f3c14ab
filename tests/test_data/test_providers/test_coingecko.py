"""CoinGecko provider replayed on the recorded coins/markets and market_chart bodies."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING

import httpx
import pandas as pd
import pytest

from capsize.config import Settings
from capsize.data.providers._http import make_client
from capsize.data.providers.coingecko import (
    PRO_URL,
    PUBLIC_URL,
    CoinGeckoFetcher,
    parse_market_chart,
    parse_markets,
)
from capsize.errors import EmptyDataError, InputError, RateLimitError, SchemaError

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture(scope="module")
def cg_dir(fixtures_dir: Path) -> Path:
    return fixtures_dir / "coingecko"


def _client(tmp_path: Path, handler) -> httpx.Client:
    settings = Settings(home=tmp_path, http_retries=2)
    return make_client(settings, httpx.MockTransport(handler), cache=False, sleep=lambda s: None)


def test_parse_markets_against_json_module(cg_dir):
    raw = (cg_dir / "coins_markets_dashbrd.json").read_bytes()
    items = json.loads(raw)
    frame, meta = parse_markets(raw)
    assert len(frame) == len(items) == 250
    by_id = {c["id"]: c for c in items}
    for row in frame.itertuples():
        src = by_id[row.id]
        if src["market_cap"] is None:
            assert pd.isna(row.market_cap)
        else:
            assert row.market_cap == float(src["market_cap"])
        assert row.symbol == src["symbol"].upper()
    assert frame["market_cap"].is_monotonic_decreasing
    assert frame["id"].iloc[0] == "bitcoin"
    newest = max(pd.Timestamp(c["last_updated"]) for c in items if c["last_updated"])
    assert meta["as_of"] == newest.tz_convert(None)


def test_parse_market_chart(cg_dir):
    raw = (cg_dir / "market_chart_dashbrd.json").read_bytes()
    data = json.loads(raw)
    frame = parse_market_chart(raw, daily=False)
    assert len(frame) == len(data["prices"]) == 289
    first_ms, first_px = data["prices"][0]
    assert frame.index[0] == pd.Timestamp(first_ms, unit="ms")
    assert frame["price"].iloc[0] == first_px
    assert frame["market_cap"].iloc[-1] == data["market_caps"][-1][1]
    daily = parse_market_chart(raw, daily=True)
    # 2023-03-14 23:21Z .. 2023-03-15 23:20Z spans two UTC days
    assert list(daily.index.strftime("%Y-%m-%d")) == ["2023-03-14", "2023-03-15"]
    _last_ms, last_px = data["prices"][-1]
    assert daily["price"].iloc[-1] == last_px
    assert daily.index.name == "date"


def test_bad_bodies():
    with pytest.raises(SchemaError, match="JSON"):
        parse_markets(b"<html>")
    with pytest.raises(EmptyDataError):
        parse_markets(b"[]")
    with pytest.raises(SchemaError, match="error object"):
        parse_markets(b'{"status": {"error_code": 429, "error_message": "rate limited"}}')
    with pytest.raises(SchemaError, match="prices"):
        parse_market_chart(b'{"error": "coin not found"}')


def test_fetcher_keyless_replay(tmp_path, cg_dir):
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/coins/markets"):
            body = (cg_dir / "coins_markets_dashbrd.json").read_bytes()
        else:
            body = (cg_dir / "market_chart_dashbrd.json").read_bytes()
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    fixed = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
    f = CoinGeckoFetcher(_client(tmp_path, handler), clock=lambda: fixed)
    res = f.fetch({"kind": "markets"})[0]
    assert res.dataset == "crypto_markets"
    assert res.retrieved_at == fixed
    assert str(seen[0].url).startswith(PUBLIC_URL + "/coins/markets")
    assert seen[0].url.params["vs_currency"] == "usd"
    assert seen[0].url.params["per_page"] == "250"
    assert "x-cg-demo-api-key" not in seen[0].headers
    chart = f.fetch({"kind": "chart", "coin": "Matic-Network", "days": 1, "daily": False})[0]
    assert chart.dataset == "crypto_chart"
    assert seen[1].url.path == "/api/v3/coins/matic-network/market_chart"
    assert "interval" not in seen[1].url.params
    assert len(chart.frame) == 289


def test_fetcher_keys_and_errors(tmp_path):
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if "nosuchcoin" in request.url.path:
            return httpx.Response(404, json={"error": "coin not found"})
        return httpx.Response(429, json={"status": {"error_code": 429}})

    demo = CoinGeckoFetcher(_client(tmp_path, handler), api_key="k1")
    with pytest.raises(RateLimitError):
        demo.fetch({"kind": "markets"})
    assert len(seen) == 2  # retried once (http_retries=2)
    assert seen[0].headers["x-cg-demo-api-key"] == "k1"
    with pytest.raises(EmptyDataError, match="nosuchcoin"):
        demo.fetch({"kind": "chart", "coin": "nosuchcoin"})
    pro = CoinGeckoFetcher(_client(tmp_path, handler), api_key="k2", plan="pro")
    assert pro.base_url == PRO_URL
    with pytest.raises(RateLimitError):
        pro.fetch({"kind": "chart", "coin": "bitcoin", "days": 400})
    assert seen[-1].headers["x-cg-pro-api-key"] == "k2"
    assert seen[-1].url.params["interval"] == "daily"


def test_query_validation():
    f = CoinGeckoFetcher(httpx.Client())
    with pytest.raises(InputError, match="per_page"):
        f.transform_query({"kind": "markets", "per_page": 500})
    with pytest.raises(InputError, match="coin"):
        f.transform_query({"kind": "chart", "coin": "bit coin"})
    with pytest.raises(InputError, match="unknown"):
        f.transform_query({"kind": "chart", "coins": "bitcoin"})
    with pytest.raises(InputError, match="plan"):
        CoinGeckoFetcher(api_key="x", plan="enterprise")
