"""The public help form (ติดต่อร้าน), no sign-in: ``/help/<token>/``, the token signed per
workspace (a wrong or altered token is a 404, so one shop's link never reaches another's).

Spam and abuse: a limit per address and per shop (the cache, as the enrolment page does), a
honeypot field people never see, and a minimum time between showing the form and sending it
(the time is signed into the form, so a bot cannot claim it waited). A message that trips the
honeypot or the timer is answered like a real one and dropped, so a bot learns nothing.
The customer is matched by phone or email (or created) through the customers app.
"""

from __future__ import annotations

import logging
import time

from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from samphan.core.access import Actor
from samphan.core.audit import client_ip
from samphan.core.errors import ApplicationError
from samphan.core.links import link_token, link_value
from samphan.core.models import Workspace
from samphan.core.roles import Role
from samphan.service.forms import HelpForm
from samphan.service.models import Ticket, TicketChannel, TicketPriority
from samphan.service.services import ticket_create

logger = logging.getLogger(__name__)
SALT = "samphan.service.help"
STARTED_SALT = "samphan.service.help.started"
PER_ADDRESS = (5, 600)  # tickets per address per 10 minutes
PER_SHOP = (200, 3600)  # per shop per hour
MIN_SECONDS = 3  # a person takes longer than this to fill the form
MAX_FORM_AGE = 24 * 3600
TOKEN_MAX = 200


class HelpFormActor(Actor):
    """A customer writing to the shop through the public form: may open a ticket and create
    or match their customer record; named "web form" on what it writes."""

    @property
    def label(self) -> str:
        return "web form"


def help_token(workspace: Workspace) -> str:
    return link_token(workspace.pk, salt=SALT)


def help_path(workspace: Workspace) -> str:
    return reverse("service:help", kwargs={"token": help_token(workspace)})


def _workspace(token: str) -> Workspace:
    if len(token) > TOKEN_MAX:
        raise Http404
    try:
        pk = link_value(token, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        raise Http404 from None
    workspace = Workspace.objects.filter(pk=pk).first()
    if workspace is None:
        raise Http404
    return workspace


def _allowed(key: str, limit: tuple[int, int]) -> bool:
    count, seconds = limit
    cache.add(key, 0, seconds)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, seconds)
        used = 1
    return used <= count


def _started_stamp() -> str:
    return signing.dumps(time.time(), salt=STARTED_SALT)


def _looks_like_a_bot(form: HelpForm) -> bool:
    if form.cleaned_data.get("website"):
        return True
    try:
        started = float(
            signing.loads(
                form.cleaned_data.get("started") or "", salt=STARTED_SALT, max_age=MAX_FORM_AGE
            )
        )
    except (signing.BadSignature, ValueError, TypeError):
        return True
    return time.time() - started < MIN_SECONDS


def help_ticket_open(
    *,
    workspace: Workspace,
    name: str,
    phone: str,
    email: str,
    ticket_type: str,
    subject: str,
    body: str,
) -> Ticket:
    """A ticket from the public form: channel web form, the customer matched or created."""
    actor = HelpFormActor(workspace=workspace, role=Role.SUPPORT)
    with transaction.atomic():
        return ticket_create(
            actor=actor,
            subject=subject,
            body=body,
            ticket_type=ticket_type,
            channel=TicketChannel.WEB_FORM,
            priority=TicketPriority.NORMAL,
            name=name,
            phone=phone,
            email=email,
        )


@require_http_methods(["GET", "POST"])
def help_form(request: HttpRequest, token: str) -> HttpResponse:
    workspace = _workspace(token)
    form = HelpForm(request.POST or None, initial={"started": _started_stamp()})
    done = False
    status = 200
    if request.method == "POST":
        ip = client_ip(request) or "?"
        if not (
            _allowed(f"service-help:ip:{ip}", PER_ADDRESS)
            and _allowed(f"service-help:ws:{workspace.pk}", PER_SHOP)
        ):
            form.add_error(None, _("Too many messages from here; try again in a few minutes."))
            status = 429
        elif form.is_valid():
            if _looks_like_a_bot(form):
                logger.info("help form of workspace %s: dropped as spam from %s", workspace.pk, ip)
                done = True
            else:
                data = form.cleaned_data
                try:
                    help_ticket_open(
                        workspace=workspace,
                        name=data["name"],
                        phone=data["phone"],
                        email=data["email"],
                        ticket_type=data["ticket_type"],
                        subject=data["subject"],
                        body=data["body"],
                    )
                except ApplicationError as exc:
                    field = exc.details.get("field")
                    form.add_error(field if field in form.fields else None, exc.message)
                    status = 422
                else:
                    done = True
        else:
            status = 422
        if not done:
            # A fresh stamp: the form shown again must not count the first attempt's time.
            data = request.POST.copy()
            data["started"] = _started_stamp()
            form.data = data
    response = render(
        request,
        "service/help.html",
        {"shop": workspace, "form": form, "done": done},
        status=status,
    )
    response["X-Robots-Tag"] = "noindex, nofollow"
    # The link's token never leaves the site in a Referer; "no-referrer" would also make the
    # browser send "Origin: null" with the form, which the CSRF check rightly refuses.
    response["Referrer-Policy"] = "same-origin"
    return response


urlpatterns = [path("help/<str:token>/", help_form, name="help")]
