"""Fixes from the new-user trial: dated peaks, like-with-like relative returns, price wording.

Expected values are computed here with plain pandas from the CSV files of ``shared/data``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from capsize.factcheck import check_article
from capsize.factcheck.extract import extract_claims

BTC_DAY = dt.date(2026, 6, 30)
DAY = dt.date(2026, 8, 21)


@pytest.fixture(scope="module")
def store(store_home: Path) -> Iterator[Any]:
    from capsize.data.store import Store

    s = Store.open(store_home / "capsize.duckdb", read_only=True)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture(scope="module")
def prices(shared_data: Path) -> Any:
    def read(name: str) -> pd.DataFrame:
        return pd.read_csv(shared_data / f"prices/{name}.csv", parse_dates=["date"]).set_index(
            "date"
        )

    return read


def _ret(frame: pd.DataFrame, base: str, end: str) -> float:
    c = frame["close"].dropna()
    return (float(c[:end].iloc[-1]) / float(c[:base].iloc[-1]) - 1.0) * 100.0


def test_a_dated_peak_dates_the_peak_not_the_fall(store: Any, prices: Any) -> None:
    btc = prices("BTC-USD")
    october = btc.loc["2025-10-01":"2025-10-31"]
    peak, peak_intraday = float(october["close"].max()), float(october["high"].max())
    fall = (float(btc["close"][: str(BTC_DAY)].iloc[-1]) / peak - 1.0) * 100.0
    text = (
        "Bitcoin is down 53% from its October 2025 peak. "
        "Bitcoin fell 53% from its peak of $126,000 reached in October 2025."
    )
    verdicts = check_article(text, store, BTC_DAY).verdicts
    kinds = [v.claim.kind for v in verdicts]
    assert kinds == ["distance_from_high", "distance_from_high", "level"]
    for v in verdicts[:2]:  # both wordings agree
        assert v.computed == pytest.approx(fall, abs=1e-6)
        assert v.verdict == "supported"
    level = verdicts[2]
    assert level.computed == pytest.approx(peak, rel=1e-9)
    assert level.verdict == "close"  # the intraday high is within the claimed $126,000
    assert 125_500 <= peak_intraday <= 126_500
    assert str(october["close"].idxmax().date()) in level.definition


def test_a_fall_this_year_stays_a_drawdown() -> None:
    (c,) = extract_claims("Bitcoin fell 40 % from its peak this year.", BTC_DAY)
    assert c.kind == "drawdown"


def test_relative_return_compares_like_with_like(store: Any, prices: Any) -> None:
    etf = _ret(prices("IWM"), "2025-12-31", str(DAY)) - _ret(prices("SPY"), "2025-12-31", str(DAY))
    idx = _ret(prices("RUT"), "2025-12-31", str(DAY)) - _ret(prices("GSPC"), "2025-12-31", str(DAY))
    text = "Small caps have outperformed the S&P 500 by 9.5 percentage points year to date."
    (v,) = check_article(text, store, DAY).verdicts
    assert v.verdict == "supported"
    assert v.computed == pytest.approx(etf, abs=1e-6)
    assert "SPY" in v.definition and "total return of IWM" in v.definition
    (v,) = check_article(
        "The Russell 2000 outperformed the S&P 500 by 9.5 percentage points year to date.",
        store,
        DAY,
    ).verdicts
    assert v.computed == pytest.approx(idx, abs=1e-6)
    assert v.verdict == "supported"


def test_price_wording_selects_the_price_return(store: Any, prices: Any) -> None:
    # shared/data holds no raw closes of IWM: its price return is the index's (^RUT)
    rut = _ret(prices("RUT"), "2025-12-31", str(DAY))
    total = _ret(prices("IWM"), "2025-12-31", str(DAY))
    text = "IWM's share price (excluding dividends) rose 21% this year. IWM is up 22% this year."
    price, plain = check_article(text, store, DAY).verdicts
    assert price.claim.options == {"basis": "price"}
    assert price.computed == pytest.approx(rut, abs=1e-6)
    assert "price return" in price.definition
    assert price.verdict == "supported"
    assert plain.computed == pytest.approx(total, abs=1e-6)
    assert plain.verdict == "supported"
