"""Links that end by being revoked, not by age (a shop's QR codes, a survey's public link, a
member card): the same link every time it is shown, and links given out when their tokens
carried a timestamp still open."""

from __future__ import annotations

import time
from collections.abc import Callable
from unittest import mock

import pytest
from django.core import signing
from django.test import Client

from samphan.core.access import Actor
from samphan.core.links import link_token, link_value
from samphan.feedback import links
from samphan.loyalty import enrol
from samphan.loyalty.models import Programme
from samphan.service import public
from tests.feedback.conftest import make_survey


def test_a_token_is_the_same_later_and_reads_back() -> None:
    token = link_token([7, "abc"], salt="s")
    with mock.patch("time.time", return_value=time.time() + 86_400):
        assert link_token([7, "abc"], salt="s") == token
    assert link_value(token, salt="s") == [7, "abc"]
    assert link_value(signing.dumps([7, "abc"], salt="s", compress=False), salt="s") == [7, "abc"]
    for bad in (token[:-2] + "xx", link_token([7, "abc"], salt="other"), "", "a:b:c"):
        with pytest.raises(signing.BadSignature):
            link_value(bad, salt="s")


@pytest.mark.parametrize("kind", ["enrol", "help", "survey"])
def test_shop_links_are_stable_and_old_ones_open(owner: Actor, kind: str) -> None:
    Programme.objects.create(workspace=owner.workspace)
    survey = make_survey(owner, public_mode="anonymous", kind="general")
    paths: dict[str, tuple[Callable[[], str], str, object]] = {
        "enrol": (lambda: enrol.enrol_path(owner.workspace), enrol.SALT, owner.workspace.pk),
        "help": (lambda: public.help_path(owner.workspace), public.SALT, owner.workspace.pk),
        "survey": (
            lambda: links.public_path(survey),
            links.PUBLIC_SALT,
            [survey.workspace_id, survey.pk, survey.public_nonce],
        ),
    }
    make, salt, value = paths[kind]
    shown = make()
    with mock.patch("time.time", return_value=time.time() + 3600):
        assert make() == shown
    assert Client().get(shown).status_code == 200
    old = signing.dumps(value, salt=salt, compress=False)
    assert Client().get(shown.replace(shown.rstrip("/").rsplit("/", 1)[1], old)).status_code == 200
