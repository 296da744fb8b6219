"""A customer's words in the shop's labelled texts: exported with them, deleted at erasure
(with the model trained on them); other texts and other shops' labels stay."""

from __future__ import annotations

import pytest

from samphan.core.access import Actor
from samphan.privacy.services import customer_erase, customer_export
from samphan.text import services
from samphan.text.models import SentimentLabel, SentimentModel
from tests.factories import CustomerFactory
from tests.text.helpers import DEV, examples

pytestmark = pytest.mark.django_db


def test_export_and_erase_labelled_texts_that_name_the_person(owner: Actor) -> None:
    customer = CustomerFactory(
        workspace=owner.workspace,
        first_name="สมปองพิเศษ",
        last_name="ทองคำดีเลิศ",
        contacts=[("phone", "081-359-6920")],
    )
    for text, label, _domain in examples(DEV)[:35]:
        services.label_correct(actor=owner, text=text, label=label)
    services.label_correct(actor=owner, text="คุณสมปองพิเศษ ทองคำดีเลิศ ชมว่าอร่อย", label="positive")
    services.label_correct(actor=owner, text="โทรกลับ 0813596920 ด่วน ส่งช้ามาก", label="negative")
    services.model_train(actor=owner)

    exported = customer_export(actor=owner, customer_id=customer.pk)
    found = str(exported)
    assert "ชมว่าอร่อย" in found and "0813596920" in found

    customer_erase(actor=owner, customer_id=customer.pk, reason="ลูกค้าขอให้ลบข้อมูล")
    left = list(
        SentimentLabel.objects.filter(workspace=owner.workspace).values_list("text", flat=True)
    )
    assert len(left) == 35
    assert not any("สมปอง" in t or "0813596920" in t for t in left)
    assert not SentimentModel.objects.filter(workspace=owner.workspace).exists()
