"""The rates question: do yields move small vs large caps, and how did past Fed turns go.

One answer for the CLI (``capsize rates``), the report's rates section and the API
(``capsize.queries.rates``): yield levels and changes, the small-minus-large spread's
sensitivity to yield changes (full period and rolling), its 52-week correlation with
weekly yield changes, the regime table (what the spread did after months when yields
rose, fell or stayed flat) and the Fed policy turns with the event study around them.

Point in time: every read is limited to the as-of day; the answer's as-of is the last
common close of the two legs on or before it, and no window, month or turn is dated
after it (an incomplete last month is labelled by its last day and left out of the
regime table).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from capsize.analytics import rates as RT
from capsize.errors import DataNotFound, InputError
from capsize.queries.drivers._common import after_data_note, bars_source, day, span
from capsize.queries.result import Cell, Figure, FigureSet, QueryResult, SeriesData, TableData
from capsize.queries.session import session_for

if TYPE_CHECKING:
    from capsize.data.store import Store
    from capsize.queries.session import Session

__all__ = [
    "CORR_WEEKS",
    "EVENT_OFFSETS",
    "FREQUENCIES",
    "RATE_NAMES",
    "REGIME_HORIZONS",
    "TURNS_SINCE",
    "RatesParams",
    "rates",
]

RATE_NAMES: dict[str, str] = {
    "DGS2": "2-year Treasury",
    "DGS10": "10-year Treasury",
    "DFF": "Fed funds (effective)",
    "FEDFUNDS": "Fed funds (monthly average)",
}
"""Display names of the FRED series the rates answer knows (others show their id)."""

CORR_WEEKS = 52
"""Weeks of the rolling correlation of the weekly spread with weekly yield changes."""

TURNS_SINCE = "1988-01-01"
"""Policy turns are searched in the fed funds rate from this day on."""

EVENT_OFFSETS: tuple[int, ...] = (-3, 0, 1, 3, 6, 12)
"""Month offsets of the event study shown (the analysis computes -3..12)."""

REGIME_HORIZONS: tuple[int, ...] = (1, 3, 6, 12)
"""Forward horizons (months) of the regime table."""

FREQUENCIES: dict[str, tuple[str, int, str]] = {
    "M": ("monthly", 36, "months"),
    "W": ("weekly", 156, "weeks"),
    "D": ("daily", 252, "days"),
}
"""Sampling of the regression: name, default rolling window, window unit."""

_KIND_WORD = {"first_cut": "first cut", "first_hike": "first hike"}


@dataclass(frozen=True)
class RatesParams:
    """The validated parameters of :func:`rates`.

    Attributes
    ----------
    small, large : str
        The two legs (ETFs use adjusted closes, indices their level).
    series : tuple of str
        FRED yield series whose changes are the regressors (percent).
    frequency : {"M", "W", "D"}
        Sampling of the regression and rolling fits.
    window : int
        Rolling window in periods of ``frequency``.
    threshold_bp : float
        Regime threshold, basis points of yield change in a month.
    """

    small: str
    large: str
    series: tuple[str, ...]
    frequency: str
    window: int
    threshold_bp: float

    @classmethod
    def of(
        cls,
        small: str,
        large: str,
        series: Sequence[str],
        frequency: str,
        window: int | None,
        threshold_bp: float,
    ) -> RatesParams:
        """Validate and normalise the parameters.

        Raises
        ------
        InputError
            Same legs, no series, an unknown frequency, a too short window or a
            negative threshold.
        """
        a, b = str(small).strip().upper(), str(large).strip().upper()
        if a == b:
            raise InputError(
                f"rates needs two different legs; small and large are both {a} "
                "(e.g. small IWM, large SPY)"
            )
        ids = tuple(dict.fromkeys(str(x).strip().upper() for x in series if str(x).strip()))
        if not ids:
            raise InputError("series is empty; pass FRED ids such as DGS2,DGS10")
        freq = str(frequency).strip().upper()
        if freq not in FREQUENCIES:
            raise InputError(
                f"frequency {frequency!r} is not one of M (monthly), W (weekly), D (daily)"
            )
        win = FREQUENCIES[freq][1] if window is None else int(window)
        if win < 5:
            raise InputError(f"window {win} is too short; use at least 5 periods")
        if threshold_bp < 0:
            raise InputError(f"threshold {threshold_bp:g} bp must be >= 0")
        return cls(a, b, ids, freq, win, float(threshold_bp))


@dataclass
class _Answer:
    """What the rates answer collects while its blocks are computed."""

    s: Session
    p: RatesParams
    small: pd.Series
    large: pd.Series
    end: pd.Timestamp
    fs: FigureSet
    pair_source: str
    notes: list[str] = field(default_factory=list)
    tables: list[TableData] = field(default_factory=list)
    series: list[SeriesData] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    aligned: dict[str, pd.DataFrame] = field(default_factory=dict)

    def changes(self, yields: pd.DataFrame, frequency: str) -> pd.DataFrame:
        """Return the spread and yield changes at ``frequency``, aligned once per answer."""
        if frequency not in self.aligned:
            self.aligned[frequency] = RT.spread_and_yield_changes(
                self.small,
                self.large,
                yields,
                frequency=frequency,  # type: ignore[arg-type]
            )
        return self.aligned[frequency]

    @property
    def pair(self) -> str:
        return f"{self.p.small} - {self.p.large}"

    def macro_source(self, *ids: str) -> str:
        src = self.s.source(*ids, dataset="macro")
        for part in src.split("; "):
            if part not in self.sources:
                self.sources.append(part)
        return src

    def source_with(self, *ids: str) -> str:
        return f"{self.pair_source}; {self.macro_source(*ids)}"


# --------------------------------------------------------------------------- reads


def _no_legs_error(s: Session, p: RatesParams) -> DataNotFound:
    """Say where the legs' data start (or that one has none) when none is on or before as-of."""
    full = s.store.closes([p.small, p.large], basis="auto")
    starts = {k: full[k].first_valid_index() if k in full else None for k in (p.small, p.large)}
    missing = [k for k, v in starts.items() if v is None]
    if missing:
        return DataNotFound(f"no closes for {missing[0]} in the store; run 'capsize data import'")
    joint = max(pd.Timestamp(str(v)) for v in starts.values())
    return DataNotFound(
        f"the data for {p.small}/{p.large} starts {joint:%Y-%m-%d} ({p.small} "
        f"{day(starts[p.small])}, {p.large} {day(starts[p.large])}); as-of "
        f"{day(s.requested)} is before it, pick a later as-of"
    )


def _read(s: Session, p: RatesParams) -> _Answer:
    try:
        closes = s.closes([p.small, p.large], basis="auto")
    except DataNotFound:
        raise _no_legs_error(s, p) from None
    a, b = closes[p.small].dropna(), closes[p.large].dropna()
    if a.empty or b.empty:
        raise _no_legs_error(s, p)
    end = pd.Timestamp(min(a.index[-1], b.index[-1]))
    a, b = a.loc[:end].rename(p.small), b.loc[:end].rename(p.large)
    ans = _Answer(s, p, a, b, end, FigureSet(end), bars_source(s, closes, p.small, p.large))
    ans.sources.extend(x for x in ans.pair_source.split("; ") if x not in ans.sources)
    note = after_data_note(s.requested, end)
    if note:
        ans.notes.append(note)
    bases = dict(closes.attrs.get("basis", {}))
    ans.notes.append(
        "basis: "
        + ", ".join(
            f"{k} " + ("total return (adjusted)" if v == "adjusted" else f"{v} (price only)")
            for k, v in bases.items()
        )
    )
    return ans


def _macro(ans: _Answer, ids: Sequence[str]) -> pd.DataFrame:
    """FRED series on or before the answer's as-of (raises DataNotFound naming a missing id)."""
    frame = ans.s.macro(list(ids))
    return frame.loc[: ans.end]


# --------------------------------------------------------------------------- levels


def _name(sid: str) -> str:
    return RATE_NAMES.get(sid, sid)


def _change(ans: _Answer, sid: str, s: pd.Series, months: int, tag: str) -> Figure:
    last_date = s.index[-1]
    base = s.loc[: ans.end - pd.DateOffset(months=months)]
    word = "1 month" if months == 1 else "1 year"
    return ans.fs.add(
        f"{sid}.{tag}",
        float(s.iloc[-1] - base.iloc[-1]) * 100.0 if len(base) else None,
        "bp",
        f"{_name(sid)}: change over {word}",
        source=ans.macro_source(sid),
        symbols=(sid,),
        window=f"{day(base.index[-1]) if len(base) else 'n/a'}..{day(last_date)}",
        formula=f"(latest - value {word} earlier, on or before) x 100 basis points",
        note="" if len(base) else f"less than {word} of data",
    )


def _level_ids(p: RatesParams) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*p.series, "DFF")))


def _levels(ans: _Answer) -> None:
    rows: list[tuple[Cell, ...]] = []
    start = ans.end - pd.DateOffset(years=1)
    for sid in _level_ids(ans.p):
        try:
            s = _macro(ans, [sid])[sid].dropna()
        except DataNotFound:
            continue
        if s.empty:
            continue
        lvl = ans.fs.add(
            f"{sid}.level",
            float(s.iloc[-1]),
            "percent",
            f"{_name(sid)} yield" if sid.startswith("DGS") else f"{_name(sid)} rate",
            source=ans.macro_source(sid),
            symbols=(sid,),
            window=day(s.index[-1]),
            formula="latest value on or before the as-of day (percent)",
        )
        label = _name(sid) + ("" if s.index[-1] == ans.end else f" (as of {day(s.index[-1])})")
        rows.append(
            (label, lvl, _change(ans, sid, s, 1, "chg1m"), _change(ans, sid, s, 12, "chg1y"))
        )
        ans.series.append(
            SeriesData.from_series(
                f"level.{sid}", _name(sid), "percent", s.loc[start:], lvl.provenance
            )
        )
    if not rows:
        raise DataNotFound(
            f"no FRED yields ({', '.join(_level_ids(ans.p))}) on or before {day(ans.end)}"
        )
    ans.tables.append(
        TableData(
            "levels",
            "Treasury yields and fed funds",
            ("Rate", "Level", "1-month change", "1-year change"),
            tuple(rows),
        )
    )


# --------------------------------------------------------------------------- correlation


def _weekly_correlation(ans: _Answer, yields: pd.DataFrame) -> None:
    """52-week correlation of the weekly spread with weekly yield changes (latest and history)."""
    try:
        weekly = ans.changes(yields, "W")
        rc = RT.rolling_rate_correlation(
            ans.small, ans.large, yields, window=CORR_WEEKS, frequency="W", changes=weekly
        )
    except InputError as exc:
        weekly, rc, why = None, None, str(exc)
    else:
        why = f"fewer than {CORR_WEEKS} weeks of data"
    rows: list[tuple[Cell, ...]] = []
    full = weekly is not None and rc is not None and len(weekly) >= CORR_WEEKS
    win = span(weekly.index[-CORR_WEEKS], weekly.index[-1]) if full else "n/a"  # type: ignore[union-attr]
    for sid in ans.p.series:
        col = rc[f"d_{sid}"].dropna() if full and rc is not None else pd.Series(dtype=float)
        f = ans.fs.add(
            f"corr52w.{sid}",
            float(col.iloc[-1]) if len(col) else None,
            "ratio",
            f"{CORR_WEEKS}-week correlation of the weekly {ans.pair} return with the weekly "
            f"change in {sid}",
            source=ans.source_with(sid),
            symbols=(ans.p.small, ans.p.large, sid),
            window=win,
            formula=f"Pearson corr over the last {CORR_WEEKS} weeks of (weekly {ans.p.small} "
            f"return - weekly {ans.p.large} return, weekly change in {sid}); weeks end Friday",
            note="" if len(col) else why,
        )
        rows.append((f"{ans.pair} vs change in {_name(sid)}", f))
        if len(col):
            tail = col.loc[ans.end - pd.DateOffset(years=3) :]
            ans.series.append(
                SeriesData.from_series(
                    f"corr52w.{sid}", f"vs {_name(sid)}", "ratio", tail, f.provenance
                )
            )
    ans.tables.append(
        TableData(
            "corr52w",
            f"{CORR_WEEKS}-week correlation of the weekly spread with weekly yield changes",
            ("relationship", f"{CORR_WEEKS}-week correlation"),
            tuple(rows),
        )
    )


# --------------------------------------------------------------------------- regression


def _coef_label(k: str) -> str:
    return "constant (per period)" if k == "const" else f"{k.removeprefix('d_')} change (per point)"


def _regressors(p: RatesParams) -> list[str]:
    return ["const", *(f"d_{sid}" for sid in p.series)]


def _full_fit(ans: _Answer, yields: pd.DataFrame) -> dict[str, Figure]:
    p = ans.p
    fname = FREQUENCIES[p.frequency][0]
    try:
        reg = RT.rate_sensitivity(
            ans.small,
            ans.large,
            yields,
            frequency=p.frequency,  # type: ignore[arg-type]
            changes=ans.changes(yields, p.frequency),
        )
    except InputError as exc:
        reg, why = None, str(exc)
    else:
        why = ""
    src = ans.source_with(*p.series)
    syms = (p.small, p.large, *p.series)
    win = span(reg.start, reg.end) if reg is not None else "n/a"
    if reg is not None:
        ans.notes.append(
            f"full-period t-statistics: {reg.cov_type}; rolling t-statistics use classical "
            "(nonrobust) standard errors"
        )
    formula = (reg.formula if reg is not None else "spread = a + b*d_yield + e") + (
        f"; spread = {fname} {p.small} return - {p.large} return, d_* = {fname} yield changes in pp"
    )
    out: dict[str, Figure] = {}
    for k in _regressors(p):
        out[f"beta.{k}"] = ans.fs.add(
            f"beta.{k}",
            float(reg.coefficients[k]) if reg is not None else None,
            "pp",
            f"{fname} {ans.pair} spread {_coef_label(k)}, full period",
            source=src,
            symbols=syms,
            window=win,
            formula="OLS coefficient of " + formula,
            note=why,
        )
        out[f"t.{k}"] = ans.fs.add(
            f"t.{k}",
            float(reg.t_stats[k]) if reg is not None else None,
            "ratio",
            f"t-statistic of the {_coef_label(k)} coefficient, full period",
            source=src,
            symbols=syms,
            window=win,
            formula=f"coefficient / standard error ({reg.cov_type if reg is not None else 'HAC'})",
            note=why,
        )
    out["r2"] = ans.fs.add(
        "r2",
        reg.r_squared if reg is not None else None,
        "ratio",
        f"R-squared of the {fname} fit, full period",
        source=src,
        symbols=syms,
        window=win,
        formula="1 - RSS/TSS of " + formula,
        note=why,
    )
    out["n_obs"] = ans.fs.add(
        "n_obs",
        reg.n_obs if reg is not None else None,
        "count",
        f"{fname} periods in the full-period fit",
        source=src,
        symbols=syms,
        window=win,
        formula="periods with both returns and every yield change",
        note=why,
    )
    return out


def _rolling_fit(ans: _Answer, yields: pd.DataFrame) -> dict[str, Figure]:
    p = ans.p
    fname, _, unit = FREQUENCIES[p.frequency]
    try:
        data = ans.changes(yields, p.frequency)
        roll = RT.rolling_rate_sensitivity(
            ans.small, ans.large, yields, window=p.window, changes=data
        )
        corr = RT.rolling_rate_correlation(
            ans.small, ans.large, yields, window=p.window, changes=data
        )
        win, why = span(data.index[-p.window], data.index[-1]), ""
        last, last_corr = roll.iloc[-1], corr.iloc[-1]
    except InputError as exc:
        win, why, last, last_corr = "n/a", str(exc), None, None
    src = ans.source_with(*p.series)
    syms = (p.small, p.large, *p.series)
    what = f"last {p.window} {unit}"
    out: dict[str, Figure] = {}
    for k in _regressors(p):
        out[f"rolling.beta.{k}"] = ans.fs.add(
            f"rolling.beta.{k}",
            float(last[f"coef_{k}"]) if last is not None else None,
            "pp",
            f"{fname} {ans.pair} spread {_coef_label(k)}, {what}",
            source=src,
            symbols=syms,
            window=win,
            formula=f"OLS coefficient over the {what} (windowed cross-products)",
            note=why,
        )
        out[f"rolling.t.{k}"] = ans.fs.add(
            f"rolling.t.{k}",
            float(last[f"t_{k}"]) if last is not None else None,
            "ratio",
            f"t-statistic of the {_coef_label(k)} coefficient, {what}",
            source=src,
            symbols=syms,
            window=win,
            formula="coefficient / classical (nonrobust) standard error",
            note=why,
        )
    for sid in p.series:
        out[f"rolling.corr.{sid}"] = ans.fs.add(
            f"rolling.corr.{sid}",
            float(last_corr[f"d_{sid}"]) if last_corr is not None else None,
            "ratio",
            f"correlation of the {fname} {ans.pair} spread with the change in {sid}, {what}",
            source=src,
            symbols=(p.small, p.large, sid),
            window=win,
            formula=f"Pearson corr over the {what}",
            note=why,
        )
    return out


def _sensitivity(ans: _Answer, yields: pd.DataFrame) -> None:
    p = ans.p
    fname, _, unit = FREQUENCIES[p.frequency]
    full, roll = _full_fit(ans, yields), _rolling_fit(ans, yields)
    rows = tuple(
        (
            _coef_label(k),
            full[f"beta.{k}"],
            full[f"t.{k}"],
            roll[f"rolling.beta.{k}"],
            roll[f"rolling.t.{k}"],
        )
        for k in _regressors(p)
    )
    ans.tables.append(
        TableData(
            "sensitivity",
            f"Rates sensitivity of {ans.pair} ({fname} returns)",
            (f"{fname} spread", "full period", "t", f"last {p.window} {unit}", "t"),
            rows,
        )
    )
    ans.tables.append(
        TableData(
            "rolling_correlation",
            f"Correlation of the {fname} spread with yield changes, last {p.window} {unit}",
            ("yield change", "correlation"),
            tuple((f"change in {sid}", roll[f"rolling.corr.{sid}"]) for sid in p.series),
        )
    )
    if len(p.series) > 1:
        ans.notes.append(
            "each coefficient is the effect of its yield's change holding the other yields "
            "fixed (a partial effect), so the 2-year and 10-year coefficients can have "
            "opposite signs even though the yields move together"
        )


# --------------------------------------------------------------------------- regimes


def _words_bp(bp: float) -> str:
    words = {5.0: "five", 10.0: "ten", 15.0: "fifteen", 20.0: "twenty", 25.0: "twenty-five"}
    return f"{words.get(float(bp), format(bp, 'g'))} basis points"


def _regime_cells(
    ans: _Answer, row: pd.Series, sid: str, regime: str, meta: tuple[str, str, str]
) -> list[Cell]:
    src, win, formula = meta
    syms = (ans.p.small, ans.p.large, sid)
    base = f"regime.{sid}.{regime}"
    cells: list[Cell] = [
        ans.fs.add(
            f"{base}.months",
            int(row["months"]),
            "count",
            f"months when the {_name(sid)} yield was {regime}",
            source=src,
            symbols=syms,
            window=win,
            formula=f"count of complete months with a yield change {regime} "
            f"(threshold +/-{ans.p.threshold_bp:g} bp)",
        )
    ]
    for h in REGIME_HORIZONS:
        n_h = int(row[f"n_{h}m"])
        why = "" if n_h else "no complete window"
        cells.append(
            ans.fs.add(
                f"{base}.mean_{h}m",
                float(row[f"mean_{h}m"]) if n_h else None,
                "pp",
                f"{ans.pair} over the next {h} months after {regime} {_name(sid)} months: "
                f"average ({n_h} months)",
                source=src,
                symbols=syms,
                window=win,
                formula=formula + "; mean over months with a complete window",
                note=why,
            )
        )
        cells.append(
            ans.fs.add(
                f"{base}.hit_{h}m",
                float(row[f"hit_{h}m"]) if n_h else None,
                "fraction",
                f"share of {regime} {_name(sid)} months after which {ans.p.small} beat "
                f"{ans.p.large} over {h} months ({n_h} months)",
                source=src,
                symbols=syms,
                window=win,
                formula="share of months with forward small-minus-large > 0",
                note=why,
            )
        )
        cells.append(
            ans.fs.add(
                f"{base}.n_{h}m",
                n_h,
                "count",
                f"{regime} {_name(sid)} months with a complete {h}-month window",
                source=src,
                symbols=syms,
                window=win,
                formula="months whose next h months all end on or before the as-of day",
            )
        )
    return cells


def _regimes(ans: _Answer, yields: pd.DataFrame) -> None:
    p = ans.p
    try:
        reg = RT.rate_regime_table(
            ans.small,
            ans.large,
            yields,
            threshold_bp=p.threshold_bp,
            horizons=REGIME_HORIZONS,
            changes=ans.changes(yields, "M"),
        )
    except InputError as exc:
        ans.notes.append(f"regime table not available: {exc}")
        return
    win = span(reg.attrs["start"], reg.attrs["end"])
    src = ans.source_with(*p.series)
    rows: list[tuple[Cell, ...]] = []
    for idx, r in reg.iterrows():
        sid, regime = (str(x) for x in idx)  # type: ignore[attr-defined]
        cells = _regime_cells(ans, r, sid, regime, (src, win, reg.attrs["formula"]))
        rows.append((f"{_name(sid)} {regime}", *cells))
    cols = ["month when yield was", "months"]
    for h in REGIME_HORIZONS:
        cols += [f"next {h}m avg", f"{h}m hit", f"{h}m n"]
    ans.tables.append(
        TableData(
            "regimes",
            f"{ans.pair} after yields rose / fell (threshold +/-{p.threshold_bp:g} bp in a month)",
            tuple(cols),
            tuple(rows),
        )
    )
    ans.notes.append(
        f"regime months {win} (month-end values), classified by the yield change in that month "
        f"(rising: up {_words_bp(p.threshold_bp)} or more; falling: down as much; else flat); "
        f"avg: {p.small} minus {p.large} total return over the following months, in percentage "
        f"points; hit: share of those months in which {p.small} led; only windows that end on "
        "or before the as-of day count; windows overlap, so months are not independent"
    )
    partial = reg.attrs.get("partial_month_left_out")
    if partial is not None:
        ans.notes.append(
            f"Regime table: {pd.Timestamp(partial):%B %Y} is not over (data to "
            f"{day(partial)}), so it is neither classified nor counted as a following month."
        )


# --------------------------------------------------------------------------- Fed turns


def _policy(ans: _Answer) -> tuple[str, pd.Series]:
    try:
        return "DFF", _macro(ans, ["DFF"])["DFF"]
    except DataNotFound:
        ans.notes.append(
            "DFF not in the store: policy turns detected on monthly FEDFUNDS (month only)"
        )
        return "FEDFUNDS", _macro(ans, ["FEDFUNDS"])["FEDFUNDS"]


def _date_fig(
    ans: _Answer, fid: str, when: pd.Timestamp, label: str, meta: tuple[str, str, str]
) -> Figure:
    src, sid, rule = meta
    return ans.fs.add(
        fid,
        when.toordinal(),
        "date",
        label,
        source=src,
        symbols=(sid,),
        window=f"{TURNS_SINCE}..{day(ans.end)}",
        formula=rule,
        note=day(when),
    )


def _turns(ans: _Answer) -> tuple[pd.DataFrame, str, str]:
    """Detect the turns; add the turn list, the latest turn and the counts."""
    sid, policy = _policy(ans)
    policy = policy[policy.index >= pd.Timestamp(TURNS_SINCE)].dropna()
    turns = RT.detect_policy_turns(policy)
    events = turns[turns["kind"] != ""].reset_index(drop=True)
    src = ans.macro_source(sid)
    rule = str(turns.attrs.get("rule", ""))
    rows: list[tuple[Cell, ...]] = []
    for _, r in events.iterrows():
        when = pd.Timestamp(r["date"])
        d = day(when)
        word = _KIND_WORD.get(str(r["kind"]), str(r["kind"]))
        date_f = _date_fig(ans, f"turn.{d}.date", when, f"Fed {word} of {d}", (src, sid, rule))
        to_f = ans.fs.add(
            f"turn.{d}.to",
            float(r["to_level"]),
            "percent",
            f"{sid} level after the {word} of {d} (trailing median)",
            source=src,
            symbols=(sid,),
            window=d,
            formula=rule,
        )
        rows.append((date_f, word, to_f))
    ans.tables.append(
        TableData(
            "turns",
            f"Fed policy turns in {sid} since {TURNS_SINCE[:4]}",
            ("turn", "kind", "level after (%)"),
            tuple(rows),
        )
    )
    for kind in ("first_cut", "first_hike"):
        sub = events[events["kind"] == kind]
        ans.fs.add(
            f"turns.n.{kind}",
            len(sub),
            "count",
            f"{_KIND_WORD[kind]}s since {TURNS_SINCE[:4]}",
            source=src,
            symbols=(sid,),
            window=f"{TURNS_SINCE}..{day(ans.end)}",
            formula=rule,
        )
    if len(events):
        last = events.iloc[-1]
        _date_fig(
            ans,
            "turns.latest",
            pd.Timestamp(last["date"]),
            f"latest Fed turn ({_KIND_WORD[str(last['kind'])]})",
            (src, sid, rule),
        )
    return turns, sid, rule


def _event_window(index: pd.DatetimeIndex, t0: pd.Timestamp, offset: int) -> str:
    pos0 = int(index.searchsorted(t0, side="left")) - 1
    target = t0 + pd.DateOffset(months=offset)
    pos = int(index.searchsorted(target, side="right")) - 1
    if pos0 < 0 or pos < 0:
        return "n/a"
    return span(index[pos0], index[pos])


def _event_rows(
    ans: _Answer, study: RT.PolicyEventStudy, meta: tuple[str, str]
) -> list[tuple[Cell, ...]]:
    src, sid = meta
    idx = pd.DatetimeIndex(pd.concat([ans.small, ans.large], axis=1, join="inner").dropna().index)
    rows: list[tuple[Cell, ...]] = []
    for when_key, r in study.paths.iterrows():
        when = pd.Timestamp(str(when_key))
        d = day(when)
        kind = _KIND_WORD.get(str(study.kinds.get(when, "")), "")
        cells: list[Cell] = [ans.fs[f"turn.{d}.date"], kind]
        for o in EVENT_OFFSETS:
            target = when + pd.DateOffset(months=o)
            v = r[o]
            cells.append(
                ans.fs.add(
                    f"turn.{d}.{o}m",
                    None if pd.isna(v) else float(v),
                    "fraction",
                    f"{ans.p.small} vs {ans.p.large} {o:+d} months from the {kind} of {d}",
                    source=src,
                    symbols=(ans.p.small, ans.p.large, sid),
                    window=_event_window(idx, when, o)
                    if pd.notna(v)
                    else f"{d}..{day(min(target, ans.end))}",
                    formula=f"({ans.p.small}/{ans.p.large} at the offset) / "
                    f"({ans.p.small}/{ans.p.large} on the last close before the turn) - 1",
                    note=""
                    if pd.notna(v)
                    else ("beyond the as-of day" if target > ans.end else "no data"),
                )
            )
        rows.append(tuple(cells))
    return rows


def _average_rows(
    ans: _Answer, study: RT.PolicyEventStudy, meta: tuple[str, str]
) -> list[tuple[Cell, ...]]:
    src, sid = meta
    rows: list[tuple[Cell, ...]] = []
    for kind in ("first_cut", "first_hike"):
        sub = study.paths[study.kinds.reindex(study.paths.index) == kind]
        if sub.empty:
            continue
        word = _KIND_WORD[kind]
        win = f"{day(sub.index[0])}..{day(ans.end)}"
        avgs: list[Cell] = ["average", word]
        counts: list[Cell] = ["events averaged", word]
        for o in EVENT_OFFSETS:
            vals = sub[o].dropna()
            syms = (ans.p.small, ans.p.large, sid)
            avgs.append(
                ans.fs.add(
                    f"turn.avg.{kind}.{o}m",
                    float(vals.mean()) if len(vals) else None,
                    "fraction",
                    f"{ans.p.small} vs {ans.p.large} {o:+d} months from a {word}: average of "
                    f"{len(vals)} of {len(sub)} events",
                    formula="mean over the events with data at the offset",
                    note="" if len(vals) else "no event reaches it",
                    source=src,
                    symbols=syms,
                    window=win,
                )
            )
            counts.append(
                ans.fs.add(
                    f"turn.n.{kind}.{o}m",
                    len(vals),
                    "count",
                    f"{word}s with data {o:+d} months from the turn",
                    formula="events whose offset date is on or before the as-of day",
                    source=src,
                    symbols=syms,
                    window=win,
                )
            )
        rows += [tuple(avgs), tuple(counts)]
    return rows


def _events(ans: _Answer) -> None:
    turns, sid, rule = _turns(ans)
    study = RT.policy_event_study(ans.small, ans.large, turns)
    if study.paths.empty:
        ans.notes.append(
            f"policy-turn study: no first cut or first hike since {ans.p.small}'s first close"
        )
        return
    meta = (ans.source_with(sid), sid)
    rows = _event_rows(ans, study, meta) + _average_rows(ans, study, meta)
    ans.tables.append(
        TableData(
            "events",
            f"{ans.p.small} vs {ans.p.large} around Fed policy turns ({sid})",
            ("turn", "kind", *[f"{o:+d}m" for o in EVENT_OFFSETS]),
            tuple(rows),
        )
    )
    ans.notes.append(
        f"event study: {ans.p.small}/{ans.p.large} at each offset over the ratio on the last close "
        "before the turn, minus 1 (negative offsets: where the ratio stood before); offsets "
        "after the as-of day are n/a; each average counts only the events with data at its "
        f"offset (the 'events averaged' row); only turns after {ans.p.small}'s first close "
        f"({day(ans.small.index[0])}) are studied; turns: {rule}"
    )


# --------------------------------------------------------------------------- the query


def _block(ans: _Answer, name: str, run: Callable[[], None]) -> None:
    """Run one block; data missing for it becomes a note, not a failed answer."""
    try:
        run()
    except DataNotFound as exc:
        ans.notes.append(f"{name} not available: {exc}")


def rates(
    source: Store | Session,
    as_of: object | None = None,
    *,
    small: str = "IWM",
    large: str = "SPY",
    series: Sequence[str] = ("DGS2", "DGS10"),
    frequency: str = "M",
    window: int | None = None,
    threshold_bp: float = 10.0,
) -> QueryResult:
    """Answer "do rates move small caps against large caps?" at ``as_of``.

    Parameters
    ----------
    source : Store or Session
        Where to read (a session fixes the as-of day).
    as_of : date-like, optional
        Use only data dated on or before it (default: the latest).
    small, large : str
        The two legs (adjusted closes for ETFs, levels for indices such as ``^RUT``).
    series : sequence of str
        FRED yield series (percent) whose changes are the regressors.
    frequency : {"M", "W", "D"}
        Sampling of the regression and rolling fits; the regime table is monthly and the
        correlation figures ``corr52w.*`` weekly by construction.
    window : int, optional
        Rolling window in periods (default 36 months, 156 weeks or 252 days).
    threshold_bp : float
        Regime threshold, basis points of yield change in a month.

    Returns
    -------
    QueryResult
        Figures ``<sid>.level`` (percent), ``<sid>.chg1m``/``chg1y`` (bp),
        ``corr52w.<sid>``, ``beta.<x>``/``t.<x>``/``r2``/``n_obs`` (full period; a
        coefficient is the spread in pp per +1 pp yield change), ``rolling.*``,
        ``regime.<sid>.<regime>.*``, ``turn.<date>.*``, ``turn.avg.*``, ``turn.n.*``,
        ``turns.latest`` (date), ``turns.n.*``; tables ``levels``, ``sensitivity``,
        ``rolling_correlation``, ``corr52w``, ``regimes``, ``turns``, ``events``; series
        ``level.<sid>`` (last 12 months) and ``corr52w.<sid>`` (last 3 years).

    Raises
    ------
    InputError
        Invalid parameters.
    DataNotFound
        No closes of both legs on or before ``as_of``, or a requested yield series is
        not in the store.
    """
    s = session_for(source, as_of)
    p = RatesParams.of(small, large, series, frequency, window, threshold_bp)
    ans = _read(s, p)
    yields = _macro(ans, p.series)
    _levels(ans)
    _weekly_correlation(ans, yields)
    _sensitivity(ans, yields)
    _regimes(ans, yields)
    _block(ans, "policy-turn study", lambda: _events(ans))
    return QueryResult(
        query="rates",
        as_of=ans.end,
        requested_as_of=s.requested,
        params=_params(p),
        figures=ans.fs.mapping(),
        tables=tuple(ans.tables),
        series=tuple(ans.series),
        notes=tuple(ans.notes),
        sources=tuple(ans.sources),
    )


def _params(p: RatesParams) -> dict[str, Any]:
    return {
        "small": p.small,
        "large": p.large,
        "series": list(p.series),
        "frequency": p.frequency,
        "window": p.window,
        "threshold_bp": p.threshold_bp,
    }
