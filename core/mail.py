"""The outbox: every email is stored first, then delivered over SMTP by `flask mail send`."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import OutboxMessage, utcnow


def queue(
    session: Session, to: str, subject: str, body: str, board_id: int | None = None
) -> OutboxMessage:
    """Put a message in the outbox; it is sent by the next `flask mail send`."""
    message = OutboxMessage(to_addr=to, subject=subject, body_text=body, board_id=board_id)
    session.add(message)
    session.flush()
    return message


@dataclass(frozen=True)
class DeliveryReport:
    """How a delivery run went."""

    sent: int
    retrying: int
    failed: int


def _as_email(message: OutboxMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to_addr
    email["Subject"] = message.subject
    email.set_content(message.body_text)
    return email


def deliver_pending(session: Session, config: dict[str, Any], echo: Any = None) -> DeliveryReport:
    """Send every due pending message; failures are retried with back-off, then marked failed."""
    now = utcnow()
    due = (
        session.execute(
            select(OutboxMessage)
            .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.id)
            .with_for_update(skip_locked=True)
        )
        .scalars()
        .all()
    )
    sent = retrying = failed = 0
    if not due:
        return DeliveryReport(0, 0, 0)
    if config.get("MAIL_PRINT"):
        for message in due:
            if echo:
                echo(f"To: {message.to_addr}\nSubject: {message.subject}\n\n{message.body_text}\n")
            message.status, message.sent_at = "sent", now
            message.attempts += 1
        session.flush()
        return DeliveryReport(len(due), 0, 0)
    smtp: smtplib.SMTP | None = None
    try:
        smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10)
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
    except (OSError, smtplib.SMTPException) as exc:
        connect_error = f"cannot reach mail server {config['MAIL_SERVER']}: {exc}"
        smtp = None
    for message in due:
        message.attempts += 1
        try:
            if smtp is None:
                raise smtplib.SMTPException(connect_error)
            smtp.send_message(_as_email(message, config["MAIL_SENDER"]))
        except (OSError, smtplib.SMTPException) as exc:
            message.last_error = str(exc)[:1000]
            if message.attempts >= config.get("MAIL_MAX_ATTEMPTS", 5):
                message.status = "failed"
                failed += 1
            else:
                message.next_attempt_at = now + timedelta(minutes=2**message.attempts)
                retrying += 1
        else:
            message.status, message.sent_at, message.last_error = "sent", now, None
            sent += 1
    if smtp is not None:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            pass
    session.flush()
    return DeliveryReport(sent, retrying, failed)
