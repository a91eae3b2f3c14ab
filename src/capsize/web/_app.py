"""Build the FastAPI app: API, pages, static assets, errors, limits and store snapshots."""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from capsize import __version__
from capsize.errors import CapsizeError
from capsize.queries.watchlists import upgrade_store
from capsize.web._alerts import install_alerts
from capsize.web._answers import RateLimited, Unavailable
from capsize.web._api import build_router
from capsize.web._errors import WebError, error_response
from capsize.web._fastpath import Assets, FastPathMiddleware
from capsize.web._flight import Busy
from capsize.web._pages import build_pages, render_error, warm_pages
from capsize.web._security import AUTH_COOKIE, CSRF_COOKIE, LimitsMiddleware
from capsize.web._snapshot import pid_alive
from capsize.web._state import WebConfig, WebState

__all__ = ["chart_assets", "create_app"]

log = logging.getLogger(__name__)
_STATIC = Path(__file__).parent / "static"


def chart_assets() -> Path:
    """Return the folder of the report's chart driver and its vendored uPlot (served locally).

    The dashboard draws its charts with the same driver and library as the HTML report
    (``capsize/report/static``: ``charts.js``, ``uplot/``, 51 kB), so both look the same.
    """
    return Path(str(files("capsize.report") / "static"))


def _clear_dead_snapshots(home: Path) -> None:
    for folder in (home / "serve").glob("snapshots-*"):
        pid = folder.name.removeprefix("snapshots-")
        if pid.isdigit() and not pid_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _prepare(state: WebState) -> None:
    """Apply pending store migrations (watchlists) once, if the store exists and is free."""
    if not state.config.store_path.exists():
        log.warning("no store at %s yet; run 'capsize data import DIR'", state.config.store_path)
        return
    try:
        upgrade_store(state.config.store_path, wait=state.config.write_wait)
    except CapsizeError as exc:
        log.warning("store not upgraded now (%s); serving what can be read", exc)


def _lifespan(state: WebState) -> Any:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        _clear_dead_snapshots(state.config.home)
        _prepare(state)
        state.snapshots.start()
        try:
            yield
        finally:
            state.snapshots.stop()

    return lifespan


def _warm(state: WebState, generation: int) -> None:
    try:
        done = warm_pages(state, generation)
        log.info("warm-up of snapshot %d: %d answers computed", generation, done)
    except Exception:  # a background thread must log, not die silently
        if not state.snapshots.stopped:  # at shutdown its connection is interrupted
            log.exception("warm-up of snapshot %d failed", generation)


def _start_warm_up(state: WebState, generation: int) -> None:
    threading.Thread(
        target=_warm, args=(state, generation), name="capsize-warm", daemon=True
    ).start()


def _handle(request: Request, exc: Exception) -> Response:
    if request.url.path.startswith("/api/"):
        return error_response(exc, request)
    return render_error(request, exc)


def _install_errors(app: FastAPI) -> None:
    async def handler(request: Request, exc: Exception) -> Response:
        return _handle(request, exc)

    handled = (
        Exception,
        StarletteHTTPException,
        RequestValidationError,
        CapsizeError,
        WebError,
        RateLimited,
        Unavailable,
        Busy,
    )
    for cls in handled:
        app.add_exception_handler(cls, handler)


def _openapi(app: FastAPI) -> Any:
    """OpenAPI without FastAPI's 422 (validation errors answer 400 with the error body)."""

    def build() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        for path in schema.get("paths", {}).values():
            for op in path.values():
                op.get("responses", {}).pop("422", None)
        comps = schema.get("components", {}).get("schemas", {})
        comps.pop("HTTPValidationError", None)
        comps.pop("ValidationError", None)
        app.openapi_schema = schema
        return schema

    return build


def create_app(config: WebConfig | None = None) -> FastAPI:
    """Build the web app for ``config`` (default: the configured capsize home).

    The store is not opened here: the app's lifespan applies pending migrations, takes the
    first snapshot and starts watching the store (see :mod:`capsize.web._snapshot`).
    """
    cfg = config or WebConfig.from_settings()
    state = WebState.build(cfg)
    app = FastAPI(
        title="capsize",
        version=__version__,
        description=(
            "Where US micro and small caps stand against large caps, with evidence. Every "
            "answer is a query result: figures with provenance, tables, series, notes."
        ),
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=_lifespan(state),
    )
    app.state.capsize = state
    if cfg.warm:
        state.snapshots.on_new = lambda generation: _start_warm_up(state, generation)
    _install_errors(app)
    app.include_router(build_router(state))
    install_alerts(app, state)
    app.include_router(build_pages(cfg.pages))
    app.mount("/static/vendor", StaticFiles(directory=chart_assets()), name="vendor")
    app.mount("/static", StaticFiles(directory=_STATIC), name="static")
    app.openapi = _openapi(app)  # type: ignore[method-assign]
    app.add_middleware(
        FastPathMiddleware,
        cache=state.responses,
        page_cookies=(CSRF_COOKIE,),
        auth_cookie=AUTH_COOKIE,
        today=cfg.today,
        assets=Assets({"/static/": _STATIC, "/static/vendor/": chart_assets()}),
    )
    app.add_middleware(LimitsMiddleware, max_body=cfg.max_body, max_query=cfg.max_query)
    return app
