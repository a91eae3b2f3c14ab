"""Charts of ``capsize backtest run --out DIR``: PNG (matplotlib) and one HTML file.

A single run gives ``equity.png`` (strategy and buy-and-hold legs, growth of 1, on a log
scale when the lines span a factor of 10) and ``drawdown.png``, and the HTML adds the
statistics table; a grid gives ``heatmap.png`` (Sharpe ratio over the first two grid axes,
the best over any other axis, colours over at least :data:`MIN_SPAN`), and the HTML adds
the multiple-testing figures and the best distinct strategies. ``backtest.html`` holds the same charts
drawn the way the HTML report draws its own (:mod:`capsize.report.charts`): interactive
uPlot line charts from a JSON payload, with the report's vendored uPlot and chart driver
inlined once (about 60 kB, so the file opens offline), and the grid as the report's
heatmap table of shaded cells; the report's stylesheet gives it the same look. Every
file is written through :mod:`capsize._atomic`; the charts only draw the query's series
and figures.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

from capsize._atomic import atomic_path, write_text
from capsize._cli.backtest import sharpe_label

if TYPE_CHECKING:
    import pandas as pd

    from capsize.queries.result import QueryResult

__all__ = ["grid_matrix", "heatmap_html", "heatmap_title", "write_charts"]

_COLORS = {
    "equity": "#1f4e79",
    "benchmark.IWM": "#e08a00",
    "benchmark.SPY": "#7f7f7f",
    "lump_sum": "#7f7f7f",
    "drawdown": "#b03a2e",
}


def _color(r: QueryResult, name: str) -> str:
    """Colour of a series: the small leg's benchmark orange, the large leg's grey."""
    legs = getattr(r, "legs", ("IWM", "SPY"))
    key = {f"benchmark.{legs[0]}": "benchmark.IWM", f"benchmark.{legs[1]}": "benchmark.SPY"}
    return _COLORS.get(key.get(name, name), "#1f4e79")


def _png(fig: Any, path: Path) -> Path:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110, bbox_inches="tight")
    return path


def wants_log(r: QueryResult, names: list[str]) -> bool:
    """Return True when the growth lines span a factor of 10 or more (a log axis helps).

    Below that a log axis shows one or two decades of empty space and a single tick, so
    the lines are drawn on a linear axis.
    """
    import numpy as np

    vals = np.concatenate([np.asarray(r.get_series(n).values, dtype=float) for n in names])
    vals = vals[np.isfinite(vals) & (vals > 0)]
    return bool(vals.size) and float(vals.max()) / float(vals.min()) >= 10.0


def growth_title(log: bool) -> str:
    """Title of the growth chart: says when the axis is logarithmic."""
    return "Growth of 1 (log scale)" if log else "Growth of 1"


def _y_format(ax: Any, log: bool, pct: bool) -> None:
    """Ticks of the PNG's y axis: percentages, or plain numbers (1, 2, 5 per decade on log)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter, PercentFormatter

    if pct:
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        return
    if log:
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_minor_formatter(NullFormatter())
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}" if v >= 10 else f"{v:g}"))


def _line_png(r: QueryResult, names: list[str], title: str, log: bool | None, path: Path) -> Path:
    """``log``: True or False for the growth chart's axis, None for a drawdown (percent)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 4.2))
    ax = fig.add_subplot()
    for n in names:
        s = r.get_series(n)
        ax.plot(s.to_series(), label=s.label, color=_color(r, n), lw=1.2)
    _y_format(ax, bool(log), log is None)
    ax.set_title(title, loc="left", fontsize=11)
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, fontsize=9)
    fig.text(0.01, -0.02, f"As of {r.as_of:%Y-%m-%d}. Source: {'; '.join(r.sources)}", fontsize=7)
    return _png(fig, path)


def grid_matrix(frame: pd.DataFrame, axes: tuple[str, ...], stat: str = "sharpe") -> pd.DataFrame:
    """Return ``stat`` over the first two axes (rows, columns), the best over other axes.

    With one axis the matrix has a single column named ``stat``.
    """
    if len(axes) >= 2:
        return frame.pivot_table(index=axes[0], columns=axes[1], values=stat, aggfunc="max")
    key = axes[0] if axes else frame.columns[0]
    return frame.groupby(key)[[stat]].max()


def _heatmap_png(r: Any, path: Path) -> Path:
    import textwrap

    import numpy as np
    from matplotlib.figure import Figure

    m = grid_matrix(r.frame, r.axes)
    z = m.to_numpy(dtype=float)
    lo, hi = shade_range(z)
    width = min(max(7.0, 3 + 0.7 * m.shape[1]), 14)
    fig = Figure(figsize=(width, min(2.6 + 0.4 * m.shape[0], 12)))
    ax = fig.add_subplot()
    im = ax.imshow(z, cmap="RdYlGn", aspect="auto", vmin=lo, vmax=hi)
    ax.set_xticks(
        range(m.shape[1]), [str(c) for c in m.columns], rotation=45, ha="right", fontsize=8
    )
    ax.set_yticks(range(m.shape[0]), [str(i) for i in m.index], fontsize=8)
    ax.set_xlabel(str(m.columns.name or ""))
    ax.set_ylabel(str(m.index.name or ""))
    if z.size <= 200:  # the values, with as many decimals as the HTML table
        d = _heat_digits(z)
        for (i, j), v in np.ndenumerate(z):
            if np.isfinite(v):
                ax.text(j, i, f"{v:.{d}f}", ha="center", va="center", fontsize=7)
    # the long rf wording lives in the (wrapped) title; the colour bar's label stays short
    fig.colorbar(im, ax=ax, label="Sharpe ratio, best over other axes")
    chars = int(width * 11)
    title = "\n".join(textwrap.wrap(heatmap_title(r), chars))
    ax.set_title(title, loc="left", fontsize=9)
    return _png(fig, path)


def heatmap_title(r: Any, sep: str = "; ") -> str:
    """Title of the grid heatmap (PNG and HTML): the tries and the best cell's deflated Sharpe.

    The deflated Sharpe ratio is written as the terminal writes it (a capped probability).
    """
    from capsize._cli.backtest import deflated_text, tries_text

    return f"{sharpe_label(r)}, {tries_text(r)}{sep}deflated Sharpe of the best: {deflated_text(r)}"


def _line_chart(r: QueryResult, names: list[str], title: str, log: bool | None, cid: str) -> str:
    """One line chart of the query's series, as the report draws it (uPlot ``<div>`` + JSON).

    ``log``: True or False for the growth chart's axis, None for a drawdown (percent). A
    growth line's legend names its final value (the legend shows values only under the
    cursor).
    """
    from capsize._format import fmt_num
    from capsize.report import ChartSeries, ChartSpec
    from capsize.report.charts import chart_html

    series = []
    for n in names:
        s = r.get_series(n)
        label = s.label if log is None else f"{s.label} (end {fmt_num(float(s.values[-1]), 2)})"
        series.append(ChartSeries(label, tuple(s.dates), tuple(s.values), color=_color(r, n)))
    spec = ChartSpec(
        cid, title, "line", tuple(series), "drawdown" if log is None else "growth of 1",
        _source_line(r), "pct" if log is None else "num", log_y=bool(log),
    )  # fmt: skip
    return _block(title, chart_html(spec), _source_line(r))


def _table(cols: list[str], rows: list[list[str]], title: str) -> str:
    """Return a table in the report's look: the first column text, the others numbers."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(x)}</td>" if i == 0 else f'<td class="num">{html.escape(x)}</td>'
            for i, x in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return (
        f'<div class="tablewrap"><table aria-label="{html.escape(title)}"><thead><tr>{head}</tr>'
        f"</thead><tbody>{body}</tbody></table></div>"
    )


def _stats_block(r: QueryResult) -> str:
    """Return the single run's statistics table, as the terminal prints it, and the DCA sentence."""
    from capsize._cli.backtest import dca_text, run_rows

    cols, rows = run_rows(r)
    text = dca_text(r)
    lead = f"<p><b>{html.escape(text)}</b></p>" if text else ""
    return _block("Statistics", lead + _table(cols, rows, "Statistics"), _source_line(r))


def _source_line(r: QueryResult) -> str:
    return f"As of {r.as_of:%Y-%m-%d}. Source: {'; '.join(r.sources)}"


def _block(title: str, body: str, source: str) -> str:
    return (
        f'<figure class="chart"><figcaption><b>{html.escape(title)}</b></figcaption>{body}'
        f'<p class="src">{html.escape(source)}</p></figure>'
    )


MIN_SPAN = 0.05
"""Smallest Sharpe-ratio span the heatmap's colours stretch over: a smaller spread is drawn
pale around its middle instead of from deep red to deep green."""


def shade_range(z: Any) -> tuple[float, float]:
    """Return the colour scale's ``(low, high)``: the grid's range, at least :data:`MIN_SPAN`.

    A narrower range is widened symmetrically around its middle, so differences below
    the printed precision never look like red against green.
    """
    import numpy as np

    finite = np.asarray(z, dtype=float)
    finite = finite[np.isfinite(finite)]
    if not finite.size:
        return 0.0, MIN_SPAN
    lo, hi = float(finite.min()), float(finite.max())
    if hi - lo >= MIN_SPAN:
        return lo, hi
    mid, half = (lo + hi) / 2.0, max(hi - lo, MIN_SPAN) / 2.0
    return mid - half, mid + half


def _shade(v: float, lo: float, hi: float) -> float | None:
    """Shade in [-1, 1] over the colour scale ``lo`` (red) to ``hi`` (green)."""
    import math

    if not math.isfinite(v):
        return None
    return 0.0 if hi <= lo else 2.0 * (v - lo) / (hi - lo) - 1.0


def _heat_digits(z: Any) -> int:
    """Decimals of the heatmap's cells: enough (2 to 4) to tell the distinct values apart."""
    import numpy as np

    from capsize._cli.backtest import sharpe_decimals

    vals = sorted({float(v) for v in np.asarray(z, dtype=float).ravel() if np.isfinite(v)})
    return sharpe_decimals(vals)


def heatmap_html(r: Any) -> str:
    """Return the grid's Sharpe ratios as the report's heatmap table (rows as in the PNG)."""
    import numpy as np

    from capsize._format import fmt_num
    from capsize.report.charts import Heatmap
    from capsize.report.charts import heatmap_html as table_html

    m = grid_matrix(r.frame, r.axes)
    z = m.to_numpy(dtype=float)
    lo, hi = shade_range(z)
    d = _heat_digits(z)
    rows = tuple(
        (
            f"{m.index.name} {i}" if m.index.name else str(i),
            tuple((fmt_num(v, d) if np.isfinite(v) else "n/a", _shade(v, lo, hi), "") for v in row),
        )
        for i, row in zip(m.index, z, strict=True)
    )
    cols = tuple(f"{m.columns.name} {c}" if m.columns.name else str(c) for c in m.columns)
    title = heatmap_title(r)
    body = table_html(Heatmap(cols, rows), title)
    note = (
        f"{sharpe_label(r)}, the best over any other grid axis; shade from red to green over "
        f"{fmt_num(lo, 3)} to {fmt_num(hi, 3)} (the grid's range, at least {MIN_SPAN:g} wide)."
    )
    return _block(title, f'<p class="src">{html.escape(note)}</p>{body}', _source_line(r))


def _grid_block(r: Any) -> str:
    """Return the multiple-testing sentences and the best distinct strategies, as the terminal shows."""
    from capsize._cli.backtest import grid_lines, grid_rows, sharpe_label, tries_text

    cols, rows = grid_rows(r)
    head = [sharpe_label(r, full=False) if c == "sharpe" else c for c in cols]
    title = f"Best {len(rows)} distinct strategies of {tries_text(r)}"
    lines = "".join(f"<p>{html.escape(x)}</p>" for x in grid_lines(r))
    foot = (
        '<p class="src">configurations: how many grid configurations gave these same returns '
        "(one row per distinct strategy)</p>"
    )
    return _block(title, lines + _table(head, rows, title) + foot, _source_line(r))


def _page_css() -> str:
    """Return the report's stylesheet and uPlot's, so the page looks like the report."""
    from importlib.resources import files

    from capsize.report.charts import chart_assets

    css = (files("capsize.report") / "templates" / "report.css").read_text(encoding="utf-8")
    # uPlot's inline legend ends each label with a colon before a value that shows only under
    # the cursor; the labels here name the final value instead
    page = "body{max-width:1100px;margin:2em auto;padding:0 1em}.u-inline .u-series th::after{content:''}"
    return f"{css}\n{chart_assets()[1]}\n{page}"


def _html(r: QueryResult, blocks: list[str], path: Path) -> Path:
    """Write one HTML page: the report's inlined uPlot (60 kB, opens offline) and the blocks."""
    from capsize.report.charts import chart_assets

    title = html.escape(f"capsize backtest, as of {r.as_of:%Y-%m-%d}")
    notes = "".join(f'<p class="src">{html.escape(n)}</p>' for n in r.notes)
    js = chart_assets()[0] if any('class="uchart"' in b for b in blocks) else ""
    script = f"<script>{js}</script>" if js else ""
    text = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{title}</title><style>{_page_css()}</style></head>"
        f"<body><main><h1>{title}</h1>{''.join(blocks)}{notes}</main>{script}</body></html>"
    )
    write_text(path, text)
    return path


def write_charts(r: QueryResult, out: Path) -> list[Path]:
    """Write the charts of a backtest or grid answer into ``out`` (created if missing).

    Returns
    -------
    list of Path
        The files written.
    """
    out.mkdir(parents=True, exist_ok=True)
    if r.query == "backtest_grid":
        return [
            _heatmap_png(r, out / "heatmap.png"),
            _html(r, [_grid_block(r), heatmap_html(r)], out / "backtest.html"),
        ]
    lines = [s.name for s in r.series if s.name not in ("drawdown",)]
    log = wants_log(r, lines)
    files = [
        _line_png(r, lines, growth_title(log), log, out / "equity.png"),
        _line_png(r, ["drawdown"], "Strategy drawdown", None, out / "drawdown.png"),
    ]
    blocks = [
        _stats_block(r),
        _line_chart(r, lines, growth_title(log), log, "equity"),
        _line_chart(r, ["drawdown"], "Strategy drawdown", None, "drawdown"),
    ]
    files.append(_html(r, blocks, out / "backtest.html"))
    return files
