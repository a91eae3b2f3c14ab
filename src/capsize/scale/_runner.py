"""Where partitions run: in process, or on a Dask cluster. The only module that imports Dask.

A runner maps a module-level function over a list of tasks and returns the results in
task order. :class:`InProcess` runs them one after the other (what capsize does without
a scheduler); :class:`DaskRunner` submits them to a ``distributed.Client`` and gathers
them. Dask reschedules the tasks of a worker that dies, because each task carries its
own inputs (nothing is scattered to a single worker).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from capsize.errors import InputError, MissingDependencyError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

__all__ = ["GRAPH_WARNING_BYTES", "DaskRunner", "InProcess", "Runner", "as_runner", "connect"]

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


class InProcess:
    """Run every task in this process, in order."""

    def map(self, fn: Callable[[T], R], tasks: Sequence[T]) -> list[R]:
        """Return ``[fn(t) for t in tasks]``."""
        return [fn(t) for t in tasks]


@dataclass(frozen=True)
class DaskRunner:
    """Run tasks on the workers of a ``distributed.Client``.

    Attributes
    ----------
    client : distributed.Client
        A connected client (its scheduler may be local or remote).
    """

    client: Any

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
        return list(self.client.gather(futures))

    @property
    def dashboard_link(self) -> str:
        """URL of the cluster's Dask dashboard."""
        return str(self.client.dashboard_link)


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


@contextlib.contextmanager
def connect(scheduler: str | None = None, workers: int | None = None) -> Iterator[Runner]:
    """Yield a runner: a remote scheduler, a new LocalCluster, or in process.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``).
    workers : int, optional
        Start a ``LocalCluster`` of this many single-threaded worker processes for the
        duration of the block (ignored when ``scheduler`` is given).

    Yields
    ------
    Runner
        :class:`InProcess` when neither is given.
    """
    if scheduler is None and workers is None:
        yield InProcess()
        return
    dist = _distributed()
    if scheduler is not None:
        with dist.Client(scheduler) as client:
            yield DaskRunner(client)
        return
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise InputError(f"workers={workers!r} must be a whole number >= 1")
    with (
        dist.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True) as cluster,
        dist.Client(cluster) as client,
    ):
        yield DaskRunner(client)
