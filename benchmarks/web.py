"""Benchmark ``capsize serve``: p50/p90/p99 latency with 20 concurrent clients, loopback only.

Goals (issue "capsize serve"): p99 under 50 ms for cached answers, under 300 ms for a cold
page on the shared data.

How it measures:

- **The server** runs in its own process exactly as ``capsize serve`` runs it:
  ``uvicorn.run(app)`` with uvicorn's automatic choice of event loop and HTTP parser (uvloop
  and httptools when installed: ``capsize[web]`` brings them); the line it prints says which.
  Its rate limit is lifted (the benchmark is one client address) and its own warm-up is off
  (the benchmark warms what it measures; a warm-up alongside would only add noise).
- **The load** comes from this process: ``--clients`` asyncio workers, each on its own
  keep-alive HTTP/1.1 connection, sending one request after another (a closed loop, no think
  time). The client is a few lines over asyncio streams, not ``httpx``: the case "static,
  httpx client" shows why (httpx's own CPU per request is of the order of the server's, so
  on two cores it would measure the client). Each case sends warm-up requests first (same
  kind, not counted), then the measured ones.
- **Who is the bottleneck**: the server's and the client's CPU time per request are read
  from ``/proc`` (server) and ``time.process_time`` (client) around each measured run. When
  the server's CPU per request times the requests per second is about one core, the server
  (one process, one event loop) is the bound; the client's column shows what it adds.
- **Baseline**: a static file of the same server in the same run (``/static/app.css``).

Cases: the static file (20 clients, 1 client, and 20 through httpx); every cached API answer
(1 and 20 clients; ``If-None-Match`` 304); cached pages (p50/p99 per page: the today page is
~1 MB of HTML, sent gzipped to a client that accepts it, as browsers do); the screener sorted
by a new column (a sort and render of the one cached screen); cold pages (``/sources`` at a
new as-of day: every answer computed) with one client, with 20 clients asking the same URL at
once (a round per URL: coalesced into one computation) and with 20 clients on 20 distinct
URLs; and a mixed load: 18 clients asking cached API answers while 2 ask cold pages, p99 of
each (cached answers must keep flowing while cold pages compute in worker threads).

Every row shows the machine's 1-minute load average after it: the machine is shared, and
other work inflates every row.

With a closed loop of ``c`` clients on distinct cold URLs a request waits for the ``c - 1``
others ahead of it: latency is about ``c x CPU per page / cores used``. Cold pages computed in
worker threads of one Python process (the GIL: about one core for Python code) cannot keep
``c`` = 20 distinct URLs under 300 ms unless one takes under ~15 ms of CPU; the one-client row
is the page's own latency, the same-URL row what coalescing gives.

Uses the store at ``CAPSIZE_HOME`` when it holds data; otherwise imports the shared data
(``CAPSIZE_SHARED`` or ``../shared``) into a temporary home first (not timed).

Run: ``python benchmarks/web.py [--requests 400] [--clients 20]``
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
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
import importlib.util, sys, uvicorn
from capsize.web import WebConfig, create_app
app = create_app(WebConfig.from_settings(rate=1e9, burst=1e9, cache_entries=4096, warm=False))
loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
http = "httptools" if importlib.util.find_spec("httptools") else "h11"
print(f"server: uvicorn {uvicorn.__version__}, loop {loop}, http {http}", flush=True)
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
"""
TICK = os.sysconf("SC_CLK_TCK")


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


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / TICK


# ----------------------------------------------------------------------- the client
class Connection:
    """One keep-alive HTTP/1.1 connection sending GETs (Content-Length bodies only)."""

    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        self.host, self.port = host, port
        extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.extra = f"Host: {host}:{port}\r\n{extra}\r\n".encode()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, target: str) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(b"GET " + target.encode() + b" HTTP/1.1\r\n" + self.extra)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.lower().split(b"\r\n"):
            if line.startswith(b"content-length:"):
                length = int(line[15:])
            elif line.startswith(b"transfer-encoding:"):
                raise RuntimeError(f"{target}: chunked answer; this client reads Content-Length")
        if length:
            await self.reader.readexactly(length)
        return status

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            await self.writer.wait_closed()


@dataclass
class Case:
    name: str
    urls: Sequence[str]
    goal_ms: float | None
    headers: dict[str, str] = field(default_factory=dict)
    clients: int = 20
    warm: Sequence[str] = ()
    httpx_client: bool = False
    same_url: bool = False
    """Every client asks each URL at the same time (coalesced cold requests)."""
    breakdown: bool = False
    """Print p50/p99 per URL."""


@dataclass
class Timing:
    case: Case
    ms: list[float]
    errors: int
    seconds: float
    server_cpu: float
    client_cpu: float
    load: float = 0.0
    by_url: dict[str, list[float]] = field(default_factory=dict)

    def pct(self, q: float) -> float:
        data = sorted(self.ms)
        return data[min(len(data) - 1, int(q * len(data)))] if data else float("nan")


async def _drive(
    urls: Sequence[str],
    clients: int,
    send: list[object],
    deadline: float,
    by_url: dict[str, list[float]] | None = None,
) -> tuple[list[float], int]:
    """Send ``urls`` over ``clients`` workers; return latencies (ms) and error count."""
    ms: list[float] = []
    errors = 0
    it = iter(urls)

    async def worker(get: object) -> None:
        nonlocal errors
        for url in it:
            if time.monotonic() > deadline:
                return
            start = time.perf_counter()
            status = await get(url)  # type: ignore[operator]
            ms.append((time.perf_counter() - start) * 1000)
            if by_url is not None:
                by_url.setdefault(url, []).append(ms[-1])
            errors += status >= 400

    await asyncio.gather(*(worker(send[i]) for i in range(clients)))
    return ms, errors


async def _rounds(
    urls: Sequence[str], clients: int, send: list[object], deadline: float
) -> tuple[list[float], int]:
    """Each URL asked by every client at once (a round), one round after another."""
    ms: list[float] = []
    errors = 0
    for url in urls:
        got, bad = await _drive([url] * clients, clients, send, deadline)
        ms += got
        errors += bad
    return ms, errors


async def _run(base: str, port: int, case: Case, pid: int, budget: float) -> Timing:
    cookie = case.headers
    if case.httpx_client:
        limits = httpx.Limits(max_connections=case.clients, max_keepalive_connections=case.clients)
        client = httpx.AsyncClient(base_url=base, limits=limits, timeout=120, headers=cookie)

        async def via_httpx(url: str) -> int:
            return (await client.get(url)).status_code

        send: list[object] = [via_httpx] * case.clients
        conns: list[Connection] = []
    else:
        conns = [Connection("127.0.0.1", port, cookie) for _ in range(case.clients)]
        send = [c.get for c in conns]
    try:
        await _drive(case.warm, case.clients, send, time.monotonic() + budget)
        cpu0, own0, t0 = _cpu_seconds(pid), time.process_time(), time.perf_counter()
        by_url: dict[str, list[float]] = {}
        if case.same_url:
            ms, errors = await _rounds(case.urls, case.clients, send, time.monotonic() + budget)
        else:
            ms, errors = await _drive(
                case.urls, case.clients, send, time.monotonic() + budget, by_url
            )
        seconds = time.perf_counter() - t0
        server, own = _cpu_seconds(pid) - cpu0, time.process_time() - own0
    finally:
        for c in conns:
            await c.close()
        if case.httpx_client:
            await client.aclose()
    return Timing(case, ms, errors, seconds, server, own, os.getloadavg()[0], by_url)


# ----------------------------------------------------------------------- the cases
def _weekdays(start: str, count: int) -> list[str]:
    day = dt.date.fromisoformat(start)
    out: list[str] = []
    while len(out) < count:
        if day.weekday() < 5:
            out.append(day.isoformat())
        day += dt.timedelta(days=1)
    return out


async def _warm_up(client: httpx.AsyncClient, pages: Sequence[str]) -> None:
    """Compute every page once (the screener in the background: poll until it is there)."""
    for url in pages:
        for _ in range(120):
            resp = await client.get(url, timeout=WARM_TIMEOUT)
            resp.raise_for_status()
            if b'class="pending"' not in resp.content:
                break
            await asyncio.sleep(5)


async def _endpoints(client: httpx.AsyncClient) -> list[str]:
    queries = (await client.get("/api/v1/queries")).json()
    urls = [
        f"{q['endpoint']}?as_of={DAY}"
        for q in queries
        if q["available"] and not any(p["required"] for p in q["params"])
    ]
    urls.append(f"/api/v1/data_sources?bars=IWM,SPY,IWC,^RUT&macro=DGS10,DGS2&as_of={DAY}")
    # an endpoint that refuses the as-of (data status describes the store as it is) is left out
    return [
        u
        for u in urls
        if not u.startswith(SLOW_ENDPOINTS)
        and (await client.get(u, timeout=WARM_TIMEOUT)).status_code == 200
    ]


def _cached_cases(endpoints: list[str], pages: list[str], etag: str, n: int) -> list[Case]:
    w = max(20, n // 10)
    static = ["/static/app.css"] * n
    return [
        Case("static /static/app.css", static, None, warm=static[:w]),
        Case("static, 1 client", static[: n // 4], None, clients=1, warm=static[:w]),
        Case(
            "static, httpx client (client cost)", static, None, warm=static[:w], httpx_client=True
        ),
        Case(
            "api cached, 1 client",
            (endpoints * n)[: n // 4],
            CACHED_GOAL_MS,
            clients=1,
            warm=endpoints,
        ),
        Case(f"api cached ({len(endpoints)} endpoints)", (endpoints * n)[:n], CACHED_GOAL_MS),
        Case(
            "api cached, If-None-Match (304)",
            [endpoints[-1]] * n,
            CACHED_GOAL_MS,
            {"If-None-Match": etag},
            warm=[endpoints[-1]] * w,
        ),
        Case("page cached (5 pages)", (pages * n)[:n], CACHED_GOAL_MS, warm=pages * 4),
    ]


async def _cases(client: httpx.AsyncClient, n: int, cold: int) -> list[Case]:
    pages = [
        f"/?as_of={DAY}",
        f"/sources?as_of={DAY}",
        "/watchlists",
        f"/stock/BE?as_of={DAY}",
        f"/screener?as_of={DAY}",
    ]
    await _warm_up(client, pages)
    endpoints = await _endpoints(client)
    etag = (await client.get(endpoints[-1])).headers["etag"]
    # as a browser: its CSRF cookie, and gzip accepted (pages over 8 kB are kept gzipped)
    cookie = {
        "Cookie": f"capsize_csrf={client.cookies['capsize_csrf']}",
        "Accept-Encoding": "gzip",
    }
    cases = _cached_cases(endpoints, pages, etag, n)
    sorts = [f"/screener?as_of={DAY}&sort={c}&order={o}" for c in SORTS for o in ("asc", "desc")]
    days = iter(_weekdays("2015-01-02", 3 * cold + 60))

    def cold_pages(k: int) -> list[str]:
        return [f"/sources?as_of={next(days)}" for _ in range(k)]

    cases[-1].breakdown = True
    cases += [
        Case("page, screener sorted by a new column", sorts, None, clients=4),
        Case(
            "page cold /sources (new as_of each), 1 client",
            cold_pages(cold // 2),
            COLD_GOAL_MS,
            clients=1,
            warm=cold_pages(5),
        ),
        Case(
            "page cold, 20 clients on the same URL (coalesced)",
            cold_pages(max(3, cold // 10)),
            COLD_GOAL_MS,
            same_url=True,
        ),
        Case(
            "page cold, 20 distinct URLs (new as_of each)",
            cold_pages(cold),
            COLD_GOAL_MS,
        ),
    ]
    for case in cases:
        if case.httpx_client:
            continue
        case.headers = {**cookie, **case.headers}
    return cases


async def _mixed(
    port: int, pid: int, cached: Sequence[str], cold: Sequence[str], clients: int, cookie: str
) -> list[Timing]:
    """Cached API answers from ``clients - 2`` clients while 2 clients ask cold pages."""
    headers = {"Cookie": cookie, "Accept-Encoding": "gzip"}
    fast = [Connection("127.0.0.1", port, headers) for _ in range(clients - 2)]
    slow = [Connection("127.0.0.1", port, headers) for _ in range(2)]
    fast_ms: list[float] = []
    stop = False

    async def loop_cached(conn: Connection) -> None:
        i = 0
        while not stop:
            start = time.perf_counter()
            await conn.get(cached[i % len(cached)])
            fast_ms.append((time.perf_counter() - start) * 1000)
            i += 1

    cpu0, t0 = _cpu_seconds(pid), time.perf_counter()
    loops = [asyncio.ensure_future(loop_cached(c)) for c in fast]
    cold_ms, errors = await _drive(cold, 2, [c.get for c in slow], time.monotonic() + 300)
    stop = True
    await asyncio.gather(*loops)
    seconds, server = time.perf_counter() - t0, _cpu_seconds(pid) - cpu0
    for c in fast + slow:
        await c.close()
    load = os.getloadavg()[0]
    return [  # the server's CPU is all on the cold row (per cold page, cached requests in it)
        Timing(
            Case(f"mixed: cached api, {clients - 2} clients", cached, CACHED_GOAL_MS),
            fast_ms,
            0,
            seconds,
            0.0,
            0.0,
            load,
        ),
        Timing(
            Case("mixed: cold pages alongside, 2 clients", cold, COLD_GOAL_MS, clients=2),
            cold_ms,
            errors,
            seconds,
            server,
            0.0,
            load,
        ),
    ]


# ----------------------------------------------------------------------- report
def _print(timings: list[Timing], clients: int) -> None:
    base = timings[0].pct(0.5)
    print(
        f"{'case':<46} {'n':>4} {'req/s':>6} {'p50':>7} {'p90':>7} {'p99':>7} {'max':>7} "
        f"{'p50/st':>6} {'srv ms':>6} {'cli ms':>6} {'err':>3} {'load':>5}  goal (p99)"
    )
    for t in timings:
        goal = t.case.goal_ms
        verdict = "" if goal is None else ("ok" if t.pct(0.99) <= goal else f"OVER {goal:.0f} ms")
        n = max(1, len(t.ms))
        name = t.case.name if t.case.clients in (1, clients) else f"{t.case.name}, {t.case.clients}"
        print(
            f"{name[:46]:<46} {len(t.ms):>4} {len(t.ms) / t.seconds:>6.0f} {t.pct(0.5):>7.1f} "
            f"{t.pct(0.9):>7.1f} {t.pct(0.99):>7.1f} {max(t.ms):>7.1f} {t.pct(0.5) / base:>6.1f} "
            f"{t.server_cpu * 1000 / n:>6.2f} {t.client_cpu * 1000 / n:>6.2f} {t.errors:>3} "
            f"{t.load:>5.1f}  {verdict}"
        )
        for url, ms in t.by_url.items() if t.case.breakdown else ():
            ms.sort()
            print(
                f"    {url[:42]:<42} {len(ms):>4} p50 {ms[len(ms) // 2]:>7.1f} "
                f"p99 {ms[min(len(ms) - 1, int(0.99 * len(ms)))]:>7.1f}"
            )
    print(
        "latencies in ms; srv/cli ms: CPU milliseconds per request of the server process (all "
        "threads) and of this client; load: 1-minute load average after the case"
    )


async def _bench(base: str, port: int, pid: int, args: argparse.Namespace) -> list[Timing]:
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        cases = await _cases(client, args.requests, args.cold)
        cookie = f"capsize_csrf={client.cookies['capsize_csrf']}"
    out = []
    for case in cases:
        if case.clients not in (1, 4):
            case.clients = args.clients
        out.append(await _run(base, port, case, pid, args.budget))
    api = next(c for c in cases if c.name.startswith("api cached ("))
    cold = [f"/sources?as_of={d}" for d in _weekdays("2010-01-04", args.cold // 2)]
    out += await _mixed(port, pid, list(dict.fromkeys(api.urls)), cold, args.clients, cookie)
    return out


def _wait_ready(base: str) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=2).json()["status"] == "ok":
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit("server did not start within 90 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="requests per cached case")
    parser.add_argument("--cold", type=int, default=60, help="requests of the cold page case")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients")
    parser.add_argument("--budget", type=float, default=120.0, help="seconds at most per case")
    args = parser.parse_args()
    home = _home()
    port = _free_port()
    env = {**os.environ, "CAPSIZE_HOME": str(home)}
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(port)], env=env)
    base = f"http://127.0.0.1:{port}"
    load0 = os.getloadavg()
    try:
        _wait_ready(base)
        timings = asyncio.run(_bench(base, port, server.pid, args))
    finally:
        server.terminate()
        server.wait(timeout=20)
    load = ", ".join(f"{a:.1f}->{b:.1f}" for a, b in zip(load0, os.getloadavg(), strict=True))
    print(f"capsize serve, {args.clients} concurrent clients (closed loop), loopback, store {home}")
    print(f"machine: {os.cpu_count()} cores, load average {load} (other work inflates every row)")
    _print(timings, args.clients)
    cached = [t for t in timings if "cached" in t.case.name and t.case.clients == args.clients]
    p99 = statistics.median(t.pct(0.99) for t in cached)
    print(f"median p99 of the cached cases, {args.clients} clients: {p99:.1f} ms")


if __name__ == "__main__":
    main()
