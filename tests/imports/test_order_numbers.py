"""Order numbers are unique per workspace: an imported order whose number another order already
has keeps it as its external id and gets a suffixed number."""

from __future__ import annotations

from collections.abc import Callable

from samphan.commerce.models import Order, SalesChannel
from samphan.core.access import Actor
from samphan.imports.models import ImportJob
from tests.factories import OrderFactory

HEAD = "เลขที่ออเดอร์,วันที่,ชื่อลูกค้า,เบอร์โทร,ช่องทาง,สินค้า,จำนวน,ราคาต่อหน่วย,สถานะ\n"
STORE_A1 = "A-1,20/11/2569 09:30,,,หน้าร้าน,ชาไทย,1,65,ชำระแล้ว\n"
LINE_A1 = "A-1,20/11/2569 10:30,,,LINE,ชาไทย,2,65,ชำระแล้ว\n"


def _orders(owner: Actor) -> list[tuple[str, str | None, str]]:
    return sorted(
        Order.objects.filter(workspace=owner.workspace).values_list(
            "number", "external_id", "channel__name"
        )
    )


def test_the_same_number_in_two_channels_of_one_file(
    owner: Actor, channels: dict[str, SalesChannel], run_file: Callable[..., ImportJob]
) -> None:
    run_file("orders.csv", "orders", content=(HEAD + STORE_A1 + LINE_A1).encode())
    assert _orders(owner) == [("A-1", "A-1", "หน้าร้าน"), ("A-1-2", "A-1", "LINE")]
    # Importing the file again finds both orders by their external id.
    job = run_file("orders.csv", "orders", content=(HEAD + STORE_A1 + LINE_A1).encode())
    assert (job.created_count, job.updated_count) == (0, 0)
    assert len(_orders(owner)) == 2


def test_a_number_already_in_use(
    owner: Actor, channels: dict[str, SalesChannel], run_file: Callable[..., ImportJob]
) -> None:
    OrderFactory(workspace=owner.workspace, channel=channels["line"], number="A-1")
    OrderFactory(workspace=owner.workspace, channel=channels["line"], number="A-1-2")
    run_file("orders.csv", "orders", content=(HEAD + STORE_A1).encode())
    assert ("A-1-3", "A-1", "หน้าร้าน") in _orders(owner)
