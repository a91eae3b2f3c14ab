"""Replay a rule over history: when it would have fired and what followed.

The rule is evaluated once over the history held (the same kernels and cool-down as the
scheduled run) and its fires since a day are listed with the returns of the subject
over the next 1, 5 and 20 sessions and their spread against a benchmark over the same
sessions. The subject's returns are those of its symbol (a ratio A/B: A, against B);
universe, segment and score rules use the small-cap proxy IWM, against SPY. A fire on a
day without a close (a filing on a weekend) starts from the last close before it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from capsize.alerts import Evaluation, Fire, Rule, evaluate_rule, fires, kind_of
from capsize.errors import DataNotFound, InputError
from capsize.queries.alerts._inputs import SessionInputs
from capsize.queries.result import Cell, FigureSet, QueryResult, TableData
from capsize.queries.session import parse_as_of, session_for

if TYPE_CHECKING:
    from capsize.data.store import Store
    from capsize.queries.session import Session
    from capsize.queries.stocks.sec import SecSource

__all__ = ["HORIZONS", "forward_returns", "replay_rule"]

HORIZONS: tuple[int, ...] = (1, 5, 20)
"""Sessions after a fire over which returns are measured."""

SMALL, LARGE = "IWM", "SPY"


def forward_returns(closes: pd.Series, day: pd.Timestamp, horizons: Sequence[int]) -> list[float]:
    """Return ``close[t+h] / close[t] - 1`` per horizon, ``t`` the last close on or before ``day``.

    NaN where fewer than ``h`` sessions follow (or no close on or before ``day``).
    """
    c = closes.dropna()
    i = int(c.index.searchsorted(day, side="right")) - 1
    out = []
    for h in horizons:
        ok = i >= 0 and i + h < len(c)
        out.append(float(c.iloc[i + h] / c.iloc[i] - 1.0) if ok else float("nan"))
    return out


@dataclass(frozen=True)
class _Pair:
    symbol: str
    benchmark: str


def _pair(rule: Rule, subject: str, benchmark: str | None) -> _Pair:
    subjects = kind_of(rule.kind).subjects
    if subjects == "pair":
        a, b = rule.symbols
        return _Pair(a, benchmark or b)
    if subjects == "symbols":
        return _Pair(subject, benchmark or default_benchmark(subject))
    return _Pair(SMALL, benchmark or LARGE)


def default_benchmark(symbol: str) -> str:
    """Return the default benchmark of a symbol: SPY, or IWM when the symbol is SPY."""
    return SMALL if symbol == LARGE else LARGE


def _check_benchmark(s: Session, benchmark: str | None) -> None:
    """Refuse a benchmark the store holds no prices for (its spreads would all be n/a)."""
    if benchmark is not None and benchmark not in s.symbols():
        raise InputError(
            f"--benchmark {benchmark!r} has no price data in the store; "
            f"use a held symbol such as {LARGE} or {SMALL}"
        )


def _bench_words(rule: Rule, benchmark: str | None) -> str:
    """Name the benchmark of the spreads in words (the default depends on the subject)."""
    if benchmark is not None:
        return benchmark
    subjects = kind_of(rule.kind).subjects
    if subjects == "pair":
        return rule.symbols[1]
    if subjects == "symbols":
        return f"{LARGE} ({SMALL} for {LARGE} itself)"
    return LARGE


def _resolve(s: Session, rule: Rule | str) -> Rule:
    if isinstance(rule, Rule):
        return rule
    from capsize.queries.alerts._queries import get_rule

    return get_rule(s, rule)


def _closes(inputs: SessionInputs, symbol: str) -> pd.Series:
    try:
        return inputs.prices("close", [symbol])[symbol].dropna()
    except (DataNotFound, KeyError):
        return pd.Series(dtype=float)


def _fire_row(
    fs: FigureSet, inputs: SessionInputs, rule: Rule, f: Fire, k: int, benchmark: str | None
) -> tuple[tuple[Cell, ...], np.ndarray, np.ndarray]:
    p = _pair(rule, f.subject, benchmark)
    a, b = _closes(inputs, p.symbol), _closes(inputs, p.benchmark)
    ra = np.array(forward_returns(a, f.day, HORIZONS))
    rb = np.array(forward_returns(b, f.day, HORIZONS))
    spread = ra - rb
    src = inputs.source("bars", p.symbol, p.benchmark)
    cells: list[Cell] = [
        f"{f.day:%Y-%m-%d}",
        f.subject,
        kind_of(rule.kind).message(rule, f.subject, f.values),
    ]
    for h, r, sp in zip(HORIZONS, ra, spread, strict=True):
        why = "" if np.isfinite(r) else f"fewer than {h} sessions of {p.symbol} after the fire"
        cells.append(
            fs.add(
                f"fire.{k}.r{h}",
                r,
                "fraction",
                f"{p.symbol} return over the next {h} sessions",
                source=src,
                symbols=(p.symbol,),
                window=f"{f.day:%Y-%m-%d}+{h}",
                formula="close[t+h] / close[t] - 1",
                note=why,
            )
        )
        cells.append(
            fs.add(
                f"fire.{k}.s{h}",
                sp,
                "pp",
                f"{p.symbol} minus {p.benchmark} over the next {h} sessions",
                source=src,
                symbols=(p.symbol, p.benchmark),
                window=f"{f.day:%Y-%m-%d}+{h}",
                formula="return of the subject - return of the benchmark, same sessions",
                note=why
                if why
                else ("" if np.isfinite(sp) else f"no {p.benchmark} closes after the fire"),
            )
        )
    return tuple(cells), ra, spread


@dataclass(frozen=True)
class _Group:
    """Fires summarized together: all of them, or those of one crossing direction."""

    side: str | None  # the fires' side ("above", "below"); None: every fire
    key: str  # prefix of the figure keys
    label: str  # the Direction cell
    sign: int  # +1: a hit is a spread above 0; -1: a spread below 0


_ALL = _Group(None, "", "all fires", 1)
_ABOVE = _Group("above", "above.", "crossed above", 1)
_BELOW = _Group("below", "below.", "crossed below", -1)


def _groups(rule: Rule) -> tuple[_Group, ...]:
    """All fires for most kinds; each direction on its own for a crossing kind."""
    if kind_of(rule.kind).sides is None:
        return (_ALL,)
    return {"up": (_ABOVE,), "down": (_BELOW,)}.get(str(rule.param("direction")), (_ABOVE, _BELOW))


def _hit_words(g: _Group) -> tuple[str, str]:
    """Return (label, formula) of a group's hit rate."""
    if g.side is None:
        return "share of fires that beat the benchmark", "fires with spread > 0 / fires"
    if g.sign > 0:
        return (
            "share of fires crossing above that beat the benchmark",
            "fires crossing above with spread > 0 / fires crossing above",
        )
    return (
        "share of fires crossing below that lagged the benchmark (a negative spread)",
        "fires crossing below with spread < 0 / fires crossing below",
    )


def _summary(
    fs: FigureSet,
    g: _Group,
    rets: np.ndarray,
    spreads: np.ndarray,
    where: tuple[str, str, pd.Timestamp],
) -> list[tuple[Cell, ...]]:
    """Rows of one group: per horizon its fires, mean return, mean spread and hit rate.

    ``rets`` and ``spreads`` are of shape (n_fires, n_horizons), fractions; ``where`` is
    (source, window, first day listed).
    """
    src, window, start = where
    fired = f"fire crossing {g.side}" if g.side else "fire"
    hit_label, hit_formula = _hit_words(g)
    rows: list[tuple[Cell, ...]] = []
    for j, h in enumerate(HORIZONS):
        r, sp = rets[:, j], spreads[:, j]
        ok = np.isfinite(sp)
        n = int(ok.sum())
        why = "" if n else f"no {fired} with {h} sessions after it"
        why = why if len(sp) else f"no {fired} since {start:%Y-%m-%d}"
        mean_r = float(np.nanmean(r)) if np.isfinite(r).any() else None
        k, per = f"{g.key}h{h}", f" ({g.label})" if g.side else ""
        rows.append(
            (
                g.label,
                f"{h} session{'s' if h > 1 else ''}",
                fs.add(
                    f"{k}.count",
                    n,
                    "count",
                    f"fires with {h} sessions after them{per}",
                    source=src,
                    window=window,
                    formula="fires with a return and a benchmark return",
                ),
                fs.add(
                    f"{k}.mean_return",
                    mean_r,
                    "fraction",
                    f"mean return over the next {h} sessions{per}",
                    source=src,
                    window=window,
                    formula="mean of close[t+h]/close[t]-1 over the fires",
                    note=why,
                ),
                fs.add(
                    f"{k}.mean_spread",
                    float(sp[ok].mean()) if n else None,
                    "pp",
                    f"mean spread vs the benchmark over {h} sessions{per}",
                    source=src,
                    window=window,
                    formula="mean of (subject - benchmark return)",
                    note=why,
                ),
                fs.add(
                    f"{k}.hit_rate",
                    float((g.sign * sp[ok] > 0).mean()) if n else None,
                    "fraction",
                    f"{hit_label} over {h} sessions",
                    source=src,
                    window=window,
                    formula=hit_formula,
                    note=why,
                ),
            )
        )
    return rows


_SUMMARY_COLUMNS = ("Direction", "Horizon", "Fires", "Mean return", "Mean spread", "Hit rate")

_COLUMNS = (
    "Day",
    "Subject",
    "Message",
    *(c for h in HORIZONS for c in (f"Return {h}d", f"Spread {h}d")),
)


def _tables(
    fs: FigureSet,
    inputs: SessionInputs,
    ev: Evaluation,
    start: pd.Timestamp,
    window: str,
    benchmark: str | None,
) -> tuple[list[tuple[Cell, ...]], list[tuple[Cell, ...]]]:
    """Return the fires table's rows (with what followed each) and the summary's rows."""
    r = ev.rule
    found = fires(ev, after=start - pd.Timedelta(days=1))
    rows, rets, spreads = [], [], []
    for k, f in enumerate(found):
        row, ra, sp = _fire_row(fs, inputs, r, f, k, benchmark)
        rows.append(row)
        rets.append(ra)
        spreads.append(sp)
    src = "; ".join(sorted(set(ev.signal.sources.values()))) or "store"
    fs.add(
        "fires",
        len(found),
        "count",
        f"times {r.name!r} fired",
        source=src,
        window=window,
        formula=f"{kind_of(r.kind).summary}; cool-down {r.cooldown} sessions",
    )
    shape = (-1, len(HORIZONS))
    rets_a, spreads_a = np.array(rets).reshape(shape), np.array(spreads).reshape(shape)
    sides = np.array([kind_of(r.kind).side_of(f.values) for f in found], dtype=object)
    summary: list[tuple[Cell, ...]] = []
    for g in _groups(r):
        keep = np.ones(len(found), bool) if g.side is None else sides == g.side
        summary += _summary(fs, g, rets_a[keep], spreads_a[keep], (src, window, start))
    return rows, summary


def _summary_title(rule: Rule, benchmark: str | None) -> str:
    vs = f"spread and hit rate vs {_bench_words(rule, benchmark)}"
    if kind_of(rule.kind).sides is None:
        return f"What followed ({vs}; hit rate: share of fires with a spread above 0)"
    return (
        f"What followed, by direction of the crossing ({vs}; hit rate: share of fires "
        "crossing above with a spread above 0, of fires crossing below with a spread below 0)"
    )


def replay_rule(
    source: Store | Session,
    rule: Rule | str,
    since: object,
    as_of: object | None = None,
    *,
    benchmark: str | None = None,
    sec: SecSource | None = None,
) -> QueryResult:
    """Replay ``rule`` over history: its fires since ``since`` and what followed.

    Parameters
    ----------
    source : Store or Session
    rule : Rule or str
        A rule, or the id or name of a stored one.
    since : date-like
        First day listed (history before it still warms up averages and the cool-down).
    as_of : date-like, optional
        Last day of data read (default: the latest).
    benchmark : str, optional
        Benchmark of the spreads (default: SPY; B for a ratio A/B; IWM for SPY itself).
    sec : SecSource, optional
        Where 8-K filings come from.

    Returns
    -------
    QueryResult
        Table ``fires`` (day, subject, message, return and spread over 1/5/20 sessions),
        table ``summary`` (per direction and horizon: fires counted, mean return, mean
        spread, hit rate); figures ``fires`` and ``h{1,5,20}.*``, or for a crossing kind
        ``above.h{1,5,20}.*`` and ``below.h{1,5,20}.*`` (each direction the rule watches:
        a fire crossing above hits when its spread is above 0, one crossing below when its
        spread is below 0).

    Raises
    ------
    InputError
        A bad ``since`` (after ``as_of`` or the data's end), rule or benchmark (one the
        store holds no prices for).
    DataNotFound
        When no subject of the rule can be evaluated (the message says why).
    """
    s = session_for(source, as_of)
    start = parse_as_of(since, "since")
    if start is None:
        raise InputError("give --since, the first day to replay, e.g. 2024-01-02")
    if s.requested is not None and start > s.requested:
        raise InputError(
            f"--since {start:%Y-%m-%d} is after --as-of {s.requested:%Y-%m-%d}; "
            "give a --since on or before it"
        )
    r = _resolve(s, rule)
    _check_benchmark(s, benchmark)
    inputs = SessionInputs(s, start=start, sec=sec)
    ev = evaluate_rule(r, inputs)
    if not ev.subjects:
        why = "; ".join(f"{k}: {v}" for k, v in ev.unavailable.items()) or "no data"
        raise DataNotFound(f"rule {r.id!r} cannot be evaluated: {why}")
    end = ev.last_day or start
    if start > end:
        raise InputError(
            f"--since {start:%Y-%m-%d} is after the rule's data end ({end:%Y-%m-%d}); "
            "give an earlier --since"
        )
    fs = FigureSet(end)
    window = f"{start:%Y-%m-%d}..{end:%Y-%m-%d}"
    rows, summary = _tables(fs, inputs, ev, start, window, benchmark)
    notes = [f"{r.kind}: {kind_of(r.kind).summary}; cool-down {r.cooldown} sessions."]
    notes += [f"cannot be evaluated for {k}: {v}" for k, v in ev.unavailable.items()]
    return QueryResult(
        "replay_rule",
        end,
        s.requested,
        params={
            "rule": r.to_dict(),
            "since": f"{start:%Y-%m-%d}",
            "benchmark": benchmark,
            "horizons": list(HORIZONS),
        },
        figures=fs.mapping(),
        tables=(
            TableData("fires", f"When {r.name!r} would have fired", _COLUMNS, tuple(rows)),
            TableData("summary", _summary_title(r, benchmark), _SUMMARY_COLUMNS, tuple(summary)),
        ),
        notes=tuple(notes),
        sources=tuple(sorted(set(ev.signal.sources.values()))),
    )
