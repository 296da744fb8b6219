"""The tenant (Workspace), its branches, members with roles, API keys and the audit log."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from samphan.core.roles import MfaPolicy, Role


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)


class User(AbstractUser):
    """A person who logs in; identified by email. Language is a per-user preference."""

    username = None  # type: ignore[assignment]
    email = models.EmailField(_("email"), unique=True)
    language = models.CharField(
        _("language"), max_length=8, choices=[("th", "ไทย"), ("en", "English")], default="th"
    )
    # Years on every page, export and date input: "auto" is BE (พ.ศ.) in Thai, CE in English.
    year_style = models.CharField(
        _("years"),
        max_length=4,
        choices=[
            ("auto", _("As the language: พ.ศ. in Thai, ค.ศ. in English")),
            ("be", _("Buddhist Era (พ.ศ.)")),
            ("ce", _("Common Era (ค.ศ.)")),
        ],
        default="auto",
        # A database default too: rows written by code that predates the column stay valid.
        db_default="auto",
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []
    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    def __str__(self) -> str:
        return self.get_full_name() or self.email


class Workspace(models.Model):
    """The tenant: one business. Every domain row belongs to exactly one workspace."""

    name = models.CharField(_("shop name"), max_length=200)
    currency = models.CharField(_("currency"), max_length=3, default="THB")
    timezone = models.CharField(_("time zone"), max_length=64, default="Asia/Bangkok")
    # No longer read for display: each member chooses their years (User.year_style).
    buddhist_era = models.BooleanField(_("show Buddhist Era years (พ.ศ.)"), default=True)
    money_decimals = models.BooleanField(
        _("show satang (฿1,050.00)"), default=True, db_default=True
    )
    # Which members must sign in in two steps (samphan.core.mfa); set in Settings → Members.
    mfa_policy = models.CharField(
        _("two-step sign-in"),
        max_length=10,
        choices=MfaPolicy.choices,
        default=MfaPolicy.OFF,
        db_default=MfaPolicy.OFF,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Branch(models.Model):
    """A physical store (สาขา)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="branches")
    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(_("code"), max_length=32, blank=True)
    address = models.TextField(_("address"), blank=True)
    province = models.CharField(_("province"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="branch_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's role in a workspace; staff may be limited to some branches."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    branches = models.ManyToManyField(Branch, blank=True, related_name="members")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.workspace} ({self.role})"


class ApiKey(models.Model):
    """A per-workspace key for integrations. Only a SHA-256 digest of the secret is stored."""

    class Scope(models.TextChoices):
        READ = "read", _("read only")
        READ_WRITE = "read_write", _("read and write")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    scope = models.CharField(_("scope"), max_length=16, choices=Scope.choices)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class AuditLog(models.Model):
    """Append-only record of security-relevant events (logins, roles, keys, exports)."""

    workspace = models.ForeignKey(
        Workspace, null=True, blank=True, on_delete=models.CASCADE, related_name="audit_log"
    )
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    target = models.CharField(max_length=254, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="audit_ws_time")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.actor_label}"
