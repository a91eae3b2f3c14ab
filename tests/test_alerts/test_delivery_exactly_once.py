"""Exactly-once delivery of ``capsize alerts run``: concurrent runs, SIGKILL, a counting receiver.

Each run is the real command, ``capsize alerts run --wait 120``, in a child process, on a
small store: eight synthetic stocks whose close jumps from 100 to 110 on the last session
and one stored rule (``price_level`` 105, up, no cool-down, channels ``log`` and a webhook),
so every run's evaluation fires eight alerts. A local HTTP receiver checks each webhook's
signature and counts what it accepted, by ``Idempotency-Key`` (the event id).

- two runs started together: every alert arrives once, none twice (the second run waits
  for the store, then finds the events recorded and their deliveries sent);
- killed after the evaluation committed, at its first send, before anything was accepted:
  the events are in the store and the next run delivers them all;
- killed by the receiver right after it accepted a seeded k-th delivery, i.e. after the
  send and before the sender recorded it: the next run sends that one again, flagged as a
  redelivery, under the same key. Keyed by ``Idempotency-Key`` every alert arrived exactly
  once; the raw repeats are exactly one per such kill.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from capsize.data import alert_outbox as outbox
from capsize.data.store import Store
from capsize.queries.alert_commands import create_rule

from .conftest import SECRET, Receiver

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX only")

SYMBOLS = [f"S{i}" for i in range(8)]
SEED = 18


def _home(tmp_path: Path, hook: str) -> Path:
    """A home: delivery settings, a store of eight jumping stocks, one rule."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text(
        "[alerts]\nattempts = 3\nbackoff = 0.001\nmax_backoff = 0.002\n"
        '[alerts.webhook]\nsecret_env = "CAPSIZE_TEST_HOOK_SECRET"\ntimeout = 5\n',
        encoding="utf-8",
    )
    days = pd.bdate_range("2025-01-02", periods=40)
    close = np.where(np.arange(len(days)) == len(days) - 1, 110.0, 100.0)
    bars = pd.concat(
        pd.DataFrame({"symbol": s, "basis": "adjusted", "date": days, "close": close})
        for s in SYMBOLS
    )
    db = home / "capsize.duckdb"
    with Store.open(db) as store:
        store.write_bars(bars, source="synthetic")
    create_rule(
        {
            "name": "S crosses 105",
            "kind": "price_level",
            "symbols": SYMBOLS,
            "params": {"level": 105, "direction": "up"},
            "cooldown": 0,
            "channels": ["log", f"webhook:{hook}"],
        },
        path=db,
    )
    return home


def _start(home: Path) -> subprocess.Popen[str]:
    import capsize

    src = str(Path(capsize.__file__).resolve().parents[1])
    env = {
        **os.environ,
        "CAPSIZE_HOME": str(home),
        "CAPSIZE_TEST_HOOK_SECRET": SECRET,
        "PYTHONPATH": os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH")) if p),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "capsize.cli", "alerts", "run", "--wait", "120"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(proc: subprocess.Popen[str]) -> str:
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, out + err
    return out.splitlines()[0]  # "created 8, sent 8, dead 0, ..., recorded 8"


def _killed(proc: subprocess.Popen[str]) -> None:
    proc.communicate(timeout=300)
    assert proc.returncode == -signal.SIGKILL


def _store(home: Path) -> tuple[list[str], list[outbox.Delivery]]:
    with Store.open(home / "capsize.duckdb") as store:  # for writing: replays a leftover WAL
        return [e.subject for e in outbox.events(store)], outbox.deliveries(store)


def test_two_concurrent_runs_deliver_each_alert_once(tmp_path: Path, receiver: Receiver) -> None:
    home = _home(tmp_path, receiver.url("/ok"))
    receiver.delay = 0.02  # the sends take a while: the second run waits on the store meanwhile
    first, second = _start(home), _start(home)
    lines = sorted([_finish(first), _finish(second)])
    assert lines == [
        "created 0, sent 0, dead 0, redelivered 0, pending 0, recorded 0",
        "created 8, sent 8, dead 0, redelivered 0, pending 0, recorded 8",
    ]
    keys = Counter(h.key for h in receiver.accepted())
    assert len(keys) == len(SYMBOLS) and set(keys.values()) == {1}
    assert all(h.signed for h in receiver.hits)
    subjects, rows = _store(home)
    assert sorted(subjects) == SYMBOLS and {d.status for d in rows} == {"sent"}


def test_sigkill_after_evaluation_and_after_send_lose_and_repeat_nothing(
    tmp_path: Path, receiver: Receiver
) -> None:
    home = _home(tmp_path, receiver.url("/ok"))
    victim: dict[str, object] = {}

    def kill(kind: str, count: int) -> bool:
        proc = victim.get("proc")
        if isinstance(proc, subprocess.Popen) and victim.get(kind) == count:
            os.kill(proc.pid, signal.SIGKILL)
            return True
        return False

    receiver.on_arrive = lambda n: kill("arrive", n)
    receiver.on_accept = lambda hit, n: kill("accept", n)
    # 1. the evaluation committed; killed at its first send, before anything was accepted
    victim.update(proc=_start(home), arrive=1)
    _killed(victim["proc"])  # type: ignore[arg-type]
    assert receiver.accepted() == []
    subjects, rows = _store(home)
    assert sorted(subjects) == SYMBOLS  # the evaluation's commit survived the kill
    assert sum(d.in_flight for d in rows) == 1 and {d.status for d in rows} == {"pending"}
    # 2. killed after the receiver accepted a seeded k-th delivery, before it was recorded
    k = int(np.random.default_rng(SEED).integers(1, len(SYMBOLS) + 1))
    victim.clear()
    victim.update(proc=_start(home), accept=k)
    _killed(victim["proc"])  # type: ignore[arg-type]
    assert len(receiver.accepted()) == k
    victim.clear()
    # 3. a clean run finishes the work
    line = _finish(_start(home))
    assert line.startswith("created 0, ") and line.endswith("recorded 0")
    keys = Counter(h.key for h in receiver.accepted())
    assert len(keys) == len(SYMBOLS)  # none lost; deduplicated by key: exactly once each
    assert sum(n - 1 for n in keys.values()) == 1  # the one in flight at the second kill
    seen: dict[str, dict[str, object]] = {}
    for hit in receiver.accepted():  # a repeat says it may be one, with the same body
        assert hit.key not in seen or (hit.redelivery and hit.body == seen[hit.key]), hit
        seen.setdefault(hit.key, hit.body)
    _, rows = _store(home)
    assert {d.status for d in rows} == {"sent"} and not any(d.in_flight for d in rows)
    assert len(rows) == len(SYMBOLS)
