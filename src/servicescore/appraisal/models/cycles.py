"""Appraisal cycles (考核周期): a period's appraisal of the people in a scope, run in
stages — target sign-off, data freeze and scoring, self review, manager review, 360°
feedback, calibration, publication, confirmation or appeal, closed.

A `Cycle` carries the company-wide stage and the settings; each appraised person has one
`Evaluation`, with its own state (people move through the stages at their own pace and
may be skipped only by HR with a reason). From the freeze on, an evaluation scores from
the figures it snapshotted (`figures`, `priors`), never from the live results, so later
record changes do not move it; a recalculation is an explicit, audited act. Every change
to a score, a grade or a state leaves an `EvaluationChange` (who, when, old → new, why)
besides the audit entry.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from servicescore.core.models import TimeStampedModel
from servicescore.core.uploads import ServerChosenName, ViewServedFileField, validate_document
from servicescore.org.models import Position

from .schemes import default_grade_bands


def default_forced_distribution():
    """S and A together at most 30 % of the people, D at least 5 % (a common rule; a cycle
    may drop or change it)."""
    return [{"grades": ["S", "A"], "max": 30}, {"grades": ["D"], "min": 5}]


class Cycle(ConcurrentTransitionMixin, TimeStampedModel):
    class Kind(models.TextChoices):
        MONTH = "month", _("Month")
        QUARTER = "quarter", _("Quarter")
        YEAR = "year", _("Year")

    class Stage(models.TextChoices):
        DRAFT = "draft", _("Draft")
        TARGETS = "targets", _("Target sign-off")
        SELF_REVIEW = "self_review", _("Self review")
        MANAGER_REVIEW = "manager_review", _("Manager review")
        FEEDBACK = "feedback", _("360° feedback")
        CALIBRATION = "calibration", _("Calibration")
        PUBLISHED = "published", _("Published")
        CLOSED = "closed", _("Closed")

    class Pooling(models.TextChoices):
        # a quarter or year from its months: the mean of the monthly scores, or the
        # indicators recomputed over the whole span and scored once
        MEAN = "mean", _("Mean of the monthly scores")
        POOLED = "pooled", _("Recomputed over the whole period")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("period type"), max_length=10, choices=Kind.choices, default=Kind.MONTH)
    # "2026-11", "2026-Q4" or "2026"
    period = models.CharField(_("period"), max_length=7, db_index=True)
    pooling = models.CharField(
        _("quarter and year scores"), max_length=10, choices=Pooling.choices, default=Pooling.MEAN
    )
    # Who is appraised, as chosen: {"units": [ids], "positions": [codes], "employees": [ids]}
    # (each list optional; the people are those of any unit listed — with its subtree —
    # holding a listed position, plus those listed by name). The evaluations are the result.
    scope = models.JSONField(_("scope"), default=dict, blank=True)
    stage = FSMField(_("stage"), default=Stage.DRAFT, choices=Stage.choices, db_index=True)

    targets_due = models.DateField(_("targets signed by"), null=True, blank=True)
    self_review_due = models.DateField(_("self reviews due"), null=True, blank=True)
    manager_review_due = models.DateField(_("manager reviews due"), null=True, blank=True)
    feedback_due = models.DateField(_("360° feedback due"), null=True, blank=True)
    calibration_due = models.DateField(_("calibration due"), null=True, blank=True)
    confirm_days = models.PositiveSmallIntegerField(
        _("working days to confirm or appeal"), default=5, validators=[MaxValueValidator(30)]
    )
    appeal_days = models.PositiveSmallIntegerField(
        _("working days to decide an appeal"), default=5, validators=[MaxValueValidator(30)]
    )

    second_level = models.BooleanField(_("second-level review"), default=False)
    # A manager's score adjustment is limited to ±this many points, with a reason.
    adjustment_limit = models.DecimalField(
        _("manager adjustment limit (points)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(5),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(30))],
    )
    feedback_anonymous = models.BooleanField(_("360° feedback anonymous to the employee"), default=True)
    # An anonymous item is shown to the employee only as the mean of at least this many raters.
    feedback_min_raters = models.PositiveSmallIntegerField(
        _("fewest raters shown"), default=3, validators=[MinValueValidator(3)]
    )
    grade_bands = models.JSONField(_("grade bands"), default=default_grade_bands)
    # [{"grades": [...], "max": %}, {"grades": [...], "min": %}]; empty: no rule.
    forced_distribution = models.JSONField(
        _("forced distribution"), default=default_forced_distribution, blank=True
    )
    # Who decides appeals besides HR (a cross-department reviewer); never the original manager.
    appeal_reviewer = models.ForeignKey(
        "org.Employee",
        verbose_name=_("appeal reviewer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    frozen_at = models.DateTimeField(_("data frozen at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("appraisal cycle")
        verbose_name_plural = _("appraisal cycles")
        ordering = ["-period", "-pk"]

    def __str__(self):
        return self.name

    @transition(field=stage, source=Stage.DRAFT, target=Stage.TARGETS)
    def open(self):
        self.opened_at = timezone.now()

    @transition(field=stage, source=Stage.TARGETS, target=Stage.SELF_REVIEW)
    def freeze(self):
        self.frozen_at = timezone.now()

    @transition(field=stage, source=Stage.SELF_REVIEW, target=Stage.MANAGER_REVIEW)
    def start_manager_review(self):
        pass

    @transition(field=stage, source=Stage.MANAGER_REVIEW, target=Stage.FEEDBACK)
    def start_feedback(self):
        pass

    @transition(field=stage, source=[Stage.MANAGER_REVIEW, Stage.FEEDBACK], target=Stage.CALIBRATION)
    def start_calibration(self):
        pass

    @transition(field=stage, source=Stage.CALIBRATION, target=Stage.PUBLISHED)
    def publish(self):
        self.published_at = timezone.now()

    @transition(field=stage, source=Stage.PUBLISHED, target=Stage.CLOSED)
    def close(self):
        self.closed_at = timezone.now()


class CycleVersion(models.Model):
    """The scheme version a cycle appraises a position with, chosen when the cycle is
    created: later edits to the scheme make new versions and do not reach the cycle."""

    cycle = models.ForeignKey(
        Cycle, verbose_name=_("cycle"), on_delete=models.CASCADE, related_name="versions"
    )
    position = models.CharField(_("position"), max_length=32, choices=Position.choices)
    version = models.ForeignKey(
        "appraisal.TemplateVersion",
        verbose_name=_("scheme version"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("cycle scheme version")
        verbose_name_plural = _("cycle scheme versions")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "position"], name="one_version_per_cycle_position")
        ]

    def __str__(self):
        return f"{self.cycle_id} {self.position}"


class Evaluation(ConcurrentTransitionMixin, TimeStampedModel):
    """One person's appraisal in a cycle."""

    class State(models.TextChoices):
        TARGETS = "targets", _("Targets to sign off")
        SIGNED = "signed", _("Targets signed off")
        SELF_REVIEW = "self_review", _("Self review")
        MANAGER_REVIEW = "manager_review", _("Manager review")
        FEEDBACK = "feedback", _("360° feedback")
        CALIBRATION = "calibration", _("Calibration")
        PUBLISHED = "published", _("Published")
        APPEALED = "appealed", _("Appealed")
        FINAL = "final", pgettext_lazy("evaluation state", "Final")

    cycle = models.ForeignKey(
        Cycle, verbose_name=_("cycle"), on_delete=models.CASCADE, related_name="evaluations"
    )
    employee = models.ForeignKey(
        "org.Employee", verbose_name=_("employee"), on_delete=models.PROTECT, related_name="evaluations"
    )
    # Snapshots at creation: the position and unit the person is appraised in (the one held
    # longest in the period), and the scheme version for that position.
    position = models.CharField(_("position"), max_length=32, choices=Position.choices)
    org_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="+"
    )
    version = models.ForeignKey(
        "appraisal.TemplateVersion",
        verbose_name=_("scheme version"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewer = models.ForeignKey(
        "org.Employee",
        verbose_name=_("reviewer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="evaluations_to_review",
    )
    second_reviewer = models.ForeignKey(
        "org.Employee",
        verbose_name=_("second-level reviewer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="evaluations_to_review_second",
    )
    state = FSMField(_("state"), default=State.TARGETS, choices=State.choices, db_index=True)
    # Bumped by every write to the evaluation: a form carries the number it was opened
    # with, and a save with an older one is a conflict, not a lost update.
    revision = models.PositiveIntegerField(_("revision"), default=0)

    # indicator code → a personal target the manager set (overrides the item's target)
    targets = models.JSONField(_("personal targets"), default=dict, blank=True)
    targets_signed_at = models.DateTimeField(_("targets signed at"), null=True, blank=True)

    # The freeze: code → [value, numerator, denominator, sample] and the centre's values
    # (shrinkage priors), as the scorecard used them; everything after scores from these.
    figures = models.JSONField(_("frozen figures"), default=dict, blank=True)
    priors = models.JSONField(_("frozen centre values"), default=dict, blank=True)
    frozen_at = models.DateTimeField(_("frozen at"), null=True, blank=True)
    # The scored lines as on a scorecard, recomputed from the snapshot and the ratings.
    items = models.JSONField(_("items"), default=list, blank=True)
    # A quarter or year scored as the mean of its months (Cycle.Pooling.MEAN): each month's
    # published result, frozen at the freeze — [{"period", "evaluation", "cycle",
    # "cycle_name", "final_score", "kpi_score", "manual_score", "kpi_points", "kpi_error",
    # "grade", "vetoed", "insufficient_data"}], the months without one left out.
    months = models.JSONField(_("monthly results"), default=list, blank=True)
    kpi_score = models.FloatField(_("KPI part"), null=True, blank=True)
    manual_score = models.FloatField(_("reviewed part"), null=True, blank=True)
    # The KPI part as 0–100 points (over the KPI items' weight share) and its standard
    # error from the rate items' samples: what calibration compares and flags, kept with
    # the score so that a cycle of 10,000 people is calibrated without reading its items.
    kpi_points = models.FloatField(_("KPI points"), null=True, blank=True)
    kpi_error = models.FloatField(_("KPI standard error"), default=0)
    base_score = models.FloatField(_("base score"), null=True, blank=True)
    review_adjustment = models.FloatField(_("manager adjustment"), default=0)
    review_adjustment_reason = models.CharField(_("reason for the adjustment"), max_length=500, blank=True)
    calibration_adjustment = models.FloatField(_("calibration adjustment"), default=0)
    # Points an appeal decision added, kept apart from calibration's so that the results
    # and the change log tell the two apart; calibration never writes it.
    appeal_adjustment = models.FloatField(_("appeal adjustment"), default=0)
    final_score = models.FloatField(_("final score"), null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=10, blank=True)
    # The grade set in calibration instead of the one the score gives (blank: none).
    calibrated_grade = models.CharField(_("calibrated grade"), max_length=10, blank=True)
    vetoed = models.BooleanField(_("vetoed"), default=False)
    insufficient_data = models.BooleanField(_("insufficient data"), default=False)
    rank_in_position = models.PositiveIntegerField(_("rank in position"), null=True, blank=True)
    rank_in_centre = models.PositiveIntegerField(_("rank in service centre"), null=True, blank=True)
    ranked_among = models.PositiveIntegerField(_("ranked among"), null=True, blank=True)

    self_comment = models.TextField(_("self-review comment"), blank=True)
    self_submitted_at = models.DateTimeField(_("self review submitted at"), null=True, blank=True)
    manager_comment = models.TextField(_("manager's comment"), blank=True)
    manager_submitted_at = models.DateTimeField(_("manager review submitted at"), null=True, blank=True)
    second_comment = models.TextField(_("second-level comment"), blank=True)
    second_submitted_at = models.DateTimeField(_("second-level review submitted at"), null=True, blank=True)

    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    confirm_due = models.DateTimeField(_("confirm or appeal by"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    final_at = models.DateTimeField(_("final since"), null=True, blank=True)
    # Why the person is appraised as they are when that is not plain (left mid-cycle,
    # changed position: which rule applied).
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["cycle", "pk"]
        constraints = [models.UniqueConstraint(fields=["cycle", "employee"], name="one_evaluation_per_cycle")]
        # Also, on PostgreSQL, (cycle, final score descending, empty last) for the
        # calibration view's and results table's first page: migration 0007.
        indexes = [models.Index(fields=["cycle", "state"], name="evaluation_cycle_state")]

    def __str__(self):
        # The audit trail stores this; the related rows are named when already loaded (the
        # services load them), never fetched one by one for a bulk move.
        person = self.employee.name if type(self).employee.is_cached(self) else f"#{self.employee_id}"
        cycle = self.cycle.name if type(self).cycle.is_cached(self) else f"#{self.cycle_id}"
        return f"{person} · {cycle}"

    @property
    def shown_grade(self) -> str:
        return self.calibrated_grade or self.grade

    @property
    def locked(self) -> bool:
        return self.state == self.State.FINAL

    @transition(field=state, source=State.TARGETS, target=State.SIGNED)
    def sign_targets(self):
        self.targets_signed_at = timezone.now()

    @transition(field=state, source=[State.TARGETS, State.SIGNED], target=State.SELF_REVIEW)
    def freeze(self):
        self.frozen_at = timezone.now()

    @transition(field=state, source=State.SELF_REVIEW, target=State.MANAGER_REVIEW)
    def submit_self_review(self):
        pass

    @transition(field=state, source=State.MANAGER_REVIEW, target=State.FEEDBACK)
    def open_feedback(self):
        pass

    @transition(field=state, source=[State.MANAGER_REVIEW, State.FEEDBACK], target=State.CALIBRATION)
    def to_calibration(self):
        pass

    @transition(field=state, source=State.CALIBRATION, target=State.PUBLISHED)
    def publish(self):
        self.published_at = timezone.now()

    @transition(field=state, source=State.PUBLISHED, target=State.APPEALED)
    def appeal(self):
        pass

    @transition(field=state, source=[State.PUBLISHED, State.APPEALED], target=State.FINAL)
    def finalise(self):
        self.final_at = timezone.now()


class EvaluationRating(TimeStampedModel):
    """A 1–5 rating of one manual item of an evaluation, by its employee (self), reviewer,
    second-level reviewer or an invited 360° rater. A draft until submitted; who sees it
    and when is the reviews' rule (the self and manager ratings stay hidden from each
    other until both are submitted)."""

    class Role(models.TextChoices):
        SELF = "self", _("Self")
        MANAGER = "manager", _("Manager")
        SECOND = "second", _("Second-level reviewer")
        PEER = "peer", _("360° rater")

    evaluation = models.ForeignKey(
        Evaluation, verbose_name=_("evaluation"), on_delete=models.CASCADE, related_name="ratings"
    )
    indicator = models.CharField(_("indicator"), max_length=64)
    rater = models.ForeignKey(
        "org.Employee", verbose_name=_("rater"), on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    rating = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("evaluation rating")
        verbose_name_plural = _("evaluation ratings")
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "indicator", "rater", "role"], name="one_evaluation_rating_per_rater"
            )
        ]

    def __str__(self):
        return f"{self.evaluation_id} {self.indicator} {self.role}: {self.rating}"


class FeedbackRequest(TimeStampedModel):
    """A 360° invitation: a colleague (a peer, another department) asked to rate some of
    the evaluation's manual items."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SUBMITTED = "submitted", _("Submitted")
        DECLINED = "declined", _("Declined")

    evaluation = models.ForeignKey(
        Evaluation, verbose_name=_("evaluation"), on_delete=models.CASCADE, related_name="feedback_requests"
    )
    rater = models.ForeignKey(
        "org.Employee", verbose_name=_("rater"), on_delete=models.PROTECT, related_name="+"
    )
    indicators = models.JSONField(_("items to rate"), default=list)
    anonymous = models.BooleanField(_("anonymous to the employee"), default=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("360° feedback request")
        verbose_name_plural = _("360° feedback requests")
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "rater"], name="one_feedback_request_per_rater")
        ]

    def __str__(self):
        return f"{self.evaluation_id} ← {self.rater_id}"


class EvaluationChange(models.Model):
    """One change to an evaluation's score, grade or state, for the cycle's history: who,
    when, old → new, why. Written with the audit entry, in the same transaction; never
    edited or deleted through the product."""

    class Kind(models.TextChoices):
        STAGE = "stage", _("Stage")
        SKIP = "skip", _("Stage skipped")
        TARGETS = "targets", _("Personal targets")
        FREEZE = "freeze", _("Data frozen and scored")
        REVIEW_ADJUSTMENT = "review_adjustment", _("Manager adjustment")
        CALIBRATION = "calibration", _("Calibration")
        GRADE = "grade", _("Grade")
        RECALCULATION = "recalculation", _("Recalculation")
        EXCLUSION = "exclusion", _("Record excluded")
        APPEAL = "appeal", _("Appeal decision")

    evaluation = models.ForeignKey(
        Evaluation, verbose_name=_("evaluation"), on_delete=models.CASCADE, related_name="changes"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    field = models.CharField(_("field"), max_length=40, blank=True)
    old = models.JSONField(_("old"), null=True, blank=True)
    new = models.JSONField(_("new"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("evaluation change")
        verbose_name_plural = _("evaluation changes")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["evaluation", "at"], name="evaluation_change_at")]

    def __str__(self):
        return f"{self.evaluation_id} {self.kind}"


class Goal(TimeStampedModel):
    """An objective (OKR style) of a person in a cycle; its key results measure it."""

    cycle = models.ForeignKey(Cycle, verbose_name=_("cycle"), on_delete=models.CASCADE, related_name="goals")
    employee = models.ForeignKey(
        "org.Employee", verbose_name=_("employee"), on_delete=models.CASCADE, related_name="goals"
    )
    title = models.CharField(_("objective"), max_length=300)
    # Visible to the person's team (service teams share their goals), not only to the
    # person and the reviewers.
    shared = models.BooleanField(_("visible to the team"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["cycle", "employee", "pk"]

    def __str__(self):
        return self.title


class KeyResult(models.Model):
    """A measurable key result: an indicator moved from a baseline to a target (progress
    read from the stored indicator values), or a manual check marked done by the reviewer."""

    goal = models.ForeignKey(
        Goal, verbose_name=_("goal"), on_delete=models.CASCADE, related_name="key_results"
    )
    title = models.CharField(_("key result"), max_length=300)
    # blank: a manual check
    indicator = models.CharField(_("indicator"), max_length=64, blank=True)
    baseline = models.DecimalField(_("baseline"), max_digits=14, decimal_places=4, null=True, blank=True)
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=4, null=True, blank=True)
    weight = models.PositiveSmallIntegerField(_("weight"), default=1, validators=[MinValueValidator(1)])
    done = models.BooleanField(_("done"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("key result")
        verbose_name_plural = _("key results")
        ordering = ["goal", "order", "pk"]

    def __str__(self):
        return self.title


class Appeal(ConcurrentTransitionMixin, TimeStampedModel):
    """An employee's appeal (申诉) against a published result: the whole of it (no
    indicators) or some items. Decided by HR or the cycle's appeal reviewer — never the
    original manager — within its own deadline; escalated when that passes."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        INFO_REQUESTED = "info_requested", _("More information requested")
        UPHELD = "upheld", _("Result upheld")
        ADJUSTED = "adjusted", _("Result adjusted")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    evaluation = models.ForeignKey(
        Evaluation, verbose_name=_("evaluation"), on_delete=models.CASCADE, related_name="appeals"
    )
    # empty: the whole result
    indicators = models.JSONField(_("items appealed"), default=list, blank=True)
    reason = models.TextField(_("reason"))
    state = FSMField(_("state"), default=State.OPEN, choices=State.choices, db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("appealed by"), on_delete=models.PROTECT, related_name="+"
    )
    due_at = models.DateTimeField(_("decide by"))
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    info_request = models.TextField(_("information requested"), blank=True)
    info_response = models.TextField(_("employee's answer"), blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-created", "-pk"]

    def __str__(self):
        return f"{self.evaluation_id}: {self.state}"

    @transition(field=state, source=State.OPEN, target=State.INFO_REQUESTED)
    def request_info(self):
        pass

    @transition(field=state, source=State.INFO_REQUESTED, target=State.OPEN)
    def answer(self):
        pass

    @transition(field=state, source=[State.OPEN, State.INFO_REQUESTED], target=State.UPHELD)
    def uphold(self):
        self.decided_at = timezone.now()

    @transition(field=state, source=[State.OPEN, State.INFO_REQUESTED], target=State.ADJUSTED)
    def adjust(self):
        self.decided_at = timezone.now()

    @transition(field=state, source=[State.OPEN, State.INFO_REQUESTED], target=State.WITHDRAWN)
    def withdraw(self):
        pass


class AppealEvidence(models.Model):
    """A file an employee attaches to an appeal, served only through the appeal's view
    after the access check."""

    appeal = models.ForeignKey(
        Appeal, verbose_name=_("appeal"), on_delete=models.CASCADE, related_name="evidence"
    )
    file = ViewServedFileField(
        _("file"),
        upload_to=ServerChosenName("appeals/%Y/", field="file"),
        url_name="appraisal:appeal_evidence",
        validators=[validate_document],
    )
    # The name the uploader's file had, shown and offered on download; never a path.
    name = models.CharField(_("file name"), max_length=200)
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
        verbose_name = _("appeal evidence")
        verbose_name_plural = _("appeal evidence")
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.name


class Exclusion(models.Model):
    """A work order left out of one indicator for one evaluation (an appeal's decision):
    the indicator is recomputed for that evaluation only, and the scorecard shows it."""

    evaluation = models.ForeignKey(
        Evaluation, verbose_name=_("evaluation"), on_delete=models.CASCADE, related_name="exclusions"
    )
    appeal = models.ForeignKey(
        Appeal,
        verbose_name=_("appeal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="exclusions",
    )
    indicator = models.CharField(_("indicator"), max_length=64)
    work_order = models.ForeignKey(
        "workorders.WorkOrder", verbose_name=_("work order"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("exclusion")
        verbose_name_plural = _("exclusions")
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "indicator", "work_order"], name="one_exclusion_per_order_and_indicator"
            )
        ]

    def __str__(self):
        return f"{self.evaluation_id} {self.indicator} − {self.work_order_id}"


class CycleReminder(models.Model):
    """A reminder or "your turn" message sent for one evaluation's step, so the scheduled
    task sends each once (the unique key makes two runs at once safe)."""

    evaluation = models.ForeignKey(
        Evaluation, verbose_name=_("evaluation"), on_delete=models.CASCADE, related_name="reminders"
    )
    step = models.CharField(_("step"), max_length=20)
    kind = models.CharField(_("kind"), max_length=10)  # "turn", "due", "late"
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("cycle reminder")
        verbose_name_plural = _("cycle reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "step", "kind", "recipient"], name="one_reminder_per_step"
            )
        ]

    def __str__(self):
        return f"{self.evaluation_id} {self.step} {self.kind}"
