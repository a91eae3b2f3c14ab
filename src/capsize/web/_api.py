"""The REST API under ``/api/v1``: one GET endpoint per registry row, plus watchlist writes.

``GET /api/v1/<query>?as_of=YYYY-MM-DD&<params>`` answers ``QueryResult.to_dict()``
(``format=csv&table=<name>`` gives one table as CSV; list-like queries take ``limit`` and
``offset``). Answers for a past day carry ``Cache-Control: public, max-age=...``; the
latest ``no-cache``; both carry an ``ETag`` (``If-None-Match`` gives 304). Writes need
``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from capsize.queries import watchlists as wl
from capsize.web._answers import Answer, RateLimited, is_past, table_csv
from capsize.web._errors import WebError
from capsize.web._fastpath import request_key
from capsize.web._models import (
    ErrorBody,
    QueryAnswer,
    QueryInfo,
    WatchlistIn,
    WatchlistOut,
)
from capsize.web._params import ISO_DATE, MAX_TEXT, check_table, parse_day, parse_params
from capsize.web._registry import Param, Resolved
from capsize.web._state import WebState
from capsize.web._tokens import TokenRecord, verify_token

__all__ = ["ISO_DATE", "build_router", "client_of", "remove", "require_token", "respond", "save"]

_LIST_TEXT = r"^[A-Za-z0-9^.=_:\-, ]*$"
_RULES_TEXT = r"^[A-Za-z0-9_.<>=!+\-, ]*$"
_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in (
        (400, "Bad parameter"),
        (404, "No data for what was asked"),
        (413, "Request body over the size limit"),
        (414, "Query string over the size limit"),
        (429, "Too many computed answers; retry after the Retry-After seconds"),
        (501, "Query not available in this build"),
        (503, "Store not readable yet (or busy)"),
    )
}
_ANSWER_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "model": QueryAnswer,
        "description": "The answer (or one table as CSV with format=csv)",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    },
    304: {"description": "Not modified (If-None-Match matched the ETag)"},
    **_ERRORS,
}
_WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "No valid API token"},
    **_ERRORS,
}


def client_of(request: Request) -> str:
    """Return the client's address (the rate limit's key)."""
    return request.client.host if request.client is not None else "unknown"


def _state(request: Request) -> WebState:
    state: WebState = request.app.state.capsize
    return state


# ----------------------------------------------------------------------- answering
def _cache_headers(state: WebState, as_of: str | None, etag: str) -> dict[str, str]:
    past = is_past(as_of, state.config.today())
    control = f"public, max-age={state.config.past_max_age}" if past else "no-cache"
    return {"ETag": etag, "Cache-Control": control}


def _csv(answer: Answer, table: str | None, headers: dict[str, str]) -> Response:
    result = answer.result
    if table is None:
        if len(result.tables) != 1:
            names = ", ".join(t.name for t in result.tables) or "none"
            raise WebError(400, "invalid_input", f"format=csv needs table=NAME; tables: {names}")
        table = result.tables[0].name
    text = table_csv(result.table(table))
    stem = f"{result.query}-{table}-{result.as_of:%Y-%m-%d}"
    headers["Content-Disposition"] = f'attachment; filename="{stem}.csv"'
    return Response(text, media_type="text/csv; charset=utf-8", headers=headers)


async def respond(
    request: Request,
    r: Resolved,
    *,
    as_of: str | None,
    fmt: str = "json",
    table: str | None = None,
    limit: int | None = None,
    offset: int = 0,
    given: dict[str, list[str]] | None = None,
) -> Response:
    """Answer ``r`` for the request's parameters (or ``given``): JSON, CSV or 304.

    A cached answer is sent from the event loop; one to compute runs in a worker thread.
    """
    state = _state(request)
    generation = state.generations()  # read first: a newer snapshot makes the kept copy stale
    as_of = parse_day(as_of)
    if r.spec.list_like and limit is None:
        limit = r.spec.page_rows
    kwargs = parse_params(r.params, given if given is not None else _multi(request))
    answer = state.answers.peek(r, as_of, kwargs, limit=limit, offset=offset)
    if answer is None:
        answer = await _computed(request, r, as_of, kwargs, limit, offset)
    if table is not None:
        check_table(table, [t.name for t in answer.result.tables], r.spec.name)
    headers = _cache_headers(state, as_of, answer.etag)
    if r.spec.list_like and answer.result.tables:
        first = table or answer.result.tables[0].name
        headers["X-Total-Count"] = str(answer.total_rows.get(first, 0))
    if request.headers.get("if-none-match") == answer.etag and fmt == "json":
        return Response(status_code=304, headers=headers)
    if fmt == "csv":
        return _csv(answer, table, headers)
    if given is None:
        query = request.scope.get("query_string", b"")
        key = request_key(request.url.path, query, today=state.config.today())
        state.responses.put(
            key,
            answer.body,
            headers,
            generation=generation,
            user_data=r.spec.user_data,
            media_type="application/json",
        )
    return Response(answer.body, media_type="application/json", headers=headers)


async def _computed(
    request: Request,
    r: Resolved,
    as_of: str | None,
    kwargs: dict[str, Any],
    limit: int | None,
    offset: int,
) -> Answer:
    """Compute the answer once for every concurrent identical request (a worker thread).

    The asker who starts a computation is charged by the rate limit; those who join it
    cause no work and are not. An error reaches every asker as its JSON error body.
    """
    state = _state(request)
    if r.fn is not None and not state.answers.computed(r, as_of, kwargs):
        wait = state.limiter.take(client_of(request))
        if wait > 0:
            raise RateLimited(wait)
    key = ("api", *state.answers.key(r, as_of, kwargs), limit, offset)
    get = functools.partial(state.answers.get, client="", limit=limit, offset=offset, charge=False)
    answer: Answer = await state.flights.run(key, get, r, as_of, kwargs)
    return answer


def _multi(request: Request) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        out.setdefault(key, []).append(value)
    return out


# ----------------------------------------------------------------------- generated endpoints
def _query_param(p: Param) -> tuple[Any, Any]:
    """Return the FastAPI annotation and ``Query(...)`` of a registry parameter."""
    text = p.help or p.kind
    if p.kind in ("list", "rules"):
        example = ",".join(p.default) if isinstance(p.default, tuple) else None  # type: ignore[arg-type]
        return str | None, Query(
            None,
            alias=p.name,
            description=text,
            max_length=1000,
            pattern=_LIST_TEXT if p.kind == "list" else _RULES_TEXT,
            examples=[example] if example else None,
        )
    if p.kind in ("int", "float"):
        ann = int if p.kind == "int" else float
        return (ann if p.required else ann | None), Query(
            ... if p.required else None, alias=p.name, description=text, ge=p.minimum, le=p.maximum
        )
    if p.kind == "bool":
        return bool | None, Query(None, alias=p.name, description=text)
    if p.kind == "choice" and p.choices:
        return Literal[p.choices] | None, Query(None, alias=p.name, description=text)  # type: ignore[valid-type]
    if p.kind == "date":
        return str | None, Query(None, alias=p.name, description=text, pattern=ISO_DATE)
    return (str if p.required else str | None), Query(
        ... if p.required else None, alias=p.name, description=text, max_length=MAX_TEXT
    )


def _signature(r: Resolved) -> inspect.Signature:
    kw = inspect.Parameter.KEYWORD_ONLY
    params = [
        inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request),
        inspect.Parameter(
            "as_of",
            kw,
            annotation=str | None,
            default=Query(
                None,
                description="answer as of this day (YYYY-MM-DD); none: latest",
                pattern=ISO_DATE,
            ),
        ),
        inspect.Parameter(
            "format",
            kw,
            annotation=Literal["json", "csv"],
            default=Query("json", description="json, or csv for one table"),
        ),
        inspect.Parameter(
            "table",
            kw,
            annotation=str | None,
            default=Query(
                None,
                max_length=64,
                pattern=r"^[A-Za-z0-9_.\-]+$",
                description="the table to send as CSV",
            ),
        ),
    ]
    if r.spec.list_like:
        params += [
            inspect.Parameter(
                "limit",
                kw,
                annotation=int | None,
                default=Query(
                    None,
                    ge=1,
                    le=1000,
                    description="rows per table (paging; default "
                    + (f"{r.spec.page_rows})" if r.spec.page_rows else "all)"),
                ),
            ),
            inspect.Parameter(
                "offset",
                kw,
                annotation=int,
                default=Query(0, ge=0, le=1_000_000, description="rows to skip (paging)"),
            ),
        ]
    for i, p in enumerate(r.params):
        ann, default = _query_param(p)
        params.append(inspect.Parameter(f"p{i}", kw, annotation=ann, default=default))
    return inspect.Signature(params)


def _endpoint(r: Resolved) -> Callable[..., Awaitable[Response]]:
    async def endpoint(request: Request, **values: Any) -> Response:
        return await respond(
            request,
            r,
            as_of=values.get("as_of"),
            fmt=values.get("format", "json"),
            table=values.get("table"),
            limit=values.get("limit"),
            offset=values.get("offset") or 0,
        )

    endpoint.__signature__ = _signature(r)  # type: ignore[attr-defined]
    endpoint.__name__ = f"query_{r.spec.name}"
    return endpoint


def _describe(r: Resolved) -> str:
    text = r.spec.summary
    if not r.available:
        text += f"\n\n**Not available in this build**: {r.reason}; answers 501."
    return text


# ----------------------------------------------------------------------- auth
def require_token(request: Request) -> TokenRecord:
    """Dependency: a valid ``Authorization: Bearer <token>`` (401 otherwise)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    record = None
    if scheme.lower() == "bearer" and token:
        record = verify_token(_state(request).config.home, token.strip())
    if record is None:
        raise WebError(
            401,
            "unauthorized",
            "this write needs an API token: create one with 'capsize serve token create' and "
            "send 'Authorization: Bearer TOKEN'",
        )
    return record


def _out(w: wl.Watchlist) -> WatchlistOut:
    return WatchlistOut(
        id=w.id,
        name=w.name,
        symbols=list(w.symbols),
        note=w.note,
        created_at=w.created_at.isoformat(timespec="seconds"),
        updated_at=w.updated_at.isoformat(timespec="seconds"),
    )


def save(state: WebState, body: WatchlistIn, wid: int | None = None) -> wl.Watchlist:
    """Write a watchlist to the store and refresh the snapshot so reads see it."""
    with state.snapshots.writing():
        saved = wl.save_watchlist(
            body.name,
            body.symbols,
            note=body.note,
            wid=wid,
            path=state.config.store_path,
            wait=state.config.write_wait,
        )
    state.snapshots.refresh(force=True, own_write=True)
    return saved


def remove(state: WebState, wid: int) -> None:
    """Delete a watchlist from the store and refresh the snapshot."""
    with state.snapshots.writing():
        wl.remove_watchlist(wid, path=state.config.store_path, wait=state.config.write_wait)
    state.snapshots.refresh(force=True, own_write=True)


Token = Annotated[TokenRecord, Depends(require_token)]
"""A write's dependency: a valid API token (401 otherwise)."""

_WID = Path(ge=1, le=2**31 - 1, description="watchlist id")


def _add_watchlist_routes(router: APIRouter, state: WebState) -> None:
    @router.post(
        "/watchlists",
        status_code=201,
        response_model=WatchlistOut,
        responses=_WRITE_ERRORS,
        tags=["watchlists"],
        summary="Create a watchlist (token)",
    )
    def create_watchlist(body: WatchlistIn, _: Token) -> WatchlistOut:
        return _out(save(state, body))

    @router.get(
        "/watchlists/{wid}",
        responses=_ANSWER_DOC,
        tags=["watchlists"],
        summary="One watchlist (same answer as /watchlist?id=...)",
        response_model=None,
    )
    async def get_watchlist(
        request: Request,
        wid: int = _WID,
        as_of: str | None = Query(None, pattern=ISO_DATE),
    ) -> Response:
        r = state.registry["watchlist"]
        return await respond(request, r, as_of=as_of, given={"id": [str(wid)]})

    @router.put(
        "/watchlists/{wid}",
        response_model=WatchlistOut,
        responses=_WRITE_ERRORS,
        tags=["watchlists"],
        summary="Replace a watchlist (token)",
    )
    def replace_watchlist(body: WatchlistIn, _: Token, wid: int = _WID) -> WatchlistOut:
        return _out(save(state, body, wid))

    @router.delete(
        "/watchlists/{wid}",
        status_code=204,
        responses=_WRITE_ERRORS,
        tags=["watchlists"],
        summary="Delete a watchlist (token)",
        response_class=Response,
    )
    def delete_watchlist(_: Token, wid: int = _WID) -> Response:
        remove(state, wid)
        return Response(status_code=204)


def _add_admin_routes(router: APIRouter, state: WebState) -> None:
    @router.get("/health", tags=["admin"], summary="Server and snapshot state")
    def health() -> dict[str, object]:
        src = state.snapshots.source
        return {
            "status": "ok" if src is not None else "no_store",
            "snapshot": state.snapshots.generation,
            "store_size": src.size if src is not None else None,
            "store_mtime_ns": src.mtime_ns if src is not None else None,
            "message": state.snapshots.last_error,
        }

    @router.get(
        "/queries",
        response_model=list[QueryInfo],
        tags=["admin"],
        summary="Every query, available or not",
    )
    def queries() -> list[QueryInfo]:
        return [_info(r) for r in state.registry.values()]

    @router.get("/admin/update", tags=["admin"], summary="State of the last server-run update")
    def update_status() -> dict[str, object]:
        return state.update.status()

    @router.post(
        "/admin/update",
        status_code=202,
        responses={409: {"model": ErrorBody}, **_WRITE_ERRORS},
        tags=["admin"],
        summary="Run 'capsize data update' now (token); reads keep answering",
    )
    def update(_: Token) -> JSONResponse:
        if not state.update.start():
            raise WebError(
                409, "conflict", "an update is already running; see GET /api/v1/admin/update"
            )
        return JSONResponse(state.update.status(), status_code=202)


def _info(r: Resolved) -> QueryInfo:
    return QueryInfo(
        name=r.spec.name,
        title=r.spec.title,
        group=r.spec.group,
        endpoint=f"/api/v1/{r.spec.name}",
        available=r.available,
        reason=r.reason,
        list_like=r.spec.list_like,
        params=[
            {  # type: ignore[misc]
                "name": p.name,
                "kind": p.kind,
                "required": p.required,
                "default": list(p.default) if isinstance(p.default, tuple) else p.default,
                "help": p.help,
                "choices": list(p.choices),
            }
            for p in r.params
        ],
    )


def build_router(state: WebState) -> APIRouter:
    """Build the ``/api/v1`` router for ``state``'s registry."""
    router = APIRouter(prefix="/api/v1")
    _add_admin_routes(router, state)
    for r in state.registry.values():
        router.add_api_route(
            f"/{r.spec.name}",
            _endpoint(r),
            methods=["GET"],
            response_model=None,
            responses=_ANSWER_DOC,
            tags=[r.spec.group],
            summary=r.spec.title,
            description=_describe(r),
            operation_id=f"query_{r.spec.name}",
        )
    _add_watchlist_routes(router, state)
    return router
