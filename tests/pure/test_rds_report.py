"""The RDS report PDF and its charts: the engine's numbers as printed, sections, purity."""

from __future__ import annotations

import ast
import io
import os
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from rds.analysis import charts
from rds.analysis.engine import analyze
from rds.report.document import ReportContext, rds_report
from rds.report.sections import alpha_reading, icc_reading
from rds.survey.io import read_survey

ROOT = Path(__file__).resolve().parents[2]
GENERATED = datetime(2026, 11, 23, 14, 5, tzinfo=UTC)
SECTIONS = [
    "1 Executive summary",
    "2 Purpose and scope of service",
    "3 Method",
    "4 SME panel and content validity",
    "5 Sample and population",
    "6 Task ratings",
    "7 Reliability",
    "8 Retention decisions",
    "9 Subgroup comparisons",
    "10 Exam blueprint",
    "11 Limitations",
    "Appendix A: Task and KSA statements",
    "Appendix B: The survey instrument",
    "Appendix C: Full task statistics",
    "Appendix D: SME roster",
    "Appendix E: Approval note",
]
FORBIDDEN = ("flask", "sqlalchemy", "flask_sqlalchemy", "flask_login", "flask_wtf", "werkzeug")


def _sample_dir() -> Path | None:
    candidates = []
    env = os.environ.get("PEERCERT_SHARED")
    if env:
        candidates += [Path(env) / "data" / "rds_sample", Path(env) / "rds_sample", Path(env)]
    candidates.append(ROOT.parent / "shared" / "data" / "rds_sample")
    return next((f for f in candidates if (f / "tasks.csv").is_file()), None)


SAMPLE = _sample_dir()
needs_sample = pytest.mark.skipif(
    SAMPLE is None, reason="shared RDS sample not found (set PEERCERT_SHARED)"
)


def _context(scope: tuple = (), **changes: object) -> ReportContext:
    values: dict[str, object] = {
        "board_name": "Nebraska Peer Support Certification Board",
        "credential_name": "Certified Peer Support Specialist",
        "study_title": "Role Delineation Study 2026",
        "study_version": 2,
        "purpose": "Define the practice of peer support & derive the exam blueprint.",
        "target_audience": "Peer support specialists in behavioral health settings.",
        "minimum_requirements": "High school diploma; 40-hour training; lived experience.",
        "started_on": date(2026, 3, 2),
        "survey_opens_on": date(2026, 6, 1),
        "survey_closes_on": date(2026, 7, 15),
        "incumbents": 1500,
        "invitations": 1200,
        "sme_panel": (("Ana Ruiz", "Peer supervisor, CMHC", 12), ("Ben Ode", "Peer, VA", None)),
        "domains": scope,
        "overrides": (("ER04", False, "Duplicates ER01 after the SME review"),),
        "blueprint_status": "approved",
        "approved_by": "Dr. Jane Smith",
        "approved_on": date(2026, 9, 1),
        "generated_at": GENERATED,
    }
    values.update(changes)
    return ReportContext(**values)  # type: ignore[arg-type]


def _pages(pdf: bytes) -> list[str]:
    """Each page's text with all whitespace runs collapsed to one space."""
    reader = PdfReader(io.BytesIO(pdf))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


@pytest.fixture(scope="module")
def sample() -> tuple[dict, ReportContext, list[str]]:
    assert SAMPLE is not None
    tasks, responses = read_survey(SAMPLE / "tasks.csv", SAMPLE / "responses.csv")
    result = analyze(
        tasks.task_ids,
        tasks.domains,
        responses.importance,
        responses.frequency,
        responses.demographics,
        items=120,
        population=1500,
    ).to_dict()
    scope: dict[str, list] = {}
    for task_id, domain, statement in zip(
        tasks.task_ids, tasks.domains, tasks.statements, strict=True
    ):
        scope.setdefault(domain, []).append((task_id, statement, ("Knowledge of " + task_id,)))
    context = _context(tuple((d, tuple(ts)) for d, ts in scope.items()))
    return result, context, _pages(rds_report(context, result))


def _body(pages: list[str]) -> str:
    """The text after the table of contents (page 3 on)."""
    return " ".join(pages[2:])


@needs_sample
def test_blueprint_table_prints_the_engine_numbers(sample) -> None:
    result, _, pages = sample
    body = _body(pages)
    blueprint = body[body.index("10 Exam blueprint") : body.index("Items per task")]
    for d in result["domains"]:
        row = (
            f"{d['domain']} {d['n_tasks']} {d['n_retained']} {100 * d['weight']:.1f}% {d['items']}"
        )
        assert row in blueprint
    assert sum(d["items"] for d in result["domains"]) == 120
    assert "Total 42 37 100.0% 120" in blueprint and "not set" in blueprint
    assert "Approved by Dr. Jane Smith on 2026-09-01" in blueprint


@needs_sample
def test_items_per_task_and_task_ratings(sample) -> None:
    result, _, pages = sample
    body = _body(pages)
    per_task = body[body.index("Items per task") : body.index("Comparison with the previous")]
    ratings = body[body.index("6 Task ratings") : body.index("7 Reliability")]
    for t in result["tasks"]:
        if t["retained"]:
            assert re.search(rf"{t['task_id']} .*? {100 * t['weight']:.2f}% {t['items']}", per_task)
        mean = f"{t['mean_importance']:.2f} {t['sd_importance']:.2f} {t['se_importance']:.2f}"
        n = t["n_importance"]
        assert f"{t['task_id']} {t['domain']} {n} {mean} {t['mean_frequency']:.2f}" in ratings
    assert "ER04 Ethical Responsibility" in ratings and "No (override)" in ratings


@needs_sample
def test_reliability_prints_alpha_with_ci_and_reading(sample) -> None:
    result, _, pages = sample
    body = _body(pages)
    section = body[body.index("7 Reliability") : body.index("8 Retention decisions")]
    for name, scale in result["scales"].items():
        low, high = scale["alpha_ci95"]
        printed = f"Cronbach's alpha tasks as items {scale['alpha']:.3f} {low:.3f} to {high:.3f}"
        assert printed in section, name
        assert alpha_reading(scale["alpha"]) in {"excellent", "good"}
        shown = scale["mixed"]["icc"] if scale.get("icc_shown") == "mixed" else scale["icc"]
        for form in ("ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"):
            assert f"{shown[form]['value']:.3f}" in section
    assert "Koo and Li (2016)" in section and "nan" not in section.lower().split()


@needs_sample
def test_sections_in_order_with_contents_and_page_numbers(sample) -> None:
    result, _, pages = sample
    contents = pages[1]
    assert "Contents" in contents
    body = _body(pages)
    positions = [body.index(title) for title in SECTIONS]
    assert positions == sorted(positions)
    assert [contents.index(title) for title in SECTIONS] == sorted(
        contents.index(title) for title in SECTIONS
    )
    total = len(pages)
    assert "Page 1 of" in pages[0] and f"Page 1 of {total}" in pages[0]
    assert f"Page {total} of {total}" in pages[-1]
    assert "Generated 2026-11-23 14:05 UTC" in pages[-1]
    survey = body[body.index("3 Method") : body.index("4 SME panel")]
    sample_size = result["sample_size"]
    required = sample_size["required"]
    assert f"Required sample (Cochran, finite population correction) {required}" in survey
    assert f"±{100 * sample_size['margin_of_error']:.1f} percentage points" in survey
    assert "29.2% of the 1,200 invited" in survey  # 350 responses / 1,200 invitations
    for variable, counts in result["demographics"].items():
        for level, count in counts.items():
            assert f"{level} {count}" in body, (variable, level)
    assert "Duplicates ER01 after the SME review" in body and "Knowledge of A01" in body


def _tiny_result() -> dict:
    """A three-task result whose statistics the engine could not compute."""
    icc = {form: {"value": None, "ci95": None} for form in ("ICC1", "ICC2", "ICC3")}
    icc |= {f"{form}k": {"value": None, "ci95": None} for form in ("ICC1", "ICC2", "ICC3")}
    task = {
        "domain": "Advocacy",
        "mean_importance": 3.0,
        "sd_importance": None,
        "mean_frequency": None,
        "pct_performing": None,
        "criticality": None,
        "retained": False,
        "weight": 0.0,
        "items": 0,
    }
    warning = "Cronbach's alpha of the importance ratings needs at least 2 tasks and 2 respondents"
    return {
        "n_respondents": 1,
        "total_items": 10,
        "scales": {
            "importance": {"alpha": None, "alpha_ci95": None, "n_complete": 1, "icc": icc},
            "frequency": {"alpha": 0.75, "alpha_ci95": [0.6, 0.85], "n_complete": 1, "icc": icc},
        },
        "tasks": [dict(task, task_id="A01"), dict(task, task_id="A02", retained_by="override")]
        + [dict(task, task_id="A03")],
        "domains": [{"domain": "Advocacy", "n_tasks": 3, "n_retained": 0, "weight": 0, "items": 0}],
        "subgroups": [{"variable": "role", "level": "Peer", "n": 1, "r": None}],
        "demographics": {},
        "sample_size": {"population": 10, "required": 10, "achieved": 1, "margin_of_error": None},
        "warnings": [
            warning + "; it is null.",
            "Subgroup role=Peer has everyone in it; r is null.",
        ],
        "options": {"items": 10, "importance_min": 2.0, "performing_min": 0.5, "min_group": 1},
    }


def test_null_statistics_print_as_not_computable_with_the_warning() -> None:
    result = _tiny_result()
    context = _context(approved_by=None, approved_on=None, blueprint_status="proposed")
    pdf = rds_report(context, result)
    text = " ".join(_pages(pdf))
    assert "Cronbach's alpha tasks as items not computable not computable not computable" in text
    assert "Not computable: Cronbach's alpha of the importance ratings needs at least 2" in text
    assert "Not computable: Subgroup role=Peer has everyone in it; r is null." in text
    assert "0.750 0.600 to 0.850 acceptable" in text
    assert "Empty: no task was retained and no item is apportioned" in text
    assert "The survey asked no demographic questions." in text
    # an override the engine applied but the context does not explain is still reported
    assert "A02 Advocacy 0 3.00 not computable not computable not computable" in text
    assert "No (override)" in text and "A02 Not retained reason not recorded" in text
    assert "ER04 Not retained Duplicates ER01 after the SME review" in text
    assert "nan" not in text.lower().split()
    assert result == _tiny_result()  # the input is left as it was


def test_readings_follow_the_stated_thresholds() -> None:
    assert [alpha_reading(a) for a in (0.95, 0.90, 0.85, 0.70, 0.69, None)] == [
        "excellent",
        "excellent",
        "good",
        "acceptable",
        "questionable",
        "not computable",
    ]
    assert [icc_reading(v) for v in (0.3, 0.5, 0.75, 0.9, 0.91, None)] == [
        "poor",
        "moderate",
        "good",
        "good",
        "excellent",
        "not computable",
    ]


def test_context_rejects_a_naive_time_and_an_unknown_status() -> None:
    with pytest.raises(ValueError, match="timezone"):
        _context(generated_at=datetime(2026, 11, 23, 14, 5))
    with pytest.raises(ValueError, match="blueprint_status"):
        _context(blueprint_status="draft")


def _png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert 3_000 < len(png) < 400_000
    with Image.open(io.BytesIO(png)) as image:
        assert image.mode == "RGB"
        return image.size


def test_charts_are_png_of_a_fixed_size() -> None:
    result = _tiny_result()
    tasks = [
        {"task_id": "A01", "mean_importance": 3.1, "mean_frequency": 2.5, "retained": True},
        {"task_id": "A02", "mean_importance": 1.2, "mean_frequency": 0.4, "retained": False},
        {"task_id": "A03", "mean_importance": None, "mean_frequency": 1.0, "retained": False},
    ]
    scatter = charts.importance_frequency_scatter(tasks, 2.0, 0.5)
    assert _png_size(scatter) == (960, 735)
    assert _png_size(charts.demographics_bar({"Peer": 3, "Trainee": 1}, "Role")) == (720, 267)
    many = {f"Region {i}": i for i in range(1, 30)}  # pooled into 15 bars
    assert _png_size(charts.demographics_bar(many, "Region")) == (720, 930)
    domains = [{"domain": "Advocacy", "weight": 0.6, "items": 6}, {"domain": "Ethics"}]
    assert _png_size(charts.domain_weights_bar(domains)) == (960, 282)
    assert _png_size(charts.reliability_chart(result["scales"])) == (960, 373)
    with pytest.raises(ValueError, match="negative"):
        charts.demographics_bar({"Peer": -1}, "Role")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            if node.module == "rds":  # from rds import charts
                names.update(f"rds.{alias.name}" for alias in node.names)
    return names


REPORT_MODULES = ["rds/report/document.py", "rds/report/layout.py", "rds/report/sections.py"]


@pytest.mark.parametrize("module", [*REPORT_MODULES, "rds/analysis/charts.py", "core/pdf.py"])
def test_report_modules_import_no_web_or_database_library(module: str) -> None:
    names = _imports(ROOT / module)
    assert not sorted(n for n in names if n.split(".")[0] in FORBIDDEN)
    report = {m.removesuffix(".py").replace("/", ".") for m in REPORT_MODULES}
    assert {n for n in names if n.startswith("rds.")} <= {
        "rds.stats",
        "rds.reliability",
        "rds.analysis.engine",
        "rds.analysis.results",
        "rds.analysis.charts",
        "rds.workshop.cvr",
        "rds.weight_judgments",  # pure: the judged domain weights beside the empirical ones
        *report,
    }
    assert not any(n.startswith(("rds.web", "rds.views", "rds.models")) for n in names)
    assert "matplotlib.pyplot" not in names
