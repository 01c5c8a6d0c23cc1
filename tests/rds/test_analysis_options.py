"""The engine's retention options and stability reach the run form, the stored version and
the report."""

from __future__ import annotations

import io

from pypdf import PdfReader

from tests.factories import login
from tests.rds.test_analysis import SAMPLE, pytestmark, run, version, world  # noqa: F401


def test_retention_options_run_and_reach_the_report(app, client, world) -> None:  # noqa: F811
    sid = world["study"]
    login(client, "psych@a.org")
    assert run(client, sid).status_code == 302
    stricter = run(client, sid, importance_rule="lower-bound", criticality_min="4")
    assert stricter.status_code == 302
    first, second = version(app, 1, sid), version(app, 2, sid)
    assert second["options"]["importance_rule"] == "lower-bound"
    assert second["options"]["criticality_min"] == 4.0
    assert second["result"]["options"]["min_respondents"] == 100  # the study's minimum
    kept = [sum(t["retained"] for t in v["result"]["tasks"]) for v in (first, second)]
    assert kept[1] <= kept[0]
    shares = [t["bootstrap_retained"] for t in first["result"]["tasks"]]
    assert all(s is not None and 0 <= s <= 1 for s in shares)
    pdf = client.get(f"/studies/{sid}/analysis/2/report.pdf").data
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "the lower limit of the 95% confidence interval of its mean importance" in text
    assert "its criticality is at least 4.00" in text
    assert "Stability of the retention decisions" in text and "seed 15" in text
    assert "Reliability by performance domain" in text
    assert "Missing-data policy:" in text
    bad = run(client, sid, importance_basis="nobody")
    assert bad.status_code == 400
