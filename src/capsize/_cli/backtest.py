"""``capsize backtest``: run a strategy or a grid, and show whether the card's signals work.

``capsize backtest run`` takes the strategy and its parameters from options or from a TOML
file (``--config grid.toml``); a parameter given several values (a TOML list, or
comma-separated on the command line: ``--threshold 0,0.5``) makes a grid, answered by
:func:`capsize.queries.backtest_grid`, otherwise :func:`capsize.queries.backtest` answers.
Options win over the file. ``capsize backtest signals`` renders
:func:`capsize.queries.signal_record`. ``--json`` prints the result's dict; ``--out DIR``
writes the charts (PNG and one self-contained HTML file) through :mod:`capsize._atomic`.

A grid file::

    strategy = "sleeve"
    start = "2005-01-03"
    weight = [0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3]
    band = [0.0, 0.02, 0.05]
    rebalance = ["M", "Q", "A", "none"]
    cost_bps = 5
"""

from __future__ import annotations

import itertools
import json
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from capsize._cli._cluster import Scheduler, Workers, cluster
from capsize._cli._common import console, emit_json, escape_markup, handle_errors, print_table
from capsize.errors import InputError

if TYPE_CHECKING:
    from capsize.queries.result import QueryResult

__all__ = [
    "DEFAULTS",
    "check_config",
    "dca_text",
    "deflated_text",
    "format_cell",
    "grid_lines",
    "grid_rows",
    "p_value_text",
    "parse_option",
    "probability_text",
    "read_config",
    "register",
    "run_rows",
    "sharpe_decimals",
    "sharpe_label",
    "start_note",
    "tries_text",
]

_SETTINGS = (
    "strategy", "start", "as_of", "walk_forward", "universe", "small", "large", "weighting",
    "rf",
)  # fmt: skip
"""Keys of a config file that are not grid parameters."""


def parse_option(name: str, text: str, kind: str) -> list[Any]:
    """Split a ``--name a,b`` option into typed values (``kind``: float, int or str).

    Raises
    ------
    InputError
        Naming the option when a value is not of its type.

    Examples
    --------
    >>> parse_option("threshold", "0, 0.5", "float")
    [0.0, 0.5]
    """
    out: list[Any] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            raise InputError(f"--{name.replace('_', '-')} {text!r} has an empty value; e.g. 0,0.5")
        try:
            out.append(int(part) if kind == "int" else float(part) if kind == "float" else part)
        except ValueError:
            raise InputError(
                f"--{name.replace('_', '-')} {part!r} is not {'a whole number' if kind == 'int' else 'a number'}"
            ) from None
    return out


def read_config(path: Path) -> dict[str, Any]:
    """Read a backtest TOML file: settings and parameters (lists are grid axes).

    Raises
    ------
    InputError
        When the file cannot be read or is not valid TOML (one line naming the file).
    """
    try:
        # utf-8-sig: a byte-order mark (as some Windows editors write) is accepted and dropped
        raw = tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except OSError as exc:
        raise InputError(f"cannot read --config {str(path)!r}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise InputError(
            f"--config {str(path)!r} is not UTF-8 text (byte {exc.object[exc.start]:#04x} at "
            f"offset {exc.start}); save it as UTF-8"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"--config {str(path)!r} is not valid TOML: {exc}") from None
    for k, v in raw.items():
        if isinstance(v, dict):
            raise InputError(
                f"--config {str(path)!r}: [{k}] is a table; write parameters as top-level keys"
            )
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in raw.items()}


_KINDS = {"float": ((int, float), "a number"), "int": ((int,), "a whole number"),
          "str": ((str,), "a string")}  # fmt: skip
"""TOML types a parameter of each kind accepts, and how a message names the kind."""


def check_config(path: Path, raw: dict[str, Any]) -> None:
    """Check a config file's keys and parameter types; errors name the file.

    Raises
    ------
    InputError
        For a key that is neither a setting nor a parameter (with the nearest known key
        and the full list), or a parameter value of the wrong type.
    """
    import difflib

    from capsize.queries.backtesting import PARAMS

    known = [*_SETTINGS, *PARAMS]
    for key, value in raw.items():
        if key not in known:
            near = difflib.get_close_matches(key, known, n=1)
            hint = f"did you mean {near[0]!r}? " if near else ""
            raise InputError(
                f"--config {str(path)!r}: key {key!r} is unknown; {hint}settings: "
                f"{', '.join(_SETTINGS)}; parameters: {', '.join(PARAMS)}"
            )
        if key not in PARAMS:
            continue
        types, words = _KINDS[PARAMS[key].kind]
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, bool) or not isinstance(v, types):
                raise InputError(
                    f"--config {str(path)!r}: {key}={v!r} is not {words}; e.g. "
                    f"{key} = {json.dumps(PARAMS[key].default)}"
                )


def _merge(config: dict[str, Any], options: dict[str, str | None]) -> dict[str, Any]:
    from capsize.queries.backtesting import PARAMS

    merged = dict(config)
    for name, text in options.items():
        if text is None:
            continue
        p = PARAMS[name]
        values = parse_option(name, text, p.kind)
        merged[name] = values if len(values) > 1 else values[0]
    return merged


def _is_grid(params: dict[str, Any]) -> bool:
    """Return True when a parameter has several values (an empty list: the grid says why)."""
    return any(isinstance(v, list) and len(v) != 1 for v in params.values())


def format_cell(fig: Any) -> str:
    """Text of a cell: labels as they are, figures by unit (returns signed, levels not)."""
    from capsize._format import fmt_num, fmt_pct
    from capsize.queries.backtesting import UNSIGNED
    from capsize.queries.result import Figure

    if not isinstance(fig, Figure):
        return "" if fig is None else str(fig)
    v = fig.value
    if fig.unit in ("text", "date") or v is None:
        return fig.note if fig.unit in ("text", "date") else f"n/a ({fig.note or 'missing'})"
    signed = not fig.id.endswith(UNSIGNED)
    if fig.unit == "fraction":
        return fmt_pct(float(v), 1, sign=signed)
    if fig.unit in ("count", "days"):
        return f"{int(v):,}"
    return fmt_num(float(v), 2, sign=signed and "rank_corr" in fig.id)


def sharpe_label(r: QueryResult, *, full: bool = True) -> str:
    """Return how the terminal and the charts name the Sharpe ratio: with its risk-free rate.

    ``Sharpe (rf: 1-month T-bill, Ken French; fed funds from 2026-05-01)``, or ``Sharpe
    (rf 0)`` with ``--rf zero`` (the answer's ``rf`` figure says which). ``full=False``
    leaves out the fallback periods (for table headers; the notes name them).
    """
    fig = r.figures.get("rf")
    rf = fig.note if fig is not None and fig.note else "rf 0"
    return f"Sharpe ({rf if full else rf.split(';')[0]})"


def tries_text(r: Any) -> str:
    """Return ``84 configurations, 69 distinct strategies`` for a grid answer."""
    n, d = r.value("n_configs"), r.value("n_distinct")
    return f"{n:,} configurations, {d:,} distinct {'strategy' if d == 1 else 'strategies'}"


_DCA_ROWS = (
    ("final_dca", "final value of the averaging, growth of 1"),
    ("final_lump_sum", "final value of the lump sum, growth of 1"),
    ("advantage", "averaging vs lump sum (final values)"),
)
"""Rows a DCA run adds to the statistics table: the answer to "average in or invest at once?"."""


def _stat_words(r: QueryResult, k: str) -> str:
    words = r.fig(k).label.removeprefix("strategy: ").split(";")[0]  # ratios name their rf
    words += ")" if words.count("(") > words.count(")") else ""
    return words.replace("sessions", "months") if r.params.get("universe") == "french" else words


def run_rows(r: QueryResult) -> tuple[list[str], list[list[str]]]:
    """Columns and rows of a single run's statistics, as the terminal and the HTML show them.

    Buy-and-hold columns appear only when the answer has their figures (a DCA run has
    none: its comparison is the lump sum, whose final value and the averaging's advantage
    close the table, the final values to three decimals).
    """
    from capsize._format import fmt_num
    from capsize.queries.backtesting import STAT_UNITS

    legs = [
        x
        for x in getattr(r, "legs", ("IWM", "SPY"))
        if any(k.startswith(f"{x}.") for k in r.figures)
    ]
    rows = [
        [_stat_words(r, k), format_cell(r.fig(k))]
        + [format_cell(r.fig(f"{x}.{k}")) if f"{x}.{k}" in r.figures else "" for x in legs]
        for k in STAT_UNITS
        if k in r.figures
    ]
    for k, words in _DCA_ROWS:
        v = r.fig(k) if k in r.figures else None
        if v is not None and v.value is not None:
            text = format_cell(v) if v.unit == "fraction" else fmt_num(float(v.value), 3)
            rows.append([words, text])
    head = "averaging (DCA)" if "final_dca" in r.figures else "strategy"
    return ["statistic", head, *legs], rows


def dca_text(r: QueryResult) -> str:
    """Return the sentence of a DCA run: final values of averaging and lump sum, the advantage.

    Empty for other strategies.
    """
    from capsize._format import fmt_num

    keys = ("final_dca", "final_lump_sum", "advantage")
    vals = [r.fig(k).value if k in r.figures else None for k in keys]
    if any(v is None for v in vals):
        return ""
    dca, lump, adv = (float(v or 0.0) for v in vals)
    return (
        f"Averaging in turned 1 into {fmt_num(dca, 3)}, a lump sum on "
        f"the first session into {fmt_num(lump, 3)}: averaging "
        f"{'ahead' if adv >= 0 else 'behind'} by {format_cell(r.fig('advantage'))} (ratio of the "
        "final values)."
    )


def _print_run(r: QueryResult) -> None:
    console.print(f"[bold]{escape_markup(getattr(r, 'description', ''))}[/]", highlight=False)
    cols, rows = run_rows(r)
    print_table(rows, cols, title="Backtest", right_align=list(range(1, len(cols))))
    if text := dca_text(r):
        console.print(text, highlight=False, markup=False)
    if "sharpe.low" in r.figures:
        console.print(
            f"95% intervals (stationary block bootstrap): CAGR {format_cell(r.fig('cagr.low'))} to "
            f"{format_cell(r.fig('cagr.high'))}, {sharpe_label(r)} {format_cell(r.fig('sharpe.low'))} to "
            f"{format_cell(r.fig('sharpe.high'))}",
            highlight=False,
            markup=False,
        )
    years = r.table("years")
    print_table(
        [[format_cell(c) for c in row] for row in years.rows[-10:]],
        years.columns,
        title="Last ten calendar years",
        right_align=list(range(1, len(years.columns))),
    )
    _notes(r)


def probability_text(p: float | None, note: str = "") -> str:
    """Return a probability as a percentage capped at both ends (a test cannot be certain).

    Examples
    --------
    >>> probability_text(0.99996), probability_text(0.992), probability_text(0.00001)
    ('> 99.9 %', '99.2 %', '< 0.1 %')
    """
    if p is None:
        return f"n/a ({note or 'missing'})"
    if p > 0.999:
        return "> 99.9 %"
    if p < 0.001:
        return "< 0.1 %"
    return f"{100.0 * p:.1f} %"


def deflated_text(r: Any) -> str:
    """Return the best cell's deflated Sharpe ratio as the terminal and the charts show it."""
    fig = r.fig("best.deflated_sharpe")
    return probability_text(None if fig.value is None else float(fig.value), fig.note)


def p_value_text(r: Any, fid: str) -> str:
    """Return a p-value figure as text: three decimals, or n/a with the reason."""
    from capsize._format import fmt_num

    fig = r.fig(fid)
    return f"n/a ({fig.note})" if fig.value is None else fmt_num(float(fig.value), 3)


def _luck_text(r: Any) -> str:
    """Return the outcome of the reality check at 5 % (empty when it was not run)."""
    p = r.fig("best.reality_check").value
    if p is None:
        return ""
    return " — an edge beyond luck at 5 %" if p < 0.05 else " — no edge beyond luck at 5 %"


def sharpe_decimals(values: list[float], most: int = 4) -> int:
    """Return the decimals (2 to ``most``) that tell apart neighbouring distinct Sharpe ratios.

    Examples
    --------
    >>> sharpe_decimals([0.4328, 0.4311, 0.4298])
    3
    >>> sharpe_decimals([0.55, 0.55, 0.41])
    2
    """
    d = 2
    pairs = list(itertools.pairwise(values))
    while d < most and any(a != b and round(a, d) == round(b, d) for a, b in pairs):
        d += 1
    return d


def grid_rows(r: Any, n: int = 10) -> tuple[list[str], list[list[str]]]:
    """Columns and rows of the best ``n`` distinct strategies of a grid by Sharpe ratio.

    Configurations with bit-for-bit equal returns (one ``strategy_id``: a 0 % sleeve under
    every rebalancing rule) make one row, its first configuration in the grid's order,
    and ``configurations`` says how many it stands for. CAGR and maximum drawdown are
    percentages (as a single run shows them), the Sharpe ratio a plain number with as
    many decimals (2 to 4) as separate the rows' ranking.
    """
    from capsize._format import fmt_num, fmt_pct

    frame = r.frame.sort_values("sharpe", ascending=False, kind="stable")
    counts = frame.groupby("strategy_id")["strategy_id"].transform("size")
    frame = frame.assign(configurations=counts).drop_duplicates("strategy_id").head(n)
    digits = sharpe_decimals([float(x) for x in frame["sharpe"]])
    cols = [*r.axes, "cagr", "sharpe", "max_drawdown", "configurations"]
    cell = {
        "cagr": lambda x: fmt_pct(float(x), 1, sign=True),
        "max_drawdown": lambda x: fmt_pct(float(x), 1, sign=True),
        "sharpe": lambda x: fmt_num(float(x), digits),
        "configurations": lambda x: f"{int(x):,}",
    }
    rows = [
        [str(x) if c in r.axes else cell[c](x) for c, x in zip(cols, row, strict=True)]
        for row in frame[cols].itertuples(index=False)
    ]
    return cols, rows


def grid_lines(r: Any) -> list[str]:
    """Return the grid's multiple-testing sentences (terminal and HTML say the same).

    The best Sharpe ratio with its deflated Sharpe ratio and the legs' buy and hold, then
    the reality check and SPA p-values with their outcome at 5 %.
    """
    sharpe, d = sharpe_label(r), r.value("n_distinct")
    small, large = r.legs
    return [
        f"Best {sharpe} {format_cell(r.fig('best.sharpe'))}; deflated Sharpe (probability it is "
        f"above zero after {d:,} distinct tries) {deflated_text(r)}; "
        f"buy and hold: {small} {format_cell(r.fig(f'{small}.sharpe'))}, "
        f"{large} {format_cell(r.fig(f'{large}.sharpe'))}",
        f"Mean return above buy and hold of {large}, allowing for {d:,} distinct tries: "
        f"reality check p = {p_value_text(r, 'best.reality_check')}, SPA p = "
        f"{p_value_text(r, 'best.spa')}{_luck_text(r)}",
    ]


def _print_grid(r: Any) -> None:
    cols, rows = grid_rows(r)
    sharpe = sharpe_label(r)
    print_table(
        rows,
        [sharpe_label(r, full=False) if c == "sharpe" else c for c in cols],
        title=f"Best {len(rows)} distinct strategies of {tries_text(r)}, by {sharpe}",
        right_align=list(range(len(r.axes), len(cols))),
    )
    console.print(
        "configurations: how many grid configurations gave these same returns (one row per "
        "distinct strategy)",
        style="dim",
        highlight=False,
        markup=False,
    )
    for line in grid_lines(r):
        console.print(line, highlight=False, markup=False)
    if any(t.name == "walk_forward" for t in r.tables):
        wf = r.table("walk_forward")
        rows = [[format_cell(c) for c in row] for row in wf.rows]
        print_table(rows, wf.columns, title=wf.title, right_align=[2, 3, 4])
        console.print(
            f"Walk-forward out of sample: {sharpe} {format_cell(r.fig('wf.oos_sharpe'))}, CAGR "
            f"{format_cell(r.fig('wf.oos_cagr'))}; the choice beat a median "
            f"{format_cell(r.fig('wf.oos_percentile'))} of the configurations",
            highlight=False,
            markup=False,
        )
    _notes(r)


_RECORD_HEADS = {"excess/yr": "excess/yr vs 50/50"}
"""Column names of the signal record made explicit: the excess is over a 50/50 IWM/SPY mix."""


def _print_record(r: Any) -> None:
    t = r.table("record")
    print_table(
        [[format_cell(c) for c in row] for row in t.rows],
        [_RECORD_HEADS.get(c, c) for c in t.columns],
        title=t.title,
        right_align=list(range(1, 9)),
    )
    _notes(r, skip=getattr(r, "verdict", ""))  # the verdict is printed above the table


def _notes(r: QueryResult, skip: str = "") -> None:
    for note in r.notes:
        if skip and note.strip() == skip.strip():
            continue
        console.print(f"[dim]{escape_markup(note)}[/]", highlight=False)
    console.print(
        f"As of {r.as_of:%Y-%m-%d}; sources: {'; '.join(r.sources)}", highlight=False, markup=False
    )


def _walk_forward(value: object) -> tuple[float, float] | None:
    """Return ``(train, test)`` years from ``"5,1"`` or a TOML ``[5, 1]`` (None: not asked)."""
    if value is None:
        return None
    parts: list[Any] = (
        parse_option("walk_forward", value, "float")
        if isinstance(value, str)
        else (list(value) if isinstance(value, list) else [])
    )
    if len(parts) != 2 or not all(isinstance(x, (int, float)) and x > 0 for x in parts):
        raise InputError(f"walk_forward {value!r} must be two positive numbers of years, e.g. 5,1")
    return float(parts[0]), float(parts[1])


def _grid(s: Any, settings: dict[str, Any], params: dict[str, Any], runner: Any) -> QueryResult:
    """Answer a grid: its sweeps on ``runner`` (Dask), or here (None) with a progress bar."""
    from rich.progress import Progress

    from capsize.queries import backtest_grid

    kw = {"strategy": settings.get("strategy", "rotation"), "start": settings.get("start"),
          "walk_forward": _walk_forward(settings.get("walk_forward")), **_legs(settings)}  # fmt: skip
    if runner is not None:
        on_dask: QueryResult = backtest_grid(s, runner=runner, **kw, **params)
        return on_dask
    with Progress(console=console, transient=True, disable=not console.is_terminal) as bar:
        task = bar.add_task("backtest grid", total=None)

        def step(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        grid: QueryResult = backtest_grid(s, progress=step, **kw, **params)
        return grid


def _legs(settings: dict[str, Any]) -> dict[str, Any]:
    """Return the universe and risk-free settings given (universe, small, large, weighting, rf)."""
    keys = ("universe", "small", "large", "weighting", "rf")
    return {k: settings[k] for k in keys if k in settings}


_Where = tuple[str | None, int | None]
"""The ``--scheduler`` and ``--workers`` options."""


def _run(
    settings: dict[str, Any], params: dict[str, Any], where: _Where = (None, None)
) -> QueryResult:
    from capsize.queries import backtest, open_session, parse_as_of

    day = parse_as_of(settings.get("as_of"), "--as-of")
    strategy = settings.get("strategy", "rotation")
    walk = _walk_forward(settings.get("walk_forward"))
    if walk is not None and not _is_grid(params):
        raise InputError(
            "--walk-forward needs a grid (a parameter with several values, e.g. "
            "--threshold 0,0.5): with one configuration there is nothing to choose in sample"
        )
    if _is_grid(params):  # the cluster first: a scheduler that does not answer fails at once
        with cluster(*where, "backtest grid") as runner, open_session(day) as s:
            return _grid(s, settings, params, runner)
    if where != (None, None):
        raise InputError(
            "--scheduler and --workers apply to grids (a parameter with several values, e.g. "
            "--weight 0,0.1); a single run stays in this process, drop them"
        )
    with open_session(day) as s:
        single = {k: (v[0] if isinstance(v, list) and v else v) for k, v in params.items()}
        one: QueryResult = backtest(
            s, strategy=strategy, start=settings.get("start"), **_legs(settings), **single
        )
        return one


_HELP: dict[str, str] = {
    "strategy": "rotation, sleeve or dca.",
    "signal": "Signal to trade: score, relative_strength, rates_regime, flows, "
    "size_factor_regime, rs_ma<N>, rs_cross<F>_<S>. Several, comma-separated, make a grid "
    "(one backtest per signal), not a combined signal. Scales: card signals -2..+2, rs_ma "
    "the fraction above its average.",
    "threshold": "Small caps while the signal is above it.",
    "below": "large or cash: held at or below the threshold.",
    "hold": "Minimum periods a position is kept.",
    "lag": "Periods from the signal's close to the trade (>= 1).",
    "weight": "Small-cap sleeve weight (fraction, e.g. 0,0.1,0.2).",
    "rebalance": "Sleeve calendar rebalancing: M, Q, A or none.",
    "band": "Sleeve rebalancing band, absolute weight (0: none).",
    "segment": "DCA leg: small or large.",
    "n_buys": "DCA: equal purchases.",
    "every": "DCA: periods between purchases.",
    "cost_bps": "Commission per one-way trade, bps (all costs default to 0: frictionless).",
    "slippage_bps": "Slippage per one-way trade, bps.",
    "spread_bps": "Full bid-ask spread, bps (a trade pays half).",
    "universe": "etf (IWM/SPY daily) or french (Ken French size portfolios, monthly "
    "from 1926; periods are months).",
    "small": "French small leg: ME1..ME10 (deciles), Q1..Q5 (quintiles), T1..T3.",
    "large": "French large leg, as --small.",
    "weighting": "French portfolios: vw (value-weighted) or ew.",
    "rf": "Risk-free rate of the Sharpe and Sortino ratios: tbill (Ken French's 1-month "
    "T-bill, point in time; the fed funds rate after its last published day) or zero.",
    "start": "First session of the run (YYYY-MM-DD).",
    "as_of": "Use only data dated on or before this day (YYYY-MM-DD).",
    "walk_forward": "Grid only: TRAIN,TEST years (e.g. 5,1): choose in sample, evaluate out "
    "of sample.",
}
"""Help of each option of ``backtest run`` (the option is ``--`` + the name with dashes)."""


DEFAULTS: dict[str, str] = {
    "strategy": "rotation", "signal": "score", "threshold": "0", "below": "large", "hold": "1",
    "lag": "1", "weight": "0.2", "rebalance": "M", "band": "0", "segment": "small",
    "n_buys": "12", "every": "21 sessions (etf), 1 month (french)", "cost_bps": "0",
    "slippage_bps": "0", "spread_bps": "0", "universe": "etf", "small": "ME1", "large": "ME10",
    "weighting": "vw", "rf": "tbill", "start": "the first day with data",
    "as_of": "the latest data",
}  # fmt: skip
"""Defaults ``--help`` shows (the query's; a test checks them against its ``PARAMS``): the
options default to None here so that a file's value is not overridden by an option not given.
Costs default to 0 bps: results are frictionless unless costs are given."""


def _opt(name: str) -> Any:
    """Return the ``typer.Option`` of ``backtest run`` for ``name`` (default None: not given)."""
    return typer.Option(
        None,
        f"--{name.replace('_', '-')}",
        help=_HELP[name],
        show_default=DEFAULTS.get(name, False),
    )


def _gather(
    config: Path | None, given: dict[str, str | None]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the settings and parameters: the file's, overridden by the options given."""
    from capsize.queries.backtesting import PARAMS

    file = read_config(config) if config is not None else {}
    if config is not None:
        check_config(config, file)
    settings = {k: file.pop(k) for k in _SETTINGS if k in file}
    settings.update({k: v for k, v in given.items() if k in _SETTINGS and v is not None})
    params = _merge(file, {k: v for k, v in given.items() if k in PARAMS})
    return settings, params


def start_note(requested: object, r: QueryResult) -> str:
    """Return a note when ``--start`` lies before the run's first day (empty otherwise).

    The first day is where the statistics' window begins (``cagr`` of a run,
    ``best.sharpe`` of a grid): the legs' (or a signal's) first data day.
    """
    if requested is None:
        return ""
    fid = "best.sharpe" if r.query == "backtest_grid" else "cagr"
    fig = r.figures.get(fid)
    first = (fig.provenance.window or "")[:10] if fig is not None else ""
    if len(first) != 10 or first <= str(requested)[:10]:
        return ""
    return f"Note: --start {str(requested)[:10]} is before the first day with data for this run; it starts {first}."


def _render(result: QueryResult, out: Path | None, as_json: bool, start: object = None) -> None:
    if out is not None:
        from capsize._cli.backtest_charts import write_charts

        written = write_charts(result, out)
        if not as_json:
            console.print(
                f"Wrote {', '.join(str(p) for p in written)}", highlight=False, markup=False
            )
    if as_json:
        emit_json(result.to_dict())
        return
    if note := start_note(start, result):
        console.print(note, highlight=False, markup=False)
    if result.query == "backtest_grid":
        _print_grid(result)
    else:
        _print_run(result)


def _run_command(
    config: Path | None = typer.Option(
        None, "--config", help="TOML file of settings and parameters (lists are grid axes)."
    ),
    strategy: str | None = _opt("strategy"),
    signal: str | None = _opt("signal"),
    threshold: str | None = _opt("threshold"),
    below: str | None = _opt("below"),
    hold: str | None = _opt("hold"),
    lag: str | None = _opt("lag"),
    weight: str | None = _opt("weight"),
    rebalance: str | None = _opt("rebalance"),
    band: str | None = _opt("band"),
    segment: str | None = _opt("segment"),
    n_buys: str | None = _opt("n_buys"),
    every: str | None = _opt("every"),
    cost_bps: str | None = _opt("cost_bps"),
    slippage_bps: str | None = _opt("slippage_bps"),
    spread_bps: str | None = _opt("spread_bps"),
    universe: str | None = _opt("universe"),
    small: str | None = _opt("small"),
    large: str | None = _opt("large"),
    weighting: str | None = _opt("weighting"),
    rf: str | None = _opt("rf"),
    start: str | None = _opt("start"),
    as_of: str | None = _opt("as_of"),
    walk_forward: str | None = _opt("walk_forward"),
    out: Path | None = typer.Option(None, "--out", help="Folder for the charts (PNG and HTML)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
    scheduler: Scheduler = None,
    workers: Workers = None,
) -> None:
    """Backtest one strategy, or a grid when a parameter has several values.

    A grid's one-pass sweeps run in parameter blocks on Dask with --scheduler or
    --workers (or [dask] in config.toml); the rows equal the single process.

    Example: capsize backtest run --strategy sleeve --weight 0,0.1,0.2,0.3 --cost-bps 5
    """
    given = {k: v for k, v in locals().items() if k in _HELP}
    settings, params = _gather(config, given)
    _render(_run(settings, params, (scheduler, workers)), out, as_json, settings.get("start"))


def _signals_command(
    as_of: str | None = _opt("as_of"),
    oos_start: str = typer.Option(
        "2013-01-01", "--oos-start", help="First decision date of the out-of-sample record."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
) -> None:
    """Show whether each rating-card signal worked out of sample, the failures included.

    Example: capsize backtest signals --as-of 2025-12-31
    """
    from capsize.queries import open_session, parse_as_of, signal_record

    day = parse_as_of(as_of, "--as-of")
    with open_session(day) as s:
        result = signal_record(s, oos_start=parse_as_of(oos_start, "--oos-start"))
    if as_json:
        emit_json(result.to_dict())
    else:
        console.print(f"[bold]{escape_markup(result.verdict)}[/]", highlight=False)
        _print_record(result)


def register(app: typer.Typer) -> None:
    """Add ``backtest run`` and ``backtest signals`` to the ``capsize`` app."""
    group = typer.Typer(
        help="Backtest strategies on IWM/SPY or the Ken French size portfolios, and the rating "
        "card's signals.",
        no_args_is_help=True,
    )
    app.add_typer(group, name="backtest")
    group.command("run")(handle_errors(_run_command))
    group.command("signals")(handle_errors(_signals_command))
