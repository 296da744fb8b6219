"""factory_boy factories shared by every test (one place to build data the same way)."""

from __future__ import annotations

import factory
from django.utils import timezone

from samphan.commerce.models import ChannelKind, Order, OrderLine, Product, SalesChannel
from samphan.core.models import Branch, Membership, User, Workspace
from samphan.core.roles import Role
from samphan.customers.models import ContactPoint, Customer


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = "สมชาย"
    language = "th"
    password = factory.PostGenerationMethodCall("set_password", "pass-1234-word")

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):  # type: ignore[no-untyped-def]
        if create:
            instance.save()


class WorkspaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workspace

    name = factory.Sequence(lambda n: f"ร้านทดสอบ {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    workspace = factory.SubFactory(WorkspaceFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.OWNER


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"สาขา {n}")


class SalesChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SalesChannel

    workspace = factory.SubFactory(WorkspaceFactory)
    kind = ChannelKind.STORE
    name = factory.Sequence(lambda n: f"หน้าร้าน {n}")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    workspace = factory.SubFactory(WorkspaceFactory)
    first_name = "สมหญิง"
    last_name = factory.Sequence(lambda n: f"ใจดี{n}")
    created_at = factory.LazyFunction(timezone.now)


class ContactPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactPoint

    customer = factory.SubFactory(CustomerFactory)
    workspace = factory.SelfAttribute("customer.workspace")
    kind = "phone"
    value = factory.Sequence(lambda n: f"+668{n:08d}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    workspace = factory.SubFactory(WorkspaceFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name_th = "ชาไทย"
    price_satang = 6500


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    workspace = factory.SubFactory(WorkspaceFactory)
    customer = factory.SubFactory(CustomerFactory, workspace=factory.SelfAttribute("..workspace"))
    channel = factory.SubFactory(
        SalesChannelFactory, workspace=factory.SelfAttribute("..workspace")
    )
    number = factory.Sequence(lambda n: f"ORD-{n:06d}")
    placed_at = factory.LazyFunction(timezone.now)
    subtotal_satang = 13000
    total_satang = 13000


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    workspace = factory.SelfAttribute("order.workspace")
    sku = "SKU-1"
    name = "ชาไทย"
    quantity = 2
    unit_price_satang = 6500
    line_total_satang = 13000
