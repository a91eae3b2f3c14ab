"""The web app's configuration and the state it keeps while it runs."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

from capsize.config import load_settings
from capsize.queries.watchlists import upgrade_store
from capsize.web._answers import LRU, Answers
from capsize.web._fastpath import ResponseCache
from capsize.web._flight import Flights
from capsize.web._registry import PAGES, REGISTRY, Page, QuerySpec, Resolved, resolve_all
from capsize.web._security import RateLimiter, Signer
from capsize.web._snapshot import SnapshotManager

__all__ = ["UpdateJob", "WebConfig", "WebState"]


def _utc_today() -> date:
    return datetime.now(UTC).date()


@dataclass(frozen=True)
class WebConfig:
    """How the web app runs.

    Attributes
    ----------
    home : Path
        The capsize home (store, tokens, snapshots).
    poll : float
        Seconds between checks of the store file for a new version.
    rate, burst : float
        Computed answers per second per client, and the burst allowed.
    max_body, max_query : int
        Largest request body and query string, bytes.
    past_max_age : int
        ``Cache-Control: max-age`` of answers for a past day, seconds.
    write_wait : float
        Seconds a write waits while another process writes the store.
    auth_ttl : float
        Lifetime of a page sign-in, seconds.
    cache_entries : int
        Answers kept in memory.
    update_argv : tuple of str
        The command a token-holder's ``POST /api/v1/admin/update`` runs.
    today : callable
        Today's date (UTC); decides which as-of days are past.
    registry : tuple of QuerySpec
        The queries served (default: :data:`~capsize.web._registry.REGISTRY`).
    pages : tuple of Page
        The pages shown (default: :data:`~capsize.web._registry.PAGES`).
    warm : bool
        After each new snapshot with new market data, compute the latest answers of every
        page and build the pages in the background, so the first visitor does not wait.
    workers : int
        Answers or pages computed at once (worker threads); more wait for one.
    pending : int
        Distinct computations running or waiting at most; one more answers 503.
    page_entries : int
        Built pages kept in memory (per snapshot and URL).
    """

    home: Path
    poll: float = 2.0
    rate: float = 2.0
    burst: float = 30.0
    max_body: int = 65_536
    max_query: int = 4_096
    past_max_age: int = 86_400
    write_wait: float = 3.0
    auth_ttl: float = 12 * 3600.0
    cache_entries: int = 256
    update_argv: tuple[str, ...] = (sys.executable, "-m", "capsize.cli", "data", "update")
    today: Callable[[], date] = _utc_today
    registry: tuple[QuerySpec, ...] = REGISTRY
    pages: tuple[Page, ...] = PAGES
    warm: bool = True
    workers: int = 4
    pending: int = 256
    page_entries: int = 64

    @classmethod
    def from_settings(cls, **overrides: object) -> WebConfig:
        """Return the configuration for the configured capsize home (``CAPSIZE_HOME``)."""
        home = overrides.pop("home", None) or load_settings().home
        return cls(home=Path(str(home)), **overrides)  # type: ignore[arg-type]

    @property
    def store_path(self) -> Path:
        """The store file."""
        return self.home / "capsize.duckdb"


@dataclass
class UpdateJob:
    """A data update run by the server in a child process (one at a time).

    The child is the ordinary ``capsize data update``: it is the one writer of the store
    while the server keeps answering from its snapshot.
    """

    argv: tuple[str, ...]
    home: Path
    on_done: Callable[[], object]
    state: Literal["idle", "running", "succeeded", "failed"] = "idle"
    started: float | None = None
    finished: float | None = None
    returncode: int | None = None
    output: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def start(self) -> bool:
        """Start the update; False when one is already running."""
        with self._lock:
            if self.state == "running":
                return False
            self.state, self.started, self.finished = "running", time.time(), None
            self.returncode, self.output = None, ""
        threading.Thread(target=self._run, name="capsize-update", daemon=True).start()
        return True

    def _run(self) -> None:
        env = {**os.environ, "CAPSIZE_HOME": str(self.home)}
        try:
            done = subprocess.run(
                self.argv, env=env, capture_output=True, text=True, timeout=3600, check=False
            )
            code, out = done.returncode, (done.stdout + done.stderr)[-4000:]
        except (OSError, subprocess.TimeoutExpired) as exc:
            code, out = -1, str(exc)
        with self._lock:
            self.returncode, self.output, self.finished = code, out, time.time()
            self.state = "succeeded" if code == 0 else "failed"
        self.on_done()

    def status(self) -> dict[str, object]:
        """JSON-ready state of the last update."""
        with self._lock:
            return {
                "state": self.state,
                "started": self.started,
                "finished": self.finished,
                "returncode": self.returncode,
                "output": self.output,
            }


@dataclass
class WebState:
    """Everything the running app holds: registry, snapshots, answer cache, limits, secrets."""

    config: WebConfig
    registry: dict[str, Resolved]
    snapshots: SnapshotManager
    answers: Answers
    limiter: RateLimiter
    signer: Signer
    update: UpdateJob
    html: LRU = field(default_factory=lambda: LRU(512))
    """Rendered page sections, keyed by URL, section and answer ETag (no user data in them)."""
    responses: ResponseCache = field(init=False)
    """Whole responses sent again without routing (:mod:`capsize.web._fastpath`)."""
    pages: LRU = field(init=False)
    """Built pages by (URL, snapshot generation) (:func:`capsize.web._pages.build_page`)."""
    flights: Flights = field(init=False)
    """Cold answers and pages computed once for concurrent identical requests."""

    def __post_init__(self) -> None:
        self.responses = ResponseCache(self.generations, self.config.cache_entries)
        self.pages = LRU(self.config.page_entries)
        self.flights = Flights(self.config.workers, self.config.pending)

    def generations(self) -> tuple[int, int]:
        """Return (generation, data generation) of the current snapshot."""
        return self.snapshots.generation, self.snapshots.data_generation

    @classmethod
    def build(cls, config: WebConfig) -> WebState:
        """Resolve the registry and set up (not start) the snapshot manager."""
        folder = config.home / "serve" / f"snapshots-{os.getpid()}"
        snapshots = SnapshotManager(
            config.store_path,
            folder,
            poll=config.poll,
            prepare=lambda: upgrade_store(config.store_path, wait=config.write_wait),
        )
        limiter = RateLimiter(rate=config.rate, burst=config.burst)
        update = UpdateJob(config.update_argv, config.home, lambda: snapshots.refresh(force=True))
        return cls(
            config,
            resolve_all(config.registry),
            snapshots,
            Answers(snapshots, limiter, config.cache_entries),
            limiter,
            Signer(),
            update,
        )
