"""Writes for customers, one job per module: ``create`` (create-or-match by identity),
``profile`` (the profile fields, custom fields, referrer), ``tags``; ``common`` holds what they
share. Contacts and addresses are in ``contact_services``, the PDPA consent ledger in
``consent_services``, notes, interactions and follow-ups in ``interaction_services``."""

from samphan.customers.services.create import CustomerResult, customer_create
from samphan.customers.services.profile import (
    CUSTOMER_FIELDS,
    LIFECYCLE_REASON_MAX,
    PREFERRED_CHANNELS,
    PREFERRED_LANGUAGES,
    customer_update,
)
from samphan.customers.services.tags import tag_set

__all__ = [
    "CUSTOMER_FIELDS",
    "LIFECYCLE_REASON_MAX",
    "PREFERRED_CHANNELS",
    "PREFERRED_LANGUAGES",
    "CustomerResult",
    "customer_create",
    "customer_update",
    "tag_set",
]
