"""The size family's queries against independent computations from the CSV files.

``factor_history`` and ``rotation_score`` run on the full store (``store_home``); every
expected value below is computed with plain pandas from ``shared/data`` (no capsize
code), point in time the way the query states it (French month M published at the end
of M+2; closes on or before the day).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from capsize.errors import InputError

DAY = "2025-06-30"
"""A Monday; French months published by then end 2025-04 (two-month lag)."""

SCORE_DAY = "2025-10-08"


@pytest.fixture(scope="module")
def factor(store: Any) -> Any:
    from capsize.queries import factor_history

    return factor_history(store, DAY)


@pytest.fixture(scope="module")
def rotation(store: Any) -> Any:
    from capsize.queries import rotation_score

    return rotation_score(store, SCORE_DAY)


def _csv(shared_data: Path, rel: str) -> pd.DataFrame:
    return pd.read_csv(shared_data / rel, parse_dates=["date"]).set_index("date")


def _smb(shared_data: Path, last: str = "2025-04-30") -> pd.Series:
    return _csv(shared_data, "macro/FF3_monthly.csv")["SMB"].loc[:last] / 100.0


# ---------------------------------------------------------------------------
# factor_history
# ---------------------------------------------------------------------------


def test_factor_growth_and_trailing_spreads(factor: Any, shared_data: Path) -> None:
    smb = _smb(shared_data)
    assert factor.as_of == pd.Timestamp("2025-04-30")
    assert math.isclose(factor.value("smb.growth"), float((1 + smb).prod()), rel_tol=1e-12)
    assert math.isclose(factor.value("smb.cumulative"), float((1 + smb).prod() - 1), rel_tol=1e-12)
    for y in (1, 3, 5, 10, 20, 50):
        cum = float((1 + smb.iloc[-12 * y :]).prod() - 1.0)
        assert math.isclose(factor.value(f"smb.trailing_{y}y.cum"), cum, rel_tol=1e-10)
        ann = (1 + cum) ** (1 / y) - 1
        assert math.isclose(factor.value(f"smb.trailing_{y}y.ann"), ann, rel_tol=1e-10)
    # percentile of the 10-year spread among every 10-year window since 1926
    line = (1 + smb).cumprod()
    roll = (line / line.shift(120)).dropna() - 1.0
    roll = pd.concat([pd.Series([line.iloc[119] - 1.0], index=[line.index[119]]), roll], sort=True)
    pctl = float((roll <= roll.iloc[-1]).mean())
    assert math.isclose(factor.value("smb.trailing_10y.pctl"), pctl, rel_tol=1e-12)
    prov = factor.fig("smb.growth").provenance
    assert (prov.source, prov.symbols, prov.window) == (
        "macro/FF3_monthly.csv",
        ("SMB",),
        "1926-07-31..2025-04-30",
    )


def test_factor_deciles_years_and_streak(factor: Any, shared_data: Path) -> None:
    me = _csv(shared_data, "macro/Portfolios_Formed_on_ME_VW_monthly.csv").loc[:"2025-04-30"]
    rel = (1 + me["Lo 10"] / 100) / (1 + me["Hi 10"] / 100) - 1
    assert math.isclose(factor.value("decile_vw.growth"), float((1 + rel).prod()), rel_tol=1e-10)
    smb = _smb(shared_data)
    yearly = (1 + smb).groupby(smb.index.year).prod() - 1
    for y in (2020, 2024):
        assert math.isclose(factor.value(f"smb.year.{y}"), float(yearly[y]), rel_tol=1e-12)
    assert factor.value("smb.year.2025.months") == 4
    # large caps led every complete year 2021..2024, small caps led 2020
    assert list(yearly.loc[2020:2024] < 0) == [False, True, True, True, True]
    assert factor.value("smb.streak.current.years") == 4
    run = float((1 + yearly.loc[2021:2024]).prod() - 1)
    assert math.isclose(factor.value("smb.streak.current.cumulative"), run, rel_tol=1e-12)


def test_factor_etf_tracking(factor: Any, shared_data: Path) -> None:
    px = pd.concat(
        [_csv(shared_data, f"prices/{s}.csv")["adj_close"].rename(s) for s in ("IWM", "SPY")],
        axis=1,
        sort=True,
    ).loc[:DAY]
    me = px.groupby(px.index.to_period("M")).last()
    etf = (me["IWM"] / me["IWM"].shift()) / (me["SPY"] / me["SPY"].shift()) - 1
    etf.index = etf.index.to_timestamp(how="end").normalize()
    both = pd.concat([_smb(shared_data).rename("f"), etf.rename("e")], axis=1, sort=True)
    both = both.dropna().iloc[-60:]
    corr = float(both["f"].corr(both["e"]))
    assert math.isclose(factor.value("smb.tracking.IWM_SPY.correlation"), corr, rel_tol=1e-9)
    assert factor.value("smb.tracking.IWM_SPY.n_months") == 60


def test_factor_tables_name_their_figures(factor: Any) -> None:
    d = factor.to_dict()
    for t in d["tables"].values():
        for row in t["rows"]:
            for cell in row:
                if isinstance(cell, dict):
                    assert cell["figure"] in d["figures"]
    assert factor.main == "smb" and factor.detailed == ("smb", "decile_vw")
    assert factor.to_frame().loc["smb.growth", "source"] == "macro/FF3_monthly.csv"


def test_factor_errors(store: Any) -> None:
    from capsize.queries import factor_history

    with pytest.raises(InputError, match="since=2030"):
        factor_history(store, DAY, since=2030)
    with pytest.raises(InputError, match="cycle threshold"):
        factor_history(store, DAY, cycle_threshold=1.5)
    with pytest.raises(InputError, match="YYYY-MM-DD"):
        factor_history(store, "30/06/2025")


# ---------------------------------------------------------------------------
# rotation_score
# ---------------------------------------------------------------------------


def test_rotation_relative_strength_rates_flows(rotation: Any, shared_data: Path) -> None:
    px = pd.concat(
        [_csv(shared_data, f"prices/{s}.csv")["adj_close"].rename(s) for s in ("IWM", "SPY")],
        axis=1,
        join="inner",
        sort=True,
    ).loc[:SCORE_DAY]
    ratio = (px["IWM"] / px["SPY"]).iloc[-200:]
    rs = float(ratio.iloc[-1] / ratio.mean() - 1)
    assert math.isclose(rotation.value("relative_strength.reading"), rs, rel_tol=1e-12)
    assert rotation.value("relative_strength.score") == 1  # +1.7%: between +1% and +5%
    dgs2 = _csv(shared_data, "macro/DGS2.csv")["value"].dropna().loc[:SCORE_DAY]
    d1 = dgs2.index[-1]
    d0 = dgs2.loc[: d1 - pd.DateOffset(months=3)].index[-1]
    assert math.isclose(rotation.value("rates_regime.reading"), dgs2[d1] - dgs2[d0], rel_tol=1e-12)
    sh = _csv(shared_data, "flows/IWM_daily_shares_nav_ishares_fund_history.csv")
    sh = sh["shares_outstanding"].loc[:SCORE_DAY]
    target = sh.index[-1] - pd.Timedelta(days=182)
    k = abs((sh.index - target).days).argmin()
    flows = float(sh.iloc[-1] / sh.iloc[k] - 1)
    assert math.isclose(rotation.value("flows.reading"), flows, rel_tol=1e-12)
    assert rotation.fig("flows.reading").provenance.source == (
        "flows/IWM_daily_shares_nav_ishares_fund_history.csv"
    )


def test_rotation_size_factor_regime_and_total(rotation: Any, shared_data: Path) -> None:
    # 2025-10-08: the last complete month is September; two months' lag -> July 2025
    x = _smb(shared_data, "2025-07-31").iloc[-36:]
    a12 = float((1 + x.iloc[-12:]).prod() - 1)
    a36 = float((1 + x).prod() ** (1 / 3) - 1)
    assert math.isclose(
        rotation.value("size_factor_regime.reading"), (a12 + a36) / 2, rel_tol=1e-12
    )
    assert rotation.component("size_factor_regime").as_of == pd.Timestamp("2025-07-31")
    weights = {"relative_strength": 0.25, "breadth": 0.15, "rates_regime": 0.15,
               "flows": 0.10, "valuation": 0.15, "size_factor_regime": 0.20}  # fmt: skip
    assessed = {c.name: c.score.value for c in rotation.components if c.status == "ASSESSED"}
    assert set(assessed) == set(weights) - {"valuation"}
    total = sum(weights[k] * v for k, v in assessed.items()) / sum(weights[k] for k in assessed)
    assert math.isclose(rotation.value("score"), total, abs_tol=1e-9)
    for c in rotation.components:
        assert c.weight.value == weights[c.name]
        assert [t.value for t in c.thresholds] == sorted(t.value for t in c.thresholds)
    assert rotation.fig("valuation.status").note == "NOT ASSESSED"
    assert rotation.fig("relative_strength.as_of").note == SCORE_DAY


def test_rotation_staleness_rule_on_the_last_day(store: Any) -> None:
    from capsize.queries import rotation_score
    from capsize.rules.staleness import RULE

    r = rotation_score(store, "2026-08-21", history=False)
    size, breadth = r.component("size_factor_regime"), r.component("breadth")
    assert size.status == breadth.status == "NOT ASSESSED"
    assert size.reason.startswith("stale: data end 2025-10-31, 294 days")
    assert breadth.reason.startswith("stale: data end 2026-07-31, 21 days")
    assert size.reading.value is not None  # the stale reading is shown, not scored
    assert r.component("flows").status == "ASSESSED"
    assert f"Staleness: {RULE}" in r.notes
    used = sum(c.weight_used.value for c in r.components)
    assert math.isclose(used, 1.0)
    assert not r.series and not any(t.name == "evidence" for t in r.tables)


def test_rotation_weights_from_the_session_config(store_home: Path, tmp_path: Path) -> None:
    from capsize.config import load_settings
    from capsize.data.store import Store
    from capsize.queries import Session, rotation_score

    (tmp_path / "config.toml").write_text("[rotation.weights]\nrelative_strength = 1.0\n")
    store = Store.open(store_home / "capsize.duckdb", read_only=True)
    try:
        s = Session(store, pd.Timestamp(SCORE_DAY), load_settings(tmp_path))
        r = rotation_score(s, history=False)
        explicit = rotation_score(store, SCORE_DAY, weights={"breadth": 0.0}, history=False)
    finally:
        store.close()
    assert r.component("relative_strength").weight.value == 1.0
    assert r.weights_origin == "[rotation.weights] of config.toml"
    assert explicit.weights_origin == "argument"
    assert explicit.component("breadth").weight_used.value == 0.0


def test_rotation_history_is_point_in_time(rotation: Any) -> None:
    h = rotation.get_series("history.score")
    assert h.dates[0] == "2001-01-31" and h.dates[-1] == "2025-09-30"
    assert len(rotation.history_labels) == len(h.dates)
    assert rotation.get_series("history.breadth").to_series().isna().all()
    ev = rotation.table("evidence")
    assert len(ev.rows) == 9 and ev.rows[0][1] == "3 months"


def test_lazy_exports() -> None:
    import capsize.queries as Q
    from capsize.queries import size

    assert Q.factor_history is size.factor_history
    assert Q.rotation_score is size.rotation_score
    assert list(size.__all__) == sorted(
        size.__all__, key=lambda n: (0 if n.isupper() else 1 if n[0].isupper() else 2, n)
    )
