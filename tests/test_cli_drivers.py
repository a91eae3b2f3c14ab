"""``capsize rates``, ``flows`` and ``crypto`` on a store built from the real data."""

from __future__ import annotations

import csv
import datetime
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


def _fig(p: dict, fid: str) -> dict:
    return p["figures"][fid]


def test_rates_json_matches_lstsq(home, shared_data):
    code, out = _run(home, "rates", "--json")
    assert code == 0, out
    p = json.loads(out)
    assert p["schema"] == "capsize.query/1" and p["query"] == "rates"
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
    got = [_fig(p, f"beta.{k}")["value"] for k in ("const", "d_DGS2", "d_DGS10")]
    np.testing.assert_allclose(got, beta, rtol=1e-8)
    assert _fig(p, "n_obs")["value"] == len(y)
    turns = {r[0]["figure"].split(".")[1]: r[1] for r in p["tables"]["turns"]["rows"]}
    assert turns["2019-07-31"] == "first cut"
    assert turns["2022-03-16"] == "first hike"
    assert turns["2024-09-18"] == "first cut"
    assert _fig(p, "turns.latest")["note"] == "2024-09-18"
    labels = {r[0] for r in p["tables"]["regimes"]["rows"]}
    assert {lb.split()[-1] for lb in labels} == {"rising", "flat", "falling"}
    assert "prices/IWM.csv" in p["sources"]
    assert _fig(p, "beta.d_DGS2")["provenance"]["source"].startswith("prices/IWM.csv")


def test_rates_as_of_and_table(home):
    code, out = _run(home, "rates", "--as-of", "2020-12-31", "--json")
    assert code == 0, out
    p = json.loads(out)
    assert _fig(p, "beta.const")["provenance"]["window"].endswith("2020-12-31")
    assert all(f.split(".")[1] < "2021-01-01" for f in p["figures"] if f.startswith("turn.2"))
    code, out = _run(home, "rates")
    assert code == 0, out
    assert "Rates sensitivity of IWM - SPY" in out
    assert "HAC" in out
    assert "Fed policy turns" in out
    assert "nan" not in out.lower().replace("nonrobust", "")


def test_flows_reports_what_is_missing(home):
    """This home holds only IWM's three holdings-header counts (months apart): gaps, never flows."""
    code, out = _run(home, "flows", "--json")
    assert code == 0, out
    p = json.loads(out)
    assert p["as_of"] == "2026-05-05"
    assert _fig(p, "fund.IWM.rows")["value"] == 3
    assert _fig(p, "fund.IWM.usable")["value"] == 0
    cov = {r[0]: r for r in p["tables"]["coverage"]["rows"]}
    assert cov["IWM"][-1] == "first 1, gap 2"
    small = _fig(p, "small.net.YTD")
    assert small["value"] is None  # a gap never becomes a flow
    assert "no usable flow" in small["note"]
    assert any("Not covered" in n and "IJR" in n for n in p["notes"])
    assert "records" not in p["tables"]
    code, out = _run(home, "flows", "--segment", "small", "--as-of", "2026-06-30")
    assert code == 0, out
    assert "Estimated ETF net flows by size segment to 2026-05-05" in out
    assert "Not covered" in out and "IJR" in out


def test_flows_bad_segment(home):
    code, out = _run(home, "flows", "--segment", "tiny")
    assert code == 1
    assert "segment 'tiny' is not one of" in out


def test_crypto_side_by_side_and_dominance(home, fixtures_dir):
    markets = fixtures_dir / "coingecko" / "coins_markets_dashbrd.json"
    code, out = _run(home, "crypto", "--json", "--markets", str(markets))
    assert code == 0, out
    p = json.loads(out)
    assert _fig(p, "eth_btc.years")["value"] == 8
    assert _fig(p, "stocks.small_led")["provenance"]["symbols"] == ["IWM", "SPY"]
    items = json.loads(markets.read_bytes())
    from capsize.analytics.crosscap import DEFAULT_EXCLUDE

    kept = sorted(
        (c["market_cap"] for c in items if c["id"] not in DEFAULT_EXCLUDE and c["market_cap"]),
        reverse=True,
    )
    assert _fig(p, "dominance.majors")["value"] == pytest.approx((kept[0] + kept[1]) / sum(kept))
    assert _fig(p, "dominance.bitcoin")["value"] == pytest.approx(kept[0] / sum(kept))
    assert _fig(p, "dominance.majors")["provenance"]["window"] == "2023-07-28"
    assert any("alt basket: n/a" in n for n in p["notes"])
    assert any("market-cap snapshot: data end 2023-07-28" in n and "stale" in n for n in p["notes"])
    code, out = _run(home, "crypto", "--as-of", "2023-01-02", "--json", "--markets", str(markets))
    p = json.loads(out)
    assert "dominance.majors" not in p["figures"]  # the snapshot is dated after the as-of day
    assert any("dated after the as-of day" in n for n in p["notes"])
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
    assert [f for f in p["figures"] if f.startswith("beta.")] == ["beta.const", "beta.d_DGS10"]
    assert "basis: IWM total return (adjusted), SPY total return (adjusted)" in p["notes"]
    code, out = _run(home, "rates", "--series", "DGS5")
    assert code == 1
    assert "DGS5" in out


def test_nport_flows_replayed(tmp_path, fixtures_dir, capsys):
    import httpx

    from capsize._cli.drivers.flows import parse_nport_spec, print_nport
    from capsize.config import Settings
    from capsize.data.providers.sec import RateLimiter, SecEdgar
    from capsize.queries import nport_flows

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
    res = nport_flows([spec], edgar=edgar, segments={"muni": ["KYTF"]})
    p = res.to_dict()
    months = [r[0] for r in p["tables"]["months"]["rows"]]
    assert months == ["2022-10", "2022-11", "2022-12"]
    assert p["as_of"] == "2022-12-31"
    dec = _fig(p, "nport.KYTF.2022-12-31.flow")["value"]
    assert dec == pytest.approx(601068.84 + 31270.28 - 1787701.76)
    total = sum(
        _fig(p, f"nport.KYTF.{m}.flow")["value"] for m in ("2022-10-31", "2022-11-30", "2022-12-31")
    )
    assert _fig(p, "nport.segment.muni.flow")["value"] == pytest.approx(total)
    assert any(n.startswith("skipped KYTF 0000311101-23-000001") for n in p["notes"])
    print_nport(res)
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


def test_crypto_with_alt_basket(home, fixtures_dir, shared_data, tmp_path):
    """Alt histories fetched from CoinGecko (replayed) against BTC+ETH from the store."""
    import httpx
    import pandas as pd

    from capsize.analytics.crosscap import alt_universe
    from capsize.config import Settings
    from capsize.data.providers._http import make_client
    from capsize.data.providers.coingecko import CoinGeckoFetcher, fetch_histories, parse_markets
    from capsize.data.store import Store
    from capsize.queries import crypto

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
        p = crypto(store, alt_closes=closes, alt_source="replay").to_dict()
    finally:
        store.close()
    alts = _fig(p, "alts.vs_majors")
    assert alts["provenance"]["symbols"][:2] == ["ripple", "binancecoin"]
    assert alts["provenance"]["window"].startswith("2025-08-21..")
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
    assert alts["provenance"]["window"].endswith(common[-1])
    assert alts["value"] == pytest.approx(alt / maj - 1, rel=1e-9)
    assert any(r[0] == "crypto: alts vs BTC+ETH" for r in p["tables"]["leadership"]["rows"])


def test_rates_frequency_option(home):
    code, out = _run(home, "rates", "--frequency", "W", "--json")
    assert code == 0, out
    p = json.loads(out)
    assert p["params"]["frequency"] == "W"
    assert p["params"]["window"] == 156
    assert "last 156 weeks" in p["tables"]["sensitivity"]["columns"][3]
    assert _fig(p, "n_obs")["value"] > 1300
    code, out = _run(home, "rates", "--frequency", "Q")
    assert code == 1
    assert "frequency 'Q'" in out


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
    assert note in p["notes"] and p["as_of"] == last
    assert p["requested_as_of"] == "2099-01-01"
    assert any("partial effect" in n for n in p["notes"])
    code, out = _run(home, "rates", "--as-of", "2099-01-01")
    text = _flat(out)
    assert note in text
    assert "last 36 months" in text
    assert "holding the other yields fixed" in text
    assert f"as of {last}; sources: prices/IWM.csv; prices/SPY.csv; macro/DGS2.csv" in text
    import calendar

    y, m, d = (int(x) for x in last.split("-"))
    if d < calendar.monthrange(y, m)[1]:  # the last month is partial: never dated after the data
        assert f"{y}-{m:02d}-{calendar.monthrange(y, m)[1]}" not in text
        month = datetime.date(y, m, 1).strftime("%B %Y")
        assert f"{month} is not over (data to {last})" in text


def test_crypto_before_data_and_future_as_of(home, shared_data):
    eth = _dates(shared_data / "prices" / "ETH-USD.csv")[0]
    btc = _dates(shared_data / "prices" / "BTC-USD.csv")[0]
    before = "2010-01-04"
    assert min(eth, btc) > before
    code, out = _run(home, "crypto", "--as-of", before)
    assert code == 0, out
    text = _flat(out)
    assert "None" not in text
    p = json.loads(_run(home, "crypto", "--as-of", before, "--json")[1])
    rows = {r[0]: r for r in p["tables"]["leadership"]["rows"]}
    assert rows["crypto: ETH vs BTC"][-1] == "n/a (no data on or before the as-of day)"
    assert _fig(p, "eth_btc.years")["value"] is None
    assert _fig(p, "eth_btc.rel_1m")["value"] is None
    assert f"as of {before}; sources: prices/BTC-USD.csv" in text
    code, out = _run(home, "crypto", "--as-of", "2099-01-01", "--json")
    p = json.loads(out)
    assert any(n.startswith("as-of 2099-01-01 is after the latest data (") for n in p["notes"])
    assert _fig(p, "eth_btc.rel_1m")["value"] is not None
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
    assert out["as_of"] == "2026-09-09"  # IWM's daily history runs past the prices
    assert any("after the latest data" in n for n in out["notes"])
