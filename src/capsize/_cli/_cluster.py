"""``--scheduler`` and ``--workers``: where the commands that can use Dask run.

Without either option the ``[dask]`` table of ``config.toml`` decides; without that,
everything runs in this process as before. On Dask, a progress bar (on stderr) follows
the partitions as their futures complete and the dashboard's address is printed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Annotated, Any

import typer

from capsize._cli._common import err_console, escape_markup
from capsize.errors import InputError

__all__ = ["Scheduler", "Workers", "cluster", "refuse_cluster"]

Scheduler = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        metavar="ADDRESS",
        help="Run on a running Dask scheduler, e.g. tcp://127.0.0.1:8786 (default: [dask] "
        "scheduler of config.toml, else in process).",
    ),
]
Workers = Annotated[
    int | None,
    typer.Option(
        "--workers",
        min=1,
        max=256,
        help="Start a local Dask cluster of N worker processes for this command.",
    ),
]


def refuse_cluster(scheduler: str | None, workers: int | None, what: str) -> None:
    """Raise :class:`InputError` when ``--scheduler``/``--workers`` is given where unused."""
    if scheduler is not None or workers is not None:
        raise InputError(
            f"--scheduler and --workers apply to the universe, not to {what}; drop them"
        )


@contextlib.contextmanager
def cluster(scheduler: str | None, workers: int | None, what: str) -> Iterator[Any | None]:
    """Yield the runner the options (or ``[dask]``) ask for, or None to run in process.

    Parameters
    ----------
    scheduler, workers
        The ``--scheduler`` and ``--workers`` options (both None: ``[dask]``).
    what : str
        Label of the progress bar.

    Raises
    ------
    CapsizeError
        A bad address (:class:`InputError`) or a scheduler that does not answer
        (:class:`~capsize.errors.NetworkUnreachable`): one line, exit 1.
    """
    origin = "--scheduler"
    if scheduler is None and workers is None:
        from capsize.config import load_settings

        dask = load_settings().dask
        scheduler, workers, origin = dask.scheduler, dask.workers, "[dask] scheduler"
    if scheduler is None and workers is None:
        yield None
        return
    from rich.progress import Progress

    from capsize.scale import connect

    with Progress(console=err_console, transient=True, disable=not err_console.is_terminal) as bar:
        task = bar.add_task(f"{what} (partitions)", total=None)

        def step(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        with connect(scheduler, workers, progress=step, origin=origin) as runner:
            link = escape_markup(getattr(runner, "dashboard_link", "n/a"))
            bar.console.print(f"Dask dashboard: {link}", highlight=False, soft_wrap=True)
            yield runner
