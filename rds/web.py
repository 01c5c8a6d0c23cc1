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

# Importing the seams' views registers their routes on bp.
import rds.analysis.views  # noqa: E402,F401
import rds.scope.views  # noqa: E402,F401
import rds.survey.respondent_views  # noqa: E402,F401
import rds.survey.views  # noqa: E402,F401
import rds.workshop.views  # noqa: E402,F401
