"""The demo shop's service desk and feedback, written through the apps' own services: business
hours and SLA policies, categories, teams and a canned reply; tickets over the last two months
(answered, waiting, resolved, a few late and a few still open) with their history's times; the
post-ticket and post-purchase surveys with answers, so the results, the scorecard and the
customers' relationship panels have something true to show.

Deterministic for a given ``seed``; skipped when the shop already has tickets."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.utils import timezone

from samphan.commerce.models import PAID_STATUS, Order
from samphan.core.access import Actor, actor_for_membership
from samphan.core.models import Membership, Workspace
from samphan.core.roles import Role
from samphan.customers.models import Customer
from samphan.feedback.models import FeelingKind, QuestionType, Survey, SurveyInvitation
from samphan.feedback.presets import presets
from samphan.feedback.services import feeling_record, response_submit, survey_create
from samphan.service.canned import canned_reply_save
from samphan.service.models import Ticket, TicketStatus
from samphan.service.services import (
    category_create,
    team_create,
    ticket_create,
    ticket_reply,
    ticket_status_change,
)
from samphan.service.sla.services import calendar_ensure_default, policy_create

CATEGORIES = ("สินค้าชำรุด", "จัดส่งล่าช้า", "ขนาดไม่ตรง", "สอบถามสินค้า", "คืนเงิน")
TEAMS = ("หน้าร้าน", "ออนไลน์")
# (type, channel, category, subject, what the customer said)
CASES = (
    ("complaint", "line", "จัดส่งล่าช้า", "สั่งของ 5 วันแล้วยังไม่ได้", "สั่งไปตั้งแต่วันจันทร์ ยังไม่ได้ของเลยค่ะ"),
    ("problem", "line", "สินค้าชำรุด", "ขวดเซรั่มแตกมา", "กล่องบุบ ขวดแตก เซรั่มหกหมดค่ะ"),
    ("return_refund", "web_form", "ขนาดไม่ตรง", "ขอเปลี่ยนไซซ์เสื้อ", "ใส่ไม่ได้ค่ะ ขอเปลี่ยนเป็นไซซ์ L"),
    ("question", "phone", "สอบถามสินค้า", "กาแฟดริปมีแบบไม่เปรี้ยวไหม", "ชอบแบบนัวๆ มีแนะนำไหมคะ"),
    ("question", "line", "สอบถามสินค้า", "ครีมนี้ใช้กับผิวแพ้ง่ายได้ไหม", "ผิวแพ้ง่ายค่ะ กลัวระคายเคือง"),
    ("complaint", "store", "สินค้าชำรุด", "เค้กที่ซื้อไปเสียก่อนวันหมดอายุ", "ซื้อเมื่อวาน เปิดมามีกลิ่นแล้ว"),
    ("return_refund", "email", "คืนเงิน", "ขอคืนเงินออเดอร์ที่ยกเลิก", "ยกเลิกไปแล้วแต่ยังไม่ได้เงินคืน"),
    ("request", "line", "", "ขอใบกำกับภาษี", "รบกวนออกใบกำกับภาษีในนามบริษัทค่ะ"),
    ("compliment", "store", "", "ชมพนักงานสาขาสยาม", "น้องพนักงานบริการดีมาก อธิบายละเอียด"),
)
REPLIES = (
    "ขออภัยในความไม่สะดวกค่ะ ร้านกำลังตรวจสอบให้นะคะ",
    "ได้เลยค่ะ ร้านจะจัดการให้ภายในวันนี้ค่ะ",
    "ขอบคุณที่แจ้งค่ะ ร้านส่งของใหม่ให้แล้ว ไม่มีค่าใช้จ่ายค่ะ",
)
COMMENTS = (
    "ตอบไวมาก ประทับใจค่ะ",
    "แก้ปัญหาให้เร็ว พนักงานสุภาพ",
    "รอนานไปหน่อย แต่สุดท้ายก็ได้ของ",
    "ส่งช้ามาก ไม่ค่อยประทับใจ",
    "ของดี ราคาโอเค จะกลับมาซื้ออีก",
    "",
)


@dataclass
class ServiceSeed:
    tickets: int = 0
    responses: int = 0


def _owner(workspace: Workspace) -> Actor:
    membership = Membership.objects.filter(workspace=workspace, role=Role.OWNER).first()
    if membership is None:
        raise ValueError("the demo shop has no owner")
    return actor_for_membership(membership)


def _setup(actor: Actor) -> tuple[dict[str, int], list[int]]:
    calendar_ensure_default(workspace=actor.workspace)
    policy_create(actor=actor, first_response_minutes=120, resolution_minutes=8 * 60)
    policy_create(
        actor=actor, ticket_type="complaint", first_response_minutes=30, resolution_minutes=240
    )
    categories = {name: category_create(actor=actor, name=name).pk for name in CATEGORIES}
    teams = [team_create(actor=actor, name=name).pk for name in TEAMS]
    canned_reply_save(
        actor=actor,
        title="ขออภัย",
        body="สวัสดีค่ะคุณ{{ first_name }} ขออภัยในความไม่สะดวกนะคะ {{ shop }} กำลังดูแลเรื่องนี้ให้ค่ะ",
    )
    return categories, teams


def _surveys(actor: Actor) -> tuple[Survey, Survey]:
    ticket_preset = presets()["post_ticket"]
    after_ticket = survey_create(
        actor=actor,
        fields=ticket_preset["fields"],
        questions=[
            *ticket_preset["questions"],
            {
                "type": QuestionType.EP_PAIR,
                "text": "คาดหวังแค่ไหน และร้านทำได้แค่ไหน",
                "attributes": ["responsiveness", "promptness", "understanding"],
                "required": False,
            },
        ],
    )
    purchase_preset = presets()["post_purchase"]
    after_purchase = survey_create(
        actor=actor, fields=purchase_preset["fields"], questions=purchase_preset["questions"]
    )
    return after_ticket, after_purchase


def _answers(survey: Survey, rng: random.Random, mood: float) -> list[dict[str, object]]:
    """Answers leaning good (mood near 1) or bad (near 0)."""
    out: list[dict[str, object]] = []
    for q in survey.questions.all():
        if q.type == QuestionType.NPS:
            out.append(
                {
                    "question_id": q.pk,
                    "value": min(10, max(0, round(mood * 10 + rng.gauss(0, 1.5)))),
                }
            )
        elif q.type in (QuestionType.CSAT, QuestionType.CES, QuestionType.RATING):
            out.append(
                {
                    "question_id": q.pk,
                    "value": min(5, max(1, round(1 + mood * 4 + rng.gauss(0, 0.7)))),
                }
            )
        elif q.type == QuestionType.EP_PAIR:
            codes = q.attributes or ["responsiveness", "accuracy", "promises_kept"]
            pairs = []
            for code in codes[:4]:
                expected = rng.choice((3, 4, 4, 5))
                got = min(5, max(1, round(expected - 1 + mood * 2 + rng.gauss(0, 0.6))))
                pairs.append({"attribute": code, "expectation": expected, "performance": got})
            out.append({"question_id": q.pk, "ep": pairs})
        elif q.type == QuestionType.SINGLE:
            out.append({"question_id": q.pk, "value": rng.randrange(len(q.choices))})
        elif q.type == QuestionType.TEXT:
            comment = COMMENTS[0 if mood > 0.8 else 4 if mood > 0.6 else 2 if mood > 0.4 else 3]
            if comment:
                out.append({"question_id": q.pk, "text": comment})
    return out


def service_feedback_seed(
    *, workspace: Workspace, seed: int = 2569, tickets: int = 60
) -> ServiceSeed:
    result = ServiceSeed()
    if Ticket.objects.filter(workspace=workspace).exists():
        return result
    rng = random.Random(seed)
    actor = _owner(workspace)
    categories, teams = _setup(actor)
    after_ticket, after_purchase = _surveys(actor)
    customers = list(
        Customer.objects.filter(workspace=workspace, merged_into__isnull=True, orders_count__gt=0)
        .order_by("pk")
        .values_list("pk", flat=True)[:2000]
    )
    if not customers:
        return result
    now = timezone.now()
    for _i in range(tickets):
        kind, channel, category, subject, body = rng.choice(CASES)
        customer_id = rng.choice(customers)
        order_id = (
            Order.objects.filter(customer_id=customer_id, status=PAID_STATUS)
            .order_by("-placed_at")
            .values_list("pk", flat=True)
            .first()
        )
        opened = now - dt.timedelta(hours=rng.uniform(2, 60 * 24))
        ticket = ticket_create(
            actor=actor,
            subject=subject,
            body=body,
            ticket_type=kind,
            channel=channel,
            category_id=categories.get(category),
            customer_id=customer_id,
            order_ids=[order_id] if order_id and kind != "question" else [],
            team_id=rng.choice(teams),
            opened_at=opened,
        )
        result.tickets += 1
        # Most are answered within the hour; some late; a few (the newest) not yet.
        answered = opened + dt.timedelta(minutes=rng.expovariate(1 / 50))
        if answered >= now or rng.random() < 0.08:
            continue
        ticket_reply(actor=actor, ticket_id=ticket.pk, body=rng.choice(REPLIES), at=answered)
        resolved = answered + dt.timedelta(hours=rng.expovariate(1 / 5))
        if resolved >= now or rng.random() < 0.12:
            continue
        ticket_status_change(
            actor=actor, ticket_id=ticket.pk, status=TicketStatus.RESOLVED, at=resolved
        )
    # The resolved tickets' survey links (made by feedback's subscriber): most answered.
    for invitation in SurveyInvitation.objects.filter(survey=after_ticket).select_related("ticket"):
        if rng.random() < 0.7:
            late = invitation.ticket is not None and invitation.ticket.breached
            mood = rng.uniform(0.1, 0.6) if late else rng.uniform(0.55, 1.0)
            response_submit(
                survey=after_ticket,
                answers=_answers(after_ticket, rng, mood),
                channel="link",
                invitation=invitation,
            )
            result.responses += 1
    # Post-purchase answers for some recent orders (the links went out by hand).
    recent = list(
        Order.objects.filter(workspace=workspace, status=PAID_STATUS, customer__isnull=False)
        .order_by("-placed_at")
        .values_list("pk", "customer_id")[:150]
    )
    for order_id, customer_id in recent:
        if rng.random() < 0.5:
            response_submit(
                survey=after_purchase,
                answers=_answers(after_purchase, rng, rng.betavariate(4, 1.5)),
                channel="api",
                customer=Customer.objects.get(pk=customer_id),
                order_id=order_id,
                actor=actor,
            )
            result.responses += 1
    for customer_id in rng.sample(customers, min(15, len(customers))):
        kind = rng.choice([k.value for k in FeelingKind])
        strength = rng.choice((1, 2))
        feeling_record(
            actor=actor,
            customer_id=customer_id,
            kind=kind,
            score=-strength if kind == FeelingKind.NEGATIVE else strength,
            note="บันทึกจากหน้าร้าน",
        )
    return result
