"""Issue 13, attack 6: a 300 MB JSON body was parsed in full, the application schema had no
length or count limits, a 1.7 KB YAML of aliases exhausted memory in ``openatt assess``, a
2 MB DFAT workbook that unpacks to 580 MB ran for minutes, and malformed sheet XML gave a
traceback. Each is refused now, early and in one line."""

from __future__ import annotations

import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent))
from register_helpers import Api, application

from openatt.api.limits import max_body_bytes
from openatt.cli.main import build_app
from openatt.screening.importers import dfat_xlsx

BOMB = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_a_body_over_the_limit_is_refused_before_parsing(api: Api) -> None:
    too_big = b"[" + b"1," * (max_body_bytes() // 2) + b"1]"
    headers = {**api.headers("applicant"), "content-type": "application/json"}
    response = api.client.post("/applications", content=too_big, headers=headers)
    assert response.status_code == 413 and "larger than" in response.json()["detail"]


def test_a_chunked_body_over_the_limit_is_refused_too(api: Api) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(max_body_bytes() // (1024 * 1024) + 2):
            yield b" " * (1024 * 1024)

    headers = {**api.headers("applicant"), "content-type": "application/json"}
    response = api.client.post("/applications", content=chunks(), headers=headers)
    assert response.status_code == 413


def test_the_application_schema_bounds_lengths_and_counts(api: Api) -> None:
    long_text = application(end_use="x" * 4001)
    many_items = application(
        items=[{"description": "rifle", "category": "VIII", "quantity": 1}] * 501
    )
    for body, field in ((long_text, "end_use"), (many_items, "items")):
        response = api.post("/applications", "applicant", body)
        assert response.status_code == 422 and field in response.json()["detail"][0]["loc"]


def test_yaml_aliases_are_refused_by_assess(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(BOMB)
    result = CliRunner().invoke(build_app(), ["assess", str(bomb)])
    assert result.exit_code == 2
    assert "aliases (*name) are not accepted" in result.output
    assert "Traceback" not in result.output


def _dfat(path: Path, rows: int) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(dfat_xlsx._COLUMNS))
    for number in range(rows):
        sheet.append([str(number + 1), "A" * 200, "Individual", "Primary Name", None])
    book.save(path)
    return path


def _import(path: Path) -> tuple[int, str]:
    result = CliRunner().invoke(build_app(), ["lists", "import", str(path), "--no-rescreen"])
    return result.exit_code, result.output


def test_a_workbook_that_unpacks_too_far_is_refused_before_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workbook = _dfat(tmp_path / "regulation8_consolidated.xlsx", 2000)
    assert workbook.stat().st_size < 100_000
    monkeypatch.setattr(dfat_xlsx, "MAX_UNPACKED", 200_000)  # the real bound is 200 MB
    code, output = _import(workbook)
    assert code == 2 and "unpacks to" in output and "Traceback" not in output
    assert output.count("error:") == 1  # one message (the console wraps it at 80 columns)


def test_a_sheet_with_too_many_rows_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dfat_xlsx, "MAX_ROWS", 100)
    code, output = _import(_dfat(tmp_path / "regulation8_consolidated.xlsx", 150))
    assert code == 2 and "rows, more than 100" in output


def test_malformed_sheet_xml_is_one_line(tmp_path: Path) -> None:
    good = _dfat(tmp_path / "good.xlsx", 3)
    bad = tmp_path / "regulation8_consolidated.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(bad, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = content[: len(content) // 2]  # cut in the middle of a row
            target.writestr(info, content)
    code, output = _import(bad)
    assert code == 2 and "Traceback" not in output
    assert output.count("error:") == 1  # one message (the console wraps it at 80 columns)
