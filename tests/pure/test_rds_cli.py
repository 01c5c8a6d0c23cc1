"""``python -m rds analyze``: bad input, encodings, .xlsx input and CSV export."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook

from rds.cli import main
from rds.survey.io import SurveyFileError, read_responses, read_survey, read_tasks

ROOT = Path(__file__).resolve().parents[2]
TASKS_CSV = (
    "task_id,domain,statement\nA1,Advocacy,Advocate\nA2,Advocacy,Explain rights\n"
    "C1,Crisis,Stay calm\n"
)
HEADER = (
    "respondent_id,role,A1_importance,A1_frequency,A2_importance,A2_frequency,"
    "C1_importance,C1_frequency"
)


def responses_csv(n: int = 12) -> str:
    rows = [HEADER]
    for i in range(n):
        a, b = (i % 3) + 2, (i % 2) + 2
        rows.append(f"R{i:02d},{'Peer' if i % 2 else 'Trainee'},{a},{b},{b},{a},3,{i % 4}")
    return "\n".join(rows) + "\n"


def swap(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new)


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def args(tasks: Path, responses: Path, out: Path, *extra: str) -> list[str]:
    return ["analyze", "--tasks", str(tasks), "--responses", str(responses)] + [
        *("--items", "10", "--min-group", "2", "--json", str(out)),
        *extra,
    ]


def run(tmp_path: Path, tasks: Path, responses: Path, *extra: str) -> tuple[int, Path, Path]:
    out, csv_dir = tmp_path / "out" / "analysis.json", tmp_path / "csvout"
    return main(args(tasks, responses, out, "--csv", str(csv_dir), *extra)), out, csv_dir


def test_good_input_writes_json_and_csv(tmp_path: Path, capsys) -> None:
    tasks = write(tmp_path, "tasks.csv", TASKS_CSV)
    responses = write(tmp_path, "responses.csv", responses_csv())
    code, out, csv_dir = run(tmp_path, tasks, responses)
    assert code == 0, capsys.readouterr().err
    doc = json.loads(out.read_text())
    assert doc["n_respondents"] == 12 and doc["total_items"] == 10
    assert [d["domain"] for d in doc["domains"]] == ["Advocacy", "Crisis"]
    names = sorted(p.name for p in csv_dir.iterdir())
    assert names == ["domains.csv", "reliability.csv", "tasks.csv"]
    with open(csv_dir / "tasks.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["task_id"] for r in rows] == ["A1", "A2", "C1"]
    assert float(rows[0]["mean_importance"]) == doc["tasks"][0]["mean_importance"]
    with open(csv_dir / "domains.csv", newline="") as handle:
        domains = list(csv.DictReader(handle))
    assert sum(int(d["items"]) for d in domains) == 10
    with open(csv_dir / "reliability.csv", newline="") as handle:
        reliability = list(csv.DictReader(handle))
    statistics = [r["statistic"] for r in reliability[:7]]
    assert statistics == ["alpha", "ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"]
    assert {r["scale"] for r in reliability} == {"importance", "frequency"}
    assert "Exam blueprint (10 items)" in capsys.readouterr().out


def test_all_errors_reported_with_file_row_column(tmp_path: Path, capsys) -> None:
    tasks = write(tmp_path, "tasks.csv", TASKS_CSV)
    bad = (
        "respondent_id,role,A1_importance,A1_frequency,A2_importance,A2_frequency,"
        "C1_importance,ZZ9_frequency\n"
        "R01,Peer,3,2,3,2,3,1\n"
        "R02,Peer,5,2,3,2,3,1\n"
        "R03,Peer,3,2.5,3,x,3,1\n"
        "R01,Peer,3,2,3,2,-1,1\n"
        ",Peer,3,2,3,2,3,1\n"
    )
    responses = write(tmp_path, "responses.csv", bad)
    code, out, csv_dir = run(tmp_path, tasks, responses)
    err = capsys.readouterr().err
    assert code == 2
    assert not out.exists() and not out.parent.exists() and not csv_dir.exists()
    expected = [
        "responses.csv, row 1, column ZZ9_frequency: unknown task id 'ZZ9' (not in tasks.csv)",
        "responses.csv, row 1, column C1_frequency: rating column is missing",
        "responses.csv, row 3, column A1_importance: rating 5 is off the scale 0-4",
        "responses.csv, row 4, column A1_frequency: rating 2.5 is not a whole number",
        "responses.csv, row 4, column A2_frequency: rating 'x' is not a number",
        "responses.csv, row 5, column C1_importance: rating -1 is off the scale 0-4",
        "responses.csv, row 5, column respondent_id: duplicate respondent id 'R01' "
        "(first in row 2)",
        "responses.csv, row 6, column respondent_id: respondent id is blank",
    ]
    for line in expected:
        assert line in err
    assert "error: 8 problems" in err


def test_fast_path_off_scale_and_fractional_ratings(tmp_path: Path, capsys) -> None:
    # numeric-only problems stay on the pandas fast path; rows and columns must still be right
    text = swap(responses_csv(6), "R03,Peer,2,3,3,2,3,3", "R03,Peer,2,3,3,2,3.5,9")
    responses = write(tmp_path, "responses.csv", text)
    code, _, _ = run(tmp_path, write(tmp_path, "tasks.csv", TASKS_CSV), responses)
    err = capsys.readouterr().err
    assert code == 2
    assert "responses.csv, row 5, column C1_importance: rating 3.5 is not a whole number" in err
    assert "responses.csv, row 5, column C1_frequency: rating 9 is off the scale 0-4" in err


def test_scale_options_change_validation(tmp_path: Path, capsys) -> None:
    tasks = write(tmp_path, "tasks.csv", TASKS_CSV)
    responses = write(tmp_path, "responses.csv", responses_csv())
    code, _, _ = run(tmp_path, tasks, responses, "--scale-min", "1", "--scale-max", "5")
    assert code == 2
    assert "is off the scale 1-5" in capsys.readouterr().err


def test_tasks_file_problems_and_ragged_rows(tmp_path: Path, capsys) -> None:
    tasks = write(tmp_path, "tasks.csv", "task_id,domain\nA1,Advocacy\nA1,Crisis\n,Crisis\n")
    text = swap(responses_csv(3), "R01,Peer,3,3,3,3,3,1", "R01,Peer,3,3,3,3,3")
    responses = write(tmp_path, "responses.csv", text)
    code, out, _ = run(tmp_path, tasks, responses)
    err = capsys.readouterr().err
    assert code == 2 and not out.exists()
    assert "tasks.csv, row 3, column task_id: duplicate task id 'A1' (first in row 2)" in err
    assert "tasks.csv, row 4, column task_id: task id is blank" in err
    assert "responses.csv, row 3: has 7 values but the header has 8" in err


@pytest.mark.parametrize(
    "content,message",
    [
        (b"", "responses.csv: is empty"),
        (b"\xef\xbb\xbf\n\n", "responses.csv: is empty"),
        (HEADER.encode() + b"\n", "responses.csv, row 2: has no respondents"),
        ("respondent_id,role\n".encode("utf-16"), "is UTF-16 encoded; save it as CSV UTF-8"),
        (
            (HEADER + "\nR01,Travailleur pair\xe9,3,3,3,3,3,3\n").encode("latin-1"),
            "responses.csv, row 2: is not UTF-8 text (byte 0xE9",
        ),
        (b"PK\x03\x04garbage", "is not a readable .xlsx workbook"),
        (b"respondent_id;A1_importance\nR1;3\n", "row 1: columns are separated by semicolons"),
    ],
)
def test_empty_and_badly_encoded_files(tmp_path: Path, capsys, content: bytes, message) -> None:
    tasks = write(tmp_path, "tasks.csv", TASKS_CSV)
    responses = write(tmp_path, "responses.csv", content)
    code, out, csv_dir = run(tmp_path, tasks, responses)
    assert code == 2 and not out.exists() and not csv_dir.exists()
    assert message in capsys.readouterr().err


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    tasks = write(tmp_path, "tasks.csv", b"\xef\xbb\xbf" + TASKS_CSV.encode())
    responses = write(tmp_path, "responses.csv", b"\xef\xbb\xbf" + responses_csv().encode())
    code, out, _ = run(tmp_path, tasks, responses)
    assert code == 0
    plain_tasks = write(tmp_path, "t2.csv", TASKS_CSV)
    plain = write(tmp_path, "r2.csv", responses_csv())
    assert main(args(plain_tasks, plain, tmp_path / "plain.json", "--quiet")) == 0
    assert json.loads(out.read_text()) == json.loads((tmp_path / "plain.json").read_text())


def to_xlsx(text: str, path: Path, numbers: bool = True) -> Path:
    book = Workbook()
    sheet = book.active
    for row in csv.reader(io.StringIO(text)):
        cells: list[object] = []
        for cell in row:
            cells.append(int(cell) if numbers and cell.isdigit() else (cell or None))
        sheet.append(cells)
    book.save(path)
    return path


def test_xlsx_input_gives_the_same_analysis(tmp_path: Path) -> None:
    tasks_x = to_xlsx(TASKS_CSV, tmp_path / "tasks.xlsx")
    resp_x = to_xlsx(responses_csv(), tmp_path / "responses.xlsx")
    code, out, _ = run(tmp_path, tasks_x, resp_x)
    assert code == 0
    csv_tasks = write(tmp_path, "tasks.csv", TASKS_CSV)
    csv_resp = write(tmp_path, "responses.csv", responses_csv())
    assert main(args(csv_tasks, csv_resp, tmp_path / "c.json", "--quiet")) == 0
    assert json.loads(out.read_text()) == json.loads((tmp_path / "c.json").read_text())


def test_xlsx_errors_name_row_and_column(tmp_path: Path, capsys) -> None:
    text = swap(responses_csv(4), "R02,Trainee,4,2,2,4,3,2", "R02,Trainee,4,2,2,7,3,2")
    resp_x = to_xlsx(text, tmp_path / "responses.xlsx")
    code, _, _ = run(tmp_path, write(tmp_path, "tasks.csv", TASKS_CSV), resp_x)
    assert code == 2
    assert "responses.xlsx, row 4, column A2_frequency: rating 7 is off the scale 0-4" in (
        capsys.readouterr().err
    )


def test_reader_accepts_bytes_and_file_objects() -> None:
    tasks = read_tasks(TASKS_CSV.encode(), name="upload-tasks.csv")
    assert tasks.task_ids == ("A1", "A2", "C1")
    responses = read_responses(io.BytesIO(responses_csv().encode()), tasks.task_ids, "web.csv")
    assert responses.importance.shape == (12, 3) and responses.respondent_ids[0] == "R00"
    assert responses.demographics["role"][:2] == ("Trainee", "Peer")
    with pytest.raises(SurveyFileError) as info:
        read_survey(b"task_id\nA1\n", b"", tasks_name="t.csv", responses_name="r.csv")
    assert [(p.file, p.row, p.column) for p in info.value.problems] == [
        ("t.csv", 1, "domain"),
        ("r.csv", None, None),
    ]
    assert "2 problems" in str(info.value)


def test_blank_ratings_are_missing_and_blank_lines_skipped(tmp_path: Path) -> None:
    text = swap(responses_csv(6), "R02,Trainee,4,2,2,4,3,2", "R02,Trainee,,2,2,,3,2")
    text = swap(text, "\nR04", "\n\nR04")
    responses = read_responses(text.encode(), ["A1", "A2", "C1"], "r.csv")
    assert responses.importance.shape == (6, 3)
    assert responses.importance[2, 0] != responses.importance[2, 0]  # NaN
    bad = swap(text, "R05,Peer,4,3,3,4,3,1", "R05,Peer,4,3,3,4,3,oops")
    with pytest.raises(SurveyFileError) as info:
        read_responses(bad.encode(), ["A1", "A2", "C1"], "r.csv")
    # the blank line counts as a row, as in a spreadsheet
    assert [(p.row, p.column) for p in info.value.problems] == [(8, "C1_frequency")]


def test_python_dash_m_rds(tmp_path: Path) -> None:
    tasks = write(tmp_path, "tasks.csv", TASKS_CSV)
    responses = write(tmp_path, "responses.csv", "respondent_id,role\n")
    out = tmp_path / "x.json"
    command = [sys.executable, "-m", "rds", *args(tasks, responses, out)]
    proc = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 2 and not out.exists()
    assert "responses.csv, row 1, column A1_importance: rating column is missing" in proc.stderr


def test_progress_bar_for_large_input(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setattr("rds.cli.LARGE_INPUT_BYTES", 0)
    tasks = write(tmp_path, "tasks.csv", TASKS_CSV)
    responses = write(tmp_path, "responses.csv", responses_csv())
    assert run(tmp_path, tasks, responses)[0] == 0
    err = capsys.readouterr().err
    assert "100%" in err and err.endswith("\n")


def test_missing_input_file(tmp_path: Path, capsys) -> None:
    tasks = write(tmp_path, "tasks.csv", TASKS_CSV)
    code, out, _ = run(tmp_path, tasks, tmp_path / "nope.csv")
    assert code == 2 and not out.exists()
    err = capsys.readouterr().err
    assert "cannot read" in err and "nope.csv" in err
    code, _, _ = run(tmp_path, tasks, tmp_path)
    assert code == 2


def test_retention_and_stability_options(tmp_path: Path, capsys) -> None:
    tasks = write(tmp_path, "tasks.csv", TASKS_CSV)
    responses = write(tmp_path, "responses.csv", responses_csv(40))
    extra = ["--importance-rule", "lower-bound", "--importance-basis", "performers"]
    extra += ["--bootstrap", "25", "--seed", "3", "--min-respondents", "50"]
    code, out, csv_dir = run(tmp_path, tasks, responses, *extra)
    assert code == 0, capsys.readouterr().err
    doc = json.loads(out.read_text())
    options = doc["options"]
    assert (
        options["importance_rule"] == "lower-bound" and options["importance_basis"] == "performers"
    )
    assert options["bootstrap"] == 25 and options["bootstrap_seed"] == 3
    assert all(t["bootstrap_retained"] is not None for t in doc["tasks"])
    assert any("fewer than the minimum of 50" in w for w in doc["warnings"])
    assert doc["scales"]["importance"]["icc_shown"] == "mixed"
    printed = capsys.readouterr().out
    assert "ICCs from" in printed and "bootstrap range" in printed
    again = tmp_path / "again.json"
    assert main(args(tasks, responses, again, *extra, "--quiet")) == 0
    assert json.loads(again.read_text()) == doc  # seeded: the same figures
    with open(csv_dir / "reliability.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    methods = {r["method"] for r in rows}
    assert {"ANOVA, complete respondents", "REML, every rating"} <= methods
    assert {r["domain"] for r in rows} == {"", "Advocacy", "Crisis"}


def test_help_states_the_missing_data_policy(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit):
        main(["analyze", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "Missing data: A blank rating is missing, never a zero." in text
    assert "REML" in text and "--importance-rule" in text and "--bootstrap" in text
    tasks = write(tmp_path, "tasks.csv", TASKS_CSV)
    responses = write(tmp_path, "responses.csv", responses_csv())
    code, out, _ = run(tmp_path, tasks, responses, "--criticality-min", "17")
    assert code == 2 and not out.exists()
    assert "criticality range 0-16" in capsys.readouterr().err
