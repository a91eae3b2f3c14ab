"""Manipulation-risk flags on hand-built cases and on recorded filings + real prices."""

from __future__ import annotations

import csv
from typing import TYPE_CHECKING

import httpx
import numpy as np
import pandas as pd
import pytest

from capsize.config import load_settings
from capsize.data.providers.sec import SecEdgar, recorded_transport
from capsize.errors import InputError
from capsize.stocks.catalysts import events_from_filings, timeline
from capsize.stocks.risk_flags import (
    FLAG_RULES,
    RiskThresholds,
    assess_risk_flags,
    find_spikes,
    reverse_split_dates,
)

if TYPE_CHECKING:
    from pathlib import Path

AS_OF = pd.Timestamp("2024-12-31")


def _series(
    n: int = 300, spike_at: int | None = 250, vol_mult: float = 10.0, seed: int = 1
) -> tuple[pd.Series, pd.Series]:
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range(end=AS_OF, periods=n)
    ret = rng.normal(0, 0.01, n)
    vol = rng.uniform(90_000, 110_000, n)
    if spike_at is not None:
        ret[spike_at] = 0.8
        vol[spike_at] = 100_000 * vol_mult
    close = pd.Series(5 * np.cumprod(1 + ret), index=idx)
    return close, pd.Series(vol, index=idx)


def _events(rows: list[tuple[str, str, tuple[str, ...]]]) -> pd.DataFrame:
    filings = pd.DataFrame(
        {
            "accession": [f"acc-{i}" for i in range(len(rows))],
            "filing_date": pd.to_datetime([r[0] for r in rows]),
            "form": [r[1] for r in rows],
            "items": [r[2] for r in rows],
        }
    )
    return events_from_filings(filings, ticker="X")


def _by_id(flags):
    return {f.id: f for f in flags}


def test_find_spikes_independent() -> None:
    close, vol = _series()
    got = find_spikes(close, vol)
    # independent: plain loops
    c, v = close.to_numpy(), vol.to_numpy()
    expected = []
    for i in range(1, len(c)):
        prev = v[max(0, i - 50) : i]
        if len(prev) >= 10 and c[i] / c[i - 1] - 1 >= 0.5 and v[i] >= 5 * np.median(prev):
            expected.append(close.index[i])
    assert list(got.index) == expected == [close.index[250]]
    with pytest.raises(InputError, match="close"):
        find_spikes([1.0, 2.0])  # type: ignore[arg-type]


def test_unexplained_spike_raised_and_explained() -> None:
    close, vol = _series()
    spike_day = close.index[250]
    flags = _by_id(
        assess_risk_flags(ticker="X", as_of=AS_OF, close=close, volume=vol, events=_events([]))
    )
    f = flags["unexplained_spike"]
    assert f.status == "RAISED"
    assert any(e.date == spike_day and "+80.0%" in e.value for e in f.evidence)
    # an 8-K the day before explains it
    ev = _events(
        [((spike_day - pd.Timedelta(days=1)).strftime("%Y-%m-%d"), "8-K", ("1.01", "9.01"))]
    )
    f2 = _by_id(assess_risk_flags(ticker="X", as_of=AS_OF, close=close, volume=vol, events=ev))[
        "unexplained_spike"
    ]
    assert f2.status == "CLEAR"
    # no volume surge -> no spike
    c3, v3 = _series(vol_mult=1.0)
    assert (
        _by_id(assess_risk_flags(ticker="X", as_of=AS_OF, close=c3, volume=v3, events=_events([])))[
            "unexplained_spike"
        ].status
        == "CLEAR"
    )


def test_not_assessed_without_data() -> None:
    flags = assess_risk_flags(ticker="X", as_of=AS_OF)
    assert [f.id for f in flags] == list(FLAG_RULES)
    assert all(f.status == "NOT ASSESSED" for f in flags)
    assert all(f.raised is None for f in flags)
    assert all(f.evidence for f in flags)
    close, vol = _series()
    flags = _by_id(assess_risk_flags(ticker="X", as_of=AS_OF, close=close, volume=vol, events=None))
    assert flags["unexplained_spike"].status == "NOT ASSESSED"
    assert "no SEC filing list" in flags["unexplained_spike"].evidence[-1].value
    assert flags["listing_deficiency"].status == "NOT ASSESSED"
    assert flags["penny_or_tiny"].status == "CLEAR"


def test_penny_and_tiny() -> None:
    close, vol = _series(spike_at=None)
    low = close / 10
    f = _by_id(assess_risk_flags(ticker="X", as_of=AS_OF, close=low, volume=vol))["penny_or_tiny"]
    assert f.status == "RAISED"
    assert f.evidence[0].date == AS_OF
    f = _by_id(
        assess_risk_flags(
            ticker="X", as_of=AS_OF, close=close, market_cap=20e6, market_cap_label="XBRL"
        )
    )["penny_or_tiny"]
    assert f.status == "RAISED"
    assert f.evidence[1].value == "$20.0M"


def test_repeated_reverse_splits_and_clusters() -> None:
    ev = _events(
        [
            ("2021-03-01", "8-K", ("3.03", "5.03")),
            ("2021-03-20", "8-K", ("3.03", "5.03", "9.01")),  # same split, second filing
            ("2023-05-01", "8-K", ("3.03", "5.03")),
            ("2024-02-01", "8-K", ("3.01",)),
        ]
    )
    assert reverse_split_dates(ev) == [pd.Timestamp("2021-03-01"), pd.Timestamp("2023-05-01")]
    flags = _by_id(assess_risk_flags(ticker="X", as_of=AS_OF, events=ev))
    assert flags["repeated_reverse_splits"].status == "RAISED"
    assert flags["listing_deficiency"].status == "RAISED"
    assert flags["listing_deficiency"].evidence[0].source == "SEC 8-K acc-3"
    later = _by_id(assess_risk_flags(ticker="X", as_of="2027-06-01", events=ev))
    assert later["repeated_reverse_splits"].status == "CLEAR"  # 2021 split older than 5 years
    assert later["listing_deficiency"].status == "CLEAR"


def test_dilution_after_spike() -> None:
    close, vol = _series()
    spike_day = close.index[250]
    shares = pd.DataFrame(
        {
            "end": [spike_day - pd.Timedelta(days=20), spike_day + pd.Timedelta(days=40)],
            "shares": [10e6, 14e6],
            "filed": [spike_day - pd.Timedelta(days=5), spike_day + pd.Timedelta(days=50)],
            "accn": ["a", "b"],
        }
    )
    f = _by_id(
        assess_risk_flags(
            ticker="X", as_of=AS_OF, close=close, volume=vol, shares=shares, events=_events([])
        )
    )
    assert f["dilution_after_spike"].status == "RAISED"
    assert "+40.0%" in f["dilution_after_spike"].evidence[0].value
    ev = _events([((spike_day + pd.Timedelta(days=10)).strftime("%Y-%m-%d"), "8-K", ("3.02",))])
    f = _by_id(assess_risk_flags(ticker="X", as_of=AS_OF, close=close, events=ev))[
        "dilution_after_spike"
    ]
    assert f.status == "RAISED"
    assert "share history" in f.evidence[-1].what or "3.02" in f.evidence[0].what


def test_thresholds_change_rules() -> None:
    th = RiskThresholds(spike_return=0.9)
    close, vol = _series()
    flags = _by_id(
        assess_risk_flags(
            ticker="X", as_of=AS_OF, close=close, volume=vol, events=_events([]), thresholds=th
        )
    )
    assert flags["unexplained_spike"].status == "CLEAR"
    assert "90%" in flags["unexplained_spike"].rule


def test_real_unicycive(fixtures_dir: Path, shared_data: Path) -> None:
    edgar = SecEdgar(
        load_settings(),
        client=httpx.Client(transport=recorded_transport(fixtures_dir / "sec")),
        offline=True,
    )
    ev = timeline(edgar.submissions("UNCY").frame, ticker="UNCY")
    with (shared_data / "universe" / "UNCY.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    close = pd.Series(
        [float(r["close"]) for r in rows], index=pd.to_datetime([r["date"] for r in rows])
    )
    flags = _by_id(assess_risk_flags(ticker="UNCY", as_of="2025-07-01", close=close, events=ev))
    # independent count of 3.01 8-Ks filed 2023-07-01..2025-07-01 from the raw json
    import json

    raw = json.loads(
        (fixtures_dir / "sec" / "submissions_CIK0001766140_Unicycive.json").read_text()
    )["filings"]["recent"]
    n301 = sum(
        1
        for f, d, it in zip(raw["form"], raw["filingDate"], raw["items"], strict=True)
        if f.startswith("8-K") and "3.01" in it.split(",") and "2023-07-01" <= d <= "2025-07-01"
    )
    lst = flags["listing_deficiency"]
    assert (lst.status == "RAISED") == (n301 > 0)
    assert len([e for e in lst.evidence if e.what == "8-K item 3.01"]) == n301
    assert flags["unexplained_spike"].status == "NOT ASSESSED"  # no volume given
    last = [r for r in rows if r["date"] <= "2025-07-01"][-1]
    assert flags["penny_or_tiny"].evidence[0].date == pd.Timestamp(last["date"])


def test_tiny_public_float_raises() -> None:
    close, _ = _series(spike_at=None)
    pf = (12e6, pd.Timestamp("2024-06-30"), "SEC XBRL dei:EntityPublicFloat")
    f = _by_id(assess_risk_flags(ticker="X", as_of=AS_OF, close=close, public_float=pf))[
        "penny_or_tiny"
    ]
    assert f.status == "RAISED"
    assert any(e.what == "public float" and e.value == "$12.0M" for e in f.evidence)
    big = (80e6, pd.Timestamp("2024-06-30"), "x")
    f = _by_id(assess_risk_flags(ticker="X", as_of=AS_OF, close=close, public_float=big))[
        "penny_or_tiny"
    ]
    assert f.status == "CLEAR"


def test_xbrl_only_events_do_not_clear_filing_flags() -> None:
    shares = pd.DataFrame(
        {
            "end": pd.to_datetime(["2022-01-01", "2022-04-01", "2023-01-01", "2023-04-01"]),
            "shares": [100e6, 5e6, 50e6, 2e6],  # two drops > 50%: two reverse splits
            "filed": pd.to_datetime(["2022-01-10", "2022-04-10", "2023-01-10", "2023-04-10"]),
            "accn": ["a", "b", "c", "d"],
        }
    )
    flags = _by_id(assess_risk_flags(ticker="X", as_of=AS_OF, shares=shares))
    assert flags["repeated_reverse_splits"].status == "RAISED"
    assert [e.date for e in flags["repeated_reverse_splits"].evidence[:2]] == [
        pd.Timestamp("2022-04-10"),
        pd.Timestamp("2023-04-10"),
    ]
    one = shares.iloc[:2]
    flags = _by_id(
        assess_risk_flags(
            ticker="X", as_of=AS_OF, shares=one, events=_events([]), filings_available=False
        )
    )
    assert (
        flags["repeated_reverse_splits"].status == "NOT ASSESSED"
    )  # one drop, no 8-K list to clear it
    assert flags["listing_deficiency"].status == "NOT ASSESSED"
    close, vol = _series()
    f = _by_id(
        assess_risk_flags(
            ticker="X",
            as_of=AS_OF,
            close=close,
            volume=vol,
            events=_events([]),
            filings_available=False,
        )
    )["unexplained_spike"]
    assert f.status == "NOT ASSESSED"
