"""Limits before work: XLSX bombs stop at a limit with a clear error, without holding the sheet
in memory; CSV files keep the row limit; the problems file cannot run formulas in Excel."""

from __future__ import annotations

import datetime as dt
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from samphan.core.access import Actor
from samphan.imports import jobs, xlsx
from samphan.imports.errors import ImportFileError
from samphan.imports.reader import import_limits, open_table
from tests.imports.bombs import HEADING, blank_rows, inline_row, write_xlsx
from tests.imports.conftest import upload

pytestmark = pytest.mark.django_db


def _read_all(path: Path) -> list[tuple[int, list[object]]]:
    with open_table(path) as table:
        return list(table.rows)


def test_three_million_blank_rows_stop_at_the_row_limit(tmp_path: Path) -> None:
    # Before: 65 s and 940 MiB through openpyxl, and then an import of nothing.
    bomb = write_xlsx(tmp_path / "bomb.xlsx", blank_rows(3_000_000))
    assert bomb.stat().st_size < 1024 * 1024
    with pytest.raises(ImportFileError) as info:
        _read_all(bomb)
    assert info.value.code == "too_many_rows"
    assert info.value.details["max_rows"] == 1_048_576
    assert "1,048,576" in info.value.message_en and "1,048,576" in info.value.message_th


def test_reading_a_big_sheet_holds_one_row_at_a_time(tmp_path: Path, settings: Any) -> None:
    settings.SAMPHAN_IMPORT_MAX_ROWS = 400_000
    path = write_xlsx(
        tmp_path / "wide.xlsx",
        [HEADING, *(inline_row(n, f"ลูกค้า {n}", f"08{n:08d}") for n in range(2, 300_000))],
    )
    tracemalloc.start()
    try:
        with open_table(path) as table:
            count = sum(1 for _ in table.rows)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 299_998
    # 300,000 rows of two cells: as a list they would be well over 50 MB.
    assert peak < 8 * 1024 * 1024, peak


def test_a_row_number_beyond_the_limit_stops_at_once(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "far.xlsx", [HEADING, inline_row(5_000_000, "x", "y")])
    with pytest.raises(ImportFileError) as info:
        _read_all(path)
    assert info.value.code == "too_many_rows"


def test_an_upload_over_the_row_limit_is_refused_with_the_reason(
    owner: Actor, tmp_path: Path, settings: Any
) -> None:
    settings.SAMPHAN_IMPORT_MAX_ROWS = 1000
    bomb = write_xlsx(tmp_path / "bomb.xlsx", blank_rows(5000))
    with pytest.raises(ImportFileError) as info:
        jobs.import_job_create(
            actor=owner, file=upload("bomb.xlsx", bomb.read_bytes()), kind="customers"
        )
    assert info.value.code == "too_many_rows"
    assert info.value.details["field"] == "file"


def test_what_a_file_unpacks_to_is_checked_before_inflating_it(
    tmp_path: Path, settings: Any
) -> None:
    settings.SAMPHAN_IMPORT_MAX_UNPACKED_BYTES = 1024 * 1024
    bomb = write_xlsx(tmp_path / "bomb.xlsx", blank_rows(200_000))  # ~4 MB of XML
    with zipfile.ZipFile(bomb) as archive:
        assert archive.getinfo("xl/worksheets/sheet1.xml").file_size > 1024 * 1024
    with pytest.raises(ImportFileError) as info:
        _read_all(bomb)
    assert info.value.code == "file_too_large_unpacked"
    assert "1 MB" in info.value.message_en


def test_unpacked_bytes_are_also_counted_while_reading(
    tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Were the declared sizes wrong or not checked, the count as parts inflate still stops."""
    settings.SAMPHAN_IMPORT_MAX_UNPACKED_BYTES = 1024 * 1024
    monkeypatch.setattr(xlsx.Workbook, "_check_declared_sizes", lambda self, names: None)
    bomb = write_xlsx(tmp_path / "bomb.xlsx", blank_rows(200_000))
    with pytest.raises(ImportFileError) as info:
        _read_all(bomb)
    assert info.value.code == "file_too_large_unpacked"


def test_huge_shared_strings_are_refused(tmp_path: Path, settings: Any) -> None:
    settings.SAMPHAN_IMPORT_MAX_UNPACKED_BYTES = 2 * 1024 * 1024
    strings = (b"<si><t>" + b"%08d" % n + b"</t></si>" for n in range(200_000))  # ~4 MB
    bomb = write_xlsx(tmp_path / "strings.xlsx", [HEADING], shared_strings=strings)
    with pytest.raises(ImportFileError) as info:
        _read_all(bomb)
    assert info.value.code == "file_too_large_unpacked"


def test_a_value_far_to_the_right_does_not_widen_every_row(tmp_path: Path) -> None:
    far = b'<c r="XFD%d" t="inlineStr"><is><t>x</t></is></c>'
    rows = [HEADING] + [
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>a</t></is></c>' % (n, n) + far % n + b"</row>"
        for n in range(2, 1000)
    ]
    rows_read = _read_all(write_xlsx(tmp_path / "far.xlsx", rows))
    assert len(rows_read) == 998
    assert all(cells == ["a"] for _line, cells in rows_read)


def test_a_cell_longer_than_excel_allows_is_refused(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "long.xlsx", [HEADING, inline_row(2, "x" * 40_000, "1")])
    with pytest.raises(ImportFileError) as info:
        _read_all(path)
    assert (info.value.code, info.value.details["line"]) == ("cell_too_long", 2)


def test_a_document_type_with_entities_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "laughs.xlsx"
    write_xlsx(path, [HEADING])
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
        b"?>", b'?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>', 1
    )
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)
    with pytest.raises(ImportFileError) as info:
        _read_all(path)
    assert info.value.code == "unreadable_file"


def test_the_stream_reads_what_openpyxl_reads(tmp_path: Path) -> None:
    """Dates (1900 and 1904 systems), times, durations, numbers, booleans, formulas' cached
    results, rich text, blank rows and gaps: the same values as openpyxl's read-only mode."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["ชื่อ", "วันที่", "เวลา", "จำนวน", "ราคา", "จริงไหม", "สูตร", "ว่าง"])
    sheet.append(["สมหญิง", dt.date(2024, 1, 5), dt.time(13, 45), 3, 1050.5, True, "=D2*E2", ""])
    sheet.append([" John ", dt.datetime(2023, 12, 31, 23, 59, 1), dt.timedelta(hours=30), -1])
    sheet.append([])
    sheet.append([None, None, None, 1e20, 0.1, False])
    sheet["B9"] = 45000
    sheet["B9"].number_format = "dd/mm/yyyy"
    sheet["C9"] = 12
    sheet["C9"].number_format = "0.00%"
    sheet["K12"] = "far"
    for name, epoch in (("1900", None), ("1904", openpyxl.utils.datetime.CALENDAR_MAC_1904)):
        if epoch is not None:
            book.epoch = epoch
        path = tmp_path / f"mixed{name}.xlsx"
        book.save(path)
        theirs = openpyxl.load_workbook(path, read_only=True, data_only=True)
        expected = []
        for line, values in enumerate(theirs.worksheets[0].iter_rows(values_only=True), 1):
            cells = list(values)
            while cells and cells[-1] is None:
                cells.pop()
            if cells:
                expected.append((line, cells))
        theirs.close()
        with zipfile.ZipFile(path) as archive:
            ours = list(xlsx.Workbook(archive, import_limits()).rows())
        assert ours == expected, name


def test_a_csv_file_keeps_the_row_limit(tmp_path: Path, settings: Any) -> None:
    settings.SAMPHAN_IMPORT_MAX_ROWS = 100
    path = tmp_path / "blank.csv"
    path.write_text("ชื่อ,เบอร์โทร\n" + "\n" * 500)
    with pytest.raises(ImportFileError) as info:
        _read_all(path)
    assert info.value.code == "too_many_rows"


def test_problems_file_cells_cannot_run_as_formulas(owner: Actor, run_file: Any) -> None:
    """A bad cell from the file goes into problems.csv; one that starts like a formula gets a
    leading ' there, as in the customer exports."""
    bad = ["=1+2", "+66", "-1+1", "@SUM(A1)"]
    content = "ชื่อ-นามสกุล,อีเมล\n" + "".join(f'ลูกค้า {n},"{value}"\n' for n, value in enumerate(bad))
    job = run_file("c.csv", "customers", content=content.encode())
    emails = [e for e in job.report["errors"] if e["code"] == "invalid_email"]
    assert {e["line"] for e in emails} == {2, 3, 4, 5}
    text = b"".join(jobs.import_job_errors_csv(job=job)).decode("utf-8-sig")
    import csv
    import io

    rows = list(csv.reader(io.StringIO(text)))[1:]
    values = [row[5] for row in rows if row[2] == "invalid_email"]
    assert len(values) == len(emails)
    for value in values:
        assert value.startswith("'"), value  # every one of these starts like a formula
        assert value[1:2] in ("=", "+", "-", "@"), value


def test_formula_leading_cells_are_escaped_like_the_exports() -> None:
    from samphan.core.csvsafe import formula_safe, formula_safe_cell
    from samphan.customers import exports

    for text in ("=1+1", "+66", "-5", "@A1", "\tx", "\rx"):
        assert formula_safe(text) == "'" + text
        assert exports._safe(text) == formula_safe(text)
    assert formula_safe("สมหญิง") == "สมหญิง"
    assert formula_safe_cell(12) == 12
