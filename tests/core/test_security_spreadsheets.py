"""Findings #9 and #13: spreadsheets in and out.

#9: no export keeps a live formula. Every CSV/XLSX export route is run on the demo data with
names, statements, titles and notes that start with = + - @ tab or CR, and every header and
cell of every file is checked; a static check keeps every module writing through core/exports.

#13: every .xlsx importer reads through core.sheets.xlsx_rows, which refuses decompression
bombs, too many rows or columns, over-long cells and data past a wrong <dimension> with a
message that says what is wrong.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select, text

from core.demo import load as load_demo
from core.extensions import db
from core.sheets import FORMULA_STARTS, Limits, SheetError, safe_cell, unguard, xlsx_rows

ROOT = Path(__file__).resolve().parents[2]
PREFIXES = ['=HYPERLINK("http://evil.example","x")&', "+1+", "-1+", "@SUM(1)+", "\t=1+", "\r=1+"]
# the free-text columns a person types that reach an export
HOSTILE = {
    "board": ["name"],
    "user_account": ["full_name"],
    "credential_type": ["name"],
    "training_program": ["name"],
    "training_cohort": ["name"],
    "training_module": ["title"],
    "supervised_hours_entry": ["notes"],
    "rds_study": ["title"],
    "rds_domain": ["name"],
    "rds_task": ["statement"],
    "rds_ksa": ["statement"],
    "rds_demographic_question": ["label"],
    "ce_category": ["name"],
    "ce_provider": ["name"],
    "ce_course": ["title"],
    "ce_record": ["title"],
    "employer_organization": ["name"],
    "endorsement": ["name"],
    "exam_item_version": ["stem"],
}


def _poison() -> None:
    """Prefix the free-text columns with formula starts (one kind per row, in turn)."""
    for table, columns in HOSTILE.items():
        for column in columns:
            ids = db.session.execute(text(f"SELECT id FROM {table} ORDER BY id")).scalars()
            for n, row_id in enumerate(list(ids)):
                db.session.execute(
                    text(f"UPDATE {table} SET {column} = :p || {column} WHERE id = :id"),
                    {"p": PREFIXES[n % len(PREFIXES)], "id": row_id},
                )
    db.session.commit()


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _cells(response) -> list[str]:  # type: ignore[no-untyped-def]
    """Every header and cell of a CSV or XLSX download, as text; formulas fail the test."""
    if response.mimetype == "text/csv":
        return [c for row in csv.reader(io.StringIO(response.get_data(as_text=True))) for c in row]
    book = load_workbook(io.BytesIO(response.get_data()))  # not data_only: formulas stay "f"
    cells = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if cell.value is not None:
                    cells.append(str(cell.value))
    return cells


def _export_urls(app) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    """(who, endpoint, url) of every export on the demo data."""
    from flask import url_for

    from certify.models import TrainingCohort
    from core.models import Board
    from rds.models import BlueprintVersion, Study

    boards = db.session.execute(select(Board.id).order_by(Board.id)).scalars().all()
    studies = db.session.execute(select(Study.id)).scalars().all()
    versions = db.session.execute(select(BlueprintVersion.study_id, BlueprintVersion.version)).all()
    cohorts = db.session.execute(select(TrainingCohort.board_id, TrainingCohort.id)).all()
    urls: list[tuple[str, str, str]] = []
    with app.test_request_context():
        for board in boards:
            for endpoint in (
                "certify.config_credential_types_csv",
                "certify.training_programs_csv",
                "certify.training_coverage_csv",
                "rds.studies_csv",
            ):
                urls.append(("admin", endpoint, url_for(endpoint, board_id=board)))
            for fmt in ("csv", "xlsx"):
                urls.append(
                    (
                        "admin",
                        "ceu.report_export",
                        url_for("ceu.report_export", board_id=board, fmt=fmt),
                    )
                )
            for endpoint in ("certify.board_supervisors_csv", "certify.board_hours_csv"):
                urls.append(("admin", endpoint, url_for(endpoint, board_id=board)))
                urls.append(
                    ("admin", endpoint, url_for(endpoint, board_id=board).replace(".csv", ".xlsx"))
                )
            for endpoint in ("certify.board_credentials", "certify.review_queue"):
                for fmt in ("csv", "xlsx"):
                    urls.append(("admin", endpoint, url_for(endpoint, board_id=board, format=fmt)))
            for fmt in ("csv", "xlsx"):
                url = url_for("core.audit_export", board_id=board, fmt=fmt)
                urls.append(("admin", "core.audit_export", url))
        for board, cohort in cohorts:
            for endpoint in ("certify.training_roster_template", "certify.training_attendance_csv"):
                urls.append(
                    ("admin", endpoint, url_for(endpoint, board_id=board, cohort_id=cohort))
                )
        for study in studies:
            for fmt in ("csv", "xlsx"):
                urls.append(
                    (
                        "admin",
                        "rds.scope_export",
                        url_for("rds.scope_export", study_id=study, fmt=fmt),
                    )
                )
            urls.append(
                ("admin", "rds.survey_export_csv", url_for("rds.survey_export_csv", study_id=study))
            )
            urls.append(
                (
                    "admin",
                    "rds.survey_export_xlsx",
                    url_for("rds.survey_export_xlsx", study_id=study),
                )
            )
        for study, number in versions:
            for fmt in ("csv", "xlsx"):
                url = url_for("rds.analysis_blueprint", study_id=study, number=number, fmt=fmt)
                urls.append(("admin", "rds.analysis_blueprint", url))
        lakes = db.session.execute(select(Board.id).where(Board.slug == "icrc-lakes")).scalar()
        for fmt in ("csv", "xlsx"):  # the item bank: for its exam managers only
            url = url_for("exams.bank_export", board_id=lakes, fmt=fmt)
            urls.append(("exams", "exams.bank_export", url))
        urls.append(("trainee", "certify.my_hours_csv", url_for("certify.my_hours_csv")))
        for fmt in ("csv", "xlsx"):
            urls.append(("employer", "verify.monitored", url_for("verify.monitored", format=fmt)))
    return urls


def test_no_export_keeps_a_live_formula(app, client) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import login

    with app.app_context():
        load_demo(db.session)
        db.session.commit()
        _poison()
        urls = _export_urls(app)
    accounts = {
        "admin": ("admin@demo.peercert", "demo-platform-admin"),
        "trainee": ("trainee@demo.peercert", "demo-trainee"),
        "employer": ("employer@demo.peercert", "demo-employer"),
        "exams": ("exams@demo.peercert", "demo-exam-manager"),
    }
    guarded: dict[str, int] = {}
    for who in accounts:
        browser = app.test_client()
        login(browser, *accounts[who])
        for person, endpoint, url in urls:
            if person != who:
                continue
            response = browser.get(url)
            assert response.status_code == 200, (url, response.status_code)
            assert response.mimetype in (
                "text/csv",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ), url
            for value in _cells(response):
                assert value[:1] not in FORMULA_STARTS or _is_number(value), (url, value)
                if value[:1] == "'" and value[1:2] in FORMULA_STARTS:
                    guarded[endpoint] = guarded.get(endpoint, 0) + 1
    # the hostile text really reached the files (each such cell was neutralised)
    expected = {
        "certify.config_credential_types_csv",
        "certify.training_programs_csv",
        "certify.training_attendance_csv",
        "certify.board_supervisors_csv",
        "certify.board_hours_csv",
        "certify.board_credentials",
        "rds.studies_csv",
        "rds.scope_export",
        "rds.analysis_blueprint",
        "certify.my_hours_csv",
        "exams.bank_export",
    }
    assert expected <= set(guarded), expected - set(guarded)


def test_every_export_route_is_checked(app) -> None:  # type: ignore[no-untyped-def]
    """A new download route that writes CSV or XLSX must join the test above."""
    checked = {
        "core.audit_export",
        "certify.config_credential_types_csv",
        "certify.training_programs_csv",
        "certify.training_coverage_csv",
        "certify.training_roster_template",
        "certify.training_attendance_csv",
        "certify.board_supervisors_csv",
        "certify.board_hours_csv",
        "certify.my_hours_csv",
        "rds.studies_csv",
        "rds.scope_export",
        "rds.survey_export_csv",
        "rds.survey_export_xlsx",
        "rds.analysis_blueprint",
        "ceu.report_export",
        "exams.bank_export",
        "verify.roster_export",  # its rows: tests/verify (the employer's own upload, echoed)
    }
    found = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if re.search(r"\.(csv|xlsx|<any\(csv, xlsx\):fmt>)$|/export", str(rule))
    }
    assert found <= checked, found - checked


def test_spreadsheets_are_written_only_through_core_exports() -> None:
    """No module builds a CSV or workbook itself: the formula guard cannot be skipped."""
    offenders = []
    for path in ROOT.glob("*/**/*.py"):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith((".venv", "tests/", "bench/", "migrations/")) or rel in (
            "core/exports.py",
        ):
            continue
        source = path.read_text(encoding="utf-8")
        if re.search(r"csv\.(writer|DictWriter)\(|openpyxl import .*Workbook\b", source):
            if "safe_cell" in source:
                continue  # a command's own files (rds/cli.py), every cell through safe_cell
            offenders.append(rel)
    assert offenders == [], (
        "write CSV/XLSX through core.exports (csv_text, xlsx_bytes, xlsx_book, "
        "stream_download), or pass every header and cell through core.sheets.safe_cell"
    )


def test_the_guard_and_its_inverse() -> None:
    for start in FORMULA_STARTS:
        assert safe_cell(start + "1+1") == "'" + start + "1+1"
        assert unguard(safe_cell(start + "1+1")) == start + "1+1"
    assert (
        safe_cell(-1.5) == -1.5
        and safe_cell("plain") == "plain"
        and unguard("'quoted") == "'quoted"
    )


# --- #13: uploads --------------------------------------------------------------------------


def _workbook(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _bomb(unpacked_mb: int) -> bytes:
    """A workbook whose one cell holds unpacked_mb MB of "A": a few hundred KB packed."""
    data = _workbook([["task_id", "domain", "statement"], ["T1", "D", "x"]])
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = body.replace(b"<v>x</v>", b"<v>x</v>").replace(
                    b'<c r="C2" t="inlineStr"><is><t>x</t></is></c>',
                    b'<c r="C2" t="inlineStr"><is><t>'
                    + b"A" * (unpacked_mb * 2**20)
                    + b"</t></is></c>",
                )
            target.writestr(item.filename, body)
    return out.getvalue()


def test_a_decompression_bomb_is_refused_before_it_is_read() -> None:
    bomb = _bomb(210)
    assert len(bomb) < 400_000  # a small upload...
    with pytest.raises(SheetError, match="unpacks to 2.. MB; at most 30 MB"):
        xlsx_rows(bomb)  # ...that would be 210 MB of text
    with pytest.raises(SheetError, match="compressed .* to 1"):
        xlsx_rows(_bomb(5))  # small enough in total, but 1000:1


def test_rows_columns_and_cells_have_limits() -> None:
    limits = Limits(max_rows=3, max_columns=4, max_cell=10)
    assert xlsx_rows(_workbook([["a", "b"], [1, 2], [3, None]]), limits) == [
        ["a", "b"],
        [1, 2],
        [3],
    ]
    with pytest.raises(SheetError, match="more than 3 rows"):
        xlsx_rows(_workbook([["h"]] + [[n] for n in range(5)]), limits)
    with pytest.raises(SheetError, match="Row 2 has 5 columns; at most 4"):
        xlsx_rows(_workbook([["h"], [1, 2, 3, 4, 5]]), limits)
    with pytest.raises(SheetError, match="Row 2, column B: the cell holds 11 characters"):
        xlsx_rows(_workbook([["h"], ["ok", "x" * 11]]), limits)


def test_rows_past_a_wrong_dimension_are_refused_not_dropped() -> None:
    data = _workbook([["a", "b"], [1, 2], [3, 4], [5, 6]])
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:B2"', body)
            target.writestr(item.filename, body)
    with pytest.raises(SheetError, match="ends at row 2, column B, but it holds data up to row 4"):
        xlsx_rows(out.getvalue())


def test_every_xlsx_importer_reads_through_the_limits() -> None:
    """Only core/sheets.py opens an uploaded workbook with openpyxl."""
    readers = []
    # the application's packages only (a wheel build leaves copies under build/)
    for package in ("core", "certify", "rds", "ceu", "verify", "exams"):
        for path in sorted((ROOT / package).glob("**/*.py")):
            if "load_workbook" in path.read_text(encoding="utf-8"):
                readers.append(path.relative_to(ROOT).as_posix())
    assert readers == ["core/sheets.py"]


def test_importers_tell_the_person_what_is_wrong(app, ctx) -> None:  # type: ignore[no-untyped-def]
    """Each importer passes the limit's message on (ceu roster, employer roster, RDS files)."""
    from ceu.rosterfile import RosterFileError
    from ceu.rosterfile import read as read_ce_roster
    from rds.survey.tables import read_xlsx_table
    from verify.employers.roster import RosterUnreadable, read_roster

    bomb = _bomb(60)
    from datetime import date

    with pytest.raises(RosterFileError) as caught:
        read_ce_roster(bomb, "r.xlsx", date(2026, 1, 1), date(2026, 1, 2), date(2026, 2, 1))
    assert "unpacks to" in str([p.message for p in caught.value.problems])
    with pytest.raises(RosterUnreadable, match="unpacks to"):
        read_roster(bomb, "r.xlsx", 1000)
    problems: list = []
    assert read_xlsx_table(bomb, "tasks.xlsx", problems) is None
    assert "unpacks to" in str(problems[0])


def test_duplicated_csv_headers_are_refused_not_silently_read() -> None:
    """Low finding: a second column of the same name was read in place of the first."""
    from datetime import date

    from ceu.rosterfile import RosterFileError
    from ceu.rosterfile import read as read_ce_roster
    from rds.scope.scope_file import parse_scope_file
    from rds.survey.io import SurveyFileError
    from verify.employers.roster import RosterUnreadable, read_roster

    scope = b"task_id,domain,statement,statement\nT1,D,Real statement,Other statement\n"
    with pytest.raises(SurveyFileError) as caught:
        parse_scope_file(scope, "tasks.csv")
    assert "duplicate column" in str(caught.value.problems)
    ce = b"name,credential_number,credential_number\nAnn Lee,NE-1,NE-2\n"
    with pytest.raises(RosterFileError) as ce_caught:
        read_ce_roster(ce, "r.csv", date(2026, 1, 1), date(2026, 1, 2), date(2026, 2, 1))
    assert "twice" in str([p.message for p in ce_caught.value.problems])
    employer = b"name,credential number,board,number\nAnn Lee,NE-1,ne,NE-2\n"
    with pytest.raises(RosterUnreadable, match="both hold the number"):
        read_roster(employer, "r.csv", 100)


def test_a_training_roster_with_a_column_twice_is_refused(
    app, client, make_board, make_user
) -> None:  # type: ignore[no-untyped-def]
    from core.models import Role
    from tests.certify.test_training import MODULES, _cohort, _program, _upload
    from tests.factories import login

    board = make_board("ne")
    admin = make_user("admin@x.org", [(Role.BOARD_ADMIN, board)])
    make_user("ana@x.org", [(Role.TRAINEE, board)])
    cohort_id = _cohort(app, board, _program(app, board, MODULES))
    login(client, admin.email)
    roster = "email,module,date,minutes,minutes\nana@x.org,1,2026-01-05,600,60\n"
    page = _upload(client, board, cohort_id, roster).get_data(as_text=True)
    assert "column twice" in page
    from certify.models import TrainingAttendance

    with app.app_context():
        assert db.session.execute(select(TrainingAttendance)).first() is None
