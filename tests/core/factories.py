"""Factories for core: users, workspaces, memberships and branches."""

from __future__ import annotations

import factory

from samphan.core.models import Branch, Membership, User, Workspace
from samphan.core.roles import Role


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
