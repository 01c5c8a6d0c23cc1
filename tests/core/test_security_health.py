"""Operations: /healthz says whether the app can use its database, to anyone, without limit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from app import create_app
from tests.conftest import app_config


def test_healthz_is_ok_when_the_database_answers(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert "Set-Cookie" not in response.headers


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = app_config("postgresql://nobody@127.0.0.1:1/none", tmp_path)
    config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"connect_timeout": 2}}
    response = create_app(config).test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable"}
    assert "127.0.0.1:1" not in response.get_data(as_text=True)


def test_healthz_is_never_rate_limited(database_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # In a process of its own: the limiter keeps its default limits for every app it serves.
    script = f"""
import subprocess
import sys
from pathlib import Path

from app import create_app
from tests.conftest import app_config
config = app_config({database_url!r}, __import__("pathlib").Path({str(tmp_path)!r}))
config["RATELIMIT_DEFAULT"] = "2 per minute"
client = create_app(config).test_client()
print([client.get("/healthz").status_code for _ in range(5)])
print([client.get("/login").status_code for _ in range(3)])
"""
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    healthz, login = result.stdout.splitlines()[-2:]
    assert healthz == str([200] * 5)
    assert login == str([200, 200, 429])  # the default limit does apply to other pages
