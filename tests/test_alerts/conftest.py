"""Fixtures of the alert delivery tests: real local receivers (SMTP, HTTP) and events.

- ``smtp_server``: an aiosmtpd server on 127.0.0.1 (plain, STARTTLS or implicit TLS, with
  an optional login), keeping every message it accepts;
- ``receiver``: a stdlib HTTP server on 127.0.0.1 in a thread that checks each webhook's
  signature and records it; its paths behave as ``/ok``, ``/flaky/N`` (fails N times per
  idempotency key, then accepts), ``/dead`` (always 503), ``/gone`` (410);
- ``add_events``: writes alert events into a store as the evaluation would.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from capsize.alerts.delivery import SIGNATURE_HEADER, verify

SECRET = "test-secret-123"
"""The webhook secret the receiver checks (exported as CAPSIZE_TEST_HOOK_SECRET)."""

EVENTS_DDL = """
CREATE TABLE IF NOT EXISTS alert_events (
    event_id VARCHAR PRIMARY KEY, rule_id VARCHAR, rule_name VARCHAR, kind VARCHAR,
    day DATE, subject VARCHAR, message VARCHAR, evidence JSON, link VARCHAR,
    channels VARCHAR[], created_at TIMESTAMP
)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ----------------------------------------------------------------------------- events
def evidence(i: int) -> dict[str, Any]:
    return {
        f"IWM.close.{i}": {
            "value": 200.0 + i,
            "unit": "level",
            "label": "IWM close",
            "note": "",
            "provenance": {
                "source": "prices/IWM.csv",
                "symbols": ["IWM"],
                "window": "2025-01-02",
                "as_of": "2025-01-02",
                "formula": "close",
            },
        }
    }


def insert_events(con: Any, ids: Sequence[str], channels: Sequence[str]) -> None:
    """Record events ``ids`` (idempotent: an id already there is left alone)."""
    con.execute(EVENTS_DDL)
    for i, eid in enumerate(ids):
        con.execute(
            "INSERT INTO alert_events (event_id, rule_id, rule_name, kind, day, subject, message, "
            "evidence, link, channels, created_at) VALUES (?, 'r1', 'IWM above 200', "
            "'price_cross', DATE '2025-01-02', ?, ?, ?, '/stock/IWM', ?, ?) "
            "ON CONFLICT DO NOTHING",
            [
                eid,
                f"IWM crossed 200 ({eid})",
                "IWM closed above 200 <b>&</b>",
                json.dumps(evidence(i)),
                list(channels),
                dt.datetime(2025, 1, 2, 22, 0) + dt.timedelta(seconds=i),
            ],
        )


@pytest.fixture
def add_events() -> Callable[..., None]:
    def add(store: Any, ids: Sequence[str], channels: Sequence[str]) -> None:
        with store.transaction() as con:
            insert_events(con, ids, channels)

    return add


# ----------------------------------------------------------------------------- webhooks
@dataclass
class Hit:
    path: str
    key: str
    signed: bool
    body: dict[str, Any]
    status: int
    redelivery: bool


@dataclass
class Receiver:
    """The test HTTP receiver: what arrived, and the accepted deliveries by key."""

    port: int
    hits: list[Hit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    failures: dict[tuple[str, str], int] = field(default_factory=dict)
    delay: float = 0.0
    alive: set[str] = field(default_factory=set)
    on_accept: Callable[[Hit, int], object] | None = None
    on_arrive: Callable[[int], bool] | None = None
    """Called with the request's number on arrival; True: drop it unanswered (sender killed)."""

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def accepted(self, path: str | None = None) -> list[Hit]:
        with self.lock:
            return [h for h in self.hits if h.status == 200 and (path is None or h.path == path)]

    def decide(self, path: str, key: str) -> int:
        if path in self.alive:
            return 200
        if path.startswith("/flaky/"):
            with self.lock:
                seen = self.failures.get((path, key), 0)
                self.failures[(path, key)] = seen + 1
            return 500 if seen < int(path.rsplit("/", 1)[1]) else 200
        return {"/ok": 200, "/dead": 503, "/gone": 410}.get(path, 404)


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if receiver.on_arrive is not None:
                with receiver.lock:
                    arrived = len(receiver.hits) + 1
                if receiver.on_arrive(arrived):  # the sender was killed before it was accepted
                    return
            key = self.headers.get("Idempotency-Key", "")
            signed = verify(body, SECRET, self.headers.get(SIGNATURE_HEADER))
            status = receiver.decide(self.path, key) if signed else 401
            if receiver.delay:
                threading.Event().wait(receiver.delay)
            hit = Hit(
                self.path,
                key,
                signed,
                json.loads(body),
                status,
                self.headers.get("X-Capsize-Redelivery") == "true",
            )
            with receiver.lock:
                receiver.hits.append(hit)
                count = len([h for h in receiver.hits if h.status == 200])
            if status == 200 and receiver.on_accept is not None:
                receiver.on_accept(hit, count)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(Receiver(0)))
    rec = Receiver(int(server.server_address[1]))
    server.RequestHandlerClass = _handler(rec)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield rec
    server.shutdown()
    server.server_close()


# ----------------------------------------------------------------------------- SMTP
@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key (PEM files)."""
    x509 = pytest.importorskip("cryptography.x509")
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    import ipaddress

    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
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


@dataclass
class Mailbox:
    port: int
    messages: list[Any] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)


class _Collect:
    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        from email import message_from_bytes
        from email.policy import default

        msg = message_from_bytes(envelope.original_content or envelope.content, policy=default)
        self.box.messages.append((list(envelope.rcpt_tos), msg))
        return "250 OK"


@pytest.fixture
def smtp_server(tls_files: tuple[Path, Path]) -> Iterator[Callable[..., Mailbox]]:
    """Factory: ``smtp_server(mode="none"|"starttls"|"implicit", login=None)`` -> Mailbox."""
    pytest.importorskip("aiosmtpd")
    import ssl

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    started: list[Any] = []

    def start(mode: str = "none", login: tuple[str, str] | None = None) -> Mailbox:
        box = Mailbox(free_port())
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(*tls_files)
        kwargs: dict[str, Any] = {}
        if mode == "starttls":
            kwargs.update(tls_context=ctx, require_starttls=True)
        elif mode == "implicit":
            # aiosmtpd only counts STARTTLS as TLS for AUTH; this connection is TLS throughout
            kwargs.update(ssl_context=ctx, auth_require_tls=False)
        if login is not None:

            def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
                ok = (
                    isinstance(data, LoginPassword)
                    and (
                        data.login.decode(),
                        data.password.decode(),
                    )
                    == login
                )
                if ok:
                    box.logins.append(data.login.decode())
                return AuthResult(success=ok)

            kwargs.update(authenticator=check, auth_required=True)
        controller = Controller(
            _Collect(box),
            hostname="127.0.0.1",
            port=box.port,
            server_hostname="127.0.0.1",
            **kwargs,
        )
        controller.start()
        started.append(controller)
        return box

    yield start
    for controller in started:
        controller.stop()
