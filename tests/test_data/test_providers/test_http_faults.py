"""Fault injection for the HTTP layer (issue 13, class 9): nothing bad is cached, every call ends.

Two kinds of faults:

* **network faults** from a real HTTP server on 127.0.0.1 (``http.server`` in a
  thread): bodies and headers trickled a byte at a time, a server that never
  answers, connection resets, bodies shorter than their Content-Length, 429 and
  5xx storms with and without ``Retry-After``. The client is capsize's own
  (:func:`make_client`, its default socket transport), so the deadline is
  measured on real sockets and real sleeps;
* **content faults** through ``httpx.MockTransport`` and the real fetchers, built
  from the recorded responses in ``shared/fixtures`` cut or altered at test time:
  truncated zip/CSV/JSON, HTML error pages and error objects sent with 200,
  empty bodies, wrong JSON.

For each case: the error is the right :class:`~capsize.errors.CapsizeError`
subclass with a one-line message; the cache storage (hishel's SQLite file,
read directly) holds no byte of a bad answer; a later good answer is fetched
and cached; the call ends within its deadline; the FRED API key is in no file
under the cache folder.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import datetime as dt
import io
import socket
import sqlite3
import struct
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from capsize.config import Settings, load_settings
from capsize.data.providers._http import (
    MAX_ATTEMPTS,
    Deadline,
    DeadlineHTTPTransport,
    deadline_scope,
    get_text,
    make_client,
)
from capsize.data.providers.coingecko import CoinGeckoFetcher
from capsize.data.providers.fred import FredApiFetcher, FredFetcher
from capsize.data.providers.french import FrenchFetcher
from capsize.data.providers.ishares import ISharesHoldingsFetcher
from capsize.data.providers.sec import (
    CompanyFactsFetcher,
    SecEdgar,
    SecFetcher,
    SubmissionsFetcher,
    TickersFetcher,
)
from capsize.data.providers.yahoo import YahooChartFetcher
from capsize.errors import (
    CapsizeError,
    EmptyDataError,
    InputError,
    ProviderError,
    ProviderTimeout,
    RateLimitError,
    SchemaError,
)

if TYPE_CHECKING:
    from pathlib import Path

    from capsize.data.providers._base import Fetcher

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
SECRET = "f00dfeedf00dfeedf00dfeedf00dfeed"
DEADLINE = 2.0
MARGIN = 1.0  # scheduling slack on a shared 2-core machine; the faults would run 10-20 s
UA = "Capsize Tests tests@example.com"


# ------------------------------------------------------------------ cache inspection


def stored_bodies(settings: Settings) -> list[bytes]:
    """Every body in the cache file, hidden (removed) entries included."""
    path = settings.cache_dir / "http" / "hishel.sqlite"
    if not path.exists():
        return []
    con = sqlite3.connect(path)
    try:
        ids = [row[0] for row in con.execute("SELECT id FROM entries")]
        return [
            b"".join(
                chunk
                for (chunk,) in con.execute(
                    "SELECT chunk_data FROM streams WHERE entry_id = ? ORDER BY chunk_number",
                    (entry_id,),
                )
            )
            for entry_id in ids
        ]
    finally:
        con.close()


def stored_ttls(settings: Settings) -> list[float | None]:
    """The expiry deadline of every stored entry (None would mean 'forever')."""
    con = sqlite3.connect(settings.cache_dir / "http" / "hishel.sqlite")
    try:
        return [row[0] for row in con.execute("SELECT ttl_deadline FROM entries")]
    finally:
        con.close()


def files_with_secret(settings: Settings) -> list[str]:
    return [
        str(f)
        for f in settings.cache_dir.rglob("*")
        if f.is_file() and SECRET.encode() in f.read_bytes()
    ]


def one_line(err: BaseException) -> str:
    text = str(err)
    assert text
    assert "\n" not in text
    return text


# ------------------------------------------------------------------ a real local server

Step = Callable[[BaseHTTPRequestHandler, threading.Event], None]


def _send_head(h: BaseHTTPRequestHandler, status: int, length: int, **headers: str) -> None:
    h.send_response(status)
    h.send_header("Content-Length", str(length))
    h.send_header("Content-Type", headers.pop("content_type", "text/csv"))
    for name, value in headers.items():
        h.send_header(name.replace("_", "-"), value)
    h.end_headers()
    h.wfile.flush()


def ok(body: bytes) -> Step:
    def step(h: BaseHTTPRequestHandler, stop: threading.Event) -> None:
        _send_head(h, 200, len(body))
        h.wfile.write(body)

    return step


def status(code: int, **headers: str) -> Step:
    def step(h: BaseHTTPRequestHandler, stop: threading.Event) -> None:
        body = f"HTTP {code}".encode()
        _send_head(h, code, len(body), **headers)
        h.wfile.write(body)

    return step


def trickle(body: bytes, every: float = 0.5) -> Step:
    """Headers at once, then one byte of the body every ``every`` seconds."""

    def step(h: BaseHTTPRequestHandler, stop: threading.Event) -> None:
        _send_head(h, 200, len(body))
        for i in range(len(body)):
            if stop.wait(every):
                return
            h.wfile.write(body[i : i + 1])
            h.wfile.flush()

    return step


def trickle_headers(every: float = 0.5) -> Step:
    """The status line and headers one byte at a time, never finished."""

    def step(h: BaseHTTPRequestHandler, stop: threading.Event) -> None:
        head = b"HTTP/1.1 200 OK\r\nX-Padding: " + b"a" * 200
        for i in range(len(head)):
            if stop.wait(every):
                return
            h.wfile.write(head[i : i + 1])
            h.wfile.flush()

    return step


def slow_redirect(h: BaseHTTPRequestHandler, stop: threading.Event) -> None:
    """Answer each hop in 0.6 s with a redirect to the next one (each hop alone is in time)."""
    if stop.wait(0.6):
        return
    h.send_response(302)
    h.send_header("Location", f"/hop{len(h.server.hits)}")  # type: ignore[attr-defined]
    h.send_header("Content-Length", "0")
    h.end_headers()


def stall(h: BaseHTTPRequestHandler, stop: threading.Event) -> None:
    """Accept the request and never answer."""
    stop.wait(30)


def reset(h: BaseHTTPRequestHandler, stop: threading.Event) -> None:
    """Close with a TCP reset before answering."""
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    h.connection.close()
    h.close_connection = True


def short(body: bytes) -> Step:
    """Announce the whole body, send half, close."""

    def step(h: BaseHTTPRequestHandler, stop: threading.Event) -> None:
        _send_head(h, 200, len(body))
        h.wfile.write(body[: len(body) // 2])
        h.wfile.flush()
        h.close_connection = True

    return step


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FaultServer

    def do_GET(self) -> None:
        step = self.server.next_step(self.path)
        with contextlib.suppress(OSError):
            step(self, self.server.stop)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class FaultServer(ThreadingHTTPServer):
    """A threaded HTTP server replaying a script of steps (the last one repeats)."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.stop = threading.Event()
        self.script: list[Step] = [status(404)]
        self.hits: list[str] = []
        self._lock = threading.Lock()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def play(self, *steps: Step) -> None:
        with self._lock:
            self.script, self.hits = list(steps), []

    def next_step(self, path: str) -> Step:
        with self._lock:
            self.hits.append(path)
            return self.script[min(len(self.hits), len(self.script)) - 1]


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    srv = FaultServer()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.stop.set()
        srv.shutdown()
        srv.server_close()


class ToLocal(httpx.BaseTransport):
    """capsize's socket transport, with every request sent to the local server instead."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.inner = DeadlineHTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(scheme="http", host="127.0.0.1", port=self.port)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def _settings(tmp_path: Path, **kw: Any) -> Settings:
    base: dict[str, Any] = {"http_timeout": 10.0, "http_retries": 3, "http_deadline": DEADLINE}
    return Settings(home=tmp_path, sec_user_agent=UA, **{**base, **kw})


@contextlib.contextmanager
def timed() -> Iterator[list[float]]:
    out: list[float] = []
    start = time.monotonic()
    try:
        yield out
    finally:
        out.append(time.monotonic() - start)


def _local_get(server: FaultServer, settings: Settings, **kw: Any) -> tuple[float, Any]:
    """GET through the default client; return (seconds taken, payload or error)."""
    client = make_client(settings, **kw)
    url = f"http://127.0.0.1:{server.port}/data.csv"
    try:
        with timed() as took:
            try:
                result: Any = get_text(client, url, provider="fred", what="FRED series DGS10")
            except CapsizeError as exc:
                result = exc
    finally:
        client.close()
    return took[0], result


GOOD_CSV = b"observation_date,DGS10\n2024-01-02,3.95\n2024-01-03,3.91\n"


# ------------------------------------------------------------------ network faults


@pytest.mark.parametrize(
    ("name", "steps"),
    [
        ("body trickled 1 byte / 0.5 s (20 s)", (trickle(b"x" * 40),)),
        ("headers trickled 1 byte / 0.5 s", (trickle_headers(),)),
        ("server never answers", (stall,)),
        ("redirect chain, 0.6 s a hop", (slow_redirect,)),
        ("trickle, then a good answer", (trickle(b"x" * 40), ok(GOOD_CSV))),
    ],
)
def test_slow_server_ends_at_the_deadline(
    server: FaultServer, tmp_path: Path, name: str, steps: tuple[Step, ...]
) -> None:
    settings = _settings(tmp_path)
    server.play(*steps)
    took, err = _local_get(server, settings)
    assert isinstance(err, ProviderTimeout), name
    msg = one_line(err)
    assert msg.startswith("fred: ")
    assert "2 s deadline" in msg
    assert "CAPSIZE_HTTP_DEADLINE" in msg
    assert DEADLINE - 0.1 <= took <= DEADLINE + MARGIN, f"{name}: {took:.2f} s"
    assert stored_bodies(settings) == []


def test_per_read_timeout_alone_would_not_stop_a_trickle(
    server: FaultServer, tmp_path: Path
) -> None:
    """The fault is real: each byte comes well within a 2 s read timeout."""
    settings = _settings(tmp_path, http_timeout=2.0, http_deadline=3.0)
    server.play(trickle(b"x" * 40, every=0.25))
    took, err = _local_get(server, settings)
    assert isinstance(err, ProviderTimeout)
    assert "3 s deadline" in str(err)
    assert 2.9 <= took <= 3.0 + MARGIN


def test_slow_but_in_time_answer_is_kept(server: FaultServer, tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    server.play(trickle(GOOD_CSV, every=0.01))
    took, payload = _local_get(server, settings)
    assert not isinstance(payload, Exception), payload
    assert payload.body == GOOD_CSV
    assert took < DEADLINE
    assert stored_bodies(settings) == [GOOD_CSV]


FAST = 0.05  # a back-off cap that lets all MAX_ATTEMPTS attempts fit in the deadline


@pytest.mark.parametrize(
    ("name", "steps", "error", "attempts", "match", "cap"),
    [
        ("429 storm, no Retry-After", (status(429),), RateLimitError, None, "HTTP 429", 30.0),
        ("429 storm, fast", (status(429, Retry_After="0"),), RateLimitError, 10, "429", FAST),
        ("429, Retry-After 1 h", (status(429, Retry_After="3600"),), RateLimitError, 1, "429", 1e4),
        (
            "503 storm, Retry-After 1",
            (status(503, Retry_After="1"),),
            ProviderError,
            None,
            "503",
            30.0,
        ),
        ("500 storm", (status(500),), ProviderError, None, "HTTP 500", 30.0),
        ("500 storm, fast", (status(500),), ProviderError, 10, "HTTP 500", FAST),
        ("connection reset storm", (reset,), ProviderError, 10, "network error", FAST),
        ("short body (Content-Length)", (short(GOOD_CSV),), ProviderError, 10, "network", FAST),
    ],
)
def test_storms_are_bounded_in_attempts_and_time(
    server: FaultServer,
    tmp_path: Path,
    name: str,
    steps: tuple[Step, ...],
    error: type[CapsizeError],
    attempts: int | None,
    match: str,
    cap: float,
) -> None:
    settings = _settings(tmp_path, http_retries=MAX_ATTEMPTS)
    server.play(*steps)
    took, err = _local_get(server, settings, backoff=0.25, max_backoff=cap)
    assert type(err) is error, f"{name}: {err!r}"
    assert match in one_line(err)
    assert took <= DEADLINE + MARGIN, f"{name}: {took:.2f} s"
    assert 1 <= len(server.hits) <= MAX_ATTEMPTS
    if attempts is not None:
        assert len(server.hits) == attempts, name
        assert f"after {attempts} attempt" in str(err) or "network error" in str(err)
    assert stored_bodies(settings) == []


@pytest.mark.parametrize(
    ("name", "fault"),
    [
        ("reset", reset),
        ("short body", short(GOOD_CSV * 10)),
        ("503", status(503)),
        ("429", status(429)),
    ],
)
def test_fault_then_good_answer_is_fetched_and_cached(
    server: FaultServer, tmp_path: Path, name: str, fault: Step
) -> None:
    settings = _settings(tmp_path)
    server.play(fault, ok(GOOD_CSV))
    _, payload = _local_get(server, settings, backoff=0.05)
    assert not isinstance(payload, Exception), f"{name}: {payload!r}"
    assert payload.body == GOOD_CSV
    assert len(server.hits) == 2
    assert stored_bodies(settings) == [GOOD_CSV]
    _, again = _local_get(server, settings)
    assert again.cached
    assert len(server.hits) == 2


def test_fetcher_against_trickling_server_names_the_provider(
    server: FaultServer, tmp_path: Path, fixtures_dir: Path
) -> None:
    """A real fetcher (French zip) on real sockets: ProviderTimeout naming 'french' and 2 s."""
    body = (fixtures_dir / "french" / "F-F_Research_Data_Factors_daily_CSV.zip").read_bytes()
    settings = _settings(tmp_path)
    server.play(trickle(body[:200]))
    client = make_client(settings, ToLocal(server.port))
    fetcher = FrenchFetcher(client, clock=lambda: NOW)
    with timed() as took, pytest.raises(ProviderTimeout) as info:
        fetcher.fetch({"dataset": "FF3", "frequency": "daily"})
    client.close()
    assert one_line(info.value).startswith("french: ")
    assert info.value.provider == "french"  # type: ignore[attr-defined]
    assert "2 s deadline" in str(info.value)
    assert took[0] <= DEADLINE + MARGIN
    assert stored_bodies(settings) == []
    # and the same stack serves the whole good file in time, then from the cache
    server.play(ok(body))
    client = make_client(settings, ToLocal(server.port))
    results = FrenchFetcher(client, clock=lambda: NOW).fetch(
        {"dataset": "FF3", "frequency": "daily"}
    )
    assert results
    assert FrenchFetcher(client, clock=lambda: NOW).fetch({"dataset": "FF3", "frequency": "daily"})
    client.close()
    assert len(server.hits) == 1
    assert stored_bodies(settings) == [body]


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate and key for 127.0.0.1 (made here; nothing is committed)."""
    crypto = pytest.importorskip("cryptography", reason="cryptography makes the test certificate")
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    assert crypto
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_tls_is_verified_and_bounded_by_the_deadline(tmp_path: Path) -> None:
    """capsize's socket transport checks certificates and keeps the deadline over TLS."""
    import ssl

    cert, key = _self_signed(tmp_path)
    srv = FaultServer()
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    srv.socket = server_ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    url = f"https://127.0.0.1:{srv.port}/data.csv"
    try:
        srv.play(ok(GOOD_CSV))
        refused = make_client(_settings(tmp_path / "a"))  # default trust store: self-signed refused
        with pytest.raises(ProviderError, match="CERTIFICATE_VERIFY_FAILED"):
            get_text(refused, url, provider="t", what="x")
        refused.close()
        trusting = DeadlineHTTPTransport(verify=ssl.create_default_context(cafile=str(cert)))
        client = make_client(_settings(tmp_path / "b"), trusting)
        assert get_text(client, url, provider="t", what="x").body == GOOD_CSV
        srv.play(trickle(b"x" * 40))
        with timed() as took, pytest.raises(ProviderTimeout, match="2 s deadline"):
            get_text(client, url + "?slow", provider="t", what="x")
        assert took[0] <= DEADLINE + MARGIN
        client.close()
    finally:
        srv.stop.set()
        srv.shutdown()
        srv.server_close()


def test_deadline_bounds_back_off_with_a_fake_clock(tmp_path: Path) -> None:
    """Retry-After of 20 s with a 60 s deadline: two waits fit, the third would not."""
    now = [0.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        now[0] += 1.0  # each answer takes a second
        return httpx.Response(503, headers={"Retry-After": "20"})

    client = make_client(
        _settings(tmp_path, http_retries=MAX_ATTEMPTS, http_deadline=60.0),
        httpx.MockTransport(handler),
        sleep=sleep,
        monotonic=lambda: now[0],
    )
    with pytest.raises(ProviderError, match="HTTP 503") as info:
        get_text(client, "https://example.test/x.csv", provider="t", what="x")
    assert slept == [20.0, 20.0]
    assert len(seen) == 3
    assert "after 3 attempts" in str(info.value)
    assert now[0] <= 60.0


def test_deadline_scopes_nest_and_the_earlier_wins() -> None:
    clock = [100.0]
    outer = Deadline.after(5.0, monotonic=lambda: clock[0])
    with deadline_scope(outer) as active:
        assert active is outer
        with deadline_scope(Deadline.after(60.0, monotonic=outer.monotonic)) as inner:
            assert inner is outer  # a longer inner budget cannot extend the outer one
        shorter = Deadline.after(1.0, monotonic=outer.monotonic)
        with deadline_scope(shorter) as inner:
            assert inner is shorter
        clock[0] += 5.0
        assert active.expired()
        assert active.remaining() == 0.0


@pytest.mark.parametrize("bad", [0, -5, float("nan"), float("inf"), 1e9])
def test_bad_deadline_is_refused(tmp_path: Path, bad: float) -> None:
    with pytest.raises(InputError, match="CAPSIZE_HTTP_DEADLINE"):
        make_client(_settings(tmp_path, http_deadline=bad))


def test_deadline_comes_from_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAPSIZE_HTTP_DEADLINE", "7.5")
    settings = load_settings(tmp_path)
    assert settings.http_deadline == 7.5
    client = make_client(settings)
    assert client.deadline == 7.5
    client.close()
    assert Settings(home=tmp_path).http_deadline == 120.0


# ------------------------------------------------------------------ content faults


def _cut(frac: float) -> Callable[[bytes], bytes]:
    return lambda body: body[: int(len(body) * frac)]


def _fred_cut_in_value(body: bytes) -> bytes:
    return body[: body.index(b"\n1994-02-15,5.88\n") + len(b"\n1994-02-15,5.8")]


def _fred_cut_after_comma(body: bytes) -> bytes:
    return body[: body.index(b"\n1994-02-15,5.88\n") + len(b"\n1994-02-15,")]


def _no_footer(body: bytes) -> bytes:
    end = body.rindex(b"\n\xc2\xa0\n")  # the blank line before the disclaimer
    return body[: end + 1]


def _weight_times_20(body: bytes) -> bytes:
    """The first holding's weight written 20 times larger: the weights sum far above 100 %."""
    lines = body.split(b"\n")
    row = next(i for i, line in enumerate(lines) if line.startswith(b"Ticker,")) + 1
    fields = next(csv.reader([lines[row].decode()]))
    header = next(csv.reader([lines[row - 1].decode()]))
    weight = header.index("Weight (%)")
    fields[weight] = f"{float(fields[weight]) * 20:.2f}"
    buf = io.StringIO()
    csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="").writerow(fields)
    lines[row] = buf.getvalue().encode()
    return b"\n".join(lines)


def _member_rezipped(body: bytes, change: Callable[[str], str]) -> bytes:
    with zipfile.ZipFile(io.BytesIO(body)) as zf:
        name = zf.namelist()[0]
        text = zf.read(name).decode("utf-8", "replace")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(name, change(text))
    return buf.getvalue()


HTML = b"<!DOCTYPE html><html><head><title>Service Unavailable</title></head><body>Try later</body></html>"


@dataclasses.dataclass(frozen=True)
class Content:
    """A provider whose main response is replaced once by ``bad(recorded body)``."""

    provider: str
    bad: Callable[[bytes], bytes]
    error: type[CapsizeError]
    match: str


def _fred(s: Settings, c: httpx.Client) -> tuple[Fetcher[Any, Any], dict[str, Any]]:
    return FredFetcher(c, clock=lambda: NOW), {"series": "DGS10"}


def _fred_api(s: Settings, c: httpx.Client) -> tuple[Fetcher[Any, Any], dict[str, Any]]:
    return FredApiFetcher(c, api_key=SECRET, clock=lambda: NOW), {"series": "HQMCB10YR"}


def _french(s: Settings, c: httpx.Client) -> tuple[Fetcher[Any, Any], dict[str, Any]]:
    return FrenchFetcher(c, clock=lambda: NOW), {"dataset": "FF3", "frequency": "daily"}


def _ishares(s: Settings, c: httpx.Client) -> tuple[Fetcher[Any, Any], dict[str, Any]]:
    return ISharesHoldingsFetcher(c, clock=lambda: NOW), {"fund": "IWM"}


def _yahoo(s: Settings, c: httpx.Client) -> tuple[Fetcher[Any, Any], dict[str, Any]]:
    params = {"symbol": "NVDA", "start": "2021-02-01", "end": "2022-01-31"}
    return YahooChartFetcher(c, clock=lambda: NOW), params


def _coingecko(s: Settings, c: httpx.Client) -> tuple[Fetcher[Any, Any], dict[str, Any]]:
    return CoinGeckoFetcher(c, clock=lambda: NOW), {"kind": "markets"}


def _sec(kind: type[SecFetcher[Any, Any]], symbol: int | None) -> Callable[..., Any]:
    def build(s: Settings, c: httpx.Client) -> tuple[Fetcher[Any, Any], dict[str, Any]]:
        edgar = SecEdgar(s, client=c, clock=lambda: NOW)
        fetcher = kind(edgar)
        return fetcher, ({} if symbol is None else {"symbol": symbol})

    return build


BUILDERS: dict[str, Callable[[Settings, httpx.Client], tuple[Fetcher[Any, Any], dict[str, Any]]]]
BUILDERS = {
    "fred": _fred,
    "fred_api": _fred_api,
    "french": _french,
    "ishares": _ishares,
    "yahoo": _yahoo,
    "coingecko": _coingecko,
    "sec_tickers": _sec(TickersFetcher, None),
    "sec_facts": _sec(CompanyFactsFetcher, 1835632),
    "sec_filings": _sec(SubmissionsFetcher, 749647),
}

FIXTURES = {
    "fred": "fred/fredgraph_DGS10_observation_date_header_empty_missing.csv",
    "fred_api": "fred/fred_api_series_observations_HQMCB10YR.json",
    "french": "french/F-F_Research_Data_Factors_daily_CSV.zip",
    "ishares": "ishares/IWM_holdings_2025-11-05.csv",
    "yahoo": "yahoo/nyf2_historical-via-chart-NVDA-split-2021-02-01-to-2022-01-31.csv.body.json",
    "coingecko": "coingecko/coins_markets_dashbrd.json",
    "sec_tickers": "sec/company_tickers.json",
    "sec_facts": "sec/companyfacts_CIK0001835632_Marvell.json",
    "sec_filings": "sec/submissions_CIK0000749647_Imunon.json",
}
PATHS = {  # the URL part of each provider's main request
    "fred": "fredgraph",
    "fred_api": "series/observations",
    "french": "_CSV.zip",
    "ishares": "1467271812596.ajax",
    "yahoo": "/chart/",
    "coingecko": "/coins/markets",
    "sec_tickers": "company_tickers.json",
    "sec_facts": "/companyfacts/",
    "sec_filings": "/submissions/CIK0000749647.json",
}

Y_ERROR = b'{"chart":{"result":null,"error":{"code":"Not Found","description":"No data found"}}}'
CONTENT = [
    Content("french", _cut(0.5), ProviderError, "corrupt or truncated zip"),
    Content("french", _cut(0.97), ProviderError, "corrupt or truncated zip"),
    Content("french", lambda b: HTML, ProviderError, "HTML page"),
    Content(
        "french",
        lambda b: _member_rezipped(b, lambda t: t.replace("Mkt-RF", "Market", 1)),
        SchemaError,
        "Mkt-RF",
    ),
    Content("yahoo", lambda b: Y_ERROR, EmptyDataError, "No data found"),
    Content("yahoo", _cut(0.6), ProviderError, "truncated or invalid JSON"),
    Content("yahoo", lambda b: b'{"finance":{"result":null}}', SchemaError, "chart"),
    Content("yahoo", lambda b: HTML, ProviderError, "HTML page"),
    Content("yahoo", lambda b: b"", EmptyDataError, "empty response body"),
    Content("fred", _fred_cut_in_value, ProviderError, "cut short"),
    Content("fred", _fred_cut_after_comma, ProviderError, "cut short"),
    Content("fred", lambda b: HTML, ProviderError, "HTML page"),
    Content("fred", lambda b: b"  \n", EmptyDataError, "empty response body"),
    Content("fred_api", _cut(0.5), ProviderError, "truncated or invalid JSON"),
    Content(
        "fred_api",
        lambda b: b'{"error_code":400,"error_message":"Bad Request."}',
        SchemaError,
        "observations",
    ),
    Content("ishares", _cut(0.3), SchemaError, "incomplete holdings file"),
    Content("ishares", _cut(0.95), SchemaError, "no disclaimer footer"),
    Content("ishares", _no_footer, SchemaError, "no disclaimer footer"),
    Content("ishares", _weight_times_20, SchemaError, "weights sum to"),
    Content("ishares", lambda b: HTML, ProviderError, "HTML page"),
    Content("sec_tickers", _cut(0.5), SchemaError, "is not JSON"),
    Content("sec_facts", lambda b: HTML, ProviderError, "HTML page"),
    Content("sec_facts", lambda b: b'["not", "facts"]', SchemaError, "companyfacts"),
    Content("sec_facts", _cut(0.4), SchemaError, "is not JSON"),
    Content("sec_filings", lambda b: b'{"cik":"749647"}', SchemaError, "filings"),
    Content("sec_filings", lambda b: b"", EmptyDataError, "empty response body"),
    Content(
        "coingecko",
        lambda b: b'{"status":{"error_code":10005,"error_message":"plan limit"}}',
        SchemaError,
        "error object",
    ),
    Content("coingecko", _cut(0.5), SchemaError, "not valid JSON"),
]
CONTENT_IDS = [f"{c.provider}-{c.match.split()[0]}-{i}" for i, c in enumerate(CONTENT)]


class Router:
    """A MockTransport handler: the recorded body per URL, the bad one first for ``path``."""

    def __init__(self, bodies: dict[str, bytes], path: str, bad: bytes | None) -> None:
        self.bodies = bodies
        self.path = path
        self.bad = bad
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        url = str(request.url)
        if self.bad is not None and self.path in url:
            body, self.bad = self.bad, None
            return httpx.Response(200, content=body)
        for part, body in self.bodies.items():
            if part in url:
                return httpx.Response(200, content=body)
        return httpx.Response(404)


def _good_bodies(fixtures_dir: Path, provider: str) -> dict[str, bytes]:
    out = {PATHS[provider]: (fixtures_dir / FIXTURES[provider]).read_bytes()}
    if provider.startswith("sec_") and provider != "sec_tickers":
        out[PATHS["sec_tickers"]] = (fixtures_dir / FIXTURES["sec_tickers"]).read_bytes()
    if provider == "sec_filings":
        page = "sec/submissions_CIK0000749647-submissions-001_Imunon.json"
        out["CIK0000749647-submissions-001.json"] = (fixtures_dir / page).read_bytes()
    return out


@pytest.mark.parametrize("case", CONTENT, ids=CONTENT_IDS)
def test_bad_200_is_refused_never_cached_and_a_good_one_is(
    tmp_path: Path, fixtures_dir: Path, case: Content
) -> None:
    good = _good_bodies(fixtures_dir, case.provider)
    path = PATHS[case.provider]
    bad = case.bad(good[path])
    assert bad != good[path]
    settings = _settings(tmp_path)
    router = Router(good, path, bad)
    client = make_client(settings, httpx.MockTransport(router), sleep=lambda s: None)
    fetcher, params = BUILDERS[case.provider](settings, client)
    with timed() as took, pytest.raises(CapsizeError) as info:
        fetcher.fetch(params)
    assert type(info.value) is case.error, repr(info.value)
    assert case.match in one_line(info.value)
    assert SECRET not in str(info.value)
    assert took[0] <= DEADLINE
    stored = stored_bodies(settings)
    assert bad not in stored
    assert all(body in good.values() for body in stored)
    # the next call asks again, gets the good answer, and caches it
    asked = len(router.requests)
    assert fetcher.fetch(params)
    assert len(router.requests) > asked
    stored = stored_bodies(settings)
    assert good[path] in stored
    assert all(body in good.values() for body in stored)
    assert all(ttl is not None for ttl in stored_ttls(settings))  # nothing kept forever
    asked = len(router.requests)
    assert fetcher.fetch(params)  # the third call is served from the cache
    assert len(router.requests) == asked
    client.close()
    assert files_with_secret(settings) == []


@pytest.mark.parametrize(
    ("name", "bad"),
    [
        ("cut to 90 %", _cut(0.9)),
        (
            "S3 error document with 200",
            lambda b: b"<?xml version='1.0'?><Error><Code>NoSuchKey</Code></Error>",
        ),
    ],
)
def test_nport_bad_document_is_reported_not_cached(
    tmp_path: Path, fixtures_dir: Path, name: str, bad: Callable[[bytes], bytes]
) -> None:
    from capsize.data.providers.nport import NportFetcher

    xml = fixtures_dir / "sec/nport/NPORT-P_Dupree_KY-TaxFree-ShortMedium_2022-12-31.xml"
    good = {"primary_doc.xml": xml.read_bytes()}
    settings = _settings(tmp_path)
    router = Router(good, "primary_doc.xml", bad(good["primary_doc.xml"]))
    client = make_client(settings, httpx.MockTransport(router), sleep=lambda s: None)
    fetcher = NportFetcher(SecEdgar(settings, client=client, clock=lambda: NOW))
    params = {"cik": 311101, "accessions": ["0000311101-23-000001"]}
    (res,) = fetcher.fetch(params)
    assert res.meta["parsed"] == 0
    (failure,) = res.meta["failed"]
    assert "N-PORT" in failure["reason"]
    assert "\n" not in failure["reason"]
    assert stored_bodies(settings) == []
    (res,) = fetcher.fetch(params)  # asked again: the good document is parsed and cached
    assert res.meta["parsed"] == 1
    assert stored_bodies(settings) == [good["primary_doc.xml"]]
    fetcher.fetch(params)
    assert len(router.requests) == 2
    client.close()


def test_fred_api_key_is_in_no_file_of_the_cache(tmp_path: Path, fixtures_dir: Path) -> None:
    settings = _settings(tmp_path)
    good = _good_bodies(fixtures_dir, "fred_api")
    router = Router(good, PATHS["fred_api"], None)
    client = make_client(settings, httpx.MockTransport(router), sleep=lambda s: None)
    fetcher, params = _fred_api(settings, client)
    (res,) = fetcher.fetch(params)
    assert SECRET not in res.source
    assert SECRET in str(router.requests[0].url)  # it was sent ...
    fetcher.fetch(params)
    assert len(router.requests) == 1  # ... and the answer is served from the cache
    client.close()
    files = [f for f in settings.cache_dir.rglob("*") if f.is_file()]
    assert files
    assert files_with_secret(settings) == []


@pytest.mark.parametrize("status_code", [429, 500])
def test_fred_api_key_is_in_no_error_message(tmp_path: Path, status_code: int) -> None:
    settings = _settings(tmp_path)
    client = make_client(
        settings,
        httpx.MockTransport(lambda r: httpx.Response(status_code)),
        sleep=lambda s: None,
    )
    fetcher, params = _fred_api(settings, client)
    with pytest.raises(ProviderError) as info:
        fetcher.fetch(params)
    assert SECRET not in one_line(info.value)
    assert "api_key=REDACTED" in str(info.value)
    client.close()
    assert stored_bodies(settings) == []
    assert files_with_secret(settings) == []
