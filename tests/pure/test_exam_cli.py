"""``python -m exams analyze`` and exams/resultfile.py: good files, bad rows, .xlsx, totals."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from openpyxl import Workbook

from exams.cli import main
from exams.resultfile import (
    ResultFileError,
    parse_option,
    read_key,
    read_responses,
    read_results,
    read_totals,
)
from exams.scoring import OMIT

ROOT = Path(__file__).resolve().parents[2]
KEY_CSV = (
    "item_id,key,domain,scored,options\n"
    "Q1,A,Ethics,1,4\nQ2,B,Ethics,yes,4\nQ3,C,Recovery,,4\nQ4,d,Recovery,1,4\nP1,2,Recovery,0,3\n"
)


def responses_csv(n: int = 40, seed: int = 1) -> str:
    rng = np.random.default_rng(seed)
    key = "ABCDB"
    lines = ["candidate_id,Q1,Q2,Q3,Q4,P1"]
    for i in range(n):
        skill = i / n
        cells = []
        for j, k in enumerate(key):
            options = "ABC" if j == 4 else "ABCD"
            if rng.random() < 0.03:
                cells.append("")
            elif rng.random() < 0.3 + 0.6 * skill:
                cells.append(k)
            else:
                cells.append(str(rng.choice([o for o in options if o != k])))
        lines.append(f"C{i:03d}," + ",".join(cells))
    return "\n".join(lines) + "\n"


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def run(tmp_path: Path, key: Path, responses: Path, *extra: str) -> tuple[int, Path]:
    out = tmp_path / "out" / "analysis.json"
    code = main(
        ["analyze", "--responses", str(responses), "--key", str(key), "--json", str(out), *extra]
    )
    return code, out


def test_good_files_write_json_csv_and_a_summary(tmp_path: Path, capsys) -> None:
    key = write(tmp_path, "key.csv", KEY_CSV)
    responses = write(tmp_path, "responses.csv", responses_csv())
    code, out = run(
        tmp_path,
        key,
        responses,
        "--cut",
        "2.4",
        "--scale",
        "3=500",
        "--scale",
        "4=800",
        "--csv",
        str(tmp_path / "csv"),
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "Candidates: 40" in captured.out and "KR-20" in captured.out
    doc = json.loads(out.read_text())
    assert doc["form"]["n_candidates"] == 40 and doc["form"]["n_items"] == 4
    assert [i["item_id"] for i in doc["items"]] == ["Q1", "Q2", "Q3", "Q4", "P1"]
    assert doc["items"][4]["scored"] is False and doc["items"][4]["key"] == "B"
    assert len(doc["items"][4]["options"]) == 3
    assert doc["pass_fail"]["raw_needed"] == 3
    assert doc["pass_fail"]["decision_consistency"]["method"].startswith("Subkoviak")
    assert [d["domain"] for d in doc["domains"]] == ["Ethics", "Recovery"]
    first = doc["candidates"][0]
    assert first["candidate_id"] == "C000" and set(first["domains"]) == {"Ethics", "Recovery"}
    assert first["scaled"] == 500 + 300 * (first["raw"] - 3)
    assert first["passed"] == (first["raw"] >= 3)
    assert doc["files"] == {"responses": "responses.csv", "key": "key.csv"}
    with open(tmp_path / "csv" / "items.csv", newline="") as handle:
        items = list(csv.DictReader(handle))
    assert [i["item_id"] for i in items] == ["Q1", "Q2", "Q3", "Q4", "P1"]
    assert "A_count" in items[0] and "D_r_total" in items[0]
    with open(tmp_path / "csv" / "candidates.csv", newline="") as handle:
        candidates = list(csv.DictReader(handle))
    assert len(candidates) == 40 and "% Ethics" in candidates[0]


def test_bad_rows_are_all_listed_by_file_row_and_column(tmp_path: Path, capsys) -> None:
    key = write(
        tmp_path,
        "key.csv",
        "item_id,key,options\nQ1,A,4\nQ2,E,4\nQ2,B,4\nQ4,,4\nQ5,B,seven\n",
    )
    responses = write(tmp_path, "responses.csv", "candidate_id,Q1\nC1,A\n")
    code, out = run(tmp_path, key, responses)
    err = capsys.readouterr().err
    assert code == 2 and not out.exists()
    assert "error: 4 problems in the input:" in err
    assert "key.csv, row 3, column key: key 'E' is beyond the item's 4 options" in err
    assert "key.csv, row 4, column item_id: repeated item id 'Q2' (first in row 3)" in err
    assert "key.csv, row 5, column key: key is blank" in err
    assert "key.csv, row 6, column options: 'seven' is not a number of options" in err


def test_bad_responses_are_listed_in_row_order(tmp_path: Path, capsys) -> None:
    key = write(tmp_path, "key.csv", "item_id,key,options\nQ1,A,4\nQ2,B,3\nQ3,C,4\n")
    responses = write(
        tmp_path,
        "responses.csv",
        "candidate_id,Q1,Q2,Q9\nC1,A,B,C\nC1,F,D,\n,A,B\nC4,x,AB,\n",
    )
    code, out = run(tmp_path, key, responses)
    err = capsys.readouterr().err
    assert code == 2 and not out.exists()
    lines = [line.strip() for line in err.splitlines()[1:]]
    assert lines == [
        "responses.csv, row 1, column Q9: column D is not an item of key.csv",
        "responses.csv, row 1, column Q3: item of key.csv has no column",
        "responses.csv, row 3, column candidate_id: repeated candidate id 'C1' (first in row 2)",
        "responses.csv, row 3, column Q1: 'F' is beyond the item's 4 options",
        "responses.csv, row 3, column Q2: 'D' is beyond the item's 3 options",
        "responses.csv, row 4: has 3 values for 4 columns (a stray comma or quote?)",
        "responses.csv, row 4, column candidate_id: candidate id is blank",
        "responses.csv, row 5, column Q1: 'x' is beyond the item's 4 options",
        "responses.csv, row 5, column Q2: 'AB' is not an option (A-Z, 1-26 or blank for omitted)",
    ]


def test_missing_columns_and_unreadable_files(tmp_path: Path, capsys) -> None:
    key = write(tmp_path, "key.csv", "item,answer\nQ1,A\n")
    responses = write(tmp_path, "responses.csv", "id,Q1\n1,A\n")
    code, _ = run(tmp_path, key, responses)
    err = capsys.readouterr().err
    assert code == 2
    assert "key.csv, row 1, column item_id: required column is missing" in err
    assert "key.csv, row 1, column key: required column is missing" in err
    assert "responses.csv, row 1, column candidate_id: required column is missing" in err
    utf16 = write(tmp_path, "k16.csv", KEY_CSV.encode("utf-16"))
    code, _ = run(tmp_path, utf16, responses)
    assert code == 2 and "is UTF-16 encoded" in capsys.readouterr().err
    semicolons = write(tmp_path, "semi.csv", "item_id;key\nQ1;A\n")
    code, _ = run(tmp_path, semicolons, responses)
    assert code == 2 and "separated by semicolons" in capsys.readouterr().err
    code, _ = run(tmp_path, tmp_path / "nope.csv", responses)
    assert code == 2 and "cannot read" in capsys.readouterr().err


def test_bad_scale_and_cut_are_refused(tmp_path: Path, capsys) -> None:
    key = write(tmp_path, "key.csv", KEY_CSV)
    responses = write(tmp_path, "responses.csv", responses_csv())
    code, _ = run(tmp_path, key, responses, "--scale", "3=500")
    assert code == 2 and "exactly two" in capsys.readouterr().err
    code, _ = run(tmp_path, key, responses, "--cut", "9")
    assert code == 2 and "above the 4 scored items" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["analyze", "--responses", "r", "--key", "k", "--scale", "nonsense"])


def _xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_xlsx_files_read_as_csv(tmp_path: Path) -> None:
    key = _xlsx([["item_id", "key"], ["Q1", "A"], ["Q2", 2]])
    responses = _xlsx([["candidate_id", "Q2", "Q1"], [101, "b", 1], [102, None, "C"]])
    answer_key, sheet = read_results(responses, key, responses_name="r.xlsx", key_name="k.xlsx")
    assert answer_key.key == (0, 1) and answer_key.scored == (True, True)
    assert sheet.candidate_ids == ("101", "102")
    assert sheet.item_ids == ("Q1", "Q2")  # the key's order, whatever the columns' order
    assert sheet.responses.tolist() == [[0, 1], [2, OMIT]]


def test_key_and_responses_alone() -> None:
    key = read_key(KEY_CSV.encode(), "key.csv")
    assert key.item_ids == ("Q1", "Q2", "Q3", "Q4", "P1")
    assert key.key == (0, 1, 2, 3, 1)
    assert key.scored == (True, True, True, True, False)
    assert key.options_or_none() == (4, 4, 4, 4, 3)
    sheet = read_responses(b"candidate,P1,Q1\nx,-,.\n", None, "r.csv")
    assert sheet.responses.tolist() == [[OMIT, OMIT]]
    with pytest.raises(ResultFileError) as caught:
        read_key(b"item_id,key,scored\nQ1,A,maybe\nQ2,B,0\n", "k.csv")
    assert [str(p) for p in caught.value.problems] == [
        "k.csv, row 2, column scored: 'maybe' is not yes/no (1/0)"
    ]


def test_parse_option() -> None:
    assert [parse_option(t) for t in ("A", "e", "1", "26", " c ")] == [0, 4, 0, 25, 2]
    assert [parse_option(t) for t in ("", "0", "27", "AB", "é", "1.5")] == [None] * 6


def test_totals_file() -> None:
    sheet = read_totals(b"candidate_id,total\nA1,97\nA2,110\n", 150, "t.csv")
    assert sheet.candidate_ids == ("A1", "A2") and sheet.raw.tolist() == [97, 110]
    with pytest.raises(ResultFileError) as caught:
        read_totals(b"candidate_id,score\nA1,151\nA1,9.5\nA3,\n", 150, "t.csv")
    assert [str(p) for p in caught.value.problems] == [
        "t.csv, row 2, column score: 151 is above the 150 items",
        "t.csv, row 3, column candidate_id: repeated candidate id 'A1' (first in row 2)",
        "t.csv, row 3, column score: '9.5' is not a whole raw score",
        "t.csv, row 4, column score: total is blank",
    ]


def test_python_dash_m_exams(tmp_path: Path) -> None:
    key = write(tmp_path, "key.csv", KEY_CSV)
    responses = write(tmp_path, "responses.csv", responses_csv())
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "exams",
            "analyze",
            "--responses",
            str(responses),
            "--key",
            str(key),
            "--json",
            "-",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["form"]["n_candidates"] == 40
