"""``capsize breadth / liquidity / levels`` on a store filled from the real data."""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING, Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from capsize.cli import app
from capsize.data.store import Store

if TYPE_CHECKING:
    from pathlib import Path

AS_OF = "2025-06-26"
runner = CliRunner()


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def _holdings_rows(path: Path, as_of: str) -> pd.DataFrame:
    text = path.read_text(encoding="utf-8-sig").splitlines()
    head = next(i for i, line in enumerate(text) if line.startswith("Ticker,"))
    recs = list(csv.reader(io.StringIO("\n".join(text[head:]))))
    cols = recs[0]
    rows = []
    for i, r in enumerate(recs[1:]):
        if len(r) != len(cols):
            continue
        x = dict(zip(cols, r, strict=True))
        rows.append(
            {
                "fund": "IWM",
                "as_of": pd.Timestamp(as_of).date(),
                "position": i,
                "ticker": x["Ticker"],
                "name": x["Name"],
                "sector": x["Sector"],
                "asset_class": x["Asset Class"],
                "weight": float(x["Weight (%)"].replace(",", "")) / 100,
                "shares": None,
                "market_value": None,
                "price": None,
                "source": "test",
            }
        )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def home(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with ~60 universe members, IWM/SPY bars, IWM holdings and membership."""
    folder = tmp_path_factory.mktemp("internals_home")
    store = Store.open(folder / "capsize.duckdb")
    tickers = sorted(p.stem for p in (shared_data / "universe").glob("*.csv"))[::37]
    frames = []
    for t in tickers:
        closes = pd.read_csv(shared_data / "universe" / f"{t}.csv", usecols=["date", "close"])
        ohlcv = shared_data / "universe_ohlcv" / f"{t}.csv"
        if ohlcv.exists():
            v = pd.read_csv(ohlcv, usecols=["date", "open", "high", "low", "volume"])
            closes = closes.merge(v, on="date", how="left")
        closes["symbol"] = t
        frames.append(closes)
    for etf in ("IWM", "SPY"):
        d = pd.read_csv(shared_data / "prices" / f"{etf}.csv")
        d["symbol"] = etf
        frames.append(d)
    bars = pd.concat(frames, ignore_index=True)
    bars["basis"] = "adjusted"
    store.write_bars(bars, source="test")
    kinds = ["stock"] * len(tickers) + ["etf", "etf"]
    store.write_symbols(
        pd.DataFrame(
            {
                "symbol": [*tickers, "IWM", "SPY"],
                "kind": kinds,
                "name": None,
                "note": None,
                "source": "test",
            }
        )
    )
    store.write_holdings(
        _holdings_rows(shared_data / "holdings" / "IWM_holdings_2025-05-13.csv", "2025-05-13")
    )
    m = pd.read_csv(shared_data / "holdings" / "IWM_membership_history_major-index-etfs.csv")
    store.write_membership(
        pd.DataFrame(
            {
                "index_name": "IWM",
                "snapshot_date": pd.to_datetime(m["snapshot_date"]).dt.date,
                "ticker": m["ticker"],
                "weight": m["weight_pct"] / 100,
                "source": "test",
            }
        )
    )
    store.close()
    return folder


def _members_on(shared_data: Path, day: str) -> set[str]:
    rows = _read(shared_data / "holdings" / "IWM_membership_history_major-index-etfs.csv")
    snap = max(r["snapshot_date"] for r in rows if r["snapshot_date"] <= day)
    return {r["ticker"] for r in rows if r["snapshot_date"] == snap}


def _expected_breadth(shared_data: Path, home: Path) -> dict[str, Any]:
    store = Store.open(home / "capsize.duckdb", read_only=True)
    stocks = set(store.symbols("stock"))
    store.close()
    members = sorted(_members_on(shared_data, AS_OF) & stocks)
    series = {
        t: {r["date"]: float(r["close"]) for r in _read(shared_data / "universe" / f"{t}.csv")}
        for t in members
    }
    cal = sorted({d for s in series.values() for d in s if d <= AS_OF})
    i = cal.index(AS_OF)
    adv = dec = 0
    for s in series.values():
        a, b = s.get(cal[i]), s.get(cal[i - 1])
        if a is not None and b is not None:
            adv += a > b
            dec += a < b
    return {"members": len(members), "advancers": adv, "decliners": dec, "base": cal[i - 252]}


def test_breadth_table_as_of(
    home: Path, shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAPSIZE_HOME", str(home))
    res = runner.invoke(app, ["breadth", "--as-of", AS_OF])
    assert res.exit_code == 0, res.output
    out = " ".join(res.output.split())
    exp = _expected_breadth(shared_data, home)
    assert f"Breadth of IWM members on {AS_OF}" in out
    assert f"Members with prices │ {exp['members']:,} │" in out
    assert "Survivorship bias" in out
    assert "McClellan" in out
    assert f"A/D line since {exp['base']}" in out  # the start is next to the figure


def test_breadth_json_is_the_query_result(
    home: Path, shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAPSIZE_HOME", str(home))
    res = runner.invoke(app, ["breadth", "--as-of", AS_OF, "--json"])
    assert res.exit_code == 0, res.output
    payload = json.loads(res.output)
    exp = _expected_breadth(shared_data, home)
    assert payload["schema"] == "capsize.query/1" and payload["query"] == "breadth"
    assert payload["as_of"] == payload["requested_as_of"] == AS_OF
    figs = payload["figures"]
    assert figs["members"]["value"] == exp["members"]
    assert figs["advancers"]["value"] == exp["advancers"]
    assert figs["decliners"]["value"] == exp["decliners"]
    assert figs["ad_line"]["provenance"]["window"] == f"{exp['base']}..{AS_OF}"
    assert exp["base"] in figs["ad_line"]["label"]
    assert any("Survivorship" in n for n in payload["notes"])
    again = json.loads(runner.invoke(app, ["breadth", "--as-of", AS_OF, "--json"]).output)
    assert again == payload


def test_liquidity_symbols_json(
    home: Path, shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAPSIZE_HOME", str(home))
    res = runner.invoke(app, ["liquidity", "IWM", "--as-of", AS_OF, "--json"])
    assert res.exit_code == 0, res.output
    payload = json.loads(res.output)
    rows = [r for r in _read(shared_data / "prices" / "IWM.csv") if r["date"] <= AS_OF][-63:]
    dv = [float(r["close"]) * float(r["volume"]) for r in rows]
    fig = payload["figures"]["IWM.adv_dollars"]
    assert fig["value"] == pytest.approx(sum(dv) / 63, rel=1e-9)
    assert fig["provenance"]["window"] == f"{rows[0]['date']}..{AS_OF}"
    assert payload["as_of"] == AS_OF
    assert payload["tables"]["symbols"]["rows"][0][0] == "IWM"


def test_liquidity_universe_and_levels_tables(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAPSIZE_HOME", str(home))
    res = runner.invoke(app, ["liquidity"])
    assert res.exit_code == 0, res.output
    out = " ".join(res.output.split())
    assert "Liquidity of IWM members" in out
    assert "With volume on nine in ten of 63 sessions" in out
    assert "Members by liquidity tier" in out
    assert "Survivorship bias" in out
    res = runner.invoke(app, ["levels", "IWM", "--as-of", AS_OF])
    assert res.exit_code == 0, res.output
    out = " ".join(res.output.split())
    assert "IWM support and resistance" in out
    assert "Last close" in out


def test_unknown_symbol_is_a_one_line_error(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAPSIZE_HOME", str(home))
    res = runner.invoke(app, ["levels", "NOPE"])
    assert res.exit_code == 1
    assert "NOPE" in res.output
    assert "Traceback" not in res.output


def _last_iwm(shared_data: Path) -> str:
    return _read(shared_data / "prices" / "IWM.csv")[-1]["date"]


def test_breadth_before_the_first_member_list_names_it(
    store_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Policy: never a later list (the CLI used to fall back to the latest one)."""
    monkeypatch.setenv("CAPSIZE_HOME", str(store_home))
    for cmd in (["breadth"], ["universe"], ["liquidity"]):
        res = runner.invoke(app, [*cmd, "--as-of", "2025-04-30"])
        assert res.exit_code == 1, res.output
        out = " ".join(res.output.split())
        assert "dated on or before 2025-04-30" in out
        assert "the first list is dated 2025-05-13" in out
        assert "Traceback" not in out


def test_breadth_future_as_of_notes_the_latest_day(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAPSIZE_HOME", str(home))
    store = Store.open(home / "capsize.duckdb", read_only=True)
    last = store.panel(field="close", basis="adjusted").index.max().strftime("%Y-%m-%d")
    store.close()
    payload = json.loads(runner.invoke(app, ["breadth", "--as-of", "2099-01-01", "--json"]).output)
    note = (
        f"as-of 2099-01-01 is after the latest universe prices ({last}); figures are as of {last}"
    )
    assert note in payload["notes"]
    assert payload["as_of"] == last and payload["requested_as_of"] == "2099-01-01"
    out = " ".join(runner.invoke(app, ["breadth", "--as-of", "2099-01-01"]).output.split())
    assert note in out
    assert f"As of {last}. Sources:" in out


def test_levels_short_lookback_says_what_to_use(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAPSIZE_HOME", str(home))
    res = runner.invoke(app, ["levels", "IWM", "--lookback", "5"])
    assert res.exit_code == 1
    assert "use a lookback of 11 or more" in res.output
    assert "pivot_window" not in res.output


def test_levels_and_liquidity_name_source_and_as_of(
    home: Path, shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAPSIZE_HOME", str(home))
    last = _last_iwm(shared_data)
    lv = runner.invoke(app, ["levels", "iwm", "--as-of", "2099-01-01"])
    assert lv.exit_code == 0, lv.output
    out = " ".join(lv.output.split())
    note = f"as-of 2099-01-01 is after the latest data of IWM ({last}); figures are as of {last}"
    assert note in out and f"As of {last}. Sources: test" in out
    lq = json.loads(
        runner.invoke(app, ["liquidity", "iwm", "--as-of", "2099-01-01", "--json"]).output
    )
    assert lq["as_of"] == last
    assert any(f"after the latest data of these symbols ({last})" in n for n in lq["notes"])
    assert lq["sources"] == ["test"]
    assert lq["figures"]["IWM.adv_dollars"]["provenance"]["source"] == "test"
    out = " ".join(runner.invoke(app, ["liquidity", "IWM", "--as-of", AS_OF]).output.split())
    assert f"As of {AS_OF}. Sources: test" in out


def test_as_of_before_the_data_names_its_start(
    home: Path, shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAPSIZE_HOME", str(home))
    first = _read(shared_data / "prices" / "IWM.csv")[0]["date"]
    for cmd in ("levels", "liquidity"):
        res = runner.invoke(app, [cmd, "IWM", "--as-of", "1990-01-01"])
        assert res.exit_code == 1
        out = " ".join(res.output.split())
        assert "on or before 1990-01-01" in out
        assert f"IWM's data starts {first}; pick a later as-of" in out


def test_dollar_volume_by_instrument_kind(
    store_home: Path, shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 12: BTC-USD volume is already USD; an index level times volume is no dollar volume."""
    monkeypatch.setenv("CAPSIZE_HOME", str(store_home))
    day = "2026-08-20"
    res = runner.invoke(app, ["liquidity", "BTC-USD", "IWM", "^RUT", "--as-of", day, "--json"])
    assert res.exit_code == 0, res.output
    figs = json.loads(res.stdout)["figures"]
    rows = [r for r in _read(shared_data / "prices" / "BTC-USD.csv") if r["date"] <= day][-91:]
    usd = [float(r["volume"]) for r in rows]
    assert figs["BTC-USD.adv_dollars"]["value"] == pytest.approx(sum(usd) / len(usd), rel=1e-12)
    assert figs["BTC-USD.adv_dollars"]["value"] < 1e12  # was 3.96e15 (price x USD volume)
    assert figs["BTC-USD.adv_shares"]["value"] is None
    assert figs["^RUT.adv_dollars"]["value"] is None
    assert "index" in figs["^RUT.adv_dollars"]["note"]
    assert not any(k.startswith("total") for k in figs)  # nothing adds an index in
    out = " ".join(runner.invoke(app, ["liquidity", "IWM", "^RUT"]).output.split())
    assert "$12.7T" not in out and "an index is not traded" in out


def test_universe_command(store_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAPSIZE_HOME", str(store_home))
    payload = json.loads(runner.invoke(app, ["universe", "--as-of", "2025-10-08", "--json"]).output)
    assert payload["query"] == "universe_members"
    assert payload["figures"]["list_date"]["note"] == "2025-10-04"
    out = " ".join(runner.invoke(app, ["universe", "--as-of", "2025-10-08"]).output.split())
    assert "IWM membership snapshot of 2025-10-04" in out
    assert "largest 15" in out
