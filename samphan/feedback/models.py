"""Surveys and what customers feel.

A ``Survey`` has ordered ``Question``s; expectation-vs-performance questions (``ep_pair``) ask
about ``Attribute``s (the twelve qualities by default, editable per workspace). A
``SurveyInvitation`` is a personal link for one customer (and one order or ticket); a
``SurveyResponse`` is one filled-in form with its ``Answer``s and ``EPAnswer``s. The database
enforces the one-response rules: one response per invitation, one per (survey, order) and one
per (survey, ticket), whichever link or device is used.

``EmotionalObservation`` records how a customer feels (from a survey answer, an interaction or
a member of staff); ``Interview`` keeps the notes of an in-depth interview.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SurveyKind(models.TextChoices):
    GENERAL = "general", _("General")
    POST_PURCHASE = "post_purchase", _("After a purchase")
    POST_TICKET = "post_ticket", _("After a service ticket")


class PublicMode(models.TextChoices):
    OFF = "off", _("No public link")
    ANONYMOUS = "anonymous", _("Anonymous")
    PHONE = "phone", _("Identified by phone")


class QuestionType(models.TextChoices):
    RATING = "rating_1_5", _("Rating 1–5")
    NPS = "nps_0_10", _("Recommend 0–10 (NPS)")
    CSAT = "csat", _("Satisfaction 1–5 (CSAT)")
    CES = "ces", _("Effort 1–7 (CES)")
    SINGLE = "single_choice", _("One choice")
    MULTIPLE = "multiple_choice", _("Several choices")
    TEXT = "free_text", _("Free text")
    EP_PAIR = "ep_pair", _("Expectation vs. performance")


class FeelingKind(models.TextChoices):
    POSITIVE = "positive_experience", _("Positive experience")
    NEGATIVE = "negative_experience", _("Negative experience")
    REFERRED_BY_FRIEND = "referred_by_friend", _("Came because of a friend")
    REFERRED_OTHERS = "referred_others", _("Referred others")
    STAFF_RELATIONSHIP = "staff_relationship", _("Relationship with staff")
    PRIDE = "pride_advocacy", _("Pride and advocacy")
    TOP_OF_MIND = "top_of_mind", _("Top of mind")


class FeelingSource(models.TextChoices):
    SURVEY = "survey", _("Survey")
    INTERACTION = "interaction", _("Interaction")
    STAFF = "staff", _("Staff observation")


class ResponseChannel(models.TextChoices):
    LINK = "link", _("Personal link")
    PUBLIC = "public", _("Public link or QR code")
    API = "api", _("API")


class InvitationSource(models.TextChoices):
    MANUAL = "manual", _("Made by staff")
    ORDER = "order", _("After a purchase")
    TICKET = "ticket", _("After a ticket")
    API = "api", _("API")


class Attribute(models.Model):
    """A quality customers judge (expectation vs. performance): the twelve qualities by
    default, renamed, switched off or added to by the shop."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    code = models.SlugField(max_length=40)
    name_th = models.CharField(_("name (Thai)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "code"], name="feedback_attribute_code")
        ]

    def __str__(self) -> str:
        return self.name_en

    def name(self, language: str) -> str:
        return self.name_th if language.startswith("th") else self.name_en


class Survey(models.Model):
    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    intro = models.CharField(_("introduction"), max_length=1000, blank=True)
    kind = models.CharField(
        _("kind"), max_length=16, choices=SurveyKind.choices, default=SurveyKind.GENERAL
    )
    is_active = models.BooleanField(_("active"), default=True)
    expiry_days = models.PositiveSmallIntegerField(_("links expire after (days)"), default=14)
    public_mode = models.CharField(
        _("public link"), max_length=12, choices=PublicMode.choices, default=PublicMode.OFF
    )
    # Part of the public link's signed token: a new nonce retires every printed QR code.
    public_nonce = models.CharField(max_length=32)
    thank_you = models.CharField(_("thank-you message"), max_length=500, blank=True)
    # Post-purchase and post-ticket links go out by LINE on their own (through messaging) to
    # customers linked on LINE who allow it; the others wait on the customer's page for staff.
    auto_send = models.BooleanField(_("send the links by LINE automatically"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["workspace", "kind", "is_active"], name="survey_ws_kind")]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    type = models.CharField(_("type"), max_length=16, choices=QuestionType.choices)
    text = models.CharField(_("question"), max_length=500)
    help_text = models.CharField(_("help text"), max_length=300, blank=True)
    required = models.BooleanField(_("required"), default=True)
    # single/multiple choice: the options, in order (answers keep their index).
    choices = models.JSONField(default=list, blank=True)
    # ep_pair: the scale (5 or 7) and the attributes' codes, in order.
    scale = models.PositiveSmallIntegerField(default=5)
    attributes = models.JSONField(default=list, blank=True)
    # What an answer tells about the customer's feelings (``FeelingKind``), "" = the default
    # (see ``feelings.py``).
    feeling = models.CharField(max_length=24, blank=True, choices=FeelingKind.choices)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text


class SurveyInvitation(models.Model):
    """A personal link: one customer, at most one response, an expiry."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="survey_invitations"
    )
    order = models.ForeignKey(
        "commerce.Order", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # The service ticket it follows.
    ticket = models.ForeignKey(
        "service.Ticket", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    nonce = models.CharField(max_length=32, unique=True)
    source = models.CharField(
        max_length=8, choices=InvitationSource.choices, default=InvitationSource.MANUAL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=254, blank=True)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_via = models.CharField(max_length=8, blank=True)  # "line" when sent on its own
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One invitation per order (and ticket) per survey: an event delivered twice
            # invites once.
            models.UniqueConstraint(
                fields=["survey", "order"],
                condition=Q(order__isnull=False),
                name="feedback_invitation_order",
            ),
            models.UniqueConstraint(
                fields=["survey", "ticket"],
                condition=Q(ticket__isnull=False),
                name="feedback_invitation_ticket",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "-created_at"], name="invitation_customer"),
        ]

    def __str__(self) -> str:
        return f"invitation {self.pk} to survey {self.survey_id}"


class SurveyResponse(models.Model):
    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey_responses",
    )
    invitation = models.ForeignKey(
        SurveyInvitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    order = models.ForeignKey(
        "commerce.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ticket = models.ForeignKey(
        "service.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(max_length=8, choices=ResponseChannel.choices)
    # Who and where, for comparisons (from the order or ticket).
    branch = models.ForeignKey(
        "core.Branch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sales_channel = models.ForeignKey(
        "commerce.SalesChannel", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            # One response per personal link, and one per purchase (and ticket) per survey,
            # whichever link or device: the database refuses the second.
            models.UniqueConstraint(
                fields=["invitation"],
                condition=Q(invitation__isnull=False),
                name="feedback_response_invitation",
            ),
            models.UniqueConstraint(
                fields=["survey", "order"],
                condition=Q(order__isnull=False),
                name="feedback_response_order",
            ),
            models.UniqueConstraint(
                fields=["survey", "ticket"],
                condition=Q(ticket__isnull=False),
                name="feedback_response_ticket",
            ),
        ]
        indexes = [
            models.Index(fields=["survey", "submitted_at"], name="response_survey_time"),
            models.Index(fields=["customer", "-submitted_at"], name="response_customer"),
        ]

    def __str__(self) -> str:
        return f"response {self.pk} to survey {self.survey_id}"


class Answer(models.Model):
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    # A score (rating, NPS, CSAT, CES) or the chosen option's index (single choice).
    value = models.SmallIntegerField(null=True, blank=True)
    # Multiple choice: the chosen options' indexes.
    choices = models.JSONField(default=list, blank=True)
    text = models.TextField(blank=True, default="")
    # Free text: the sentiment the text app found (label "" = not analysed).
    sentiment = models.CharField(max_length=8, blank=True)
    sentiment_score = models.FloatField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="feedback_answer_once")
        ]

    def __str__(self) -> str:
        return f"answer to {self.question_id}"


class EPAnswer(models.Model):
    """One attribute of an expectation-vs-performance question: what the customer expected
    (E) and what they got (P), on the question's scale."""

    response = models.ForeignKey(
        SurveyResponse, on_delete=models.CASCADE, related_name="ep_answers"
    )
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    attribute = models.ForeignKey(Attribute, on_delete=models.CASCADE, related_name="+")
    expectation = models.PositiveSmallIntegerField()
    performance = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question", "attribute"], name="feedback_ep_once"
            )
        ]

    def __str__(self) -> str:
        return f"E{self.expectation}/P{self.performance}"


class EmotionalObservation(models.Model):
    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="feelings"
    )
    kind = models.CharField(_("what"), max_length=24, choices=FeelingKind.choices)
    # How strong, -2 (very negative) … +2 (very positive); 0 = just noted.
    score = models.SmallIntegerField(_("how strong"), default=1)
    note = models.CharField(_("note"), max_length=500, blank=True)
    source = models.CharField(max_length=12, choices=FeelingSource.choices)
    response = models.ForeignKey(
        SurveyResponse, null=True, blank=True, on_delete=models.CASCADE, related_name="feelings"
    )
    interaction = models.ForeignKey(
        "customers.Interaction",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    observed_at = models.DateTimeField(_("observed"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-observed_at", "-pk"]
        indexes = [
            models.Index(fields=["customer", "-observed_at"], name="feeling_customer"),
            models.Index(fields=["workspace", "kind", "observed_at"], name="feeling_ws_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.score:+d}"


class Interview(models.Model):
    """An in-depth interview's notes, linked to the customer."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="interviews"
    )
    held_on = models.DateField(_("date"))
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    interviewer_name = models.CharField(_("interviewer"), max_length=150, blank=True)
    summary = models.TextField(_("summary"), blank=True, default="")
    # [{"q": "…", "a": "…"}]
    qa = models.JSONField(default=list, blank=True)
    quotes = models.JSONField(default=list, blank=True)
    themes = models.JSONField(default=list, blank=True)
    delight = models.TextField(_("what would delight them"), blank=True, default="")
    # Everything above in one lower-cased text, for the simple search.
    search_text = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["customer", "-held_on"], name="interview_customer")]

    def __str__(self) -> str:
        return f"interview {self.pk} on {self.held_on}"
