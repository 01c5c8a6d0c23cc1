"""The printable "verified on <date>" letter for one credential: plain data in, PDF bytes out."""

from __future__ import annotations

import io
from datetime import datetime

from reportlab.platypus import Flowable, Spacer, Table, TableStyle

from core.pdf import build_document, data_table, para, qr_drawing
from verify.lookup.services import PublicRecord

QR_SIZE = 92


def verification_letter(record: PublicRecord, checked_at: datetime) -> bytes:
    """A one-page letter stating what the public register showed at checked_at."""
    day = checked_at.strftime("%Y-%m-%d")
    rows = [
        ["Name", record.name],
        ["Credential", record.credential_type],
        ["Number", record.number],
        ["Issued by", f"{record.board_name} ({record.jurisdiction})"],
        ["Status", record.status.capitalize()],
        ["Issued", record.issued_on.isoformat()],
        ["Valid until", record.expires_on.isoformat()],
        ["Endorsements", ", ".join(record.endorsements) or "None"],
    ]
    story: list[Flowable] = [
        para(record.status_sentence, "Heading2"),
        data_table(rows, ["Field", "Public record"], col_widths=["28%", "72%"]),
        Spacer(1, 12),
        para("Public disciplinary actions", "Heading2"),
    ]
    if record.discipline:
        story.append(
            data_table(
                [[n.started_on.isoformat(), n.action, n.summary] for n in record.discipline],
                ["Date", "Action", "Summary"],
                col_widths=["16%", "20%", "64%"],
            )
        )
    else:
        story.append(para("None on record."))
    qr = Table(
        [[qr_drawing(record.verify_url, QR_SIZE),
          para(f"This letter shows the public record as it stood on {day} at "
               f"{checked_at.strftime('%H:%M UTC')}. A credential's status can change at any "
               f"time: scan the code or open {record.verify_url} for the current record.")]],
        colWidths=[QR_SIZE + 12, None],
    )  # fmt: skip
    qr.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    story += [Spacer(1, 18), qr]
    out = io.BytesIO()
    build_document(
        out,
        f"Credential verification — verified on {day}",
        story,
        organisation=record.board_name,
        subtitle=f"{record.credential_type} {record.number}",
        generated_at=checked_at,
    )
    return out.getvalue()
