"""Size-factor history checked against plain-Python computations over the raw French files.

Expected values are computed with the ``csv`` module and float loops over the
original French text files (``macro/french_original``, ``fixtures/french``),
independently of pandas. Tolerance for figures derived from the same monthly
numbers is 1e-10 (relative). Published annual sections are compared within an
explicit rounding bound (French rounds every value to 2 decimals), see
``_rounding_bound``.
"""

from __future__ import annotations

import calendar
import csv
import itertools
import math
import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from capsize.analytics import factors as F
from capsize.errors import InputError

if TYPE_CHECKING:
    from pathlib import Path

# ---------------------------------------------------------------------------
# plain-Python reading of French's text files
# ---------------------------------------------------------------------------

_ROW = re.compile(r"\d{4}|\d{6}|\d{8}|\d{4}-\d{2}-\d{2}")


def _sections(path: Path) -> dict[str, tuple[list[str], list[tuple[str, list[float]]]]]:
    """Split a French CSV into {title: (columns, [(date_text, values)])}."""
    out: dict[str, tuple[list[str], list[tuple[str, list[float]]]]] = {}
    title, current = "main", None
    with path.open(newline="", encoding="latin-1") as fh:
        for row in csv.reader(fh):
            if not row or all(not c.strip() for c in row):
                continue
            first = row[0].strip()
            if first.lower() in ("", "date") and len(row) > 1:
                current = title
                out[current] = ([c.strip() for c in row[1:]], [])
            elif current is not None and _ROW.fullmatch(first):
                out[current][1].append((first, [float(c) for c in row[1:]]))
            else:
                title, current = ",".join(row).strip(), None
    return out


def _month_end(text: str) -> pd.Timestamp:
    y, m = int(text[:4]), int(text[4:6])
    return pd.Timestamp(y, m, calendar.monthrange(y, m)[1])


def _frame(cols: list[str], rows: list[tuple[str, list[float]]]) -> pd.DataFrame:
    """Build the function input (a frame) from raw rows; no arithmetic here."""
    idx = pd.DatetimeIndex([_month_end(d) for d, _ in rows], name="date")
    return pd.DataFrame([v for _, v in rows], index=idx, columns=cols)


def _section(secs: dict, *words: str) -> tuple[list[str], list[tuple[str, list[float]]]]:
    keys = [k for k in secs if all(w in k for w in words)]
    assert len(keys) == 1, (words, list(secs))
    return secs[keys[0]]


def _close(a: float, b: float, rel: float = 1e-10) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=rel)


@pytest.fixture(scope="module")
def ff3(shared_data: Path) -> dict:
    return _sections(shared_data / "macro" / "french_original" / "F-F_Research_Data_Factors.csv")


@pytest.fixture(scope="module")
def me(shared_data: Path) -> dict:
    return _sections(shared_data / "macro" / "french_original" / "Portfolios_Formed_on_ME.csv")


@pytest.fixture(scope="module")
def me_2021(fixtures_dir: Path) -> dict:
    return _sections(fixtures_dir / "french" / "Portfolios_Formed_on_ME.CSV")


# ---------------------------------------------------------------------------
# cumulative lines, against plain products
# ---------------------------------------------------------------------------


def test_smb_cumulative_growth_matches_plain_product(ff3: dict) -> None:
    cols, rows = ff3["main"]
    j = cols.index("SMB")
    rs = F.factor_relative_returns(_frame(cols, rows), "SMB")
    line = F.cumulative_growth(rs)
    p = 1.0
    expected = []
    for _, v in rows:
        p *= 1.0 + v[j] / 100.0
        expected.append(p)
    assert len(line) == len(expected) == 1192
    assert all(_close(a, b) for a, b in zip(line.tolist(), expected, strict=True))
    assert rs.provenance.first_date == pd.Timestamp("1926-07-31")
    assert rs.provenance.last_date == pd.Timestamp("2025-10-31")


def test_tidy_csv_equals_original(shared_data: Path, ff3: dict) -> None:
    """The tidy FF3_monthly.csv the store imports carries the original numbers."""
    cols, rows = ff3["main"]
    with (shared_data / "macro" / "FF3_monthly.csv").open(newline="") as fh:
        tidy = list(csv.DictReader(fh))
    assert len(tidy) == len(rows)
    for t, (d, v) in zip(tidy, rows, strict=True):
        assert t["date"][:7].replace("-", "") == d
        assert float(t["SMB"]) == v[cols.index("SMB")]


@pytest.mark.parametrize(("words", "small", "large"), [
    (("Value Weight", "Monthly"), "Lo 10", "Hi 10"),
    (("Equal Weight", "Monthly"), "Lo 10", "Hi 10"),
    (("Value Weight", "Monthly"), "Lo 20", "Hi 20"),
    (("Equal Weight", "Monthly"), "Lo 30", "Hi 30"),
])  # fmt: skip
def test_decile_line_is_wealth_ratio(me: dict, words: tuple, small: str, large: str) -> None:
    cols, rows = _section(me, *words)
    rs = F.portfolio_relative_returns(_frame(cols, rows), small, large)
    line = F.cumulative_growth(rs).tolist()
    i, k = cols.index(small), cols.index(large)
    ws = wl = 1.0
    for n, (_, v) in enumerate(rows):
        ws *= 1.0 + v[i] / 100.0
        wl *= 1.0 + v[k] / 100.0
        assert _close(line[n], ws / wl), (n, line[n], ws / wl)
    assert len(line) == len(rows)


# ---------------------------------------------------------------------------
# missing codes
# ---------------------------------------------------------------------------


def test_le_zero_column_is_all_missing_code_and_becomes_nan(me: dict) -> None:
    cols, rows = _section(me, "Value Weight", "Monthly")
    j = cols.index("<= 0")
    assert all(v[j] == -99.99 for _, v in rows)  # French's code, every month
    masked = F.mask_missing_codes(_frame(cols, rows))
    assert masked["<= 0"].isna().all()
    assert masked.drop(columns="<= 0").notna().all().all()
    with pytest.raises(InputError, match="no valid values"):
        F.factor_relative_returns(_frame(cols, rows), "<= 0")


@pytest.mark.parametrize("code", [-99.99, -999.0])
def test_missing_code_inside_window_is_excluded(me: dict, code: float) -> None:
    """A code inside the window raises by default; with skip it is excluded, not compounded."""
    cols, rows = _section(me, "Value Weight", "Monthly")
    rows = [(d, list(v)) for d, v in rows[:120]]
    i, k = cols.index("Lo 10"), cols.index("Hi 10")
    rows[50][1][i] = code
    frame = _frame(cols, rows)
    with pytest.raises(InputError, match="missing month"):
        F.portfolio_relative_returns(frame, "Lo 10", "Hi 10")
    rs = F.portfolio_relative_returns(frame, "Lo 10", "Hi 10", nan_policy="skip")
    assert len(rs.returns) == 119
    assert _month_end(rows[50][0]) not in rs.returns.index
    ratio = 1.0
    for n, (_, v) in enumerate(rows):
        if n != 50:
            ratio *= (1.0 + v[i] / 100.0) / (1.0 + v[k] / 100.0)
    assert _close(float(F.cumulative_growth(rs).iloc[-1]), ratio)


def test_store_frame_and_raw_frame_agree(me: dict) -> None:
    """Frames with codes (parser) and with NaN (store) give identical answers."""
    cols, rows = _section(me, "Equal Weight", "Monthly")
    raw = _frame(cols, rows)
    stored = raw.replace(-99.99, np.nan)
    a = F.portfolio_relative_returns(raw).returns
    b = F.portfolio_relative_returns(stored).returns
    pd.testing.assert_series_equal(a, b)


# ---------------------------------------------------------------------------
# published annual sections
# ---------------------------------------------------------------------------


def _rounding_bound(monthly: list[float]) -> float:
    """Worst-case error (percent) of compounding 12 values rounded to 0.01 pp.

    Each monthly value is off by at most 0.005 pp; its effect on the annual
    return is 0.005 * P / (1 + r_m) (P = annual growth factor), plus 0.005 pp
    rounding of the published annual figure.
    """
    p = 1.0
    for r in monthly:
        p *= 1.0 + r / 100.0
    return 0.005 * sum(p / (1.0 + r / 100.0) for r in monthly) + 0.005 + 1e-9


@pytest.mark.parametrize("source", ["me", "me_2021"])
@pytest.mark.parametrize("weight", ["Value Weight", "Equal Weight"])
def test_annual_sections_equal_compounded_months(
    source: str, weight: str, request: pytest.FixtureRequest
) -> None:
    """French's annual returns = compounded monthly returns, within rounding.

    Observed worst case over 1927-2025 and 18 portfolios: 0.057 pp (bound ~0.06-0.2 pp).
    """
    secs = request.getfixturevalue(source)
    cols, monthly = _section(secs, weight, "Monthly")
    _, annual = _section(secs, weight, "Annual")
    rs_cols = [c for c in cols if c != "<= 0"]
    frame = _frame(cols, monthly)
    worst = 0.0
    for c in rs_cols:
        j = cols.index(c)
        # function under test: calendar_years of a plain return series (fraction)
        yrs = F.calendar_years(F.mask_missing_codes(frame[c]) / 100.0)
        by_year = {}
        for d, v in monthly:
            by_year.setdefault(int(d[:4]), []).append(v[j])
        for y_text, v in annual:
            y = int(y_text)
            assert len(by_year[y]) == 12
            got = float(yrs.loc[y, "relative"]) * 100.0
            diff = abs(got - v[j])
            worst = max(worst, diff)
            assert diff <= _rounding_bound(by_year[y]), (c, y, got, v[j])
    assert worst < 0.1


def test_decile_calendar_years_match_published_annual_spread(me: dict) -> None:
    """Yearly small/large relative return agrees with the published annual rows."""
    cols, monthly = _section(me, "Value Weight", "Monthly")
    _, annual = _section(me, "Value Weight", "Annual")
    yrs = F.calendar_years(F.portfolio_relative_returns(_frame(cols, monthly)))
    i, k = cols.index("Lo 10"), cols.index("Hi 10")
    for y_text, v in annual:
        published = (1.0 + v[i] / 100.0) / (1.0 + v[k] / 100.0) - 1.0
        # a 0.1 pp error on either leg moves the ratio by < 0.1 pp * 2 / (1 + r_large)
        tol = 0.002 / (1.0 + v[k] / 100.0) + 1e-9
        assert abs(float(yrs.loc[int(y_text), "relative"]) - published) <= tol
        assert yrs.loc[int(y_text), "leader"] == ("small" if published > 0 else "large") or (
            abs(published) < tol
        )


def test_rf_annual_is_compounded_monthly(ff3: dict) -> None:
    """French states the annual T-bill return is compounded from the monthly rates."""
    cols, monthly = ff3["main"]
    _, annual = _section(ff3, "Annual")
    j = cols.index("RF")
    yrs = F.calendar_years(F.factor_relative_returns(_frame(cols, monthly), "RF"))
    by_year: dict[int, list[float]] = {}
    for d, v in monthly:
        by_year.setdefault(int(d[:4]), []).append(v[j])
    for y_text, v in annual:
        y = int(y_text)
        assert abs(float(yrs.loc[y, "relative"]) * 100 - v[j]) <= _rounding_bound(by_year[y])


# ---------------------------------------------------------------------------
# rolling spreads, years, streaks, ranks, forward tables
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def smb(ff3: dict) -> tuple[F.RelativeSeries, list[float]]:
    cols, rows = ff3["main"]
    j = cols.index("SMB")
    return F.factor_relative_returns(_frame(cols, rows)), [v[j] / 100.0 for _, v in rows]


@pytest.mark.parametrize("years", [1, 3, 5, 10])
def test_rolling_spread_plain(smb: tuple, years: int) -> None:
    rs, r = smb
    got = F.rolling_spread(rs, years)
    n = 12 * years
    assert got["cumulative"].iloc[: n - 1].isna().all()
    for t in range(n - 1, len(r), 37):
        p = 1.0
        for x in r[t - n + 1 : t + 1]:
            p *= 1.0 + x
        assert _close(float(got["cumulative"].iloc[t]), p - 1.0, 1e-9)
        assert _close(float(got["annualised"].iloc[t]), p ** (1.0 / years) - 1.0, 1e-9)


def _plain_years(rs: F.RelativeSeries) -> dict[int, tuple[float, int]]:
    out: dict[int, list[float]] = {}
    for d, x in zip(rs.returns.index, rs.returns.tolist(), strict=True):
        out.setdefault(d.year, []).append(x)
    res = {}
    for y, xs in out.items():
        p = 1.0
        for x in xs:
            p *= 1.0 + x
        res[y] = (p - 1.0, len(xs))
    return res


def test_calendar_years_and_streaks_plain(smb: tuple) -> None:
    rs, _ = smb
    yrs = F.calendar_years(rs)
    plain = _plain_years(rs)
    assert list(yrs.index) == sorted(plain)
    for y, (v, n) in plain.items():
        assert _close(float(yrs.loc[y, "relative"]), v)
        assert int(yrs.loc[y, "months"]) == n
    assert not bool(yrs.loc[1926, "complete"])  # starts in July
    # plain longest large-cap run over complete years
    best, run, prev = 0, 0, None
    for y in sorted(plain):
        v, n = plain[y]
        if n != 12:
            continue
        run = run + 1 if v < 0 and prev == y - 1 and run > 0 else (1 if v < 0 else 0)
        prev = y
        best = max(best, run)
    streaks = F.leadership_streaks(yrs, "large", top=None)
    assert streaks[0].years == best
    assert all(s.cumulative < 0 for s in streaks)
    assert sum(s.years for s in streaks) == sum(1 for v, n in plain.values() if n == 12 and v < 0)


def test_streaks_hand_built() -> None:
    years = pd.DataFrame(
        {
            "relative": [0.1, -0.1, -0.2, 0.05, -0.1, -0.1, -0.1, -0.01],
            "months": [12] * 7 + [5],
            "complete": [True] * 7 + [False],
            "leader": ["small", "large", "large", "small", "large", "large", "large", "large"],
        },
        index=pd.Index(range(2000, 2008), name="year"),
    )
    s = F.leadership_streaks(years, "large")
    assert [(x.start_year, x.end_year, x.years, x.ongoing) for x in s] == [
        (2004, 2006, 3, True),
        (2001, 2002, 2, False),
    ]
    assert _close(s[0].cumulative, 0.9**3 - 1.0)
    assert _close(s[1].cumulative, 0.9 * 0.8 - 1.0)
    with pytest.raises(InputError):
        F.leadership_streaks(years, "mid")  # type: ignore[arg-type]


def test_trailing_ranks_plain(smb: tuple) -> None:
    rs, r = smb
    for tr in F.trailing_ranks(rs, (5,)):
        n = 60
        vals = []
        for t in range(n - 1, len(r)):
            p = 1.0
            for x in r[t - n + 1 : t + 1]:
                p *= 1.0 + x
            vals.append(p - 1.0)
        assert tr.n == len(vals)
        assert _close(tr.value, vals[-1])
        assert tr.rank == 1 + sum(1 for v in vals if v < vals[-1] - 1e-12)
        assert tr.date == pd.Timestamp("2025-10-31")


def test_forward_table_plain(smb: tuple) -> None:
    rs, r = smb
    lb, h = 60, 12
    edges = (-math.inf, -0.05, 0.0, 0.05, math.inf)
    got = F.conditional_forward_returns(rs, lb, (h,), edges).table
    wealth = [1.0]
    for x in r:
        wealth.append(wealth[-1] * (1.0 + x))
    for b in range(4):
        lo, hi = edges[b], edges[b + 1]
        fwd, months = [], []
        for t in range(lb - 1, len(r) - h):
            trail = (wealth[t + 1] / wealth[t + 1 - lb]) ** (12 / lb) - 1.0
            if lo <= trail < hi:
                fwd.append(wealth[t + 1 + h] / wealth[t + 1] - 1.0)
                months.append(t)
        indep, nxt = 0, -1
        for m in months:
            if m >= nxt:
                indep, nxt = indep + 1, m + h
        row = got.iloc[b]
        assert row["n_months"] == len(fwd)
        assert row["n_independent"] == indep
        assert _close(row["mean_ann"], sum(fwd) / len(fwd))  # h = 12: annualised = cumulative
        assert _close(row["hit_rate"], sum(1 for f in fwd if f > 0) / len(fwd))
        assert _close(row["worst"], min(fwd))
        assert _close(row["best"], max(fwd))


def test_forward_table_carries_warning_and_counts(smb: tuple) -> None:
    ft = F.conditional_forward_returns(smb[0])
    assert ft.warning == F.OVERREADING_WARNING
    assert (ft.table["n_independent"] <= ft.table["n_months"]).all()
    assert ft.current_bucket is not None
    with pytest.raises(InputError):
        F.conditional_forward_returns(smb[0], bins=(0.1, 0.0))


# ---------------------------------------------------------------------------
# cycles
# ---------------------------------------------------------------------------


def test_cycles_hand_built() -> None:
    vals = [1.0, 1.2, 1.5, 1.3, 1.0, 0.9, 1.1, 1.4, 1.35]
    line = pd.Series(vals, index=pd.date_range("2000-01-31", periods=9, freq="ME"))
    c = F.relative_cycles(line, 0.25)
    assert [(x.leader, x.start.month, x.end.month, x.ongoing) for x in c] == [
        ("small", 1, 3, False),
        ("large", 3, 6, False),
        ("small", 6, 9, True),
    ]
    assert _close(c[0].magnitude, 0.5)
    assert _close(c[1].magnitude, 0.9 / 1.5 - 1)
    assert c[1].months == 3
    assert F.relative_cycles(line, 0.9) == ()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-0.2, 0.2), min_size=2, max_size=200), st.floats(0.05, 0.5))
def test_cycles_properties(steps: list[float], thr: float) -> None:
    line = pd.Series(
        np.cumprod(1.0 + np.array(steps)),
        index=pd.date_range("1990-01-31", periods=len(steps), freq="ME"),
    )
    cycles = F.relative_cycles(line, thr)
    for a, b in itertools.pairwise(cycles):
        assert a.end == b.start
        assert a.leader != b.leader
    for c in cycles:
        if not c.ongoing:
            # a completed leg moved at least the threshold
            assert (
                c.magnitude >= thr - 1e-12 if c.leader == "small" else c.magnitude <= -thr + 1e-12
            )
            seg = line.loc[c.start : c.end]
            if c.leader == "small":
                assert seg.max() == line.loc[c.end]
                assert seg.min() == line.loc[c.start]
            else:
                assert seg.min() == line.loc[c.end]
                assert seg.max() == line.loc[c.start]


# ---------------------------------------------------------------------------
# point in time, daily compounding, tracking, validation
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "lag", "expected"),
    [
        ("2025-11-15", 2, "2025-08-31"),
        ("2025-11-30", 2, "2025-09-30"),
        ("2025-12-01", 1, "2025-10-31"),
        ("2025-12-31", 0, "2025-12-31"),
        ("2026-03-01", 2, "2025-12-31"),
    ],
)
def test_publication_cutoff(as_of: str, lag: int, expected: str) -> None:
    assert F.publication_cutoff(as_of, lag) == pd.Timestamp(expected)


def test_point_in_time_respects_lag(ff3: dict) -> None:
    cols, rows = ff3["main"]
    frame = _frame(cols, rows)
    pit = F.point_in_time(frame, "2020-06-15")
    assert pit.index[-1] == pd.Timestamp("2020-03-31")
    rs = F.factor_relative_returns(frame, as_of="2020-06-15", publication_lag_months=1)
    assert rs.returns.index[-1] == pd.Timestamp("2020-04-30")
    assert rs.provenance.as_of == pd.Timestamp("2020-06-15")
    # daily rows follow their month
    d = pd.Series(1.0, index=pd.date_range("2020-01-01", "2020-06-30", freq="D"))
    assert F.point_in_time(d, "2020-05-31").index[-1] == pd.Timestamp("2020-03-31")
    with pytest.raises(InputError):
        F.publication_cutoff("2020-01-01", -1)


def test_compound_daily_to_monthly_plain(shared_data: Path) -> None:
    path = shared_data / "macro" / "french_original" / "F-F_Research_Data_Factors_daily.csv"
    (cols, rows), *_ = _sections(path).values()
    j = cols.index("SMB")
    rows = [r for r in rows if r[0] >= "2025-01-01"]
    idx = pd.DatetimeIndex([pd.Timestamp(d) for d, _ in rows])
    daily = pd.DataFrame([v for _, v in rows], index=idx, columns=cols)
    got = F.compound_to_monthly(daily)["SMB"]
    plain: dict[str, float] = {}
    for d, v in rows:
        plain[d[:7]] = plain.get(d[:7], 1.0) * (1.0 + v[j] / 100.0)
    assert len(got) == len(plain)
    for ts, val in got.items():
        assert _close(val, (plain[f"{ts:%Y-%m}"] - 1.0) * 100.0)
    daily.iloc[3, j] = -99.99
    assert np.isnan(F.compound_to_monthly(daily)["SMB"].iloc[0])


def _month_end_closes(path: Path) -> dict[str, float]:
    out: dict[str, float] = {}
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            if row["close"]:
                out[row["date"][:7]] = float(row["close"])  # ascending: last wins
    return out


def test_etf_tracking_plain(shared_data: Path, smb: tuple) -> None:
    rs, _ = smb
    iwm = pd.read_csv(shared_data / "prices" / "IWM.csv", index_col="date", parse_dates=True)
    spy = pd.read_csv(shared_data / "prices" / "SPY.csv", index_col="date", parse_dates=True)
    got = F.etf_tracking(rs, iwm["close"], spy["close"], months=60)
    a = _month_end_closes(shared_data / "prices" / "IWM.csv")
    b = _month_end_closes(shared_data / "prices" / "SPY.csv")
    keys = sorted(set(a) & set(b))
    proxy = {k: (a[k] / a[p]) / (b[k] / b[p]) - 1.0 for p, k in itertools.pairwise(keys)}
    fac = {f"{d:%Y-%m}": x for d, x in rs.returns.items()}
    common = sorted(set(proxy) & set(fac))[-60:]
    x = [fac[k] for k in common]
    y = [proxy[k] for k in common]
    mx, my = sum(x) / 60, sum(y) / 60
    sxy = sum((u - mx) * (v - my) for u, v in zip(x, y, strict=True))
    sxx = sum((u - mx) ** 2 for u in x)
    syy = sum((v - my) ** 2 for v in y)
    d = [v - u for u, v in zip(x, y, strict=True)]
    md = sum(d) / 60
    assert got.n_months == 60
    assert got.end == pd.Timestamp("2025-10-31")
    assert _close(got.correlation, sxy / math.sqrt(sxx * syy))
    assert _close(got.beta, sxy / sxx)
    assert _close(got.tracking_error, math.sqrt(sum((e - md) ** 2 for e in d) / 59 * 12))
    assert got.correlation > 0.5  # IWM/SPY is a reasonable SMB proxy


def test_size_factor_history_bundle(me: dict) -> None:
    cols, rows = _section(me, "Value Weight", "Monthly")
    rs = F.portfolio_relative_returns(_frame(cols, rows))
    h = F.size_factor_history(rs, since=1990)
    assert h.provenance.first_date == pd.Timestamp("1990-01-31")
    assert h.line.index[0] == pd.Timestamp("1990-01-31")
    assert set(h.rolling) == {1, 3, 5, 10}
    assert h.cycles
    assert h.cycles[-1].ongoing
    assert h.forward.provenance.first_date == pd.Timestamp("1990-01-31")
    with pytest.raises(InputError):
        F.size_factor_history(rs, since=2100)


def test_validation() -> None:
    s = pd.Series([0.01, 0.02], index=[1, 2])
    with pytest.raises(InputError, match="DatetimeIndex"):
        F.cumulative_growth(s)
    s2 = pd.Series([0.01, 0.02], index=pd.DatetimeIndex(["2020-02-29", "2020-01-31"]))
    with pytest.raises(InputError, match="increasing"):
        F.cumulative_growth(s2)
    with pytest.raises(InputError, match="years"):
        F.rolling_spread(s2.sort_index(), 0)
    with pytest.raises(InputError, match="SMB"):
        F.factor_relative_returns(pd.DataFrame({"X": [1.0]}))
    with pytest.raises(InputError, match="threshold"):
        F.relative_cycles(s2.sort_index() + 1, 1.5)


def test_current_cycle_streak_and_rank(smb: tuple) -> None:
    h = F.size_factor_history(smb[0])
    cur = h.current_cycle
    assert cur is not None
    assert cur is h.cycles[-1]
    same = [c for c in h.cycles if c.leader == cur.leader]
    rank, n = h.cycle_rank()  # type: ignore[misc]
    assert n == len(same)
    assert rank == 1 + sum(c.months > cur.months for c in same)
    st_ = h.current_streak
    # SMB: large caps led every complete calendar year 2021-2024 (2025 is partial)
    assert st_ is not None
    assert (st_.leader, st_.start_year, st_.end_year) == ("large", 2021, 2024)


def test_streak_aftermath_plain(smb: tuple) -> None:
    rs, _ = smb
    got = F.streak_aftermath(rs, 3, "large", (1, 3))
    plain = _plain_years(rs)
    full = {y: v for y, (v, n) in plain.items() if n == 12}
    episodes = []
    run: list[int] = []
    for y in sorted(full):
        if full[y] < 0 and (not run or run[-1] == y - 1):
            run.append(y)
        else:
            if len(run) >= 3:
                episodes.append(run)
            run = [y] if full[y] < 0 else []
    if len(run) >= 3:
        episodes.append(run)
    assert got.table["start_year"].tolist() == [e[0] for e in episodes]
    assert got.table["run_years"].tolist() == [len(e) for e in episodes]
    for (_, row), e in zip(got.table.iterrows(), episodes, strict=True):
        trig = e[2]
        assert row["trigger_year"] == trig
        for h in (1, 3):
            ahead = list(range(trig + 1, trig + h + 1))
            if all(y in full for y in ahead):
                p = 1.0
                for y in ahead:
                    p *= 1.0 + full[y]
                assert _close(row[f"fwd_{h}y"], p - 1.0)
            else:
                assert np.isnan(row[f"fwd_{h}y"])
    assert got.warning.startswith(f"{len(episodes)} episode(s)")
    with pytest.raises(InputError):
        F.streak_aftermath(rs, 0)


def test_all_is_sorted_and_complete() -> None:
    # ruff RUF022 order: CONSTANTS, then Classes, then functions, each alphabetical
    def key(n: str) -> tuple[int, str]:
        return (0 if n.isupper() else 1 if n[0].isupper() else 2, n)

    assert list(F.__all__) == sorted(F.__all__, key=key)
    for name in F.__all__:
        assert hasattr(F, name), name
