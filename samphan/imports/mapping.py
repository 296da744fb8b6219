"""What each kind of import can read, and how file headings map to those fields.

Headings are compared as ``spec.header_key`` says; the fields of the marketplace exports are
in ``marketplaces``.

A *mapping* is ``{column index: field key}``: the column at that position (0-based) is read
into that field; columns not in the mapping are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from samphan.imports.errors import ImportFileError
from samphan.imports.marketplaces import KNOWN_COLUMNS, MARKETPLACE_FIELDS
from samphan.imports.models import ImportKind
from samphan.imports.spec import FieldSpec, header_key, header_variants
from samphan.imports.spec import field as _f
from samphan.imports.values import DATE_ORDERS

__all__ = ["FieldSpec", "header_key", "header_variants"]


# --- customers ----------------------------------------------------------------------------------

_PHONE_ALIASES = (
    "โทรศัพท์", "เบอร์โทร", "เบอร์โทรศัพท์", "เบอร์มือถือ", "มือถือ", "เบอร์", "โทร",
    "หมายเลขโทรศัพท์", "phone", "phones", "phone number", "mobile", "mobile phone", "mobile number",
    "tel", "telephone",
)  # fmt: skip
_EMAIL_ALIASES = ("อีเมล", "อีเมล์", "email", "emails", "e-mail", "email address")
_LINE_ALIASES = ("line", "line id", "ไลน์", "ไอดีไลน์", "line user id", "line ids")

CUSTOMER_FIELDS: tuple[FieldSpec, ...] = (
    _f(
        "full_name", _("Full name (title, first and last name in one cell)"),
        "ชื่อ-นามสกุล", "ชื่อ นามสกุล", "ชื่อและนามสกุล", "ชื่อ-สกุล", "ชื่อสกุล", "ชื่อลูกค้า",
        "ลูกค้า", "name", "full name", "customer name", "customer",
    ),
    _f("title", _("Title (คุณ, นาย, นางสาว …)"), "คำนำหน้า", "คำนำหน้าชื่อ", "title", "prefix", "salutation"),
    _f("first_name", _("First name"), "ชื่อ", "ชื่อจริง", "first name", "firstname", "given name"),
    _f("last_name", _("Last name"), "นามสกุล", "สกุล", "last name", "lastname", "surname", "family name"),
    _f("nickname", _("Nickname"), "ชื่อเล่น", "nickname", "nick name", "nick"),
    _f("phone", _("Phone (several may be separated by commas)"), *_PHONE_ALIASES),
    _f(
        "phone2", _("Second phone"),
        "โทรศัพท์ 2", "เบอร์โทร 2", "เบอร์สำรอง", "phone 2", "mobile 2", "other phone", "phone2",
    ),
    _f("email", _("Email"), *_EMAIL_ALIASES),
    _f("line_id", _("LINE ID"), *_LINE_ALIASES),
    _f("shopee_username", _("Shopee username"), "shopee", "shopee username", "ชื่อผู้ใช้ shopee"),
    _f("lazada_username", _("Lazada username"), "lazada", "lazada username", "ชื่อผู้ใช้ lazada"),
    _f(
        "tiktok_username", _("TikTok Shop username"),
        "tiktok", "tiktok shop", "tiktok username", "ชื่อผู้ใช้ tiktok",
    ),
    _f(
        "birthday", _("Birthday (15/04/2530 or 1987-04-15)"),
        "วันเกิด", "วันเดือนปีเกิด", "วัน/เดือน/ปีเกิด", "birthday", "birth date", "date of birth",
        "dob", "birthdate",
    ),
    _f("gender", _("Gender (หญิง/ชาย/อื่นๆ)"), "เพศ", "gender", "sex"),
    _f("province", _("Province"), "จังหวัด", "province"),
    _f("tags", _("Tags (separated by commas)"), "แท็ก", "แท็ก", "tags", "tag", "labels", "กลุ่มลูกค้า"),
    _f(
        "consent_line", _("Consent: marketing by LINE (yes/no)"),
        "ยินยอม line", "ยินยอมรับข่าวสารทาง line", "consent line", "marketing line",
    ),
    _f(
        "consent_sms", _("Consent: marketing by SMS (yes/no)"),
        "ยินยอม sms", "ยินยอมรับข่าวสารทาง sms", "consent sms", "marketing sms",
    ),
    _f(
        "consent_email", _("Consent: marketing by email (yes/no)"),
        "ยินยอม อีเมล", "ยินยอมรับข่าวสารทางอีเมล", "consent email", "marketing email",
    ),
)  # fmt: skip

# --- orders (a shop's own spreadsheet or POS export) ----------------------------------------------

ORDER_FIELDS: tuple[FieldSpec, ...] = (
    _f(
        "order_number", _("Order number"),
        "เลขที่คำสั่งซื้อ", "หมายเลขคำสั่งซื้อ", "เลขที่ออเดอร์", "เลขออเดอร์", "เลขที่ใบเสร็จ",
        "order number", "order no", "order id", "order", "receipt no", "invoice no", "bill no",
        required=True,
    ),
    _f("external_id", _("External ID (if different from the order number)"), "external id", "รหัสอ้างอิง", "reference"),
    _f(
        "placed_at", _("Order date"),
        "วันที่", "วันที่สั่งซื้อ", "วันที่ขาย", "วันเวลา", "เวลาที่ทำการสั่งซื้อ", "เวลาที่สั่งซื้อ",
        "date", "order date", "order time", "placed at",
        "created at", "sale date",
        required=True,
    ),
    _f("customer_name", _("Customer name"), "ชื่อลูกค้า", "ลูกค้า", "customer", "customer name", "name"),
    _f(
        "customer_phone", _("Customer phone"),
        "เบอร์โทรลูกค้า", "customer phone", *_PHONE_ALIASES,
    ),
    _f("customer_email", _("Customer email"), "อีเมลลูกค้า", "customer email", *_EMAIL_ALIASES),
    _f("customer_line", _("Customer LINE ID"), *_LINE_ALIASES),
    _f("channel", _("Sales channel"), "ช่องทาง", "ช่องทางการขาย", "channel", "sales channel"),
    _f("branch", _("Branch"), "สาขา", "branch", "store", "shop"),
    _f("sku", _("SKU"), "sku", "รหัสสินค้า", "product code", "item code", "sku code"),
    _f(
        "product_name", _("Product name"),
        "สินค้า", "ชื่อสินค้า", "รายการ", "รายการสินค้า", "product", "product name", "item",
        "item name", "description",
    ),
    _f("quantity", _("Quantity"), "จำนวน", "qty", "quantity", "ชิ้น", "units"),
    _f(
        "unit_price", _("Unit price (baht)"),
        "ราคา", "ราคาต่อหน่วย", "ราคาต่อชิ้น", "unit price", "price",
        required=True,
    ),
    _f("discount", _("Order discount (baht, once per order)"), "ส่วนลด", "discount"),
    _f("shipping", _("Shipping fee (baht, once per order)"), "ค่าส่ง", "ค่าจัดส่ง", "shipping", "shipping fee", "delivery fee"),
    _f(
        "payment_method", _("Payment method"),
        "ชำระโดย", "วิธีชำระเงิน", "ช่องทางชำระเงิน", "ช่องทางการชำระเงิน", "payment", "payment method",
    ),
    _f("status", _("Status (paid, cancelled, refunded, returned)"), "สถานะ", "status", "order status"),
    _f("coupon_code", _("Coupon code"), "คูปอง", "โค้ดส่วนลด", "coupon", "coupon code", "promo code"),
)  # fmt: skip

KIND_FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    ImportKind.CUSTOMERS: CUSTOMER_FIELDS,
    ImportKind.ORDERS: ORDER_FIELDS,
    **MARKETPLACE_FIELDS,
}

# At least one field of each group must be mapped (beyond each field's own ``required``).
_CUSTOMER_NAME_OR_CONTACT = (
    "full_name", "first_name", "last_name", "nickname", "phone", "email", "line_id",
    "shopee_username", "lazada_username", "tiktok_username",
)  # fmt: skip
REQUIRED_ONE_OF: dict[str, tuple[tuple[str, ...], ...]] = {
    ImportKind.CUSTOMERS: (_CUSTOMER_NAME_OR_CONTACT,),
    ImportKind.ORDERS: (("product_name", "sku"),),
}


def fields_for(kind: str) -> tuple[FieldSpec, ...]:
    try:
        return KIND_FIELDS[kind]
    except KeyError as exc:
        raise ImportFileError(
            "invalid_kind",
            _("Choose what the file holds: customers, orders, Shopee, Lazada or TikTok Shop."),
        ) from exc


def _alias_index(kind: str) -> dict[str, tuple[str, int]]:
    """Heading key → (field, rank): a field's aliases are listed by preference."""
    index: dict[str, tuple[str, int]] = {}
    for spec in fields_for(kind):
        for rank, alias in enumerate((spec.key, *spec.aliases)):
            index.setdefault(header_key(alias), (spec.key, rank))
    return index


def _known_index(kind: str) -> dict[str, str | Promise]:
    index: dict[str, str | Promise] = {}
    for label, aliases in KNOWN_COLUMNS.get(kind, ()):
        for alias in aliases:
            index.setdefault(header_key(alias), label)
    return index


def known_column(kind: str, heading: str) -> str | Promise | None:
    """Why a column of a known export is left out (``Delivery and tracking: not imported``),
    or None for a heading the export is not known to have. The whole heading is compared,
    then the heading without what is in parentheses (``Seller Voucher(THB)``)."""
    index = _known_index(kind)
    for text in (heading, re.sub(r"\([^)]*\)", "", heading)):
        label = index.get(header_key(text))
        if label is not None:
            return label
    return None


def suggest_mapping(kind: str, headers: list[str]) -> dict[int, str]:
    """The mapping guessed from the headings, so a user only fixes what is unusual. Whole
    headings first: a field named by several columns goes to the one its most preferred alias
    names (Lazada's ``shippingRegion`` before ``shippingAddress5``), then to the first; then
    parts of headings (``ชื่อ / First name``) for the fields still free."""
    index = _alias_index(kind)
    best: dict[str, tuple[int, int]] = {}
    for col, heading in enumerate(headers):
        keys = header_variants(heading)
        hit = index.get(keys[0]) if keys else None
        if hit is not None:
            field, rank = hit
            if field not in best or (rank, col) < best[field]:
                best[field] = (rank, col)
    mapping = {col: field for field, (_rank, col) in best.items()}
    taken = set(best)
    for col, heading in enumerate(headers):
        if col in mapping:
            continue
        for key in header_variants(heading)[1:]:
            hit = index.get(key)
            if hit is not None and hit[0] not in taken:
                mapping[col] = hit[0]
                taken.add(hit[0])
                break
    return dict(sorted(mapping.items()))


def mapping_clean(
    kind: str, headers: list[str], raw: Mapping[str, object] | None
) -> dict[int, str]:
    """Check a mapping a person or API client gave: keys are column positions (``"3"``) or
    headings (``"Order ID"``); values are field keys or empty (not imported). Each field may be
    mapped once, and the required fields must be there."""
    specs = {s.key: s for s in fields_for(kind)}
    if raw is None:
        mapping = suggest_mapping(kind, headers)
    else:
        mapping = {}
        by_heading: dict[str, int] = {}
        for col, heading in enumerate(headers):
            by_heading.setdefault(heading, col)
            by_heading.setdefault(header_key(heading), col)
        for key, value in raw.items():
            field = str(value or "").strip()
            if not field:
                continue
            text = str(key)
            col_or_none = (
                int(text)
                if text.isdigit()
                else by_heading.get(text, by_heading.get(header_key(text)))
            )
            if col_or_none is None or not 0 <= col_or_none < len(headers):
                raise ImportFileError(
                    "unknown_column",
                    _("The file has no column “%(column)s”."),
                    {"field": "mapping", "column": text},
                    column=text,
                )
            if field not in specs:
                raise ImportFileError(
                    "unknown_field",
                    _("“%(field)s” is not something this import can read."),
                    {"field": "mapping", "value": field},
                    field=field,
                )
            mapping[col_or_none] = field
    seen: dict[str, int] = {}
    for col, field in sorted(mapping.items()):
        if field in seen:
            raise ImportFileError(
                "field_mapped_twice",
                _("“%(field)s” is chosen for two columns (%(first)s and %(second)s); choose one."),
                {"field": "mapping", "value": field},
                field=specs[field].label,
                first=headers[seen[field]],
                second=headers[col],
            )
        seen[field] = col
    missing = [s for s in specs.values() if s.required and s.key not in seen]
    for group in REQUIRED_ONE_OF.get(kind, ()):
        if not any(f in seen for f in group):
            missing.append(specs[group[0]])
    if missing:
        raise ImportFileError(
            "required_field_unmapped",
            _("Choose the column that holds: %(fields)s."),
            {"field": "mapping", "missing": [s.key for s in missing]},
            fields=", ".join(str(s.label) for s in missing),
        )
    return dict(sorted(mapping.items()))


def mapping_as_json(mapping: Mapping[int, str]) -> dict[str, str]:
    return {str(col): field for col, field in sorted(mapping.items())}


def mapping_from_json(data: Mapping[str, object] | None) -> dict[int, str] | None:
    if not data:
        return None
    return {int(k): str(v) for k, v in data.items() if str(k).isdigit() and v}


def _column_of(headers: list[str], key: object) -> int | None:
    text = str(key)
    if text.isdigit():
        col = int(text)
        return col if 0 <= col < len(headers) else None
    for col, heading in enumerate(headers):
        if text in (heading, header_key(heading)) or header_key(text) == header_key(heading):
            return col
    return None


def date_orders_clean(headers: list[str], raw: Mapping[str, object] | None) -> dict[str, str]:
    """Check the day/month order a person chose for date columns: ``{column: "dmy" | "mdy"}``
    (column positions or headings, as in a mapping); empty choices are dropped."""
    clean: dict[str, str] = {}
    for key, value in (raw or {}).items():
        order = str(value or "").strip()
        if not order:
            continue
        col = _column_of(headers, key)
        if col is None:
            raise ImportFileError(
                "unknown_column",
                _("The file has no column “%(column)s”."),
                {"field": "date_orders", "column": str(key)},
                column=str(key),
            )
        if order not in DATE_ORDERS:
            raise ImportFileError(
                "invalid_date_order",
                _("Write the date order as “dmy” (day/month/year) or “mdy” (month/day/year)."),
                {"field": "date_orders", "value": order},
            )
        clean[str(col)] = order
    return dict(sorted(clean.items(), key=lambda item: int(item[0])))


def date_orders_from_json(data: Mapping[str, object] | None) -> dict[int, str]:
    return {int(k): str(v) for k, v in (data or {}).items() if str(k).isdigit() and v}
