"""The query registry: which questions the web answers, with typed parameters, by page.

Every REST endpoint (``GET /api/v1/<name>``) and every page section is generated from a
:class:`QuerySpec` row. A row names its function by import path (``module:attribute``),
resolved lazily when the app is built: a query not importable in this build is listed as
"not available in this build" and its endpoint answers 501. Parameters come from the
function's signature (keyword parameters after ``source`` and ``as_of``; the annotation
gives the kind), overridden by the row's :class:`Param` declarations where a row knows
better (bounds, choices, help). So a query that lands in :mod:`capsize.queries` appears
in the API and on its page by its row alone.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

__all__ = [
    "PAGES",
    "REGISTRY",
    "SCREEN_ALL",
    "SCREEN_COLUMNS",
    "Page",
    "Param",
    "ParamKind",
    "QuerySpec",
    "Resolved",
    "Section",
    "page",
    "resolve",
    "resolve_all",
    "spec",
]

log = logging.getLogger(__name__)

ParamKind = Literal["str", "int", "float", "bool", "list", "rules", "date", "choice"]


@dataclass(frozen=True)
class Param:
    """One parameter of a query, as the web takes it from a URL.

    Attributes
    ----------
    name : str
        The query function's keyword (and the URL parameter).
    kind : ParamKind
        ``list`` is comma-separated text (symbols, windows), ``rules`` comma-separated
        screen rules (``pe<=15,price>=5``), ``date`` ISO ``YYYY-MM-DD``, ``choice`` one
        of ``choices``.
    default : object
        Default value (None: the function's own default applies).
    help : str
        One line for the OpenAPI document and the page form.
    choices : tuple of str
        Allowed values of a ``choice``.
    minimum, maximum : float, optional
        Bounds of an ``int`` or ``float``.
    required : bool
        The function has no default for it.
    choices_from : str
        Import path ``module:attribute`` of the allowed values of a ``choice`` (a mapping
        or sequence of names, e.g. the screen presets), read when the row is resolved: the
        query layer stays the one place they are listed.
    """

    name: str
    kind: ParamKind = "str"
    default: object = None
    help: str = ""
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    required: bool = False
    choices_from: str = ""


@dataclass(frozen=True)
class QuerySpec:
    """A registry row: one query the web serves.

    Attributes
    ----------
    name : str
        Endpoint name (``/api/v1/<name>``) and query name.
    target : str
        Import path ``module:attribute`` of the query function.
    title : str
        Section title on pages.
    group : str
        Key of the page that shows it (OpenAPI tag).
    params : tuple of Param
        Declarations that override or complete the ones derived from the signature.
    list_like : bool
        Its tables are lists (screens, catalysts): the API pages them (``limit``, ``offset``).
    summary : str
        One line for the OpenAPI document.
    function : callable, optional
        The query function itself, instead of ``target`` (tests, plugins).
    user_data : bool
        It reads user data (watchlists): its cached answers follow every store snapshot,
        those of market-data queries only snapshots with new market data.
    fixed : mapping of str to object
        Keyword arguments the web always passes (not URL parameters). A list whose
        function takes ``limit`` is computed once with every row and paged by the web.
    page_rows : int, optional
        Rows of a list-like answer sent when the request gives no ``limit``.
    """

    name: str
    target: str
    title: str
    group: str
    params: tuple[Param, ...] = ()
    list_like: bool = False
    summary: str = ""
    function: Callable[..., Any] | None = None
    user_data: bool = False
    fixed: Mapping[str, object] = field(default_factory=dict)
    page_rows: int | None = None


@dataclass(frozen=True)
class Resolved:
    """A registry row with its function (None when not available) and final parameters."""

    spec: QuerySpec
    fn: Callable[..., Any] | None
    params: tuple[Param, ...]
    reason: str = ""

    @property
    def available(self) -> bool:
        """True when the query function was imported."""
        return self.fn is not None

    def param(self, name: str) -> Param | None:
        """Return the parameter ``name`` (None when the query has no such parameter)."""
        return next((p for p in self.params if p.name == name), None)


@dataclass(frozen=True)
class Section:
    """One query shown on a page.

    Attributes
    ----------
    query : str
        Registry name.
    defaults : mapping of str to str
        URL-style parameter text used when the page URL does not give it. Placeholders
        ``{symbol}`` (the stock page's symbol), ``{id}`` and ``{symbols}`` (a watchlist's
        id and its symbols, comma-separated) are filled in by the page. Names the query
        lacks are ignored.
    form : bool
        Show a form to change the parameters.
    title : str
        Overrides the registry title.
    link : tuple of (str, str)
        ``(column, url)``: cells of that column link to ``url`` with ``{}`` replaced by
        the cell's text (a screener's symbols to their stock page).
    columns : tuple of str
        Columns of the first table shown on the page (all when empty; the JSON and CSV
        keep every column).
    hide : tuple of str
        Parameters left out of the form (the section's defaults still apply).
    transpose : bool
        Show a one-row first table as (field, value) rows (one stock's screen row).
    unfold : bool
        Show every table open (default: tables after the first are folded).
    slow : bool
        Its answer may take tens of seconds: when not cached, the page says "computing"
        and reloads itself while the answer is computed in the background.
    tables_first : bool
        Show the tables before the figure cards (a rating card's verdict first).
    server_sort : bool
        Column headers sort every row on the server (``sort``, ``order``) over the one
        cached answer, not just the rows of the page in the browser (a long, paged list).
    """

    query: str
    defaults: Mapping[str, str] = field(default_factory=dict)
    form: bool = False
    title: str = ""
    link: tuple[str, str] = ("", "")
    columns: tuple[str, ...] = ()
    hide: tuple[str, ...] = ()
    transpose: bool = False
    unfold: bool = False
    slow: bool = False
    server_sort: bool = False
    tables_first: bool = False


@dataclass(frozen=True)
class Page:
    """A dashboard page.

    Attributes
    ----------
    key : str
        Registry group key and template hook.
    path : str
        URL path.
    title : str
        Navigation and heading text.
    sections : tuple of Section
        What it shows, in order.
    intro : str
        One sentence under the heading.
    """

    key: str
    path: str
    title: str
    sections: tuple[Section, ...]
    intro: str = ""


def _q(name: str, title: str, group: str, **kw: Any) -> QuerySpec:
    """Make a row for a query exported by :mod:`capsize.queries` (its lazy table)."""
    return QuerySpec(name, f"capsize.queries:{name}", title, group, **kw)


_LIST = Param("bars", "list", help="symbols whose daily bars to list, comma-separated")

REGISTRY: tuple[QuerySpec, ...] = (
    # performance
    _q(
        "scoreboard",
        "Scoreboard",
        "performance",
        summary="Returns of the segments over the standard windows.",
    ),
    _q(
        "window_returns",
        "Window returns",
        "performance",
        summary="Price and total returns of any symbols over any windows.",
    ),
    _q(
        "relative_strength",
        "Relative strength",
        "explorer",
        summary="One symbol or segment against another, with moving averages and crossovers.",
    ),
    _q("leadership", "Leadership", "performance", summary="Which segment leads over each window."),
    _q("highs", "Highs", "performance", summary="Distance from highs and record closes."),
    _q("drawdowns", "Drawdowns", "performance", summary="Drawdowns from the running peak."),
    _q("risk", "Risk", "performance", summary="Volatility, beta and drawdown risk."),
    _q("tape", "Tape", "today", summary="The day's tape: the segments' last session."),
    _q(
        "proxies",
        "Proxies",
        "performance",
        summary="Which funds and indexes stand for each segment.",
    ),
    # internals
    _q(
        "breadth",
        "Breadth",
        "internals",
        summary="Advancers, decliners, the A/D line and McClellan of the universe.",
    ),
    _q("liquidity", "Liquidity", "internals", summary="Dollar volume and liquidity tiers."),
    _q("levels", "Levels", "internals", summary="Key levels of the segments."),
    _q(
        "universe_members",
        "Universe members",
        "internals",
        list_like=True,
        summary="Members of the universe on the day.",
    ),
    # drivers
    _q("rates", "Rates and regimes", "rates", summary="Treasury yields, curve and rate regimes."),
    _q("flows", "Flows", "flows", summary="Fund flows from share counts."),
    _q("crypto", "Crypto", "flows", summary="Crypto as a risk gauge."),
    # size
    _q(
        "factor_history", "The size factor", "size", summary="The size factor (SMB) over a century."
    ),
    _q(
        "rotation_score",
        "Rotation score",
        "size",
        summary="How far a rotation into small caps has gone.",
    ),
    # stocks
    _q(
        "screen",
        "Screener",
        "screener",
        params=(
            Param(
                "preset",
                "choice",
                help="a published screen preset",
                choices_from="capsize.queries.stocks.screening:PRESETS",
            ),
            Param(
                "rules",
                "rules",
                help="rules 'column op value', comma-separated, e.g. pe<=15,price>=5",
            ),
        ),
        list_like=True,
        summary="Stocks of the universe filtered and sorted (all that pass, paged: limit, "
        "offset; X-Total-Count).",
        fixed={"limit": 5000},
        page_rows=25,
    ),
    _q(
        "rating_card",
        "Rating card",
        "stock",
        summary="A stock's rating card (Recommendation, Timeframe, Risk) with its evidence.",
    ),
    QuerySpec(
        "price_history",
        "capsize.queries.price_history:price_history",
        "Price",
        "stock",
        params=(Param("years", "int", help="years shown", minimum=1, maximum=30),),
        summary="Daily closes of one symbol with 50- and 200-day averages.",
    ),
    QuerySpec(
        "watch",
        "capsize.queries.watch:watch",
        "What to watch",
        "today",
        summary="The report's watch rules that fire on the day, with their figures.",
    ),
    _q("catalysts", "Catalysts", "stock", list_like=True, summary="Upcoming and recent catalysts."),
    _q("valuation", "Valuation", "stock", summary="Valuation of a stock or segment."),
    # data
    _q(
        "data_status",
        "Data status",
        "sources",
        list_like=True,
        summary="What the store holds and how fresh it is.",
    ),
    _q(
        "data_check",
        "Data checks",
        "sources",
        list_like=True,
        summary="Quality findings of the store.",
    ),
    QuerySpec(
        "data_sources",
        "capsize.queries.sources:data_sources",
        "Data used",
        "sources",
        params=(
            _LIST,
            Param("macro", "list", help="FRED series ids, comma-separated (DGS10, DGS2)"),
            Param("factors", "list", help="Ken French datasets, comma-separated (FF3)"),
            Param("fund_shares", "list", help="funds whose share counts to list (IWM)"),
        ),
        list_like=True,
        summary="The files, basis, dates used and quality counts behind a set of series.",
    ),
    # user data
    QuerySpec(
        "watchlists",
        "capsize.queries.watchlists:watchlists",
        "Watchlists",
        "watchlists",
        list_like=True,
        summary="Your watchlists (named symbol lists).",
        user_data=True,
    ),
    QuerySpec(
        "watchlist",
        "capsize.queries.watchlists:watchlist",
        "Watchlist",
        "watchlists",
        params=(
            Param("id", "int", help="watchlist id", minimum=1, maximum=2**31 - 1, required=True),
        ),
        summary="One watchlist.",
        user_data=True,
    ),
    # alerts (issue 18): also under /api/v1/alerts, with the rule writes (web/_alerts.py)
    QuerySpec(
        "alert_notifications",
        "capsize.queries.alert_delivery:alert_notifications",
        "Alerts",
        "alerts",
        params=(Param("limit", "int", help="most alerts listed", minimum=1, maximum=1000),),
        summary="Alerts that fired, newest first, with their evidence, link and delivery.",
        user_data=True,
    ),
    QuerySpec(
        "alert_rules",
        "capsize.queries.alerts:alert_rules",
        "Alert rules",
        "alerts",
        summary="The alert rules (create and delete them under /api/v1/alerts/rules).",
        user_data=True,
    ),
    QuerySpec(
        "alert_dead_letters",
        "capsize.queries.alert_delivery:alert_dead_letters",
        "Failed deliveries",
        "alerts",
        summary="Alert deliveries that failed their last try (nothing is dropped).",
        user_data=True,
    ),
)
"""Every query the web serves, in the order the API lists them."""

_SEGMENTS = "IWM,IWC,SPY,^RUT"
SCREEN_ALL = 5000
"""The web asks the screen for every stock that passes (at most this many), once; the API
and the screener page page and sort that one answer."""
SCREEN_COLUMNS = (
    "ticker",
    "sector",
    "cap_band",
    "market_cap",
    "price",
    "liquidity_tier",
    "pe",
    "ps",
    "share_growth",
    "cash_runway_months",
    "ret_6m",
    "rs_6m",
    "vol_1y",
    "n_catalysts_90d",
    "flags_raised",
)
"""Columns of the screen shown on the screener page (JSON and CSV have every column)."""

PAGES: tuple[Page, ...] = (
    Page(
        "today",
        "/",
        "Today",
        (
            Section("watch", unfold=True, slow=True),
            Section("tape"),
            Section("scoreboard"),
            Section("relative_strength"),
            Section("breadth"),
            Section("rates"),
            Section("factor_history", title="Size factor"),
            Section(
                "data_sources",
                {"bars": _SEGMENTS, "macro": "DGS10,DGS2"},
                title="Data behind today's page",
            ),
        ),
        "The report's sections, live: where small caps stand today and what moves them.",
    ),
    Page(
        "explorer",
        "/explorer",
        "Explorer",
        (Section("relative_strength", form=True),),
        "Any two symbols or segments, any window.",
    ),
    Page(
        "performance",
        "/performance",
        "Performance",
        (
            Section("window_returns", {"symbols": "IWM,IWC,SPY"}, form=True),
            Section("scoreboard"),
            Section("leadership"),
            Section("highs"),
            Section("drawdowns"),
            Section("risk", form=True),
        ),
        "Any symbols over any windows, price and total return.",
    ),
    Page(
        "internals",
        "/internals",
        "Breadth & liquidity",
        (
            Section("breadth", form=True),
            Section("liquidity", form=True),
            Section("levels", {"symbol": "IWM"}, form=True),
            Section("universe_members"),
        ),
        "Breadth and liquidity of the universe.",
    ),
    Page(
        "rates",
        "/rates",
        "Rates",
        (Section("rates", form=True),),
        "Treasury yields, the curve and rate regimes.",
    ),
    Page(
        "flows",
        "/flows",
        "Flows",
        (Section("flows", form=True), Section("crypto")),
        "Money in and out of the funds.",
    ),
    Page(
        "size",
        "/size",
        "Size factor",
        (Section("factor_history", form=True), Section("rotation_score")),
        "The size factor's century and the rotation score.",
    ),
    Page(
        "screener",
        "/screener",
        "Screener",
        (
            Section(
                "screen",
                form=True,
                link=("ticker", "/stock/{}"),
                columns=SCREEN_COLUMNS,
                hide=("limit", "tickers", "sort_by", "ascending", "index_cap"),
                slow=True,
                server_sort=True,
            ),
        ),
        "Filter the universe with a preset or rules (e.g. pe<=15); click a column to sort "
        "all stocks that pass.",
    ),
    Page(
        "stock",
        "/stock",
        "Stock",
        (
            Section("price_history", {"symbol": "{symbol}"}, title="Price"),
            Section(
                "rating_card",
                {"ticker": "{symbol}"},
                title="Rating card",
                unfold=True,
                tables_first=True,
            ),
            Section(
                "screen",
                {"tickers": "{symbol}"},
                title="Fundamentals and valuation",
                transpose=True,
            ),
            Section("catalysts", {"tickers": "{symbol}"}, title="Catalysts (8-K items)"),
            Section("window_returns", {"symbols": "{symbol}"}, title="Returns"),
            Section("risk", {"symbol": "{symbol}"}),
            Section("data_sources", {"bars": "{symbol}"}, title="Data behind this page"),
        ),
        "One stock: price, rating card with its evidence and risk flags, fundamentals, "
        "catalysts, returns and the data behind them.",
    ),
    Page(
        "watchlists",
        "/watchlists",
        "Watchlists",
        (Section("watchlists", link=("Id", "/watchlists/{}")),),
        "Your named lists of symbols.",
    ),
    Page(
        "watchlist",
        "/watchlists/{id}",
        "Watchlist",
        (
            Section("watchlist", {"id": "{id}"}, link=("Symbol", "/stock/{}")),
            Section("window_returns", {"symbols": "{symbols}"}),
            Section("data_sources", {"bars": "{symbols}"}, title="Data behind this list"),
        ),
        "One list: its symbols and how they did.",
    ),
    Page(
        "alerts",
        "/alerts",
        "Alerts",
        (
            Section(
                "alert_notifications",
                link=("Event", "/alerts/open/{}"),
                columns=("Day", "Rule", "Subject", "Message", "Evidence", "Delivery", "Event"),
            ),
            Section("alert_rules"),
            Section("alert_dead_letters"),
        ),
        "Alerts that fired, with the figures that triggered them and where they went.",
    ),
    Page(
        "sources",
        "/sources",
        "Sources",
        (
            Section(
                "data_sources",
                {"bars": _SEGMENTS, "macro": "DGS10,DGS2", "factors": "FF3", "fund_shares": "IWM"},
                form=True,
            ),
            Section("data_status"),
            Section("data_check"),
        ),
        "Where every figure comes from: files, basis, dates used and quality findings.",
    ),
)
"""The dashboard's pages, in navigation order."""


def spec(name: str) -> QuerySpec:
    """Return the registry row ``name`` (KeyError when unknown)."""
    for row in REGISTRY:
        if row.name == name:
            return row
    raise KeyError(name)


def page(key: str) -> Page:
    """Return the page ``key`` (KeyError when unknown)."""
    for p in PAGES:
        if p.key == key:
            return p
    raise KeyError(key)


# ----------------------------------------------------------------------- resolution
_SKIP = (
    "Callable",
    "Store",
    "Session",
    "Settings",
    "DataFrame",
    "Series",
    "Mapping",
    "dict[",
    "SecSource",  # an SEC client or recorded folder: server configuration, never a request parameter
)
"""Annotations of parameters a URL cannot carry (frames, mappings, callables)."""
_LITERAL = re.compile(r"""['"]([^'"]*)['"]""")
_KIND_BY_TEXT: tuple[tuple[str, ParamKind], ...] = (
    ("Sequence[", "list"),
    ("list[", "list"),
    ("tuple[", "list"),
    ("Iterable[", "list"),
    ("bool", "bool"),
    ("float", "float"),
    ("int", "int"),
    ("Timestamp", "date"),
    ("date", "date"),
)
_DATE_NAMES = ("start", "end", "since", "until", "day", "date", "from")


def _kind(name: str, annotation: str) -> ParamKind:
    if annotation.startswith("Literal["):
        return "choice"
    for text, kind in _KIND_BY_TEXT:
        if text in annotation:
            return kind
    if annotation.startswith("object") and any(name.endswith(n) for n in _DATE_NAMES):
        return "date"
    return "str"


def _derived(parameter: inspect.Parameter) -> Param | None:
    """Derive a :class:`Param` from a signature parameter (None: not a URL parameter)."""
    ann = parameter.annotation
    text = ann if isinstance(ann, str) else getattr(ann, "__name__", str(ann))
    if any(word in text for word in _SKIP):
        return None
    kind = _kind(parameter.name, text)
    required = parameter.default is inspect.Parameter.empty
    default = None if required else parameter.default
    if kind == "list" and isinstance(default, (tuple, list)):
        default = tuple(str(x) for x in default)
    choices = tuple(_LITERAL.findall(text)) if kind == "choice" else ()
    return Param(parameter.name, kind, default, "", choices, required=required)


def _choices(path: str) -> tuple[str, ...]:
    module_name, _, attr = path.partition(":")
    return tuple(str(name) for name in getattr(importlib.import_module(module_name), attr))


def _merge(derived: Param, declared: Param | None) -> Param:
    if declared is None:
        return derived
    default = declared.default if declared.default is not None else derived.default
    choices = _choices(declared.choices_from) if declared.choices_from else declared.choices
    return replace(declared, default=default, required=derived.required, choices=choices)


def _signature_params(
    fn: Callable[..., Any], declared: tuple[Param, ...], fixed: Mapping[str, object]
) -> tuple[Param, ...]:
    by_name = {p.name: p for p in declared}
    out: list[Param] = []
    accepted = (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    for parameter in list(inspect.signature(fn).parameters.values())[2:]:
        if parameter.kind not in accepted or parameter.name in fixed:
            continue
        derived = _derived(parameter)
        if derived is not None:
            out.append(_merge(derived, by_name.get(parameter.name)))
    return tuple(out)


def resolve(row: QuerySpec) -> Resolved:
    """Import the row's function and settle its parameters.

    A row whose module or attribute cannot be imported resolves to ``fn=None`` with the
    reason (shown as "not available in this build"); it never raises.
    """
    fn = row.function
    if fn is None:
        module_name, _, attr = row.target.partition(":")
        try:
            fn = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError) as exc:
            log.debug("query %s not importable from %s: %s", row.name, row.target, exc)
            return Resolved(row, None, row.params, "not available in this build")
    try:
        params = _signature_params(fn, row.params, row.fixed)
    except (TypeError, ValueError):  # no introspectable signature
        params = row.params
    except (ImportError, AttributeError) as exc:  # a parameter's choices_from
        log.debug("query %s: choices not importable: %s", row.name, exc)
        return Resolved(row, None, row.params, "not available in this build")
    if row.fixed:
        fn = functools.partial(fn, **row.fixed)
    return Resolved(row, fn, params)


def resolve_all(rows: tuple[QuerySpec, ...] = REGISTRY) -> dict[str, Resolved]:
    """Resolve every row; the result maps names to :class:`Resolved`, in registry order."""
    return {row.name: resolve(row) for row in rows}
