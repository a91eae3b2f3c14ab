"""Alert delivery against real local receivers: an aiosmtpd server and an HTTP server.

Every test goes through ``deliver_pending`` on a real store: events in ``alert_events``,
the outbox rows it creates, the sends, and the outcome recorded per row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from capsize.config import AlertSettings, Settings, SmtpSettings, WebhookSettings
from capsize.data import alert_outbox as outbox
from capsize.data.store import Store
from capsize.errors import StoreError
from capsize.queries.alert_delivery import (
    alert_dead_letters,
    alert_notifications,
    channel_label,
    deliver_pending,
    retry_dead_letters,
)

from .conftest import SECRET, Mailbox, Receiver, free_port

ENV = {"HOOK_SECRET": SECRET, "SMTP_PASSWORD": "pw-1"}


def settings(tmp_path: Path, *, attempts: int = 5, smtp: SmtpSettings | None = None) -> Settings:
    alerts = AlertSettings(
        base_url="http://dash.example:8000",
        attempts=attempts,
        backoff=0.001,
        max_backoff=0.004,
        smtp=smtp,
        webhook=WebhookSettings(secret_env="HOOK_SECRET", timeout=5.0),
    )
    return Settings(home=tmp_path, alerts=alerts)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "capsize.duckdb")
    yield s
    s.close()


def rows(store: Store) -> dict[tuple[str, str], outbox.Delivery]:
    return {(d.event_id, d.channel): d for d in outbox.deliveries(store)}


# ----------------------------------------------------------------------------- webhooks
def test_webhook_signed_with_key_evidence_and_link(
    store: Store, tmp_path: Path, receiver: Receiver, add_events: Callable[..., None]
) -> None:
    add_events(store, ["e1", "e2"], ["log", f"webhook:{receiver.url('/ok')}"])
    result = deliver_pending(store, settings(tmp_path), env=ENV)
    assert result.value("sent") == 2 and result.value("dead") == 0
    hits = receiver.accepted()
    assert sorted(h.key for h in hits) == ["e1", "e2"]
    assert all(h.signed and not h.redelivery for h in hits)
    body = next(h.body for h in hits if h.key == "e1")
    assert body["schema"] == "capsize.alert/1" and body["event_id"] == "e1"
    assert body["link"] == "http://dash.example:8000/stock/IWM"
    fig = body["evidence"]["IWM.close.0"]
    assert fig["value"] == 200.0 and fig["provenance"]["source"] == "prices/IWM.csv"
    assert {d.status for d in rows(store).values()} == {"sent"}
    # the log channel has no outbox row: the event row is the log
    assert all(ch.startswith("webhook:") for _, ch in rows(store))
    # a second run sends nothing
    again = deliver_pending(store, settings(tmp_path), env=ENV)
    assert again.value("sent") == 0 and again.value("created") == 0
    assert len(receiver.hits) == 2


def test_flaky_endpoint_fails_three_times_then_gets_exactly_one(
    store: Store, tmp_path: Path, receiver: Receiver, add_events: Callable[..., None]
) -> None:
    add_events(store, ["e1"], [f"webhook:{receiver.url('/flaky/3')}"])
    result = deliver_pending(store, settings(tmp_path, attempts=5), env=ENV)
    assert [h.status for h in receiver.hits] == [500, 500, 500, 200]
    assert len(receiver.accepted()) == 1
    row = rows(store)[("e1", f"webhook:{receiver.url('/flaky/3')}")]
    assert (row.status, row.attempts, row.in_flight) == ("sent", 4, False)
    assert row.sent_at is not None
    assert result.value("sent") == 1


def test_backoff_doubles_up_to_its_cap() -> None:
    from capsize.alerts.delivery import RetryPolicy
    from capsize.alerts.delivery._outcome import Transient, with_retries

    waits: list[float] = []

    def fail() -> None:
        raise Transient("HTTP 503")

    out = with_retries(fail, RetryPolicy(5, 1.0, 4.0, sleep=waits.append))
    assert waits == [1.0, 2.0, 4.0, 4.0]
    assert (out.ok, out.attempts, out.permanent, out.error) == (False, 5, False, "HTTP 503")


def test_dead_endpoint_ends_in_dead_letter_then_retry_delivers_once(
    store: Store, tmp_path: Path, receiver: Receiver, add_events: Callable[..., None]
) -> None:
    channel = f"webhook:{receiver.url('/dead')}"
    add_events(store, ["e1"], ["log", channel])
    result = deliver_pending(store, settings(tmp_path, attempts=3), env=ENV)
    assert result.value("dead") == 1 and len(receiver.hits) == 3
    row = rows(store)[("e1", channel)]
    assert (row.status, row.attempts) == ("dead", 3) and "HTTP 503" in row.last_error
    dead = alert_dead_letters(store)
    assert dead.value("count") == 1
    assert dead.table("dead_letters").rows[0][0] == "e1"
    # nothing lost: the event is in the log, the notification list shows the dead channel
    listed = alert_notifications(store).table("notifications").rows
    assert listed[0][-1] == "e1" and "dead (webhook answered HTTP 503)" in str(listed[0][7])
    # the receiver comes back; a retry of the dead letters delivers it once
    receiver.alive.add("/dead")
    again = retry_dead_letters(store, settings(tmp_path), env=ENV)
    assert again.value("revived") == 1 and again.value("sent") == 1
    assert len(receiver.accepted()) == 1
    assert rows(store)[("e1", channel)].status == "sent"
    assert alert_dead_letters(store).value("count") == 0


def test_a_receiver_down_for_a_run_gets_one_try_per_later_alert(
    store: Store, tmp_path: Path, receiver: Receiver, add_events: Callable[..., None]
) -> None:
    add_events(store, ["e1", "e2", "e3"], [f"webhook:{receiver.url('/dead')}"])
    result = deliver_pending(store, settings(tmp_path, attempts=3), env=ENV)
    assert result.value("dead") == 3 and len(receiver.hits) == 3 + 1 + 1
    assert sorted(d.attempts for d in rows(store).values()) == [1, 1, 3]


@pytest.mark.parametrize(
    ("path", "env", "expected"),
    [
        ("/gone", ENV, "HTTP 410"),
        ("/ok", {}, "no webhook secret"),
    ],
)
def test_permanent_failures_go_dead_without_retrying(
    store: Store,
    tmp_path: Path,
    receiver: Receiver,
    add_events: Callable[..., None],
    path: str,
    env: dict[str, str],
    expected: str,
) -> None:
    add_events(store, ["e1"], [f"webhook:{receiver.url(path)}"])
    deliver_pending(store, settings(tmp_path), env=env)
    (row,) = rows(store).values()
    assert row.status == "dead" and expected in row.last_error
    assert len(receiver.hits) == (1 if path == "/gone" else 0)


def test_unknown_channel_and_read_only_store(
    store: Store, tmp_path: Path, add_events: Callable[..., None]
) -> None:
    add_events(store, ["e1"], ["pager:123"])
    deliver_pending(store, settings(tmp_path), env=ENV)
    (row,) = rows(store).values()
    assert row.status == "dead" and "unknown channel" in row.last_error
    path = store.path
    store.close()
    with Store.open(path, read_only=True) as ro, pytest.raises(StoreError, match="read-only"):
        deliver_pending(ro, settings(tmp_path), env=ENV)
    store.con = Store.open(path).con  # the fixture closes it again


def test_channel_label_hides_query_and_login() -> None:
    assert (
        channel_label("webhook:https://u:p@h.example/x?token=abc")
        == "webhook:https://h.example/x?…"
    )
    assert channel_label("email:a@b.org") == "email:a@b.org"


# ----------------------------------------------------------------------------- email
def smtp_settings(box: Mailbox, tls: str, **kw: Any) -> SmtpSettings:
    return SmtpSettings(
        host="127.0.0.1",
        port=box.port,
        sender="capsize <alerts@example.org>",
        tls=tls,
        timeout=5,
        **kw,
    )


def test_email_plain_carries_evidence_link_and_stable_message_id(
    store: Store,
    tmp_path: Path,
    smtp_server: Callable[..., Mailbox],
    add_events: Callable[..., None],
) -> None:
    box = smtp_server("none")
    add_events(store, ["e1"], ["log", "email:ann@example.org", "email:bob@example.org"])
    result = deliver_pending(store, settings(tmp_path, smtp=smtp_settings(box, "none")), env=ENV)
    assert result.value("sent") == 2
    assert sorted(to[0] for to, _ in box.messages) == ["ann@example.org", "bob@example.org"]
    _, msg = box.messages[0]
    assert msg["Subject"] == "[capsize] IWM crossed 200 (e1)"
    assert msg["Message-ID"] == "<e1@alerts.capsize>" and msg["X-Capsize-Event-Id"] == "e1"
    text = msg.get_content()
    assert "IWM close: 200.00 (prices/IWM.csv; IWM; window 2025-01-02" in text
    assert "http://dash.example:8000/stock/IWM" in text
    deliver_pending(store, settings(tmp_path, smtp=smtp_settings(box, "none")), env=ENV)
    assert len(box.messages) == 2


# aiosmtpd warns when AUTH is allowed without its own STARTTLS; implicit TLS is TLS throughout
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
@pytest.mark.parametrize("mode", ["starttls", "implicit"])
def test_email_over_tls_with_login(
    store: Store,
    tmp_path: Path,
    smtp_server: Callable[..., Mailbox],
    add_events: Callable[..., None],
    tls_files: tuple[Path, Path],
    mode: str,
) -> None:
    box = smtp_server(mode, login=("capsize", "pw-1"))
    smtp = smtp_settings(
        box, mode, user="capsize", password_env="SMTP_PASSWORD", ca_file=tls_files[0]
    )
    add_events(store, ["e1"], ["email:ann@example.org"])
    result = deliver_pending(store, settings(tmp_path, smtp=smtp), env=ENV)
    assert result.value("sent") == 1, result.table("deliveries").rows
    assert box.logins == ["capsize"] and len(box.messages) == 1


def test_email_untrusted_certificate_is_permanent(
    store: Store,
    tmp_path: Path,
    smtp_server: Callable[..., Mailbox],
    add_events: Callable[..., None],
) -> None:
    box = smtp_server("starttls")
    add_events(store, ["e1"], ["email:ann@example.org"])
    deliver_pending(store, settings(tmp_path, smtp=smtp_settings(box, "starttls")), env=ENV)
    (row,) = rows(store).values()
    assert (row.status, row.attempts) == ("dead", 1) and "ca_file" in row.last_error
    assert box.messages == []


def test_email_server_down_is_retried_then_dead(
    store: Store, tmp_path: Path, add_events: Callable[..., None]
) -> None:
    smtp = SmtpSettings(
        host="127.0.0.1", port=free_port(), sender="a@example.org", tls="none", timeout=2
    )
    add_events(store, ["e1"], ["email:ann@example.org"])
    deliver_pending(store, settings(tmp_path, attempts=3, smtp=smtp), env=ENV)
    (row,) = rows(store).values()
    assert (row.status, row.attempts) == ("dead", 3) and "SMTP" in row.last_error


def test_email_without_smtp_settings_or_password(
    store: Store, tmp_path: Path, add_events: Callable[..., None]
) -> None:
    add_events(store, ["e1"], ["email:ann@example.org"])
    deliver_pending(store, settings(tmp_path), env=ENV)
    (row,) = rows(store).values()
    assert row.status == "dead" and "[alerts.smtp]" in row.last_error
    smtp = SmtpSettings(
        host="127.0.0.1", port=free_port(), sender="a@example.org", user="u", password_env="NOPE"
    )
    add_events(store, ["e2"], ["email:ann@example.org"])
    deliver_pending(store, settings(tmp_path, smtp=smtp), env=ENV)
    row = rows(store)[("e2", "email:ann@example.org")]
    assert row.status == "dead" and "NOPE is not set" in row.last_error
