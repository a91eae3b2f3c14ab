"""Charts of ``capsize backtest run --out DIR``: PNG (matplotlib) and one HTML file.

A single run gives ``equity.png`` (strategy and buy-and-hold legs, growth of 1, log
scale) and ``drawdown.png``; a grid gives ``heatmap.png`` (Sharpe ratio over the first
two grid axes, the best over any other axis). ``backtest.html`` holds the same charts
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


def _line_png(r: QueryResult, names: list[str], title: str, log: bool, path: Path) -> Path:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 4.2))
    ax = fig.add_subplot()
    for n in names:
        s = r.get_series(n)
        ax.plot(s.to_series(), label=s.label, color=_color(r, n), lw=1.2)
    if log:
        ax.set_yscale("log")
    else:
        from matplotlib.ticker import PercentFormatter

        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
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
    from matplotlib.figure import Figure

    m = grid_matrix(r.frame, r.axes)
    fig = Figure(figsize=(min(max(5.5, 3 + 0.6 * m.shape[1]), 14), min(2 + 0.35 * m.shape[0], 12)))
    ax = fig.add_subplot()
    im = ax.imshow(m.to_numpy(dtype=float), cmap="RdYlGn", aspect="auto")
    ax.set_xticks(
        range(m.shape[1]), [str(c) for c in m.columns], rotation=45, ha="right", fontsize=8
    )
    ax.set_yticks(range(m.shape[0]), [str(i) for i in m.index], fontsize=8)
    ax.set_xlabel(str(m.columns.name or ""))
    ax.set_ylabel(str(m.index.name or ""))
    fig.colorbar(im, ax=ax, label=f"{sharpe_label(r)}\n(best over other axes)")
    # two short lines over the axes, so the title never runs into the colour bar's label
    ax.set_title(heatmap_title(r, "\n"), loc="left", fontsize=9)
    return _png(fig, path)


def heatmap_title(r: Any, sep: str = "; ") -> str:
    """Title of the grid heatmap (PNG and HTML): the tries and the best cell's deflated Sharpe.

    The deflated Sharpe ratio is written as the terminal writes it (a percentage).
    """
    from capsize._cli.backtest import deflated_text, tries_text

    return f"{sharpe_label(r)}, {tries_text(r)}{sep}deflated Sharpe of the best: {deflated_text(r)}"


def _line_chart(r: QueryResult, names: list[str], title: str, log: bool, cid: str) -> str:
    """One line chart of the query's series, as the report draws it (uPlot ``<div>`` + JSON)."""
    from capsize.report import ChartSeries, ChartSpec
    from capsize.report.charts import chart_html

    series = []
    for n in names:
        s = r.get_series(n)
        series.append(ChartSeries(s.label, tuple(s.dates), tuple(s.values), color=_color(r, n)))
    spec = ChartSpec(
        cid, title, "line", tuple(series), "growth of 1" if log else "drawdown",
        _source_line(r), "num" if log else "pct", log_y=log,
    )  # fmt: skip
    return _block(title, chart_html(spec), _source_line(r))


def _source_line(r: QueryResult) -> str:
    return f"As of {r.as_of:%Y-%m-%d}. Source: {'; '.join(r.sources)}"


def _block(title: str, body: str, source: str) -> str:
    return (
        f'<figure class="chart"><figcaption><b>{html.escape(title)}</b></figcaption>{body}'
        f'<p class="src">{html.escape(source)}</p></figure>'
    )


def _shade(v: float, lo: float, hi: float) -> float | None:
    """Shade in [-1, 1]: the grid's lowest Sharpe ratio -1 (red), its highest +1 (green)."""
    import math

    if not math.isfinite(v):
        return None
    return 0.0 if hi <= lo else 2.0 * (v - lo) / (hi - lo) - 1.0


def heatmap_html(r: Any) -> str:
    """Return the grid's Sharpe ratios as the report's heatmap table (rows as in the PNG)."""
    import numpy as np

    from capsize._format import fmt_num
    from capsize.report.charts import Heatmap
    from capsize.report.charts import heatmap_html as table_html

    m = grid_matrix(r.frame, r.axes)
    z = m.to_numpy(dtype=float)
    finite = z[np.isfinite(z)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
    rows = tuple(
        (
            f"{m.index.name} {i}" if m.index.name else str(i),
            tuple((fmt_num(v, 2) if np.isfinite(v) else "n/a", _shade(v, lo, hi), "") for v in row),
        )
        for i, row in zip(m.index, z, strict=True)
    )
    cols = tuple(f"{m.columns.name} {c}" if m.columns.name else str(c) for c in m.columns)
    title = heatmap_title(r)
    body = table_html(Heatmap(cols, rows), title)
    note = (
        f"{sharpe_label(r)}, the best over any other grid axis; shade from the grid's lowest "
        "(red) to its highest (green)."
    )
    return _block(title, f'<p class="src">{html.escape(note)}</p>{body}', _source_line(r))


def _page_css() -> str:
    """Return the report's stylesheet and uPlot's, so the page looks like the report."""
    from importlib.resources import files

    from capsize.report.charts import chart_assets

    css = (files("capsize.report") / "templates" / "report.css").read_text(encoding="utf-8")
    return f"{css}\n{chart_assets()[1]}\nbody{{max-width:1100px;margin:2em auto;padding:0 1em}}"


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
            _html(r, [heatmap_html(r)], out / "backtest.html"),
        ]
    lines = [s.name for s in r.series if s.name not in ("drawdown",)]
    files = [
        _line_png(r, lines, "Growth of 1 (log scale)", True, out / "equity.png"),
        _line_png(r, ["drawdown"], "Strategy drawdown", False, out / "drawdown.png"),
    ]
    blocks = [
        _line_chart(r, lines, "Growth of 1 (log scale)", True, "equity"),
        _line_chart(r, ["drawdown"], "Strategy drawdown", False, "drawdown"),
    ]
    files.append(_html(r, blocks, out / "backtest.html"))
    return files
