"""Benchmark of the RDS analysis page's charts (issue 16, "Charts that appear at once").

    python bench/rds_charts_bench.py [--repeat 3]

Builds the app on a fresh SQLite database, imports the shared RDS sample into a study, runs
the analysis through the page, then requests each of the page's seven charts as the browser
does: the first view (drawn by matplotlib and stored in the chart cache), a repeat view
(served from the cache), and a revalidation with the ETag (304, no body). Prints
milliseconds per chart and in total. The very first chart also pays matplotlib's one-off
start-up (fonts), so one chart is drawn before timing. Not part of the test run.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from core.config import TestingConfig  # noqa: E402
from core.extensions import db  # noqa: E402
from core.models import Role, User  # noqa: E402
from rds.analysis import charts  # noqa: E402
from rds.models import Study  # noqa: E402
from rds.scope.transfer import import_scope  # noqa: E402
from rds.survey.response_files import import_responses  # noqa: E402
from rds.survey.services import add_default_questions  # noqa: E402
from tests.factories import create_board, create_user, login  # noqa: E402
from tests.shared import RDS_SAMPLE  # noqa: E402

CHARTS = (
    "scatter",
    "domains",
    "reliability",
    "demographics-role",
    "demographics-years_experience",
    "demographics-setting",
    "demographics-region",
)
RUN = {"method": "multiplicative", "importance_min": "2.0", "performing_min": "0.5",
       "items": "120", "min_per_domain": "0", "min_group": "30"}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="repeat views timed per chart")
    args = parser.parse_args(argv)
    if RDS_SAMPLE is None:
        print("shared RDS sample not found (set PEERCERT_SHARED)")
        return 1
    folder = Path(tempfile.mkdtemp(prefix="rds-charts-bench-"))
    try:
        config = {k: getattr(TestingConfig, k) for k in dir(TestingConfig) if k.isupper()}
        config |= {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite'}",
            "WTF_CSRF_ENABLED": False,
            "LOGIN_RATE_LIMIT": "1000 per minute",
            "UPLOAD_FOLDER": str(folder / "uploads"),
            "RDS_CHART_CACHE": str(folder / "charts"),
            "RDS_CHART_WARM": False,  # time the first view's drawing (a run draws them ahead)
        }
        app = create_app(config)
        with app.app_context():
            db.create_all()
            board = create_board(db.session, "bench")
            psych = create_user(db.session, "psych@bench.org", [(Role.PSYCHOMETRICIAN, board)])
            study = Study(board_id=board.id, title="Bench RDS", started_on=date(2026, 1, 5),
                          incumbents=1500, created_by_id=psych.id)  # fmt: skip
            db.session.add(study)
            db.session.flush()
            actor = db.session.get(User, psych.id)
            assert actor is not None
            tasks = (RDS_SAMPLE / "tasks.csv").read_bytes()
            import_scope(db.session, actor, study, tasks, "tasks.csv", replace=False)
            add_default_questions(db.session, actor, study)
            responses = (RDS_SAMPLE / "responses.csv").read_bytes()
            import_responses(db.session, actor, study, responses, "responses.csv",
                             date(2026, 3, 1))  # fmt: skip
            db.session.commit()
            sid = study.id
        client = app.test_client()
        login(client, "psych@bench.org")
        assert client.post(f"/studies/{sid}/analysis", data=RUN).status_code == 302
        charts.reliability_chart({})  # matplotlib's one-off start-up, not a chart's cost

        def timed(url: str, **headers: str) -> tuple[float, int]:
            start = time.perf_counter()
            response = client.get(url, headers=headers)
            return (time.perf_counter() - start) * 1000, response.status_code

        print(
            f"RDS analysis charts, shared sample; milliseconds per request (repeat {args.repeat})"
        )
        print(f"{'chart':32} {'uncached':>9} {'first view':>11} {'repeat':>8} {'304':>6}")
        totals = [0.0, 0.0, 0.0, 0.0]
        for name in CHARTS:
            url = f"/studies/{sid}/analysis/1/charts/{name}.png"
            app.config["RDS_CHART_CACHE"] = ""  # every view drew its chart before the cache
            uncached = min(timed(url)[0] for _ in range(args.repeat))
            app.config["RDS_CHART_CACHE"] = str(folder / "charts")
            first, status = timed(url)
            assert status == 200
            etag = client.get(url).headers["ETag"]
            repeat = min(timed(url)[0] for _ in range(args.repeat))
            revalidate = min(timed(url, **{"If-None-Match": etag})[0] for _ in range(args.repeat))
            assert timed(url, **{"If-None-Match": etag})[1] == 304
            row = (uncached, first, repeat, revalidate)
            totals = [t + r for t, r in zip(totals, row, strict=True)]
            print(f"{name:32} {uncached:9.1f} {first:11.1f} {repeat:8.1f} {revalidate:6.1f}")
        u, f, r, v = totals
        print(f"{'all seven':32} {u:9.1f} {f:11.1f} {r:8.1f} {v:6.1f}")
        print("uncached: drawn on every view (as before the cache); first view: drawn and")
        print("cached (with RDS_CHART_WARM on, a run draws them ahead and the first view is a")
        print("repeat); repeat: read from the cache; 304: revalidated with the ETag, no body")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
