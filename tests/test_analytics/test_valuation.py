"""Segment valuation vs plain-Python sums; loss-makers and coverage stated."""

from __future__ import annotations

import csv
import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from capsize.analytics.valuation import segment_valuation, valuation_by_segment, valuation_table
from capsize.errors import InputError, SchemaError

if TYPE_CHECKING:
    from pathlib import Path


def _plain(rows: list[tuple[float, float, float, float]]) -> dict[str, float]:
    """Independent: total market value owned / total earnings owned, in plain Python."""
    cov = [r for r in rows if not math.isnan(r[1]) and r[1] > 0 and not math.isnan(r[2])]
    tw = sum(r[0] for r in rows)
    cw = sum(r[0] for r in cov)
    # a fund with $1 split by weight owns w/M of each company
    owned_e = sum(r[0] / cw * r[2] / r[1] for r in cov)
    prof = [r for r in cov if r[2] > 0]
    pw = sum(r[0] for r in prof)
    owned_p = sum(r[0] / pw * r[2] / r[1] for r in prof)
    pes = sorted(r[1] / r[2] for r in prof)
    n = len(pes)
    med = (pes[n // 2] if n % 2 else (pes[n // 2 - 1] + pes[n // 2]) / 2) if n else float("nan")
    return {
        "coverage": cw / tw,
        "pe_agg": 1 / owned_e if owned_e > 0 else float("nan"),
        "pe_ex": 1 / owned_p,
        "pe_med": med,
        "loss_w": sum(r[0] for r in cov if r[2] <= 0) / cw,
        "loss_n": sum(1 for r in cov if r[2] <= 0) / len(cov),
    }


def test_hand_built_segment() -> None:
    rows = [
        (0.4, 100.0, 5.0, 4.0),
        (0.3, 50.0, -10.0, 2.0),
        (0.2, 80.0, 8.0, 10.0),
        (0.1, float("nan"), 1.0, 1.0),
    ]
    h = pd.DataFrame(rows, columns=["weight", "market_cap", "net_income", "net_income_prior"])
    v = segment_valuation(h, segment="small")
    exp = _plain(rows)
    assert v.coverage_weight == pytest.approx(exp["coverage"])
    assert v.n_covered == 3
    assert v.loss_share_weight == pytest.approx(exp["loss_w"])
    assert v.loss_share_count == pytest.approx(exp["loss_n"])
    assert v.pe_aggregate_ex_losses == pytest.approx(exp["pe_ex"])
    assert v.pe_median == pytest.approx(exp["pe_med"])
    # the loss-maker drags aggregate earnings below zero -> undefined, stated
    assert math.isnan(v.pe_aggregate)
    assert any("aggregate P/E undefined" in n for n in v.notes)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(0.001, 1.0),
            st.floats(1e6, 1e11),
            st.floats(-1e9, 1e9).filter(lambda x: abs(x) > 1.0),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_property_matches_plain(rows: list[tuple[float, float, float]]) -> None:
    full = [(w, m, e, float("nan")) for w, m, e in rows]
    h = pd.DataFrame(full, columns=["weight", "market_cap", "net_income", "net_income_prior"])
    v = segment_valuation(h)
    assert v.coverage_weight == pytest.approx(1.0)
    assert 0.0 <= v.loss_share_weight <= 1.0
    if any(e > 0 for _, _, e in rows):
        exp = _plain(full)
        assert v.pe_aggregate_ex_losses == pytest.approx(exp["pe_ex"], rel=1e-9)
        assert v.pe_median == pytest.approx(exp["pe_med"], rel=1e-9)
        if not math.isnan(exp["pe_agg"]):
            assert v.pe_aggregate == pytest.approx(exp["pe_agg"], rel=1e-6)
        # an aggregate over profitable holdings lies between their min and max P/E
        pes = [m / e for _, m, e in rows if e > 0]
        assert min(pes) * (1 - 1e-9) <= v.pe_aggregate_ex_losses <= max(pes) * (1 + 1e-9)
    else:
        assert math.isnan(v.pe_median)
        assert v.loss_share_count == 1.0


def test_growth() -> None:
    h = pd.DataFrame(
        {
            "weight": [0.5, 0.5],
            "market_cap": [100.0, 100.0],
            "net_income": [12.0, 6.0],
            "net_income_prior": [10.0, 5.0],
        }
    )
    v = segment_valuation(h)
    assert v.growth_aggregate == pytest.approx(0.2)
    assert v.growth_median == pytest.approx(0.2)
    assert v.growth_coverage_weight == pytest.approx(1.0)
    v2 = segment_valuation(h.drop(columns="net_income_prior"))
    assert math.isnan(v2.growth_aggregate)
    assert any("growth not assessed" in n for n in v2.notes)


def test_no_coverage_and_bad_input() -> None:
    h = pd.DataFrame(
        {"weight": [0.5, 0.5], "market_cap": [np.nan, np.nan], "net_income": [1.0, 2.0]}
    )
    v = segment_valuation(h, segment="x")
    assert v.coverage_weight == 0.0
    assert math.isnan(v.pe_aggregate)
    assert v.n_covered == 0
    with pytest.raises(SchemaError, match="market_cap"):
        segment_valuation(pd.DataFrame({"weight": [1.0]}))
    with pytest.raises(InputError, match="negative"):
        segment_valuation(
            pd.DataFrame({"weight": [-1.0], "market_cap": [1.0], "net_income": [1.0]})
        )
    with pytest.raises(InputError):
        segment_valuation([1, 2])  # type: ignore[arg-type]


def test_by_segment_on_real_holdings_weights(shared_data: Path) -> None:
    # real IWM/IVV weights; synthetic earnings (no filings for the universe), half covered
    def read(name: str) -> list[tuple[str, float]]:
        with (shared_data / "holdings" / name).open(encoding="utf-8-sig") as fh:
            lines = fh.read().splitlines()
        start = next(i for i, line in enumerate(lines) if line.startswith("Ticker,"))
        out = []
        for r in csv.DictReader(lines[start:]):
            if r.get("Asset Class") == "Equity" and r.get("Weight (%)"):
                out.append((r["Ticker"], float(r["Weight (%)"].replace(",", "")) / 100))
        return out

    rng = np.random.default_rng(7)
    frames = []
    for seg, name in (
        ("small (IWM)", "IWM_holdings_2025-11-05.csv"),
        ("large (IVV)", "IVV_holdings_2026-06-19.csv"),
    ):
        rows = read(name)
        n = len(rows)
        mc = rng.uniform(1e8, 1e10, n)
        ni = rng.normal(0.03, 0.08, n) * mc
        ni[::2] = np.nan
        frames.append(
            pd.DataFrame(
                {"segment": seg, "weight": [w for _, w in rows], "market_cap": mc, "net_income": ni}
            )
        )
    res = valuation_by_segment(pd.concat(frames, ignore_index=True))
    assert list(res) == ["small (IWM)", "large (IVV)"]
    for seg, f in zip(res, frames, strict=True):
        w = f["weight"].to_numpy()
        covered = ~np.isnan(f["net_income"].to_numpy())
        assert res[seg].coverage_weight == pytest.approx(w[covered].sum() / w.sum())
    table = valuation_table(res)
    assert list(table.index) == ["small (IWM)", "large (IVV)"]
    assert set(table.columns) >= {"pe_aggregate", "loss_share_weight", "coverage_weight"}
