"""The performance queries, checked against plain csv arithmetic on ``shared/data``.

Expected figures are computed with the csv module and plain Python from the price files,
never through capsize.
"""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path
from typing import Any

import pytest

import capsize.queries as Q
from capsize.errors import DataNotFound, InputError
from capsize.queries.performance import (
    CONVENTION,
    STANDARD_WINDOWS,
    drawdowns,
    highs,
    leadership,
    proxies,
    relative_strength,
    risk,
    scoreboard,
    tape,
    window_returns,
)

TOL = 1e-10


@pytest.fixture(scope="module")
def px(shared_data: Path) -> Any:
    cache: dict[tuple[str, str], list[tuple[str, float]]] = {}

    def read(name: str, field: str = "close") -> list[tuple[str, float]]:
        if (name, field) not in cache:
            with (shared_data / "prices" / f"{name}.csv").open(newline="") as fh:
                cache[(name, field)] = [
                    (r["date"], float(r[field])) for r in csv.DictReader(fh) if r[field]
                ]
        return cache[(name, field)]

    return read


def ret(pairs: list[tuple[str, float]], start: str, end: str) -> tuple[float, str, str]:
    b = [p for p in pairs if p[0] <= start][-1]
    e = [p for p in pairs if p[0] <= end][-1]
    return e[1] / b[1] - 1, b[0], e[0]


def upto(pairs: list[tuple[str, float]], day: str) -> list[tuple[str, float]]:
    return [p for p in pairs if p[0] <= day]


# --------------------------------------------------------------------------- surface


def test_public_names() -> None:
    import capsize.queries.performance as perf

    assert perf.__all__ == sorted(perf.__all__, key=lambda n: (not n.isupper(), n[0].islower(), n))
    for name in ("proxies", "scoreboard", "window_returns", "relative_strength", "leadership",
                 "highs", "drawdowns", "risk", "tape"):  # fmt: skip
        assert getattr(Q, name) is getattr(perf, name)
        assert name in Q.__all__
    assert "base = last close on or before the window start" in CONVENTION
    assert STANDARD_WINDOWS[0] == "1D"


def test_results_are_immutable(store: Any) -> None:
    res = scoreboard(store, "2025-10-08", windows=("YTD",))
    with pytest.raises(TypeError):
        res.figures["x"] = res.fig("IWM.YTD.total")  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.as_of = None  # type: ignore[misc]
    frame = res.to_frame()
    assert frame.loc["IWM.YTD.total", "window"] == "2024-12-31..2025-10-08"


# --------------------------------------------------------------------------- proxies


def test_proxies_substitution_and_staleness(store: Any) -> None:
    res = proxies(store, "2026-08-21")
    by = res.by_segment()
    assert res.as_of.strftime("%Y-%m-%d") == "2026-08-21"
    assert by["mega"].symbol == "QQQ"
    assert [(s, d.strftime("%Y-%m-%d")) for s, d in by["mega"].passed_over] == [
        ("OEF", "2026-07-31")
    ]
    assert by["micro"].symbol == "IWC" and by["micro"].stale and not by["micro"].current
    assert res.fig("micro.last_close").note == "2026-07-31"
    assert any("IWC: data end 2026-07-31, 21 days before 2026-08-21 (stale" in n for n in res.notes)
    # five days behind: not current, but not stale under the staleness rule (10 days)
    early = proxies(store, "2026-08-05").by_segment()
    assert not early["micro"].current and not early["micro"].stale
    fresh = proxies(store, "2025-10-08").by_segment()
    assert fresh["mega"].symbol == "OEF" and fresh["mega"].passed_over == ()
    assert all(c.current for c in fresh.values())


def test_proxies_day_is_the_last_common_close(store: Any) -> None:
    res = proxies(store, "2025-10-11")  # a Saturday
    d = res.to_dict()
    assert (d["as_of"], d["requested_as_of"]) == ("2025-10-10", "2025-10-11")
    assert any(
        n.startswith("as-of 2025-10-11 is after the latest data (2025-10-10)") for n in res.notes
    )
    with pytest.raises(InputError, match="style must be one of"):
        proxies(store, style="momentum")


# --------------------------------------------------------------------------- scoreboard


def test_scoreboard_against_csv(store: Any, px: Any) -> None:
    res = scoreboard(store, "2025-10-08")
    iwm, _, _ = ret(px("IWM"), "2024-12-31", "2025-10-08")
    spy, _, _ = ret(px("SPY"), "2024-12-31", "2025-10-08")
    assert abs(res.value("IWM.YTD.total") - iwm) < TOL
    assert abs(res.value("IWM-SPY.YTD") - (iwm - spy)) < TOL
    rut, _, _ = ret(px("RUT"), "2024-12-31", "2025-10-08")
    assert abs(res.value("^RUT.YTD.price") - rut) < TOL
    assert res.value("^RUT.YTD.total") is None
    one, b, e = ret(px("SPY"), "2024-10-08", "2025-10-08")
    assert abs(res.value("SPY.1Y.total") - one) < TOL
    assert res.fig("SPY.1Y.total").provenance.window == f"{b}..{e}"
    d1, b, _ = ret(px("IWM"), "2025-10-07", "2025-10-08")
    assert abs(res.value("IWM.1D.total") - d1) < TOL and b == "2025-10-07"
    assert [r.symbol for r in res.rows] == ["IWC", "IWM", "IJH", "SPY", "OEF", "^RUT", "^GSPC"]
    assert [(a, b) for a, b, _ in res.spreads] == [
        ("IWM", "SPY"),
        ("IWC", "SPY"),
        ("^RUT", "^GSPC"),
    ]


def test_scoreboard_stale_proxy_shows_no_old_move_today(store: Any, px: Any) -> None:
    res = scoreboard(store, "2026-08-21")
    move = res.fig("IWC.1D.total")
    assert move.value is None and "no close on 2026-08-21" in move.note
    ytd, b, e = ret(px("IWC"), "2025-12-31", "2026-07-31")
    assert abs(res.value("IWC.YTD.total") - ytd) < TOL
    assert res.fig("IWC.YTD.total").provenance.window == f"{b}..{e}"
    assert "IWC" not in {a for a, _, _ in res.spreads}  # no micro - large spread on mixed dates
    row = next(r for r in res.rows if r.symbol == "IWC")
    assert not row.current and row.last_date.strftime("%Y-%m-%d") == "2026-07-31"
    wide = res.table("scoreboard")
    assert any(str(r[0]).endswith("to 2026-07-31") for r in wide.rows)


def test_scoreboard_style_and_dated_window(store: Any, px: Any) -> None:
    res = scoreboard(store, "2025-10-08", style="value", since="2025-06-30")
    assert res.windows == ("since",)
    small = next(r for r in res.rows if r.segment == "small")
    assert small.symbol == "VBR"
    exp, _, _ = ret(px("VBR"), "2025-06-30", "2025-10-08")
    assert abs(res.value("VBR.since.total") - exp) < TOL
    assert any("no value ETF proxy" in n for n in res.notes)


# --------------------------------------------------------------------------- window returns


def test_window_returns_between_is_as_of_its_end(store: Any, px: Any, dates_after: Any) -> None:
    res = window_returns(store, symbols=["IWC", "iwm"], between=("2025-06-30", "2025-09-30"))
    d = res.to_dict()
    assert d["as_of"] == "2025-09-30" and d["requested_as_of"] is None
    assert dates_after(d, "2025-09-30") == []
    assert not [n for n in res.notes if n.startswith("IWC")]
    for sym in ("IWC", "IWM"):
        exp, _, _ = ret(px(sym), "2025-06-30", "2025-09-30")
        assert abs(res.value(f"{sym}.between.total") - exp) < TOL


def test_window_returns_follow_the_staleness_rule(store: Any, px: Any) -> None:
    near = window_returns(store, "2026-08-07", symbols=["IWM", "IWC"], ytd=True)
    exp, _, e = ret(px("IWC"), "2025-12-31", "2026-08-07")
    assert e == "2026-07-31"
    assert abs(near.value("IWC.YTD.total") - exp) < TOL  # 7 days old: within the rule
    assert any(n == "IWC: data end 2026-07-31, 7 days before 2026-08-07" for n in near.notes)
    far = window_returns(store, "2026-08-21", symbols=["IWM", "IWC"], ytd=True)
    assert far.value("IWC.YTD.total") is None
    assert any("IWC: data end 2026-07-31, 21 days before 2026-08-21 (stale" in n for n in far.notes)


def test_window_returns_crypto_and_index(store: Any, px: Any) -> None:
    res = window_returns(store, "2025-10-08", symbols=["BTC-USD", "^RUT"], windows=("1M",))
    exp, _, _ = ret(px("BTC-USD"), "2025-09-08", "2025-10-08")
    assert abs(res.value("BTC-USD.1M.total") - exp) < TOL
    assert abs(res.value("BTC-USD.1M.price") - exp) < TOL
    assert any("crypto price level" in n for n in res.notes)
    assert res.value("^RUT.1M.total") is None


# --------------------------------------------------------------------------- relative strength


def _ma_cross(ratio: list[float]) -> tuple[int, bool]:
    """Sessions since the 50-day average of ``ratio`` last crossed its 200-day, and the side."""
    sides = []
    for i in range(199, len(ratio)):
        fast = sum(ratio[i - 49 : i + 1]) / 50
        slow = sum(ratio[i - 199 : i + 1]) / 200
        sides.append(fast > slow)
    k = len(sides) - 1
    while k > 0 and sides[k - 1] == sides[-1]:
        k -= 1
    return len(sides) - 1 - k, sides[-1]


def test_relative_strength_against_csv(store: Any, px: Any) -> None:
    day = "2025-10-08"
    a, b = dict(upto(px("IWM"), day)), dict(upto(px("SPY"), day))
    days = sorted(d for d in a if d in b)
    ratio = [a[d] / b[d] for d in days]
    res = relative_strength(store, day)
    assert abs(res.value("ratio.vs50") - (ratio[-1] / (sum(ratio[-50:]) / 50) - 1)) < 1e-9
    assert abs(res.value("ratio.vs200") - (ratio[-1] / (sum(ratio[-200:]) / 200) - 1)) < 1e-9
    sessions, above = _ma_cross(ratio)
    assert res.value("ma.cross.sessions") == sessions
    assert res.ma50_above_ma200 is above
    assert res.fig("ma.cross.side").note == ("above" if above else "below")
    back = [d for d in days if d <= "2025-07-08"][-1]
    assert abs(res.value("ratio.3m") - (ratio[-1] / ratio[days.index(back)] - 1)) < 1e-9
    iwm, _, _ = ret(px("IWM"), "2024-12-31", day)
    spy, _, _ = ret(px("SPY"), "2024-12-31", day)
    assert abs(res.value("spread.YTD") - (iwm - spy)) < TOL
    assert res.fig("spread.YTD").unit == "pp"
    assert abs(res.value("relative.YTD") - ((1 + iwm) / (1 + spy) - 1)) < TOL
    chart = res.get_series("ratio")
    assert chart.dates[-1] == day and abs(chart.values[0] - 1.0) < 1e-12
    with pytest.raises(InputError, match="two different symbols"):
        relative_strength(store, a="spy", b="SPY")


def test_leadership_against_csv(store: Any, px: Any) -> None:
    res = leadership(store, "2025-10-08")
    for y in (2008, 2024):
        a, _, _ = ret(px("IWM"), f"{y - 1}-12-31", f"{y}-12-31")
        b, _, _ = ret(px("SPY"), f"{y - 1}-12-31", f"{y}-12-31")
        assert abs(res.value(f"{y}.IWM") - a) < TOL
        assert abs(res.value(f"{y}.spread") - (a - b)) < TOL
    labels = [r[0] for r in res.table("years").rows]
    assert labels[0] == "2000 (partial)" and labels[-1] == "2025 (to date)"
    assert res.value("years.full") == 24
    assert res.current_leader == "SPY" and res.value("streak.current") == 4
    assert res.current_start == 2021


# --------------------------------------------------------------------------- highs, drawdowns


def test_highs_and_drawdowns_against_csv(store: Any, px: Any) -> None:
    day = "2025-10-08"
    iwm = upto(px("IWM"), day)
    best = max(iwm, key=lambda x: (x[1], -int(x[0].replace("-", ""))))
    res = highs(store, day, symbols=["iwm", "^RUT"])
    assert res.value("IWM.all_time_close.level") == best[1]
    assert res.fig("IWM.all_time_close.date").note == best[0]
    assert abs(res.value("IWM.all_time_close") - (iwm[-1][1] / best[1] - 1)) < TOL
    year = [x for x in iwm if x[0] > "2024-10-08"]
    assert res.value("IWM.week52_close.level") == max(v for _, v in year)
    peak, mdd = iwm[0][1], 0.0
    for _, v in iwm:
        peak = max(peak, v)
        mdd = min(mdd, v / peak - 1)
    assert abs(res.value("IWM.max_drawdown") - mdd) < TOL
    dd = drawdowns(store, day, symbols="IWM")
    assert dd.fig("IWM.max_drawdown") == res.fig("IWM.max_drawdown")
    assert res.ends == tuple((s, e) for s, e in res.ends)


def test_highs_of_a_stale_symbol_run_to_its_last_close(store: Any) -> None:
    res = highs(store, "2026-08-21", symbols=["IWM", "IWC"])
    ends = {s: e.strftime("%Y-%m-%d") for s, e in res.ends}
    assert ends == {"IWM": "2026-08-21", "IWC": "2026-07-31"}
    assert res.to_dict()["as_of"] == "2026-08-21"
    assert any(n.startswith("IWC: data end 2026-07-31") for n in res.notes)
    assert "no intraday highs" in res.fig("IWC.all_time_intraday").note


# --------------------------------------------------------------------------- risk, tape


def _beta(x: list[float], y: list[float]) -> float:
    mx, my = sum(x) / len(x), sum(y) / len(y)
    return sum((u - mx) * (v - my) for u, v in zip(x, y, strict=True)) / sum(
        (v - my) ** 2 for v in y
    )


def test_risk_against_csv(store: Any, px: Any) -> None:
    day = "2025-10-08"
    a, b = dict(upto(px("IWM"), day)), dict(upto(px("SPY"), day))
    common = sorted(d for d in a if d in b)
    for period, start in (("1Y", "2024-10-08"), ("3Y", "2022-10-08")):  # 2022-10-08: a Saturday
        base = [d for d in common if d <= start][-1]
        days = [d for d in common if d >= base]
        x = [a[days[i]] / a[days[i - 1]] - 1 for i in range(1, len(days))]
        y = [b[days[i]] / b[days[i - 1]] - 1 for i in range(1, len(days))]
        res = risk(store, day, symbol="IWM", period=period)
        assert abs(res.value("beta") - _beta(x, y)) < 1e-9
        assert res.value("sessions") == len(x)
        assert res.fig("beta").provenance.window == f"{base}..{day}"
    assert base == "2022-10-07"  # the base is the last close on or before the start
    with pytest.raises(InputError, match="since or period"):
        risk(store, day, since="2020-01-01", period="1Y")
    with pytest.raises(InputError, match="swap them"):
        risk(store, "2020-01-01", since="2021-01-01")
    with pytest.raises(InputError, match="threshold is a fraction"):
        risk(store, day, threshold=1.0)


def test_tape_against_csv(store: Any, px: Any) -> None:
    day = "2025-10-08"
    res = tape(store, day)
    moves = {}
    for sym in res.movers:
        name = sym
        exp, _, _ = ret(px(name), "2025-10-07", day)
        assert abs(res.value(f"{sym}.1D.total") - exp) < TOL
        moves[sym] = exp
    # ties: every proxy within a tenth of a point (the bottom-line tie rule) of the best/worst
    hi, lo = max(moves.values()), min(moves.values())
    assert set(res.leaders) == {s for s, v in moves.items() if hi - v <= 0.001}
    assert set(res.laggards) == {s for s, v in moves.items() if v - lo <= 0.001}
    assert set(res.leaders) == {"IWM", "IJH"} and res.leader is None  # +1.05% vs +1.01%
    assert min(moves, key=moves.__getitem__) in res.laggards
    assert res.laggard == (res.laggards[0] if len(res.laggards) == 1 else None)
    vol = upto(px("IWM", "volume"), day)
    avg = sum(v for _, v in vol[-21:-1]) / 20
    assert abs(res.value("IWM.volume_ratio") - vol[-1][1] / avg) < TOL
    sb = scoreboard(store, day)
    assert res.fig("IWM.1D.total") == sb.fig("IWM.1D.total")
    assert res.fig("IWM-SPY.1D") == sb.fig("IWM-SPY.1D")


def test_no_data_before_the_as_of(store: Any) -> None:
    with pytest.raises(DataNotFound, match="IWM's data starts 2000-05-26"):
        window_returns(store, "1990-01-01", symbols=["IWM"], ytd=True)
    with pytest.raises(DataNotFound, match="no closes for both IWM and SPY"):
        scoreboard(store, "1990-01-01")
    with pytest.raises(InputError, match="after as_of 2025-08-01"):
        window_returns(store, "2025-08-01", symbols=["IWM"], between=("2025-06-30", "2025-09-30"))
