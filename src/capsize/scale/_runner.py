"""Where partitions run: in process, or on a Dask cluster. The only module that imports Dask.

A runner maps a module-level function over a list of tasks and returns the results in
task order. :class:`InProcess` runs them one after the other (what capsize does without
a scheduler); :class:`DaskRunner` submits them to a ``distributed.Client`` and gathers
them. Dask reschedules the tasks of a worker that dies, because each task carries its
own inputs (nothing is scattered to a single worker).
"""

from __future__ import annotations

import contextlib
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from capsize.config import check_scheduler_address
from capsize.errors import InputError, MissingDependencyError, NetworkUnreachable

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

__all__ = [
    "GRAPH_WARNING_BYTES",
    "DaskRunner",
    "InProcess",
    "Progress",
    "Runner",
    "as_runner",
    "connect",
    "default_partitions",
    "loads_error",
]

T = TypeVar("T")
R = TypeVar("R")

_INSTALL = 'pip install "capsize[scale]"'

GRAPH_WARNING_BYTES = 2**31
"""Graph size (bytes) above which Dask warns: in-memory partitions ride in the graph."""


class Runner(Protocol):
    """Maps a function over tasks and returns the results in task order."""

    def map(self, fn: Callable[[T], R], tasks: Sequence[T]) -> list[R]:
        """Return ``[fn(t) for t in tasks]``, computed wherever the runner runs things."""
        ...


Progress = Callable[[int, int], None]
"""``progress(done, total)``: called as partitions complete (in completion order)."""


@dataclass(frozen=True)
class InProcess:
    """Run every task in this process, in order.

    Attributes
    ----------
    progress : callable, optional
        ``progress(done, total)`` after each task.
    """

    progress: Progress | None = None

    def map(self, fn: Callable[[T], R], tasks: Sequence[T]) -> list[R]:
        """Return ``[fn(t) for t in tasks]``."""
        out = []
        for i, t in enumerate(tasks, start=1):
            out.append(fn(t))
            if self.progress is not None:
                self.progress(i, len(tasks))
        return out


@dataclass(frozen=True)
class DaskRunner:
    """Run tasks on the workers of a ``distributed.Client``.

    Attributes
    ----------
    client : distributed.Client
        A connected client (its scheduler may be local or remote).
    progress : callable, optional
        ``progress(done, total)`` as each task's future completes.
    """

    client: Any
    progress: Progress | None = None

    def map(self, fn: Callable[[T], R], tasks: Sequence[T]) -> list[R]:
        """Submit one Dask task per item (``pure=False``: nothing is hashed) and gather them.

        The tasks travel inside the graph on purpose (the scheduler keeps them, so the
        partitions of a worker that dies run again elsewhere); Dask's warning about a
        large graph is raised to :data:`GRAPH_WARNING_BYTES` for that reason.
        """
        import dask

        limit = {"distributed.admin.large-graph-warning-threshold": GRAPH_WARNING_BYTES}
        with dask.config.set(limit):
            futures = self.client.map(fn, list(tasks), pure=False)
        if self.progress is not None:
            done_futures = _distributed().as_completed(futures, loop=self.client.loop)
            for done, _ in enumerate(done_futures, start=1):
                self.progress(done, len(futures))
        return list(self.client.gather(futures))

    def check_loadable(self, obj: object, what: str) -> None:
        """Check that a worker can load ``obj`` before tasks carry it.

        A worker that cannot unpickle a task (a function of a module it cannot import)
        drops its connection and Dask waits for the task for ever; one worker loads the
        pickled bytes instead (bytes always travel) and names the error.

        Raises
        ------
        InputError
            When ``obj`` cannot be pickled here, or a worker cannot load it.
        """
        import cloudpickle  # type: ignore[import-untyped]  # comes with dask

        name = (
            f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', type(obj).__name__)}"
        )
        try:
            blob = cloudpickle.dumps(obj)
        except Exception as exc:  # any pickling failure: the object, not capsize
            raise InputError(
                f"the {what} {name} cannot be pickled ({_one_line(exc)}); pass a function "
                "that does not hold locks, files or connections"
            ) from None
        error = self.client.submit(loads_error, blob, pure=False).result()
        if error is not None:
            raise InputError(
                f"the {what} {name} cannot be loaded on the Dask workers ({error}); define it "
                "in a module the workers can import (installed, or on their PYTHONPATH)"
            )

    @property
    def threads(self) -> int:
        """Worker threads of the cluster now (at least 1)."""
        return max(1, int(sum(self.client.nthreads().values())))

    @property
    def dashboard_link(self) -> str:
        """URL of the cluster's Dask dashboard."""
        return str(self.client.dashboard_link)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:200]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def loads_error(blob: bytes) -> str | None:
    """Unpickle ``blob`` (on a worker); return the error as one line, or None when it loads."""
    import pickle

    try:
        pickle.loads(blob)  # bytes this client pickled a moment ago
    except Exception as exc:  # any failure to load is the answer
        return _one_line(exc)
    return None


def as_runner(where: Runner | Any | None) -> Runner:
    """Return a runner for ``where``: None = in process, a ``distributed.Client``, or a runner."""
    if where is None:
        return InProcess()
    if isinstance(where, (InProcess, DaskRunner)):
        return where
    if hasattr(where, "submit") and hasattr(where, "gather"):
        return DaskRunner(where)
    raise InputError(
        f"cannot run partitions on {type(where).__name__}; pass None, a "
        "distributed.Client or a capsize.scale runner"
    )


def _distributed() -> Any:
    try:
        import distributed
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingDependencyError(
            f"running on Dask needs dask.distributed; install it with {_INSTALL}"
        ) from exc
    return distributed


def default_partitions(where: Runner | Any | None) -> int:
    """Partitions to cut a universe into for ``where``: 1 in process, else one per worker thread."""
    runner = as_runner(where)
    return runner.threads if isinstance(runner, DaskRunner) else 1


def _probe(address: str, timeout: float) -> None:
    """Open and close a TCP connection to a ``tcp://`` address (a refused port fails at once)."""
    if not address.startswith("tcp://"):
        return
    host, _, port = address.removeprefix("tcp://").rpartition(":")
    with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout):
        pass


def _reach(dist: Any, address: str, origin: str, timeout: float) -> Any:
    """Return a client of the scheduler at ``address``; unreachable: a one-line error."""
    try:
        _probe(address, timeout)
        return dist.Client(address, timeout=f"{timeout:g}s", set_as_default=False)
    except (OSError, TimeoutError) as exc:
        why = " ".join((getattr(exc, "strerror", None) or str(exc)).split())
        raise NetworkUnreachable(
            f"cannot reach the Dask scheduler {address} ({origin}): {why or type(exc).__name__}; "
            f"start one with 'dask scheduler' and 'dask worker {address}', fix the address, "
            "or leave it out to run in this process",
            provider="dask",
            host=address,
        ) from None


@contextlib.contextmanager
def connect(
    scheduler: str | None = None,
    workers: int | None = None,
    *,
    progress: Progress | None = None,
    origin: str = "scheduler",
    timeout: float = 10.0,
) -> Iterator[Runner]:
    """Yield a runner: a remote scheduler, a new LocalCluster, or in process.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``).
    workers : int, optional
        Start a ``LocalCluster`` of this many single-threaded worker processes for the
        duration of the block (ignored when ``scheduler`` is given). Its dashboard
        takes a free port.
    progress : callable, optional
        ``progress(done, total)`` as partitions complete.
    origin : str
        Where the address came from (``--scheduler``, ``[dask] scheduler``), for errors.
    timeout : float
        Seconds to wait for the scheduler.

    Yields
    ------
    Runner
        :class:`InProcess` when neither is given; else a :class:`DaskRunner`
        (its ``dashboard_link`` is the cluster's dashboard).

    Raises
    ------
    InputError
        For a malformed address or a worker count under 1.
    NetworkUnreachable
        When no scheduler answers at the address within ``timeout``.
    """
    if scheduler is None and workers is None:
        yield InProcess(progress)
        return
    if scheduler is not None:
        address = check_scheduler_address(origin, scheduler)
        with _reach(_distributed(), address, origin, timeout) as client:
            yield DaskRunner(client, progress)
        return
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise InputError(f"workers={workers!r} must be a whole number >= 1")
    dist = _distributed()
    with (
        dist.LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        ) as cluster,
        dist.Client(cluster, set_as_default=False) as client,
    ):
        yield DaskRunner(client, progress)
