"""Exactly-once delivery: concurrent runs and SIGKILL at seeded moments, counted at a receiver.

Each run is a child process doing what ``capsize alerts run`` does: open the store for
writing (waiting for another writer), record the evaluation's events (deterministic ids,
so recording them again adds nothing), commit, then ``deliver_pending``. A local HTTP
receiver checks every webhook's signature and counts what it accepted, by
``Idempotency-Key``.

- two runs started together: every alert arrives once, none twice;
- killed after the evaluation committed, before any delivery: the next run sends all;
- then killed by the receiver right after it accepted the k-th delivery (k seeded), i.e.
  after the send and before the sender recorded it: the next run sends that one again,
  marked as a redelivery, with the same key; keyed by ``Idempotency-Key`` every alert
  arrived exactly once, and the raw repeats are exactly one per kill.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from capsize.data import alert_outbox as outbox
from capsize.data.store import Store

from .conftest import EVENTS_DDL, SECRET, Hit, Receiver

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX only")

N_EVENTS = 8
SEED = 18

_DRIVER = (
    """
import datetime as dt, json, sys
from capsize.data.store import Store
from capsize.queries.alert_delivery import deliver_pending
ids, channels, pause = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3] == "pause"
with Store.open(wait=120) as store:
    with store.transaction() as con:
        con.execute('''"""
    + EVENTS_DDL
    + """''')
        for i, eid in enumerate(ids):
            con.execute(
                "INSERT INTO alert_events (event_id, rule_id, rule_name, kind, day, subject, "
                "message, evidence, link, channels, created_at) VALUES (?, 'r1', 'IWM above 200', "
                "'price_cross', DATE '2025-01-02', ?, 'IWM closed above 200', '{}', '/stock/IWM', "
                "?, ?) ON CONFLICT DO NOTHING",
                [eid, f"IWM crossed 200 ({eid})", channels, dt.datetime(2025, 1, 2, 22, 0, i)],
            )
    print("EVALUATED", flush=True)
    if pause:
        sys.stdin.readline()
    result = deliver_pending(store)
print("DONE", result.value("sent"), flush=True)
"""
)


def _home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text(
        "[alerts]\nattempts = 3\nbackoff = 0.001\nmax_backoff = 0.002\n"
        '[alerts.webhook]\nsecret_env = "CAPSIZE_TEST_HOOK_SECRET"\ntimeout = 5\n',
        encoding="utf-8",
    )
    return home


def _start(home: Path, channel: str, *, pause: bool = False) -> subprocess.Popen[str]:
    import capsize

    src = str(Path(capsize.__file__).resolve().parents[1])
    env = {
        **os.environ,
        "CAPSIZE_HOME": str(home),
        "CAPSIZE_TEST_HOOK_SECRET": SECRET,
        "PYTHONPATH": os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH")) if p),
    }
    ids = [f"ev{i:02d}" for i in range(N_EVENTS)]
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            _DRIVER,
            json.dumps(ids),
            json.dumps(["log", channel]),
            "pause" if pause else "run",
        ],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(proc: subprocess.Popen[str]) -> str:
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err
    return out


def _rows(home: Path) -> list[outbox.Delivery]:
    with Store.open(home / "capsize.duckdb") as store:  # for writing: replays a leftover WAL
        return outbox.deliveries(store)


def _expected() -> list[str]:
    return [f"ev{i:02d}" for i in range(N_EVENTS)]


def test_two_concurrent_runs_deliver_each_alert_once(tmp_path: Path, receiver: Receiver) -> None:
    home = _home(tmp_path)
    receiver.delay = 0.02  # deliveries take a while: the second run starts while the first sends
    channel = f"webhook:{receiver.url('/ok')}"
    first, second = _start(home, channel), _start(home, channel)
    outs = [_finish(first), _finish(second)]
    sent = sorted(int(out.split()[-1]) for out in outs)
    assert sent == [0, N_EVENTS], outs  # one run sent everything, the other found it sent
    keys = Counter(h.key for h in receiver.accepted())
    assert sorted(keys) == _expected() and set(keys.values()) == {1}
    assert all(h.signed for h in receiver.hits)
    assert {d.status for d in _rows(home)} == {"sent"}


def test_sigkill_between_evaluation_and_delivery_and_after_send(
    tmp_path: Path, receiver: Receiver
) -> None:
    home = _home(tmp_path)
    channel = f"webhook:{receiver.url('/ok')}"
    # 1. killed once the evaluation committed, before any delivery
    proc = _start(home, channel, pause=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "EVALUATED"
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert receiver.hits == []
    with Store.open(home / "capsize.duckdb") as store:
        logged = [e.event_id for e in outbox.events(store)]
    assert sorted(logged) == _expected()  # the evaluation's commit survived the kill
    # 2. killed after a send, before its outcome is recorded, at seeded deliveries
    rng = np.random.default_rng(SEED)
    victim: dict[str, subprocess.Popen[str] | int] = {}

    def kill_at(hit: Hit, count: int) -> None:
        proc = victim.get("proc")
        if isinstance(proc, subprocess.Popen) and count == victim.get("at"):
            os.kill(proc.pid, signal.SIGKILL)  # accepted, not answered: the sender dies mid-send

    receiver.on_accept = kill_at
    kills = 0
    # two kills, each at a seeded delivery of the alerts not yet delivered
    for _ in range(2):
        done = len({h.key for h in receiver.accepted()})
        if done >= N_EVENTS:
            break
        victim["at"] = len(receiver.accepted()) + int(rng.integers(1, N_EVENTS - done + 1))
        proc = _start(home, channel)
        victim["proc"] = proc
        proc.communicate(timeout=180)
        assert proc.returncode == -signal.SIGKILL
        kills += 1
    victim.clear()
    _finish(_start(home, channel))  # a clean run finishes the work
    keys = Counter(h.key for h in receiver.accepted())
    assert sorted(keys) == _expected()  # none lost; deduplicated by key: exactly once each
    repeats = sum(n - 1 for n in keys.values())
    assert kills >= 1 and repeats == kills  # the one in flight at each kill, sent again
    first_seen: set[str] = set()
    for h in receiver.accepted():  # every repeat says it may be one
        assert h.key not in first_seen or h.redelivery, h
        first_seen.add(h.key)
    rows = _rows(home)
    assert {d.status for d in rows} == {"sent"} and not any(d.in_flight for d in rows)
    assert len(rows) == N_EVENTS
