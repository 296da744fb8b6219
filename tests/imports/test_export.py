"""Customer export: CSV/XLSX, permission, audit row, and import → export → import is stable."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator
from typing import Any, cast

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from samphan.core.access import Actor, actor_for_membership
from samphan.core.errors import PermissionDenied
from samphan.core.models import AuditLog
from samphan.core.roles import Role
from samphan.customers.exports import EXPORT_COLUMNS, customers_export
from samphan.customers.models import ConsentEvent, ContactPoint, Customer
from samphan.imports import jobs as imports
from samphan.imports.models import ImportJob
from tests.imports.conftest import member, upload

pytestmark = pytest.mark.django_db

RunFile = Callable[..., ImportJob]


def _export(actor: Actor, fmt: str = "csv", **kw: Any) -> bytes:
    response = customers_export(
        actor=actor, queryset=Customer.objects.filter(workspace=actor.workspace), format=fmt, **kw
    )
    return _content(response)


def _content(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(cast(Iterator[bytes], response.streaming_content))
    return cast(bytes, response.content)


def _state(actor: Actor) -> list[tuple[Any, ...]]:
    rows = []
    for c in Customer.objects.filter(workspace=actor.workspace).order_by("pk"):
        rows.append((
            c.pk, c.title, c.first_name, c.last_name, c.nickname, c.gender, c.birthday, c.province,
            sorted(c.tags.values_list("name", flat=True)),
            sorted(ContactPoint.objects.filter(customer=c).values_list("kind", "value", "is_primary")),
            ConsentEvent.objects.filter(customer=c).count(),
        ))  # fmt: skip
    return rows


def test_csv_export_for_excel(owner: Actor, run_file: RunFile) -> None:
    run_file("customers.csv", "customers")
    data = _export(owner, filters={"province": "กรุงเทพมหานคร"})
    assert data.startswith(b"\xef\xbb\xbf")  # a BOM, so Excel reads UTF-8 Thai
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == [heading for _key, heading in EXPORT_COLUMNS]
    assert len(rows) == 1 + 4
    somying = next(r for r in rows if r[1] == "สมหญิง")
    assert somying[:5] == ["นางสาว", "สมหญิง", "ใจดี", "หญิง", "081-359-6920"]
    assert somying[6] == "somying"  # a LINE ID typed as @somying
    # Dates day/month/year in the reader's years: Buddhist Era in Thai.
    assert somying[10:14] == ["15/04/2530", "หญิง", "กรุงเทพมหานคร", "VIP, ขายส่ง, ลูกค้าประจำ"]
    assert somying[14] == "ใช่"
    audit = AuditLog.objects.get(action="customers.exported")
    assert audit.workspace_id == owner.workspace.pk
    assert audit.actor_id == (owner.user.pk if owner.user else None)
    assert audit.data == {"count": 4, "format": "csv", "filters": {"province": "กรุงเทพมหานคร"}}


def test_export_years_follow_the_reader(owner: Actor, run_file: RunFile) -> None:
    from django.utils import translation

    from samphan.core.display import Display, display_override

    run_file("customers.csv", "customers")

    def birthday() -> str:
        rows = list(csv.reader(io.StringIO(_export(owner).decode("utf-8-sig"))))
        return next(r for r in rows if r[1] == "สมหญิง")[10]

    with translation.override("en"):
        assert birthday() == "15/04/1987"  # English: Common Era
        with display_override(Display(year_style="be")):
            assert birthday() == "15/04/2530"  # unless the reader chose Buddhist Era
    with display_override(Display(year_style="ce")):
        assert birthday() == "15/04/1987"


def test_xlsx_export(owner: Actor, run_file: RunFile) -> None:
    run_file("customers.csv", "customers")
    workbook = openpyxl.load_workbook(io.BytesIO(_export(owner, "xlsx")), read_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert rows[0][1] == "ชื่อ / First name"
    assert len(rows) == 5
    assert AuditLog.objects.get(action="customers.exported").data["format"] == "xlsx"


def test_export_needs_the_permission(owner: Actor) -> None:
    staff = actor_for_membership(member(workspace=owner.workspace, role=Role.STAFF))
    with pytest.raises(PermissionDenied):
        _export(staff)
    assert not AuditLog.objects.filter(action="customers.exported").exists()


def test_export_is_limited_to_the_workspace(owner: Actor, run_file: RunFile) -> None:
    run_file("customers.csv", "customers")
    stranger = actor_for_membership(member())
    response = customers_export(actor=stranger, queryset=Customer.objects.all(), format="csv")
    rows = _content(response).decode("utf-8-sig").strip().splitlines()
    assert len(rows) == 1  # the heading only


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_round_trip_of_the_fixture(fmt: str, owner: Actor, run_file: RunFile) -> None:
    run_file("customers.csv", "customers")
    before = _state(owner)
    job = run_file(f"export.{fmt}", "customers", content=_export(owner, fmt))
    assert (job.created_count, job.updated_count, job.error_count) == (0, 0, 0)
    assert job.skipped_count == 4
    assert _state(owner) == before


# --- the property: whatever a customers file holds, import → export → import changes nothing --

_thai = st.text(alphabet="กขคงจฉชซญดตถทนบปผพฟมยรลวศสหอะาิีึืุูเแโใไ่้๊๋ั็์ ", min_size=1, max_size=12)
_latin = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ '-", min_size=1, max_size=12
)
_name = st.one_of(_thai, _latin)
_phone = st.builds(lambda n: f"08{n:08d}", st.integers(min_value=10_000_000, max_value=99_999_999))
_email = st.builds(
    lambda a, n: f"{a}{n}@example.com", st.sampled_from(["som", "nok", "a.b"]), st.integers(0, 999)
)
_date = st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2010, 12, 31))
_row = st.fixed_dictionaries(
    {
        "title": st.sampled_from(["", "นาย", "นาง", "นางสาว", "คุณ", "Mr.", "Ms."]),
        "first": _name,
        "last": st.one_of(st.just(""), _name),
        "nickname": st.one_of(st.just(""), _name),
        "phones": st.lists(_phone, max_size=2),
        "email": st.one_of(st.just(""), _email),
        "birthday": st.one_of(st.none(), _date),
        "be": st.booleans(),
        "gender": st.sampled_from(["", "หญิง", "ชาย", "female", "M", "อื่นๆ"]),
        "province": st.sampled_from(["", "กรุงเทพฯ", "Chiang Mai", "ขอนแก่น", "บ้านสวน"]),
        "tags": st.lists(st.sampled_from(["VIP", "vip", "ลูกค้าประจำ", "ขายส่ง", "#new"]), max_size=3),
        "consent": st.sampled_from(["", "ใช่", "ไม่", "yes", "no"]),
    }
)


def _file(rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["คำนำหน้า", "ชื่อ", "นามสกุล", "ชื่อเล่น", "เบอร์โทร", "อีเมล", "วันเกิด", "เพศ",
                     "จังหวัด", "แท็ก", "ยินยอม LINE"])  # fmt: skip
    for r in rows:
        birthday = ""
        if r["birthday"] is not None:
            d = r["birthday"]
            birthday = f"{d.day:02d}/{d.month:02d}/{d.year + 543}" if r["be"] else d.isoformat()
        writer.writerow([r["title"], r["first"], r["last"], r["nickname"], ", ".join(r["phones"]),
                         r["email"], birthday, r["gender"], r["province"], ", ".join(r["tags"]),
                         r["consent"]])  # fmt: skip
    return out.getvalue().encode("utf-8-sig")


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(_row, min_size=1, max_size=6), fmt=st.sampled_from(["csv", "xlsx"]))
def test_import_export_import_is_stable(rows: list[dict[str, Any]], fmt: str) -> None:
    actor = actor_for_membership(member())

    def run(name: str, content: bytes) -> ImportJob:
        job = imports.import_job_create(actor=actor, file=upload(name, content), kind="customers")
        imports.import_job_run(actor=actor, job_id=job.pk)
        return imports.import_job_execute(job_id=job.pk)

    first = run("customers.csv", _file(rows))
    assert first.status == "done", first.report
    before = _state(actor)
    again = run(f"export.{fmt}", _export(actor, fmt))
    assert again.status == "done", again.report
    assert again.report["errors"] == []
    assert (again.created_count, again.updated_count) == (0, 0)
    assert _state(actor) == before


def test_formula_like_cells_are_guarded_and_read_back(owner: Actor, run_file: RunFile) -> None:
    content = "ชื่อ,ชื่อเล่น,เบอร์โทร\n=HYPERLINK(1),-นิด,0811112222\n".encode()
    run_file("odd.csv", "customers", content=content)
    data = _export(owner).decode("utf-8-sig")
    assert ",'=HYPERLINK(1),," in data and ",'-นิด," in data  # Excel shows text, runs nothing
    before = _state(owner)
    again = run_file("export.csv", "customers", content=data.encode("utf-8-sig"))
    assert (again.created_count, again.updated_count) == (0, 0)
    assert _state(owner) == before
    assert Customer.objects.get(workspace=owner.workspace).first_name == "=HYPERLINK(1)"


def test_customer_list_export_page(owner_client: Any, owner: Actor, run_file: RunFile) -> None:
    run_file("customers.csv", "customers")
    response = owner_client.get("/customers/export/?format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="customers-')
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert body.count("\n") == 5
    assert AuditLog.objects.filter(action="customers.exported", workspace=owner.workspace).exists()
