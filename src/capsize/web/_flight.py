"""Single flight: concurrent identical computations run once, off the event loop, bounded.

Twenty clients asking for the same cold page (or API answer) at once wait for one
computation, not twenty: the first asker starts it in a worker thread, the others await
the same future and get the same result, or the same exception (each request then
answers it as its error body). The computation runs off the event loop, so cached
answers keep flowing while it runs.

Bounds: at most ``workers`` computations run at once (others queue for a worker, first
come first served), and at most ``pending`` distinct computations may be running or
queued; one more is refused with :class:`Busy` (503 with ``Retry-After``) rather than
queued without end.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import anyio
import anyio.to_thread

__all__ = ["Busy", "Flights"]

log = logging.getLogger(__name__)
T = TypeVar("T")


class Busy(Exception):
    """Too many distinct computations are running or queued; retry after ``retry_after`` s."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"the server is busy computing answers; retry in {retry_after:.0f} s")
        self.retry_after = retry_after


class Flights:
    """Computations by key, each run once however many ask for it at the same time.

    Parameters
    ----------
    workers : int
        Computations running at once (worker threads; the rest wait for one).
    pending : int
        Distinct computations running or waiting at most (one more raises :class:`Busy`).

    Attributes
    ----------
    started : int
        Computations started so far (tests and the benchmark read it).
    """

    def __init__(self, workers: int = 4, pending: int = 256) -> None:
        self.workers = workers
        self.pending = pending
        self.started = 0
        self._flights: dict[Hashable, asyncio.Future[Any]] = {}
        self._limiter: anyio.CapacityLimiter | None = None
        self._tasks: set[asyncio.Task[None]] = set()  # held until done (asyncio keeps weak refs)

    def __len__(self) -> int:
        return len(self._flights)

    async def run(self, key: Hashable, fn: Callable[..., T], *args: Any) -> T:
        """Return ``fn(*args)`` computed in a worker thread, once for concurrent askers.

        Raises
        ------
        Busy
            When ``pending`` other computations are running or waiting.
        Exception
            Whatever ``fn`` raised (every asker of the flight gets it).
        """
        found = self._flights.get(key)
        if found is None:
            if len(self._flights) >= self.pending:
                raise Busy(1.0)
            found = asyncio.get_running_loop().create_future()
            found.add_done_callback(_retrieved)
            self._flights[key] = found
            self.started += 1
            task = asyncio.ensure_future(self._compute(key, found, fn, args))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        result: T = await asyncio.shield(found)  # a waiter that leaves does not cancel it
        return result

    async def _compute(
        self, key: Hashable, future: asyncio.Future[Any], fn: Callable[..., Any], args: Any
    ) -> None:
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.workers)
        try:
            value = await anyio.to_thread.run_sync(fn, *args, limiter=self._limiter)
        except asyncio.CancelledError:  # the server is stopping: so are the waiters
            future.cancel()
            raise
        except Exception as exc:  # every waiter gets it
            future.set_exception(exc)
        else:
            future.set_result(value)
        finally:
            self._flights.pop(key, None)
            if not future.done():  # anything else (SystemExit ...): no waiter hangs
                future.cancel()


def _retrieved(future: asyncio.Future[Any]) -> None:
    """Mark the exception seen (a flight whose askers all left would log it at exit)."""
    if not future.cancelled():
        future.exception()
