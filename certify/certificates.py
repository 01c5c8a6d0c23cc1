"""Wall certificate and wallet card PDFs for a credential: plain data in, PDF bytes out.

Only what the public verification page shows is printed (board, holder, credential, number,
dates, endorsements, status). Nothing about health or lived experience is ever passed in.
"""

from __future__ import annotations

import io
import itertools
import math
from dataclasses import dataclass
from datetime import date, datetime

from reportlab.lib import colors
from reportlab.lib.pagesizes import landscape, letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from core.pdf import (
    GOLD,
    INK,
    LIGHT,
    MUTED,
    NAVY,
    SANS,
    SANS_BOLD,
    SERIF_BOLD,
    SERIF_ITALIC,
    draw_paragraph,
    draw_qr,
    draw_text,
    draw_watermark,
    fit_font_size,
    generated_label,
    new_canvas,
)

STATUSES = ("provisional", "active", "expired", "inactive", "suspended", "revoked")
VALID_FOR_PRACTICE = ("provisional", "active")
# the badge colours of the web pages (UI.md): same colour, same status, everywhere
STATUS_COLOURS = {
    "active": colors.HexColor("#1e7b3c"),
    "provisional": colors.HexColor("#1f5fa8"),
    "expired": colors.HexColor("#5f666d"),
    "inactive": colors.HexColor("#5f666d"),
    "suspended": colors.HexColor("#c4610f"),
    "revoked": colors.HexColor("#b42318"),
}
WALLET_CARD_SIZE = (3.375 * inch, 2.125 * inch)
PAPER = colors.HexColor("#fdfbf5")


@dataclass(frozen=True)
class CertificateData:
    """What a certificate or wallet card shows about one credential."""

    board_name: str
    jurisdiction: str
    holder_name: str
    credential_type: str
    credential_number: str
    status: str
    issued_on: date
    expires_on: date
    endorsements: tuple[str, ...]
    verify_url: str
    generated_at: datetime


def validate(data: CertificateData) -> None:
    """Raise ValueError naming the first field that cannot be printed as given."""
    for name in ("board_name", "holder_name", "credential_type", "credential_number"):
        value = getattr(data, name)
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{name}: must not be empty")
    if data.status not in STATUSES:
        raise ValueError(f"status: {data.status!r} is not one of {', '.join(STATUSES)}")
    if data.expires_on < data.issued_on:
        raise ValueError(f"expires_on: {data.expires_on} is before issued_on {data.issued_on}")
    if any(not isinstance(e, str) or not e.strip() for e in data.endorsements):
        raise ValueError("endorsements: every endorsement needs a name")
    if not data.verify_url.startswith(("https://", "http://")):
        raise ValueError("verify_url: must be an http(s) address")
    if data.generated_at.tzinfo is None:
        raise ValueError("generated_at: must be timezone-aware (UTC)")


def effective_status(data: CertificateData, as_of: date) -> str:
    """Return the status to show on as_of: active or provisional past expiry reads expired."""
    validate(data)
    if data.status in VALID_FOR_PRACTICE and as_of > data.expires_on:
        return "expired"
    return data.status


def _article(noun: str) -> str:
    return "an" if noun[:1].lower() in "aeiou" else "a"


def status_sentence(data: CertificateData, as_of: date) -> str:
    """Return the public one-line status, e.g. "Active — may practice as ... until 2027-06-30"."""
    status = effective_status(data, as_of)
    kind = data.credential_type
    if status in VALID_FOR_PRACTICE:
        return (
            f"{status.capitalize()} — may practice as {_article(kind)} {kind} "
            f"until {data.expires_on.isoformat()}"
        )
    return {
        "expired": f"Expired on {data.expires_on.isoformat()} — not valid for practice",
        "revoked": "Revoked — not valid for practice",
        "suspended": "Suspended — not valid for practice while suspended",
        "inactive": "Inactive (by request) — not valid for practice",
    }[status]


def _watermark_if_invalid(canv: Canvas, status: str, angle: float) -> None:
    if status not in VALID_FOR_PRACTICE:
        draw_watermark(canv, status.upper(), STATUS_COLOURS[status], angle=angle)


def _centred(canv: Canvas, text: str, font: str, size: float, x: float, y: float,
             max_width: float, colour: colors.Color = INK, spacing: float = 0) -> None:  # fmt: skip
    draw_text(canv, text, x, y, font, size, colour, align="centre", max_width=max_width,
              spacing=spacing)  # fmt: skip


def _halves(text: str) -> tuple[str, str]:
    """Split text at the space nearest its middle (the whole text first if it has none)."""
    spaces = [index for index, char in enumerate(text) if char == " "]
    if not spaces:
        return text, ""
    cut = min(spaces, key=lambda index: abs(index - len(text) / 2))
    return text[:cut], text[cut + 1 :]


def _guilloche_band(canv: Canvas, inset: float, band: float) -> None:
    """Draw interlaced waves around the page between inset and inset + band."""
    width, height = canv._pagesize
    mid = inset + band / 2
    corners = [(mid, mid), (width - mid, mid), (width - mid, height - mid), (mid, height - mid)]
    # one cubic Bezier per half sine wave: control points at 4/(3*pi) of the span, 4/3 high
    reach, lift = 4 / (3 * math.pi), 4 / 3
    canv.saveState()
    for amplitude, colour, line in ((band * 0.42, GOLD, 0.55), (band * 0.22, NAVY, 0.35)):
        canv.setStrokeColor(colour)
        canv.setLineWidth(line)
        for sign in (1, -1):
            path = canv.beginPath()
            path.moveTo(*corners[0])
            for side in range(4):
                (x0, y0), (x1, y1) = corners[side], corners[(side + 1) % 4]
                halves = max(2, round(math.hypot(x1 - x0, y1 - y0) / 9))
                dx, dy = (x1 - x0) / halves, (y1 - y0) / halves
                nx, ny = -dy / math.hypot(dx, dy), dx / math.hypot(dx, dy)
                for half in range(halves):
                    bx, by = x0 + dx * half, y0 + dy * half
                    up = sign * amplitude * lift * (1 if half % 2 == 0 else -1)
                    path.curveTo(
                        bx + dx * reach + nx * up,
                        by + dy * reach + ny * up,
                        bx + dx * (1 - reach) + nx * up,
                        by + dy * (1 - reach) + ny * up,
                        bx + dx,
                        by + dy,
                    )
            path.close()
            canv.drawPath(path, stroke=1, fill=0)
    canv.restoreState()


def _border(canv: Canvas) -> None:
    width, height = canv._pagesize
    canv.saveState()
    canv.setFillColor(PAPER)
    canv.rect(0, 0, width, height, stroke=0, fill=1)
    canv.setStrokeColor(NAVY)
    canv.setLineWidth(2.5)
    canv.rect(22, 22, width - 44, height - 44)
    _guilloche_band(canv, 25, 15)
    canv.setLineWidth(0.9)
    canv.rect(42, 42, width - 84, height - 84)
    canv.setStrokeColor(GOLD)
    canv.setLineWidth(0.4)
    canv.rect(46, 46, width - 92, height - 92)
    canv.setFillColor(NAVY)
    for x, y in itertools.product((32.5, width - 32.5), (32.5, height - 32.5)):
        canv.saveState()
        canv.translate(x, y)
        canv.rotate(45)
        canv.rect(-5, -5, 10, 10, stroke=0, fill=1)
        canv.restoreState()
    canv.restoreState()


def _seal(canv: Canvas, data: CertificateData, cx: float, cy: float, radius: float) -> None:
    """Draw a rosette seal with the board's name running round its ring."""
    canv.saveState()
    path = canv.beginPath()
    for k in range(72):  # 36 points alternating between two radii
        reach = radius if k % 2 == 0 else radius * 0.92
        point = (cx + reach * math.cos(math.pi * k / 36), cy + reach * math.sin(math.pi * k / 36))
        (path.lineTo if k else path.moveTo)(*point)
    path.close()
    canv.setFillColor(GOLD)
    canv.drawPath(path, stroke=0, fill=1)
    canv.setFillColor(PAPER)
    canv.circle(cx, cy, radius * 0.84, stroke=0, fill=1)
    canv.setStrokeColor(NAVY)
    canv.setLineWidth(0.8)
    canv.circle(cx, cy, radius * 0.8, stroke=1, fill=0)
    canv.circle(cx, cy, radius * 0.55, stroke=1, fill=0)
    text_radius = radius * 0.6
    ring = f"{data.board_name.upper()} • {data.jurisdiction.upper()} • "
    if not data.jurisdiction.strip() or stringWidth(ring, SANS_BOLD, 4.5) > 6 * text_radius:
        ring = f"{data.board_name.upper()} • "  # too long for both: the board alone
    size = min(7.0, 2 * math.pi * text_radius * 0.95 / stringWidth(ring, SANS_BOLD, 1))
    stretch = 2 * math.pi * text_radius / stringWidth(ring, SANS_BOLD, size)
    canv.setFillColor(NAVY)
    angle = math.pi / 2  # start at the top and run clockwise
    ring_text = canv.beginText()
    ring_text.setFont(SANS_BOLD, size)
    for char in ring:
        glyph = stringWidth(char, SANS_BOLD, size)
        advance = glyph * stretch / text_radius
        middle = angle - advance / 2
        cos, sin = math.cos(middle - math.pi / 2), math.sin(middle - math.pi / 2)
        x = cx + text_radius * math.cos(middle) - glyph / 2 * cos
        y = cy + text_radius * math.sin(middle) - glyph / 2 * sin
        ring_text.setTextTransform(cos, sin, -sin, cos, x, y)
        ring_text.textOut(char)
        angle -= advance
    canv.drawText(ring_text)
    _centred(canv, "CERTIFIED", SANS_BOLD, 6.5, cx, cy + 2, radius, NAVY, spacing=0.6)
    _centred(canv, str(data.issued_on.year), SERIF_BOLD, 10, cx, cy - 10, radius, NAVY)
    canv.restoreState()


def _signature_line(canv: Canvas, x0: float, x1: float, y: float, role: str) -> None:
    canv.setStrokeColor(INK)
    canv.setLineWidth(0.6)
    canv.line(x0, y, x1, y)
    _centred(canv, role, SANS, 8.5, (x0 + x1) / 2, y - 12, x1 - x0, MUTED)


def wall_certificate(data: CertificateData) -> bytes:
    """Return a landscape-letter wall certificate PDF for the credential."""
    validate(data)
    as_of = data.generated_at.date()
    status = effective_status(data, as_of)
    buffer = io.BytesIO()
    canv = new_canvas(
        buffer,
        landscape(letter),
        title=f"{data.credential_type} certificate — {data.holder_name}",
        author=data.board_name,
        subject=f"Wall certificate {data.credential_number}",
        generated_at=data.generated_at,
    )
    width, _ = landscape(letter)
    cx = width / 2
    _border(canv)
    one_line = fit_font_size(data.board_name, SERIF_BOLD, 28, 620) >= 20
    if data.jurisdiction.strip():
        jurisdiction_y = 524 if one_line else 536
        jurisdiction = data.jurisdiction.upper()
        _centred(canv, jurisdiction, SANS, 10, cx, jurisdiction_y, 560, GOLD, spacing=2.2)
    ornament_y = 478.0
    if one_line:
        _centred(canv, data.board_name, SERIF_BOLD, 28, cx, 494, 620, NAVY)
    else:  # a long name reads better on two lines than shrunk on one
        first, second = _halves(data.board_name)
        size = min(fit_font_size(line, SERIF_BOLD, 22, 620) for line in (first, second))
        _centred(canv, first, SERIF_BOLD, size, cx, 510, 620, NAVY)
        _centred(canv, second, SERIF_BOLD, size, cx, 510 - size * 1.15, 620, NAVY)
        ornament_y = 510 - size * 1.15 - 11
    canv.setStrokeColor(GOLD)
    canv.setLineWidth(0.8)
    canv.line(cx - 110, ornament_y, cx - 8, ornament_y)
    canv.line(cx + 8, ornament_y, cx + 110, ornament_y)
    canv.setFillColor(GOLD)
    canv.circle(cx, ornament_y, 2.4, stroke=0, fill=1)
    _centred(canv, "hereby certifies that", SERIF_ITALIC, 16, cx, 446, 600, INK)
    _centred(canv, data.holder_name, SERIF_BOLD, 40, cx, 398, 600, INK)
    canv.setStrokeColor(GOLD)
    canv.line(cx - 220, 386, cx + 220, 386)
    having_met = "having met the requirements of the Board, is certified as"
    _centred(canv, having_met, SERIF_ITALIC, 14, cx, 362, 600, INK)
    _centred(canv, data.credential_type, SERIF_BOLD, 25, cx, 332, 620, NAVY)
    if data.endorsements:
        endorsed = "with endorsements: " + " · ".join(data.endorsements)
        _centred(canv, endorsed, SERIF_ITALIC, 13, cx, 310, 600, INK)
    details = (
        ("CREDENTIAL NUMBER", data.credential_number),
        ("ISSUED", data.issued_on.isoformat()),
        ("EXPIRES", data.expires_on.isoformat()),
    )
    for column, (label, value) in enumerate(details):
        x = cx + (column - 1) * 170
        _centred(canv, label, SANS, 7.5, x, 282, 160, MUTED, spacing=1.2)
        _centred(canv, value, SERIF_BOLD, 14, x, 265, 160, INK)
    sentence = f"Status on {as_of.isoformat()}: {status_sentence(data, as_of)}"
    colour = STATUS_COLOURS[status]
    if status in VALID_FOR_PRACTICE:
        _centred(canv, sentence, SANS, 9.5, cx, 238, 600, colour)
    else:
        canv.setStrokeColor(colour)
        canv.setLineWidth(1.2)
        canv.roundRect(cx - 270, 226, 540, 24, 4, stroke=1, fill=0)
        _centred(canv, sentence, SANS_BOLD, 11, cx, 234, 520, colour)
    _seal(canv, data, 142, 146, 56)
    _signature_line(canv, 238, 412, 122, "Board chair")
    _signature_line(canv, 440, 614, 122, "Executive director")
    draw_qr(canv, data.verify_url, 648, 106, 86)
    _centred(canv, "Scan to verify", SANS, 7.5, 691, 98, 90, MUTED)
    footer = f"Verify at {data.verify_url} · {generated_label(data.generated_at)}"
    _centred(canv, footer, SANS, 7.5, cx, 58, 680, MUTED)
    _watermark_if_invalid(canv, status, angle=24)
    canv.showPage()
    canv.save()
    return buffer.getvalue()


def _wrapped(canv: Canvas, text: str, top: float, width: float, size: float, font: str,
             colour: colors.Color) -> float:  # fmt: skip
    """Draw wrapped text at the card's left margin; return the y of its bottom edge."""
    style = ParagraphStyle("card", fontName=font, fontSize=size, leading=size * 1.25,
                           textColor=colour, splitLongWords=1)  # fmt: skip
    return draw_paragraph(canv, text, 10, top, width, style)


def _card_front(canv: Canvas, data: CertificateData, status: str) -> None:
    width, height = WALLET_CARD_SIZE
    colour = STATUS_COLOURS[status]
    canv.setFillColor(NAVY)
    canv.rect(0, height - 34, width, 34, stroke=0, fill=1)
    canv.setFillColor(GOLD)
    canv.rect(0, height - 36, width, 2, stroke=0, fill=1)
    draw_text(canv, data.board_name, 10, height - 15, SERIF_BOLD, 9.5, colors.white,
              max_width=width - 20)  # fmt: skip
    draw_text(canv, data.jurisdiction.upper(), 10, height - 26, SANS, 6, LIGHT)
    draw_text(canv, data.holder_name, 10, 96, SANS_BOLD, 11.5, INK, max_width=150)
    bottom = _wrapped(canv, data.credential_type, 92, 150, 6.5, SANS, NAVY)
    rows = (("Number", data.credential_number), ("Expires", data.expires_on.isoformat()))
    for index, (label, value) in enumerate(rows):
        y = min(bottom - 11, 72) - index * 11
        draw_text(canv, label, 10, y, SANS, 6, MUTED)
        draw_text(canv, value, 42, y, SANS_BOLD, 7.5, INK, max_width=118)
    badge = status.upper()
    badge_width = stringWidth(badge, SANS_BOLD, 7) + 12
    canv.setFillColor(colour)
    canv.roundRect(10, 14, badge_width, 13, 3, stroke=0, fill=1)
    draw_text(canv, badge, 10 + badge_width / 2, 18.2, SANS_BOLD, 7, colors.white, align="centre")
    if status not in VALID_FOR_PRACTICE:
        draw_text(canv, "Not valid for practice", 16 + badge_width, 18.2, SANS_BOLD, 6.5, colour)
    draw_qr(canv, data.verify_url, width - 72, 30, 64)
    draw_text(canv, "Scan to verify", width - 40, 22, SANS, 5.5, MUTED, align="centre")


def _card_back(canv: Canvas, data: CertificateData, status: str, as_of: date) -> None:
    width, height = WALLET_CARD_SIZE
    canv.setFillColor(GOLD)
    canv.rect(0, height - 4, width, 4, stroke=0, fill=1)
    inner, y = width - 20, height - 18
    draw_text(canv, "ENDORSEMENTS", 10, y, SANS, 6, MUTED)
    endorsed = ", ".join(data.endorsements) if data.endorsements else "None"
    y = _wrapped(canv, endorsed, y - 3, inner, 8, SANS_BOLD, INK) - 9
    draw_text(canv, "ISSUED · EXPIRES", 10, y, SANS, 6, MUTED)
    dates = f"{data.issued_on.isoformat()} · {data.expires_on.isoformat()}"
    draw_text(canv, dates, 10, y - 10, SANS_BOLD, 8, INK)
    sentence = f"Status on {as_of.isoformat()}: {status_sentence(data, as_of)}"
    font = SANS if status in VALID_FOR_PRACTICE else SANS_BOLD
    y = _wrapped(canv, sentence, y - 20, inner, 7, font, STATUS_COLOURS[status]) - 8
    draw_text(canv, "Check the current status at", 10, y, SANS, 6, MUTED)
    draw_text(canv, data.verify_url, 10, y - 9, SANS, 7, NAVY, max_width=inner)
    footer = f"{data.credential_number} · {generated_label(data.generated_at)}"
    draw_text(canv, footer, 10, 8, SANS, 5, MUTED)


def wallet_card(data: CertificateData) -> bytes:
    """Return a two-page (front, back) credit-card-size PDF for the credential."""
    validate(data)
    as_of = data.generated_at.date()
    status = effective_status(data, as_of)
    buffer = io.BytesIO()
    canv = new_canvas(
        buffer,
        WALLET_CARD_SIZE,
        title=f"{data.credential_type} wallet card — {data.holder_name}",
        author=data.board_name,
        subject=f"Wallet card {data.credential_number}",
        generated_at=data.generated_at,
    )
    _card_front(canv, data, status)
    _watermark_if_invalid(canv, status, angle=24)
    canv.showPage()
    _card_back(canv, data, status, as_of)
    _watermark_if_invalid(canv, status, angle=24)
    canv.showPage()
    canv.save()
    return buffer.getvalue()
