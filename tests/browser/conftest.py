"""A live server on loopback and Debian's chromium driven by Playwright."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import event
from werkzeug.serving import make_server

from app import create_app
from core.models import User
from tests.conftest import app_config
from tests.logcapture import captured_logs

CHROMIUM = os.environ.get("PEERCERT_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@dataclass
class BrowserRunLog:
    """What the application logged while the browser tests ran, and the people (emails and
    names) that existed or were created meanwhile: the log must name none of them."""

    lines: list[str] = field(default_factory=list)
    people: set[str] = field(default_factory=set)


@pytest.fixture(scope="session")
def browser_run_log(app) -> Iterator[BrowserRunLog]:  # type: ignore[no-untyped-def]
    run = BrowserRunLog()

    def remember(mapper: object, connection: object, user: User) -> None:
        run.people.update(v for v in (user.email, user.full_name) if v)

    event.listen(User, "after_insert", remember)
    try:
        with captured_logs(app.logger.name) as lines:
            run.lines = lines
            yield run
    finally:
        event.remove(User, "after_insert", remember)


@pytest.fixture(scope="session")
def live_server(app, database_url, tmp_path_factory, browser_run_log) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The app served over HTTP with CSRF on, sharing the tests' database; what it logs is
    kept in browser_run_log."""
    config = app_config(database_url, tmp_path_factory.mktemp("live"))
    config["WTF_CSRF_ENABLED"] = True
    live = create_app(config)
    server = make_server("127.0.0.1", 0, live, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"chromium not found at {CHROMIUM}: browser tests cannot run on CI")
        pytest.skip(reason=f"browser tests need Debian's chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def screenshot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
