"""Render the report context: self-contained HTML, Markdown with PNG charts, PDF.

Templates (``templates/*.j2``, package data) receive only the context, the
narrative and pre-drawn charts; every number they print is a
:class:`~capsize.report._model.Figure`'s ``formatted`` text.
"""

from __future__ import annotations

import base64
import re
from functools import lru_cache
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
    "TEMPLATE_DIR",
    "key_cards",
    "md_escape",
    "render_html",
    "render_markdown",
    "render_pdf",
]

TEMPLATE_DIR = Path(__file__).parent / "templates"


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


def render_html(
    ctx: ReportContext,
    narrative: Narrative,
    charts: dict[str, str] | None = None,
    *,
    images: dict[str, Path] | None = None,
    embed_js: bool = True,
) -> str:
    """Render the single-file HTML report.

    Parameters
    ----------
    ctx : ReportContext
    narrative : Narrative
    charts : dict of str to str, optional
        Chart id -> HTML ``<div>`` (default: drawn with plotly).
    images : dict of str to Path, optional
        Chart id -> PNG; embedded as ``<img>`` data URIs instead of plotly (for PDF).
    embed_js : bool
        Embed plotly.js so the file opens offline (needed when ``charts`` are plotly divs).

    Returns
    -------
    str
        The HTML document.
    """
    from capsize.report import charts as C

    if images is not None:
        divs = {
            cid: '<img alt="chart" style="width:100%" src="data:image/png;base64,'
            + base64.b64encode(p.read_bytes()).decode("ascii")
            + '">'
            for cid, p in images.items()
        }
        js = ""
    else:
        divs = charts if charts is not None else C.plotly_divs(ctx)
        js = C.plotly_js() if embed_js else ""
    tpl = _env("html").get_template("report.html.j2")
    return str(tpl.render(narrative=narrative, charts=divs, plotly_js=js, **_common(ctx)))


def render_markdown(
    ctx: ReportContext, narrative: Narrative, out_dir: Path, *, name: str | None = None
) -> Path:
    """Write ``report-<day>.md`` and its PNG charts (``<name>_charts/``) into ``out_dir``.

    Returns
    -------
    Path
        The Markdown file.
    """
    from capsize.report import charts as C

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = name or f"capsize-report-{ctx.day}"
    img_dir = out_dir / f"{stem}_charts"
    pngs = C.write_pngs(ctx, img_dir)
    rel = {cid: f"{img_dir.name}/{p.name}" for cid, p in pngs.items()}
    tpl = _env("md").get_template("report.md.j2")
    text = tpl.render(narrative=narrative, images=rel, **_common(ctx))
    path = out_dir / f"{stem}.md"
    return write_text(path, text)


def render_pdf(ctx: ReportContext, narrative: Narrative, out_path: Path) -> Path:
    """Write a PDF through WeasyPrint (optional extra ``capsize[pdf]``), static charts.

    Raises
    ------
    MissingDependencyError
        When WeasyPrint is not installed.
    """
    try:
        import weasyprint
    except ImportError:
        raise MissingDependencyError(
            'PDF output needs WeasyPrint: pip install "capsize[pdf]" (or use --format html/md)'
        ) from None
    import tempfile

    from capsize.report import charts as C

    out_path = Path(out_path)
    with tempfile.TemporaryDirectory() as tmp:
        pngs = C.write_pngs(ctx, Path(tmp))
        html = render_html(ctx, narrative, images=pngs)
        with atomic_path(out_path) as part:
            weasyprint.HTML(string=html).write_pdf(str(part))
    return out_path
