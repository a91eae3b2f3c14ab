"""Fixes from the new-user trial: dated peaks, like-with-like relative returns, price wording,
a fund named as a return's vehicle.

Expected values are computed here with plain pandas from the CSV files of ``shared/data``.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from capsize.factcheck import check_article
from capsize.factcheck.extract import extract_claims

BTC_DAY = dt.date(2026, 6, 30)
DAY = dt.date(2026, 8, 21)


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
    # shared/data's raw closes of IWM have a gap around 2025-12-31: the index's price return
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


def test_a_fund_named_as_the_vehicle_gives_its_total_return(store: Any, prices: Any) -> None:
    day = dt.date(2026, 1, 2)
    rut = _ret(prices("RUT"), "2024-12-31", "2025-12-31")
    iwm = _ret(prices("IWM"), "2024-12-31", "2025-12-31")
    text = (
        "The Russell 2000 returned 11.3 % in 2025 on a price basis, or 12.7 % including "
        "dividends through IWM. The Russell 2000 returned 12.7 % in 2025, including dividends."
    )
    price, vehicle, dividends = check_article(text, store, day).verdicts
    assert price.computed == pytest.approx(rut, abs=1e-6) and price.verdict == "supported"
    assert [s.symbol for s in vehicle.claim.subjects] == ["IWM"]
    assert vehicle.computed == pytest.approx(iwm, abs=1e-6) and vehicle.verdict == "supported"
    # no fund named: the index has no dividends, so its ETF's total return, named as such
    assert dividends.computed == pytest.approx(iwm, abs=1e-6)
    assert dividends.verdict == "supported" and "IWM, total return" in dividends.definition


def test_last_week_on_a_friday_also_reads_the_week_just_ended(store: Any, prices: Any) -> None:
    gspc = prices("GSPC")
    calendar_week = _ret(gspc, "2026-08-09", "2026-08-14")  # Mon Aug 10 .. Fri Aug 14
    just_ended = _ret(gspc, "2026-08-14", str(DAY))  # Fri Aug 14 .. Fri Aug 21
    (v,) = check_article("The S&P 500 fell 2% last week.", store, DAY).verdicts
    assert v.computed == pytest.approx(calendar_week, abs=1e-6)
    assert v.verdict == "close"
    assert "week ending on the article's day" in v.definition
    assert f"{just_ended:+.2f} %" in v.reason
    (w,) = check_article("The S&P 500 fell 9% last week.", store, DAY).verdicts
    assert w.verdict == "contradicted"
    assert "no common definition" not in w.reason
    assert "week ending on the article's day" in w.reason


# --------------------------------------------------------------------------- outputs

MD = """# Small caps and bitcoin

*June 30, 2026*

- **Bitcoin** fell 30% from its peak of $126,000 reached in October 2025.
- IWM has underperformed SPY by 10 percentage points over the past 12 months.

The S&P 500 rose 5% in the first half of 2026.
The Russell 2000 rose 3% in the first half of 2026.
"""


def test_outputs_show_the_tolerance_structure_and_one_sign_convention(
    store: Any, prices: Any, tmp_path: Path
) -> None:
    from dataclasses import replace

    from capsize.factcheck import read_article
    from capsize.factcheck.render import summary_rows, to_html, to_markdown

    path = tmp_path / "article.md"
    path.write_text(MD, encoding="utf-8")
    art = read_article(str(path))
    assert art.format == "markdown"
    checked = check_article(art.text, store, BTC_DAY)
    checked = replace(checked, markup=art.source)
    iwm = _ret(prices("IWM"), "2025-06-30", str(BTC_DAY))
    spy = _ret(prices("SPY"), "2025-06-30", str(BTC_DAY))
    rows = {r[0]: r for r in summary_rows(checked)}
    relative = next(r for r in rows.values() if r[2] == "relative_return")
    # one convention, named, for claimed and computed: SPY less IWM
    assert relative[3].startswith("+9.50 pp .. +10.50 pp (SPY − IWM)")
    assert relative[4] == f"{spy - iwm:+.2f} pp (SPY − IWM, total return)"
    assert "(supported within +9.25 pp .. +10.75 pp)" in relative[3]
    md = to_markdown(checked)
    assert "### Small caps and bitcoin" in md
    assert "\n- **Bitcoin fell 30%" in md
    assert "\n- **IWM has underperformed" in md  # the list stays one list
    # consecutive claim lines are separate paragraphs
    assert re.search(r"[✅🟡❌⚪]\n\n\*\*The Russell 2000 rose 3%", md)
    assert "supported within" in to_html(checked)


@pytest.mark.parametrize(
    "joint",
    [", so", "; so", ", which means", ", meaning", ", and so", "; hence"],
)
def test_a_consequence_is_a_clause_of_its_own(joint: str) -> None:
    text = (
        "Small caps rose 12.8% in 2025 (IWM, total return), while the S&P 500 gained 17.7% in "
        f"2025 including dividends (SPY){joint} small caps lagged large caps by about 5 "
        "percentage points last year."
    )
    claims = extract_claims(text, dt.date(2026, 3, 20), unread=True)
    got = [(c.kind, tuple(s.symbol for s in c.subjects), c.claimed.text) for c in claims]  # type: ignore[union-attr]
    assert got == [
        ("return", ("IWM",), "12.8%"),
        ("return", ("SPY",), "17.7%"),
        ("relative_return", ("SPY", "IWM"), "about 5 percentage points"),
    ]
    assert claims[2].window is not None and claims[2].window.end == dt.date(2025, 12, 31)


def test_so_far_is_no_clause_break() -> None:
    (c,) = extract_claims("Small caps rose 5%, so far the best month this year.", DAY)
    assert (c.kind, c.claimed.text) == ("return", "5%")  # type: ignore[union-attr]


def test_every_figure_with_a_unit_is_a_claim_or_listed_with_its_reason() -> None:
    from capsize.factcheck.check import check_claim

    text = (
        "The fund charges 0.19 % a year in fees. "
        "The Russell 2000 gained 21.9 % in the first half, more than double the S&P 500's "
        "9.6 %. Forecasters see the 10-year yield at 4 % by December. Small caps rose 3 %."
    )
    plain = extract_claims(text, DAY)
    claims = extract_claims(text, DAY, unread=True)
    assert [c for c in claims if c.kind != "unread"] == list(plain)  # the claims do not change
    unread = {c.claimed.text: c for c in claims if c.kind == "unread"}  # type: ignore[union-attr]
    assert set(unread) == {"more than double", "4 %", "0.19 %"}
    reasons = {k: check_claim(c, None, DAY) for k, c in unread.items()}  # type: ignore[arg-type]
    assert {v.verdict for v in reasons.values()} == {"not checkable"}
    assert "'21.9 %', '9.6 %'" in reasons["more than double"].reason
    assert "forecast" in reasons["4 %"].reason
    assert "names no index" in reasons["0.19 %"].reason


def test_a_spread_is_labelled_by_what_was_computed_in_every_output(store: Any, prices: Any) -> None:
    import json

    from capsize.factcheck.render import summary_rows, to_html, to_json_text, to_markdown

    text = "Small caps trailed the S&P 500 by 13 percentage points in 2024."
    checked = check_article(text, store, dt.date(2026, 3, 20))
    (v,) = checked.verdicts
    assert [s.symbol for s in v.claim.subjects] == ["^GSPC", "IWM"]  # as written
    spread = _ret(prices("SPY"), "2023-12-31", "2024-12-31") - _ret(
        prices("IWM"), "2023-12-31", "2024-12-31"
    )
    assert v.computed == pytest.approx(spread, abs=1e-9)
    label = "SPY − IWM, total return"
    (row,) = summary_rows(checked)
    assert row[3].startswith("+12.50 pp .. +13.50 pp (SPY − IWM)")
    assert row[4] == f"{spread:+.2f} pp ({label})"
    outputs = {
        "html": to_html(checked),
        "md": to_markdown(checked),
        "json": json.loads(to_json_text(checked))["claims"][0]["definition"],
    }
    for name, out in outputs.items():
        assert label in out, name
        assert "^GSPC − IWM" not in out, name


def test_a_close_is_shown_in_cents_and_an_adjusted_stand_in_is_only_close(
    store: Any, prices: Any, shared_data: Path
) -> None:
    from capsize.factcheck.render import summary_rows

    raw = pd.read_csv(shared_data / "prices/raw/IWM_raw_taa.csv", parse_dates=["date"])
    raw_close = float(raw.set_index("date")["close"]["2024-12-31"])
    adjusted = float(prices("IWM")["close"]["2025-12-31"])
    text = (
        f"IWM closed at {raw_close:.2f} on December 31, 2024.\n\n"
        f"IWM closed at {adjusted:.2f} on December 31, 2025."
    )
    checked = check_article(text, store, dt.date(2026, 3, 20))
    quoted, gap = checked.verdicts
    assert quoted.verdict == "supported"  # a raw close is held for 2024-12-31
    assert quoted.computed == pytest.approx(raw_close, abs=1e-4)
    assert "raw close" in quoted.definition
    # 2025-12-31 lies in the raw-close gap (2025-09-29..2026-03-19): the adjusted close
    # stands in, so the verdict is "close" and names that definition
    assert gap.verdict == "close"
    assert gap.computed == pytest.approx(adjusted, abs=1e-4)
    assert "adjusted close, raw close missing" in gap.definition
    assert "dividend-adjusted close" in gap.reason
    rows = summary_rows(checked)
    assert rows[0][3].startswith(f"${raw_close:.2f} (supported within $")
    assert rows[0][4] == f"${raw_close:.2f}"
    assert rows[1][3].startswith(f"${adjusted:.2f} (")
    assert rows[1][4] == f"${adjusted:.2f}"
    # after the gap the raw closes hold the day again: the quoted close is checked
    jm = pd.read_csv(shared_data / "prices/raw/IWM_raw_jm.csv", parse_dates=["date"])
    july = float(jm.set_index("date")["close"]["2026-07-31"])
    (later,) = check_article(f"IWM closed at {july:.2f} on July 31, 2026.", store, DAY).verdicts
    assert later.verdict == "supported"
    assert later.computed == pytest.approx(july, abs=1e-4)
    assert "raw close" in later.definition and "adjusted" not in later.definition
