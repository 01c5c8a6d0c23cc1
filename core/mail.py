"""The outbox: every email is stored first, then delivered over SMTP by `flask mail send`."""

from __future__ import annotations

import re
import smtplib
from dataclasses import dataclass
from datetime import timedelta
from email.errors import MessageError
from email.message import EmailMessage
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core.models import OutboxMessage, utcnow

_LINE_BREAK = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


SUBJECT_MAX = 200  # OutboxMessage.subject's length


def one_line_subject(subject: str) -> str:
    """A subject on one line that fits its column (built from a long name, say)."""
    one_line = " ".join(_LINE_BREAK.sub(" ", subject).split())
    if len(one_line) > SUBJECT_MAX:
        one_line = one_line[: SUBJECT_MAX - 1].rstrip() + "…"
    return one_line


def queue(
    session: Session, to: str, subject: str, body: str, board_id: int | None = None
) -> OutboxMessage:
    """Put a message in the outbox; it is sent by the next `flask mail send`.

    The subject is made one line whatever it was built from (a header cannot hold a line
    break); forms strip such characters already, this guards text from anywhere else.
    """
    message = OutboxMessage(
        to_addr=to, subject=one_line_subject(subject), body_text=body, board_id=board_id
    )
    session.add(message)
    session.flush()
    return message


def queue_many(
    session: Session, messages: list[tuple[str, str, str]], board_id: int | None = None
) -> int:
    """Put many messages (to, subject, body) in the outbox in one multi-row INSERT."""
    if not messages:
        return 0
    now = utcnow()
    rows = [
        {
            "to_addr": to,
            "subject": one_line_subject(subject),
            "body_text": body,
            "board_id": board_id,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for to, subject, body in messages
    ]
    session.execute(insert(OutboxMessage), rows)
    return len(rows)


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
    """Send every due pending message, each in a transaction of its own.

    Unlike the services, this job commits: once a message went out over SMTP it cannot be
    taken back, so its "sent" mark is committed before the next one is sent, and a crash
    midway never sends the earlier messages again. A message that cannot be built is marked
    failed with the reason; a delivery failure is retried with back-off, then marked failed.
    Call it with nothing else pending in the session: the first commit would take it along.
    """
    due_ids = list(
        session.execute(
            select(OutboxMessage.id)
            .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= utcnow())
            .order_by(OutboxMessage.id)
        ).scalars()
    )
    counts = {"sent": 0, "retrying": 0, "failed": 0}
    if not due_ids:
        return DeliveryReport(0, 0, 0)
    connection = _Connection(config)
    try:
        for message_id in due_ids:
            outcome = _deliver_one(session, message_id, config, connection, echo)
            session.commit()
            if outcome:
                counts[outcome] += 1
    finally:
        connection.close()
    return DeliveryReport(counts["sent"], counts["retrying"], counts["failed"])


class _Connection:
    """One SMTP connection for a run, opened when the first message needs it."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.smtp: smtplib.SMTP | None = None
        self.error: str | None = None

    def send(self, email: EmailMessage) -> None:
        if self.config.get("MAIL_PRINT"):
            return
        if self.error is not None:
            raise smtplib.SMTPException(self.error)
        if self.smtp is None:
            config = self.config
            try:
                self.smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10)
                if config.get("MAIL_USE_TLS"):
                    self.smtp.starttls()
                if config.get("MAIL_USERNAME"):
                    self.smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            except (OSError, smtplib.SMTPException) as exc:
                self.smtp = None
                self.error = f"cannot reach mail server {config['MAIL_SERVER']}: {exc}"
                raise smtplib.SMTPException(self.error) from exc
        try:
            self.smtp.send_message(email)
        except (OSError, smtplib.SMTPServerDisconnected) as exc:
            # the connection is gone: the rest of this run waits for the next one
            self.error = f"lost the mail server connection: {exc}"
            self.close()
            raise

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self.smtp = None


# the random part of a one-time link (activation, password reset, survey invitation): 32 or
# more URL-safe characters after a slash or an equals sign
_ONE_TIME_TOKEN = re.compile(r"(?<=[/=])[A-Za-z0-9_-]{32,}")


def without_one_time_links(text: str) -> str:
    """The text with the secret part of every one-time link removed: what the outbox keeps
    once a message is delivered (a delivered link is the recipient's alone)."""
    return _ONE_TIME_TOKEN.sub("[removed after delivery]", text)


def _deliver_one(
    session: Session,
    message_id: int,
    config: dict[str, Any],
    connection: _Connection,
    echo: Any,
) -> str | None:
    """Send one message and mark it; None when another run took it meanwhile."""
    message = session.execute(
        select(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == "pending")
        .with_for_update(skip_locked=True)
    ).scalar()
    if message is None:
        return None
    now = utcnow()
    message.attempts += 1
    try:
        email = _as_email(message, config["MAIL_SENDER"])
    except (ValueError, TypeError, LookupError, MessageError) as exc:
        message.status, message.last_error = "failed", f"cannot build the message: {exc}"[:1000]
        session.flush()
        return "failed"
    try:
        if config.get("MAIL_PRINT") and echo:
            echo(f"To: {message.to_addr}\nSubject: {message.subject}\n\n{message.body_text}\n")
        connection.send(email)
    except (OSError, smtplib.SMTPException) as exc:
        message.last_error = str(exc)[:1000]
        if message.attempts >= config.get("MAIL_MAX_ATTEMPTS", 5):
            message.status = "failed"
            outcome = "failed"
        else:
            message.next_attempt_at = now + timedelta(minutes=2**message.attempts)
            outcome = "retrying"
    else:
        message.status, message.sent_at, message.last_error = "sent", now, None
        message.body_text = without_one_time_links(message.body_text)
        outcome = "sent"
    session.flush()
    return outcome
