"""Exporting a customer list as CSV or Excel, audit-logged.

The columns are the ones the customers importer reads (``samphan.imports``), so an
exported file can be edited and imported again: headings are written in Thai and English
(``ชื่อ / First name``) and the importer matches either half; phones are written the Thai way
(``081-359-6920``: Excel keeps the leading 0 of a number with dashes), dates as ISO
(``1987-04-15``), several phones or emails in one cell separated by commas. The purchase
figures at the end are for reading only; the importer ignores them.

A cell that starts with ``=``, ``+``, ``-`` or ``@`` gets a leading ``'`` so that Excel shows it
as text instead of running it as a formula (CSV injection); the importer takes it off again.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from samphan.core.access import Actor, require
from samphan.core.audit import audit_record
from samphan.core.csvsafe import formula_safe
from samphan.core.display import uses_buddhist_era
from samphan.core.errors import ApplicationError
from samphan.core.money import satang_to_baht
from samphan.core.roles import Perm
from samphan.core.thai.dates import format_numeric_date
from samphan.core.thai.phone import format_phone_display
from samphan.customers.models import (
    ConsentEvent,
    ConsentPurpose,
    ContactKind,
    ContactPoint,
    Customer,
)

CHUNK = 2000
LINE_HANDLE_PREFIX = "line:"  # LINE IDs that are not user IDs are kept as social handles

# (key, heading). The headings are fixed, not translated: the importer must recognise them.
EXPORT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("title", "คำนำหน้า / Title"),
    ("first_name", "ชื่อ / First name"),
    ("last_name", "นามสกุล / Last name"),
    ("nickname", "ชื่อเล่น / Nickname"),
    ("phone", "โทรศัพท์ / Phone"),
    ("email", "อีเมล / Email"),
    ("line_id", "LINE ID"),
    ("shopee_username", "Shopee username"),
    ("lazada_username", "Lazada username"),
    ("tiktok_username", "TikTok username"),
    ("birthday", "วันเกิด / Birthday"),
    ("gender", "เพศ / Gender"),
    ("province", "จังหวัด / Province"),
    ("tags", "แท็ก / Tags"),
    ("consent_line", "ยินยอม LINE / Consent LINE"),
    ("consent_sms", "ยินยอม SMS / Consent SMS"),
    ("consent_email", "ยินยอม อีเมล / Consent email"),
    # Read-only figures (not imported back):
    ("customer_id", "รหัสลูกค้า (Samphan) / Samphan customer no."),
    ("orders_count", "จำนวนคำสั่งซื้อ / Orders"),
    ("total_spent", "ยอดซื้อรวม บาท / Total spent THB"),
    ("last_order_at", "ซื้อล่าสุด / Last order"),
    ("created_at", "วันที่เพิ่ม / Added on"),
)
FORMATS = ("csv", "xlsx")
_CONSENTS = {
    "consent_line": ConsentPurpose.MARKETING_LINE,
    "consent_sms": ConsentPurpose.MARKETING_SMS,
    "consent_email": ConsentPurpose.MARKETING_EMAIL,
}
_USERNAMES = {
    "shopee_username": ContactKind.SHOPEE,
    "lazada_username": ContactKind.LAZADA,
    "tiktok_username": ContactKind.TIKTOK,
}
_WORDS = {  # value → (Thai, English)
    "female": ("หญิง", "female"),
    "male": ("ชาย", "male"),
    "other": ("อื่นๆ", "other"),
    True: ("ใช่", "yes"),
    False: ("ไม่", "no"),
}
_safe = formula_safe


def _word(value: Any, thai: bool) -> str:
    if value in ("", None):
        return ""
    words = _WORDS.get(value)
    return (words[0] if thai else words[1]) if words else str(value)


def _local_date(value: Any, buddhist_era: bool) -> str:
    if not value:
        return ""
    return format_numeric_date(timezone.localtime(value).date(), buddhist_era=buddhist_era)


def export_rows(
    *,
    actor: Actor,
    queryset: QuerySet[Customer],
    thai: bool = True,
    buddhist_era: bool | None = None,
) -> Iterator[list[Any]]:
    """The heading row, then one row per customer, read in chunks of ``CHUNK`` by id (a
    million customers never sit in memory at once). ``thai``: gender and yes/no in Thai.
    Dates are day/month/year in the reader's years (``buddhist_era``, else as in Thai), which
    the importer reads back."""
    era = thai if buddhist_era is None else buddhist_era
    yield [heading for _key, heading in EXPORT_COLUMNS]
    base = queryset.filter(workspace=actor.workspace, merged_into__isnull=True).order_by("pk")
    last = 0
    while True:
        customers = list(base.filter(pk__gt=last)[:CHUNK])
        if not customers:
            return
        last = customers[-1].pk
        ids = [c.pk for c in customers]
        contacts: dict[int, dict[str, list[str]]] = {}
        for customer_id, kind, value in (
            ContactPoint.objects.filter(customer_id__in=ids)
            .order_by("customer_id", "-is_primary", "pk")
            .values_list("customer_id", "kind", "value")
        ):
            contacts.setdefault(customer_id, {}).setdefault(kind, []).append(value)
        tags: dict[int, list[str]] = {}
        for customer_id, name in Customer.tags.through.objects.filter(
            customer_id__in=ids
        ).values_list("customer_id", "tag__name"):
            tags.setdefault(customer_id, []).append(name)
        consents: dict[tuple[int, str], bool] = {}
        for customer_id, purpose, granted in (
            ConsentEvent.objects.filter(customer_id__in=ids)
            .order_by("customer_id", "purpose", "-recorded_at", "-id")
            .values_list("customer_id", "purpose", "granted")
        ):
            consents.setdefault((customer_id, purpose), granted)
        for c in customers:
            mine = contacts.get(c.pk, {})
            lines = list(mine.get(ContactKind.LINE, [])) + [
                v.removeprefix(LINE_HANDLE_PREFIX)
                for v in mine.get(ContactKind.SOCIAL, [])
                if v.startswith(LINE_HANDLE_PREFIX)
            ]
            values: dict[str, Any] = {
                "title": c.title,
                "first_name": c.first_name,
                "last_name": c.last_name,
                "nickname": c.nickname,
                "phone": ", ".join(
                    format_phone_display(v) for v in mine.get(ContactKind.PHONE, [])
                ),
                "email": ", ".join(mine.get(ContactKind.EMAIL, [])),
                "line_id": ", ".join(lines),
                "birthday": format_numeric_date(c.birthday, buddhist_era=era),
                "gender": _word(c.gender, thai),
                "province": c.province,
                "tags": ", ".join(sorted(tags.get(c.pk, []), key=str.casefold)),
                "customer_id": c.pk,
                "orders_count": c.orders_count,
                "total_spent": f"{satang_to_baht(c.total_spent_satang):.2f}",
                "last_order_at": _local_date(c.last_order_at, era),
                "created_at": _local_date(c.created_at, era),
            }
            for key, kind in _USERNAMES.items():
                values[key] = ", ".join(mine.get(kind, []))
            for key, purpose in _CONSENTS.items():
                values[key] = _word(consents.get((c.pk, purpose)), thai)
            yield [
                _safe(v) if isinstance(v, str) else v
                for v in (values[key] for key, _heading in EXPORT_COLUMNS)
            ]


def export_csv_chunks(rows: Iterator[list[Any]]) -> Iterator[bytes]:
    """UTF-8 with a byte-order mark, so that Excel shows Thai; about 64 KiB per chunk."""
    yield "\ufeff".encode()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(row)
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def export_xlsx_bytes(rows: Iterator[list[Any]]) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("customers")
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def customers_export(
    *,
    actor: Actor,
    queryset: QuerySet[Customer],
    format: str = "csv",
    filters: dict[str, Any] | None = None,
    ip: str | None = None,
) -> HttpResponse | StreamingHttpResponse:
    """The customers in ``queryset`` (the list as filtered on screen) as a file download: CSV
    streamed row by row, or an XLSX workbook. Needs ``customer.export``; writes the audit row
    ``customers.exported`` with the count, the format and the filters."""
    require(actor, Perm.CUSTOMER_EXPORT)
    if format not in FORMATS:
        raise ApplicationError(
            "invalid_format", _("Choose CSV or Excel (xlsx)."), {"field": "format"}, status=422
        )
    queryset = queryset.filter(workspace=actor.workspace, merged_into__isnull=True)
    count = queryset.count()
    audit_record(
        action="customers.exported",
        workspace=actor.workspace,
        actor=actor.user,
        actor_label=actor.label,
        target=f"{count} customers",
        ip=ip,
        data={"count": count, "format": format, "filters": filters or {}},
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    thai = (get_language() or "th").startswith("th")
    # Decided now: a streamed CSV is written after the request's display settings are gone.
    rows = export_rows(actor=actor, queryset=queryset, thai=thai, buddhist_era=uses_buddhist_era())
    response: HttpResponse | StreamingHttpResponse
    if format == "xlsx":
        response = HttpResponse(
            export_xlsx_bytes(rows),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        response = StreamingHttpResponse(
            export_csv_chunks(rows), content_type="text/csv; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="customers-{stamp}.{format}"'
    return response
