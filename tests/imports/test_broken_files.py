"""Files that cannot be parsed are refused as a whole, saying where, and nothing is imported."""

from __future__ import annotations

import pytest

from samphan.core.access import Actor
from samphan.customers.models import Customer
from samphan.imports import jobs
from samphan.imports.errors import ImportFileError
from samphan.imports.reader import open_table
from tests.imports.conftest import upload

pytestmark = pytest.mark.django_db

HEAD = "ชื่อ-นามสกุล,เบอร์โทร,หมายเหตุ\n"
ROWS = [
    "สมหญิง ใจดี,081-359-6920,ลูกค้าประจำ\n",
    "วิภา แสงทอง,081-222-3344,\n",
    "ธนากร มั่นคง,081-555-6677,\n",
    'สมชาย รักดี,089-123-4567,"ชอบกาแฟ\n',  # the quote is never closed
    "พลอย ศรีสุข,081-888-9900,\n",
    "กมล ทองดี,081-777-6655,\n",
]
BROKEN = (HEAD + "".join(ROWS)).encode()


def test_an_unclosed_quote_is_a_file_error_with_its_line(owner: Actor) -> None:
    # Before: the quote swallowed rows 6 and 7 into one cell, and 4 customers were imported
    # without a word about the 2 others.
    job = jobs.import_job_create(actor=owner, file=upload("c.csv", BROKEN), kind="customers")
    with pytest.raises(ImportFileError) as info:
        jobs.import_job_preview(actor=owner, job_id=job.pk)
    assert info.value.code == "unclosed_quote"
    assert info.value.details["line"] == 5
    assert "5" in info.value.message_en and "5" in info.value.message_th

    jobs.import_job_run(actor=owner, job_id=job.pk)
    job = jobs.import_job_execute(job_id=job.pk)
    assert job.status == "failed"
    assert job.report["error"]["code"] == "unclosed_quote"
    assert not Customer.objects.filter(workspace=owner.workspace).exists()


def test_a_small_broken_file_is_refused_at_upload(owner: Actor) -> None:
    with pytest.raises(ImportFileError) as info:
        jobs.import_job_create(
            actor=owner, file=upload("c.csv", (HEAD + ROWS[0] + ROWS[3]).encode()), kind="customers"
        )
    assert (info.value.code, info.value.details["line"]) == ("unclosed_quote", 3)


def test_the_line_is_the_quotes_own_line_after_a_multiline_cell(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "f.csv"
    path.write_text(HEAD + 'ก,081-359-6920,"สองบรรทัด\nบรรทัดสอง"\nข,081-222-3344,"ไม่ปิด\nค,,\n')
    with pytest.raises(ImportFileError) as info, open_table(path) as table:
        list(table.rows)
    # Row 3 of the sheet, which starts on line 4 of the text (row 2 holds a line break).
    assert (info.value.details["line"], info.value.details["text_line"]) == (3, 4)


def test_a_closed_multiline_cell_in_the_last_row_is_fine(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "f.csv"
    path.write_text(HEAD + ROWS[0] + 'สมชาย รักดี,089-123-4567,"ชอบกาแฟ\nไม่ใส่น้ำตาล"\n')
    with open_table(path) as table:
        rows = list(table.rows)
    assert [line for line, _cells in rows] == [2, 3]
    assert rows[1][1][2] == "ชอบกาแฟ\nไม่ใส่น้ำตาล"
