"""The digital member card: a personal link (signed, revocable) to a phone page with the
shop's name, the member's tier, balance, a QR code and their recent points."""

from __future__ import annotations

import secrets
from typing import Any

from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from samphan.core.access import Actor, require
from samphan.core.audit import audit_record
from samphan.core.links import link_token, link_value
from samphan.core.roles import Perm
from samphan.loyalty import ledger
from samphan.loyalty.models import Account, MemberCard

SALT = "samphan.loyalty.card"


def card_token(card: MemberCard) -> str:
    return link_token([card.pk, card.nonce], salt=SALT)


def card_path(card: MemberCard) -> str:
    return reverse("loyalty:card", kwargs={"token": card_token(card)})


def card_live(account: Account | None) -> MemberCard | None:
    if account is None:
        return None
    return MemberCard.objects.filter(account=account, revoked_at__isnull=True).first()


def card_from_token(token: str) -> MemberCard | None:
    """The live card a link names, or None (a bad signature, a revoked or unknown card)."""
    try:
        pk, nonce = link_value(token, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    card = (
        MemberCard.objects.filter(pk=pk, revoked_at__isnull=True)
        .select_related("account", "account__customer", "account__tier", "workspace")
        .first()
    )
    if card is None or not secrets.compare_digest(str(card.nonce), str(nonce)):
        return None
    return card


def card_issue(*, actor: Actor, customer_id: int) -> MemberCard:
    """The member's live card, issued now if they have none (counter staff and up)."""
    require(actor, Perm.LOYALTY_REDEEM)
    from samphan.loyalty.services import customer_of

    customer = customer_of(actor, customer_id)
    with transaction.atomic():
        account = ledger.account_lock(workspace=actor.workspace, customer_id=customer.pk)
        live = card_live(account)
        if live is not None:
            return live
        try:
            with transaction.atomic():
                card = MemberCard.objects.create(
                    workspace=actor.workspace, account=account, nonce=secrets.token_hex(16)
                )
        except IntegrityError:  # issued at the same moment elsewhere
            card = MemberCard.objects.get(account=account, revoked_at__isnull=True)
        _audit(actor, "loyalty.card_issued", customer.pk, card)
        return card


def card_revoke(*, actor: Actor, customer_id: int) -> int:
    """Revoke the member's card (a lost phone): its link stops working at once."""
    require(actor, Perm.LOYALTY_REDEEM)
    from samphan.loyalty.services import customer_of

    customer = customer_of(actor, customer_id)
    with transaction.atomic():
        cards = list(
            MemberCard.objects.filter(
                workspace=actor.workspace, account__customer=customer, revoked_at__isnull=True
            )
        )
        MemberCard.objects.filter(pk__in=[c.pk for c in cards]).update(revoked_at=timezone.now())
        for card in cards:
            _audit(actor, "loyalty.card_revoked", customer.pk, card)
    return len(cards)


def _audit(actor: Actor, action: str, customer_id: int, card: MemberCard) -> None:
    data: dict[str, Any] = {"card": card.pk}
    audit_record(
        action=action,
        workspace=actor.workspace,
        actor=actor.user,
        actor_label=actor.label,
        target=f"customer:{customer_id}",
        data=data,
    )


def qr_svg(text: str) -> str:
    """An inline SVG QR code (no image files, no third party)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return image.to_string(encoding="unicode")
