"""Forms of the feedback pages: they parse input; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from samphan.core.forms import ReaderDateField
from samphan.feedback import services
from samphan.feedback.models import (
    FeelingKind,
    PublicMode,
    Question,
    QuestionType,
    Survey,
    SurveyKind,
)


class SurveyForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    intro = forms.CharField(
        label=_("Introduction"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=SurveyKind.choices,
        help_text=_(
            "A survey after a purchase or a ticket is sent automatically (the newest active one)."
        ),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    expiry_days = forms.IntegerField(
        label=_("Personal links expire after (days)"), min_value=1, max_value=365, initial=14
    )
    public_mode = forms.ChoiceField(
        label=_("Public link and QR code"),
        choices=PublicMode.choices,
        help_text=_("Anonymous, or the customer gives their phone number to be recognised."),
    )
    thank_you = forms.CharField(label=_("Thank-you message"), max_length=500, required=False)
    auto_send = forms.BooleanField(
        label=_("Send the links by LINE automatically"),
        required=False,
        help_text=_(
            "After a purchase or a ticket: to customers linked on LINE who allow messages there. "
            "Other links wait on the customer's page for staff to send."
        ),
    )

    @staticmethod
    def initial_for(survey: Survey) -> dict[str, Any]:
        return {
            name: getattr(survey, name)
            for name in (
                "title",
                "intro",
                "kind",
                "is_active",
                "expiry_days",
                "public_mode",
                "thank_you",
                "auto_send",
            )
        }


class QuestionForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    position = forms.IntegerField(label=_("Order"), min_value=1, max_value=99, required=False)
    type = forms.ChoiceField(label=_("Type"), choices=QuestionType.choices)
    text = forms.CharField(label=_("Question"), max_length=500, required=False)
    help_text = forms.CharField(label=_("Help text"), max_length=300, required=False)
    required = forms.BooleanField(label=_("Required"), required=False, initial=True)
    choices = forms.CharField(
        label=_("Options, one per line"),
        required=False,
        max_length=services.MAX_CHOICES * (services.CHOICE_MAX + 2),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For one or several choices."),
    )
    scale = forms.TypedChoiceField(
        label=_("Scale"),
        choices=[(5, "1–5"), (7, "1–7")],
        coerce=int,
        initial=5,
        help_text=_("For expectation vs. performance."),
    )
    attributes = forms.MultipleChoiceField(
        label=_("Qualities"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("For expectation vs. performance; none chosen = all."),
    )
    feeling = forms.ChoiceField(
        label=_("Records the feeling"),
        required=False,
        choices=[("", _("Default")), *FeelingKind.choices],
    )
    delete = forms.BooleanField(label=_("Remove"), required=False)

    def __init__(self, *args: Any, attribute_choices: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        attributes = self.fields["attributes"]
        assert isinstance(attributes, forms.MultipleChoiceField)
        attributes.choices = attribute_choices

    @staticmethod
    def initial_for(question: Question) -> dict[str, Any]:
        return {
            "id": question.pk,
            "position": question.position + 1,
            "type": question.type,
            "text": question.text,
            "help_text": question.help_text,
            "required": question.required,
            "choices": "\n".join(question.choices),
            "scale": question.scale,
            "attributes": question.attributes,
            "feeling": question.feeling,
        }

    def spec(self) -> dict[str, Any] | None:
        """The question as the service takes it, or None for a blank or removed row."""
        data = self.cleaned_data
        if data.get("delete") or not (data.get("text") or "").strip():
            return None
        return {
            "id": data.get("id"),
            "type": data["type"],
            "text": data["text"],
            "help_text": data.get("help_text", ""),
            "required": data.get("required", False),
            "choices": [c.strip() for c in (data.get("choices") or "").splitlines() if c.strip()],
            "scale": data.get("scale") or 5,
            "attributes": list(data.get("attributes") or []),
            "feeling": data.get("feeling") or "",
        }


class BaseQuestionFormSet(forms.BaseFormSet):
    def __init__(self, *args: Any, attribute_choices: list[tuple[str, str]], **kwargs: Any):
        self.attribute_choices = attribute_choices
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "attribute_choices": self.attribute_choices}


QuestionFormSet = forms.formset_factory(
    QuestionForm,
    formset=BaseQuestionFormSet,
    extra=2,
    max_num=services.MAX_QUESTIONS,
    absolute_max=services.MAX_QUESTIONS + 5,
    validate_max=True,
)


class AttributeForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40)
    name_th = forms.CharField(label=_("Thai name"), max_length=120)
    name_en = forms.CharField(label=_("English name"), max_length=120)
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)


class FeelingForm(forms.Form):
    kind = forms.ChoiceField(label=_("What"), choices=FeelingKind.choices)
    score = forms.TypedChoiceField(
        label=_("How strong"),
        coerce=int,
        choices=[(2, "+2"), (1, "+1"), (0, "0"), (-1, "−1"), (-2, "−2")],
        initial=1,
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class InterviewForm(forms.Form):
    held_on = ReaderDateField(label=_("Date"))
    interviewer_name = forms.CharField(label=_("Interviewer"), max_length=150, required=False)
    summary = forms.CharField(
        label=_("Summary"),
        max_length=services.INTERVIEW_TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    qa = forms.CharField(
        label=_("Questions and answers"),
        required=False,
        max_length=services.MAX_QA * services.QA_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("A line starting with Q: is a question, the lines after it its answer."),
    )
    quotes = forms.CharField(
        label=_("Quotes, one per line"),
        required=False,
        max_length=services.MAX_QUOTES * (services.QUOTE_MAX + 2),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    themes = forms.CharField(
        label=_("Themes, separated by commas"),
        required=False,
        max_length=services.MAX_THEMES * (services.THEME_MAX + 2),
    )
    delight = forms.CharField(
        label=_("What would delight them"),
        required=False,
        max_length=services.INTERVIEW_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def fields_for_service(self) -> dict[str, Any]:
        data = self.cleaned_data
        qa: list[dict[str, str]] = []
        for line in (data.get("qa") or "").splitlines():
            text = line.strip()
            if not text:
                continue
            if text[:2].lower() in ("q:", "ถ:"):
                qa.append({"q": text[2:].strip(), "a": ""})
            elif qa:
                qa[-1]["a"] = (qa[-1]["a"] + "\n" + text).strip()
            else:
                qa.append({"q": "", "a": text})
        return {
            "held_on": data["held_on"],
            "interviewer_name": data.get("interviewer_name", ""),
            "summary": data.get("summary", ""),
            "qa": qa,
            "quotes": [q.strip() for q in (data.get("quotes") or "").splitlines() if q.strip()],
            "themes": [t.strip() for t in (data.get("themes") or "").split(",") if t.strip()],
            "delight": data.get("delight", ""),
        }

    @staticmethod
    def initial_for(interview: Any) -> dict[str, Any]:
        qa_lines = []
        for item in interview.qa:
            qa_lines.append(f"Q: {item.get('q', '')}")
            if item.get("a"):
                qa_lines.append(item["a"])
        return {
            "held_on": interview.held_on,
            "interviewer_name": interview.interviewer_name,
            "summary": interview.summary,
            "qa": "\n".join(qa_lines),
            "quotes": "\n".join(interview.quotes),
            "themes": ", ".join(interview.themes),
            "delight": interview.delight,
        }


class PhoneForm(forms.Form):
    phone = forms.CharField(label=_("Mobile phone"), max_length=32)
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    consent = forms.BooleanField(
        label=_("I agree that the shop links this answer to my phone number."), required=True
    )
