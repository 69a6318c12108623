"""Customer voice: survey responses, follow-up calls (回访), complaints (投诉), praise.

This issue stores and imports them; their workflows (survey links, call queues,
complaint handling) are added on top of these models later.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from servicescore.core.models import TimeStampedModel

RATING = [MinValueValidator(1), MaxValueValidator(5)]


class SurveyResponse(TimeStampedModel):
    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        WECOM = "wecom", _("WeCom")
        EMAIL = "email", _("E-mail")
        PHONE = "phone", _("Phone")
        WEB = "web", _("Web")

    external_id = models.CharField(_("external id"), max_length=100, unique=True)
    work_order = models.ForeignKey(
        "workorders.WorkOrder",
        verbose_name=_("work order"),
        on_delete=models.CASCADE,
        related_name="survey_responses",
    )
    submitted_at = models.DateTimeField(_("submitted at"), db_index=True)
    overall = models.PositiveSmallIntegerField(_("overall rating"), validators=RATING)
    attitude = models.PositiveSmallIntegerField(_("attitude"), null=True, blank=True, validators=RATING)
    quality = models.PositiveSmallIntegerField(_("quality"), null=True, blank=True, validators=RATING)
    speed = models.PositiveSmallIntegerField(_("speed"), null=True, blank=True, validators=RATING)
    nps = models.PositiveSmallIntegerField(
        _("NPS (0-10)"), null=True, blank=True, validators=[MaxValueValidator(10)]
    )
    comment = models.TextField(_("comment"), blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, blank=True)

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        ordering = ["-submitted_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(overall__gte=1, overall__lte=5), name="survey_overall_1_5"
            ),
            models.CheckConstraint(
                condition=models.Q(nps__isnull=True) | models.Q(nps__lte=10), name="survey_nps_0_10"
            ),
        ]

    def __str__(self):
        return self.external_id


class SurveyInvitation(TimeStampedModel):
    """A survey sent to the customer of a work order; answered when its response exists
    (kpi-library.md, SURVEY_RESPONSE_RATE)."""

    work_order = models.ForeignKey(
        "workorders.WorkOrder",
        verbose_name=_("work order"),
        on_delete=models.CASCADE,
        related_name="survey_invitations",
    )
    sent_at = models.DateTimeField(_("sent at"), db_index=True)
    channel = models.CharField(
        _("channel"), max_length=10, choices=SurveyResponse.Channel.choices, blank=True
    )
    response = models.OneToOneField(
        SurveyResponse,
        verbose_name=_("response"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitation",
    )

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        ordering = ["-sent_at"]

    def __str__(self):
        return f"{self.work_order_id} {self.sent_at:%Y-%m-%d}"


class FollowUp(TimeStampedModel):
    external_id = models.CharField(_("external id"), max_length=100, unique=True)
    work_order = models.ForeignKey(
        "workorders.WorkOrder",
        verbose_name=_("work order"),
        on_delete=models.CASCADE,
        related_name="followups",
    )
    agent = models.ForeignKey(
        "org.Employee", verbose_name=_("agent"), on_delete=models.PROTECT, related_name="followups"
    )
    called_at = models.DateTimeField(_("called at"), db_index=True)
    reached = models.BooleanField(_("reached"))
    satisfied = models.PositiveSmallIntegerField(_("satisfaction"), null=True, blank=True, validators=RATING)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("follow-up call")
        verbose_name_plural = _("follow-up calls")
        ordering = ["-called_at"]

    def __str__(self):
        return self.external_id


class Complaint(TimeStampedModel):
    class Severity(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

    external_id = models.CharField(_("external id"), max_length=100, unique=True)
    received_at = models.DateTimeField(_("received at"), db_index=True)
    work_order = models.ForeignKey(
        "workorders.WorkOrder",
        verbose_name=_("work order"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="complaints",
    )
    # When set, the complaint counts for this employee only (kpi-library.md, Attribution).
    employee = models.ForeignKey(
        "org.Employee",
        verbose_name=_("about employee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    handler = models.ForeignKey(
        "org.Employee",
        verbose_name=_("handler"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handled_complaints",
    )
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, blank=True)
    valid = models.BooleanField(_("valid"), default=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    satisfied_after = models.BooleanField(_("satisfied after handling"), null=True, blank=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at"]

    def __str__(self):
        return self.external_id


class Praise(TimeStampedModel):
    """A praise or referral (表扬/推荐) for an employee."""

    class Kind(models.TextChoices):
        PRAISE = "praise", _("Praise")
        REFERRAL = "referral", _("Referral")

    employee = models.ForeignKey(
        "org.Employee", verbose_name=_("employee"), on_delete=models.CASCADE, related_name="praises"
    )
    work_order = models.ForeignKey(
        "workorders.WorkOrder",
        verbose_name=_("work order"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="praises",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PRAISE)
    received_at = models.DateTimeField(_("received at"), db_index=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("praise")
        verbose_name_plural = _("praise")
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.employee_id}"
