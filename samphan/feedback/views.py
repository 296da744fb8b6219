"""Feedback pages: the survey list and builder, results, the qualities, the scorecard,
interviews, a customer's feelings and survey links; and the public survey pages (a personal
link, a public link or QR code), which work without a login."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samphan.core.access import Actor
from samphan.core.errors import ApplicationError
from samphan.core.roles import Perm
from samphan.core.web import add_application_error, current_actor, member_required
from samphan.customers.selectors import customer_get
from samphan.feedback import attributes as attrs
from samphan.feedback import charts, links, selectors, services
from samphan.feedback.forms import (
    AttributeForm,
    FeelingForm,
    InterviewForm,
    QuestionForm,
    QuestionFormSet,
    SurveyForm,
)
from samphan.feedback.models import PublicMode, Survey, SurveyInvitation
from samphan.feedback.presets import presets

INTERVIEW_ROWS = 50


def _only(request: HttpRequest, *methods: str) -> HttpResponse | None:
    """The method check, made after the object is found: another workspace's object is a 404
    whatever the method."""
    if request.method not in methods:
        return HttpResponseNotAllowed(methods)
    return None


def _attribute_choices(actor: Actor) -> list[tuple[str, str]]:
    language = translation.get_language() or "th"
    return [
        (a.code, a.name(language)) for a in attrs.attributes_ensure(actor.workspace) if a.is_active
    ]


@member_required(Perm.FEEDBACK_MANAGE)
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    surveys = list(selectors.survey_list(actor=actor))
    for survey in surveys:
        survey.public_url = (  # type: ignore[attr-defined]
            links.public_path(survey) if survey.public_mode != PublicMode.OFF else ""
        )
    return render(
        request,
        "feedback/index.html",
        {
            "surveys": surveys,
            "presets": [(key, p["fields"]["title"]) for key, p in presets().items()],
            "feelings": selectors.feelings_overview(actor=actor),
        },
    )


@member_required(Perm.FEEDBACK_MANAGE)
@require_POST
def survey_from_preset(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    preset = presets().get(request.POST.get("preset", ""))
    if preset is None:
        raise Http404
    survey = services.survey_create(
        actor=actor, fields=preset["fields"], questions=preset["questions"]
    )
    messages.success(request, _("Survey created from the template: check it, then share it."))
    return redirect("feedback:survey_edit", survey_id=survey.pk)


def _builder(request: HttpRequest, actor: Actor, survey: Survey | None) -> HttpResponse:
    choices = _attribute_choices(actor)
    questions = list(survey.questions.all()) if survey is not None else []
    if request.method == "POST":
        form = SurveyForm(request.POST)
        formset = QuestionFormSet(request.POST, prefix="q", attribute_choices=choices)  # type: ignore[call-arg]
    else:
        form = SurveyForm(
            initial=SurveyForm.initial_for(survey)
            if survey
            else {"kind": "general", "public_mode": "off", "expiry_days": 14, "is_active": True}
        )
        formset = QuestionFormSet(  # type: ignore[call-arg]
            prefix="q",
            attribute_choices=choices,
            initial=[QuestionForm.initial_for(q) for q in questions],
        )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        rows = [
            (f.cleaned_data.get("position") or 100 + i, i, spec)
            for i, f in enumerate(formset.forms)
            if (spec := f.spec()) is not None
        ]
        specs = [spec for _p, _i, spec in sorted(rows, key=lambda r: (r[0], r[1]))]
        try:
            if survey is None:
                survey = services.survey_create(
                    actor=actor, fields=form.cleaned_data, questions=specs
                )
            else:
                survey = services.survey_update(
                    actor=actor, survey_id=survey.pk, fields=form.cleaned_data, questions=specs
                )
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            messages.success(request, _("Survey saved."))
            return redirect("feedback:survey_edit", survey_id=survey.pk)
    public = None
    if survey is not None and survey.public_mode != PublicMode.OFF:
        url = request.build_absolute_uri(links.public_path(survey))
        public = {"url": url, "qr": mark_safe(links.qr_svg(url))}  # our own SVG
    return render(
        request,
        "feedback/builder.html",
        {"survey": survey, "form": form, "formset": formset, "public": public},
    )


@member_required(Perm.FEEDBACK_MANAGE)
@require_http_methods(["GET", "POST"])
def survey_new(request: HttpRequest) -> HttpResponse:
    return _builder(request, current_actor(request), None)


@member_required(Perm.FEEDBACK_MANAGE)
@require_http_methods(["GET", "POST"])
def survey_edit(request: HttpRequest, survey_id: int) -> HttpResponse:
    actor = current_actor(request)
    return _builder(request, actor, selectors.survey_get(actor=actor, survey_id=survey_id))


@member_required(Perm.FEEDBACK_MANAGE)
def survey_public_reset(request: HttpRequest, survey_id: int) -> HttpResponse:
    actor = current_actor(request)
    selectors.survey_get(actor=actor, survey_id=survey_id)
    if refused := _only(request, "POST"):
        return refused
    services.survey_public_reset(actor=actor, survey_id=survey_id)
    messages.success(request, _("New public link made: the old QR code no longer works."))
    return redirect("feedback:survey_edit", survey_id=survey_id)


@member_required(Perm.FEEDBACK_MANAGE)
def survey_qr(request: HttpRequest, survey_id: int) -> HttpResponse:
    """The public link's QR code as an SVG file, to print on a poster or a receipt."""
    survey = selectors.survey_get(actor=current_actor(request), survey_id=survey_id)
    if refused := _only(request, "GET", "HEAD"):
        return refused
    if survey.public_mode == PublicMode.OFF:
        raise Http404
    svg = links.qr_svg(request.build_absolute_uri(links.public_path(survey)))
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Content-Disposition"] = f'inline; filename="survey-{survey.pk}-qr.svg"'
    return response


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@member_required(Perm.FEEDBACK_MANAGE)
def survey_results(request: HttpRequest, survey_id: int) -> HttpResponse:
    actor = current_actor(request)
    selectors.survey_get(actor=actor, survey_id=survey_id)
    if refused := _only(request, "GET", "HEAD"):
        return refused
    segment = request.GET.get("segment", "")
    segment_id = int(segment) if segment.isdigit() and len(segment) < 19 else None
    results = selectors.survey_results(
        actor=actor,
        survey_id=survey_id,
        since=_date(request.GET.get("since")),
        until=_date(request.GET.get("until")),
        segment_id=segment_id,
    )
    from samphan.segments.models import Segment

    segments = Segment.objects.filter(workspace=actor.workspace).order_by("name")[:50]
    return render(
        request,
        "feedback/results.html",
        {
            "r": results,
            "survey": results.survey,
            "ipa": charts.ipa_grid(results.ep),
            "trends": {
                q.question.pk: charts.trend_line(q.trend, q.question.type)
                for q in results.questions
                if q.trend
            },
            "segments": segments,
            "segment_id": segment_id,
            "since": request.GET.get("since", ""),
            "until": request.GET.get("until", ""),
        },
    )


@member_required(Perm.FEEDBACK_MANAGE)
@require_http_methods(["GET", "POST"])
def qualities(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    form = AttributeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            attrs.attribute_save(actor=actor, **form.cleaned_data)
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            messages.success(request, _("Quality saved."))
            return redirect("feedback:qualities")
    return render(
        request,
        "feedback/qualities.html",
        {"attributes": attrs.attributes_ensure(actor.workspace), "form": form},
    )


@member_required(Perm.FEEDBACK_MANAGE)
@require_GET
def scorecard(request: HttpRequest) -> HttpResponse:
    from samphan.core.models import Branch, Membership

    actor = current_actor(request)
    branch = request.GET.get("branch", "")
    staff = request.GET.get("staff", "")
    branch_id = int(branch) if branch.isdigit() and len(branch) < 10 else None
    staff_id = int(staff) if staff.isdigit() and len(staff) < 10 else None
    selectors.scorecard_filters_check(actor=actor, branch_id=branch_id, staff_id=staff_id)
    rows = selectors.scorecard(actor=actor, branch_id=branch_id, staff_id=staff_id)
    members = (
        Membership.objects.filter(workspace=actor.workspace)
        .select_related("user")
        .order_by("user__first_name", "user__email")
    )
    return render(
        request,
        "feedback/scorecard.html",
        {
            "rows": rows,
            "months": rows[0].trend if rows else [],
            "branches": Branch.objects.filter(workspace=actor.workspace).order_by("name"),
            "branch_id": branch_id,
            "staff": [(m.user_id, m.user.get_full_name() or m.user.email) for m in members],
            "staff_id": staff_id,
            "sparks": {row.code: charts.sparkline([v for _m, v in row.trend]) for row in rows},
            "proxy_sparks": {
                row.code: charts.sparkline([v for _m, v in row.proxy_trend]) for row in rows
            },
        },
    )


# --- interviews ------------------------------------------------------------------------------


@member_required(Perm.CUSTOMER_VIEW)
@require_GET
def interviews(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    query = request.GET.get("q", "")[: selectors.SEARCH_MAX]
    found = selectors.interview_list(actor=actor, query=query)[:INTERVIEW_ROWS]
    return render(request, "feedback/interviews.html", {"interviews": found, "q": query})


@member_required(Perm.CUSTOMER_EDIT)
@require_http_methods(["GET", "POST"])
def interview_new(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = current_actor(request)
    customer = customer_get(actor=actor, customer_id=customer_id)
    form = InterviewForm(request.POST or None, initial={"held_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            interview = services.interview_save(
                actor=actor, customer_id=customer.pk, fields=form.fields_for_service()
            )
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            messages.success(request, _("Interview saved."))
            return redirect("feedback:interview", interview_id=interview.pk)
    return render(
        request,
        "feedback/interview_form.html",
        {"form": form, "customer": customer, "interview": None},
    )


@member_required(Perm.CUSTOMER_VIEW)
@require_http_methods(["GET", "POST"])
def interview(request: HttpRequest, interview_id: int) -> HttpResponse:
    actor = current_actor(request)
    found = selectors.interview_get(actor=actor, interview_id=interview_id)
    can_edit = actor.can(Perm.CUSTOMER_EDIT)
    form = InterviewForm(request.POST or None, initial=InterviewForm.initial_for(found))
    if request.method == "POST":
        if not can_edit:
            return render(request, "403.html", status=403)
        if form.is_valid():
            try:
                services.interview_save(
                    actor=actor, interview_id=found.pk, fields=form.fields_for_service()
                )
            except ApplicationError as exc:
                add_application_error(form, exc)
            else:
                messages.success(request, _("Interview saved."))
                return redirect("feedback:interview", interview_id=found.pk)
    return render(
        request,
        "feedback/interview_form.html",
        {
            "form": form if can_edit else None,
            "customer": found.customer,
            "interview": found,
        },
    )


# --- a customer's feelings and survey links (from the relationship panel) --------------------


def _back(customer_id: int) -> str:
    return reverse("customers:detail", kwargs={"customer_id": customer_id}) + "#panel-relationship"


@member_required(Perm.CUSTOMER_EDIT)
def feeling_add(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = current_actor(request)
    customer = customer_get(actor=actor, customer_id=customer_id)
    if refused := _only(request, "POST"):
        return refused
    form = FeelingForm(request.POST)
    if form.is_valid():
        try:
            services.feeling_record(actor=actor, customer_id=customer.pk, **form.cleaned_data)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Feeling noted."))
    else:
        messages.error(request, _("Choose what you noticed and how strong it was."))
    return redirect(_back(customer.pk))


@member_required(Perm.CUSTOMER_EDIT)
def invite(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = current_actor(request)
    customer = customer_get(actor=actor, customer_id=customer_id)
    if refused := _only(request, "POST"):
        return refused
    survey = request.POST.get("survey", "")
    if not survey.isdigit() or len(survey) > 18:
        messages.error(request, _("Choose a survey."))
        return redirect(_back(customer.pk))
    try:
        services.invitation_create(actor=actor, survey_id=int(survey), customer_id=customer.pk)
    except ApplicationError as exc:
        if exc.status == 404:
            raise Http404 from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Survey link ready: copy it and send it to the customer."))
    return redirect(_back(customer.pk))


@member_required(Perm.CUSTOMER_EDIT)
def invitation_sent(request: HttpRequest, invitation_id: int) -> HttpResponse:
    actor = current_actor(request)
    if not SurveyInvitation.objects.filter(workspace=actor.workspace, pk=invitation_id).exists():
        raise Http404
    if refused := _only(request, "POST"):
        return refused
    invitation = services.invitation_mark_sent(actor=actor, invitation_id=invitation_id)
    return redirect(_back(invitation.customer_id))


@member_required(Perm.CUSTOMER_EDIT)
def interview_delete(request: HttpRequest, interview_id: int) -> HttpResponse:
    actor = current_actor(request)
    found = selectors.interview_get(actor=actor, interview_id=interview_id)
    if refused := _only(request, "POST"):
        return refused
    services.interview_delete(actor=actor, interview_id=found.pk)
    messages.success(request, _("Interview deleted."))
    return redirect(_back(found.customer_id))
