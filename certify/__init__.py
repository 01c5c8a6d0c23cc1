"""Certification: board rules, training, supervised hours, applications and credentials."""

from flask import Blueprint

import certify.models  # noqa: F401  (every table on the metadata, for migrations)

bp = Blueprint(
    "certify",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/certify-static",
)

import certify.views  # noqa: E402,F401  (routes register on bp)
