"""Draw the context's :class:`ChartSpec` objects: uPlot for HTML, matplotlib SVG for Markdown/PDF.

One visual style for every medium: the same palette, the chart title as text
above the chart (so it wraps on a phone), the source once under it, month-name
dates, plain log ticks ($1, $2, $5) and legends off the data.

HTML charts are drawn in the browser by uPlot (``static/uplot``, MIT, 51 kB,
vendored so the report opens offline) from a small JSON payload per chart;
``static/charts.js`` turns the payload into a uPlot chart. Plotly's full bundle
(4.8 MB) made the report 5.4 MB; its smallest partial bundle (basic, 1.2 MB)
alone would leave no room under the 1.5 MB budget.

The scoreboard heatmap is a table of coloured cells in HTML and PDF and an SVG
in Markdown, built from the scoreboard table's figures (no number recomputed).
Plotting libraries are imported lazily.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from capsize._atomic import write_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from capsize.report._model import ChartSpec, Figure, Table
    from capsize.report.context import ReportContext

__all__ = [
    "HEATMAP_ID",
    "PALETTE",
    "HeatCell",
    "Heatmap",
    "all_charts",
    "chart_assets",
    "chart_html",
    "heatmap_html",
    "html_charts",
    "scoreboard_heatmap",
    "write_svgs",
]

PALETTE = ("#1f4e79", "#e08a00", "#7f7f7f", "#2e7d32", "#c62828")
FONT = "Inter, -apple-system, 'Segoe UI', Helvetica, Arial, 'DejaVu Sans', sans-serif"
"""The report's body font stack; SVG text is written with it (measured with DejaVu Sans)."""
HEATMAP_ID = "scoreboard_heatmap"
_POS, _NEG = (27, 122, 58), (180, 35, 24)


def all_charts(ctx: ReportContext) -> list[ChartSpec]:
    """Every chart of the available sections, in report order."""
    return [c for s in ctx.sections if s.available for c in s.charts]


# --------------------------------------------------------------------------- HTML (uPlot)


@lru_cache(maxsize=1)
def chart_assets() -> tuple[str, str]:
    """Return ``(javascript, css)`` to inline once: uPlot, its stylesheet and the chart driver."""
    static = files("capsize.report") / "static"
    notice = (static / "uplot" / "LICENSE").read_text(encoding="utf-8").replace("*/", "* /")
    js = (static / "uplot" / "uPlot.iife.min.js").read_text(encoding="utf-8")
    driver = (static / "charts.js").read_text(encoding="utf-8")
    css = (static / "uplot" / "uPlot.min.css").read_text(encoding="utf-8")
    # the MIT licence travels with every copy of uPlot, including the one inlined here
    return f"/* uPlot licence:\n{notice}*/\n{js}\n{driver}", css


def _nums(values: tuple[float, ...] | list[float]) -> list[float | None]:
    """Finite values rounded to 5 significant digits (enough for a chart), else None (a gap)."""
    import numpy as np

    y = np.asarray(values, dtype=float)
    ok = np.isfinite(y) & (y != 0)
    scale = np.ones_like(y)
    scale[ok] = 10.0 ** (4 - np.floor(np.log10(np.abs(y[ok]))))
    r = np.where(ok, np.round(y * scale) / scale, y)
    return [float(v) if np.isfinite(v) else None for v in r]


def _epochs(days: list[str]) -> list[int]:
    """ISO dates -> seconds since 1970-01-01 UTC (what uPlot's time axis takes)."""
    import numpy as np

    return [int(d) * 86400 for d in np.array(days, dtype="datetime64[D]").astype(np.int64)]


def _line_payload(spec: ChartSpec) -> dict[str, Any]:
    """Align every series on the union of their dates (uPlot wants one x array)."""
    days = sorted({d for s in spec.series for d in s.x})
    pos = {d: i for i, d in enumerate(days)}
    ys: list[list[float | None]] = []
    for s in spec.series:
        col: list[float | None] = [None] * len(days)
        for d, v in zip(s.x, _nums(s.y), strict=True):
            col[pos[d]] = v
        ys.append(col)
    series = [
        {"label": s.name, "color": s.color or PALETTE[i % len(PALETTE)], "dash": s.dash}
        for i, s in enumerate(spec.series)
    ]
    return {"x": _epochs(days), "y": ys, "series": series}


def _bar_payload(spec: ChartSpec) -> dict[str, Any]:
    """One bar series split into gains and losses (coloured apart), x = category index."""
    s = spec.series[0]
    vals = _nums(s.y)
    up = [v if v is not None and v >= 0 else None for v in vals]
    down = [v if v is not None and v < 0 else None for v in vals]
    series = [
        {"label": s.name, "color": PALETTE[0], "dash": False},
        {"label": f"{s.name} (negative)", "color": PALETTE[4], "dash": False},
    ]
    return {"x": list(range(len(vals))), "labels": list(s.x), "y": [up, down], "series": series}


def chart_payload(spec: ChartSpec) -> dict[str, Any]:
    """Return the JSON the chart driver draws: data, series styles, axis format, reference line."""
    body = _bar_payload(spec) if spec.kind == "bar" else _line_payload(spec)
    return {
        **body,
        "kind": spec.kind,
        "fmt": spec.y_format,
        "log": spec.log_y,
        "hline": spec.hline,
        "ylabel": spec.y_label,
    }


def chart_html(spec: ChartSpec) -> str:
    """Return one chart's ``<div>`` and JSON payload (drawn by the inlined chart driver)."""
    payload = json.dumps(chart_payload(spec), separators=(",", ":"), allow_nan=False)
    payload = payload.replace("</", "<\\/")
    return (
        f'<div class="uchart" id="chart-{spec.id}" role="img" aria-label="{_attr(spec.title)}">'
        f'</div><script type="application/json" class="chart-data" data-chart="chart-{spec.id}">'
        f"{payload}</script>"
    )


def html_charts(ctx: ReportContext) -> dict[str, str]:
    """``{chart id: <div> + JSON payload}`` for the HTML report (the scripts are inlined once)."""
    return {spec.id: chart_html(spec) for spec in all_charts(ctx)}


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


# --------------------------------------------------------------------------- heatmap


HeatCell: TypeAlias = tuple[str, float | None, str]
"""One heatmap cell: text shown, shade in [-1, 1] (None: missing), figure id ("" if missing)."""


@dataclass(frozen=True)
class Heatmap:
    """The scoreboard as a heatmap: one row per segment, one cell per window.

    Attributes
    ----------
    columns : tuple of str
        Window names (the scoreboard's figure columns).
    rows : tuple of (str, tuple of HeatCell)
        Row label, then each cell: its shown text, its shade in [-1, 1] (value /
        largest absolute value of its column; None when missing) and the figure id
        ("" for a missing value, shown as a word, not a number).
    """

    columns: tuple[str, ...]
    rows: tuple[tuple[str, tuple[HeatCell, ...]], ...]


def _is_fig(cell: object) -> bool:
    return not isinstance(cell, str)


def _shade(fig: Figure, scale: float) -> float | None:
    if not fig.available or scale <= 0:
        return None
    return max(-1.0, min(1.0, float(fig.value or 0.0) / scale))


def _column_scale(table: Table, i: int) -> float:
    """Largest absolute value among the available figures of column ``i`` (0 when none)."""
    vals = [
        abs(float(c.value or 0.0))
        for r in table.rows
        if not isinstance(c := r[i], str) and c.available
    ]
    return max(vals, default=0.0)


def _heat_cell(cell: Figure | str, scale: float) -> HeatCell:
    if isinstance(cell, str):
        return cell, None, ""
    if not cell.available:
        # a missing value shows its first word ("n/a", "stale"); the table above gives the reason
        return cell.formatted.split(" (")[0], None, ""
    return cell.formatted, _shade(cell, scale), cell.id


def heatmap_from_table(table: Table) -> Heatmap | None:
    """Build the heatmap from a table whose cells are figures (text columns are left out)."""
    keep = [i for i in range(len(table.columns)) if any(_is_fig(r[i]) for r in table.rows)]
    if not table.rows or not keep:
        return None
    scales = {i: _column_scale(table, i) for i in keep}
    rows = tuple(
        (
            r[0] if isinstance(r[0], str) else r[0].formatted,
            tuple(_heat_cell(r[i], scales[i]) for i in keep),
        )
        for r in table.rows
    )
    return Heatmap(tuple(table.columns[i] for i in keep), rows)


def scoreboard_heatmap(ctx: ReportContext) -> Heatmap | None:
    """Return the scoreboard section's first table as a heatmap (None when it is missing)."""
    sec = ctx.section("scoreboard")
    if not sec.available or not sec.tables:
        return None
    return heatmap_from_table(sec.tables[0])


def _rgb(shade: float | None) -> str:
    if shade is None:
        return "#f3f4f6"
    base = _POS if shade >= 0 else _NEG
    a = 0.08 + 0.62 * abs(shade)
    r, g, b = (round(255 + (c - 255) * a) for c in base)
    return f"#{r:02x}{g:02x}{b:02x}"


def _ink(shade: float | None) -> str:
    return "#ffffff" if shade is not None and abs(shade) > 0.6 else "#1c2733"


def heatmap_html(hm: Heatmap, title: str) -> str:
    """Return the heatmap as an HTML table of shaded cells (drawn the same on screen and paper)."""
    from html import escape

    head = "".join(f"<th>{escape(c)}</th>" for c in hm.columns)
    body = []
    for label, cells in hm.rows:
        tds = "".join(
            f'<td style="background:{_rgb(s)};color:{_ink(s)}">'
            + (
                f'<span class="fig" data-fid="{escape(fid)}">{escape(t)}</span>'
                if fid
                else escape(t)
            )
            + "</td>"
            for t, s, fid in cells
        )
        body.append(f'<tr><th class="lbl">{escape(label)}</th>{tds}</tr>')
    return (
        f'<div class="tablewrap"><table class="heat" aria-label="{_attr(title)}">'
        f'<thead><tr><th class="lbl"></th>{head}</tr></thead><tbody>{"".join(body)}</tbody>'
        "</table></div>"
    )


# --------------------------------------------------------------------------- SVG (matplotlib)

_MEASURE_FONT = "DejaVu Sans"
_RC: dict[str, Any] = {
    "font.family": _MEASURE_FONT,  # ships with matplotlib: no font search, no warnings
    "font.size": 9,
    "svg.fonttype": "none",  # text stays text: drawn in the page's font, selectable
    "axes.edgecolor": "#444444",
    "axes.labelcolor": "#444444",
    "xtick.color": "#444444",
    "ytick.color": "#444444",
    "svg.hashsalt": "capsize",  # stable ids: the same chart gives the same file
}


def _plain(v: float) -> str:
    """Format a tick value without scientific notation: 0.5, 2, 1,000."""
    if v >= 1:
        return f"{v:,.0f}"
    return f"{v:.3g}"


def _y_axis(ax: Axes, spec: ChartSpec) -> None:
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    if spec.log_y:
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_minor_formatter(NullFormatter())
        money = spec.y_format == "usd" or "$" in spec.y_label
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: ("$" if money else "") + _plain(v)))
    elif spec.y_format == "pct":
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0%}"))
    elif spec.y_format == "ratio":
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.2f}"))
    ax.set_ylabel(spec.y_label)


def _date_axis(ax: Axes, first: object, last: object) -> None:
    import matplotlib.dates as mdates
    import pandas as pd

    years = (pd.Timestamp(last) - pd.Timestamp(first)).days / 365.25  # type: ignore[arg-type]
    if years > 6:
        ax.xaxis.set_major_locator(mdates.YearLocator(base=max(1, round(years / 8))))  # type: ignore[no-untyped-call]
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))  # type: ignore[no-untyped-call]
    else:
        ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=7))  # type: ignore[no-untyped-call]
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))  # type: ignore[no-untyped-call]


def _draw_series(ax: Axes, spec: ChartSpec) -> None:
    import numpy as np
    import pandas as pd

    for i, s in enumerate(spec.series):
        y = np.asarray(s.y, dtype=float)
        if spec.kind == "bar":
            cols = [PALETTE[0] if v >= 0 else PALETTE[4] for v in np.nan_to_num(y)]
            ax.bar(range(len(s.x)), y, color=cols, label=s.name)
            step = max(1, len(s.x) // 12)
            ax.set_xticks(range(0, len(s.x), step))
            ax.set_xticklabels(list(s.x)[::step])
        else:
            x = pd.to_datetime(list(s.x))
            color = s.color or PALETTE[i % len(PALETTE)]
            ax.plot(x, y, color=color, lw=1.3, ls="--" if s.dash else "-", label=s.name)
    if spec.kind != "bar" and spec.series and spec.series[0].x:
        xs = [d for s in spec.series for d in s.x]
        _date_axis(ax, min(xs), max(xs))


def _save_svg(fig: Any, path: Path) -> None:
    """Save ``fig`` as SVG text in the body font stack (atomically), and close it."""
    import io

    import matplotlib.pyplot as plt

    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    text = buf.getvalue().replace(f"font-family: '{_MEASURE_FONT}'", f"font-family: {FONT}")
    write_text(path, text)


def _svg(spec: ChartSpec, path: Path) -> None:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.2, 2.6))
    _draw_series(ax, spec)
    if spec.hline is not None:
        ax.axhline(spec.hline, color="#999999", lw=0.8, zorder=0)
    _y_axis(ax, spec)
    ax.grid(axis="y", color="#eeeeee")
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if len(spec.series) > 1 and spec.kind != "bar":
        # above the plot area, never on the data
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=len(spec.series), frameon=False)
    _save_svg(fig, path)


def _heatmap_svg(hm: Heatmap, path: Path) -> None:
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    n_r, n_c = len(hm.rows), len(hm.columns)
    fig, ax = plt.subplots(figsize=(7.2, 0.5 + 0.3 * n_r))
    for r, (_, cells) in enumerate(hm.rows):
        for c, (text, shade, _) in enumerate(cells):
            ax.add_patch(Rectangle((c, r), 1, 1, facecolor=_rgb(shade), edgecolor="#ffffff"))
            ax.text(
                c + 0.5,
                r + 0.5,
                text,
                ha="center",
                va="center",
                color=_ink(shade),
                fontsize=8,
            )
    ax.set_xlim(0, n_c)
    ax.set_ylim(n_r, 0)
    ax.set_xticks([c + 0.5 for c in range(n_c)], list(hm.columns))
    ax.xaxis.tick_top()
    ax.set_yticks([r + 0.5 for r in range(n_r)], [label for label, _ in hm.rows])
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    _save_svg(fig, path)


def write_svgs(ctx: ReportContext, out_dir: Path) -> dict[str, Path]:
    """Draw every chart (and the scoreboard heatmap) as an SVG in ``out_dir``; ``{chart id: path}``.

    Text is kept as text (``svg.fonttype="none"``), so it takes the font of the page
    that shows it; titles and sources are not drawn (the page prints them).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    with plt.rc_context(_RC):  # type: ignore[arg-type]
        for spec in all_charts(ctx):
            paths[spec.id] = out_dir / f"{spec.id}.svg"
            _svg(spec, paths[spec.id])
        hm = scoreboard_heatmap(ctx)
        if hm is not None:
            paths[HEATMAP_ID] = out_dir / f"{HEATMAP_ID}.svg"
            _heatmap_svg(hm, paths[HEATMAP_ID])
    return paths
