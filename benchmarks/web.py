"""Benchmark ``capsize serve``: p50/p99 latency with 20 concurrent async clients, loopback only.

Goals (issue "capsize serve"): p99 under 50 ms for cached answers, under 300 ms for a cold
page on the shared data. The server runs in its own process (``uvicorn`` on 127.0.0.1, a
free port); the load comes from ``--clients`` asyncio tasks sharing one ``httpx.AsyncClient``,
each case ``--requests`` requests. The baseline is a static file served by the same server
in the same run (the floor any answer pays: HTTP, the event loop, the middleware).

Cases:
- ``static``: ``/static/app.css``;
- ``api cached``: every available query's endpoint at one as-of (after one warm-up call),
  and the same with ``If-None-Match`` (304);
- ``page cached``: pages whose answers are cached (sent from the fast path once rendered,
  since the client keeps its CSRF cookie); a sorted screener (each order is a new sort and
  render of the one cached screen, first time only);
- ``page cold``: ``/sources`` at a different as-of day for every request (every answer
  computed), with 20 clients and with one client (its own latency, no queueing).

The server's own warm-up (latest answers, at start) is off: the benchmark warms the answers
it measures itself, and a warm-up running alongside would only add noise.

Uses the store at ``CAPSIZE_HOME`` when it holds data; otherwise imports the shared data
(``CAPSIZE_SHARED`` or ``../shared``) into a temporary home first (not timed).

Run: ``python benchmarks/web.py [--requests 400] [--clients 20]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

DAY = "2025-10-08"
WARM_TIMEOUT = 900.0
"""Seconds a warm-up request may take (the today page builds the report's watch list; a
full-universe screen takes tens of seconds on a loaded machine)."""
SLOW_ENDPOINTS = ("/api/v1/screen?", "/api/v1/valuation?")
"""Left out of the API cases: a full-universe screen or two funds' valuation take minutes to
warm on a loaded machine (the screener page, warmed once, stands for the stock answers)."""
SORTS = ("market_cap", "pe", "ps", "ret_6m", "rs_6m", "vol_1y", "price", "sector")
CACHED_GOAL_MS = 50.0
COLD_GOAL_MS = 300.0
SERVER = """
import sys, uvicorn
from capsize.web import WebConfig, create_app
app = create_app(WebConfig.from_settings(rate=1e9, burst=1e9, cache_entries=4096, warm=False))
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
"""


def shared_data() -> Path:
    env = os.environ.get("CAPSIZE_SHARED")
    base = Path(env) if env else Path(__file__).resolve().parents[2] / "shared"
    return base / "data"


def _home() -> Path:
    home = os.environ.get("CAPSIZE_HOME")
    if home and (Path(home) / "capsize.duckdb").exists():
        return Path(home)
    tmp = Path(tempfile.mkdtemp(prefix="capsize-bench-web-"))
    print(f"importing {shared_data()} into {tmp} (not timed) ...", flush=True)
    env = {**os.environ, "CAPSIZE_HOME": str(tmp)}
    subprocess.run(
        [sys.executable, "-m", "capsize.cli", "data", "import", str(shared_data())],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return tmp


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Case:
    name: str
    urls: Sequence[str]
    goal_ms: float | None
    headers: dict[str, str] | None = None
    clients: int = 20


@dataclass
class Timing:
    case: Case
    ms: list[float]
    errors: int

    def pct(self, q: float) -> float:
        data = sorted(self.ms)
        return data[min(len(data) - 1, int(q * len(data)))] if data else float("nan")


async def _run(client: httpx.AsyncClient, case: Case, deadline: float) -> Timing:
    queue: asyncio.Queue[str] = asyncio.Queue()
    for url in case.urls:
        queue.put_nowait(url)
    ms: list[float] = []
    errors = 0

    async def worker() -> None:
        nonlocal errors
        while not queue.empty() and time.monotonic() < deadline:
            url = queue.get_nowait()
            start = time.perf_counter()
            resp = await client.get(url, headers=case.headers)
            ms.append((time.perf_counter() - start) * 1000)
            if resp.status_code >= 400:
                errors += 1

    await asyncio.gather(*(worker() for _ in range(case.clients)))
    return Timing(case, ms, errors)


async def _cases(client: httpx.AsyncClient, n: int) -> list[Case]:
    queries = (await client.get("/api/v1/queries")).json()
    endpoints = [
        f"{q['endpoint']}?as_of={DAY}"
        for q in queries
        if q["available"] and not any(p["required"] for p in q["params"])
    ]
    sources = f"/api/v1/data_sources?bars=IWM,SPY,IWC,^RUT&macro=DGS10,DGS2&as_of={DAY}"
    endpoints.append(sources)
    pages = [
        f"/?as_of={DAY}",
        f"/sources?as_of={DAY}",
        "/watchlists",
        f"/stock/BE?as_of={DAY}",
        f"/screener?as_of={DAY}",
    ]
    for url in pages:  # warm-up: compute once (the screener in the background: poll it)
        for _ in range(120):
            resp = await client.get(url, timeout=WARM_TIMEOUT)
            resp.raise_for_status()
            if b'class="pending"' not in resp.content:
                break
            await asyncio.sleep(5)
    # an endpoint that refuses the as-of (data status describes the store as it is) is left out
    endpoints = [
        u
        for u in endpoints
        if not u.startswith(SLOW_ENDPOINTS)
        and (await client.get(u, timeout=WARM_TIMEOUT)).status_code == 200
    ]
    etag = (await client.get(sources)).headers["etag"]
    days = [d.strftime("%Y-%m-%d") for d in _weekdays("2015-01-02", n * 2)]
    return [
        Case("static /static/app.css", ["/static/app.css"] * n, None),
        Case("static, 1 client", ["/static/app.css"] * (n // 4), None, clients=1),
        Case("api cached, 1 client", (endpoints * n)[: n // 4], CACHED_GOAL_MS, clients=1),
        Case(f"api cached ({len(endpoints)} endpoints)", (endpoints * n)[:n], CACHED_GOAL_MS),
        Case(
            "api cached, If-None-Match (304)",
            [sources] * n,
            CACHED_GOAL_MS,
            {"If-None-Match": etag},
        ),
        Case(
            "page cached answers (/, /sources, /watchlists, /stock/BE, /screener)",
            (pages * n)[:n],
            CACHED_GOAL_MS,
        ),
        Case(
            "page cached, sorted screener (new order each)",
            [f"/screener?as_of={DAY}&sort={c}&order={o}" for c in SORTS for o in ("asc", "desc")]
            * 4,
            None,
        ),
        Case(
            "page cold /sources (new as_of each), 20 clients",
            [f"/sources?as_of={d}" for d in days[:n]],
            COLD_GOAL_MS,
        ),
        Case(
            "page cold /sources (new as_of each), 1 client",
            [f"/sources?as_of={d}" for d in days[n : n + 40]],
            COLD_GOAL_MS,
            clients=1,
        ),
    ]


def _weekdays(start: str, count: int) -> list[object]:
    import datetime as dt

    day = dt.date.fromisoformat(start)
    out: list[object] = []
    while len(out) < count:
        if day.weekday() < 5:
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def _print(timings: list[Timing]) -> None:
    base = timings[0].pct(0.5)
    print(
        f"{'case':<52} {'n':>5} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'p50/static':>10} {'errors':>6}  goal"
    )
    for t in timings:
        goal = t.case.goal_ms
        verdict = "" if goal is None else ("ok" if t.pct(0.99) <= goal else f"OVER {goal:.0f} ms")
        print(
            f"{t.case.name:<52} {len(t.ms):>5} {t.pct(0.5):>8.1f} {t.pct(0.99):>8.1f} "
            f"{max(t.ms):>8.1f} {t.pct(0.5) / base:>10.1f} {t.errors:>6}  {verdict}"
        )


async def _bench(base_url: str, n: int, clients: int, budget: float) -> list[Timing]:
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as client:
        cases = await _cases(client, n)
        out = []
        for case in cases:
            if case.clients != 1:
                case.clients = clients
            out.append(await _run(client, case, time.monotonic() + budget))
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="requests per case")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients")
    parser.add_argument("--budget", type=float, default=120.0, help="seconds at most per case")
    args = parser.parse_args()
    home = _home()
    port = _free_port()
    env = {**os.environ, "CAPSIZE_HOME": str(home)}
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(port)], env=env)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base_url}/api/v1/health", timeout=2).json()["status"] == "ok":
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise SystemExit("server did not start within 90 s")
        timings = asyncio.run(_bench(base_url, args.requests, args.clients, args.budget))
    finally:
        server.terminate()
        server.wait(timeout=20)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"capsize serve, {args.clients} concurrent clients, loopback, store {home}")
    print(
        f"machine: {os.cpu_count()} cores, load average {load} (other work inflates every row alike)"
    )
    _print(timings)
    cached = [t for t in timings if "cached" in t.case.name and t.case.clients != 1]
    p50 = statistics.median(t.pct(0.5) for t in cached)
    print(f"median p50 of the cached cases, {args.clients} clients: {p50:.1f} ms")


if __name__ == "__main__":
    main()
