"""Email delivery over SMTP (smtplib): STARTTLS, implicit TLS, or plain on a trusted host."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime

from capsize.alerts.delivery._message import AlertMessage, evidence_lines
from capsize.alerts.delivery._outcome import (
    Outcome,
    Permanent,
    RetryPolicy,
    Transient,
    with_retries,
)
from capsize.config import SmtpSettings

__all__ = ["build_email", "message_id", "send_email"]


def message_id(event_id: str) -> str:
    """Return the ``Message-ID`` of an alert's email: the same for every send of one event."""
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in event_id)
    return f"<{safe}@alerts.capsize>"


def build_email(message: AlertMessage, to: str, sender: str, base_url: str) -> EmailMessage:
    """Return the email of ``message`` to ``to``: subject, text, evidence and link."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = f"[capsize] {message.subject}"
    mail["Message-ID"] = message_id(message.event_id)
    mail["X-Capsize-Event-Id"] = message.event_id
    if message.created_at is not None:
        mail["Date"] = format_datetime(message.created_at)
    if message.redelivery:
        mail["X-Capsize-Redelivery"] = "true"
    lines = [
        message.message,
        "",
        f"Rule: {message.rule_name} ({message.kind}), day {message.day.isoformat()}",
        "",
        "Evidence:",
        *(f"  - {line}" for line in evidence_lines(message) or ["(none recorded)"]),
        "",
        f"Explained at: {message.absolute_link(base_url) or '(no page)'}",
        "",
        f"Event {message.event_id}. Sent by capsize; a repeated email with this Message-ID "
        "is the same alert.",
    ]
    mail.set_content("\n".join(lines))
    return mail


def _context(smtp: SmtpSettings) -> ssl.SSLContext:
    cafile = str(smtp.ca_file) if smtp.ca_file is not None else None
    return ssl.create_default_context(cafile=cafile)


def _connect(smtp: SmtpSettings) -> smtplib.SMTP:
    if smtp.tls == "implicit":
        return smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout, context=_context(smtp))
    client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
    if smtp.tls == "starttls":
        client.ehlo()
        client.starttls(context=_context(smtp))
        client.ehlo()
    return client


def _classify(exc: Exception) -> Exception:
    """Map an SMTP or socket error to :class:`Transient` or :class:`Permanent`."""
    text = f"SMTP: {exc}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return Transient(text) if all(400 <= c < 500 for c in codes) else Permanent(text)
    if isinstance(exc, smtplib.SMTPResponseException):
        return Transient(text) if 400 <= exc.smtp_code < 500 else Permanent(text)
    if isinstance(exc, (ssl.SSLCertVerificationError, smtplib.SMTPNotSupportedError)):
        return Permanent(f"{text}; check [alerts.smtp] tls and ca_file")
    return Transient(text)  # refused, reset, timed out, disconnected


def send_email(
    message: AlertMessage,
    to: str,
    smtp: SmtpSettings,
    *,
    password: str | None,
    base_url: str,
    policy: RetryPolicy,
) -> Outcome:
    """Send ``message`` to ``to`` over SMTP, retrying transient failures.

    Parameters
    ----------
    message : AlertMessage
        The alert.
    to : str
        Recipient address.
    smtp : SmtpSettings
        Server, port, TLS mode and login.
    password : str or None
        The login's password (read by the caller from ``smtp.password_env``).
    base_url : str
        The dashboard's address, for the alert's link.
    policy : RetryPolicy
        Tries and back-off (seconds).

    Returns
    -------
    Outcome
        ``ok`` once the server accepted the message; a 5xx answer, a refused login or
        certificate is permanent; timeouts, refused connections and 4xx are retried.
    """
    if smtp.user is not None and not password:
        return Outcome(
            False,
            0,
            f"the SMTP password variable {smtp.password_env} is not set; export it and retry "
            "with 'capsize alerts dead-letter --retry'",
            permanent=True,
        )
    mail = build_email(message, to, smtp.sender, base_url)

    def attempt() -> None:
        try:
            with _connect(smtp) as client:
                if smtp.user is not None and password is not None:
                    client.login(smtp.user, password)
                client.send_message(mail, from_addr=None, to_addrs=[to])
        except (smtplib.SMTPException, OSError) as exc:
            raise _classify(exc) from exc

    return with_retries(attempt, policy)
