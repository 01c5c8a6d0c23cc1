"""Every route that is not public by design sends an anonymous visitor to the login page."""

from __future__ import annotations

from core.models import Role
from tests.factories import login

PUBLIC = {
    "static",
    "bootstrap.static",
    "core.static",
    "certify.static",
    "rds.static",
    "core.index",
    "auth.login",
    "auth.logout",
    "auth.register",
    "auth.activate",
    "auth.resend_activation",
    "auth.forgot_password",
    "auth.reset_password",
    "core.healthz",  # for load balancers and monitoring; says only "ok" or "unavailable"
    # the credential verification page and the anonymous survey / SME vote pages
    "certify.verify_credential",
    "rds.survey_public",
    "rds.survey_invited",
    "rds.survey_page",
    "rds.survey_resume",
    "rds.survey_review",
    "rds.survey_thanks",
    "rds.workshop_vote",
    # the board's approved CE courses and the CE provider application form
    "ceu.catalog",
    "ceu.apply_as_provider",
    # verification: the register search, letter PDF and file check; did:web documents,
    # status lists and achievements that any verifier fetches; a wallet's one-time link;
    # the JSON API (lookups public, the bulk check authenticated by an employer API key)
    "verify.lookup",
    "verify.verified_pdf",
    "verify.check_credential",
    "verify.did_document",
    "verify.status_list",
    "verify.achievement",
    "verify.wallet_download",
    "verify_api.credential",
    "verify_api.verifications",
    "verify_api.openapi",
    "verify_api.unknown",
}
# the Employer workspace (verify): an employer's own pages
EMPLOYER_PAGES = {
    "verify.employer_home",
    "verify.create_organization",
    "verify.organization",
    "verify.remove_colleague",
    "verify.rosters",
    "verify.roster_check",
    "verify.roster_export",
    "verify.enroll_roster",
    "verify.changes",
    "verify.mark_changes_seen",
    "verify.monitored",
    "verify.stop_monitoring",
    "verify.api_keys",
    "verify.revoke_api_key",
}
# renewal (certify) and continuing education (ceu): pages for holders and for board staff
RENEWAL_AND_CE_PAGES = {
    "certify.renew_credential",
    "certify.board_renewals",
    "certify.board_renewal",
    "certify.renewal_policy",
    "ceu.my_ce",
    "ceu.board_ce",
    "ceu.provider_roster",
    "ceu.provider_review",
}
# the RDS SME review's direct judgments of the domain weights (issue 15): staff only
RDS_JUDGMENT_ROUTES = {"rds.analysis_judgment", "rds.analysis_judgment_delete"}
VALUES = {
    "kind": "certificate",
    "status": "accepted",
    "name": "scatter",
    "fmt": "csv",
    "purpose": "revocation",
}


def _urls(app):  # type: ignore[no-untyped-def]
    for rule in app.url_map.iter_rules():
        values = {arg: VALUES.get(arg, 1) for arg in rule.arguments}
        with app.test_request_context():
            from flask import url_for

            yield rule, url_for(rule.endpoint, **values)


def test_public_routes_are_the_ones_modules_declare(app) -> None:  # type: ignore[no-untyped-def]
    """Modules declare their public endpoints in the registry; nothing else is public."""
    from core.modules import registry

    assert registry(app).public_endpoints == PUBLIC


def test_renewal_and_ce_pages_are_guarded(app) -> None:  # type: ignore[no-untyped-def]
    """The renewal and CE pages exist, are not public, and so join the checks below."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert RENEWAL_AND_CE_PAGES <= endpoints
    assert not RENEWAL_AND_CE_PAGES & PUBLIC


def test_rds_weight_judgment_routes_are_guarded(app) -> None:  # type: ignore[no-untyped-def]
    """The judgment routes exist, are not public, and so join the checks below."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert RDS_JUDGMENT_ROUTES <= endpoints
    assert not RDS_JUDGMENT_ROUTES & PUBLIC


def test_every_private_route_requires_login(app) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    checked = 0
    for rule, url in _urls(app):
        if rule.endpoint in PUBLIC:
            continue
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(url, method=method)
        assert response.status_code == 302, (rule.endpoint, url, response.status_code)
        assert "/login" in response.headers["Location"], (rule.endpoint, url)
        checked += 1
    assert checked > 100  # the guard list really covers the application


def test_an_employer_reaches_no_board_or_trainee_page(app, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    """A logged-in person without the right role gets 403 or 404, never a page or a change."""
    board = make_board("ne")
    employer = make_user("boss@example.org", [(Role.EMPLOYER, None)])
    client = app.test_client()
    login(client, employer.email)
    allowed = (
        PUBLIC
        | EMPLOYER_PAGES
        | {
            "core.dashboard",
            "certify.my_credentials",
            "verify.my_badges",
            "auth.change_password",
        }
    )
    for rule, url in _urls(app):
        if rule.endpoint in allowed:
            continue
        url = url.replace("/boards/1", f"/boards/{board.id}")
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(url, method=method)
        assert response.status_code in (403, 404), (rule.endpoint, url, response.status_code)
