"""Customers and their contact points (phones, emails, LINE IDs, marketplace usernames)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "", _("Not given")


class AcquisitionSource(models.TextChoices):
    WALK_IN = "walk_in", _("Walk-in")
    REFERRAL = "referral", _("Friend referral")
    AD = "ad", _("Advertising")
    MARKETPLACE = "marketplace", _("Marketplace")
    LINE = "line", _("LINE")
    AFFILIATE = "affiliate", _("Affiliate")
    UNKNOWN = "", _("Unknown")


class BehaviourType(models.TextChoices):
    """The articles' eight behavioural types, assigned by staff."""

    IMPATIENT = "impatient", _("Impatient")
    HESITANT = "hesitant", _("Hesitant")
    ARGUMENTATIVE = "argumentative", _("Argumentative")
    INFORMATION_SEEKING = "information_seeking", _("Information-seeking")
    CAREFUL = "careful", _("Careful / slow")
    SELF_CONFIDENT = "self_confident", _("Self-confident")
    PROMOTION_DRIVEN = "promotion_driven", _("Promotion-driven")
    REGULAR = "regular", _("Regular")


class LifecycleStage(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    FIRST_PURCHASE = "first_purchase", _("First purchase")
    ACTIVE = "active", _("Active")
    REPEAT = "repeat", _("Repeat")
    LOYAL = "loyal", _("Loyal")
    AT_RISK = "at_risk", _("At risk")
    LAPSED = "lapsed", _("Lapsed")


class Customer(models.Model):
    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("title"), max_length=32, blank=True)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    nickname = models.CharField(_("nickname"), max_length=80, blank=True)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    province = models.CharField(_("province"), max_length=100, blank=True)
    acquisition_source = models.CharField(
        _("acquisition source"), max_length=16, choices=AcquisitionSource.choices, blank=True
    )
    home_branch = models.ForeignKey(
        "core.Branch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), db_index=True)
    # Fields below carry database defaults so bulk COPY writers may leave them out.
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, blank=True, default="", db_default=""
    )
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=16, blank=True, default="", db_default=""
    )
    notes = models.TextField(_("notes"), blank=True, default="", db_default="")
    referred_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="referrals"
    )
    behaviour_type = models.CharField(
        _("behaviour type"),
        max_length=24,
        choices=BehaviourType.choices,
        blank=True,
        default="",
        db_default="",
    )
    lifecycle_stage = models.CharField(
        _("lifecycle stage"),
        max_length=16,
        choices=LifecycleStage.choices,
        blank=True,
        default="",
        db_default="",
    )
    # A stage set by a person is kept, with who, when and why, until someone clears it: the
    # derived refresh (commerce.lifecycle) leaves it alone.
    lifecycle_stage_by_hand = models.BooleanField(default=False, db_default=False)
    lifecycle_stage_reason = models.CharField(max_length=500, blank=True, default="", db_default="")
    lifecycle_stage_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lifecycle_stage_set_at = models.DateTimeField(null=True, blank=True)
    custom_fields = models.JSONField(_("custom fields"), blank=True, default=dict, db_default={})
    tags = models.ManyToManyField("customers.Tag", blank=True, related_name="customers")
    # Set when this record was merged into another; merged records are hidden, kept for undo.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Purchase summary: a cache derived from orders, kept by commerce (commerce.summary, on
    # order events and nightly), like the lifecycle stage above.
    orders_count = models.PositiveIntegerField(default=0)
    total_spent_satang = models.BigIntegerField(default=0)
    first_order_at = models.DateTimeField(null=True, blank=True)
    last_order_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "-created_at"], name="customer_ws_created"),
            models.Index(fields=["workspace", "last_name", "first_name"], name="customer_ws_name"),
            models.Index(fields=["workspace", "first_name", "id"], name="customer_ws_first_name"),
            models.Index(
                fields=["workspace", "-total_spent_satang", "-id"], name="customer_ws_spend"
            ),
            models.Index(fields=["workspace", "-orders_count", "-id"], name="customer_ws_orders"),
            models.Index(fields=["workspace", "nickname"], name="customer_ws_nickname"),
            # The list's filters, over live customers only, newest first: counting a filtered
            # list (up to 10,001 rows) reads the index alone, with no visit to the rows for
            # merged_into, and a stage's or a province's newest page is the index's first rows
            # (ordered by created_at alone, "at risk" walked 212,000 newer customers first).
            models.Index(
                fields=["workspace", "lifecycle_stage", "-created_at", "-id"],
                condition=models.Q(merged_into__isnull=True),
                name="customer_ws_stage_newest",
            ),
            models.Index(
                fields=["workspace", "province", "-created_at", "-id"],
                condition=models.Q(merged_into__isnull=True),
                name="customer_ws_province_newest",
            ),
            models.Index(fields=["workspace", "-last_order_at"], name="customer_ws_last_order"),
            # A duplicate check looks up customers born on the same day.
            models.Index(fields=["workspace", "birthday"], name="customer_ws_birthday"),
            # The live customers of a workspace, in id order: a segment count whose conditions
            # are all on other tables (analytics, purchase rows) reads this instead of the
            # customer table, and can merge it with those tables' customer-ordered indexes.
            models.Index(
                fields=["workspace", "id"],
                condition=models.Q(merged_into__isnull=True),
                name="customer_ws_live",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        name = " ".join(p for p in (self.first_name, self.last_name) if p)
        if self.nickname:
            name = f"{name} ({self.nickname})" if name else self.nickname
        return name or f"#{self.pk}"


class ContactKind(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    LINE = "line", _("LINE user ID")
    SHOPEE = "shopee", _("Shopee username")
    LAZADA = "lazada", _("Lazada username")
    TIKTOK = "tiktok", _("TikTok Shop username")
    SOCIAL = "social", _("Social handle")


class ContactPoint(models.Model):
    """One way to reach a customer; ``value`` is normalised (E.164, lower-case email, …)."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    kind = models.CharField(_("kind"), max_length=16, choices=ContactKind.choices)
    value = models.CharField(_("value"), max_length=254)
    # How a marketplace showed this buyer when it hid the name (ส****, j***n): shown to the
    # shop, but never a name and never compared to find duplicates.
    display_name = models.CharField(
        _("marketplace display name"), max_length=150, blank=True, default="", db_default=""
    )
    is_primary = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "kind", "value"], name="contact_unique_per_workspace"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class Tag(models.Model):
    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=60)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="tag_unique")]

    def __str__(self) -> str:
        return self.name


class Address(models.Model):
    """A Thai address: province (จังหวัด) / district (อำเภอ, เขต) / subdistrict (ตำบล, แขวง)."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
    label = models.CharField(_("label"), max_length=40, blank=True)
    line = models.CharField(_("house no., street"), max_length=255, blank=True)
    subdistrict = models.CharField(_("subdistrict"), max_length=100, blank=True)
    district = models.CharField(_("district"), max_length=100, blank=True)
    province = models.CharField(_("province"), max_length=100, blank=True)
    postcode = models.CharField(_("postcode"), max_length=5, blank=True)
    is_primary = models.BooleanField(default=False)

    def __str__(self) -> str:
        parts = (self.line, self.subdistrict, self.district, self.province, self.postcode)
        return " ".join(p for p in parts if p)


class CustomFieldDefinition(models.Model):
    class FieldType(models.TextChoices):
        TEXT = "text", _("Text")
        NUMBER = "number", _("Number")
        DATE = "date", _("Date")
        CHOICE = "choice", _("Choice")

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    key = models.SlugField(max_length=40)
    label = models.CharField(max_length=80)
    type = models.CharField(max_length=8, choices=FieldType.choices, default=FieldType.TEXT)
    choices = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "key"], name="customfield_unique_key")
        ]

    def __str__(self) -> str:
        return self.label


class ConsentPurpose(models.TextChoices):
    MARKETING_LINE = "marketing_line", _("Marketing by LINE")
    MARKETING_SMS = "marketing_sms", _("Marketing by SMS")
    MARKETING_EMAIL = "marketing_email", _("Marketing by email")
    PROFILING = "profiling", _("Profiling and analytics")
    SHARING = "sharing", _("Sharing with partners")


class ConsentEvent(models.Model):
    """The PDPA consent ledger: append-only; the current state is the latest row per purpose."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=24, choices=ConsentPurpose.choices)
    granted = models.BooleanField(_("granted"))
    notice_version = models.CharField(_("privacy notice version"), max_length=32, blank=True)
    source = models.CharField(_("source"), max_length=32, blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    recorded_at = models.DateTimeField(_("recorded at"))
    actor = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "purpose", "-recorded_at"], name="consent_latest")
        ]

    def __str__(self) -> str:
        return f"{self.purpose}={'yes' if self.granted else 'no'}"


class InteractionKind(models.TextChoices):
    CALL = "call", _("Call")
    CHAT = "chat", _("Chat")
    VISIT = "visit", _("Visit")
    MEETING = "meeting", _("Meeting")
    EMAIL = "email", _("Email")


class Interaction(models.Model):
    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="interactions")
    kind = models.CharField(_("kind"), max_length=16, choices=InteractionKind.choices)
    occurred_at = models.DateTimeField(_("when"))
    summary = models.TextField(_("summary"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=200, blank=True)
    pain_points = models.TextField(_("pain points"), blank=True)
    next_step = models.CharField(_("next step"), max_length=200, blank=True)
    staff = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-occurred_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.occurred_at:%Y-%m-%d}"


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class FollowUp(models.Model):
    """A promise to the customer: call back, send a quote, check a repair (ติดตามผล)."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="follow_ups")
    interaction = models.ForeignKey(
        Interaction, null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups"
    )
    title = models.CharField(_("task"), max_length=200)
    due_at = models.DateTimeField(_("due"))
    assignee = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=12, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN
    )
    done_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["workspace", "status", "due_at"], name="followup_ws_status_due"),
            models.Index(fields=["assignee", "status", "due_at"], name="followup_assignee_due"),
        ]

    def __str__(self) -> str:
        return self.title


class MergeLog(models.Model):
    """Who merged which customer into which, and everything that moved, so it can be undone."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    survivor = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    merged = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moved = models.JSONField(default=dict)  # {"app.Model.field": [ids]}
    survivor_before = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.merged_id} → {self.survivor_id}"


class DuplicateCandidate(models.Model):
    """A stored "possible duplicate" pair (``customer_a_id < customer_b_id``), written by
    ``duplicates.duplicates_scan`` so the duplicates page reads rows instead of recomputing."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    customer_a = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    customer_b = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField()  # 0–100
    reasons = models.JSONField(default=list)  # [{"code": "phone_suffix", "detail": "6920"}]
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "customer_a", "customer_b"], name="dup_candidate_pair"
            ),
            models.CheckConstraint(
                condition=models.Q(customer_a__lt=models.F("customer_b")),
                name="dup_candidate_ordered",
            ),
        ]
        indexes = [
            models.Index(
                fields=["workspace", "-score", "customer_a", "customer_b"],
                name="dup_candidate_ws_score",
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_a_id} ~ {self.customer_b_id} ({self.score})"


class DuplicateDismissal(models.Model):
    """Someone said two customers are not the same person (ไม่ใช่คนเดียวกัน): the pair
    (``customer_a_id < customer_b_id``) is never suggested again until restored."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    customer_a = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    customer_b = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    dismissed_by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    dismissed_at = models.DateTimeField()

    class Meta:
        ordering = ["-dismissed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "customer_a", "customer_b"], name="dup_dismissal_pair"
            ),
            models.CheckConstraint(
                condition=models.Q(customer_a__lt=models.F("customer_b")),
                name="dup_dismissal_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_a_id} ≠ {self.customer_b_id}"


class DuplicateScan(models.Model):
    """One full duplicate scan of a workspace: "last scanned at" on the duplicates page."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    candidates = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["workspace", "-started_at"], name="dup_scan_ws_started")]

    def __str__(self) -> str:
        return f"{self.workspace_id} @ {self.started_at:%Y-%m-%d %H:%M}"
