"""Logging interactions with a customer, follow-up tasks and the task list."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samphan.core.access import Actor
from samphan.core.errors import ApplicationError
from samphan.core.forms import ReaderDateTimeField
from samphan.core.roles import Perm
from samphan.core.web import add_application_error, current_actor, member_required
from samphan.customers import interaction_services, selectors
from samphan.customers.models import FollowUpStatus, InteractionKind
from samphan.customers.views.merged import follow_merges
from samphan.customers.views.profile import _error_field


class InteractionForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=InteractionKind.choices,
        widget=forms.RadioSelect,
        initial=InteractionKind.CALL,
    )
    occurred_at = ReaderDateTimeField(label=gettext_lazy("When"), required=False)
    summary = forms.CharField(
        label=gettext_lazy("What was it about?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    outcome = forms.CharField(label=gettext_lazy("Outcome"), required=False, max_length=200)
    pain_points = forms.CharField(
        label=gettext_lazy("Pain points"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("What bothers the customer, in their words."),
    )
    next_step = forms.CharField(label=gettext_lazy("Next step"), required=False, max_length=200)
    followup_title = forms.CharField(
        label=gettext_lazy("Follow-up task"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Leave empty for no follow-up."),
    )
    followup_due = ReaderDateTimeField(label=gettext_lazy("Due"), required=False)
    followup_assignee = forms.ChoiceField(label=gettext_lazy("Assigned to"), required=False)

    def __init__(self, *args: Any, members: list[tuple[str, str]] | None = None, **kw: Any):
        super().__init__(*args, **kw)
        assignee = self.fields["followup_assignee"]
        assert isinstance(assignee, forms.ChoiceField)
        assignee.choices = members or []

    def clean(self) -> dict[str, Any]:
        cd = super().clean() or {}
        if cd.get("followup_title") and not cd.get("followup_due"):
            self.add_error("followup_due", _("When is the follow-up due?"))
        return cd


class FollowUpForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Task"), max_length=200)
    due_at = ReaderDateTimeField(label=gettext_lazy("Due"))
    assignee = forms.ChoiceField(label=gettext_lazy("Assigned to"), required=False)

    def __init__(self, *args: Any, members: list[tuple[str, str]] | None = None, **kw: Any):
        super().__init__(*args, **kw)
        assignee = self.fields["assignee"]
        assert isinstance(assignee, forms.ChoiceField)
        assignee.choices = members or []


def _members(actor: Actor) -> list[tuple[str, str]]:
    return [
        (str(u.pk), u.get_full_name() or u.email) for u in selectors.assignable_members(actor=actor)
    ]


def _default_due() -> dt.datetime:
    """Tomorrow at 10:00, local time: a sensible call-back time."""
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(tomorrow, dt.time(10, 0)))


# --- interactions and follow-ups -----------------------------------------------------------------


@member_required(Perm.CUSTOMER_EDIT)
@follow_merges
def interaction_new(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = current_actor(request)
    customer = selectors.customer_get(actor=actor, customer_id=customer_id)
    members = _members(actor)
    if request.method == "POST":
        form = InteractionForm(request.POST, members=members)
        if form.is_valid():
            cd = form.cleaned_data
            followup = None
            if cd["followup_title"]:
                followup = interaction_services.FollowUpInput(
                    title=cd["followup_title"],
                    due_at=cd["followup_due"],
                    assignee_id=int(cd["followup_assignee"]) if cd["followup_assignee"] else None,
                )
            try:
                interaction_services.interaction_log(
                    actor=actor,
                    customer_id=customer.pk,
                    kind=cd["kind"],
                    occurred_at=cd["occurred_at"],
                    summary=cd["summary"],
                    outcome=cd["outcome"],
                    pain_points=cd["pain_points"],
                    next_step=cd["next_step"],
                    followup=followup,
                )
            except ApplicationError as exc:
                add_application_error(
                    form,
                    _error_field(
                        exc, {"assignee_id": "followup_assignee", "title": "followup_title"}
                    ),
                )
            else:
                if followup is not None:
                    messages.success(request, _("Interaction logged and follow-up scheduled."))
                else:
                    messages.success(request, _("Interaction logged."))
                return redirect(reverse("customers:detail", args=[customer.pk]) + "#timeline")
    else:
        form = InteractionForm(
            members=members,
            initial={
                "kind": request.GET.get("kind") or InteractionKind.CALL,
                "occurred_at": timezone.localtime().replace(second=0, microsecond=0),
                "followup_due": timezone.localtime(_default_due()),
                "followup_assignee": str(actor.user.pk) if actor.user else "",
            },
        )
    return render(request, "customers/interaction_form.html", {"customer": customer, "form": form})


@member_required(Perm.CUSTOMER_EDIT)
@follow_merges
def followup_new(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = current_actor(request)
    customer = selectors.customer_get(actor=actor, customer_id=customer_id)
    members = _members(actor)
    if request.method == "POST":
        form = FollowUpForm(request.POST, members=members)
        if form.is_valid():
            cd = form.cleaned_data
            try:
                interaction_services.followup_create(
                    actor=actor,
                    customer_id=customer.pk,
                    title=cd["title"],
                    due_at=cd["due_at"],
                    assignee_id=int(cd["assignee"]) if cd["assignee"] else None,
                )
            except ApplicationError as exc:
                add_application_error(form, _error_field(exc, {"assignee_id": "assignee"}))
            else:
                messages.success(request, _("Follow-up scheduled."))
                return redirect(reverse("customers:detail", args=[customer.pk]) + "#tasks")
    else:
        form = FollowUpForm(
            members=members,
            initial={
                "due_at": timezone.localtime(_default_due()),
                "assignee": str(actor.user.pk) if actor.user else "",
            },
        )
    return render(request, "customers/followup_form.html", {"customer": customer, "form": form})


TASK_VIEWS = {
    "mine": gettext_lazy("My tasks"),
    "overdue": gettext_lazy("Overdue"),
    "open": gettext_lazy("All open"),
}


@member_required(Perm.CUSTOMER_VIEW)
def task_list(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    show = request.GET.get("show", "mine")
    if show not in TASK_VIEWS:
        show = "mine"
    tasks = selectors.followup_list(actor=actor, mine=show == "mine", overdue=show == "overdue")[
        :200
    ]
    overdue_count = selectors.followup_list(actor=actor, overdue=True).count()
    return render(
        request,
        "customers/tasks.html",
        {
            "tasks": list(tasks),
            "show": show,
            "views": TASK_VIEWS.items(),
            "overdue_count": overdue_count,
            "now": timezone.now(),
            "can_edit": actor.can(Perm.CUSTOMER_EDIT),
        },
    )


def _task_close(request: HttpRequest, followup_id: int, *, cancel: bool) -> HttpResponse:
    actor = current_actor(request)
    task = selectors.followup_get(actor=actor, followup_id=followup_id)
    back = request.POST.get("next") or request.GET.get("next") or ""
    if not back.startswith("/") or back.startswith("//"):
        back = reverse("customers:tasks")
    if request.method != "POST":
        return redirect(back)
    try:
        if cancel:
            task = interaction_services.followup_cancel(actor=actor, followup_id=task.pk)
        else:
            task = interaction_services.followup_complete(
                actor=actor, followup_id=task.pk, note=request.POST.get("note", "")
            )
    except ApplicationError as exc:
        if exc.code != "followup_closed":
            raise
        messages.info(request, exc.message)
    if request.htmx:  # type: ignore[attr-defined]
        return render(
            request,
            "customers/_task_row.html",
            {
                "task": task,
                "now": timezone.now(),
                "can_edit": True,
                "next": back,
                "show_customer": request.POST.get("show_customer") == "1",
            },
        )
    if task.status == FollowUpStatus.DONE:
        messages.success(request, _("Follow-up done: %(title)s") % {"title": task.title})
    else:
        messages.success(request, _("Follow-up cancelled: %(title)s") % {"title": task.title})
    return redirect(back)


@member_required(Perm.CUSTOMER_EDIT)
def task_done(request: HttpRequest, followup_id: int) -> HttpResponse:
    return _task_close(request, followup_id, cancel=False)


@member_required(Perm.CUSTOMER_EDIT)
def task_cancel(request: HttpRequest, followup_id: int) -> HttpResponse:
    return _task_close(request, followup_id, cancel=True)


urlpatterns: list[URLPattern] = [
    path("customers/<int:customer_id>/interactions/new/", interaction_new, name="interaction_new"),
    path("customers/<int:customer_id>/tasks/new/", followup_new, name="followup_new"),
    path("tasks/", task_list, name="tasks"),
    path("tasks/<int:followup_id>/done/", task_done, name="task_done"),
    path("tasks/<int:followup_id>/cancel/", task_cancel, name="task_cancel"),
]
