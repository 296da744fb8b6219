"""Reads for customers, workspace-scoped."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.db.models import Q, QuerySet
from django.db.models.functions import Reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from samphan.core.access import Actor, require
from samphan.core.errors import ApplicationError, NotFound
from samphan.core.models import User
from samphan.core.roles import Perm
from samphan.core.thai.names import clean_text, split_title
from samphan.core.thai.phone import InvalidPhone, normalize_phone, thai_digits_to_arabic
from samphan.core.thai.words import match_rank
from samphan.customers.models import (
    Address,
    BehaviourType,
    ConsentEvent,
    ConsentPurpose,
    ContactKind,
    ContactPoint,
    Customer,
    CustomFieldDefinition,
    FollowUp,
    FollowUpStatus,
    Interaction,
    Tag,
)
from samphan.timeline.models import TimelineEvent
from samphan.timeline.registry import EVENT_TYPES


def customer_list(*, actor: Actor) -> QuerySet[Customer]:
    require(actor, Perm.CUSTOMER_VIEW)
    # Customers merged into another are kept only for undo; they are not listed anywhere.
    return Customer.objects.filter(workspace=actor.workspace, merged_into__isnull=True)


def customer_get(*, actor: Actor, customer_id: int) -> Customer:
    customer = (
        customer_list(actor=actor).prefetch_related("contacts").filter(pk=customer_id).first()
    )
    if customer is None:
        raise NotFound("customer_not_found", _("Customer not found."))
    return customer


def customer_held(*, actor: Actor, customer_id: int, customer: Customer | None) -> Customer | None:
    """The customer the caller holds already (read through ``customer_get`` or
    ``customer_profile_get`` for this actor, as the customer page's panels are given it) when it
    is the one asked for and ``customer_get`` would return it; None when the caller must read
    it. Either way the actor must be allowed to see customers."""
    require(actor, Perm.CUSTOMER_VIEW)
    if (
        customer is not None
        and customer.pk == customer_id
        and customer.workspace_id == actor.workspace.pk
        and customer.merged_into_id is None
    ):
        return customer
    return None


def customer_scoped(*, actor: Actor, customer_id: int, customer: Customer | None) -> Customer:
    """``customer_get``, unless the caller holds that customer already: the same answer, no
    query."""
    held = customer_held(actor=actor, customer_id=customer_id, customer=customer)
    return held if held is not None else customer_get(actor=actor, customer_id=customer_id)


@dataclass(frozen=True)
class SearchHit:
    customer: Customer
    matched_field: str  # phone, phone_suffix, email, line, name, nickname, order
    matched_value: str


def customer_search(*, actor: Actor, q: str, limit: int = 20) -> list[SearchHit]:
    """One box: a phone in any format or its last 4+ digits, an email, a LINE ID, a name or
    nickname (any part, Thai or English, words in any order, a leading title such as นาง, คุณ,
    ด.ช. or Mrs ignored), or an order number. Exact identity matches first."""
    require(actor, Perm.CUSTOMER_VIEW)
    q = clean_text(q)
    if not q:
        return []
    hits: list[SearchHit] = []
    seen: set[int] = set()

    def add(customers: Iterable[Customer], field: str, value: Callable[[Customer], str]) -> None:
        for customer in customers:
            if customer.pk not in seen and len(hits) < limit:
                seen.add(customer.pk)
                hits.append(SearchHit(customer, field, value(customer)))

    base = customer_list(actor=actor)
    digits = re.sub(r"\D", "", thai_digits_to_arabic(q))
    looks_like_phone = len(digits) >= 4 and len(digits) >= len(re.sub(r"[\s\-+().]", "", q)) - 1
    if looks_like_phone:
        try:
            e164 = normalize_phone(q)
        except InvalidPhone:
            e164 = ""
        contacts = ContactPoint.objects.filter(workspace=actor.workspace, kind=ContactKind.PHONE)
        if e164:
            exact = contacts.filter(value=e164).values("customer_id")
            add(base.filter(pk__in=exact), "phone", lambda c: e164)
        # Matched on the reversed value so PostgreSQL can use a prefix index (see migration 0005).
        suffix = (
            contacts.annotate(reversed_value=Reverse("value"))
            .filter(reversed_value__startswith=digits[::-1])
            .values("customer_id")[:limit]
        )
        add(base.filter(pk__in=suffix), "phone_suffix", lambda c: digits)
    if "@" in q:
        emails = ContactPoint.objects.filter(
            workspace=actor.workspace, kind=ContactKind.EMAIL, value=q.lower()
        ).values("customer_id")
        add(base.filter(pk__in=emails), "email", lambda c: q.lower())
    if q.startswith("U") and len(q) == 33:
        lines = ContactPoint.objects.filter(
            workspace=actor.workspace, kind=ContactKind.LINE, value=q
        ).values("customer_id")
        add(base.filter(pk__in=lines), "line", lambda c: q)
    if any(ch.isdigit() for ch in q):
        # Orders are looked up by their indexed number first; the model is reached through the
        # reverse relation because customers sit below commerce and do not import it.
        order_model = cast(Any, Customer._meta.get_field("orders").related_model)
        buyers = order_model.objects.filter(workspace=actor.workspace, number=q).values(
            "customer_id"
        )
        add(base.filter(pk__in=buyers)[:limit], "order", lambda c: q)
    if not looks_like_phone:
        # Staff type names with their title ("นางสมศรี", "คุณ สมชาย", "Mrs Somsri"); names are
        # stored without it. The query as typed is still tried whole: "นางนวล" may be a name.
        _title, name = split_title(q)
        typed = list(dict.fromkeys([q, name]))
        words = name.split()
        # Whole-field matches first, served by plain b-tree indexes: "first last" in either
        # order, a full first name, surname or nickname. Only when they do not fill the page
        # is the fragment search run.
        if len(words) == 2:
            one, two = words
            both = Q(first_name=one, last_name=two) | Q(first_name=two, last_name=one)
            add(base.filter(both)[:limit], "name", lambda c: c.display_name)
        # One value a query: with an IN list of two names PostgreSQL overestimates the matches
        # (seeded names repeat) and, for the LIMIT, scans the whole table instead.
        for value in typed:
            add(base.filter(nickname=value)[:limit], "nickname", lambda c: c.nickname)
            add(
                base.filter(Q(first_name=value) | Q(last_name=value))[:limit],
                "name",
                lambda c: c.display_name,
            )
        if len(hits) >= limit:
            return hits
        named = base
        for word in words:
            named = named.filter(
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(nickname__icontains=word)
            )
        # Take a bounded set of matches straight from the trigram indexes (no sort over every
        # match: a common surname matches thousands), then rank them: a whole word of the name
        # (Thai word segmentation) beats a prefix beats a fragment; then recent buyers first.
        candidates = list(named.order_by()[: limit * 2])
        candidates.sort(
            key=lambda c: (
                -match_rank(name, c.first_name, c.last_name, c.nickname),
                -(c.last_order_at.timestamp() if c.last_order_at else 0),
                -c.pk,
            )
        )
        add(candidates, "name", lambda c: c.display_name)
    return hits


# --- the customer page (Customer 360) ---------------------------------------------------------


# A merge chain longer than this is a data error, not a customer to follow.
MERGE_CHAIN_MAX = 100


def customer_survivor_id(*, actor: Actor, customer_id: int) -> int | None:
    """The live customer that ``customer_id`` was merged into, following later merges of the
    survivor too; None when ``customer_id`` is live or not a customer of the workspace."""
    require(actor, Perm.CUSTOMER_VIEW)
    merged = Customer.objects.filter(workspace=actor.workspace).values_list(
        "merged_into_id", flat=True
    )
    survivor = merged.filter(pk=customer_id).first()
    seen = {customer_id}
    while survivor is not None and survivor not in seen and len(seen) < MERGE_CHAIN_MAX:
        seen.add(survivor)
        next_id = merged.filter(pk=survivor).first()
        if next_id is None:
            return survivor
        survivor = next_id
    return None


def customer_profile_get(*, actor: Actor, customer_id: int) -> Customer:
    """A customer with what the customer page shows: contacts, tags, addresses, referrer."""
    customer = (
        customer_list(actor=actor)
        .select_related("referred_by", "home_branch")
        .prefetch_related("contacts", "tags", "addresses")
        .filter(pk=customer_id)
        .first()
    )
    if customer is None:
        raise NotFound("customer_not_found", _("Customer not found."))
    return customer


@dataclass(frozen=True)
class KeyNumbers:
    """The purchase summary, from the cached fields on Customer (refreshed by order services)."""

    orders: int
    total_satang: int
    average_satang: int | None
    first_order_at: dt.datetime | None
    last_order_at: dt.datetime | None
    days_since_last: int | None


def customer_key_numbers(*, customer: Customer, today: dt.date | None = None) -> KeyNumbers:
    today = today or timezone.localdate()
    last = customer.last_order_at
    return KeyNumbers(
        orders=customer.orders_count,
        total_satang=customer.total_spent_satang,
        average_satang=(
            round(customer.total_spent_satang / customer.orders_count)
            if customer.orders_count
            else None
        ),
        first_order_at=customer.first_order_at,
        last_order_at=last,
        days_since_last=(today - timezone.localdate(last)).days if last else None,
    )


# The articles' eight behavioural types, with how to serve each: (English, Thai).
BEHAVIOUR_TIPS: dict[str, tuple[str, str]] = {
    BehaviourType.IMPATIENT: (
        "Be quick and to the point: answer what they asked first, details after. If they must "
        "wait, give a clear time and keep it; never leave them waiting without news.",
        "ตอบให้ตรงประเด็นและรวดเร็ว บอกสิ่งที่ลูกค้าอยากรู้ก่อน รายละเอียดค่อยตามมา ถ้าต้องรอ "
        "ให้บอกเวลาที่ชัดเจนและทำให้ได้ตามนั้น อย่าปล่อยให้รอโดยไม่มีข่าว",
    ),
    BehaviourType.HESITANT: (
        "Help them feel sure: narrow the choice to two or three, recommend one with a reason, "
        "mention the warranty or return policy and what other customers chose. Never push.",
        "ช่วยให้ลูกค้ามั่นใจ คัดตัวเลือกให้เหลือ 2–3 อย่าง แนะนำหนึ่งอย่างพร้อมเหตุผล "
        "บอกเรื่องการรับประกันหรือการเปลี่ยนคืน และเล่าว่าลูกค้าคนอื่นเลือกอะไร อย่าเร่งหรือกดดัน",
    ),
    BehaviourType.ARGUMENTATIVE: (
        "Listen to the end without interrupting and acknowledge their view before answering. "
        "Do not argue back: show facts (specifications, documents, reviews) and let them reach "
        "the conclusion themselves.",
        "ฟังให้จบโดยไม่ขัด ยอมรับมุมมองของลูกค้าก่อนตอบ ไม่โต้เถียงกลับ แสดงข้อเท็จจริง "
        "เช่น สเปก เอกสาร หรือรีวิว แล้วให้ลูกค้าได้ข้อสรุปด้วยตัวเอง",
    ),
    BehaviourType.INFORMATION_SEEKING: (
        "Have the details ready: specifications, comparisons, prices, ingredients, how to use. "
        "Send something they can read later (a LINE message, a leaflet) and answer every "
        "question patiently.",
        "เตรียมข้อมูลให้ครบ ทั้งสเปก การเปรียบเทียบ ราคา ส่วนผสม และวิธีใช้ ส่งข้อมูลทาง LINE "
        "หรือแผ่นพับให้อ่านต่อภายหลังได้ และตอบทุกคำถามอย่างอดทน",
    ),
    BehaviourType.CAREFUL: (
        "Give them time and do not rush. Summarise the options in writing, agree when you will "
        "follow up, and follow up exactly then.",
        "ให้เวลาลูกค้าตัดสินใจ ไม่เร่งรัด สรุปตัวเลือกเป็นลายลักษณ์อักษร นัดวันติดตามผล แล้วติดต่อกลับตามที่นัดไว้",
    ),
    BehaviourType.SELF_CONFIDENT: (
        "Respect what they know: let them lead, ask what they already have in mind, offer "
        "options rather than advice, and sincerely acknowledge a good choice.",
        "ให้เกียรติความรู้ของลูกค้า ให้ลูกค้าเป็นฝ่ายนำ ถามสิ่งที่เขามีในใจอยู่แล้ว "
        "เสนอทางเลือกแทนการสอน และชื่นชมอย่างจริงใจเมื่อเลือกได้ดี",
    ),
    BehaviourType.PROMOTION_DRIVEN: (
        "Lead with the current promotions, bundles and points, and say how many baht they save. "
        "Tell them before the next sale starts, if they have agreed to receive offers.",
        "แจ้งโปรโมชั่น ชุดสุดคุ้ม และแต้มสะสมก่อน บอกให้ชัดว่าประหยัดได้กี่บาท "
        "และแจ้งล่วงหน้าเมื่อจะมีโปรใหม่ (เฉพาะลูกค้าที่ยินยอมรับข่าวสาร)",
    ),
    BehaviourType.REGULAR: (
        "Recognise them: greet them by name, remember their usual order and thank them. Small "
        "privileges (a member price, early access, a surprise) keep them coming back.",
        "ทักทายด้วยชื่อ จำสินค้าหรือเมนูที่สั่งประจำ และขอบคุณทุกครั้ง สิทธิพิเศษเล็ก ๆ "
        "เช่น ราคาสมาชิก สิทธิ์ซื้อก่อนใคร หรือของขวัญเซอร์ไพรส์ ช่วยให้กลับมาอีก",
    ),
}


def behaviour_tip(behaviour_type: str, *, language: str = "th") -> str:
    """The short service tip shown to staff for a behaviour type, in Thai or English."""
    tips = BEHAVIOUR_TIPS.get(behaviour_type)
    if tips is None:
        return ""
    return tips[0] if language == "en" else tips[1]


def consent_state(*, customer: Customer) -> dict[str, ConsentEvent | None]:
    """The current PDPA consent per purpose: the latest ledger row, or None if never asked."""
    state: dict[str, ConsentEvent | None] = dict.fromkeys(ConsentPurpose.values)
    rows = ConsentEvent.objects.filter(customer=customer).order_by("purpose", "-recorded_at", "-id")
    for row in rows:
        if state.get(row.purpose) is None:
            state[row.purpose] = row
    return state


def consent_granted(*, customer_ids: Sequence[int], purpose: str) -> set[int]:
    """Those of the customers whose latest ledger entry for ``purpose`` grants it (no entry:
    not granted)."""
    latest: dict[int, bool] = {}
    rows = (
        ConsentEvent.objects.filter(customer_id__in=list(customer_ids), purpose=purpose)
        .order_by("customer_id", "-recorded_at", "-id")
        .values_list("customer_id", "granted")
    )
    for customer_id, granted in rows:
        latest.setdefault(customer_id, granted)
    return {c for c, granted in latest.items() if granted}


def consent_history(*, actor: Actor, customer_id: int) -> QuerySet[ConsentEvent]:
    customer = customer_get(actor=actor, customer_id=customer_id)
    return ConsentEvent.objects.filter(customer=customer).select_related("actor")


# --- timeline ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelinePage:
    events: list[TimelineEvent]
    next_cursor: str  # empty on the last page


def _cursor_encode(event: TimelineEvent) -> str:
    raw = f"{event.occurred_at.isoformat()}|{event.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _cursor_decode(cursor: str) -> tuple[dt.datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        stamp, _sep, pk = base64.urlsafe_b64decode(padded.encode()).decode().partition("|")
        return dt.datetime.fromisoformat(stamp), int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise ApplicationError(
            "invalid_cursor", _("This page link is no longer valid."), {"field": "before"}
        ) from exc


def timeline_page(
    *,
    actor: Actor,
    customer_id: int,
    types: Iterable[str] | None = None,
    before: str = "",
    limit: int = 20,
    customer: Customer | None = None,
) -> TimelinePage:
    """Newest first, ``limit`` at a time. Pages are keyed on (occurred_at, id) of the last event
    shown (``before``), never on OFFSET, so a long history stays fast and nothing is skipped
    when new events arrive. ``customer``: the caller's, already read through ``customer_get``
    (the customer page), so it is not read again."""
    customer = customer_scoped(actor=actor, customer_id=customer_id, customer=customer)
    limit = max(1, min(limit, 100))
    qs = TimelineEvent.objects.filter(workspace=actor.workspace, customer=customer)
    wanted = [t for t in (types or []) if t]
    unknown = set(wanted) - set(EVENT_TYPES)
    if unknown:
        raise ApplicationError(
            "invalid_event_type",
            _("Unknown event type: %(types)s") % {"types": ", ".join(sorted(unknown))},
            {"field": "type"},
            status=422,
        )
    if wanted:
        qs = qs.filter(type__in=wanted)
    if before:
        at, pk = _cursor_decode(before)
        qs = qs.filter(Q(occurred_at__lt=at) | Q(occurred_at=at, pk__lt=pk))
    events = list(qs.select_related("actor").order_by("-occurred_at", "-id")[: limit + 1])
    more = len(events) > limit
    events = events[:limit]
    return TimelinePage(events=events, next_cursor=_cursor_encode(events[-1]) if more else "")


# --- interactions and follow-ups -------------------------------------------------------------


def interaction_list(*, actor: Actor, customer_id: int | None = None) -> QuerySet[Interaction]:
    require(actor, Perm.CUSTOMER_VIEW)
    qs = Interaction.objects.filter(
        workspace=actor.workspace, customer__merged_into__isnull=True
    ).select_related("staff", "customer")
    if customer_id is not None:
        qs = qs.filter(customer=customer_get(actor=actor, customer_id=customer_id))
    return qs.order_by("-occurred_at", "-id")


def followup_list(
    *,
    actor: Actor,
    mine: bool = False,
    overdue: bool = False,
    customer_id: int | None = None,
    assignee_id: int | None = None,
    status: str = FollowUpStatus.OPEN,
    customer: Customer | None = None,
) -> QuerySet[FollowUp]:
    """Follow-up tasks, soonest due first. ``mine``: assigned to the acting user; ``overdue``:
    still open and past due. ``status=""`` lists every status. ``customer``: as for
    ``timeline_page``."""
    require(actor, Perm.CUSTOMER_VIEW)
    qs = FollowUp.objects.filter(
        workspace=actor.workspace, customer__merged_into__isnull=True
    ).select_related("customer", "assignee")
    if mine:
        if actor.user is None:
            raise ApplicationError(
                "mine_needs_user",
                _("An API key is not a person: filter by assignee_id instead of mine."),
                {"field": "mine"},
                status=422,
            )
        qs = qs.filter(assignee=actor.user)
    if assignee_id is not None:
        qs = qs.filter(assignee_id=assignee_id)
    if customer_id is not None:
        qs = qs.filter(
            customer=customer_scoped(actor=actor, customer_id=customer_id, customer=customer)
        )
    if overdue:
        qs = qs.filter(status=FollowUpStatus.OPEN, due_at__lt=timezone.now())
    elif status:
        if status not in FollowUpStatus.values:
            raise ApplicationError(
                "invalid_status", _("Unknown status."), {"field": "status"}, status=422
            )
        qs = qs.filter(status=status)
    return qs.order_by("due_at", "id")


def followup_get(*, actor: Actor, followup_id: int) -> FollowUp:
    task = followup_list(actor=actor, status="").filter(pk=followup_id).first()
    if task is None:
        raise NotFound("followup_not_found", _("Follow-up not found."))
    return task


def contact_get(*, actor: Actor, customer_id: int, contact_id: int) -> ContactPoint:
    customer = customer_get(actor=actor, customer_id=customer_id)
    contact = ContactPoint.objects.filter(
        workspace=actor.workspace, customer=customer, pk=contact_id
    ).first()
    if contact is None:
        raise NotFound("contact_not_found", _("Contact not found."))
    return contact


def address_get(*, actor: Actor, customer_id: int, address_id: int) -> Address:
    customer = customer_get(actor=actor, customer_id=customer_id)
    address = Address.objects.filter(
        workspace=actor.workspace, customer=customer, pk=address_id
    ).first()
    if address is None:
        raise NotFound("address_not_found", _("Address not found."))
    return address


def custom_field_definitions(*, actor: Actor) -> QuerySet[CustomFieldDefinition]:
    return CustomFieldDefinition.objects.filter(workspace=actor.workspace).order_by("label", "id")


def tag_names(*, actor: Actor) -> list[str]:
    require(actor, Perm.CUSTOMER_VIEW)
    return list(Tag.objects.filter(workspace=actor.workspace).values_list("name", flat=True))


def assignable_members(*, actor: Actor) -> QuerySet[User]:
    """The people a follow-up can be assigned to: members of this workspace."""
    return User.objects.filter(memberships__workspace=actor.workspace, is_active=True).order_by(
        "first_name", "email"
    )


def customer_by_reference(*, actor: Actor, reference: str) -> Customer | None:
    """A customer named by ``#123`` (its number) or by a phone in any format; for fields such as
    "referred by" where staff type who they mean."""
    text = clean_text(reference)
    if not text:
        return None
    if re.fullmatch(r"#\d+", text):
        return customer_list(actor=actor).filter(pk=int(text[1:])).first()
    try:
        e164 = normalize_phone(text)
    except InvalidPhone:
        return None
    return (
        customer_list(actor=actor)
        .filter(contacts__kind=ContactKind.PHONE, contacts__value=e164)
        .first()
    )


def customer_by_contact(*, actor: Actor, kind: str, value: str) -> Customer | None:
    """The live customer who owns this contact (a LINE user ID from a webhook, an email), or
    None. ``value`` is taken as stored (normalised)."""
    return customer_list(actor=actor).filter(contacts__kind=kind, contacts__value=value).first()
