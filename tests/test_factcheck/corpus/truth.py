"""Expected verdicts of the corpus articles, computed from the shared CSV files with pandas.

Nothing here imports capsize: each expected claim (``articles/*.toml``) is measured straight
from ``shared/data`` and judged with the tolerances capsize states (restated below), so the
expected verdicts are independent of the code they test. Load with :func:`load_truth`.

A measure gives the main value (in the claim's unit) and values under other common
definitions (index vs ETF, price vs intraday, ...); ``None`` means the data cannot settle it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.util
import math
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

SHARED = Path(os.environ.get("CAPSIZE_SHARED", Path(__file__).parents[4] / "shared")) / "data"

FILES = {"^RUT": "RUT", "^GSPC": "GSPC", "^IXIC": "IXIC", "^VIX": "VIX"}
TWIN = {
    "IWM": "^RUT",
    "^RUT": "IWM",
    "SPY": "^GSPC",
    "^GSPC": "SPY",
    "QQQ": "^IXIC",
    "^IXIC": "QQQ",
}
# (supported abs, supported rel, close abs, close rel) by unit, as capsize states them
BANDS = {
    "%": (0.25, 0.0, 0.5, 0.05),
    "pp": (0.25, 0.0, 0.5, 0.05),
    "x": (0.05, 0.05, 0.05, 0.10),
    "points": (0.0, 0.0025, 0.0, 0.015),
    "usd": (0.0, 0.05, 0.0, 0.20),
    "bp": (3.0, 0.0, 5.0, 0.0),
    "count": (0.0, 0.0, 1.0, 0.0),
    "date": (0.0, 0.0, 7.0, 0.0),
}
RATE = (0.05, 0.0, 0.25, 0.0)


@dataclass
class Measure:
    value: float | None
    alts: tuple[float, ...] = ()
    fact: bool | None = None
    magnitude: bool = False
    at_least: bool = False


_CACHE: dict[str, pd.DataFrame] = {}


def frame(name: str) -> pd.DataFrame:
    if name not in _CACHE:
        _CACHE[name] = pd.read_csv(SHARED / name, parse_dates=["date"]).set_index("date")
    return _CACHE[name]


def closes(symbol: str, end: Any = None) -> pd.Series:
    s = frame(f"prices/{FILES.get(symbol, symbol)}.csv")["close"].dropna()
    return s if end is None else s[: pd.Timestamp(end)]


def at(s: pd.Series, day: Any) -> float:
    part = s[: pd.Timestamp(day)]
    if part.empty or (pd.Timestamp(day) - part.index[-1]).days > 7:
        raise LookupError(day)
    return float(part.iloc[-1])


def pct(symbol: str, start: Any, end: Any, anchor: str = "", anchor_end: Any = None) -> float:
    s = closes(symbol, end)
    if anchor:
        part = s[pd.Timestamp(start) : pd.Timestamp(anchor_end or end)]
        base = float(part.min() if anchor == "low" else part.max())
    else:
        base = at(s, start)
    return (at(s, end) / base - 1.0) * 100.0


def _window(e: Any, day: dt.date) -> tuple[Any, Any]:
    return e.start, min(e.end, day) if e.end else day


def m_return(e: Any, day: dt.date) -> Measure:
    start, end = _window(e, day)
    if start is None:
        return Measure(None)
    sym = e.symbols[0]
    main = pct(sym, start, end, e.anchor, e.anchor_end)
    alts = []
    if sym in TWIN:
        with contextlib.suppress(LookupError):
            alts.append(pct(TWIN[sym], start, end, e.anchor, e.anchor_end))
    last_day = closes(sym, end).index[-1]
    before = day - dt.timedelta(days=1)
    if not e.anchor and end == day and last_day == pd.Timestamp(day) and start < before:
        alts.append(pct(sym, start, before))  # written before the day's close
    return Measure(main, tuple(alts))


def _like_pairs(a: str, b: str) -> list[tuple[str, str]]:
    """Pairs compared like with like, best first, then the pair as written.

    An ETF's close includes dividends (total return), an index level does not (price
    return). An ETF against an index (IWM vs ^GSPC) is compared through the index's ETF
    twin (IWM vs SPY, total return), else the ETF's index twin (^RUT vs ^GSPC, price return);
    the mixed pair as written is only another definition.
    """
    if a not in TWIN or b not in TWIN or a.startswith("^") == b.startswith("^"):
        return [(a, b)]
    ea, eb = (TWIN[s] if s.startswith("^") else s for s in (a, b))
    ia, ib = (s if s.startswith("^") else TWIN[s] for s in (a, b))
    return [(ea, eb), (ia, ib), (a, b)]


def m_relative(e: Any, day: dt.date) -> Measure:
    start, end = _window(e, day)
    spreads = []
    for x, y in _like_pairs(*e.symbols[:2]):
        with contextlib.suppress(LookupError):
            ra, rb = pct(x, start, end), pct(y, start, end)
            spreads.append(ra / rb if e.unit == "x" else ra - rb)
    if not spreads:
        raise LookupError(e.symbols)
    return Measure(spreads[0], tuple(spreads[1:]))


def m_level(e: Any, day: dt.date) -> Measure:
    end = min(e.end, day) if e.end else day
    if "intraday" in e.quote and e.start and (end - e.start).days > 1:
        f = frame(f"prices/{FILES.get(e.symbols[0], e.symbols[0])}.csv")
        f = f[pd.Timestamp(e.start) : pd.Timestamp(end)]
        mid = (e.low + e.high) / 2
        best = min((float(f["high"].max()), float(f["low"].min())), key=lambda v: abs(v - mid))
        return Measure(best, (float(f["close"].max()), float(f["close"].min())))
    f = frame(f"prices/{FILES.get(e.symbols[0], e.symbols[0])}.csv")[: pd.Timestamp(end)]
    row = f.iloc[-1]
    alts = tuple(float(row[k]) for k in ("high", "low") if not pd.isna(row[k]))
    if "intraday" in e.quote and alts:
        mid = (e.low + e.high) / 2
        best = min(alts, key=lambda v: abs(v - mid))
        return Measure(best, (float(row["close"]),))
    return Measure(float(row["close"]), alts)


def m_record(e: Any, day: dt.date) -> Measure:
    end = min(e.end, day) if e.end else day
    start = e.start or (end - dt.timedelta(days=7))
    s = closes(e.symbols[0], end)
    when = s.idxmax()
    fact = pd.Timestamp(start) <= when <= pd.Timestamp(end)
    if e.low is None:
        return Measure(None, fact=fact)
    if e.unit == "count":
        prior = s.cummax().shift(1)
        inside = s[pd.Timestamp(start) :]
        return Measure(float((inside > prior[inside.index]).sum()))
    return Measure(float(s.max()), fact=fact)


def m_distance(e: Any, day: dt.date) -> Measure:
    end = min(e.end, day) if e.end else day
    s = closes(e.symbols[0], end)
    named = e.start is not None and (e.end - e.start).days > 7
    if named and e.anchor_end is not None:
        peak = float(s[pd.Timestamp(e.start) : pd.Timestamp(e.anchor_end)].max())
        return Measure((float(s.iloc[-1]) / peak - 1) * 100, magnitude=True)
    if named and e.end < day - dt.timedelta(days=7):
        peak = float(s[pd.Timestamp(e.start) : pd.Timestamp(e.end)].max())
        last = at(closes(e.symbols[0], day), day)
        return Measure((last / peak - 1) * 100, magnitude=True)
    base = s[pd.Timestamp(e.start) :] if named else s
    return Measure((float(s.iloc[-1]) / float(base.max()) - 1) * 100, magnitude=True)


def m_drawdown(e: Any, day: dt.date) -> Measure:
    start, end = _window(e, day)
    s = closes(e.symbols[0], end)
    s = s[pd.Timestamp(start) :] if start else s
    dd = float((s / s.cummax() - 1).min()) * 100
    off = (float(s.iloc[-1]) / float(s.max()) - 1) * 100
    return Measure(dd, (off,), magnitude=True)


def m_rate(e: Any, day: dt.date) -> Measure:
    sid = e.symbols[0]
    v = frame(f"macro/{sid}.csv")["value"].dropna()
    end = min(e.end, day) if e.end else day
    level = float(v[: pd.Timestamp(end)].iloc[-1])
    if e.unit == "%":
        return Measure(level)
    start = float(v[: pd.Timestamp(e.start)].iloc[-1])
    scale = 1.0 if e.unit == "bp" else 0.01
    alts = []
    later = min(end + dt.timedelta(days=5), day)
    if sid == "DFF" and later > end:  # the effective rate follows the target a day later
        alts.append((float(v[: pd.Timestamp(later)].iloc[-1]) - start) * 100 * scale)
    return Measure((level - start) * 100 * scale, tuple(alts))


def m_cuts(e: Any, day: dt.date) -> Measure:
    """Moves of the DFF: sustained steps of its weekly median of at least 0.15 pp."""
    dff = frame("macro/DFF.csv")["value"]
    part = dff[pd.Timestamp(e.start) - pd.Timedelta(days=14) : pd.Timestamp(min(e.end, day))]
    weekly = part.resample("W").median()
    steps = weekly.diff()
    moves = steps[(steps.abs() >= 0.15) & (steps.index > pd.Timestamp(e.start))]
    # a 50 bp cut spread over two weeks counts once
    days = list(moves.index)
    merged = [d for i, d in enumerate(days) if i == 0 or (d - days[i - 1]).days > 14]
    hikes = "hike" in e.quote or "raised" in e.quote
    n = sum(1 for d in merged if (moves[d] > 0) == hikes)
    return Measure(float(n))


def _daily(symbols: tuple[str, ...], start: Any, end: Any) -> pd.DataFrame:
    both = pd.concat([closes(s, end) for s in symbols], axis=1, join="inner")
    return both[pd.Timestamp(start) :].pct_change().dropna()


def _risk_window(e: Any, day: dt.date, years: int) -> tuple[Any, Any]:
    end = min(e.end, day) if e.end else day
    if e.start is not None and (e.end - e.start).days < 360:
        return e.start, end
    if e.start is not None and years == 1:
        return e.start, end
    return pd.Timestamp(end) - pd.DateOffset(years=years), end


def _ratio(e: Any, day: dt.date, years: int) -> float:
    r = _daily(tuple(e.symbols[:2]), *_risk_window(e, day, years))
    return float(r.iloc[:, 0].std() / r.iloc[:, 1].std())


def m_volratio(e: Any, day: dt.date) -> Measure:
    start, end = _risk_window(e, day, 1)
    r = _daily(tuple(e.symbols[:2]), start, end)
    beta = float(r.cov().iloc[0, 1] / r.iloc[:, 1].var())
    return Measure(_ratio(e, day, 1), (beta, _ratio(e, day, 3)))


def m_beta(e: Any, day: dt.date) -> Measure:
    start, end = _risk_window(e, day, 1)
    r = _daily(tuple(e.symbols[:2]), start, end)
    return Measure(float(r.cov().iloc[0, 1] / r.iloc[:, 1].var()))


def m_run(e: Any, day: dt.date) -> Measure:
    end = pd.Timestamp(min(e.end, day))
    q = e.quote.lower()
    period = "M" if "month" in q else "Y"
    data = {s: closes(s, end) for s in e.symbols[:2]}
    ends = pd.DataFrame({s: c.groupby(c.index.to_period(period)).last() for s, c in data.items()})
    rets = ends.pct_change().dropna()
    if rets.index[-1].end_time.normalize() > end + pd.Timedelta(days=3):
        rets = rets.iloc[:-1]
    first = rets.iloc[:, 0]
    if len(e.symbols) > 1:
        lag = bool(re.search(r"trail|lag|underperform|behind", q))
        ok = first < rets.iloc[:, 1] if lag else first > rets.iloc[:, 1]
    else:
        ok = first < 0 if re.search(r"fell|down|loss|decline", q) else first > 0
    n = 0
    for v in ok[::-1]:
        if not v:
            break
        n += 1
    return Measure(float(n), at_least=True)


def m_flows(e: Any, day: dt.date) -> Measure:
    if e.symbols[0] != "IWM":
        return Measure(None)
    f = frame("flows/IWM_daily_shares_nav_ishares_fund_history.csv").dropna(
        subset=["shares_outstanding", "nav"]
    )
    end = min(e.end, day)
    part = f[f.index >= f.index[f.index <= pd.Timestamp(e.start)][-1]][: pd.Timestamp(end)]
    return Measure(float((part["shares_outstanding"].diff() * part["nav"]).sum()))


def m_volume(e: Any, day: dt.date) -> Measure:
    v = frame(f"prices/{FILES.get(e.symbols[0], e.symbols[0])}.csv")["volume"]
    v = v[v > 0].dropna()
    start, end = pd.Timestamp(e.start), pd.Timestamp(min(e.end, day))
    if (end - start).days < 300:
        now = v[(v.index > start) & (v.index <= end)].mean()
        a, b = start - pd.DateOffset(years=1), end - pd.DateOffset(years=1)
        then = v[(v.index > a) & (v.index <= b)].mean()
    else:
        now, then = v[:end].tail(20).mean(), v[:start].tail(20).mean()
    return Measure(float(now / then - 1) * 100)


MEASURES = {
    "return": m_return,
    "relative_return": m_relative,
    "level": m_level,
    "record_high": m_record,
    "distance_from_high": m_distance,
    "drawdown": m_drawdown,
    "rate_level": m_rate,
    "rate_cuts": m_cuts,
    "volatility_ratio": m_volratio,
    "beta": m_beta,
    "run": m_run,
    "flows": m_flows,
    "volume_change": m_volume,
    "valuation": lambda e, day: Measure(None),
}


def _inside(v: float, low: float, high: float, band: tuple[float, ...], close: bool) -> bool:
    size = max((abs(x) for x in (low, high) if math.isfinite(x)), default=0.0)
    pad = band[2] + band[3] * size if close else band[0] + band[1] * size
    return low - pad - 1e-9 <= v <= high + pad + 1e-9


def verdict(e: Any, day: dt.date) -> tuple[str, float | None]:
    """Return the expected verdict of claim ``e`` and the main value measured."""
    try:
        m = MEASURES[e.kind](e, day)
    except (LookupError, KeyError, FileNotFoundError, IndexError):
        return "not checkable", None
    if m.fact is not None and (e.low is None or not m.fact):
        return ("supported" if m.fact else "contradicted"), m.value
    if m.value is None or not math.isfinite(m.value):
        return "not checkable", None
    low, high = e.low, e.high
    value, alts = m.value, list(m.alts)
    if m.magnitude:
        value, alts = abs(value), [abs(a) for a in alts]
        if high <= 0:
            low, high = -high, -low
    if m.at_least:
        high = math.inf
    unit = e.unit
    band = RATE if e.kind == "rate_level" and unit == "%" else BANDS[unit]
    if e.kind in ("level", "record_high") and unit == "usd":
        band = BANDS["points"]
    if _inside(value, low, high, band, False):
        return "supported", m.value
    if any(_inside(a, low, high, band, False) for a in alts) or _inside(
        value, low, high, band, True
    ):
        return "close", m.value
    return "contradicted", m.value


def load_truth() -> Any:
    """Return this file as a module (the tests directory is not a package)."""
    name = "capsize_factcheck_truth"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, Path(__file__))
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@dataclass
class VerdictScore:
    """Agreement of capsize's verdicts with the expected ones on the corpus articles."""

    expected: int = 0
    matched: int = 0
    agree: int = 0
    disagreements: list[str] | None = None

    @property
    def accuracy(self) -> float:
        """Share of the matched claims (extracted as expected) with the expected verdict."""
        return self.agree / self.matched if self.matched else 1.0

    @property
    def end_to_end(self) -> float:
        """Share of all expected claims extracted and given the expected verdict."""
        return self.agree / self.expected if self.expected else 1.0


def score_verdicts(source: Any, corpus: Any, cases: list[Any] | None = None) -> VerdictScore:
    """Extract, check (capsize) and compare each matched claim's verdict with :func:`verdict`.

    ``source`` is a capsize store or session; ``corpus`` the corpus helpers module.
    """
    from capsize.factcheck.check import check_claims
    from capsize.factcheck.extract import extract_claims, load_article
    from capsize.queries import Session

    out = VerdictScore(disagreements=[])
    todo = cases if cases is not None else corpus.article_cases()
    store = source.store if isinstance(source, Session) else source
    root = Session(store, pd.Timestamp(max(c.date for c in todo)))  # one read of each series
    for case in todo:
        claims = extract_claims(load_article(case.text).text, case.date)
        day = pd.Timestamp(case.date)
        got = check_claims(claims, root if day == root.requested else root.earlier(day), day)
        used: set[int] = set()
        for e in case.expected:
            out.expected += 1
            hit = next(
                (i for i, c in enumerate(claims) if i not in used and corpus.matches(c, e)), None
            )
            if hit is None:
                continue
            used.add(hit)
            out.matched += 1
            want, value = verdict(e, case.date)
            if got[hit].verdict == want:
                out.agree += 1
            else:
                out.disagreements.append(  # type: ignore[union-attr]
                    f"{case.name}: {e.quote!r} expected {want} ({value}), capsize "
                    f"{got[hit].verdict} ({got[hit].computed}): {got[hit].reason}"
                )
    return out
