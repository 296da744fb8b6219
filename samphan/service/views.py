"""Service-desk pages: the queue (mine, unassigned, breaching soon, breached, by category),
a ticket with its conversation, notes, status buttons, details (type, priority, category,
team), pause history, SLA due times and the customer's timeline beside it, a new ticket,
canned replies, categories and teams, the recovery report."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from samphan.core.access import Actor
from samphan.core.errors import ApplicationError
from samphan.core.models import Membership
from samphan.core.roles import Perm
from samphan.core.web import add_application_error, current_actor, member_required
from samphan.customers.selectors import customer_get
from samphan.customers.views.timeline import timeline_context
from samphan.loyalty.coupons.models import CodeMode, CouponCampaign
from samphan.service import canned as canned_services
from samphan.service import selectors, services
from samphan.service.attachments import attachment_add
from samphan.service.forms import (
    AssignForm,
    AttachmentForm,
    CannedForm,
    CategoryForm,
    DetailsForm,
    RecoveryForm,
    ReplyForm,
    StatusForm,
    TeamForm,
    TicketForm,
)
from samphan.service.models import TRANSITIONS, Ticket, TicketAttachment, TicketStatus
from samphan.service.public import help_path
from samphan.service.recovery import recovery_allowed, recovery_issue, recovery_report

QUEUE_ROWS = 200


def _tabs() -> list[tuple[str, str]]:
    return [
        ("all", _("All open")),
        ("mine", _("Mine")),
        ("unassigned", _("Unassigned")),
        ("breaching_soon", _("Breaching soon")),
        ("breached", _("Breached")),
    ]


def _category_choices(actor: Actor) -> list[tuple[int, str]]:
    return [(c.pk, c.name) for c in selectors.categories(actor=actor)]


def _team_choices(actor: Actor) -> list[tuple[int, str]]:
    return [(t.pk, t.name) for t in selectors.teams(actor=actor)]


def _details_form(actor: Actor, ticket: Ticket, data: Any = None) -> DetailsForm:
    """The details form; a category or team out of use stays offered on its own ticket."""
    categories = _category_choices(actor)
    if ticket.category is not None and ticket.category_id not in dict(categories):
        categories.append((ticket.category.pk, ticket.category.name))
    teams = _team_choices(actor)
    if ticket.team is not None and ticket.team_id not in dict(teams):
        teams.append((ticket.team.pk, ticket.team.name))
    return DetailsForm(
        data,
        categories=categories,
        teams=teams,
        initial={
            "ticket_type": ticket.type,
            "priority": ticket.priority,
            "category_id": ticket.category_id,
            "team_id": ticket.team_id,
        },
    )


def _member_choices(actor: Actor) -> list[tuple[int, str]]:
    return [
        (m.user_id, m.user.get_full_name() or m.user.email)
        for m in Membership.objects.filter(workspace=actor.workspace)
        .select_related("user")
        .order_by("user__first_name", "user__email")
    ]


@member_required(Perm.TICKET_MANAGE)
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    view = request.GET.get("view", "all")
    if view not in selectors.VIEWS:
        view = "all"
    category_id: int | None = None
    raw = request.GET.get("category", "")
    if raw.isdigit() and len(raw) < 19:
        category_id = int(raw)
    now = timezone.now()
    tickets = list(
        selectors.ticket_list(actor=actor, view=view, category_id=category_id, now=now)[:QUEUE_ROWS]
    )
    for ticket in tickets:
        ticket.badge = selectors.ticket_badge(ticket, now)  # type: ignore[attr-defined]
    return render(
        request,
        "service/queue.html",
        {
            "tickets": tickets,
            "view": view,
            "tabs": _tabs(),
            "counts": selectors.queue_counts(actor=actor, now=now),
            "categories": selectors.categories(actor=actor),
            "category_id": category_id,
            "help_url": request.build_absolute_uri(help_path(actor.workspace)),
            "can_report": actor.can(Perm.COUPON_MANAGE),
        },
    )


@member_required(Perm.TICKET_MANAGE)
@require_http_methods(["GET", "POST"])
def ticket_new(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    initial: dict[str, Any] = {}
    customer = None
    raw = request.GET.get("customer", "")
    if raw.isdigit() and len(raw) < 19:
        customer = customer_get(actor=actor, customer_id=int(raw))
        initial["customer_id"] = customer.pk
    form = TicketForm(request.POST or None, categories=_category_choices(actor), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = services.ticket_create(actor=actor, **data)
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            messages.success(request, _("Ticket #%(number)s opened.") % {"number": ticket.number})
            return redirect("service:ticket", ticket_id=ticket.pk)
    if customer is None and form.is_bound and form.data.get("customer_id", "").isdigit():
        customer = customer_get(actor=actor, customer_id=int(form.data["customer_id"]))
    return render(request, "service/new.html", {"form": form, "customer": customer})


def _ticket_page(request: HttpRequest, actor: Actor, ticket: Ticket, **forms: Any) -> HttpResponse:
    now = timezone.now()
    canned = list(selectors.canned_list(actor=actor))
    reply = forms.get("reply_form")
    if reply is None:
        body = ""
        chosen = request.GET.get("canned", "")
        if chosen.isdigit() and len(chosen) < 19:
            found = next((c for c in canned if c.pk == int(chosen)), None)
            if found is not None:
                try:
                    body = canned_services.canned_render(
                        found.body,
                        ticket=ticket,
                        agent=actor.user.get_full_name() if actor.user else "",
                    )
                except ApplicationError as exc:
                    messages.error(request, exc.message)
        reply = ReplyForm(initial={"body": body, "mode": "reply"})
    timeline: dict[str, Any] | None = None
    if ticket.customer_id is not None and actor.can(Perm.CUSTOMER_VIEW):
        customer = customer_get(actor=actor, customer_id=ticket.customer_id)
        timeline = timeline_context(actor, customer, [])
    campaigns = [
        (c.pk, c.name)
        for c in CouponCampaign.objects.filter(
            workspace=actor.workspace, code_mode=CodeMode.UNIQUE, is_active=True
        ).order_by("name")[:100]
    ]
    can_recover = actor.can(Perm.COUPON_MANAGE) and recovery_allowed(ticket)
    return render(
        request,
        "service/ticket.html",
        {
            "ticket": ticket,
            "badge": selectors.ticket_badge(ticket, now),
            "conversation": list(ticket.messages.select_related("author")),
            "attachments": list(ticket.attachments.all()),
            "history": list(ticket.status_changes.select_related("actor")),
            "pauses": list(ticket.pauses.all()),
            "next_statuses": [
                (s, TicketStatus(s).label)
                for s in TicketStatus.values
                if s in TRANSITIONS[ticket.status]
            ],
            "reply_form": reply,
            "status_form": forms.get("status_form") or StatusForm(),
            "assign_form": forms.get("assign_form")
            or AssignForm(
                members=_member_choices(actor), initial={"assignee_id": ticket.assignee_id}
            ),
            "details_form": forms.get("details_form") or _details_form(actor, ticket),
            "attach_form": forms.get("attach_form") or AttachmentForm(),
            "recovery_form": (
                forms.get("recovery_form") or RecoveryForm(campaigns=campaigns)
                if can_recover and campaigns
                else None
            ),
            "can_recover": can_recover,
            "recoveries": list(ticket.recoveries.select_related("campaign")),
            "canned": canned,
            "timeline": timeline,
        },
        status=forms.get("status", 200),
    )


@member_required(Perm.TICKET_MANAGE)
def ticket_detail(request: HttpRequest, ticket_id: int) -> HttpResponse:
    actor = current_actor(request)
    ticket = selectors.ticket_get(actor=actor, ticket_id=ticket_id)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return _ticket_page(request, actor, ticket)


@member_required(Perm.TICKET_MANAGE)
def ticket_reply(request: HttpRequest, ticket_id: int) -> HttpResponse:
    actor = current_actor(request)
    ticket = selectors.ticket_get(actor=actor, ticket_id=ticket_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = ReplyForm(request.POST)
    if form.is_valid():
        body, mode = form.cleaned_data["body"], form.cleaned_data["mode"]
        try:
            if mode == "note":
                services.ticket_note(actor=actor, ticket_id=ticket.pk, body=body)
            else:
                services.ticket_reply(
                    actor=actor, ticket_id=ticket.pk, body=body, from_customer=mode == "customer"
                )
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("service:ticket", ticket_id=ticket.pk)
    return _ticket_page(request, actor, ticket, reply_form=form, status=422)


@member_required(Perm.TICKET_MANAGE)
def ticket_status(request: HttpRequest, ticket_id: int) -> HttpResponse:
    actor = current_actor(request)
    ticket = selectors.ticket_get(actor=actor, ticket_id=ticket_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            services.ticket_status_change(
                actor=actor,
                ticket_id=ticket.pk,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            messages.success(request, _("Status changed."))
            return redirect("service:ticket", ticket_id=ticket.pk)
    messages.error(request, "; ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("service:ticket", ticket_id=ticket.pk)


@member_required(Perm.TICKET_MANAGE)
def ticket_assign(request: HttpRequest, ticket_id: int) -> HttpResponse:
    actor = current_actor(request)
    ticket = selectors.ticket_get(actor=actor, ticket_id=ticket_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = AssignForm(request.POST, members=_member_choices(actor))
    if form.is_valid():
        try:
            services.ticket_assign(
                actor=actor,
                ticket_id=ticket.pk,
                assignee_id=form.cleaned_data["assignee_id"],
                team_id=ticket.team_id,
            )
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            messages.success(request, _("Assigned."))
            return redirect("service:ticket", ticket_id=ticket.pk)
    return _ticket_page(request, actor, ticket, assign_form=form, status=422)


@member_required(Perm.TICKET_MANAGE)
def ticket_details(request: HttpRequest, ticket_id: int) -> HttpResponse:
    actor = current_actor(request)
    ticket = selectors.ticket_get(actor=actor, ticket_id=ticket_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = _details_form(actor, ticket, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.ticket_update(
                actor=actor,
                ticket_id=ticket.pk,
                ticket_type=data["ticket_type"],
                priority=data["priority"],
                category_id=data["category_id"],
                clear_category=data["category_id"] is None,
                team_id=data["team_id"],
                clear_team=data["team_id"] is None,
            )
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            messages.success(request, _("Details saved."))
            return redirect("service:ticket", ticket_id=ticket.pk)
    return _ticket_page(request, actor, ticket, details_form=form, status=422)


@member_required(Perm.TICKET_MANAGE)
def ticket_attach(request: HttpRequest, ticket_id: int) -> HttpResponse:
    actor = current_actor(request)
    ticket = selectors.ticket_get(actor=actor, ticket_id=ticket_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachment_add(actor=actor, ticket_id=ticket.pk, upload=form.cleaned_data["file"])
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            messages.success(request, _("File attached."))
            return redirect("service:ticket", ticket_id=ticket.pk)
    return _ticket_page(request, actor, ticket, attach_form=form, status=422)


@member_required(Perm.TICKET_MANAGE)
def attachment_download(request: HttpRequest, ticket_id: int, attachment_id: int) -> HttpResponse:
    actor = current_actor(request)
    ticket = selectors.ticket_get(actor=actor, ticket_id=ticket_id)
    found = TicketAttachment.objects.filter(ticket=ticket, pk=attachment_id).first()
    if found is None:
        raise Http404
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    response = FileResponse(
        found.file.open("rb"),
        content_type=found.content_type,
        # Photos open in the browser; PDFs and text are downloaded, never run in our origin.
        as_attachment=found.content_type not in ("image/jpeg", "image/png"),
        filename=found.name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response  # type: ignore[return-value]  # a FileResponse streams, as pages may


@member_required(Perm.TICKET_MANAGE)
def ticket_recovery(request: HttpRequest, ticket_id: int) -> HttpResponse:
    actor = current_actor(request)
    ticket = selectors.ticket_get(actor=actor, ticket_id=ticket_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    raw = request.POST.get("campaign_id", "")
    if not (raw.isdigit() and len(raw) < 19):
        messages.error(request, _("Choose a coupon campaign."))
        return redirect("service:ticket", ticket_id=ticket.pk)
    try:
        recovery = recovery_issue(actor=actor, ticket_id=ticket.pk, campaign_id=int(raw))
    except ApplicationError as exc:
        if exc.status == 404:
            raise
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Coupon %(code)s given to the customer.") % {"code": recovery.code}
        )
    return redirect("service:ticket", ticket_id=ticket.pk)


# --- canned replies and categories ---------------------------------------------------------


@member_required(Perm.TICKET_MANAGE)
@require_http_methods(["GET", "POST"])
def canned_list(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    form = CannedForm(request.POST or None if request.POST.get("form") == "canned" else None)
    category_form = CategoryForm(
        request.POST or None if request.POST.get("form") == "category" else None
    )
    status = 200
    if request.method == "POST":
        target = form if request.POST.get("form") == "canned" else category_form
        if target.is_valid():
            try:
                if target is form:
                    canned_services.canned_reply_save(actor=actor, **form.cleaned_data)
                else:
                    services.category_create(actor=actor, name=category_form.cleaned_data["name"])
            except ApplicationError as exc:
                add_application_error(target, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("service:canned")
        status = 422
    return render(
        request,
        "service/canned.html",
        {
            "replies": selectors.canned_list(actor=actor),
            "form": form,
            "category_form": category_form,
            "categories": selectors.categories(actor=actor, active_only=False),
        },
        status=status,
    )


@member_required(Perm.TICKET_MANAGE)
@require_http_methods(["GET", "POST"])
def canned_edit(request: HttpRequest, canned_id: int) -> HttpResponse:
    actor = current_actor(request)
    canned = canned_services.canned_get(actor=actor, canned_id=canned_id)
    if request.method == "POST" and request.POST.get("action") == "delete":
        canned_services.canned_reply_delete(actor=actor, canned_id=canned.pk)
        messages.success(request, _("Canned reply deleted."))
        return redirect("service:canned")
    form = CannedForm(request.POST or None, initial={"title": canned.title, "body": canned.body})
    if request.method == "POST" and form.is_valid():
        try:
            canned_services.canned_reply_save(actor=actor, canned_id=canned.pk, **form.cleaned_data)
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("service:canned")
    return render(request, "service/canned_edit.html", {"form": form, "canned": canned})


@member_required(Perm.TICKET_MANAGE)
@require_http_methods(["GET", "POST"])
def desk_settings(request: HttpRequest) -> HttpResponse:
    """Categories and teams: each listed with a switch in or out of use, and a form to add."""
    actor = current_actor(request)
    which = request.POST.get("form", "")
    category_form = CategoryForm(request.POST if which == "category" else None)
    team_form = TeamForm(request.POST if which == "team" else None)
    status = 200
    if request.method == "POST":
        raw = request.POST.get("id", "")
        if which in ("category_use", "team_use") and raw.isdigit() and len(raw) < 19:
            use = request.POST.get("is_active") == "1"
            # Another shop's id: 404 from the services.
            if which == "category_use":
                services.category_update(actor=actor, category_id=int(raw), is_active=use)
            else:
                services.team_update(actor=actor, team_id=int(raw), is_active=use)
            messages.success(request, _("Saved."))
            return redirect("service:settings")
        target = category_form if which == "category" else team_form
        if which in ("category", "team") and target.is_valid():
            name = target.cleaned_data["name"]
            try:
                if which == "category":
                    services.category_create(actor=actor, name=name)
                else:
                    services.team_create(actor=actor, name=name)
            except ApplicationError as exc:
                add_application_error(target, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("service:settings")
        status = 422
    return render(
        request,
        "service/settings.html",
        {
            "categories": selectors.categories(actor=actor, active_only=False),
            "teams": selectors.teams(actor=actor, active_only=False),
            "category_form": category_form,
            "team_form": team_form,
        },
        status=status,
    )


@member_required(Perm.TICKET_MANAGE)
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    return render(request, "service/report.html", {"report": recovery_report(actor=actor)})


app_name = "service"
urlpatterns = [
    path("service/", queue, name="queue"),
    path("service/tickets/new/", ticket_new, name="ticket_new"),
    path("service/tickets/<int:ticket_id>/", ticket_detail, name="ticket"),
    path("service/tickets/<int:ticket_id>/reply/", ticket_reply, name="ticket_reply"),
    path("service/tickets/<int:ticket_id>/status/", ticket_status, name="ticket_status"),
    path("service/tickets/<int:ticket_id>/assign/", ticket_assign, name="ticket_assign"),
    path("service/tickets/<int:ticket_id>/details/", ticket_details, name="ticket_details"),
    path("service/tickets/<int:ticket_id>/attach/", ticket_attach, name="ticket_attach"),
    path(
        "service/tickets/<int:ticket_id>/files/<int:attachment_id>/",
        attachment_download,
        name="attachment",
    ),
    path("service/tickets/<int:ticket_id>/recovery/", ticket_recovery, name="ticket_recovery"),
    path("service/canned/", canned_list, name="canned"),
    path("service/canned/<int:canned_id>/", canned_edit, name="canned_edit"),
    path("service/settings/", desk_settings, name="settings"),
    path("service/recovery/", report, name="report"),
]
