"""Charts of ``capsize backtest run --out DIR``: PNG (matplotlib) and one HTML file (plotly).

A single run gives ``equity.png`` (strategy and buy-and-hold legs, growth of 1, log
scale) and ``drawdown.png``; a grid gives ``heatmap.png`` (Sharpe ratio over the first
two grid axes, the best over any other axis). ``backtest.html`` holds the same charts,
interactive, with plotly's script inlined once (it opens offline). Every file is written
through :mod:`capsize._atomic`; the charts only draw the query's series and figures.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

from capsize._atomic import atomic_path, write_text
from capsize._cli.backtest import SHARPE

if TYPE_CHECKING:
    import pandas as pd

    from capsize.queries.result import QueryResult

__all__ = ["grid_matrix", "heatmap_figure", "heatmap_title", "write_charts"]

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
    fig.colorbar(im, ax=ax, label=f"{SHARPE} (best over other axes)")
    # two short lines over the axes, so the title never runs into the colour bar's label
    ax.set_title(heatmap_title(r, "\n"), loc="left", fontsize=9)
    return _png(fig, path)


def heatmap_title(r: Any, sep: str = "; ") -> str:
    """Title of the grid heatmap (PNG and HTML): the tries and the best cell's deflated Sharpe.

    The deflated Sharpe ratio is written as the terminal writes it (a percentage).
    """
    from capsize._cli.backtest import deflated_text

    return (
        f"{SHARPE}, {r.value('n_configs'):,} configurations{sep}"
        f"deflated Sharpe of the best: {deflated_text(r)}"
    )


def _plotly_lines(r: QueryResult, names: list[str], title: str, log: bool) -> Any:
    import plotly.graph_objects as go

    fig = go.Figure()
    for n in names:
        s = r.get_series(n)
        fig.add_trace(
            go.Scatter(
                x=list(s.dates),
                y=list(s.values),
                name=s.label,
                line={"color": _color(r, n), "width": 1.3},
            )
        )
    fig.update_layout(
        title=title,
        template="plotly_white",
        height=420,
        margin={"l": 50, "r": 20, "t": 50, "b": 40},
    )
    if log:
        fig.update_yaxes(type="log")
    else:
        fig.update_yaxes(tickformat=".0%")
    return fig


def heatmap_figure(r: Any) -> Any:
    """Return the plotly heatmap of a grid answer (rows top to bottom as in the PNG)."""
    import plotly.graph_objects as go

    m = grid_matrix(r.frame, r.axes)
    fig = go.Figure(
        go.Heatmap(
            z=m.to_numpy(dtype=float).tolist(),
            x=[str(c) for c in m.columns],
            y=[str(i) for i in m.index],
            colorscale="RdYlGn",
            colorbar={"title": SHARPE},
        )
    )
    fig.update_layout(
        title=heatmap_title(r),
        xaxis_title=str(m.columns.name or ""),
        yaxis_title=str(m.index.name or ""),
        template="plotly_white",
        height=520,
    )
    fig.update_yaxes(autorange="reversed")  # first row on top, as in the PNG (imshow)
    return fig


def _html(r: QueryResult, figs: list[Any], path: Path) -> Path:
    parts = [f.to_html(full_html=False, include_plotlyjs=(i == 0)) for i, f in enumerate(figs)]
    title = html.escape(f"capsize backtest, as of {r.as_of:%Y-%m-%d}")
    notes = "".join(f"<p>{html.escape(n)}</p>" for n in r.notes)
    text = (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#1c2733}"
        "p{font-size:13px;color:#4a5866}</style></head>"
        f"<body><h1>{title}</h1>{notes}{''.join(parts)}</body></html>"
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
            _html(r, [heatmap_figure(r)], out / "backtest.html"),
        ]
    lines = [s.name for s in r.series if s.name not in ("drawdown",)]
    files = [
        _line_png(r, lines, "Growth of 1 (log scale)", True, out / "equity.png"),
        _line_png(r, ["drawdown"], "Strategy drawdown", False, out / "drawdown.png"),
    ]
    figs = [
        _plotly_lines(r, lines, "Growth of 1", True),
        _plotly_lines(r, ["drawdown"], "Drawdown", False),
    ]
    files.append(_html(r, figs, out / "backtest.html"))
    return files
