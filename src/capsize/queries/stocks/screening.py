"""The ``screen`` question: which small stocks pass a preset or custom rules, with evidence."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from capsize._atomic import write_text
from capsize.errors import DataNotFound, InputError
from capsize.queries.result import Cell, FigureSet, QueryResult, TableData
from capsize.queries.session import session_for
from capsize.queries.stocks.figures import METRIC_COLUMNS, StockFigures, metric_row
from capsize.queries.stocks.sec import SecSource, sec_source
from capsize.queries.stocks.universe import (
    Gathered,
    bar_sources,
    gather,
    segments_of,
    source_summary,
)
from capsize.rules import liquidity, staleness
from capsize.rules.cap_bands import rule_text
from capsize.stocks.gather import DEFAULT_INDEX_CAP, estimate_note
from capsize.stocks.screener import (
    PRESETS,
    Rule,
    RuleStat,
    ScreenResult,
    StockMetrics,
    compute_metrics,
    metrics_frame,
    parse_rule,
)
from capsize.stocks.screener import screen as run_screen

if TYPE_CHECKING:
    from capsize.data.store import Store
    from capsize.queries.session import Session
    from capsize.stocks.gather import StockEvidence

# PRESETS is re-exported: front ends offer the preset names (the web's preset choice)
__all__ = ["NOT_STOCK", "PRESETS", "ScreenQueryResult", "screen"]

NOT_STOCK: dict[str, str] = {"etf": "an ETF", "index": "an index", "crypto": "a crypto asset"}
"""Store symbol kinds that are not stocks, and how to name them."""

DISCLAIMER = "Information, not investment advice."

FLAGS_NOTE = (
    "flags = manipulation-risk flags RAISED of 5; '(k n/a)' = k flags NOT ASSESSED "
    "(data missing), so a 0 with n/a is not a clean bill."
)

VOLATILITY_RULE = (
    "Volatility = standard deviation of simple daily returns (last 252, ddof=1) x sqrt(252), "
    "as everywhere in capsize."
)


@dataclass(frozen=True)
class ScreenQueryResult(QueryResult):
    """Answer of :func:`screen`.

    Tables: ``screen`` (the ranked stocks shown, one figure per numeric metric, ids
    ``TICKER.metric``), ``rules`` (per rule: stocks entering, passing, failing and NOT
    ASSESSED, with the main reason; ids ``ruleN.*``) and ``excluded`` (tickers left out,
    with why). Figures ``universe``, ``passed``, ``shown`` and ``older_prices``.

    Attributes
    ----------
    description : str
        What the preset (or custom rules) look for.
    stats : tuple of RuleStat
        Per rule, in order.
    empty_reason : str or None
        Which rule removed the last stocks, when none passes.
    """

    description: str = ""
    stats: tuple[RuleStat, ...] = ()
    empty_reason: str | None = None

    def export(self, path: str | Path) -> Path:
        """Write the screen to ``.csv`` (the ``screen`` table) or ``.json`` (:meth:`to_dict`).

        Raises
        ------
        InputError
            When the file name ends neither in ``.csv`` nor in ``.json``.
        """
        out = Path(path)
        suffix = out.suffix.lower()
        if suffix not in (".csv", ".json"):
            raise InputError(f"export file {str(out)!r} must end in .csv or .json")
        if suffix == ".csv":
            text = self.table("screen").to_csv()  # formula-safe, as the web's CSV
        else:
            text = json.dumps(self.to_dict(), indent=2)
        return write_text(out, text)


def _rules(preset: str | None, rules: Sequence[Rule | str]) -> tuple[Rule, ...]:
    if preset is not None and preset not in PRESETS:
        raise InputError(f"preset {preset!r} is unknown; choose one of {', '.join(PRESETS)}")
    return tuple(r if isinstance(r, Rule) else parse_rule(r) for r in rules)


def _excluded(s: Session, g: Gathered) -> tuple[list[StockEvidence], list[tuple[str, str]]]:
    """Stocks to screen, and (ticker, reason) for those left out."""
    day = f" on or before {s.requested:%Y-%m-%d}" if s.requested is not None else ""
    keep: list[StockEvidence] = []
    out: list[tuple[str, str]] = []
    for ev in g.evidence:
        if ev.kind in NOT_STOCK:
            out.append(
                (ev.ticker, f"{ev.ticker} is {NOT_STOCK[ev.kind]}; the screen is for stocks")
            )
        elif ev.unknown:
            out.append((ev.ticker, f"unknown ticker {ev.ticker}: no prices in the store{day}"))
        else:
            keep.append(ev)
    if not keep:
        unknown = [t for t, why in out if why.startswith("unknown")]
        if unknown and len(unknown) == len(g.evidence):
            raise DataNotFound(
                f"unknown ticker {', '.join(unknown)}: no prices in the store{day} and not in "
                f"the {g.inputs.fund} holdings; check the spelling or run 'capsize data import DIR'"
            )
        raise InputError("nothing to screen: " + "; ".join(why for _, why in out))
    return keep, out


@dataclass(frozen=True)
class _CountSource:
    """Provenance shared by the screen's counts: every input of the screen."""

    source: str
    symbols: tuple[str, ...]
    window: str


def _rule_table(fs: FigureSet, stats: Sequence[RuleStat], cs: _CountSource) -> TableData:
    rows: list[tuple[Cell, ...]] = []
    for i, st in enumerate(stats, start=1):
        cells: list[Cell] = [st.rule]
        for key, label in (
            ("entered", "stocks entering"),
            ("passed", "stocks passing"),
            ("failed", "stocks failing on known data"),
            ("not_assessed", "stocks NOT ASSESSED (metric missing)"),
        ):
            cells.append(
                fs.add(
                    f"rule{i}.{key}",
                    int(getattr(st, key)),
                    "count",
                    f"rule '{st.rule}': {label}",
                    source=cs.source,
                    symbols=cs.symbols,
                    window=cs.window,
                    formula=f"stocks tested by the rule '{st.rule}' (a missing metric does not pass)",
                )
            )
        cells.append(next(iter(st.reasons), None) if st.not_assessed else None)
        rows.append(tuple(cells))
    cols = ("rule", "entered", "passed", "failed", "not assessed", "main reason")
    return TableData("rules", "How each rule thinned the screen", cols, tuple(rows))


def _counts(fs: FigureSet, res: ScreenResult, shown: int, cs: _CountSource) -> None:
    for fid, value, label in (
        ("universe", res.n_universe, "stocks screened"),
        ("passed", res.n_passed, "stocks passing every rule"),
        ("shown", shown, "stocks shown (ranked, up to the limit)"),
        ("older_prices", res.n_older_prices, "screened stocks whose last price is older"),
    ):
        fs.add(
            fid,
            int(value),
            "count",
            label,
            source=cs.source,
            symbols=cs.symbols,
            window=cs.window,
            formula="count",
        )


def _notes(
    s: Session,
    g: Gathered,
    res: ScreenResult,
    excluded: Sequence[tuple[str, str]],
    index_cap: float,
) -> tuple[str, ...]:
    shown = len(res.frame)
    notes = [
        res.description,
        f"{res.n_passed} of {res.n_universe} stocks pass (showing {shown}), "
        f"{res.as_of_text()}; filings: {g.sec.label}.",
        *(f"  {st.describe()}" for st in res.stats),
    ]
    empty = res.empty_reason()
    if empty:
        notes.append(empty.replace("no stock passes", "No stock passes", 1) + ".")
    if any(ev.market_cap_label.startswith("holdings-implied") for ev in g.evidence):
        notes.append(
            f"* market cap and band are an {estimate_note(index_cap)}: holdings-implied "
            f"({g.inputs.fund} weight x index cap, rolled by price), not XBRL shares x price."
        )
    notes += [FLAGS_NOTE, *(why for _, why in excluded)]
    notes += [rule_text(segments_of(s)), liquidity.RULE, staleness.RULE, VOLATILITY_RULE]
    notes.append(DISCLAIMER)
    return tuple(notes)


def screen(
    source: Store | Session,
    as_of: object | None = None,
    *,
    preset: str | None = None,
    rules: Sequence[Rule | str] = (),
    tickers: Sequence[str] | None = None,
    fund: str = "IWM",
    sort_by: str | None = None,
    ascending: bool | None = None,
    limit: int | None = 25,
    index_cap: float = DEFAULT_INDEX_CAP,
    sec: SecSource | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ScreenQueryResult:
    """Screen small stocks by a preset and/or custom rules, with per-rule counts.

    Parameters
    ----------
    source : Store or Session
    as_of : date-like, optional
        Evaluation day: prices, holdings and filings dated on or before it are used
        (default: the latest).
    preset : str, optional
        A key of :data:`capsize.stocks.screener.PRESETS`.
    rules : sequence of Rule or str
        Extra rules, e.g. ``"pe<=15"`` (all must pass).
    tickers : sequence of str, optional
        Default: the equity holdings of ``fund`` on or before the day.
    fund : str
        Holdings for universe, sector, weight and implied market cap.
    sort_by, ascending : optional
        Ranking (default: the preset's, else market cap descending).
    limit : int or None
        Stocks shown (ranked); None shows all.
    index_cap : float
        Assumed total float cap of the fund's index, USD.
    sec : SecSource, optional
        Where filings come from (default: :func:`~capsize.queries.stocks.sec.sec_source`).
    progress : callable, optional
        ``progress(done, total)`` while evidence is gathered.

    Returns
    -------
    ScreenQueryResult

    Raises
    ------
    InputError
        Unknown preset, malformed rule, bad limit or index cap, nothing to screen.
    DataNotFound
        No holdings for the default universe, or every ticker unknown.
    """
    s = session_for(source, as_of)
    extra = _rules(preset, rules)
    if limit is not None and limit < 1:
        raise InputError(f"limit={limit!r} must be at least 1")
    src = sec if sec is not None else sec_source()
    g = gather(s, tickers, sec=src, fund=fund, index_cap=index_cap, progress=progress)
    keep, excluded = _excluded(s, g)
    segs = segments_of(s)
    metrics = {ev.ticker: compute_metrics(ev, segments=segs) for ev in keep}
    answer_as_of = g.data_end()
    res = run_screen(
        metrics_frame(metrics.values()),
        preset=preset,
        rules=extra,
        sort_by=sort_by,
        ascending=ascending,
        limit=limit,
        as_of=answer_as_of,
        requested_as_of=s.requested,
        missing={t: m.missing for t, m in metrics.items()},
    )
    fs = FigureSet(answer_as_of)
    tables, sources = _screen_tables(fs, s, g, src.label, keep, metrics, res, excluded, tickers)
    return ScreenQueryResult(
        query="screen",
        as_of=answer_as_of,
        requested_as_of=s.requested,
        params={
            "preset": preset,
            "rules": [r.describe() for r in res.rules],
            "tickers": None if tickers is None else [t.strip().upper() for t in tickers],
            "fund": g.inputs.fund,
            "sort_by": sort_by,
            "ascending": ascending,
            "limit": limit,
            "index_cap": index_cap,
            "sec": src.label,
        },
        figures={k: v for k, v in fs.mapping().items() if "." not in k},
        tables=tables,
        notes=_notes(s, g, res, excluded, index_cap),
        sources=sources,
        description=res.description,
        stats=res.stats,
        empty_reason=res.empty_reason(),
    )


def _screen_tables(
    fs: FigureSet,
    s: Session,
    g: Gathered,
    sec_label: str,
    keep: Sequence[StockEvidence],
    metrics: dict[str, StockMetrics],
    res: ScreenResult,
    excluded: Sequence[tuple[str, str]],
    tickers: Sequence[str] | None,
) -> tuple[tuple[TableData, ...], tuple[str, ...]]:
    """Return the screen, per-rule and excluded tables (figures into ``fs``) and the sources."""
    ctx = StockFigures(s, g.inputs, sec_label)
    by_ticker = {ev.ticker: ev for ev in keep}
    shown = [str(t) for t in res.frame.index]
    rows = tuple(metric_row(fs, ctx, by_ticker[t], metrics[t]) for t in shown)
    screen_table = TableData("screen", res.description, ("ticker", *METRIC_COLUMNS), rows)
    sources = _sources(s, g)
    cs = _CountSource(
        "; ".join(sources),
        (g.inputs.fund,) if tickers is None else tuple(by_ticker),
        f"{g.inputs.start:%Y-%m-%d}..{fs.as_of}",
    )
    rule_table = _rule_table(fs, res.stats, cs)
    _counts(fs, res, len(shown), cs)
    excl = TableData("excluded", "Tickers left out", ("ticker", "reason"), tuple(excluded))
    return (screen_table, rule_table, excl), sources


def _sources(s: Session, g: Gathered) -> tuple[str, ...]:
    prices = [bar_sources(s, ev.ticker) for ev in g.evidence if ev.close is not None]
    prices.append(bar_sources(s, g.inputs.benchmark_symbol))
    hold = g.inputs.holdings
    extra = [str(hold.attrs["source"])] if hold is not None and hold.attrs.get("source") else []
    return (*source_summary(prices), *extra, f"SEC: {g.sec.label}")
