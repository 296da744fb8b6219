"""The qualities customers judge a shop by (expectation vs. performance): the twelve from the
articles by default, in Thai and English, editable per workspace."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from samphan.core.access import Actor, require
from samphan.core.errors import ApplicationError, NotFound
from samphan.core.models import Workspace
from samphan.core.roles import Perm
from samphan.feedback.models import Attribute

# (code, Thai, English)
TWELVE_QUALITIES: tuple[tuple[str, str, str], ...] = (
    ("responsiveness", "การตอบสนองรวดเร็ว", "Responsiveness"),
    ("knowledgeable", "พนักงานมีความรู้", "Knowledgeable people"),
    ("promptness", "ความทันเวลา", "Promptness"),
    ("promises_kept", "รักษาคำมั่นสัญญา", "Promises kept"),
    ("understanding", "เข้าใจความต้องการ", "Understanding"),
    ("security", "ความปลอดภัยและความไว้วางใจ", "Security"),
    ("follow_up", "การติดตามผล", "Follow-up"),
    ("no_surprises", "ไม่มีเรื่องไม่คาดคิด", "No surprises"),
    ("accuracy", "ความถูกต้องแม่นยำ", "Accuracy"),
    ("communication", "การสื่อสาร", "Communication"),
    ("accessibility", "ติดต่อได้ง่าย", "Accessibility"),
    ("one_to_one", "การดูแลเป็นรายบุคคล", "One-to-one interaction"),
)
DEFAULT_CODES = tuple(code for code, _th, _en in TWELVE_QUALITIES)
MAX_ATTRIBUTES = 40
NAME_MAX = 120


def attributes_ensure(workspace: Workspace) -> list[Attribute]:
    """The workspace's attributes, the twelve qualities created on first use."""
    found = list(Attribute.objects.filter(workspace=workspace))
    if not found:
        try:
            with transaction.atomic():
                Attribute.objects.bulk_create(
                    [
                        Attribute(
                            workspace=workspace, code=code, name_th=th, name_en=en, position=i
                        )
                        for i, (code, th, en) in enumerate(TWELVE_QUALITIES)
                    ]
                )
        except IntegrityError:  # created at the same moment by another request
            pass
        found = list(Attribute.objects.filter(workspace=workspace))
    return found


def attribute_save(
    *,
    actor: Actor,
    code: str,
    name_th: str,
    name_en: str,
    is_active: bool = True,
) -> Attribute:
    """Rename, switch off or add an attribute (``code`` names it; a new code adds one)."""
    require(actor, Perm.FEEDBACK_MANAGE)
    from django.utils.text import slugify

    code = slugify(code)[:40].replace("-", "_")
    name_th, name_en = name_th.strip(), name_en.strip()
    if not code:
        raise ApplicationError(
            "invalid_attribute", _("Give the quality a code."), {"field": "code"}, status=422
        )
    if not name_th or not name_en or len(name_th) > NAME_MAX or len(name_en) > NAME_MAX:
        raise ApplicationError(
            "invalid_attribute",
            _("Give the quality a Thai and an English name (at most 120 characters)."),
            {"field": "name_th" if not name_th or len(name_th) > NAME_MAX else "name_en"},
            status=422,
        )
    existing = attributes_ensure(actor.workspace)
    with transaction.atomic():
        attribute = Attribute.objects.filter(workspace=actor.workspace, code=code).first()
        if attribute is None:
            if len(existing) >= MAX_ATTRIBUTES:
                raise ApplicationError(
                    "too_many_attributes",
                    _("A shop can have at most %(n)s qualities.") % {"n": MAX_ATTRIBUTES},
                    status=422,
                )
            attribute = Attribute(workspace=actor.workspace, code=code, position=len(existing))
        attribute.name_th, attribute.name_en, attribute.is_active = name_th, name_en, is_active
        attribute.save()
    return attribute


def attribute_get(*, workspace: Workspace, code: str) -> Attribute:
    attribute = Attribute.objects.filter(workspace=workspace, code=code).first()
    if attribute is None:
        raise NotFound("attribute_not_found", _("Quality not found."))
    return attribute
