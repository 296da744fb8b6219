"""Date inputs count years as the reader does: 23/11/2569 for Buddhist Era readers."""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms
from django.test import Client
from django.urls import reverse
from django.utils import translation

from samphan.core.display import Display, display_override
from samphan.core.forms import ReaderDateField, ReaderDateTimeField
from samphan.core.models import Membership
from tests.factories import CustomerFactory


class _Form(forms.Form):
    day = ReaderDateField(required=False)


@pytest.mark.parametrize("typed", ["23/11/2569", "23/11/2026", "2026-11-23", "๒๓/๑๑/๒๕๖๙"])
def test_either_era_is_read_back(typed: str) -> None:
    form = _Form({"day": typed})  # Thai digits too
    assert form.is_valid(), form.errors
    assert form.cleaned_data["day"] == dt.date(2026, 11, 23)


def test_a_wrong_date_is_said_at_the_field() -> None:
    form = _Form({"day": "31/02/2569"})
    assert not form.is_valid() and form.errors["day"]


def test_the_value_and_hint_follow_the_reader() -> None:
    form = _Form(initial={"day": dt.date(2026, 11, 23)})
    with translation.override("th"), display_override(Display(year_style="auto")):
        html = str(form["day"])
        assert 'value="23/11/2569"' in html and "2569" in html
    with translation.override("th"), display_override(Display(year_style="ce")):
        assert 'value="23/11/2026"' in str(form["day"])
    assert 'type="date"' not in html


@pytest.mark.django_db
def test_birthday_on_the_profile_form_in_buddhist_era(
    owner_client: Client, owner_membership: Membership
) -> None:
    customer = CustomerFactory(workspace=owner_membership.workspace, first_name="สมศรี")
    url = reverse("customers:edit", args=[customer.pk])
    page = owner_client.get(url)
    form = page.context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update({"birthday": "17/05/2523", "first_name": "สมศรี"})
    response = owner_client.post(url, {k: v for k, v in data.items() if not isinstance(v, list)})
    assert response.status_code == 302, response.context["form"].errors
    customer.refresh_from_db()
    assert customer.birthday == dt.date(1980, 5, 17)
    html = owner_client.get(url).content.decode()
    assert 'value="17/05/2523"' in html


class _WhenForm(forms.Form):
    at = ReaderDateTimeField(required=False)


@pytest.mark.parametrize("typed", ["23/11/2569 14:30", "23/11/2026 14:30", "2026-11-23T14:30"])
def test_a_date_and_time_in_either_era_is_bangkok_time(typed: str) -> None:
    form = _WhenForm({"at": typed})
    assert form.is_valid(), form.errors
    at = form.cleaned_data["at"]
    assert at.astimezone(dt.UTC) == dt.datetime(2026, 11, 23, 7, 30, tzinfo=dt.UTC)


def test_a_date_and_time_shows_in_the_readers_years() -> None:
    at = dt.datetime(2026, 11, 23, 7, 30, tzinfo=dt.UTC)
    form = _WhenForm(initial={"at": at})
    with translation.override("th"), display_override(Display(year_style="auto")):
        assert 'value="23/11/2569 14:30"' in str(form["at"])
    assert not _WhenForm({"at": "23/11/2569 25:00"}).is_valid()
