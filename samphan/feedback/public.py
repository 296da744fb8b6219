"""The survey pages customers open: a personal link (``/s/<token>/``) or a public link / QR
code (``/q/<token>/``). No login; Thai first (the visitor's language cookie, else Thai);
phone-first; not indexed. A bad, tampered, retired or unknown link is the same 404 whatever
the reason. Answers through the public link are rate-limited per address and per shop."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from samphan.core.audit import client_ip
from samphan.core.errors import ApplicationError
from samphan.core.ratelimit import rate_allowed
from samphan.feedback import links, services
from samphan.feedback.feelings import SCALES
from samphan.feedback.forms import PhoneForm
from samphan.feedback.models import (
    Attribute,
    PublicMode,
    Question,
    QuestionType,
    ResponseChannel,
    Survey,
)

# Answers through a public link: per address, and per shop.
PUBLIC_PER_ADDRESS = (10, 600)  # 10 answers per 10 minutes
PUBLIC_PER_SHOP = (500, 3600)
# Opening pages (any survey link) per address: a guard against token guessing.
VIEWS_PER_ADDRESS = (120, 600)
FIELD_MAX = 2100


def _low_high(type_: str) -> tuple[str, str]:
    if type_ == QuestionType.NPS:
        return _("Not at all likely"), _("Extremely likely")
    if type_ == QuestionType.CES:
        return _("Very difficult"), _("Very easy")
    return _("Very dissatisfied"), _("Very satisfied")


def answers_from_post(questions: list[Question], post: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The page's fields (``q<id>``, ``q<id>_e_<code>``, ``q<id>_p_<code>``) as the service's
    answers. Values are passed on as given; the service checks them."""
    answers: list[dict[str, Any]] = []
    for q in questions:
        name = f"q{q.pk}"
        if q.type == QuestionType.EP_PAIR:
            pairs = []
            for code in q.attributes:
                e, p = post.get(f"{name}_e_{code}", ""), post.get(f"{name}_p_{code}", "")
                if e or p:
                    pairs.append({"attribute": code, "expectation": e, "performance": p})
            answers.append({"question_id": q.pk, "ep": pairs})
        elif q.type == QuestionType.MULTIPLE:
            getlist = getattr(post, "getlist", None)
            chosen = getlist(name) if getlist else post.get(name, [])
            answers.append({"question_id": q.pk, "choices": list(chosen)[: len(q.choices)]})
        elif q.type == QuestionType.TEXT:
            answers.append({"question_id": q.pk, "text": str(post.get(name, ""))[:FIELD_MAX]})
        else:
            answers.append({"question_id": q.pk, "value": post.get(name, "")})
    return answers


def _shown(survey: Survey, post: Mapping[str, Any], error_field: str) -> list[dict[str, Any]]:
    """Each question with its inputs ready for the template (what was chosen kept)."""
    language = translation.get_language() or "th"
    names = {
        a.code: a.name(language) for a in Attribute.objects.filter(workspace_id=survey.workspace_id)
    }
    getlist = getattr(post, "getlist", None)
    shown = []
    for number, q in enumerate(survey.questions.all(), start=1):
        name = f"q{q.pk}"
        item: dict[str, Any] = {
            "q": q,
            "name": name,
            "number": number,
            "error": error_field == name,
        }
        if q.type in SCALES:
            low, high = SCALES[q.type]
            item["options"] = [
                {"value": v, "checked": str(post.get(name, "")) == str(v)}
                for v in range(low, high + 1)
            ]
            item["low_label"], item["high_label"] = _low_high(q.type)
            item["wide"] = high - low >= 10
        elif q.type == QuestionType.SINGLE:
            item["options"] = [
                {"value": i, "label": c, "checked": str(post.get(name, "")) == str(i)}
                for i, c in enumerate(q.choices)
            ]
        elif q.type == QuestionType.MULTIPLE:
            chosen = set(getlist(name)) if getlist else set()
            item["options"] = [
                {"value": i, "label": c, "checked": str(i) in chosen}
                for i, c in enumerate(q.choices)
            ]
        elif q.type == QuestionType.TEXT:
            item["text"] = str(post.get(name, ""))[:FIELD_MAX]
        elif q.type == QuestionType.EP_PAIR:
            item["rows"] = [
                {
                    "code": code,
                    "label": names.get(code, code),
                    "e_name": f"{name}_e_{code}",
                    "p_name": f"{name}_p_{code}",
                    "e": [
                        {"value": v, "checked": post.get(f"{name}_e_{code}") == str(v)}
                        for v in range(1, q.scale + 1)
                    ],
                    "p": [
                        {"value": v, "checked": post.get(f"{name}_p_{code}") == str(v)}
                        for v in range(1, q.scale + 1)
                    ],
                }
                for code in q.attributes
            ]
        shown.append(item)
    return shown


def _render(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    response = render(request, "feedback/answer.html", context, status=status)
    response["X-Robots-Tag"] = "noindex, nofollow"
    # The link's token never leaves the site in a Referer; "no-referrer" would also make the
    # browser send "Origin: null" with the form, which the CSRF check rightly refuses.
    response["Referrer-Policy"] = "same-origin"
    return response


def _thai_first(request: HttpRequest) -> None:
    """The visitor's chosen language (the cookie), else Thai: the shop's customers are Thai."""
    from django.conf import settings

    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    translation.activate(chosen if chosen in dict(settings.LANGUAGES) else "th")
    request.LANGUAGE_CODE = translation.get_language()


def _guard_views(request: HttpRequest) -> None:
    if not rate_allowed(f"feedback-view:ip:{client_ip(request)}", VIEWS_PER_ADDRESS):
        raise Http404  # the same answer as a bad link: nothing to learn by guessing


@require_http_methods(["GET", "POST"])
def answer_page(request: HttpRequest, token: str) -> HttpResponse:
    """A personal link: one answer, until it expires."""
    _thai_first(request)
    _guard_views(request)
    invitation = links.invitation_from_token(token)
    if invitation is None:
        raise Http404
    survey = invitation.survey
    context: dict[str, Any] = {
        "shop": invitation.workspace,
        "survey": survey,
        "greeting": invitation.customer.first_name or invitation.customer.nickname,
    }
    if invitation.answered_at is not None:
        status = 409 if request.method == "POST" else 200
        return _render(request, {**context, "state": "answered"}, status=status)
    if links.invitation_expired(invitation):
        return _render(request, {**context, "state": "expired"}, status=410)
    if not survey.is_active:
        return _render(request, {**context, "state": "closed"}, status=410)
    error, field, status = "", "", 200
    if request.method == "POST":
        questions = list(survey.questions.all())
        try:
            services.response_submit(
                survey=survey,
                answers=answers_from_post(questions, request.POST),
                channel=ResponseChannel.LINK,
                invitation=invitation,
            )
        except ApplicationError as exc:
            if exc.code == "already_answered":
                return _render(request, {**context, "state": "answered"}, status=409)
            error, field, status = exc.message, str(exc.details.get("field", "")), exc.status
        else:
            return _render(request, {**context, "state": "done"})
    return _render(
        request,
        {
            **context,
            "state": "form",
            "items": _shown(survey, request.POST, field),
            "error": error,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def public_page(request: HttpRequest, token: str) -> HttpResponse:
    """A public link or QR code: anonymous, or identified by phone (matched or created)."""
    _thai_first(request)
    _guard_views(request)
    survey = links.survey_from_public_token(token)
    if survey is None:
        raise Http404
    context: dict[str, Any] = {"shop": survey.workspace, "survey": survey, "public": True}
    if not survey.is_active:
        return _render(request, {**context, "state": "closed"}, status=410)
    ask_phone = survey.public_mode == PublicMode.PHONE
    phone_form = PhoneForm(request.POST or None, prefix="who") if ask_phone else None
    error, field, status = "", "", 200
    if request.method == "POST":
        ip = client_ip(request)
        if not (
            rate_allowed(f"feedback-public:ip:{ip}", PUBLIC_PER_ADDRESS)
            and rate_allowed(f"feedback-public:ws:{survey.workspace_id}", PUBLIC_PER_SHOP)
        ):
            error, status = _("Too many answers from here; try again in a few minutes."), 429
        elif phone_form is not None and not phone_form.is_valid():
            error, status = _("Please give your phone number and your consent."), 422
        else:
            try:
                # One transaction: a refused answer leaves no new customer behind.
                with transaction.atomic():
                    customer = None
                    if phone_form is not None:
                        customer = services.public_respondent(
                            survey=survey,
                            phone=phone_form.cleaned_data["phone"],
                            first_name=phone_form.cleaned_data["first_name"],
                        )
                    services.response_submit(
                        survey=survey,
                        answers=answers_from_post(list(survey.questions.all()), request.POST),
                        channel=ResponseChannel.PUBLIC,
                        customer=customer,
                    )
            except ApplicationError as exc:
                error, field, status = exc.message, str(exc.details.get("field", "")), exc.status
                if exc.details.get("field") in ("phone", "contacts[0].value") and phone_form:
                    phone_form.add_error("phone", exc.message)
            else:
                return _render(request, {**context, "state": "done"})
    return _render(
        request,
        {
            **context,
            "state": "form",
            "items": _shown(survey, request.POST, field),
            "error": error,
            "phone_form": phone_form,
        },
        status=status,
    )
