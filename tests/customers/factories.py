"""Factories for customers. A customer is created through ``customers.services.customer_create``
(names cleaned, contacts normalised, the ``customer.created`` event written), as the pages, the
API and the imports create one."""

from __future__ import annotations

from typing import Any

import factory

from samphan.core.access import Actor
from samphan.core.models import Workspace
from samphan.core.roles import Role
from samphan.customers.models import ContactPoint, Customer
from samphan.customers.services import customer_create
from tests.core.factories import WorkspaceFactory

# What customer_create takes; any other field given to the factory is set afterwards.
_CREATE_FIELDS = ("first_name", "last_name", "nickname", "title", "acquisition_source", "province")


class CustomerFactory(factory.django.DjangoModelFactory):
    """``CustomerFactory(workspace=ws, first_name="…", province="…")`` creates the customer with
    ``customer_create`` (acting as the workspace's owner). Fields the service does not take are
    written to the new row afterwards: state a test sets up without replaying its history (a
    back-dated ``created_at``, cached purchase figures, ``merged_into``) and profile details
    (``birthday``, ``gender``, ``referred_by``, …). ``contacts=[("phone", "081…")]`` goes
    through the service (and may match an existing customer, as it would in the shop)."""

    class Meta:
        model = Customer

    workspace = factory.SubFactory(WorkspaceFactory)
    first_name = "สมหญิง"
    last_name = factory.Sequence(lambda n: f"ใจดี{n}")

    @classmethod
    def _create(
        cls,
        model_class: type[Customer],
        *args: Any,
        workspace: Workspace,
        contacts: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> Customer:
        given = {name: kwargs.pop(name) for name in _CREATE_FIELDS if name in kwargs}
        actor = Actor(workspace=workspace, role=Role.OWNER)
        customer = customer_create(actor=actor, contacts=contacts, **given).customer
        if kwargs:
            Customer.objects.filter(pk=customer.pk).update(**kwargs)
            customer.refresh_from_db()
        return customer


class ContactPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactPoint

    customer = factory.SubFactory(CustomerFactory)
    workspace = factory.SelfAttribute("customer.workspace")
    kind = "phone"
    value = factory.Sequence(lambda n: f"+668{n:08d}")
