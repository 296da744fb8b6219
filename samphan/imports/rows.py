"""One row of a file → a draft: a customer (customers files) or one item of an order.

A row with any bad cell yields no draft, and every bad cell of it is reported (not only the
first), so the shop owner can fix a row in one go.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from samphan.commerce.models import OrderStatus, SalesChannel
from samphan.core.models import Branch
from samphan.core.thai.names import clean_text, split_full_name, split_title
from samphan.core.thai.phone import is_masked
from samphan.customers.models import ConsentPurpose, ContactKind
from samphan.imports.errors import CellError, RowError, cell_error
from samphan.imports.marketplaces import MARKETPLACE_CONTACT
from samphan.imports.models import ImportKind
from samphan.imports.spec import header_key
from samphan.imports.values import (
    EITHER,
    MONTH_FIRST,
    NOT_NUMERIC,
    clean_cell,
    date_evidence,
    is_masked_name,
    parse_birthday,
    parse_datetime,
    parse_email,
    parse_gender,
    parse_line,
    parse_money,
    parse_money_positive,
    parse_phone,
    parse_quantity,
    parse_text,
    parse_username,
    parse_yes_no,
    phone_or_none,
    province_name,
    split_multi,
)

UNPAID = "unpaid"  # not an OrderStatus: such orders are skipped until they are paid

# Marketplace and shop status words → Samphan's order status (compared by header_key).
_STATUS_WORDS: dict[str, tuple[str, ...]] = {
    OrderStatus.PAID: (
        "paid", "completed", "complete", "delivered", "shipped", "shipping", "to ship",
        "ready to ship", "ready_to_ship", "confirmed", "pending", "packed", "processing",
        "in transit", "to receive", "awaiting shipment", "awaiting collection", "success",
        "สำเร็จแล้ว", "สำเร็จ", "จัดส่งแล้ว", "ที่ต้องจัดส่ง", "กำลังจัดส่ง", "ที่ต้องได้รับ",
        "ชำระแล้ว", "จ่ายแล้ว", "รอจัดส่ง", "ส่งแล้ว", "ได้รับสินค้าแล้ว", "เสร็จสมบูรณ์",
        "ขายแล้ว", "ปกติ",
    ),
    OrderStatus.CANCELLED: (
        "cancelled", "canceled", "cancel", "cancellation", "failed", "ยกเลิกแล้ว", "ยกเลิก",
        "ถูกยกเลิก", "คำสั่งซื้อถูกยกเลิก",
    ),
    OrderStatus.REFUNDED: (
        "refunded", "refund", "refund approved", "refund completed", "คืนเงินแล้ว", "คืนเงิน",
        "คืนเงินสำเร็จ", "การคืนเงินเสร็จสมบูรณ์",
    ),
    OrderStatus.RETURNED: (
        "returned", "return", "package returned", "returned to seller", "คืนสินค้า",
        "คืนสินค้าแล้ว", "ส่งคืน", "ตีกลับ",
    ),
    UNPAID: (
        "unpaid", "awaiting payment", "pending payment", "ที่ต้องชำระ", "ยังไม่ชำระ",
        "รอชำระเงิน", "รอการชำระเงิน", "ยังไม่ได้ชำระเงิน",
    ),
}  # fmt: skip
_STATUS_OF = {header_key(w): s for s, words in _STATUS_WORDS.items() for w in words}
_STATUS_OF.update({header_key(str(label)): value for value, label in OrderStatus.choices})


def status_of(text: str) -> str | None:
    return _STATUS_OF.get(header_key(text))


@dataclass(slots=True)
class Buyer:
    """Who bought, as an order file says: identities first, then what describes them."""

    contacts: list[tuple[str, str]]
    title: str = ""
    first_name: str = ""
    last_name: str = ""
    province: str = ""
    # A name the marketplace hid (ส****, j***n): kept on the buyer's first contact as the
    # marketplace's display name, never as a name.
    display_name: str = ""


@dataclass(slots=True)
class CustomerRow:
    line: int
    contacts: list[tuple[str, str]]
    values: dict[str, Any]  # the profile fields the row gives (empty cells leave a field alone)
    tags: list[str]
    consents: dict[str, bool]


@dataclass(slots=True)
class Item:
    sku: str
    name: str
    quantity: int
    unit_price: int


@dataclass(slots=True)
class OrderRow:
    line: int
    key: str  # the external id: (workspace, channel, external id) is unique
    number: str
    channel_id: int
    placed_at: dt.datetime
    status: str  # an OrderStatus, or UNPAID
    item: Item
    buyer: Buyer | None
    masked_phone: bool = False
    unknown_status: str = ""
    branch_id: int | None = None
    payment_method: str = ""
    coupon_code: str = ""
    discount: int | None = None
    shipping: int | None = None
    total: int | None = None
    paid: int | None = None  # Lazada: what the buyer paid for this unit


DATE_FIELDS = ("placed_at", "birthday")


@dataclass(slots=True)
class DateColumn:
    """What the cells of one date column said about its day/month order (``date_evidence``),
    counted as the file streams by, with a few of the values for the dry run to show."""

    counts: list[int] = field(default_factory=lambda: [0, 0, 0, 0])
    examples: list[str] = field(default_factory=list)  # values that could be either
    decisive: list[str] = field(default_factory=list)  # values that could only be one

    def see(self, text: str) -> None:
        said = date_evidence(text)
        if said == NOT_NUMERIC:
            return
        self.counts[said] += 1
        shown = self.examples if said == EITHER else self.decisive
        if len(shown) < 3 and text not in shown:
            shown.append(text)


@dataclass
class RowContext:
    """What a row parser needs besides the row: the mapping, the shop's channels and branches."""

    kind: str
    headers: list[str]
    mapping: dict[int, str]
    channels: Sequence[SalesChannel] = ()
    branches: Sequence[Branch] = ()
    channel_id: int | None = None  # orders go to this channel unless a row names another
    today: dt.date = field(default_factory=dt.date.today)
    # Day/month order per date field: "dmy" or "mdy" (values.DAY_FIRST, values.MONTH_FIRST).
    date_orders: dict[str, str] = field(default_factory=dict)
    dates_seen: dict[str, DateColumn] = field(init=False)
    cols: dict[str, int] = field(init=False)
    channel_by_key: dict[str, int] = field(init=False)
    branch_by_key: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.cols = {f: c for c, f in self.mapping.items()}
        self.channel_by_key = {}
        for ch in self.channels:
            for key in (ch.name, ch.kind, ch.get_kind_display()):
                self.channel_by_key.setdefault(header_key(str(key)), ch.pk)
        self.branch_by_key = {header_key(b.name): b.pk for b in self.branches}
        self.dates_seen = {name: DateColumn() for name in DATE_FIELDS if name in self.cols}

    def has(self, name: str) -> bool:
        return name in self.cols

    def column(self, name: str) -> str:
        col = self.cols.get(name)
        return self.headers[col] if col is not None and col < len(self.headers) else ""


class _Row:
    """Cell access for one row, collecting errors per column."""

    __slots__ = ("cells", "ctx", "errors", "line")

    def __init__(self, ctx: RowContext, line: int, cells: list[object]) -> None:
        self.ctx, self.line, self.cells = ctx, line, cells
        self.errors: list[RowError] = []

    def text(self, name: str) -> str:
        col = self.ctx.cols.get(name)
        if col is None or col >= len(self.cells):
            return ""
        return clean_cell(self.cells[col])

    def parse(self, name: str, parser: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        """The parsed value, or None for an empty cell or a bad one (recorded)."""
        text = self.text(name)
        if not text:
            return None
        try:
            return parser(text, *args, **kw)
        except CellError as exc:
            self.fail(name, exc, text)
            return None

    def required(self, name: str, parser: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        text = self.text(name)
        if not text:
            self.fail(name, cell_error("required", field=self.ctx.column(name) or name), "")
            return None
        try:
            return parser(text, *args, **kw)
        except CellError as exc:
            self.fail(name, exc, text)
            return None

    def date(self, name: str, parser: Callable[..., Any], *, required: bool, **kw: Any) -> Any:
        """A date cell, read in its column's day/month order; what the cell says about that
        order is noted for the column."""
        text = self.text(name)
        if not text:
            if required:
                self.fail(name, cell_error("required", field=self.ctx.column(name) or name), "")
            return None
        self.ctx.dates_seen[name].see(text)
        month_first = self.ctx.date_orders.get(name) == MONTH_FIRST
        try:
            return parser(text, month_first=month_first, **kw)
        except CellError as exc:
            self.fail(name, exc, text)
            return None

    def fail(self, name: str, exc: CellError, text: str) -> None:
        self.errors.append(exc.row_error(self.line, self.ctx.column(name), text))


def _dedupe(contacts: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return list(dict.fromkeys(contacts))


@lru_cache(maxsize=65536)
def _name(text: str) -> tuple[str, str, str]:
    """(title, first, last) of a buyer's name, cut to the columns' sizes (names repeat on every
    row of an order, hence the cache); a masked name (ส****) is no name at all."""
    if is_masked_name(text):
        return "", "", ""
    title, first, last = split_full_name(text)
    return title[:32], first[:150], last[:150]


# --- customers files ----------------------------------------------------------------------------

_CONSENT_FIELDS = {
    "consent_line": ConsentPurpose.MARKETING_LINE,
    "consent_sms": ConsentPurpose.MARKETING_SMS,
    "consent_email": ConsentPurpose.MARKETING_EMAIL,
}
_USERNAME_FIELDS = {
    "shopee_username": ContactKind.SHOPEE,
    "lazada_username": ContactKind.LAZADA,
    "tiktok_username": ContactKind.TIKTOK,
}


def _tags(text: str) -> list[str]:
    names: dict[str, str] = {}
    for raw in text.split(","):
        name = clean_text(raw).lstrip("#")
        if not name:
            continue
        if len(name) > 60:
            raise cell_error("too_long", limit=60)
        names.setdefault(name.casefold(), name)
    return sorted(names.values(), key=str.casefold)


def parse_customer_row(
    ctx: RowContext, line: int, cells: list[object]
) -> tuple[CustomerRow | None, list[RowError]]:
    row = _Row(ctx, line, cells)
    title = row.parse("title", parse_text, limit=32) or ""
    first = row.parse("first_name", parse_text, limit=150) or ""
    last = row.parse("last_name", parse_text, limit=150) or ""
    full = row.parse("full_name", parse_text, limit=300) or ""
    if full:
        t, f, la = split_full_name(full)
        title, first, last = title or t, first or f, last or la
    elif first and not ctx.has("title"):
        # As customer_create does: a title typed in front of the first name is split off. When
        # the file has a title column the names are already split (and "คุณากร" is a name).
        t, first = split_title(first)
        title = title or t
    if len(first) > 150 or len(last) > 150 or len(title) > 32:
        row.fail("full_name", cell_error("too_long", limit=150), full)
    nickname = row.parse("nickname", parse_text, limit=80) or ""

    contacts: list[tuple[str, str]] = []
    for name in ("phone", "phone2"):
        for part in split_multi(row.text(name)):
            try:
                contacts.append((ContactKind.PHONE, parse_phone(part)))
            except CellError as exc:
                row.fail(name, exc, part)
    for part in split_multi(row.text("email")):
        try:
            contacts.append((ContactKind.EMAIL, parse_email(part)))
        except CellError as exc:
            row.fail("email", exc, part)
    for part in split_multi(row.text("line_id")):
        try:
            contacts.append(parse_line(part))
        except CellError as exc:
            row.fail("line_id", exc, part)
    for name, kind in _USERNAME_FIELDS.items():
        for part in split_multi(row.text(name)):
            try:
                handle = parse_username(part)
            except CellError as exc:
                row.fail(name, exc, part)
                continue
            if handle:
                contacts.append((kind, handle))

    values: dict[str, Any] = {}
    for key, value in (("title", title), ("first_name", first), ("last_name", last),
                       ("nickname", nickname)):  # fmt: skip
        if value:
            values[key] = value
    birthday = row.date("birthday", parse_birthday, required=False, today=ctx.today)
    if birthday is not None:
        values["birthday"] = birthday
    gender = row.parse("gender", parse_gender)
    if gender:
        values["gender"] = gender
    province = province_name(row.text("province"))
    if province:
        values["province"] = province
    tags = row.parse("tags", _tags) or []
    consents: dict[str, bool] = {}
    for name, purpose in _CONSENT_FIELDS.items():
        granted = row.parse(name, parse_yes_no)
        if granted is not None:
            consents[purpose] = granted

    if not row.errors and not (first or last or nickname or contacts):
        column = next(
            (ctx.column(n) for n in ("full_name", "first_name", "nickname", "phone") if ctx.has(n)),
            "",
        )
        th_en = cell_error("customer_empty").row_error(line, column, "")
        row.errors.append(th_en)
    if row.errors:
        return None, row.errors
    return CustomerRow(line, _dedupe(contacts), values, tags, consents), []


# --- orders (the shop's own files and marketplace exports) --------------------------------------

_ID = re.compile(r"^[0-9A-Za-z][0-9A-Za-z\-_/#.]*$")


def looks_like_order_id(text: str) -> bool:
    return bool(_ID.match(text))


def _item(row: _Row, *, quantity_default: int | None) -> Item | None:
    name = row.parse("product_name", parse_text, limit=200) or ""
    variation = clean_text(row.text("variation"))
    sku = (
        row.parse("sku", parse_text, limit=64)
        or row.parse("parent_sku", parse_text, limit=64)
        or row.parse("sku_id", parse_text, limit=64)
        or ""
    )
    if variation and name:
        name = f"{name} ({variation})"[:200]
    if row.ctx.has("quantity") or quantity_default is None:
        quantity = row.required("quantity", parse_quantity)
    else:
        quantity = quantity_default
    unit_price = row.required("unit_price", parse_money_positive)
    if not (name or sku):
        row.fail("product_name", cell_error("line_empty"), "")
    if quantity is None or unit_price is None or not (name or sku):
        return None
    return Item(sku=sku, name=name or sku, quantity=quantity, unit_price=unit_price)


def parse_order_row(
    ctx: RowContext, line: int, cells: list[object]
) -> tuple[OrderRow | None, list[RowError]]:
    """A row of a shop's own orders file (any channel; channel and branch by name)."""
    row = _Row(ctx, line, cells)
    number = row.required("order_number", parse_text, limit=64) or ""
    key = row.parse("external_id", parse_text, limit=100) or number
    placed_at = row.date("placed_at", parse_datetime, required=True)
    channel_id = ctx.channel_id
    channel_text = row.text("channel")
    if channel_text:
        channel_id = ctx.channel_by_key.get(header_key(channel_text))
        if channel_id is None:
            row.fail("channel", cell_error("unknown_channel"), channel_text)
    branch_id = None
    branch_text = row.text("branch")
    if branch_text:
        branch_id = ctx.branch_by_key.get(header_key(branch_text))
        if branch_id is None:
            row.fail("branch", cell_error("unknown_branch"), branch_text)
    status: str = OrderStatus.PAID
    status_text = row.text("status")
    if status_text:
        found = status_of(status_text)
        if found is None:
            row.fail("status", cell_error("invalid_status"), status_text)
        else:
            status = found
    item = _item(row, quantity_default=1)
    discount = row.parse("discount", parse_money_positive)
    shipping = row.parse("shipping", parse_money_positive)
    payment = clean_text(row.text("payment_method"))[:32]
    coupon = clean_text(row.text("coupon_code"))[:64]

    contacts: list[tuple[str, str]] = []
    phone = row.text("customer_phone")
    if phone:
        try:
            contacts.append((ContactKind.PHONE, parse_phone(phone)))
        except CellError as exc:
            row.fail("customer_phone", exc, phone)
    email = row.parse("customer_email", parse_email)
    if email:
        contacts.append((ContactKind.EMAIL, email))
    line_id = row.parse("customer_line", parse_line)
    if line_id:
        contacts.append(line_id)
    buyer = None
    if contacts:
        buyer = Buyer(_dedupe(contacts), *_name(row.text("customer_name")))

    if row.errors or item is None or placed_at is None or channel_id is None:
        return None, row.errors
    order = OrderRow(
        line=line, key=key, number=number, channel_id=channel_id, placed_at=placed_at,
        status=status, item=item, buyer=buyer, branch_id=branch_id, payment_method=payment,
        coupon_code=coupon, discount=discount, shipping=shipping,
    )  # fmt: skip
    return order, []


def parse_marketplace_row(
    ctx: RowContext, line: int, cells: list[object]
) -> tuple[OrderRow | None, list[RowError]]:
    """A row of a Shopee, Lazada or TikTok Shop export: one item (Lazada: one unit)."""
    assert ctx.channel_id is not None
    row = _Row(ctx, line, cells)
    number = row.required("order_number", parse_text, limit=64) or ""
    placed_at = row.date("placed_at", parse_datetime, required=True)
    item = _item(row, quantity_default=1 if ctx.kind == ImportKind.LAZADA else None)
    status_text, unknown = row.text("status"), ""
    status = status_of(status_text) if status_text else OrderStatus.PAID
    if status is None:
        status, unknown = OrderStatus.PAID, status_text  # kept as paid, and noted
    refund_text = row.text("refund_status")
    refund = status_of(refund_text) if refund_text else None
    if refund in (OrderStatus.REFUNDED, OrderStatus.RETURNED):
        status = refund
    shipping = row.parse("shipping", parse_money)
    total = row.parse("order_total", parse_money)
    paid = row.parse("paid_price", parse_money)

    contacts: list[tuple[str, str]] = []
    username_text = row.text("buyer_username")
    username = "" if is_masked_name(username_text) else parse_username(username_text)
    if username:
        contacts.append((MARKETPLACE_CONTACT[ctx.kind], username))
    phone_text = row.text("phone")
    masked = bool(phone_text) and is_masked(phone_text)
    phone = phone_or_none(phone_text)
    if phone:
        contacts.append((ContactKind.PHONE, phone))
    email_text = row.text("email")
    if email_text and "*" not in email_text:
        # Marketplaces relay or hide buyer emails; an unusable one is simply no identity.
        with suppress(CellError):
            contacts.append((ContactKind.EMAIL, parse_email(email_text)))
    buyer = None
    if contacts:
        name_text = row.text("buyer_name")
        masked_name = next((t for t in (name_text, username_text) if t and is_masked_name(t)), "")
        buyer = Buyer(
            _dedupe(contacts), *_name(name_text), province_name(row.text("province")),
            display_name=clean_text(masked_name)[:150],
        )  # fmt: skip

    if row.errors or item is None or placed_at is None:
        return None, row.errors
    order = OrderRow(
        line=line, key=number, number=number, channel_id=ctx.channel_id,
        placed_at=placed_at, status=status, item=item, buyer=buyer, masked_phone=masked,
        unknown_status=unknown, payment_method=clean_text(row.text("payment_method"))[:32],
        shipping=shipping if shipping is None else max(shipping, 0),
        total=total, paid=paid,
    )  # fmt: skip
    return order, []


ROW_PARSERS: dict[str, Callable[[RowContext, int, list[object]], tuple[Any, list[RowError]]]] = {
    ImportKind.CUSTOMERS: parse_customer_row,
    ImportKind.ORDERS: parse_order_row,
    ImportKind.SHOPEE: parse_marketplace_row,
    ImportKind.LAZADA: parse_marketplace_row,
    ImportKind.TIKTOK: parse_marketplace_row,
}
