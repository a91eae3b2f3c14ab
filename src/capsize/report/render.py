"""Render the report context: self-contained HTML, Markdown with SVG charts, PDF.

Templates (``templates/*.j2``, package data) receive only the context, the
narrative and pre-drawn charts; every number they print is a
:class:`~capsize.report._model.Figure`'s ``formatted`` text.
"""

from __future__ import annotations

import base64
import re
from functools import lru_cache
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from capsize._atomic import atomic_path, write_text
from capsize._format import fmt_date
from capsize.errors import MissingDependencyError

if TYPE_CHECKING:
    import jinja2
    import markupsafe

    from capsize.report._model import Figure
    from capsize.report.context import ReportContext
    from capsize.report.narrative import Narrative

__all__ = [
    "HEATMAP_TITLE",
    "PROVENANCE_COLUMNS",
    "TEMPLATE_DIR",
    "key_cards",
    "md_escape",
    "pdf_document",
    "provenance_rows",
    "render_html",
    "render_markdown",
    "render_pdf",
    "write_provenance",
]

TEMPLATE_DIR = Path(__file__).parent / "templates"
HEATMAP_TITLE = "Scoreboard heatmap: returns by window (shade scaled within each column)"
PROVENANCE_COLUMNS = ("id", "figure", "value", "source", "symbols", "window", "as_of", "formula")
"""Columns of the provenance appendix and its CSV/JSON sidecars."""


_MD_PUNCTUATION = re.compile(r"[\\`*\[\]|~#]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
"""Markdown punctuation that could start emphasis, code, a link, a table cell or a heading.

An ``_`` inside a word (``IWM_daily.csv``) cannot open or close emphasis and is kept.
"""

_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
"""An ``&`` that would start an HTML entity (``S&P 500`` stays as it is)."""


def md_escape(value: object) -> markupsafe.Markup:
    r"""Return ``value`` as Markdown text that renders literally (the ``md`` filter).

    Data-derived text (a symbol, a file name, a note, a label) must come out inert in
    the Markdown report: ``<``, ``>`` and an ``&`` that would start an entity become HTML
    entities (no tag, no script), Markdown punctuation is backslash-escaped (no link,
    image, emphasis, code span or table cell break) and line breaks become spaces (the
    text cannot leave its line).
    The result is marked safe, so the template's autoescape does not escape it twice.

    Examples
    --------
    >>> str(md_escape("<img src=x onerror=alert(1)>"))
    '&lt;img src=x onerror=alert(1)&gt;'
    >>> str(md_escape("[x](javascript:alert(1)) *a*|b _c_ IWM_daily"))
    '\\[x\\](javascript:alert(1)) \\*a\\*\\|b \\_c\\_ IWM_daily'
    """
    import markupsafe

    if isinstance(value, markupsafe.Markup):
        return value
    text = " ".join(str(value).splitlines())
    text = _ENTITY.sub("&amp;", text).replace("<", "&lt;").replace(">", "&gt;")
    return markupsafe.Markup(_MD_PUNCTUATION.sub(lambda m: "\\" + m.group(0), text))


@lru_cache(maxsize=2)
def _env(kind: str) -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        # Both formats autoescape: HTML with HTML escaping; Markdown too, as a safety net
        # under the ``md`` filter, so that no data text reaches either file as markup.
        autoescape=True,
        trim_blocks=False,
        lstrip_blocks=False,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md_escape
    return env


def key_cards(ctx: ReportContext) -> list[tuple[str, Figure]]:
    """Pick the numbers of the card strip at the top (those that exist)."""
    picks = [
        ("IWM today", ctx.fig("scoreboard", "IWM.1D")),
        ("Small - large YTD", ctx.fig("scoreboard", "IWM-SPY.YTD")),
        ("IWM/SPY vs 200-day", ctx.fig("relative", "small.vs200")),
        ("IWM from its high", ctx.fig("highs", "IWM.all-time_close")),
        ("Rotation score", ctx.fig("rating", "score")),
    ]
    return [(label, f) for label, f in picks if f is not None]


def _stale_banner(ctx: ReportContext) -> list[str]:
    stale = [c for c in ctx.proxies if c.stale]
    if not stale:
        return []
    names = "; ".join(f"{c.symbol} ({c.label}) last closed {fmt_date(c.last_date)}" for c in stale)
    return [
        f"Stale data: {names}. Their figures run to that date and are labelled; "
        f"everything else is as of {ctx.day}."
    ]


def _common(ctx: ReportContext) -> dict[str, Any]:
    return {
        "ctx": ctx,
        "cards": key_cards(ctx),
        "stale_notes": _stale_banner(ctx),
        "requested": (
            fmt_date(ctx.requested)
            if ctx.requested is not None and ctx.requested != ctx.as_of
            else ""
        ),
    }


def provenance_rows(ctx: ReportContext) -> list[dict[str, str]]:
    """One row per figure shown: id, label, value shown, source, symbols, window, as-of, formula."""
    return [
        {
            "id": f.id,
            "figure": f.label,
            "value": f.formatted,
            "source": f.provenance.source,
            "symbols": ", ".join(f.provenance.symbols) if f.provenance.symbols else "rule constant",
            "window": f.provenance.window,
            "as_of": f.provenance.as_of,
            "formula": f.provenance.formula,
        }
        for f in ctx.figures
    ]


def write_provenance(ctx: ReportContext, stem: Path) -> tuple[Path, Path]:
    """Write the provenance appendix as ``<stem>.provenance.csv`` and ``.json`` (atomically).

    Parameters
    ----------
    ctx : ReportContext
    stem : Path
        The report file without its suffix (the sidecars sit next to it).

    Returns
    -------
    tuple of Path
        The CSV and the JSON file.
    """
    import csv
    import io
    import json

    rows = provenance_rows(ctx)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(PROVENANCE_COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    csv_path = write_text(stem.with_name(f"{stem.name}.provenance.csv"), buf.getvalue())
    doc = {"schema": "capsize.report-provenance/1", "report_day": ctx.day, "figures": rows}
    json_path = write_text(
        stem.with_name(f"{stem.name}.provenance.json"),
        json.dumps(doc, indent=1, ensure_ascii=False) + "\n",
    )
    return csv_path, json_path


def _svg_img(path: Path, alt: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img class="svgchart" alt="{escape(alt)}" src="data:image/svg+xml;base64,{data}">'


def render_html(
    ctx: ReportContext,
    narrative: Narrative,
    charts: dict[str, str] | None = None,
    *,
    images: dict[str, Path] | None = None,
    embed_js: bool = True,
    sidecars: dict[str, str] | None = None,
) -> str:
    """Render the single-file HTML report (or the HTML WeasyPrint turns into the PDF).

    Parameters
    ----------
    ctx : ReportContext
    narrative : Narrative
    charts : dict of str to str, optional
        Chart id -> HTML (default: a uPlot ``<div>`` and its JSON data).
    images : dict of str to Path, optional
        Chart id -> SVG file, embedded as ``<img>`` data URIs instead of uPlot; the
        page is then laid out for print (landscape provenance appendix).
    embed_js : bool
        Inline uPlot and the chart driver so the file opens offline (needed for uPlot charts).
    sidecars : dict of str to str, optional
        Label -> relative link of the provenance sidecar files, named in the appendix.

    Returns
    -------
    str
        The HTML document.
    """
    from capsize.report import charts as C

    print_ = images is not None
    if images is not None:
        titles = {c.id: c.title for c in C.all_charts(ctx)}
        divs = {cid: _svg_img(p, titles.get(cid, "chart")) for cid, p in images.items()}
        js = css = ""
    else:
        divs = charts if charts is not None else C.html_charts(ctx)
        js, css = C.chart_assets() if embed_js else ("", "")
    hm = C.scoreboard_heatmap(ctx)
    heat = C.heatmap_html(hm, HEATMAP_TITLE) if hm is not None else ""
    tpl = _env("html").get_template("report.html.j2")
    return str(
        tpl.render(
            narrative=narrative,
            charts=divs,
            chart_js=js,
            chart_css=css,
            heatmap=heat,
            heatmap_title=HEATMAP_TITLE,
            print_layout=print_,
            sidecars=sidecars or {},
            **_common(ctx),
        )
    )


def render_markdown(
    ctx: ReportContext, narrative: Narrative, out_dir: Path, *, name: str | None = None
) -> Path:
    """Write ``<name>.md``, its SVG charts (``<name>_charts/``) and provenance sidecars.

    The provenance of every figure goes to ``<name>.provenance.csv`` and ``.json``
    beside the Markdown file, linked from its last section, so the body stays readable.

    Returns
    -------
    Path
        The Markdown file.
    """
    from capsize.report import charts as C

    out_dir = Path(out_dir)
    stem = name or f"capsize-report-{ctx.day}"
    img_dir = out_dir / f"{stem}_charts"
    svgs = C.write_svgs(ctx, img_dir)
    rel = {cid: f"{img_dir.name}/{p.name}" for cid, p in svgs.items()}
    csv_path, json_path = write_provenance(ctx, out_dir / stem)
    tpl = _env("md").get_template("report.md.j2")
    text = tpl.render(
        narrative=narrative,
        images=rel,
        heatmap_id=C.HEATMAP_ID,
        heatmap_title=HEATMAP_TITLE,
        provenance={"CSV": csv_path.name, "JSON": json_path.name},
        n_figures=len(ctx.figures),
        **_common(ctx),
    )
    return write_text(out_dir / f"{stem}.md", text)


def _weasyprint() -> Any:
    try:
        import weasyprint
    except ImportError:
        raise MissingDependencyError(
            'PDF output needs WeasyPrint: pip install "capsize[pdf]" (or use --format html/md)'
        ) from None
    except OSError as exc:  # the Python package is there, Pango (a system library) is not
        raise MissingDependencyError(
            f"WeasyPrint is installed but cannot load its system libraries ({exc}); install "
            "Pango (Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0) or use "
            "--format html/md"
        ) from None
    return weasyprint


def pdf_document(
    ctx: ReportContext, narrative: Narrative, sidecars: dict[str, str] | None = None
) -> Any:
    """Lay the report out for print with WeasyPrint; return its ``Document`` (pages, write_pdf).

    The body is A4 portrait; the provenance appendix is A4 landscape (its pages are
    the ones wider than tall).

    Raises
    ------
    MissingDependencyError
        When WeasyPrint is not installed.
    """
    weasyprint = _weasyprint()
    import tempfile

    from capsize.report import charts as C

    with tempfile.TemporaryDirectory() as tmp:
        svgs = C.write_svgs(ctx, Path(tmp))
        html = render_html(ctx, narrative, images=svgs, sidecars=sidecars)
    return weasyprint.HTML(string=html).render()


def render_pdf(ctx: ReportContext, narrative: Narrative, out_path: Path) -> Path:
    """Write a PDF through WeasyPrint (optional extra ``capsize[pdf]``), SVG charts.

    The body is laid out for A4 portrait; the provenance of every figure follows as
    a landscape appendix, and is also written beside the PDF as CSV and JSON.

    Raises
    ------
    MissingDependencyError
        When WeasyPrint is not installed.
    """
    _weasyprint()
    out_path = Path(out_path)
    csv_path, json_path = write_provenance(ctx, out_path.with_suffix(""))
    doc = pdf_document(ctx, narrative, {"CSV": csv_path.name, "JSON": json_path.name})
    with atomic_path(out_path) as part:
        doc.write_pdf(str(part))
    return out_path
