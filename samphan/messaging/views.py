"""Messaging's pages (the LINE channel's settings, its webhook-events log, link codes from the
customer page) and the LINE webhook itself."""

from __future__ import annotations

import logging

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from samphan.core.audit import client_ip
from samphan.core.errors import ApplicationError
from samphan.core.roles import Perm
from samphan.core.web import add_application_error, current_actor, member_required
from samphan.customers import selectors as customer_selectors
from samphan.messaging import selectors, services
from samphan.messaging.models import WebhookEventStatus

log = logging.getLogger(__name__)
EVENTS_PER_PAGE = 50


class LineChannelForm(forms.Form):
    channel_id = forms.CharField(
        label=gettext_lazy("Channel ID"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    channel_secret = forms.CharField(
        label=gettext_lazy("Channel secret"),
        max_length=64,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    channel_access_token = forms.CharField(
        label=gettext_lazy("Channel access token (long-lived)"),
        max_length=600,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


@member_required(Perm.CHANNEL_MANAGE)
@require_http_methods(["GET", "POST"])
def line_settings(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    channel = selectors.line_channel_get(actor=actor)
    if request.method == "POST":
        form = LineChannelForm(request.POST)
        if form.is_valid():
            try:
                services.line_channel_save(actor=actor, **form.cleaned_data)
            except ApplicationError as exc:
                add_application_error(form, exc)
            else:
                messages.success(request, _("LINE channel saved."))
                return redirect("messaging:line_settings")
    else:
        form = LineChannelForm(initial={"channel_id": channel.channel_id if channel else ""})
    if channel is not None:
        # Kept secrets are never sent back: the fields stay empty and say what is stored.
        for name in ("channel_secret", "channel_access_token"):
            stored = getattr(channel, name)
            form.fields[name].help_text = (
                _("Stored: %(masked)s. Leave empty to keep it.") % {"masked": services.mask(stored)}
                if stored
                else _("Not set yet.")
            )
    webhook_url = (
        request.build_absolute_uri(
            reverse("messaging:line_webhook", kwargs={"token": channel.webhook_token})
        )
        if channel is not None
        else ""
    )
    return render(
        request,
        "messaging/line_settings.html",
        {
            "form": form,
            "channel": channel,
            "webhook_url": webhook_url,
            "counts": selectors.line_event_counts(actor=actor) if channel else {},
        },
    )


@member_required(Perm.CHANNEL_MANAGE)
@require_POST
def line_webhook_rotate(request: HttpRequest) -> HttpResponse:
    services.line_webhook_token_rotate(actor=current_actor(request))
    messages.success(
        request, _("New webhook address made. Paste it into the LINE Developers console now.")
    )
    return redirect("messaging:line_settings")


@member_required(Perm.CHANNEL_MANAGE)
def line_quota(request: HttpRequest) -> HttpResponse:
    """The quota meter (an htmx fragment: LINE is asked only when the page is open)."""
    actor = current_actor(request)
    quota, error = None, ""
    try:
        quota = services.line_quota_get(
            actor=actor, fresh=request.GET.get("fresh") == "1", interactive=True
        )
    except ApplicationError as exc:
        error = exc.message
    percent = 0
    if quota is not None and quota.limit:
        percent = min(100, round(100 * quota.used / quota.limit))
    return render(
        request,
        "messaging/_quota.html",
        {"quota": quota, "error": error, "percent": percent},
    )


@member_required(Perm.CHANNEL_MANAGE)
def line_events(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    status = request.GET.get("status", "")
    if status not in WebhookEventStatus.values:
        status = ""
    page = Paginator(selectors.line_event_list(actor=actor, status=status), EVENTS_PER_PAGE)
    page_obj = page.get_page(request.GET.get("page"))
    counts = selectors.line_event_counts(actor=actor)
    for event in page_obj.object_list:
        event.outcome_label = selectors.outcome_label(event.outcome)  # type: ignore[attr-defined]
    return render(
        request,
        "messaging/line_events.html",
        {
            "page": page_obj,
            "status": status,
            "statuses": [(v, label, counts.get(v, 0)) for v, label in WebhookEventStatus.choices],
        },
    )


@member_required(Perm.CUSTOMER_EDIT)
@require_http_methods(["GET", "POST"])
def link_code_create(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = current_actor(request)
    # Another shop's customer is a 404 whatever the method; a GET goes back to the panel.
    customer = customer_selectors.customer_get(actor=actor, customer_id=customer_id)
    back = reverse("customers:detail", kwargs={"customer_id": customer.pk}) + "#panel-line"
    if request.method != "POST":
        return redirect(back)
    code = services.line_link_code_create(actor=actor, customer_id=customer.pk)
    messages.success(
        request,
        _("LINE link code %(code)s: ask the customer to send it to the shop's LINE account.")
        % {"code": code.code},
    )
    return redirect(
        reverse("customers:detail", kwargs={"customer_id": customer_id}) + "#panel-line"
    )


# --- the webhook --------------------------------------------------------------------------------


def _refuse(request: HttpRequest, status: int, code: str, why: str) -> JsonResponse:
    log.warning(
        "LINE webhook refused (%s %s) from %s: %s", status, code, client_ip(request) or "-", why
    )
    return JsonResponse({"error": {"code": code, "message": why}}, status=status)


@csrf_exempt
@require_POST
def line_webhook(request: HttpRequest, token: str) -> HttpResponse:
    """LINE's deliveries for one shop. The body's size is checked before it is read, then its
    signature (HMAC-SHA256 with the channel secret); the events are kept once each and applied
    by a task after commit, so LINE gets its 200 at once."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _refuse(request, 400, "bad_length", "Content-Length is not a number")
    if length > settings.SAMPHAN_LINE_WEBHOOK_MAX_BYTES:
        return _refuse(request, 413, "too_large", f"body of {length} bytes")
    channel = selectors.line_channel_for_webhook(token=token)
    if channel is None:
        return _refuse(request, 404, "unknown_webhook", "no channel has this webhook address")
    body = request.body
    try:
        intake = services.line_webhook_receive(
            channel=channel, body=body, signature=request.headers.get("X-Line-Signature", "")
        )
    except ApplicationError as exc:
        return _refuse(
            request, exc.status, exc.code, f"workspace {channel.workspace_id}: {exc.message}"
        )
    return JsonResponse({"accepted": len(intake.accepted), "redelivered": intake.redelivered})
