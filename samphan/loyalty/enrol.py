"""The enrolment page (สมัครสมาชิก), reached from a QR poster in the shop: a phone number, a
first name and the PDPA consent; an existing customer with that phone is matched, not
duplicated. Rate-limited per address and per shop. The page says the same thing whether the
phone was new or known, so it tells nobody who is a member; the member gets their card link
from the staff."""

from __future__ import annotations

from django import forms
from django.core import signing
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from samphan.core.access import Actor
from samphan.core.audit import client_ip
from samphan.core.errors import ApplicationError
from samphan.core.links import link_token, link_value
from samphan.core.models import Workspace
from samphan.core.ratelimit import rate_allowed
from samphan.core.roles import Role
from samphan.customers.consent_services import consent_record
from samphan.customers.models import ConsentPurpose
from samphan.customers.services.create import customer_create
from samphan.loyalty import ledger
from samphan.loyalty.programme import programme_get

SALT = "samphan.loyalty.enrol"
PER_ADDRESS = (5, 600)  # sign-ups per address per 10 minutes
PER_SHOP = (300, 3600)  # per shop per hour
TOKEN_MAX = 200


class EnrolActor(Actor):
    """A customer signing themselves up: may create a customer and record their consent, and
    is named as the enrolment page on the rows it writes."""

    @property
    def label(self) -> str:
        return "enrolment"


def enrol_token(workspace: Workspace) -> str:
    return link_token(workspace.pk, salt=SALT)


def enrol_path(workspace: Workspace) -> str:
    return reverse("loyalty:enrol", kwargs={"token": enrol_token(workspace)})


def _workspace(token: str) -> Workspace:
    if len(token) > TOKEN_MAX:
        raise Http404
    try:
        pk = link_value(token, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        raise Http404 from None
    workspace = Workspace.objects.filter(pk=pk).first()
    if workspace is None or not programme_get(workspace=workspace).is_active:
        raise Http404
    return workspace


# The shared fixed-window counter (also used by the survey links).
_allowed = rate_allowed


class EnrolForm(forms.Form):
    phone = forms.CharField(label=gettext_lazy("Mobile phone"), max_length=32)
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=100, required=False)
    consent = forms.BooleanField(
        label=gettext_lazy(
            "I agree that the shop keeps my phone number and purchases for its points programme."
        ),
        required=True,
    )
    marketing_sms = forms.BooleanField(
        label=gettext_lazy("Send me offers by SMS (optional; I can stop them at any time)."),
        required=False,
    )


def member_enrol(
    *, workspace: Workspace, phone: str, first_name: str, marketing_sms: bool, ip: str | None
) -> int:
    """Create or match the customer by phone, open their points account (the welcome bonus
    follows customer.created), record the optional SMS consent. Returns the customer id."""
    actor = EnrolActor(workspace=workspace, role=Role.STAFF)
    with transaction.atomic():
        result = customer_create(actor=actor, first_name=first_name, contacts=[("phone", phone)])
        customer = result.customer
        ledger.account_lock(workspace=workspace, customer_id=customer.pk)
        if marketing_sms:
            consent_record(
                actor=actor,
                customer_id=customer.pk,
                purpose=ConsentPurpose.MARKETING_SMS,
                granted=True,
                source="enrolment",
                evidence=_("Enrolment page, from %(ip)s") % {"ip": ip or "?"},
            )
    return customer.pk


@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest, token: str) -> HttpResponse:
    workspace = _workspace(token)
    form = EnrolForm(request.POST or None)
    done = False
    status = 200
    if request.method == "POST":
        ip = client_ip(request)
        if not (
            _allowed(f"loyalty-enrol:ip:{ip}", PER_ADDRESS)
            and _allowed(f"loyalty-enrol:ws:{workspace.pk}", PER_SHOP)
        ):
            form.add_error(None, _("Too many sign-ups from here; try again in a few minutes."))
            status = 429
        elif form.is_valid():
            try:
                member_enrol(
                    workspace=workspace,
                    phone=form.cleaned_data["phone"],
                    first_name=form.cleaned_data["first_name"],
                    marketing_sms=form.cleaned_data["marketing_sms"],
                    ip=ip,
                )
            except ApplicationError as exc:
                form.add_error("phone", exc.message)
                status = 422
            else:
                done = True
        else:
            status = 422
    response = render(
        request,
        "loyalty/enrol.html",
        {"shop": workspace, "form": form, "done": done},
        status=status,
    )
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


urlpatterns = [path("join/<str:token>/", enrol, name="enrol")]
