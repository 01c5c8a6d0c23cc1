"""A credential's CE transcript for one cycle: its records and standing as the PDF's data."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from certify.models import Credential
from ceu.models import CeRecord
from ceu.rules.services import board_rules
from ceu.standing import accepted_records, activity_of, cycle_standing
from ceu.transcript import TranscriptData, TranscriptLine, transcript_pdf
from core.models import utcnow


def credential_transcript(
    session: Session, credential: Credential, as_of: date, cycle_end: date | None = None
) -> bytes | None:
    """The PDF for the credential's current cycle, or the one ending on cycle_end."""
    rules = board_rules(session, credential.board_id)
    months = credential.credential_type.cycle_months
    day = cycle_end or as_of
    cycle = rules.cycle(
        credential.credential_type_id,
        months,
        credential.issued_on,
        cycle_end or credential.expires_on,
        day,
    )
    if cycle is None or (cycle_end is not None and cycle.end != cycle_end):
        return None
    records = accepted_records(session, credential.holder_id, [credential.board_id])
    codes = {i: c.code for i, c in rules.categories.items()}
    activities = [activity_of(r, codes) for r in records]
    found = cycle_standing(rules, credential, cycle, activities, as_of)
    if found is None:
        return None
    _, standing = found
    names = {i: c.name for i, c in rules.categories.items()}
    lines = tuple(
        TranscriptLine(
            key=str(r.id),
            completed_on=r.completed_on.isoformat(),
            title=r.title,
            provider=r.provider_name,
            mode=r.delivery_mode,
            categories=", ".join(names.get(p.category_id, "") for p in r.parts),
            source=r.source,
        )
        for r in records
        if r.completed_on in cycle
    )
    pending = session.execute(
        select(func.count(CeRecord.id)).where(
            CeRecord.holder_id == credential.holder_id,
            CeRecord.board_id == credential.board_id,
            CeRecord.status == "pending",
            CeRecord.completed_on >= cycle.start,
            CeRecord.completed_on <= cycle.end,
        )
    ).scalar_one()
    return transcript_pdf(
        TranscriptData(
            board_name=credential.board.name,
            holder_name=credential.holder.full_name,
            credential=f"{credential.credential_type.name} {credential.number}",
            standing=standing,
            lines=lines,
            pending=pending,
            generated_at=utcnow(),
        )
    )
