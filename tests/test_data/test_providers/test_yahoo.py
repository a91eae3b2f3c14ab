"""Yahoo chart/quote parsers and the chart fetcher, replayed against recorded responses."""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
import urllib.parse
import zoneinfo
from typing import TYPE_CHECKING, Any

import httpx
import numpy as np
import pandas as pd
import pytest

from capsize.config import Settings
from capsize.data.providers._http import make_client
from capsize.data.providers.yahoo import (
    BAR_COLUMNS,
    YahooChartFetcher,
    parse_yahoo_chart,
    parse_yahoo_quote,
    parse_yahoo_quote_summary,
)
from capsize.errors import EmptyDataError, InputError, ProviderError

if TYPE_CHECKING:
    from pathlib import Path

AAPL_2020 = "nyf2_chart-AAPL-2020-08-31-to-2020-11-07.body.json"
NVDA = "nyf2_historical-via-chart-NVDA-split-2021-02-01-to-2022-01-31.csv.body.json"
MSFT = "nyf2_historical-via-chart-MSFT-dividends-2021-02-01-to-2022-01-31.csv.body.json"
AAPL_6MO = "yfrs_history_chart_AAPL.json"
GS2C = "yfrs_history_chart_GS2C.DE.json"
VFINX = "yfrs_history_chart_VFINX.json"
NY = zoneinfo.ZoneInfo("America/New_York")
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def _load(fixtures_dir: Path, name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((fixtures_dir / "yahoo" / name).read_bytes())
    return data


def _day(ts: int, tz: dt.tzinfo = NY) -> pd.Timestamp:
    return pd.Timestamp(dt.datetime.fromtimestamp(ts, tz).date())


def _fetcher(
    tmp_path: Path, body: bytes, status: int = 200, clock: dt.datetime = NOW
) -> tuple[YahooChartFetcher, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, content=body, headers={"content-type": "application/json"})

    client = make_client(
        Settings(home=tmp_path), httpx.MockTransport(handler), sleep=lambda s: None
    )
    return YahooChartFetcher(client, clock=lambda: clock), seen


def test_aapl_split_and_dividend_through_fetcher(tmp_path: Path, fixtures_dir: Path) -> None:
    body = (fixtures_dir / "yahoo" / AAPL_2020).read_bytes()
    res = json.loads(body)["chart"]["result"][0]
    fetcher, seen = _fetcher(tmp_path, body)
    params = {"symbol": "aapl", "start": "2020-08-31", "end": "2020-11-07"}
    raw, adjusted, actions = fetcher.fetch(params)
    assert params["symbol"] == "aapl"
    url = seen[0].url
    assert url.path == "/v8/finance/chart/AAPL"
    q = dict(urllib.parse.parse_qsl(url.query.decode()))
    assert q["period1"] == "1598832000"  # 2020-08-31 00:00 UTC, as in the recorded request
    assert q["period2"] == str(int(dt.datetime(2020, 11, 8, tzinfo=dt.UTC).timestamp()))
    assert q["interval"] == "1d"
    assert q["events"] == "div|split"
    # stage: raw bars
    assert (raw.dataset, raw.meta["basis"], adjusted.meta["basis"]) == ("bars", "raw", "adjusted")
    assert tuple(raw.frame.columns) == BAR_COLUMNS
    assert raw.frame.index[0] == _day(res["timestamp"][0]) == pd.Timestamp("2020-08-31")
    assert raw.frame.index[-1] == pd.Timestamp("2020-11-06")
    quote = res["indicators"]["quote"][0]
    adj = res["indicators"]["adjclose"][0]["adjclose"]
    np.testing.assert_array_equal(raw.frame["close"].to_numpy(), quote["close"])
    np.testing.assert_array_equal(raw.frame["volume"].to_numpy(), quote["volume"])
    np.testing.assert_array_equal(raw.frame["adj_close"].to_numpy(), adj)
    # stage: adjusted bars = adjclose, with O/H/L scaled by the same factor
    np.testing.assert_array_equal(adjusted.frame["close"].to_numpy(), adj)
    np.testing.assert_allclose(
        adjusted.frame["open"].to_numpy(),
        np.array(quote["open"]) * np.array(adj) / np.array(quote["close"]),
        rtol=1e-12,
    )
    # stage: actions
    split = actions.frame[actions.frame["kind"] == "split"]
    assert split.index.tolist() == [pd.Timestamp("2020-08-31")]
    assert split[["value", "numerator", "denominator"]].iloc[0].tolist() == [4.0, 4.0, 1.0]
    div = actions.frame[actions.frame["kind"] == "dividend"]
    assert div.index.tolist() == [pd.Timestamp("2020-11-06")]
    assert div["value"].tolist() == [0.205]
    assert raw.source.startswith("yahoo https://query2.finance.yahoo.com/v8/finance/chart/AAPL?")
    assert raw.retrieved_at == NOW
    assert raw.meta["currency"] == "USD"


def test_nvda_split_date(fixtures_dir: Path) -> None:
    chart = parse_yahoo_chart((fixtures_dir / "yahoo" / NVDA).read_bytes(), symbol="NVDA")
    (split,) = json.loads((fixtures_dir / "yahoo" / NVDA).read_bytes())["chart"]["result"][0][
        "events"
    ]["splits"].values()
    assert chart.actions.index.tolist() == [pd.Timestamp("2021-07-20")] == [_day(split["date"])]
    assert chart.actions["value"].tolist() == [split["numerator"] / split["denominator"]] == [4.0]
    assert len(chart.raw) == 252


def test_msft_four_dividends(fixtures_dir: Path) -> None:
    data = _load(fixtures_dir, MSFT)
    divs = sorted(
        data["chart"]["result"][0]["events"]["dividends"].values(), key=lambda d: d["date"]
    )
    chart = parse_yahoo_chart(data, symbol="MSFT")
    assert len(chart.actions) == 4
    assert (chart.actions["kind"] == "dividend").all()
    assert chart.actions.index.tolist() == [_day(d["date"]) for d in divs]
    assert chart.actions["value"].tolist() == [d["amount"] for d in divs]
    assert chart.actions["numerator"].isna().all()


def test_live_last_bar_after_close_is_kept_and_flagged(fixtures_dir: Path) -> None:
    data = _load(fixtures_dir, AAPL_6MO)
    ts = data["chart"]["result"][0]["timestamp"]
    chart = parse_yahoo_chart(data, symbol="AAPL", now=NOW)
    assert len(chart.raw) == len(ts) == 127
    assert chart.raw.index[-1] == _day(ts[-1]) == pd.Timestamp("2025-10-29")
    assert chart.meta["last_bar_live"] is True
    assert chart.meta["partial_bar_dropped"] is None
    # seen before the session's end (clock), the same bar is partial and dropped
    early = dt.datetime(2025, 10, 29, 18, 0, tzinfo=dt.UTC)
    chart = parse_yahoo_chart(data, symbol="AAPL", now=early)
    assert chart.meta["partial_bar_dropped"] == dt.date(2025, 10, 29)
    assert chart.raw.index[-1] == pd.Timestamp("2025-10-28")


def test_xetra_dates_and_intraday_bar(fixtures_dir: Path) -> None:
    data = _load(fixtures_dir, GS2C)
    res = data["chart"]["result"][0]
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    chart = parse_yahoo_chart(data, symbol="GS2C.DE")
    assert chart.raw.index.tolist() == [_day(t, berlin) for t in res["timestamp"]]
    assert chart.meta["currency"] == "EUR"
    # recorded after XETRA's close (current period = next session): kept, flagged live
    assert chart.meta["last_bar_live"] is True
    # hand-built variant: the same bar while its session is still open -> dropped
    live = copy.deepcopy(data)
    meta = live["chart"]["result"][0]["meta"]
    meta["currentTradingPeriod"]["regular"]["start"] = 1761724800  # 2025-10-29 08:00 UTC
    meta["currentTradingPeriod"]["regular"]["end"] = 1761755400  # 16:30 UTC
    meta["regularMarketTime"] = live["chart"]["result"][0]["timestamp"][-1] = 1761746400
    chart = parse_yahoo_chart(
        live, symbol="GS2C.DE", now=dt.datetime(2025, 10, 29, 14, tzinfo=dt.UTC)
    )
    assert chart.meta["partial_bar_dropped"] == dt.date(2025, 10, 29)
    assert len(chart.raw) == 4


def test_vfinx_no_splits_capital_gains_in_meta(tmp_path: Path, fixtures_dir: Path) -> None:
    body = (fixtures_dir / "yahoo" / VFINX).read_bytes()
    events = json.loads(body)["chart"]["result"][0]["events"]
    fetcher, seen = _fetcher(tmp_path, body)
    raw, adjusted, actions = fetcher.fetch({"symbol": "VFINX", "interval": "3mo"})
    q = dict(urllib.parse.parse_qsl(seen[0].url.query.decode()))
    assert q["range"] == "max"
    assert "period1" not in q
    assert q["interval"] == "3mo"
    assert (actions.frame["kind"] == "dividend").all()
    assert len(actions.frame) == len(events["dividends"]) == 164
    assert len(raw.meta["capital_gains"]) == len(events["capitalGains"])
    assert raw.meta["instrument_type"] == "MUTUALFUND"
    assert adjusted.frame["close"].iloc[-1] == raw.frame["adj_close"].iloc[-1]


def test_index_gets_level_basis(tmp_path: Path, fixtures_dir: Path) -> None:
    data = _load(fixtures_dir, AAPL_2020)
    data["chart"]["result"][0]["meta"]["instrumentType"] = "INDEX"
    fetcher, _ = _fetcher(tmp_path, json.dumps(data).encode())
    bars, actions = fetcher.fetch({"symbol": "^RUT", "start": "2020-08-31"})
    assert bars.meta["basis"] == "level"
    assert actions.dataset == "actions"


def test_window_is_applied(tmp_path: Path, fixtures_dir: Path) -> None:
    fetcher, _ = _fetcher(tmp_path, (fixtures_dir / "yahoo" / NVDA).read_bytes())
    raw, _adjusted, actions = fetcher.fetch(
        {"symbol": "NVDA", "start": "2021-07-01", "end": "2021-07-31"}
    )
    assert raw.frame.index.min() >= pd.Timestamp("2021-07-01")
    assert raw.frame.index.max() <= pd.Timestamp("2021-07-31")
    assert actions.frame.index.tolist() == [pd.Timestamp("2021-07-20")]
    fetcher, _ = _fetcher(tmp_path / "b", (fixtures_dir / "yahoo" / NVDA).read_bytes())
    with pytest.raises(EmptyDataError, match="NVDA"):
        fetcher.fetch({"symbol": "NVDA", "start": "2023-01-01", "end": "2023-01-31"})


def test_404_is_empty_data_naming_symbol(tmp_path: Path, fixtures_dir: Path) -> None:
    body = (
        fixtures_dir / "yahoo" / "nyf2_quoteSummary-assetProfile-VXAPL_404.body.json"
    ).read_bytes()
    fetcher, _ = _fetcher(tmp_path, body, status=404)
    with pytest.raises(EmptyDataError, match="'ZZZZ'"):
        fetcher.fetch({"symbol": "ZZZZ", "start": "2020-01-01"})


def test_chart_error_and_empty_results(fixtures_dir: Path) -> None:
    not_found = {
        "chart": {"result": None, "error": {"code": "Not Found", "description": "No data found"}}
    }
    with pytest.raises(EmptyDataError, match=r"'XXXX'.*No data found"):
        parse_yahoo_chart(not_found, symbol="XXXX")
    with pytest.raises(EmptyDataError):
        parse_yahoo_chart({"chart": {"result": [], "error": None}}, symbol="XXXX")
    data = _load(fixtures_dir, AAPL_2020)
    del data["chart"]["result"][0]["timestamp"]
    with pytest.raises(EmptyDataError, match="no bars"):
        parse_yahoo_chart(data, symbol="AAPL")


def test_truncated_body_is_provider_error(tmp_path: Path, fixtures_dir: Path) -> None:
    body = (fixtures_dir / "yahoo" / AAPL_2020).read_bytes()
    fetcher, _ = _fetcher(tmp_path, body[: len(body) // 2])
    with pytest.raises(ProviderError, match="JSON"):
        fetcher.fetch({"symbol": "AAPL", "start": "2020-08-31"})


def test_null_bars_dropped_and_counted(fixtures_dir: Path) -> None:
    data = _load(fixtures_dir, MSFT)
    quote = data["chart"]["result"][0]["indicators"]["quote"][0]
    for key in ("open", "high", "low", "close", "volume"):
        quote[key][10] = None
    chart = parse_yahoo_chart(data, symbol="MSFT")
    assert chart.meta["n_null_rows"] == 1
    assert len(chart.raw) == 251
    assert not chart.raw["close"].isna().any()


def test_v7_quote_replay(fixtures_dir: Path) -> None:
    body = (fixtures_dir / "yahoo" / "yfrs_quote_v7_AAPL-MSFT.json").read_bytes()
    expected = json.loads(body)["quoteResponse"]["result"]
    frame = parse_yahoo_quote(body, symbols=["AAPL", "MSFT"])
    assert frame.index.tolist() == [q["symbol"] for q in expected] == ["AAPL", "MSFT"]
    for q in expected:
        assert frame.loc[q["symbol"], "price"] == q["regularMarketPrice"]
        mc = q.get("marketCap")
        assert (
            frame.loc[q["symbol"], "market_cap"] == mc
            if mc is not None
            else math.isnan(frame.loc[q["symbol"], "market_cap"])
        )
    one = parse_yahoo_quote(
        (fixtures_dir / "yahoo" / "yfrs_quote_v7_AAPL.json").read_bytes(), symbols=["AAPL"]
    )
    assert one.index.tolist() == ["AAPL"]


def test_v7_empty_quote_is_empty_data(fixtures_dir: Path) -> None:
    body = (fixtures_dir / "yahoo" / "yfrs_quote_v7_GS2C.json").read_bytes()
    with pytest.raises(EmptyDataError, match="GS2C"):
        parse_yahoo_quote(body, symbols=["GS2C"])


def test_quote_summary_replay(fixtures_dir: Path) -> None:
    for sym, fname in [
        ("AAPL", "yfrs_profile_api_assetProfile-quoteType-fundProfile_AAPL.json"),
        ("QQQ", "yfrs_profile_api_assetProfile-quoteType-fundProfile_QQQ.json"),
    ]:
        body = (fixtures_dir / "yahoo" / fname).read_bytes()
        expected = json.loads(body)["quoteSummary"]["result"][0]
        modules = parse_yahoo_quote_summary(body, symbol=sym)
        assert modules == expected
        assert modules["quoteType"]["symbol"] == sym
    body = (
        fixtures_dir / "yahoo" / "nyf2_quoteSummary-assetProfile-VXAPL_404.body.json"
    ).read_bytes()
    with pytest.raises(EmptyDataError, match=r"\^VXAPL.*No fundamentals"):
        parse_yahoo_quote_summary(body, symbol="^VXAPL")


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"symbol": ""},
        {"symbol": "AA PL"},
        {"symbol": "AAPL", "interval": "1h"},
        {"symbol": "AAPL", "start": "2021-02-30"},
        {"symbol": "AAPL", "start": "2022-01-01", "end": "2021-01-01"},
        {"symbol": "AAPL", "end": "2021-01-01"},
        {"symbol": "AAPL", "period": "1y"},
    ],
)
def test_query_validation(tmp_path: Path, params: dict[str, object]) -> None:
    fetcher, seen = _fetcher(tmp_path, b"{}")
    with pytest.raises(InputError):
        fetcher.fetch(params)
    assert seen == []
