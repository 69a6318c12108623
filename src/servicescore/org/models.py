"""Service network (org tree), employees and their archive."""

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicescore.core.models import Delivery, TimeStampedModel
from servicescore.core.uploads import ServerChosenName, ViewServedFileField, validate_document

CODE_VALIDATOR = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$",
    _("Use letters, digits, '_', '.' or '-' only, starting with a letter or digit."),
)
CERT_EXPIRY_WARNING_DAYS = 30


class OrgUnit(TimeStampedModel):
    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        REGION = "region", _("Region")
        SERVICE_CENTER = "service_center", _("Service centre")
        TEAM = "team", _("Team")

    # A child's kind must rank below its parent's.
    KIND_RANK = {"company": 0, "region": 1, "service_center": 2, "team": 3}

    code = models.CharField(_("code"), max_length=64, unique=True, validators=[CODE_VALIDATOR])
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Materialised path of ids, "/1/4/17/", so a subtree is one indexed prefix match.
    path = models.CharField(_("path"), max_length=500, db_index=True, editable=False, default="")

    class Meta:
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")
        ordering = ["path"]

    def __str__(self):
        return f"{self.name} ({self.code})"


class Position(models.TextChoices):
    TECHNICIAN = "technician", _("Technician")
    SERVICE_ADVISOR = "service_advisor", _("Service advisor")
    WARRANTY_CLERK = "warranty_clerk", _("Warranty clerk")
    CS_AGENT = "cs_agent", _("Customer-service agent")
    CS_MANAGER = "cs_manager", _("Customer-service manager")
    DISPATCHER = "dispatcher", _("Dispatcher")
    PARTS_MANAGER = "parts_manager", _("Parts manager")
    FOREMAN = "foreman", _("Foreman / team lead")
    SERVICE_MANAGER = "service_manager", _("Service manager")
    HR = "hr", _("HR")


class Employee(TimeStampedModel):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        LEFT = "left", _("Left")

    employee_no = models.CharField(_("employee no."), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=100)
    position = models.CharField(_("position"), max_length=32, choices=Position.choices)
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="employees"
    )
    manager = models.ForeignKey(
        "self",
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    hire_date = models.DateField(_("hire date"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="employee",
    )

    class Meta:
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        ordering = ["employee_no"]

    def __str__(self):
        return f"{self.name} ({self.employee_no})"

    def get_absolute_url(self):
        return reverse("org:profile", args=[self.pk])


class Certificate(TimeStampedModel):
    employee = models.ForeignKey(
        Employee, verbose_name=_("employee"), on_delete=models.CASCADE, related_name="certificates"
    )
    cert_type = models.CharField(_("certificate type"), max_length=100)
    number = models.CharField(_("certificate no."), max_length=100, blank=True)
    issuer = models.CharField(_("issuer"), max_length=200, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    # A PDF or an image, checked by content and stored under a server-chosen name; served
    # only by the scope-checked org.views.certificate_scan (core/uploads.py).
    scan = ViewServedFileField(
        _("scanned file"),
        upload_to=ServerChosenName("certificates/%Y/", field="scan"),
        url_name="org:certificate_scan",
        validators=[validate_document],
        blank=True,
    )

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["valid_until"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_from__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="certificate_valid_range",
            )
        ]

    def __str__(self):
        return f"{self.cert_type} {self.number}".strip()

    def expiry_state(self, today: datetime.date | None = None) -> str:
        """'expired', 'expiring' (within 30 days) or 'valid'."""
        if self.valid_until is None:
            return "valid"
        today = today or timezone.localdate()
        if self.valid_until < today:
            return "expired"
        if self.valid_until <= today + datetime.timedelta(days=CERT_EXPIRY_WARNING_DAYS):
            return "expiring"
        return "valid"


class TrainingRecord(TimeStampedModel):
    employee = models.ForeignKey(
        Employee, verbose_name=_("employee"), on_delete=models.CASCADE, related_name="trainings"
    )
    course = models.CharField(_("course"), max_length=200)
    date = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=2, validators=[MinValueValidator(0)])
    score = models.DecimalField(
        _("score"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )

    class Meta:
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
        ordering = ["-date"]

    def __str__(self):
        return f"{self.course} {self.date}"


class RewardPenalty(TimeStampedModel):
    class Kind(models.TextChoices):
        REWARD = "reward", _("Reward")
        PENALTY = "penalty", _("Penalty")

    employee = models.ForeignKey(
        Employee,
        verbose_name=_("employee"),
        on_delete=models.CASCADE,
        related_name="rewards_penalties",
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=1)
    reason = models.CharField(_("reason"), max_length=500)
    # As Certificate.scan; served only by org.views.reward_penalty_evidence.
    evidence = ViewServedFileField(
        _("evidence"),
        upload_to=ServerChosenName("evidence/%Y/", field="evidence"),
        url_name="org:reward_penalty_evidence",
        validators=[validate_document],
        blank=True,
    )

    class Meta:
        verbose_name = _("reward or penalty")
        verbose_name_plural = _("rewards and penalties")
        ordering = ["-date"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.points} {self.date}"


class Skill(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ["name"]

    def __str__(self):
        return self.name


class EmployeeSkill(models.Model):
    employee = models.ForeignKey(
        Employee, verbose_name=_("employee"), on_delete=models.CASCADE, related_name="skills"
    )
    skill = models.ForeignKey(Skill, verbose_name=_("skill"), on_delete=models.PROTECT)
    level = models.PositiveSmallIntegerField(
        _("level"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    class Meta:
        verbose_name = _("employee skill")
        verbose_name_plural = _("employee skills")
        constraints = [
            models.UniqueConstraint(fields=["employee", "skill"], name="one_level_per_skill"),
            models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=5), name="skill_level_1_to_5"),
        ]

    def __str__(self):
        return f"{self.skill} L{self.level}"


class UnitChannel(TimeStampedModel):
    """Where an org unit's group notifications go: a WeCom, DingTalk or Feishu group robot
    (its webhook URL, and the signing secret where the robot has 加签 / 签名校验 on), or a
    group mailbox. A unit without one uses its nearest ancestor's (org/notify.py)."""

    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("org unit"), on_delete=models.CASCADE, related_name="notify_channels"
    )
    # A group's channels: SMS goes to a customer's phone, never to a unit.
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=[(value, label) for value, label in Delivery.Channel.choices if value != "sms"],
    )
    address = models.CharField(
        _("webhook URL or e-mail address"),
        max_length=500,
        help_text=_("The robot's webhook address (https://…) as the group's robot settings show it."),
    )
    secret = models.CharField(
        _("signing secret"),
        max_length=200,
        blank=True,
        help_text=_("DingTalk (SEC…) or Feishu signing secret, when the robot has signing on."),
    )
    active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("notification channel")
        verbose_name_plural = _("notification channels")
        ordering = ["org_unit__path", "kind", "id"]

    def __str__(self):
        return f"{self.org_unit.name} · {self.get_kind_display()}"

    def clean(self):
        from django.core.exceptions import ValidationError
        from django.core.validators import validate_email

        from servicescore.core.notify.robots import webhook_url_problem

        self.address = self.address.strip()
        if self.kind == Delivery.Channel.EMAIL:
            try:
                validate_email(self.address)
            except ValidationError:
                raise ValidationError({"address": _("Enter a valid e-mail address.")}) from None
        elif self.kind:
            problem = webhook_url_problem(
                self.address, allow_loopback_http=settings.NOTIFY_ALLOW_HTTP_LOOPBACK
            )
            if problem:
                raise ValidationError({"address": problem})
        if self.secret and self.kind in (Delivery.Channel.EMAIL, Delivery.Channel.WECOM):
            raise ValidationError(
                {"secret": _("Only DingTalk and Feishu robots sign their messages; leave the secret empty.")}
            )
