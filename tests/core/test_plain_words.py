"""No page shows a raw code where people expect words (issue 16: plain words).

Every demo role logs in and walks the pages its dashboard and board pages link to (two
clicks deep); the visible text of each page (tags, attributes and scripts removed) must
not contain an internal code of the status, document type or endorsement enums, nor a
plural written as "document(s)".
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

from sqlalchemy import select

from certify.models import APPLICATION_STATUSES, DOCUMENT_KINDS, Endorsement
from core import demo
from core.extensions import db
from tests.factories import login

# codes with an underscore never read as words; endorsement codes are checked beside their names
RAW = sorted(
    {code for code in (*APPLICATION_STATUSES, *DOCUMENT_KINDS) if "_" in code}
    | {"board_admin", "board_reviewer", "ce_provider", "platform_admin", "exam_manager"}
)
SKIP = re.compile(r"\.(csv|xlsx|pdf|json|png|svg)(\?|$)|/logout|/export|format=|/download")


def visible_text(page: str) -> str:
    page = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", page)
    page = re.sub(r"(?s)<[^>]+>", " ", page)
    return html.unescape(page)


def links(page: str) -> list[str]:
    found = []
    for href in re.findall(r'href="([^"#]+)"', page):
        href = html.unescape(href)
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not href.startswith("/") or SKIP.search(href):
            continue
        found.append(href)
    return found


def test_no_page_a_demo_role_opens_shows_a_raw_code(app, client) -> None:  # type: ignore[no-untyped-def]
    app.config["ENV_NAME"] = "development"
    with app.app_context():
        accounts = demo.load(db.session)
        db.session.commit()
        endorsements = {e.code: e.name for e in db.session.execute(select(Endorsement)).scalars()}
    problems: list[str] = []
    roles_seen: set[str] = set()
    for account in accounts:
        if account.role in roles_seen:
            continue
        roles_seen.add(account.role)
        login(client, account.email, account.password)
        queue, seen = ["/dashboard"], set()
        depth = {"/dashboard": 0}
        while queue and len(seen) < 60:
            url = queue.pop(0)
            if url in seen:
                continue
            seen.add(url)
            response = client.get(url)
            if response.status_code != 200 or "html" not in (response.content_type or ""):
                continue
            page = response.get_data(as_text=True)
            text = visible_text(page)
            for plural in re.findall(r"\b\w+\(s\)", text):
                if plural != "http(s)":
                    problems.append(f"{account.role}: {url} shows {plural!r}")
            for code in RAW:
                if re.search(rf"(?<![\w/.-]){re.escape(code)}(?![\w/.-])", text):
                    problems.append(f"{account.role}: {url} shows {code!r}")
            # an endorsement code alone (e.g. "A") where its name belongs: a list of codes
            for match in re.finditer(
                r"Endorsements?\s*:?\s*([A-Z]{1,3}(?:,\s*[A-Z]{1,3})*)\b", text
            ):
                codes = [c.strip() for c in match.group(1).split(",")]
                if all(c in endorsements for c in codes):
                    problems.append(f"{account.role}: {url} lists endorsement codes {codes}")
            if depth[url] < 2:
                for link in links(page):
                    if link not in depth:
                        depth[link] = depth[url] + 1
                        queue.append(link)
        client.post("/logout")
    assert not problems, "\n".join(sorted(set(problems)))
