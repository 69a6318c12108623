"""KPI data: the indicators a company adds (facts, derived), the imported facts, manual
ratings, the stored indicator results and the layers a recompute keeps (requests, daily
components). The appraisal schemes and scorecards are the appraisal app's."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from servicescore.core.errors import Invalid
from servicescore.core.fields import DocumentJSONField
from servicescore.core.models import TimeStampedModel
from servicescore.core.periods import MONTH_RE
from servicescore.core.uploads import ServerChosenName, ViewServedFileField, validate_document

from .derived import check_definition
from .errors import PERIOD_FORMAT, RATING_COMMENT
from .registry import DOWN, INDICATORS, UP

DIRECTIONS = [(UP, _("↑ higher is better")), (DOWN, _("↓ lower is better"))]


class FactIndicator(models.Model):
    """An indicator whose values are owned by another system (kpi-library.md, Facts)."""

    code = models.CharField(_("code"), max_length=64, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    direction = models.CharField(_("direction"), max_length=4, choices=DIRECTIONS, default=UP)
    aggregation = models.CharField(
        _("combining months and people"),
        max_length=4,
        choices=[
            ("sum", _("sum (quarters and org units add up)")),
            ("mean", _("mean of the months (not pooled over people)")),
        ],
        default="sum",
    )

    class Meta:
        verbose_name = _("fact indicator")
        verbose_name_plural = _("fact indicators")
        ordering = ["code"]

    def __str__(self):
        return self.code


class MetricFact(TimeStampedModel):
    indicator = models.CharField(_("indicator"), max_length=64, db_index=True)
    period = models.CharField(_("period"), max_length=7)
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=4)
    employee = models.ForeignKey(
        "org.Employee",
        verbose_name=_("employee"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="facts",
    )
    org_unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("org unit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="facts",
    )
    # The evidence behind the figure (import-formats.md, metric_facts): what it is about
    # and the source record (an incident number, a training roster), shown on a scorecard
    # line or veto; an attachment is served only by kpi.fact_views.fact_attachment.
    note = models.CharField(_("note"), max_length=300, blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    attachment = ViewServedFileField(
        _("attachment"),
        upload_to=ServerChosenName("facts/%Y/", field="attachment"),
        url_name="indicators:fact_attachment",
        validators=[validate_document],
        blank=True,
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("metric fact")
        verbose_name_plural = _("metric facts")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(employee__isnull=False, org_unit__isnull=True)
                    | models.Q(employee__isnull=True, org_unit__isnull=False)
                ),
                name="fact_for_employee_xor_org_unit",
            ),
            models.UniqueConstraint(
                fields=["indicator", "period", "employee"],
                condition=models.Q(employee__isnull=False),
                name="one_fact_per_employee_period",
            ),
            models.UniqueConstraint(
                fields=["indicator", "period", "org_unit"],
                condition=models.Q(org_unit__isnull=False),
                name="one_fact_per_org_unit_period",
            ),
        ]

    def __str__(self):
        return f"{self.indicator} {self.period} = {self.value}"

    def clean(self):
        if not MONTH_RE.fullmatch(self.period or ""):
            raise Invalid(_("Use YYYY-MM, e.g. 2026-10."), code=PERIOD_FORMAT, field="period")


class KpiSettings(models.Model):
    """Company-wide KPI settings (one row); missing row → the environment's defaults."""

    comeback_window_days = models.PositiveSmallIntegerField(
        _("comeback window (days)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_(
            "A work order with 'rework of' created at most this many days after the "
            "original's completion counts as a comeback."
        ),
    )

    class Meta:
        verbose_name = _("KPI settings")
        verbose_name_plural = _("KPI settings")

    def __str__(self):
        return str(_("KPI settings"))

    @classmethod
    def comeback_window(cls) -> int:
        row = cls.objects.order_by("pk").values_list("comeback_window_days", flat=True).first()
        return row if row is not None else settings.COMEBACK_WINDOW_DAYS


class DerivedIndicator(TimeStampedModel):
    """An indicator computed by a formula over other indicators (kpi-library.md, Derived)."""

    code = models.CharField(_("code"), max_length=64, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    direction = models.CharField(_("direction"), max_length=4, choices=DIRECTIONS, default=UP)
    formula = models.CharField(
        _("formula"),
        max_length=500,
        help_text=_(
            "e.g. 0.5 * CSAT + 0.5 * FTFR; allowed: numbers, indicator codes, + - * / ( ), "
            "comparisons, min, max, round, abs, if(condition, then, else)"
        ),
    )

    class Meta:
        verbose_name = _("derived indicator")
        verbose_name_plural = _("derived indicators")
        ordering = ["code"]

    def __str__(self):
        return self.code

    def clean(self):
        others = DerivedIndicator.objects.exclude(pk=self.pk)
        known = (
            set(INDICATORS)
            | set(FactIndicator.objects.values_list("code", flat=True))
            | set(others.values_list("code", flat=True))
        )
        check_definition(
            self.code, self.formula, known=known, others=dict(others.values_list("code", "formula"))
        )


class IndicatorResult(models.Model):
    """One indicator's stored value for an org unit and a period (the roll-up of its
    people), with the numerator, denominator and number of records behind it. The
    employees' values are stored one row per person and period: EmployeeResults.

    Derived data, rewritten on each recompute: the reference has no database constraint;
    Django's CASCADE still deletes a unit's results."""

    period = models.CharField(_("period"), max_length=7)
    indicator = models.CharField(_("indicator"), max_length=64)
    org_unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("org unit"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    value = models.FloatField(_("value"), null=True, blank=True)
    numerator = models.FloatField(_("numerator"), null=True, blank=True)
    denominator = models.FloatField(_("denominator"), null=True, blank=True)
    sample = models.PositiveIntegerField(_("records"), default=0)
    # Why the value is null when that is not plain "no records" (e.g. a derived formula
    # divided by zero).
    note = models.CharField(_("note"), max_length=300, blank=True)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("org unit result")
        verbose_name_plural = _("org unit results")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "org_unit", "indicator"],
                name="one_result_per_org_unit",
            ),
        ]

    def __str__(self):
        return f"{self.indicator} {self.period} = {self.value}"


class EmployeeResults(models.Model):
    """One employee's stored indicator results for a period, every indicator in one
    document: `figures` maps an indicator code to [value, numerator, denominator,
    records] or, when the value has a note (why it is null when that is not plain "no
    records"), [value, numerator, denominator, records, note]. An indicator left out has
    no records: 0 for a count or sum, no data otherwise (kpi-library.md). Read it through
    `kpi.results` (`StoredResult`), not by hand.

    One row per person instead of one per indicator: an incremental day rewrites the
    figures of thousands of people, and a row each costs the database ten times the work
    of a document each (docs/performance.md). Written whole, read whole: PostgreSQL
    `json`, not `jsonb`. No database constraint on the employee (derived data);
    Django's CASCADE still deletes a person's results."""

    period = models.CharField(_("period"), max_length=7)
    employee = models.ForeignKey(
        "org.Employee",
        verbose_name=_("employee"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    figures = DocumentJSONField(_("indicator results"), default=dict)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("employee results")
        verbose_name_plural = _("employee results")
        constraints = [
            models.UniqueConstraint(fields=["period", "employee"], name="one_result_row_per_employee"),
        ]

    def __str__(self):
        return f"{self.employee_id} {self.period}"


class ComputedPeriod(models.Model):
    """A period whose indicator results are stored: when they were last recomputed and what
    that run stored. One row per period; each recompute's audit entry points at it, so the
    period's history lists its recomputes."""

    period = models.CharField(_("period"), max_length=7, unique=True)
    computed_at = models.DateTimeField(_("computed at"))
    people = models.PositiveIntegerField(_("people recomputed"), default=0)
    results = models.PositiveIntegerField(_("results stored"), default=0)
    org_unit_results = models.PositiveIntegerField(_("org-unit results stored"), default=0)

    class Meta:
        verbose_name = _("computed period")
        verbose_name_plural = _("computed periods")
        ordering = ["-period"]

    def __str__(self):
        return self.period


class RecomputeJob(models.Model):
    """A recompute someone asked for ("recompute now") or the schedule ran: which periods,
    how far it has got, and how it ended. The page polls it while it runs."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    periods = models.JSONField(_("periods"), default=list)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    trigger = models.CharField(_("trigger"), max_length=20, default="manual")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    done_steps = models.PositiveIntegerField(_("steps done"), default=0)
    total_steps = models.PositiveIntegerField(_("steps"), default=0)
    current = models.CharField(_("working on"), max_length=100, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("recompute job")
        verbose_name_plural = _("recompute jobs")
        ordering = ["-requested_at", "-pk"]

    def __str__(self):
        return f"{self.pk} {self.status} {','.join(self.periods)}"


class RecomputeRequest(models.Model):
    """Records changed: something of this period is stale. The recompute task drains the
    table; with no broker it runs inline at commit.

    With a `day` and `group`: that day's stored components of that group are re-aggregated
    and the people they count for recomputed. With only an `employee`: that person's
    figures are recomputed from the stored components (a fact or rating changed). With
    neither: the whole period, for everyone."""

    EVERYONE = "*"  # as `group`: everyone's figures from the stored components, nothing re-aggregated

    period = models.CharField(_("period"), max_length=7)
    employee = models.ForeignKey("org.Employee", null=True, on_delete=models.CASCADE, related_name="+")
    group = models.CharField(_("component group"), max_length=16, blank=True)
    day = models.DateField(_("day"), null=True, blank=True)
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)

    class Meta:
        verbose_name = _("recompute request")
        verbose_name_plural = _("recompute requests")
        indexes = [models.Index(fields=["period"], name="recompute_period")]

    def __str__(self):
        return f"{self.period} {self.employee_id or '*'} {self.group} {self.day or ''}".strip()


COMPONENT_COLUMNS = [f"v{i}" for i in range(16)]


class ComponentSums(models.Model):
    """A component group's sums, in the group's order (kpi/daily.py maps names to columns)."""

    v0 = models.FloatField(null=True)
    v1 = models.FloatField(null=True)
    v2 = models.FloatField(null=True)
    v3 = models.FloatField(null=True)
    v4 = models.FloatField(null=True)
    v5 = models.FloatField(null=True)
    v6 = models.FloatField(null=True)
    v7 = models.FloatField(null=True)
    v8 = models.FloatField(null=True)
    v9 = models.FloatField(null=True)
    v10 = models.FloatField(null=True)
    v11 = models.FloatField(null=True)
    v12 = models.FloatField(null=True)
    v13 = models.FloatField(null=True)
    v14 = models.FloatField(null=True)
    v15 = models.FloatField(null=True)

    class Meta:
        abstract = True


class DailyComponent(ComponentSums):
    """One component group's sums for one person and one local day (kpi/daily.py): the
    stored layer a month's figures are summed from, so a changed day is re-aggregated
    alone. Derived data: `servicescore kpi recompute` rebuilds it."""

    employee = models.ForeignKey(
        "org.Employee", on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    day = models.DateField(_("day"))
    group = models.CharField(_("component group"), max_length=16, db_column="grp")

    class Meta:
        verbose_name = _("daily component")
        verbose_name_plural = _("daily components")
        indexes = [
            models.Index(fields=["day", "group"], name="daily_component_day"),
            models.Index(fields=["employee", "day"], name="daily_component_person"),
        ]

    def __str__(self):
        return f"{self.employee_id} {self.day} {self.group}"


class ComponentPrefix(ComponentSums):
    """One component group's sums for one person over the first days of a month, up to
    the day `ComponentMonth.prefixes` names for the group (kpi/daily.py): a month's sums
    then read these and the few days after them instead of every day. Derived data,
    rebuilt with the month's components."""

    period = models.CharField(_("period"), max_length=7)
    employee = models.ForeignKey(
        "org.Employee", on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    group = models.CharField(_("component group"), max_length=16, db_column="grp")

    class Meta:
        verbose_name = _("summed components")
        verbose_name_plural = _("summed components")
        indexes = [models.Index(fields=["period", "group", "employee"], name="component_prefix_month")]

    def __str__(self):
        return f"{self.period} {self.employee_id} {self.group}"


class ComponentMonth(models.Model):
    """A month whose daily components have been built in full (kpi/daily.py)."""

    period = models.CharField(_("period"), max_length=7, unique=True)
    built_at = models.DateTimeField(_("built at"))
    # group → the first day (ISO) not in its ComponentPrefix rows: the group's components
    # of the days before it are stored summed per person. A group missing here has none.
    prefixes = models.JSONField(_("summed days"), default=dict, blank=True)

    class Meta:
        verbose_name = _("component month")
        verbose_name_plural = _("component months")

    def __str__(self):
        return self.period


class ManualRating(TimeStampedModel):
    """A reviewer's 1–5 rating of a manual indicator (kpi-library.md, Manual ratings)."""

    employee = models.ForeignKey(
        "org.Employee", verbose_name=_("employee"), on_delete=models.CASCADE, related_name="manual_ratings"
    )
    period = models.CharField(_("period"), max_length=7)
    indicator = models.CharField(_("indicator"), max_length=64)
    reviewer = models.ForeignKey(
        "org.Employee", verbose_name=_("reviewer"), on_delete=models.PROTECT, related_name="+"
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("manual rating")
        verbose_name_plural = _("manual ratings")
        constraints = [
            models.UniqueConstraint(
                fields=["employee", "period", "indicator", "reviewer"], name="one_rating_per_reviewer"
            ),
        ]

    def __str__(self):
        return f"{self.indicator} {self.period}: {self.rating}"

    def clean(self):
        if self.rating is not None and (self.rating < 3 or self.rating == 5) and not self.comment.strip():
            raise Invalid(
                _("A rating below 3 or of 5 needs a comment."), code=RATING_COMMENT, field="comment"
            )
