"""Draw the context's :class:`ChartSpec` objects: plotly for HTML, matplotlib PNGs for Markdown.

One visual style for both: the same palette, titles, axis labels and a source
line under every chart. Plotting libraries are imported lazily.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from capsize._atomic import atomic_path

if TYPE_CHECKING:
    from capsize.report._model import ChartSpec
    from capsize.report.context import ReportContext

__all__ = ["PALETTE", "all_charts", "plotly_divs", "plotly_js", "write_pngs"]

PALETTE = ("#1f4e79", "#e08a00", "#7f7f7f", "#2e7d32", "#c62828")
FONT = "Inter, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"


def all_charts(ctx: ReportContext) -> list[ChartSpec]:
    """Every chart of the available sections, in report order."""
    return [c for s in ctx.sections if s.available for c in s.charts]


def _tickformat(spec: ChartSpec) -> str:
    return {"pct": ".0%", "ratio": ".2f", "num": ""}[spec.y_format]


def plotly_js() -> str:
    """Return the plotly.js bundle shipped with the plotly package (embedded once, offline)."""
    from importlib.resources import files

    return (files("plotly") / "package_data" / "plotly.min.js").read_text(encoding="utf-8")


def _clean(values: tuple[float, ...]) -> list[float | None]:
    return [None if v != v or v in (float("inf"), float("-inf")) else v for v in values]


def plotly_spec(spec: ChartSpec) -> dict[str, Any]:
    """Return the plotly.js figure (``data``, ``layout``) for one chart, as plain JSON-able dicts.

    Built directly rather than through ``plotly.graph_objects`` (whose validation
    costs ~0.15 s per chart); the result is what ``Plotly.newPlot`` takes.
    """
    data: list[dict[str, Any]] = []
    for i, s in enumerate(spec.series):
        y = _clean(s.y)
        if spec.kind == "bar":
            colors = [PALETTE[0] if (v or 0.0) >= 0 else PALETTE[4] for v in y]
            data.append(
                {"type": "bar", "x": list(s.x), "y": y, "name": s.name, "marker": {"color": colors}}
            )
        else:
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "x": list(s.x),
                    "y": y,
                    "name": s.name,
                    "line": {
                        "color": s.color or PALETTE[i % len(PALETTE)],
                        "width": 1.6,
                        "dash": "dash" if s.dash else "solid",
                    },
                }
            )
    axis = {"showline": True, "linecolor": "#444444", "ticks": "outside", "zeroline": False}
    layout: dict[str, Any] = {
        "font": {"family": FONT, "size": 12, "color": "#222222"},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "margin": {"l": 60, "r": 16, "t": 40, "b": 84},
        "height": 340,
        "title": {"text": spec.title, "x": 0, "xanchor": "left", "font": {"size": 14}},
        "legend": {"orientation": "h", "yanchor": "top", "y": -0.3, "x": 0},
        "showlegend": len(spec.series) > 1,
        "hovermode": "x unified",
        "xaxis": {**axis, "title": {"text": "year" if spec.kind == "bar" else "date"}},
        "yaxis": {
            **axis,
            "title": {"text": spec.y_label},
            "tickformat": _tickformat(spec),
            "gridcolor": "#eeeeee",
            "showgrid": True,
            "type": "log" if spec.log_y else "linear",
            **({"dtick": "D2"} if spec.log_y else {}),
        },
    }
    if spec.kind == "bar":
        layout["xaxis"]["type"] = "category"
        layout["xaxis"]["tickangle"] = -45
    if spec.hline is not None:
        layout["shapes"] = [
            {
                "type": "line",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "y0": spec.hline,
                "y1": spec.hline,
                "line": {"color": "#999999", "width": 1},
            }
        ]
    return {"data": data, "layout": layout}


def plotly_divs(ctx: ReportContext) -> dict[str, str]:
    """``{chart id: <div> + <script>}`` for the HTML report (plotly.js itself not included)."""
    out: dict[str, str] = {}
    config = json.dumps({"displayModeBar": False, "responsive": True})
    for spec in all_charts(ctx):
        fig = plotly_spec(spec)
        div = f"chart-{spec.id}"
        payload = json.dumps(fig, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")
        out[spec.id] = (
            f'<div id="{div}" class="plotly-graph-div" style="height:340px;width:100%"></div>'
            f"<script>(function(){{var f={payload};"
            "function draw(){"
            f'Plotly.newPlot("{div}",f.data,f.layout,{config});}}'
            # draw once the page is laid out, so the chart takes the final column width
            'if(document.readyState==="complete"){draw();}'
            'else{window.addEventListener("load",draw);}})();</script>'
        )
    return out


def write_pngs(ctx: ReportContext, out_dir: Path) -> dict[str, Path]:
    """Draw every chart as a PNG in ``out_dir`` with matplotlib; ``{chart id: path}``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd
    from matplotlib.ticker import FuncFormatter

    out_dir.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for spec in all_charts(ctx):
        fig, ax = plt.subplots(figsize=(8, 3.4), dpi=110)
        for i, s in enumerate(spec.series):
            y = np.asarray(s.y, dtype=float)
            color = s.color or PALETTE[i % len(PALETTE)]
            if spec.kind == "bar":
                cols = [PALETTE[0] if v >= 0 else PALETTE[4] for v in np.nan_to_num(y)]
                ax.bar(list(s.x), y, color=cols, label=s.name)
                step = max(1, len(s.x) // 12)
                ax.set_xticks(range(0, len(s.x), step))
                ax.set_xticklabels(list(s.x)[::step], fontsize=8)
            else:
                x = pd.to_datetime(list(s.x))
                ax.plot(x, y, color=color, lw=1.3, ls="--" if s.dash else "-", label=s.name)
                ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))  # type: ignore[no-untyped-call]
        if spec.hline is not None:
            ax.axhline(spec.hline, color="#999999", lw=0.8)
        if spec.log_y:
            ax.set_yscale("log")
        if spec.y_format == "pct":
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0%}"))
        ax.set_title(spec.title, loc="left", fontsize=11)
        ax.set_ylabel(spec.y_label, fontsize=9)
        ax.grid(axis="y", color="#eeeeee")
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        if len(spec.series) > 1:
            ax.legend(fontsize=8, frameon=False, loc="best")
        fig.text(0.01, 0.01, spec.source, fontsize=7, color="#666666")
        fig.tight_layout(rect=(0, 0.05, 1, 1))
        path = out_dir / f"{spec.id}.png"
        with atomic_path(path) as part:
            fig.savefig(part, format="png")
        plt.close(fig)
        paths[spec.id] = path
    return paths
