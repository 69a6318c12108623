"""Customer voice: survey templates, invitations and responses (满意度调查), the follow-up
queue and its calls (回访), complaints (投诉) with their workflow, and praise.

Responses, calls and complaints also arrive by import (exchange/kinds/voice.py); the
KPI engine reads them (kpi/families/voice.py).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from servicescore.core.models import TimeStampedModel
from servicescore.core.uploads import ServerChosenName, ViewServedFileField, validate_document
from servicescore.workorders.models import WorkOrderType

RATING = [MinValueValidator(1), MaxValueValidator(5)]
# Database-side defaults of the JSON columns, for the demo's bulk writers that name only
# the columns they fill.
EMPTY_OBJECT = models.Value({}, output_field=models.JSONField())
EMPTY_ARRAY = models.Value([], output_field=models.JSONField())


class SurveyResponse(TimeStampedModel):
    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        WECOM = "wecom", _("WeCom")
        EMAIL = "email", _("E-mail")
        PHONE = "phone", _("Phone")
        WEB = "web", _("Web")
        QR = "qr", _("QR code")

    class Signal(models.TextChoices):
        FAST = "fast", _("Answered within seconds of opening")
        STAFF_DEVICE = "staff_device", _("Answered from a device or address of the staff on the order")
        DEVICE_BURST = "device_burst", _("Many responses from one device")
        TOP_MARKS_RUN = "top_marks_run", _("Part of a run of top marks")

    class Review(models.TextChoices):
        NONE = "", _("Not flagged")
        PENDING = "pending", _("Waiting for review")
        CONFIRMED = "confirmed", _("Confirmed")
        EXCLUDED = "excluded", _("Excluded")

    # Set by imports (the other system's id); a response given on the survey page has none.
    external_id = models.CharField(_("external id"), max_length=100, unique=True, null=True, blank=True)
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
    # Every answer by question code, including those without a column above (free text,
    # single choice, a template's own ratings).
    answers = models.JSONField(_("answers"), default=dict, blank=True, db_default=EMPTY_OBJECT)
    language = models.CharField(_("language"), max_length=10, blank=True, db_default="")
    # The answering device, for the fraud checks (voice/fraud.py); empty for imports.
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True, db_default="")
    device = models.CharField(
        _("device fingerprint"), max_length=64, blank=True, db_index=True, db_default=""
    )
    opened_at = models.DateTimeField(_("survey opened at"), null=True, blank=True)
    # Fraud signals (Signal values) found when the response arrived; a flagged response
    # waits for a manager's review and counts until it is excluded.
    flags = models.JSONField(_("fraud signals"), default=list, blank=True, db_default=EMPTY_ARRAY)
    review = models.CharField(
        _("review"), max_length=10, choices=Review.choices, default=Review.NONE, db_default="", db_index=True
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_reason = models.CharField(_("review reason"), max_length=500, blank=True, db_default="")
    # The template version answered (its questions' wording); empty for imports.
    template = models.ForeignKey(
        "SurveyTemplate",
        verbose_name=_("survey template"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="responses",
    )

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
        # A response given on the survey page has no external id.
        return self.external_id or f"{self.work_order_id} {self.submitted_at:%Y-%m-%d %H:%M}"


class SurveyTemplate(TimeStampedModel):
    """The questions a survey asks, in both languages. One active template per work-order
    type; one with no type is the default for all the others."""

    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    work_order_type = models.CharField(
        _("work-order type"), max_length=20, choices=WorkOrderType.choices, blank=True
    )
    active = models.BooleanField(_("active"), default=False)
    intro = models.TextField(_("introduction"), blank=True)
    intro_en = models.TextField(_("introduction (English)"), blank=True)
    # Versions: once a template has been sent (an invitation names it) or answered, its
    # questions are frozen; editing it makes the next version of its family (a draft copy),
    # which replaces it when activated (the old one is then retired). Invitations and
    # responses keep the version they were sent and answered with.
    family = models.ForeignKey(
        "self",
        verbose_name=_("first version"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    previous = models.ForeignKey(
        "self",
        verbose_name=_("previous version"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="next_versions",
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1, db_default=1)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey template")
        verbose_name_plural = _("survey templates")
        ordering = ["work_order_type", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["work_order_type"],
                condition=models.Q(active=True),
                name="one_active_survey_per_type",
            ),
            models.UniqueConstraint(
                fields=["family", "version"],
                condition=models.Q(family__isnull=False),
                name="one_survey_template_per_version",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def family_key(self) -> int | None:
        """The id of the family's first version (a first version is its own family)."""
        return self.family_id or self.pk


class SurveyQuestion(models.Model):
    """One question of a survey template. The codes `overall`, `attitude`, `quality`,
    `speed`, `nps` and `comment` fill the response's columns the indicators read; any
    other code is kept in `SurveyResponse.answers` only."""

    class Kind(models.TextChoices):
        RATING = "rating", _("Rating 1–5")
        NPS = "nps", _("Recommendation 0–10 (NPS)")
        TEXT = "text", _("Free text")
        CHOICE = "choice", _("Single choice")

    template = models.ForeignKey(
        SurveyTemplate, verbose_name=_("survey template"), on_delete=models.CASCADE, related_name="questions"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    code = models.SlugField(_("code"), max_length=40)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    text = models.CharField(_("question"), max_length=300)
    text_en = models.CharField(_("question (English)"), max_length=300, blank=True)
    required = models.BooleanField(_("required"), default=True)
    # Single choice: [{"value": "...", "label": "...", "label_en": "..."}, ...]
    choices = models.JSONField(_("choices"), default=list, blank=True)

    class Meta:
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")
        ordering = ["template", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["template", "code"], name="one_question_per_code"),
        ]

    def __str__(self):
        return self.text


class SurveyInvitation(TimeStampedModel):
    """A survey sent to the customer of a work order; answered when its response exists
    (kpi-library.md, SURVEY_RESPONSE_RATE). Created when the order is closed and sent
    after VoicePolicy.survey_delay by a task; imported invitations arrive already sent.

    The link carries `token`: random, unguessable, bound to this invitation and usable
    for one answer."""

    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        SENT = "sent", _("Sent")
        ANSWERED = "answered", _("Answered")
        EXPIRED = "expired", _("Expired")
        CANCELLED = "cancelled", _("Cancelled")
        UNDELIVERABLE = "undeliverable", _("No way to reach the customer")

    work_order = models.ForeignKey(
        "workorders.WorkOrder",
        verbose_name=_("work order"),
        on_delete=models.CASCADE,
        related_name="survey_invitations",
    )
    template = models.ForeignKey(
        SurveyTemplate,
        verbose_name=_("survey template"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invitations",
    )
    token = models.CharField(_("token"), max_length=64, unique=True, null=True, blank=True, editable=False)
    state = models.CharField(
        _("state"), max_length=15, choices=State.choices, default=State.SENT, db_default="sent", db_index=True
    )
    send_after = models.DateTimeField(_("send after"), null=True, blank=True, db_index=True)
    # Null until sent: the indicators count invitations by this moment.
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True, db_index=True)
    reminded_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    opened_at = models.DateTimeField(_("first opened at"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True, db_default="")
    # Where it went, masked for display (a phone's middle digits, an e-mail's local part).
    recipient = models.CharField(_("sent to"), max_length=200, blank=True, db_default="")
    notification = models.ForeignKey(
        "core.Notification",
        verbose_name=_("notification"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
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
        # A scheduled invitation has not been sent yet.
        return (
            f"{self.work_order_id} {self.sent_at:%Y-%m-%d}"
            if self.sent_at
            else f"{self.work_order_id} {self.state}"
        )


class VoicePolicy(TimeStampedModel):
    """The company's customer-voice settings (one row; `current()` creates it with the
    defaults): when surveys go out, which closed orders get a follow-up call, the
    complaint deadline and the fraud thresholds. Edited by HR and administrators,
    audited."""

    survey_delay_minutes = models.PositiveIntegerField(
        _("send the survey after (minutes)"), default=120, validators=[MaxValueValidator(24 * 60)]
    )
    survey_reminder_hours = models.PositiveIntegerField(
        _("remind after (hours; 0 = no reminder)"), default=48, validators=[MaxValueValidator(7 * 24)]
    )
    survey_expiry_days = models.PositiveIntegerField(
        _("the link expires after (days)"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )
    followup_sample_percent = models.PositiveSmallIntegerField(
        _("follow up this share of other closed orders (%)"), default=30, validators=[MaxValueValidator(100)]
    )
    followup_all_complaints = models.BooleanField(_("follow up every order with a complaint"), default=True)
    followup_all_comebacks = models.BooleanField(_("follow up every comeback"), default=True)
    followup_due_hours = models.PositiveIntegerField(
        _("call within (hours after closing)"), default=72, validators=[MinValueValidator(1)]
    )
    followup_max_attempts = models.PositiveSmallIntegerField(
        _("attempts before unreachable"), default=3, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    followup_retry_hours = models.PositiveIntegerField(
        _("try again after (hours)"), default=4, validators=[MinValueValidator(1)]
    )
    # A central call centre: its agents work every service centre's follow-up queue and
    # complaints; otherwise an agent serves the service centre they belong to.
    central_customer_service = models.BooleanField(
        _("customer-service agents serve every service centre (a central call centre)"), default=False
    )
    complaint_sla_hours = models.PositiveIntegerField(
        _("resolve complaints within (hours)"), default=48, validators=[MinValueValidator(1)]
    )
    fraud_fast_seconds = models.PositiveIntegerField(
        _("flag answers given within (seconds of opening)"), default=8
    )
    fraud_device_limit = models.PositiveIntegerField(
        _("flag a device answering more than (responses in 7 days)"),
        default=3,
        validators=[MinValueValidator(1)],
    )
    fraud_top_marks_run = models.PositiveIntegerField(
        _("flag runs of top marks for one employee longer than"),
        default=10,
        validators=[MinValueValidator(2)],
    )

    class Meta:
        verbose_name = _("customer-voice settings")
        verbose_name_plural = _("customer-voice settings")

    def __str__(self):
        return str(_("customer-voice settings"))

    @classmethod
    def current(cls) -> "VoicePolicy":
        policy = cls.objects.order_by("pk").first()
        return policy if policy is not None else cls.objects.create()

    @classmethod
    def agents_serve_every_centre(cls) -> bool:
        """`central_customer_service`, read without creating the settings (for the scopes)."""
        return bool(cls.objects.order_by("pk").values_list("central_customer_service", flat=True).first())


class FollowUpTask(TimeStampedModel):
    """A closed work order due for a follow-up call (回访任务): queued by the sampling
    rules of VoicePolicy, worked by customer-service agents, retried until reached or
    VoicePolicy.followup_max_attempts calls went unanswered (then unreachable)."""

    class Reason(models.TextChoices):
        COMPLAINT = "complaint", _("Complaint")
        COMEBACK = "comeback", _("Comeback")
        SAMPLE = "sample", _("Sample")
        MANUAL = "manual", _("Added by hand")

    class State(models.TextChoices):
        OPEN = "open", _("To call")
        DONE = "done", _("Reached")
        UNREACHABLE = "unreachable", _("Unreachable")
        CANCELLED = "cancelled", _("Cancelled")

    work_order = models.OneToOneField(
        "workorders.WorkOrder",
        verbose_name=_("work order"),
        on_delete=models.CASCADE,
        related_name="followup_task",
    )
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices)
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.OPEN, db_index=True
    )
    due_at = models.DateTimeField(_("due"), db_index=True)
    next_try_at = models.DateTimeField(_("next try"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    assigned_to = models.ForeignKey(
        "org.Employee",
        verbose_name=_("agent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="followup_tasks",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("follow-up task")
        verbose_name_plural = _("follow-up tasks")
        ordering = ["due_at", "pk"]
        indexes = [models.Index(fields=["state", "due_at"], name="followup_task_queue")]

    def __str__(self):
        return f"{self.work_order_id} · {self.get_state_display()}"


class FollowUp(TimeStampedModel):
    """One follow-up call (回访) and its outcome."""

    # Set by imports; a call recorded on the call screen has none.
    external_id = models.CharField(_("external id"), max_length=100, unique=True, null=True, blank=True)
    task = models.ForeignKey(
        FollowUpTask,
        verbose_name=_("follow-up task"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
    )
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
    # What the customer raised; a call can open a complaint from it.
    issues = models.TextField(_("issues found"), blank=True, db_default="")
    complaint = models.ForeignKey(
        "Complaint",
        verbose_name=_("complaint opened"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("follow-up call")
        verbose_name_plural = _("follow-up calls")
        ordering = ["-called_at"]

    def __str__(self):
        # A call recorded on the call screen has no external id.
        return self.external_id or f"{self.work_order_id} {self.called_at:%Y-%m-%d %H:%M}"


class Complaint(TimeStampedModel):
    """A complaint and its handling: received → assigned → investigating → the responsible
    people determined (or not valid) → resolved → closed once the customer was asked
    whether they are satisfied. `due_at` is the deadline (VoicePolicy.complaint_sla_hours);
    past it unresolved, the complaint is escalated (each step recorded)."""

    class Severity(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

    class State(models.TextChoices):
        RECEIVED = "received", _("Received")
        ASSIGNED = "assigned", _("Assigned")
        INVESTIGATING = "investigating", _("Investigating")
        DETERMINED = "determined", _("Responsibility determined")
        NOT_VALID = "not_valid", _("Not valid")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")

    class Source(models.TextChoices):
        PHONE = "phone", _("Phone")
        FOLLOWUP = "followup", _("Follow-up call")
        SURVEY = "survey", _("Survey")
        WALK_IN = "walk_in", _("In person")
        ONLINE = "online", _("Online platform")
        OTHER = "other", _("Other")

    # Set by imports; a complaint registered on the complaint desk has none.
    external_id = models.CharField(_("external id"), max_length=100, unique=True, null=True, blank=True)
    state = models.CharField(
        _("state"),
        max_length=15,
        choices=State.choices,
        default=State.RECEIVED,
        db_default="received",
        db_index=True,
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, blank=True, db_default="")
    summary = models.CharField(_("summary"), max_length=200, blank=True, db_default="")
    description = models.TextField(_("description"), blank=True, db_default="")
    due_at = models.DateTimeField(_("resolve by"), null=True, blank=True, db_index=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0, db_default=0)
    decision_reason = models.TextField(_("reason for the decision"), blank=True, db_default="")
    resolution = models.TextField(_("resolution"), blank=True, db_default="")
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
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
        return self.external_id or self.summary or str(self.pk)


class ComplaintPerson(models.Model):
    """An employee concerned by a complaint; `responsible` once the handler has determined
    them responsible (the complaint then counts for each responsible person)."""

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="people"
    )
    employee = models.ForeignKey(
        "org.Employee", verbose_name=_("employee"), on_delete=models.PROTECT, related_name="complaint_links"
    )
    responsible = models.BooleanField(_("responsible"), default=False)

    class Meta:
        verbose_name = _("person concerned")
        verbose_name_plural = _("people concerned")
        constraints = [
            models.UniqueConstraint(fields=["complaint", "employee"], name="one_link_per_complaint_person"),
        ]

    def __str__(self):
        return f"{self.complaint_id} · {self.employee_id}"


class ComplaintEvent(models.Model):
    """One step of a complaint's timeline: its state changes, notes, evidence and
    escalations, by whom and when."""

    class Kind(models.TextChoices):
        STATE = "state", _("State changed")
        NOTE = "note", _("Note")
        EVIDENCE = "evidence", _("Evidence added")
        ESCALATED = "escalated", _("Escalated")
        ASSIGNED = "assigned", _("Assigned")

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="events"
    )
    at = models.DateTimeField(_("at"), db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    from_state = models.CharField(_("from"), max_length=15, choices=Complaint.State.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=15, choices=Complaint.State.choices, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("complaint event")
        verbose_name_plural = _("complaint events")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.complaint_id} {self.get_kind_display()}"


class VoiceAttachment(models.Model):
    """Evidence for a complaint or a praise: a document or photo, served only through
    the voice views after the scope check."""

    complaint = models.ForeignKey(
        Complaint,
        verbose_name=_("complaint"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    praise = models.ForeignKey(
        "Praise",
        verbose_name=_("praise"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = ViewServedFileField(
        _("file"),
        upload_to=ServerChosenName("voice/%Y/", field="file"),
        url_name="voice:attachment",
        validators=[validate_document],
    )
    # The name the uploader's file had, shown and offered on download; never a path.
    name = models.CharField(_("file name"), max_length=200)
    note = models.CharField(_("note"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(complaint__isnull=False, praise__isnull=True)
                    | models.Q(complaint__isnull=True, praise__isnull=False)
                ),
                name="attachment_for_complaint_xor_praise",
            ),
        ]

    def __str__(self):
        return self.name


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
    # Where it came from (a letter, a platform review, a call) and who recorded it.
    source = models.CharField(_("source"), max_length=100, blank=True, db_default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("praise")
        verbose_name_plural = _("praise")
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.employee_id}"


class VoiceMonth(models.Model):
    """The customer-voice overview's stored figures of one month (voice/services/
    overview_summary.py): the additive counts of the work orders of one service centre
    (none: orders without one) led by one team (the lead technician's org unit; none
    without a lead). Derived data, rebuilt whole per month; the overview sums the rows in
    the reader's scope instead of reading the month's records on every view."""

    month = models.CharField(_("month"), max_length=7, db_index=True)
    centre = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("service centre"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    team = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    sent = models.PositiveIntegerField(_("invitations sent"), default=0)
    answered = models.PositiveIntegerField(_("invitations answered"), default=0)
    responses = models.PositiveIntegerField(_("responses"), default=0)
    satisfied = models.PositiveIntegerField(_("satisfied responses"), default=0)
    overall_sum = models.PositiveIntegerField(_("sum of overall ratings"), default=0)
    with_nps = models.PositiveIntegerField(_("responses with NPS"), default=0)
    promoters = models.PositiveIntegerField(_("promoters"), default=0)
    detractors = models.PositiveIntegerField(_("detractors"), default=0)
    closed = models.PositiveIntegerField(_("orders closed"), default=0)
    covered = models.PositiveIntegerField(_("orders covered"), default=0)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("customer-voice month")
        verbose_name_plural = _("customer-voice months")
        constraints = [
            # NULL centre / team are one value each here (a plain unique would let them repeat).
            models.UniqueConstraint(
                "month",
                models.functions.Coalesce("centre", 0),
                models.functions.Coalesce("team", 0),
                name="voice_month_centre_team_unique",
            ),
        ]

    def __str__(self):
        return f"{self.month} {self.centre_id or '-'} {self.team_id or '-'}"
