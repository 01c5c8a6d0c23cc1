"""Verification: public lookup and API, employers' roster checks and monitoring, signed badges."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Blueprint, Flask, url_for

from certify.hooks import PageLink

if TYPE_CHECKING:
    from certify.models import Credential

bp = Blueprint("verify", __name__, template_folder="templates")


def _settings(app: Flask) -> None:
    """This module's settings, each from the environment (defaults suit development)."""
    env = os.environ.get
    key_dir = env("VC_KEY_DIR") or str(Path(app.instance_path) / "vc-keys")
    if app.config.get("TESTING") and not env("VC_KEY_DIR"):
        key_dir = tempfile.mkdtemp(prefix="peercert-vc-keys-")  # tests leave no key behind
    app.config.setdefault("VC_KEY_DIR", key_dir)
    generate = env("VC_GENERATE_KEYS")
    app.config.setdefault(
        "VC_GENERATE_KEYS",
        app.config.get("ENV_NAME") != "production"
        if generate is None
        else generate.strip().lower() in {"1", "true", "yes", "on"},
    )
    # processes that sign a large batch (issuing hundreds at once, sign-missing); 1: inline
    app.config.setdefault(
        "VC_SIGNING_PROCESSES", int(env("VC_SIGNING_PROCESSES") or os.cpu_count() or 1)
    )
    app.config.setdefault("API_KEY_RATE_LIMIT", env("API_KEY_RATE_LIMIT", "600 per minute"))
    app.config.setdefault("ROSTER_MAX_ROWS", int(env("ROSTER_MAX_ROWS", "5000")))


def init_app(app: Flask) -> None:
    """Plug verification into the app: routes, API, workspace, CLI, hooks, demo data."""
    import verify.badges.views
    import verify.employers.views
    import verify.lookup.views  # noqa: F401  (each seam's routes register on bp)
    import verify.models  # noqa: F401  (every table on the metadata, for migrations)
    from certify import hooks
    from core import modules
    from core.extensions import csrf
    from core.models import Role
    from core.modules import NavEntry, Workspace
    from verify.badges.services import on_credential_changed, on_credentials_issued
    from verify.cli import employers_cli, vc_cli
    from verify.demo import load as load_demo
    from verify.employers.monitoring import changes_waiting
    from verify.employers.monitoring import on_credential_changed as notify
    from verify.lookup.api import api

    _settings(app)
    app.register_blueprint(bp)
    csrf.exempt(api)  # a key or nothing: no cookie carries authority there
    app.register_blueprint(api)

    employer = frozenset({Role.EMPLOYER})
    staff = frozenset({Role.BOARD_ADMIN, Role.BOARD_REVIEWER})
    modules.add_workspace(
        app, Workspace("employer", "Employer", employer, "verify.employer_home", 40)
    )
    modules.add_nav(
        app,
        NavEntry("Overview", "verify.employer_home", employer, workspace="employer", order=10),
        NavEntry("Roster checks", "verify.rosters", employer, workspace="employer", order=20),
        NavEntry(
            "Changes", "verify.changes", employer, workspace="employer", count=changes_waiting,
            order=30,
        ),
        NavEntry("Monitored staff", "verify.monitored", employer, workspace="employer", order=40),
        NavEntry("API keys", "verify.api_keys", employer, workspace="employer", order=50),
        NavEntry("Organization", "verify.organization", employer, workspace="employer", order=60),
        NavEntry(
            "Digital credentials", "verify.my_badges", frozenset({Role.TRAINEE}),
            workspace="certification", order=200,
        ),
        NavEntry("Digital credentials", "verify.board_badges", staff, per_board=True, order=200),
    )  # fmt: skip
    modules.add_cli(app, vc_cli, employers_cli)
    modules.add_demo(app, "verification", load_demo, order=40)
    modules.add_public(
        app,
        "verify.lookup",
        "verify.verified_pdf",
        "verify.check_credential",
        "verify.did_document",
        "verify.status_list",
        "verify.achievement",
        "verify.wallet_download",
        # the API answers with JSON: lookups are public, the bulk check takes an API key
        "verify_api.credential",
        "verify_api.verifications",
        "verify_api.openapi",
        "verify_api.unknown",
    )
    hooks.credential_changed.connect(on_credential_changed)
    hooks.credentials_issued.connect(on_credentials_issued)
    hooks.credential_changed.connect(notify)
    hooks.public_page_links.connect(verification_letter_link)


def verification_letter_link(credential: Credential) -> list[PageLink]:
    """The public page's printable "verified on <date>" letter (verify's own PDF)."""
    url = url_for("verify.verified_pdf", slug=credential.board.slug, number=credential.number)
    return [PageLink("Print a verification letter (PDF)", url)]
