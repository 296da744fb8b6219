"""The factories of every app, in one place for the tests that import them from here. Each app
has its own module (``tests/<app>/factories.py``); customers and orders are made through the
domain services, so they emit the same events and summaries as in the shop."""

from tests.commerce.factories import (
    OrderFactory,
    ProductFactory,
    SalesChannelFactory,
    line,
)
from tests.core.factories import BranchFactory, MembershipFactory, UserFactory, WorkspaceFactory
from tests.customers.factories import ContactPointFactory, CustomerFactory

__all__ = [
    "BranchFactory",
    "ContactPointFactory",
    "CustomerFactory",
    "MembershipFactory",
    "OrderFactory",
    "ProductFactory",
    "SalesChannelFactory",
    "UserFactory",
    "WorkspaceFactory",
    "line",
]
