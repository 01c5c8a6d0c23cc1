"""The RDS web module's blueprint (kept out of rds/__init__ so `python -m rds` stays light)."""

from flask import Blueprint

import rds.models  # noqa: F401  (tables on the metadata, for migrations)

bp = Blueprint(
    "rds",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/rds-static",
)

import rds.views  # noqa: E402,F401  (routes register on bp)
