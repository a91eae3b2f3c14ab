"""The dashboard's pages: server-rendered from the same answers as the API.

Every page is a list of registry sections (``WebConfig.pages``); each
section asks :class:`~capsize.web._answers.Answers` (the API's cache) and renders the
result generically. ``as_of`` in the URL re-renders any page point in time; navigation
links keep it. Forms that write (watchlists, sign-in) are POSTed with a CSRF field.

A page is built once per (snapshot, URL) for every visitor who is not signed in
(:func:`build_page`, in a worker thread; concurrent identical requests wait for the one
build: :mod:`capsize.web._flight`), kept in memory with its ETag (and gzipped when large),
and only the visitor's CSRF form value is filled in per request. After a snapshot with
new market data the latest pages are built in the background (:func:`warm_pages`);
pages at a past day (``as_of``) are built when first asked for.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import secrets
import time
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from capsize.errors import CapsizeError, InputError
from capsize.web._answers import RateLimited
from capsize.web._api import client_of, remove, save
from capsize.web._errors import WebError, classify
from capsize.web._fastpath import accepts_gzip, request_key
from capsize.web._models import WatchlistIn
from capsize.web._params import RESERVED, check_table, parse_day, parse_params, split_list
from capsize.web._registry import Page, Param, Resolved, Section
from capsize.web._render import ResultView, view_result
from capsize.web._security import AUTH_COOKIE, CSRF_COOKIE
from capsize.web._state import WebState
from capsize.web._tokens import list_tokens, verify_token

__all__ = [
    "MARK",
    "PAGE_ROWS",
    "BuiltPage",
    "PageAsk",
    "Visitor",
    "build_page",
    "build_pages",
    "page_key",
    "render_error",
    "serve_page",
    "templates",
    "warm_pages",
]

log = logging.getLogger(__name__)

PAGE_ROWS = 100
"""Rows of a list-like table shown per page."""
SORT_KEYS = ("sort", "order", "offset", "done")
"""URL parameters a sort link replaces (sorting goes back to the first page)."""

_HERE = Path(__file__).parent
templates = Environment(
    loader=FileSystemLoader(_HERE / "templates"),
    autoescape=select_autoescape(("html",), default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_DONE = {
    "created": "Watchlist created.",
    "saved": "Watchlist saved.",
    "deleted": "Watchlist deleted.",
    "signed_in": "Signed in.",
    "signed_out": "Signed out.",
}


@dataclass(frozen=True)
class FieldView:
    """One input of a section's form."""

    name: str
    kind: str
    value: str
    help: str
    choices: tuple[str, ...]
    required: bool


@dataclass
class SectionView:
    """A section as the template shows it."""

    dom: str
    title: str
    query: str
    available: bool
    reason: str = ""
    error: str = ""
    view: ResultView | None = None
    fields: list[FieldView] = field(default_factory=list)
    api_url: str = ""
    link: tuple[str, str] = ("", "")
    total_rows: Mapping[str, int] = field(default_factory=dict)
    offset: int = 0
    list_like: bool = False
    etag: str = ""
    html: str = ""
    charts: bool = False
    unfold: bool = False
    tables_first: bool = False
    pending: bool = False
    transient: bool = False
    sort: tuple[str, bool] | None = None
    sort_links: bool = False
    carry: list[tuple[str, str]] = field(default_factory=list)


def _state(request: Request) -> WebState:
    state: WebState = request.app.state.capsize
    return state


def _url_params(request: Request) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        out.setdefault(key, []).append(value)
    return out


def _fill(text: str, subs: Mapping[str, str]) -> str:
    for key, value in subs.items():
        text = text.replace("{" + key + "}", value)
    return text


def _given(
    r: Resolved, sec: Section, url: Mapping[str, list[str]], subs: Mapping[str, str]
) -> dict[str, list[str]]:
    """URL values for the section's parameters, else the section's defaults."""
    given: dict[str, list[str]] = {}
    for p in r.params:
        if p.name in url and not sec.defaults.get(p.name, "").startswith("{"):
            given[p.name] = url[p.name]
        elif p.name in sec.defaults:
            text = _fill(sec.defaults[p.name], subs)
            if "{" not in text:
                given[p.name] = [text]
    return given


def _from_url(r: Resolved, sec: Section, url: Mapping[str, list[str]]) -> bool:
    """Return True when a parameter of the section is given in the URL (the visitor's input)."""
    return any(p.name in url and not sec.defaults.get(p.name, "").startswith("{") for p in r.params)


def _check_table(url: Mapping[str, list[str]], answers: list[Any], pending: bool) -> None:
    """Refuse ``table=NAME`` naming no table of the page (checked once nothing computes)."""
    if "table" not in url or pending:
        return
    names = list(dict.fromkeys(t.name for a in answers if a is not None for t in a.result.tables))
    check_table(url["table"][0], names, "this page")


def _field(p: Param, given: Mapping[str, list[str]]) -> FieldView:
    value = ",".join(given.get(p.name, ()))
    if not value and p.default is not None:
        value = ",".join(p.default) if isinstance(p.default, tuple) else str(p.default)  # type: ignore[arg-type]
    return FieldView(p.name, p.kind, value, p.help, p.choices, p.required)


def _api_url(name: str, given: Mapping[str, list[str]], as_of: str | None) -> str:
    pairs = [(k, ",".join(v)) for k, v in given.items()]
    if as_of:
        pairs.append(("as_of", as_of))
    return f"/api/v1/{name}" + (f"?{urlencode(pairs)}" if pairs else "")


@dataclass(frozen=True)
class PageAsk:
    """What a page is built from: the URL and who asks (no cookie: nothing personal).

    ``client`` is charged by the rate limit for answers computed for the page; None for
    the server's own warm-up (never limited).
    """

    state: WebState
    path: str
    query: bytes
    url: dict[str, list[str]]
    client: str | None


def _ask(request: Request) -> PageAsk:
    query: bytes = request.scope.get("query_string", b"")
    return PageAsk(
        _state(request), request.url.path, query, _url_params(request), client_of(request)
    )


def _section(ask: PageAsk, i: int, sec: Section, ctx: _PageInput) -> tuple[SectionView, Any]:
    state = ask.state
    r = state.registry.get(sec.query)
    title = sec.title or (r.spec.title if r is not None else sec.query)
    out = SectionView(f"s{i}", title, sec.query, r is not None and r.available, link=sec.link)
    out.unfold = sec.unfold
    out.tables_first = sec.tables_first
    if r is None or not r.available:
        out.reason = r.reason if r is not None else "not in the registry"
        return out, None
    if any("{" in _fill(v, ctx.subs) for v in sec.defaults.values()):
        out.error = "Open a symbol with the form above to see this."  # nothing to ask yet
        return out, None
    given = _given(r, sec, ctx.url, ctx.subs)
    out.list_like = r.spec.list_like
    out.offset = ctx.offset if r.spec.list_like else 0
    out.fields = [_field(p, given) for p in r.params if p.name not in sec.hide] if sec.form else []
    out.carry = [(k, v) for k in sec.hide if k in ctx.url for v in ctx.url[k]] if sec.form else []
    out.api_url = _api_url(r.spec.name, given, ctx.as_of)
    out.sort = ctx.order if r.spec.list_like and sec.server_sort else None
    out.sort_links = r.spec.list_like and sec.server_sort
    try:
        kwargs = parse_params(r.params, given)
        if sec.slow and not state.answers.computed(r, ctx.as_of, kwargs):
            state.answers.start(r, ctx.as_of, kwargs, client=ask.client or "")
            out.pending = True
            return out, None
        answer = state.answers.get(
            r,
            ctx.as_of,
            kwargs,
            client=ask.client or "",
            limit=PAGE_ROWS if r.spec.list_like else None,
            offset=out.offset,
            order=out.sort,
            charge=ask.client is not None,
        )
    except (CapsizeError, RateLimited) as exc:
        if isinstance(exc, InputError) and _from_url(r, sec, ctx.url):
            raise  # a bad URL parameter: the page answers 400, as the API does
        out.error = classify(exc)[2]
        out.transient = isinstance(exc, RateLimited)
        return out, None
    out.etag = answer.etag
    out.total_rows = answer.total_rows
    return out, answer


@dataclass(frozen=True)
class _PageInput:
    url: dict[str, list[str]]
    as_of: str | None
    offset: int
    subs: Mapping[str, str]
    order: tuple[str, bool] | None = None


def _order(url: Mapping[str, list[str]]) -> tuple[str, bool] | None:
    """Return (column, descending) from ``sort`` and ``order`` (asc|desc), or None."""
    column = url.get("sort", [""])[0]
    if not column:
        return None
    if len(column) > 64 or not column.replace("_", "").replace(" ", "").isalnum():
        raise InputError(f"sort {column[:20]!r} is not a column name; e.g. sort=market_cap")
    direction = url.get("order", ["desc"])[0]
    if direction not in ("asc", "desc"):
        raise InputError(f"order {direction[:10]!r} must be asc or desc")
    return column, direction == "desc"


def _page_input(url: dict[str, list[str]], subs: Mapping[str, str]) -> _PageInput:
    day = parse_day(url["as_of"][0]) if url.get("as_of", [""])[0] else None
    raw = url.get("offset", ["0"])[0]
    if not raw.isdigit() or int(raw) > 1_000_000:
        raise InputError(f"offset {raw[:20]!r} is not a row number; e.g. offset=100")
    return _PageInput(url, day, int(raw), subs, _order(url))


def _unused(p: Page, state: WebState, url: Mapping[str, list[str]]) -> list[str]:
    known = set(RESERVED) | {"symbol", "done"}
    for sec in p.sections:
        r = state.registry.get(sec.query)
        known |= {q.name for q in r.params} if r is not None else set()
    return sorted(k for k in url if k not in known)


def _csrf(request: Request) -> tuple[str, bool]:
    cookie = request.cookies.get(CSRF_COOKIE)
    if cookie and len(cookie) <= 64:
        return cookie, False
    return secrets.token_urlsafe(24), True


def signed_in(request: Request) -> str | None:
    """Return the token id of the browser's valid sign-in, else None."""
    state = _state(request)
    token_id = state.signer.auth_token_id(request.cookies.get(AUTH_COOKIE), time.time())
    if token_id is None:
        return None
    return token_id if any(t.id == token_id for t in list_tokens(state.config.home)) else None


@dataclass(frozen=True)
class Visitor:
    """The personal part of a page: the CSRF form value, the sign-in, a confirmation."""

    csrf: str
    signed_in: str | None = None
    done: str = ""


def _page_text(state: WebState, path: str, name: str, context: dict[str, Any], who: Visitor) -> str:
    as_of = context.get("as_of")
    base = {
        "pages": [p for p in state.config.pages if "{" not in p.path],
        "as_of": as_of,
        "nav_query": f"?{urlencode({'as_of': as_of})}" if as_of else "",
        "csrf": who.csrf,
        "signed_in": who.signed_in,
        "path": path,
        "done": who.done,
    }
    return templates.get_template(name).render({**base, **context})


def _html(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    state = _state(request)
    cookie, new = _csrf(request)
    who = Visitor(
        state.signer.csrf_field(cookie),
        signed_in(request),
        _DONE.get(request.query_params.get("done", ""), ""),
    )
    body = _page_text(state, request.url.path, name, context, who)
    response = HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-cache"})
    if new:
        response.set_cookie(CSRF_COOKIE, cookie, httponly=True, samesite="strict", path="/")
    return response


def render_error(request: Request, exc: Exception) -> Response:
    """Render the HTML error page for ``exc`` (status, one-line message; never a trace)."""
    status, code, message = classify(exc)
    return _html(
        request, "error.html", {"status": status, "code": code, "message": message}, status
    )


def _hidden(url: Mapping[str, list[str]]) -> list[tuple[str, str]]:
    """Return the URL parameters the date form carries (all but as_of and paging)."""
    return [(k, v) for k, vs in url.items() if k not in ("as_of", "offset", "done") for v in vs]


def _pager(url: Mapping[str, list[str]], offset: int) -> str:
    pairs = [(k, v) for k, vs in url.items() if k not in ("offset", "done") for v in vs]
    return urlencode([*pairs, ("offset", str(max(0, offset)))])


def _sort_query(url: Mapping[str, list[str]], column: str, current: tuple[str, bool] | None) -> str:
    """URL query sorting by ``column`` (descending first; again: the other way), page 1."""
    descending = not (current is not None and current == (column, True))
    pairs = [(k, v) for k, vs in url.items() if k not in SORT_KEYS for v in vs]
    return urlencode([*pairs, ("sort", column), ("order", "desc" if descending else "asc")])


def _render_sections(
    ask: PageAsk,
    p: Page,
    sections: list[SectionView],
    ctx: _PageInput,
    answers: list[Any],
) -> None:
    """Fill ``html`` of each section, from the cache when the same answer was shown there.

    A section's HTML depends only on the URL and its answer (its ETag): no user data
    (sign-in, CSRF) is inside it, so it can be shared between visitors.
    """
    state = ask.state
    url = tuple(sorted((k, tuple(v)) for k, v in ctx.url.items() if k != "done"))
    template = templates.get_template("_one_section.html")
    for sec, s, answer in zip(p.sections, sections, answers, strict=True):
        key = (ask.path, url, s.dom, s.etag, s.error, s.reason, s.pending)
        cached: tuple[str, bool] | None = state.html.get(key)
        if cached is None:
            if answer is not None:
                s.view = view_result(
                    s.dom,
                    answer.result,
                    columns=sec.columns,
                    transpose=sec.transpose,
                    figures=answer.figures,
                )
            html = template.render(
                s=s,
                as_of=ctx.as_of,
                pager_query=lambda o: _pager(ctx.url, o),
                sort_query=lambda c, cur: _sort_query(ctx.url, c, cur),
            )
            cached = (html, bool(s.view is not None and s.view.charts))
            state.html.put(key, cached)
        s.html, s.charts = cached


GZIP_FROM = 8_192
"""Pages at least this long (bytes) are also kept gzipped."""
MARK = secrets.token_hex(16)
"""Stands in a shared page for the visitor's CSRF form value (random: no data can hold it)."""


@dataclass(frozen=True)
class BuiltPage:
    """A page as every visitor who is not signed in sees it, but for the CSRF value.

    Attributes
    ----------
    body : bytes
        The HTML (UTF-8), :data:`MARK` where a form's CSRF value goes.
    etag : str
        Quoted ETag of ``body``.
    marked : bool
        ``body`` holds :data:`MARK` (a form: its bytes differ per visitor).
    keep : bool
        The same for every later identical request (no section computing or refused by
        the rate limit): kept per (snapshot, URL) and sent from memory.
    gzipped : bytes
        ``body`` compressed once, for browsers that accept gzip (empty for a marked or
        small page). The today page's charts make it about 1 MB of HTML, ~10x less gzipped.
    """

    body: bytes
    etag: str
    marked: bool
    keep: bool
    gzipped: bytes = b""


def _context(ask: PageAsk, p: Page, subs: Mapping[str, str]) -> tuple[dict[str, Any], bool]:
    """Compute the page's sections; return the template context and whether to keep it."""
    ctx = _page_input(ask.url, subs)
    pairs = [_section(ask, i, sec, ctx) for i, sec in enumerate(p.sections)]
    sections = [s for s, _ in pairs]
    _check_table(ctx.url, [a for _, a in pairs], any(s.pending for s in sections))
    _render_sections(ask, p, sections, ctx, [a for _, a in pairs])
    context = {
        "page": p,
        "sections": sections,
        "as_of": ctx.as_of,
        "hidden": _hidden(ctx.url),
        "unused": _unused(p, ask.state, ctx.url),
        "subs": subs,
        "charts": any(s.charts for s in sections),
        "pending": any(s.pending for s in sections),
        "pager_query": lambda offset: _pager(ctx.url, offset),
    }
    return context, not any(s.pending or s.transient for s in sections)


def _subs(ask: PageAsk, p: Page, subs: Mapping[str, str] | None) -> Mapping[str, str]:
    if p.key == "watchlist" and subs is not None and "id" in subs and "symbols" not in subs:
        return _watchlist_subs(ask, int(subs["id"]))
    return subs or {}


def build_page(ask: PageAsk, p: Page, subs: Mapping[str, str] | None = None) -> BuiltPage:
    """Build page ``p`` as a visitor who is not signed in sees it (sections in order).

    Blocks while answers compute: call it in a worker thread (:class:`~capsize.web._flight.
    Flights` does, once for every concurrent identical request).
    """
    context, keep = _context(ask, p, _subs(ask, p, subs))
    text = _page_text(ask.state, ask.path, "page.html", context, Visitor(MARK))
    body = text.encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    marked = MARK in text
    small = marked or len(body) < GZIP_FROM
    return BuiltPage(body, etag, marked, keep, b"" if small else gzip.compress(body, 6, mtime=0))


def page_key(state: WebState, p: Page, path: str, query: bytes) -> tuple[str, bytes, int]:
    """Key of a built page: URL and the snapshot its answers come from.

    A page showing user data (watchlists) follows every snapshot, the others only
    snapshots with new market data.
    """
    generation, data_generation = state.generations()
    user = any(
        (r := state.registry.get(sec.query)) is not None and r.spec.user_data for sec in p.sections
    )
    return path, query, generation if user else data_generation


def _built(ask: PageAsk, p: Page, subs: Mapping[str, str] | None, key: Hashable) -> BuiltPage:
    built = build_page(ask, p, subs)
    if built.keep:
        ask.state.pages.put(key, built)
    return built


def _personal(request: Request, built: BuiltPage, generation: tuple[int, int]) -> Response:
    """Return the built page for this visitor: its CSRF value and cookie; 304 on its ETag."""
    state = _state(request)
    cookie, new = _csrf(request)
    body, etag = built.body, built.etag
    headers = {"Cache-Control": "no-cache", "Vary": "Accept-Encoding"}
    encoding = accepts_gzip(request.headers.get("accept-encoding", ""))
    if built.marked:
        body = body.replace(MARK.encode(), state.signer.csrf_field(cookie).encode())
        etag = '"' + hashlib.sha256(f"{etag}{cookie}".encode()).hexdigest()[:32] + '"'
    elif built.gzipped and encoding:
        body, etag = built.gzipped, etag[:-1] + '-gz"'
        headers["Content-Encoding"] = "gzip"
    else:
        encoding = ""
    headers["ETag"] = etag
    if not new and request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    response = Response(body, media_type="text/html; charset=utf-8", headers=headers)
    if new:
        response.set_cookie(CSRF_COOKIE, cookie, httponly=True, samesite="strict", path="/")
    elif built.keep:  # the next identical request of this visitor skips routing
        key = request_key(
            request.url.path, built_query(request), (cookie, encoding), today=state.config.today()
        )
        state.responses.put(
            key,
            body,
            headers,
            generation=generation,
            user_data=True,
            media_type="text/html; charset=utf-8",
        )
    return response


def built_query(request: Request) -> bytes:
    """Return the request's raw query string."""
    query: bytes = request.scope.get("query_string", b"")
    return query


def render_page(request: Request, p: Page, subs: Mapping[str, str] | None = None) -> Response:
    """Render page ``p`` for a visitor who is signed in or sees a confirmation (personal)."""
    ask = _ask(request)
    context, _ = _context(ask, p, _subs(ask, p, subs))
    return _html(request, "page.html", context)


async def serve_page(request: Request, p: Page, subs: Mapping[str, str] | None = None) -> Response:
    """Answer page ``p``: from memory when built for this snapshot, else built once.

    Concurrent identical requests wait for one build, in a worker thread, so the event
    loop keeps sending cached answers meanwhile; an error in the build reaches each of
    them as its error page. A signed-in visitor, or a confirmation (``done=``), gets a
    page of its own.
    """
    state = _state(request)
    if request.cookies.get(AUTH_COOKIE) or "done" in request.query_params:
        return await run_in_threadpool(render_page, request, p, subs)
    generation = state.generations()  # read first: a newer snapshot makes the page stale
    key = page_key(state, p, request.url.path, built_query(request))
    built: BuiltPage | None = state.pages.get(key)
    if built is None:
        built = await state.flights.run(("page", key), _built, _ask(request), p, subs, key)
    return _personal(request, built, generation)


def _warm_answers(state: WebState, generation: int) -> int | None:
    done = 0
    for p in state.config.pages:
        for sec in p.sections if "{" not in p.path else ():
            r = state.registry.get(sec.query)
            if state.snapshots.data_generation != generation:
                return None
            if r is None or not r.available or any("{" in v for v in sec.defaults.values()):
                continue  # a section of one symbol or list waits for its page's URL
            limit = PAGE_ROWS if r.spec.list_like else None
            try:
                kwargs = parse_params(r.params, _given(r, sec, {}, {}))
                state.answers.get(r, None, kwargs, client="", limit=limit, charge=False)
                done += 1
            except CapsizeError as exc:
                log.info("warm-up of %s skipped: %s", sec.query, exc)
    return done


def warm_pages(state: WebState, generation: int) -> int:
    """Compute the latest answers of every page's sections, then build the pages.

    Runs in a background thread after a snapshot with new market data (an update), so
    the first visitor of the day gets the latest pages from memory. Stops when a newer
    snapshot arrives. A section that fails (bad defaults, no data) is skipped: its page
    shows the error. Pages at a past day (``as_of``) are built when first asked for.

    Returns
    -------
    int
        Answers computed (pages are built after them).
    """
    done = _warm_answers(state, generation)
    if done is None:
        return 0
    for p in state.config.pages:
        if "{" in p.path or p.key == "stock" or state.snapshots.data_generation != generation:
            continue
        ask = PageAsk(state, p.path, b"", {}, None)
        try:
            _built(ask, p, None, page_key(state, p, p.path, b""))
        except CapsizeError as exc:
            log.info("warm-up of page %s skipped: %s", p.path, exc)
    return done


# ----------------------------------------------------------------------- forms
def _check_origin(request: Request) -> None:
    origin = request.headers.get("origin")
    if origin and origin != "null":
        host = request.headers.get("host", "")
        if origin.split("://", 1)[-1] != host:
            raise WebError(403, "forbidden", "form posted from another site; reload the page")


async def _form(request: Request) -> dict[str, str]:
    """Return the posted form after the CSRF and Origin checks (403 otherwise)."""
    _check_origin(request)
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    state = _state(request)
    if not state.signer.csrf_ok(request.cookies.get(CSRF_COOKIE), values.get("csrf")):
        raise WebError(
            403, "forbidden", "the form's CSRF check failed; reload the page and try again"
        )
    return values


def _require_signed_in(request: Request) -> None:
    if signed_in(request) is None:
        raise WebError(
            401,
            "unauthorized",
            "sign in with an API token to change watchlists ('capsize serve token create')",
        )


def _local(path: str) -> str:
    return path if path.startswith("/") and not path.startswith("//") and "\\" not in path else "/"


def _watchlist_body(values: Mapping[str, str]) -> WatchlistIn:
    symbols = list(split_list("symbols", [values.get("symbols", "")]))
    name = values.get("name", "")
    if not name.strip():
        raise InputError("watchlist name is empty; give the list a name, e.g. 'Regional banks'")
    return WatchlistIn(name=name[:200], symbols=symbols, note=values.get("note", "")[:1000])


def _add_form_routes(router: APIRouter) -> None:
    @router.post("/signin", include_in_schema=False)
    async def signin(request: Request) -> Response:
        values = await _form(request)
        state = _state(request)
        record = verify_token(state.config.home, values.get("token", "").strip())
        if record is None:
            raise WebError(
                401,
                "unauthorized",
                "that API token is not valid; create one with 'capsize serve token create'",
            )
        nxt = _local(values.get("next", "/watchlists"))
        response = RedirectResponse(
            f"{nxt}{'&' if '?' in nxt else '?'}done=signed_in", status_code=303
        )
        value = state.signer.auth_cookie(record.id, state.config.auth_ttl, time.time())
        response.set_cookie(
            AUTH_COOKIE,
            value,
            max_age=int(state.config.auth_ttl),
            httponly=True,
            samesite="strict",
            path="/",
        )
        return response

    @router.post("/signout", include_in_schema=False)
    async def signout(request: Request) -> Response:
        await _form(request)
        response = RedirectResponse("/watchlists?done=signed_out", status_code=303)
        response.delete_cookie(AUTH_COOKIE, path="/")
        return response

    @router.post("/watchlists", include_in_schema=False)
    async def create(request: Request) -> Response:
        values = await _form(request)
        _require_signed_in(request)
        saved = await run_in_threadpool(save, _state(request), _watchlist_body(values))
        return RedirectResponse(f"/watchlists/{saved.id}?done=created", status_code=303)

    @router.post("/watchlists/{wid}", include_in_schema=False)
    async def edit(request: Request, wid: int) -> Response:
        values = await _form(request)
        _require_signed_in(request)
        await run_in_threadpool(save, _state(request), _watchlist_body(values), wid)
        return RedirectResponse(f"/watchlists/{wid}?done=saved", status_code=303)

    @router.post("/watchlists/{wid}/delete", include_in_schema=False)
    async def delete(request: Request, wid: int) -> Response:
        await _form(request)
        _require_signed_in(request)
        await run_in_threadpool(remove, _state(request), wid)
        return RedirectResponse("/watchlists?done=deleted", status_code=303)


# ----------------------------------------------------------------------- page routes
def _watchlist_subs(ask: PageAsk, wid: int) -> dict[str, str]:
    r = ask.state.registry["watchlist"]
    answer = ask.state.answers.get(
        r, None, {"id": wid}, client=ask.client or "", charge=ask.client is not None
    )
    symbols = [str(row[0]) for row in answer.result.table("symbols").rows]
    figs = answer.result.figures
    return {
        "id": str(wid),
        "symbols": ",".join(symbols),
        "name": figs["name"].note,
        "note": figs["note"].note,
    }


def _one_symbol(text: str) -> str:
    items = split_list("symbol", [text])
    if len(items) != 1:
        raise InputError("symbol: give one symbol, e.g. /stock/IWM")
    return items[0].upper()


def _static_page(p: Page) -> Any:
    async def handler(request: Request) -> Response:
        return await serve_page(request, p)

    handler.__name__ = f"page_{p.key}"
    return handler


def _page(request: Request, key: str) -> Page:
    for p in _state(request).config.pages:
        if p.key == key:
            return p
    raise WebError(404, "not_found", f"no {key} page in this build")


def _add_page_routes(router: APIRouter, pages: tuple[Page, ...]) -> None:
    for p in pages:
        if "{" not in p.path and p.key != "stock":
            router.add_api_route(p.path, _static_page(p), methods=["GET"], include_in_schema=False)

    @router.get("/stock", include_in_schema=False)
    async def stock_query(request: Request, symbol: str = "") -> Response:
        if not symbol:
            return await serve_page(request, _page(request, "stock"))
        as_of = request.query_params.get("as_of")
        query = f"?{urlencode({'as_of': as_of})}" if as_of else ""
        return RedirectResponse(f"/stock/{_one_symbol(symbol)}{query}", status_code=303)

    @router.get("/stock/{symbol}", include_in_schema=False)
    async def stock(request: Request, symbol: str) -> Response:
        return await serve_page(request, _page(request, "stock"), {"symbol": _one_symbol(symbol)})

    @router.get("/watchlists/{wid}", include_in_schema=False)
    async def watchlist(request: Request, wid: int) -> Response:
        if not 1 <= wid < 2**31:
            raise InputError(f"watchlist id {wid} is out of range")
        return await serve_page(request, _page(request, "watchlist"), {"id": str(wid)})


def build_pages(pages: tuple[Page, ...]) -> APIRouter:
    """Build the router of ``pages`` and of every form."""
    router = APIRouter()
    _add_form_routes(router)
    _add_page_routes(router, pages)
    return router
