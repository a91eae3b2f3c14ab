"""``capsize rates``, ``flows`` and ``crypto`` on a store built from the real data."""

from __future__ import annotations

import csv
import itertools
import json
import shutil
from typing import TYPE_CHECKING

import numpy as np
import pytest
from typer.testing import CliRunner

from capsize.cli import app

if TYPE_CHECKING:
    from pathlib import Path

FILES = (
    "prices/IWM.csv",
    "prices/SPY.csv",
    "prices/BTC-USD.csv",
    "prices/ETH-USD.csv",
    "prices/raw/IWM_raw_jm.csv",
    "macro/DGS2.csv",
    "macro/DGS10.csv",
    "macro/DFF.csv",
    "flows/IWM_shares_outstanding_ishares_snapshots.csv",
    "flows/EWJ_EWY_EWZ_shares_outstanding_ishares_yuhancai3.csv",
)

runner = CliRunner()


@pytest.fixture(scope="module")
def home(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A capsize home whose store holds a subset of the shared data (copied to a temp dir)."""
    src = tmp_path_factory.mktemp("drivers_data")
    for rel in FILES:
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(shared_data / rel, src / rel)
    h = tmp_path_factory.mktemp("drivers_home")
    res = runner.invoke(app, ["data", "import", str(src)], env={"CAPSIZE_HOME": str(h)})
    assert res.exit_code == 0, res.output
    return h


def _run(home: Path, *args: str) -> tuple[int, str]:
    res = runner.invoke(app, list(args), env={"CAPSIZE_HOME": str(home)})
    return res.exit_code, res.output


def _month_ends(path: Path, col: str) -> dict[str, float]:
    out: dict[str, float] = {}
    with path.open(newline="") as fh:
        for r in csv.DictReader(fh):
            if r[col]:
                out[r["date"][:7]] = float(r[col])
    return out


def test_rates_json_matches_lstsq(home, shared_data):
    code, out = _run(home, "rates", "--json")
    assert code == 0, out
    p = json.loads(out)
    e = {
        "IWM": _month_ends(shared_data / "prices" / "IWM.csv", "close"),
        "SPY": _month_ends(shared_data / "prices" / "SPY.csv", "close"),
        "DGS2": _month_ends(shared_data / "macro" / "DGS2.csv", "value"),
        "DGS10": _month_ends(shared_data / "macro" / "DGS10.csv", "value"),
    }
    months = sorted(set.intersection(*(set(v) for v in e.values())))
    y, x = [], []
    for a, b in itertools.pairwise(months):
        y.append(e["IWM"][b] / e["IWM"][a] - e["SPY"][b] / e["SPY"][a])
        x.append([1.0, e["DGS2"][b] - e["DGS2"][a], e["DGS10"][b] - e["DGS10"][a]])
    beta, *_ = np.linalg.lstsq(np.array(x), np.array(y), rcond=None)
    coefs = p["regression"]["coefficients"]
    np.testing.assert_allclose([coefs["const"], coefs["d_DGS2"], coefs["d_DGS10"]], beta, rtol=1e-8)
    assert p["regression"]["n_obs"] == len(y)
    dates = {r["date"]: r["kind"] for r in p["turns"]["rows"]}
    assert dates["2019-07-31"] == "first_cut"
    assert dates["2022-03-16"] == "first_hike"
    assert dates["2024-09-18"] == "first_cut"
    assert {r["regime"] for r in p["regimes"]["rows"]} == {"rising", "flat", "falling"}
    assert p["provenance"]["sources"]["IWM"].startswith("prices/IWM.csv")


def test_rates_as_of_and_table(home):
    code, out = _run(home, "rates", "--as-of", "2020-12-31", "--json")
    assert code == 0, out
    p = json.loads(out)
    assert p["regression"]["end"] <= "2020-12-31"
    assert all(r["date"] < "2021-01-01" for r in p["turns"]["rows"])
    code, out = _run(home, "rates")
    assert code == 0, out
    assert "Rates sensitivity of IWM - SPY" in out
    assert "HAC" in out
    assert "Fed policy turns" in out
    assert "nan" not in out.lower().replace("nonrobust", "")


def test_flows_reports_what_is_missing(home):
    code, out = _run(home, "flows", "--json")
    assert code == 0, out
    p = json.loads(out)
    funds = {f["fund"]: f for f in p["funds"]}
    assert funds["IJR"]["status"] == "no data"
    assert funds["IWM"]["status"] == "no usable rows"  # three snapshots months apart: gaps
    cov = {c["fund"]: c for c in p["coverage"]}
    assert cov["IWM"]["flags"] == {"first": 1, "gap": 2}
    small = next(s for s in p["segments_all"] if s["segment"] == "small")
    assert small["flow"] is None  # a gap never becomes a flow
    assert "IJR" in small["funds_no_data"]
    assert "not all-time" in p["records"]["statement"]
    code, out = _run(home, "flows", "--segment", "small", "--year", "2026")
    assert code == 0, out
    assert "2026 year to date" in out
    assert "no data (no shares-outstanding history): IJR" in out
    assert "N-PORT" in out


def test_flows_bad_segment(home):
    code, out = _run(home, "flows", "--segment", "tiny")
    assert code == 1
    assert "--segment 'tiny' is not one of" in out


def test_crypto_side_by_side_and_dominance(home, fixtures_dir):
    markets = fixtures_dir / "coingecko" / "coins_markets_dashbrd.json"
    code, out = _run(home, "crypto", "--json", "--markets", str(markets))
    assert code == 0, out
    p = json.loads(out)
    pairs = {r["pair"]: r for r in p["leadership"]}
    assert pairs["crypto: ETH vs BTC"]["years"] == 8
    assert pairs["stocks: IWM vs SPY"]["small"] == "IWM"
    items = json.loads(markets.read_bytes())
    from capsize.analytics.crosscap import DEFAULT_EXCLUDE

    kept = sorted(
        (c["market_cap"] for c in items if c["id"] not in DEFAULT_EXCLUDE and c["market_cap"]),
        reverse=True,
    )
    assert p["dominance"]["majors_share"] == pytest.approx((kept[0] + kept[1]) / sum(kept))
    assert any("alt basket: n/a" in n for n in p["notes"])
    code, out = _run(home, "crypto")
    assert code == 0, out
    assert "dominance: n/a (no CoinGecko snapshot" in out
    code, out = _run(home, "crypto", "--markets", "/no/such/file.json")
    assert code == 1
    assert "is not a file" in out


def test_rates_other_legs_and_series(home):
    code, out = _run(home, "rates", "--series", "DGS10", "--json")
    assert code == 0, out
    p = json.loads(out)
    assert list(p["regression"]["coefficients"]) == ["const", "d_DGS10"]
    assert p["provenance"]["basis"]["IWM"] == "total return (adjusted)"
    code, out = _run(home, "rates", "--series", "DGS5")
    assert code == 1
    assert "DGS5" in out


def test_nport_payload_replayed(tmp_path, fixtures_dir, capsys):
    import httpx

    from capsize._cli.drivers.flows import nport_payload, parse_nport_spec, print_nport
    from capsize.config import Settings
    from capsize.data.providers.sec import RateLimiter, SecEdgar

    folder = fixtures_dir / "sec" / "nport"
    dupree = next(folder.glob("*Dupree*.xml")).read_bytes()
    recent = {
        "accessionNumber": ["0000311101-23-000002", "0000311101-23-000001"],
        "filingDate": ["2023-02-28", "2022-11-29"],
        "reportDate": ["2022-12-31", "2022-09-30"],
        "form": ["NPORT-P", "NPORT-P"],
        "primaryDocument": ["xslFormN-PORT-P_X01/primary_doc.xml"] * 2,
    }

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith(".json"):
            return httpx.Response(200, json={"cik": "311101", "filings": {"recent": recent}})
        if request.url.path.endswith("-index-headers.html"):  # hand-built SGML header
            return httpx.Response(200, text="<pre>&lt;SERIES-ID&gt;S000012000</pre>")
        if "000031110123000002" in request.url.path:
            return httpx.Response(200, content=dupree)
        return httpx.Response(200, content=b"\n<edgarSubmission><broken")

    settings = Settings(home=tmp_path, sec_user_agent="Jane Doe jane@example.com", http_retries=1)
    edgar = SecEdgar(
        settings,
        client=httpx.Client(transport=httpx.MockTransport(handler)),
        cache=False,
        limiter=RateLimiter(10.0, sleep=lambda s: None),
    )
    spec = parse_nport_spec("kytf=311101:S000012000")
    p = nport_payload([spec], edgar=edgar, segments_config={"muni": ["KYTF"]})
    assert [m["month"] for m in p["months"]] == ["2022-10-31", "2022-11-30", "2022-12-31"]
    assert p["months"][2]["flow"] == pytest.approx(601068.84 + 31270.28 - 1787701.76)
    assert p["segments"][0]["segment"] == "muni"
    assert p["segments"][0]["flow"] == pytest.approx(sum(m["flow"] for m in p["months"]))
    assert [f["accession"] for f in p["failed"]] == ["0000311101-23-000001"]
    print_nport(p)
    out = capsys.readouterr().out
    assert "Monthly fund flows from SEC Form N-PORT" in out
    assert "skipped KYTF 0000311101-23-000001" in out


def test_flows_nport_option_errors(home):
    code, out = _run(home, "flows", "--nport", "IWM")
    assert code == 1
    assert "FUND=CIK[:SERIES]" in out
    code, out = _run(home, "flows", "--nport", "IWM=1100663")
    assert code == 1
    assert "CAPSIZE_SEC_USER_AGENT" in out


def test_crypto_payload_with_alt_basket(home, fixtures_dir, shared_data, tmp_path):
    """Alt histories fetched from CoinGecko (replayed) against BTC+ETH from the store."""
    import httpx
    import pandas as pd

    from capsize._cli.drivers import crypto_payload
    from capsize.analytics.crosscap import alt_universe
    from capsize.config import Settings
    from capsize.data.providers._http import make_client
    from capsize.data.providers.coingecko import CoinGeckoFetcher, fetch_histories, parse_markets
    from capsize.data.store import Store

    markets, _ = parse_markets(
        (fixtures_dir / "coingecko" / "coins_markets_dashbrd.json").read_bytes()
    )
    coins = alt_universe(markets, n=3)
    assert coins == ["ripple", "binancecoin", "cardano"]
    days = pd.date_range("2025-08-21", "2026-08-20", freq="D")
    rng = np.random.default_rng(5)

    def handler(request: httpx.Request) -> httpx.Response:
        coin = request.url.path.split("/")[-2]
        if coin == "cardano":
            return httpx.Response(404, json={"error": "coin not found"})
        ms = days.as_unit("ms").asi8.tolist()
        px = (100 * np.cumprod(1 + rng.normal(0, 0.03, len(days)))).tolist()
        pairs = [[m, p] for m, p in zip(ms, px, strict=True)]
        return httpx.Response(
            200, json={"prices": pairs, "market_caps": pairs, "total_volumes": pairs}
        )

    client = make_client(Settings(home=tmp_path), httpx.MockTransport(handler), cache=False)
    closes, failed = fetch_histories(CoinGeckoFetcher(client), coins)
    assert list(closes.columns) == ["ripple", "binancecoin"]
    assert list(failed) == ["cardano"]
    store = Store.open(path=home / "capsize.duckdb", read_only=True)
    try:
        p = crypto_payload(store, alt_closes=closes, alt_source="replay")
    finally:
        store.close()
    alts = p["alts"]
    assert alts["coins"] == ["ripple", "binancecoin"]
    assert alts["start"] == "2025-08-21"
    # independent: equal-weight daily-rebalanced baskets from the CSVs, ratio at the end
    px = {}
    for sym in ("BTC-USD", "ETH-USD"):
        with (shared_data / "prices" / f"{sym}.csv").open(newline="") as fh:
            px[sym] = {r["date"]: float(r["close"]) for r in csv.DictReader(fh)}
    alt_days = [d.strftime("%Y-%m-%d") for d in closes.index]
    common = [d for d in alt_days if d in px["BTC-USD"] and d in px["ETH-USD"]]
    maj, alt = 1.0, 1.0
    for a, b in itertools.pairwise(common):
        maj *= 1 + np.mean([px[s][b] / px[s][a] - 1 for s in px])
        ra = closes.loc[b] / closes.loc[a] - 1
        alt *= 1 + float(ra.mean())
    assert alts["end"] == common[-1]
    assert alts["alts_vs_majors"] == pytest.approx(alt / maj - 1, rel=1e-9)
    assert any(r["pair"] == "crypto: alts vs BTC+ETH" for r in p["leadership"])


def test_rates_frequency_option(home):
    code, out = _run(home, "rates", "--frequency", "W", "--json")
    assert code == 0, out
    p = json.loads(out)
    assert p["regression"]["frequency"] == "weekly"
    assert p["rolling"]["window"] == 156
    assert p["rolling"]["window_unit"] == "weeks"
    assert p["regression"]["n_obs"] > 1300
    code, out = _run(home, "rates", "--frequency", "Q")
    assert code == 1
    assert "--frequency 'Q'" in out


def _dates(path: Path) -> list[str]:
    with path.open(newline="") as fh:
        return [r["date"] for r in csv.DictReader(fh) if r.get("close") or r.get("value")]


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_rates_same_leg_and_as_of_before_data(home, shared_data):
    code, out = _run(home, "rates", "--small", "iwm", "--large", "IWM")
    assert code == 1
    assert "rates needs two different legs" in out and "Series" not in out
    iwm = _dates(shared_data / "prices" / "IWM.csv")[0]
    spy = _dates(shared_data / "prices" / "SPY.csv")[0]
    code, out = _run(home, "rates", "--as-of", "1990-01-01")
    assert code == 1
    assert f"the data for IWM/SPY starts {max(iwm, spy)}" in _flat(out)
    assert "capsize data import" not in out


def test_rates_future_as_of_windows_and_sources(home, shared_data):
    last = min(
        _dates(shared_data / "prices" / "IWM.csv")[-1],
        _dates(shared_data / "prices" / "SPY.csv")[-1],
    )
    note = f"as-of 2099-01-01 is after the latest data ({last}); figures are as of {last}"
    code, out = _run(home, "rates", "--as-of", "2099-01-01", "--json")
    assert code == 0, out
    p = json.loads(out)
    assert p["as_of_note"] == note and p["as_of"] == last
    assert "partial effect" in p["regression"]["partial_effects"]
    code, out = _run(home, "rates", "--as-of", "2099-01-01")
    text = _flat(out)
    assert note in text
    assert "Rolling correlation with ΔDGS10 over the last 36 months" in text
    assert "holding the other yields fixed" in text
    assert f"as of {last}; sources: IWM prices/IWM.csv" in text
    assert "DGS2 macro/DGS2.csv" in text
    import calendar

    y, m, d = (int(x) for x in last.split("-"))
    if d < calendar.monthrange(y, m)[1]:  # the last month is partial
        assert f"partial (to {last})" in text
        assert f"{y}-{m:02d}-{calendar.monthrange(y, m)[1]}" not in text


def test_crypto_before_data_and_future_as_of(home, shared_data):
    eth = _dates(shared_data / "prices" / "ETH-USD.csv")[0]
    btc = _dates(shared_data / "prices" / "BTC-USD.csv")[0]
    before = "2010-01-01" if min(eth, btc) > "2010-01-01" else "1999-01-01"
    code, out = _run(home, "crypto", "--as-of", before)
    assert code == 0, out
    text = _flat(out)
    assert "None" not in text
    assert "n/a (no data" in text
    pairs = {
        r["pair"]: r
        for r in json.loads(_run(home, "crypto", "--as-of", before, "--json")[1])["leadership"]
    }
    assert pairs["crypto: ETH vs BTC"]["start"] is None
    assert pairs["crypto: ETH vs BTC"]["data_starts"] == max(eth, btc)
    from capsize._cli.drivers.crypto import _span

    assert _span(pairs["crypto: ETH vs BTC"], before) == f"n/a (no data before {max(eth, btc)})"
    assert f"as of {before}; sources: BTC-USD prices/BTC-USD.csv" in text
    code, out = _run(home, "crypto", "--as-of", "2099-01-01", "--json")
    p = json.loads(out)
    assert p["as_of_note"].startswith("as-of 2099-01-01 is after the latest data (")
    assert all(r["end"] is not None for r in p["leadership"])
    code, out = _run(home, "crypto", "--as-of", "2099-01-01")
    assert "as-of 2099-01-01 is after the latest data" in _flat(out)


def test_flows_future_as_of_is_noted(store_home, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import json as _json

    from typer.testing import CliRunner

    from capsize.cli import app

    monkeypatch.setenv("CAPSIZE_HOME", str(store_home))
    res = CliRunner().invoke(app, ["flows", "--as-of", "2027-01-01", "--json"])
    assert res.exit_code == 0, res.output
    out = _json.loads(res.output)
    assert out["requested_as_of"] == "2027-01-01"
    assert "after the latest data" in out["as_of_note"]
