"""Alerts in the web app: ``/api/v1/alerts`` endpoints and the scheduler after each update.

Reads (no token): ``GET /api/v1/alerts`` (the notifications: every alert that fired, with
its evidence, link and delivery state), ``GET /api/v1/alerts/rules``,
``GET /api/v1/alerts/dead-letters`` and ``GET /api/v1/alerts/scheduler`` (the last
scheduled run); the page ``/alerts`` (registry rows) links each alert to
``/alerts/open/{event_id}``, which redirects to the page that explains it. Writes (``Authorization: Bearer <token>``, like watchlists):
``POST /api/v1/alerts/rules`` and ``DELETE /api/v1/alerts/rules/{rule}``.

The scheduler: after a server-run data update (``POST /api/v1/admin/update``) succeeds,
the server runs ``capsize alerts run`` in a child process, the store's one writer for that
time (evaluation, recording and delivery: :func:`capsize.queries.alert_commands.run_and_deliver`),
then refreshes its snapshot so the notification list shows the new alerts. Updates run
outside the server (cron) are followed by ``capsize alerts run`` in the same cron line.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from capsize.queries.alert_commands import create_rule, delete_rule
from capsize.queries.alert_delivery import alert_link
from capsize.web._api import ISO_DATE, require_token, respond
from capsize.web._errors import WebError
from capsize.web._models import ErrorBody, QueryAnswer
from capsize.web._state import UpdateJob, WebState
from capsize.web._tokens import TokenRecord

__all__ = ["ALERTS_ARGV", "AlertRuleIn", "AlertRuleOut", "install_alerts", "scheduler_of"]

ALERTS_ARGV: tuple[str, ...] = (
    sys.executable,
    "-m",
    "capsize.cli",
    "alerts",
    "run",
    "--wait",
    "120",
)
"""The command the scheduler runs after each successful server-run update."""

_RULE_ID = r"^[a-z0-9][a-z0-9_-]{0,47}$"
_Token = Annotated[TokenRecord, Depends(require_token)]
"""A write's dependency: a valid API token (401 otherwise)."""
_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in (
        (400, "Bad parameter or rule"),
        (404, "No such rule"),
        (413, "Request body over the size limit"),
        (414, "Query string over the size limit"),
        (429, "Too many computed answers; retry after the Retry-After seconds"),
        (503, "Store not readable yet (or busy)"),
    )
}
_READ_DOC: dict[int | str, dict[str, Any]] = {
    200: {"model": QueryAnswer, "description": "The answer"},
    304: {"description": "Not modified (If-None-Match matched the ETag)"},
    **_ERRORS,
}
_WRITE_DOC: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "No valid API token"},
    **_ERRORS,
}


class AlertRuleIn(BaseModel):
    """An alert rule to create (validated again by the rule model; 400 with its message)."""

    model_config = ConfigDict(extra="forbid")
    id: str | None = Field(None, pattern=_RULE_ID, description="default: made from the name")
    name: str = Field(min_length=1, max_length=80)
    kind: str = Field(min_length=1, max_length=40, description="e.g. price_level, rs_cross")
    symbols: list[Annotated[str, Field(max_length=20)]] = Field(
        default_factory=list, max_length=500
    )
    watchlist: str | None = Field(None, max_length=80)
    params: dict[Annotated[str, Field(max_length=40)], float | int | str] = Field(
        default_factory=dict, max_length=20
    )
    cooldown: int | None = Field(None, ge=0, le=2520, description="sessions")
    channels: list[Annotated[str, Field(max_length=500)]] = Field(
        default_factory=lambda: ["log"],
        max_length=20,
        description="log, email:ADDRESS, webhook:URL",
    )
    enabled: bool = True


class AlertRuleOut(BaseModel):
    """A stored alert rule."""

    id: str
    name: str
    kind: str
    symbols: list[str]
    watchlist: str | None
    params: dict[str, float | int | str]
    cooldown: int | None
    channels: list[str]
    enabled: bool


def scheduler_of(app: FastAPI) -> UpdateJob:
    """Return the app's alert job (set up by :func:`install_alerts`)."""
    job: UpdateJob = app.state.capsize_alerts
    return job


def _chain(state: WebState, job: UpdateJob) -> Callable[[], None]:
    """After the update's own refresh, start the alert run when the update succeeded."""
    previous = state.update.on_done

    def on_done() -> None:
        previous()
        if state.update.state == "succeeded":
            job.start()

    return on_done


def _write(state: WebState, fn: Callable[[], Any]) -> Any:
    with state.snapshots.writing():
        out = fn()
    state.snapshots.refresh(force=True, own_write=True)
    return out


def _reader(state: WebState, name: str) -> Callable[..., Any]:
    async def read(
        request: Request,
        as_of: str | None = Query(None, pattern=ISO_DATE, description="YYYY-MM-DD"),
    ) -> Response:
        return await respond(request, state.registry[name], as_of=as_of, given={})

    read.__name__ = f"alerts_{name}"
    return read


def _read_routes(router: APIRouter, state: WebState, job: UpdateJob) -> None:
    routes = (
        ("", "alert_notifications", "Alerts that fired, newest first, with evidence and delivery"),
        ("/rules", "alert_rules", "The alert rules"),
        ("/dead-letters", "alert_dead_letters", "Deliveries that failed their last try"),
    )
    for suffix, name, summary in routes:
        router.add_api_route(
            suffix,
            _reader(state, name),
            methods=["GET"],
            response_model=None,
            responses=_READ_DOC,
            summary=summary,
            tags=["alerts"],
        )

    @router.get("/scheduler", tags=["alerts"], summary="The last alert run after an update")
    def scheduler() -> dict[str, object]:
        return job.status()


def _write_routes(router: APIRouter, state: WebState) -> None:
    path = state.config.store_path
    wait = state.config.write_wait

    @router.post(
        "/rules",
        status_code=201,
        response_model=AlertRuleOut,
        responses=_WRITE_DOC,
        tags=["alerts"],
        summary="Create an alert rule (token)",
    )
    async def create(body: AlertRuleIn, _: _Token) -> AlertRuleOut:
        fields = body.model_dump()
        saved = await run_in_threadpool(
            _write, state, lambda: create_rule(fields, path=path, wait=wait)
        )
        return AlertRuleOut.model_validate(saved)

    @router.delete(
        "/rules/{rule}",
        status_code=204,
        responses=_WRITE_DOC,
        tags=["alerts"],
        summary="Delete an alert rule (token); its alerts stay in the log",
        response_class=Response,
    )
    async def remove(
        _: _Token,
        rule: str = Path(pattern=_RULE_ID, max_length=48, description="rule id"),
    ) -> Response:
        await run_in_threadpool(_write, state, lambda: delete_rule(rule, path=path, wait=wait))
        return Response(status_code=204)


def _open_route(router: APIRouter, state: WebState) -> None:
    @router.get("/alerts/open/{event_id}", include_in_schema=False)
    def open_alert(
        event_id: str = Path(pattern=r"^[A-Za-z0-9_.:-]{1,128}$"),
    ) -> RedirectResponse:
        """Go to the page that explains an alert (its stored link; local paths only)."""
        with state.snapshots.session() as s:
            link = alert_link(s, event_id)
        if not link.startswith("/") or link.startswith("//") or "\\" in link:
            raise WebError(404, "not_found", f"alert {event_id} has no dashboard page")
        return RedirectResponse(link, status_code=303)


def install_alerts(app: FastAPI, state: WebState, argv: tuple[str, ...] = ALERTS_ARGV) -> None:
    """Add the alert endpoints to ``app`` and run alerts after each successful update."""
    job = UpdateJob(argv, state.config.home, lambda: state.snapshots.refresh(force=True))
    state.update.on_done = _chain(state, job)
    app.state.capsize_alerts = job
    router = APIRouter(prefix="/api/v1/alerts")
    _read_routes(router, state, job)
    _write_routes(router, state)
    app.include_router(router)
    pages = APIRouter()
    _open_route(pages, state)
    app.include_router(pages)
