"""Imports run in the test's own transaction (no background thread), with uploads and progress
files in a temporary MEDIA_ROOT."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from samphan.commerce.models import ChannelKind, SalesChannel
from samphan.core.access import Actor
from samphan.core.models import Membership
from samphan.imports import jobs as imports
from samphan.imports.models import ImportJob
from tests.factories import MembershipFactory

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "imports"


@pytest.fixture(autouse=True)
def _imports_inline(monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Path) -> None:
    monkeypatch.setattr(imports, "RUN_EAGER_IN_THREAD", False)
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def channels(owner: Actor) -> dict[str, SalesChannel]:
    """The standard channels, named as a Thai shop sees them."""
    names = {ChannelKind.STORE: "หน้าร้าน", ChannelKind.LINE: "LINE", ChannelKind.SHOPEE: "Shopee",
             ChannelKind.LAZADA: "Lazada", ChannelKind.TIKTOK: "TikTok Shop"}  # fmt: skip
    return {
        kind: SalesChannel.objects.create(workspace=owner.workspace, kind=kind, name=name)
        for kind, name in names.items()
    }


def member(**kw: Any) -> Membership:
    """A membership from the shared factory, typed for mypy."""
    return cast(Membership, MembershipFactory(**kw))


def upload(name: str, content: bytes | None = None) -> SimpleUploadedFile:
    data = content if content is not None else (FIXTURES / name).read_bytes()
    return SimpleUploadedFile(name, data)


@pytest.fixture
def run_file(owner: Actor) -> Callable[..., ImportJob]:
    """Upload a fixture and import it (preview first, as the pages do); the finished job."""

    def run(name: str, kind: str, *, actor: Actor | None = None, content: bytes | None = None,
            mapping: dict[str, str] | None = None) -> ImportJob:  # fmt: skip
        who = actor or owner
        job = imports.import_job_create(actor=who, file=upload(name, content), kind=kind)
        imports.import_job_preview(actor=who, job_id=job.pk, mapping=mapping)
        imports.import_job_run(actor=who, job_id=job.pk)
        job = imports.import_job_execute(job_id=job.pk)
        assert job.status == "done", job.report
        return job

    return run
