"""Application documents: type sniffed from the bytes, size-limited, stored outside static/."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import IO, Any

from flask import current_app
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload

from certify.models import DOCUMENT_KINDS, Application, ApplicationDocument
from core import audit
from core.models import User

SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)
MAX_BYTES = 5 * 1024 * 1024


class DocumentError(ValueError):
    """The upload is not acceptable; the message says why."""


def sniff(head: bytes) -> tuple[str, str]:
    """The content type and extension from the file's first bytes, whatever its name says."""
    for magic, content_type, extension in SIGNATURES:
        if head.startswith(magic):
            return content_type, extension
    raise DocumentError("Only PDF, JPEG and PNG files are accepted; this file is none of them.")


def upload_quota() -> int:
    """Bytes one person may keep in uploaded files of one kind (UPLOAD_QUOTA_MB, default 100)."""
    megabytes = current_app.config.get("UPLOAD_QUOTA_MB") or os.environ.get("UPLOAD_QUOTA_MB")
    return int(megabytes or 100) * 1024 * 1024


def refuse_over_quota(stored: int, adding: int) -> None:
    """Raise DocumentError when a person's stored bytes plus this file pass the quota."""
    quota = upload_quota()
    if stored + adding > quota:
        raise DocumentError(
            f"You have {stored / 2**20:.1f} MB of files stored here; with this one you would "
            f"pass the limit of {quota // 2**20} MB per person. Contact the board if you need "
            "to upload more."
        )


def storage_dir() -> Path:
    path = Path(current_app.config["UPLOAD_FOLDER"]) / "documents"
    path.mkdir(parents=True, exist_ok=True)
    return path


def save(
    session: Session,
    application: Application,
    uploader: User,
    kind: str,
    filename: str,
    stream: IO[bytes],
) -> ApplicationDocument:
    """Store an uploaded file for an application and record it."""
    if kind not in DOCUMENT_KINDS:
        raise DocumentError(f"Unknown document type {kind!r}.")
    data = stream.read(MAX_BYTES + 1)
    if not data:
        raise DocumentError("The file is empty.")
    if len(data) > MAX_BYTES:
        raise DocumentError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    content_type, extension = sniff(data[:16])
    stored = session.execute(
        select(func.coalesce(func.sum(ApplicationDocument.size_bytes), 0)).where(
            ApplicationDocument.uploaded_by_id == uploader.id
        )
    ).scalar_one()
    refuse_over_quota(int(stored), len(data))
    stored_name = uuid.uuid4().hex + extension
    (storage_dir() / stored_name).write_bytes(data)
    document = ApplicationDocument(
        board_id=application.board_id,
        application_id=application.id,
        kind=kind,
        original_name=Path(filename or "upload").name[:255],
        stored_name=stored_name,
        content_type=content_type,
        size_bytes=len(data),
        uploaded_by_id=uploader.id,
    )
    session.add(document)
    session.flush()
    audit.record(
        session,
        uploader,
        "document.uploaded",
        document,
        after={"kind": kind, "application": application.id, "bytes": len(data)},
    )
    return document


def path_of(document: ApplicationDocument) -> Path:
    return storage_dir() / document.stored_name


def review(session: Session, document: ApplicationDocument, reviewer: User, status: str) -> None:
    if status not in ("accepted", "rejected"):
        raise DocumentError("A document is either accepted or rejected.")
    if document.status == status:
        raise DocumentError(f"{document.original_name} is already {status}; nothing changed.")
    before = document.status
    document.status = status
    session.flush()
    audit.record(
        session,
        reviewer,
        f"document.{status}",
        document,
        before={"status": before},
        after={"status": status},
    )


def board_documents(board_id: int, status: str) -> Select[Any]:
    """A board's uploaded documents with a status, oldest first."""
    query = (
        select(ApplicationDocument)
        .where(ApplicationDocument.board_id == board_id)
        .options(joinedload(ApplicationDocument.application).joinedload(Application.trainee))
    )
    if status:
        query = query.where(ApplicationDocument.status == status)
    return query.order_by(ApplicationDocument.uploaded_at, ApplicationDocument.id)
