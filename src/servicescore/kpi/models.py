"""KPI data: indicators a company adds (facts, derived), the imported facts, stored
indicator results, scoring templates (考核方案) with their versions and items, manual
ratings and scorecards."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from servicescore.core.models import TimeStampedModel
from servicescore.core.periods import MONTH_RE
from servicescore.org.models import Position

from .registry import DOWN, UP

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
            raise ValidationError({"period": _("Use YYYY-MM, e.g. 2026-10.")})


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
        from .derived import check_definition

        check_definition(self.code, self.formula, exclude_pk=self.pk)


class IndicatorResult(models.Model):
    """One indicator's stored value for an employee or an org unit and a period, with the
    numerator, denominator and number of records behind it.

    Derived data, rewritten by the hundred thousand on each recompute: the references have
    no database constraint (checking each at commit cost about 0.8 s for a day of the
    large demo); Django's CASCADE still deletes an employee's or unit's results."""

    period = models.CharField(_("period"), max_length=7)
    indicator = models.CharField(_("indicator"), max_length=64)
    employee = models.ForeignKey(
        "org.Employee",
        verbose_name=_("employee"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    org_unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("org unit"),
        null=True,
        blank=True,
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
        verbose_name = _("indicator result")
        verbose_name_plural = _("indicator results")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "employee", "indicator"],
                condition=models.Q(employee__isnull=False),
                name="one_result_per_employee",
            ),
            models.UniqueConstraint(
                fields=["period", "org_unit", "indicator"],
                condition=models.Q(org_unit__isnull=False),
                name="one_result_per_org_unit",
            ),
        ]

    def __str__(self):
        return f"{self.indicator} {self.period} = {self.value}"


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


class DailyComponent(models.Model):
    """One component group's sums for one person and one local day (kpi/daily.py): the
    stored layer a month's figures are summed from, so a changed day is re-aggregated
    alone. Derived data: `servicescore kpi recompute` rebuilds it."""

    employee = models.ForeignKey(
        "org.Employee", on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    day = models.DateField(_("day"))
    group = models.CharField(_("component group"), max_length=16, db_column="grp")
    # The group's components in order (kpi/daily.py maps names to columns).
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
        verbose_name = _("daily component")
        verbose_name_plural = _("daily components")
        indexes = [
            models.Index(fields=["day", "group"], name="daily_component_day"),
            models.Index(fields=["employee", "day"], name="daily_component_person"),
        ]

    def __str__(self):
        return f"{self.employee_id} {self.day} {self.group}"


class ComponentMonth(models.Model):
    """A month whose daily components have been built in full (kpi/daily.py)."""

    period = models.CharField(_("period"), max_length=7, unique=True)
    built_at = models.DateTimeField(_("built at"))

    class Meta:
        verbose_name = _("component month")
        verbose_name_plural = _("component months")

    def __str__(self):
        return self.period


# --- Scoring templates (考核方案) -------------------------------------------------------

DEFAULT_GRADE_BANDS = [
    {"grade": "S", "min": 95},
    {"grade": "A", "min": 85},
    {"grade": "B", "min": 70},
    {"grade": "C", "min": 60},
    {"grade": "D", "min": None},
]


def default_grade_bands():
    return [dict(band) for band in DEFAULT_GRADE_BANDS]


class Template(TimeStampedModel):
    """An appraisal template for a position. Its versions hold the items; at most one
    version is active, and scorecards keep the version they were scored with."""

    code = models.CharField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    position = models.CharField(_("position"), max_length=20, choices=Position.choices, db_index=True)
    # Empty: the whole company. Otherwise the template applies to the position within this
    # unit's subtree and wins over a company-wide one (e.g. appliance field-service centres).
    org_unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("applies within"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    rationale = models.TextField(_("rationale"), blank=True)

    class Meta:
        verbose_name = _("appraisal template")
        verbose_name_plural = _("appraisal templates")
        ordering = ["position", "code"]

    def __str__(self):
        return self.name

    @property
    def active_version(self):
        return self.versions.filter(status=TemplateVersion.Status.ACTIVE).first()


class TemplateVersion(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", pgettext_lazy("template version", "Active")
        RETIRED = "retired", pgettext_lazy("template version", "Retired")

    template = models.ForeignKey(
        Template, verbose_name=_("template"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    grade_bands = models.JSONField(_("grade bands"), default=default_grade_bands)
    note = models.CharField(_("change note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("activated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("template version")
        verbose_name_plural = _("template versions")
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="one_version_number"),
            models.UniqueConstraint(
                fields=["template"], condition=models.Q(status="active"), name="one_active_version"
            ),
        ]

    def __str__(self):
        return f"{self.template} v{self.number}"

    @property
    def weight_sum(self) -> Decimal:
        return sum((i.weight for i in self.items.all() if i.kind == TemplateItem.Kind.SCORED), Decimal(0))


class TemplateItem(models.Model):
    """One line of a template: a weighted scored item, a bonus or deduction, or a veto."""

    class Kind(models.TextChoices):
        SCORED = "scored", _("Scored (weighted)")
        BONUS = "bonus", _("Bonus (加分)")
        DEDUCTION = "deduction", _("Deduction (减分)")
        VETO = "veto", _("Veto (一票否决)")

    class Rule(models.TextChoices):
        LINEAR = "linear", _("Linear: threshold → 0, target → 100")
        BANDS = "bands", _("Bands: value ranges with points")
        RATIO = "ratio", _("Ratio: value ÷ target")
        MANUAL = "manual", _("Manual: reviewers' 1–5 ratings")

    class NoData(models.TextChoices):
        REWEIGHT = "reweight", _("Leave out and re-weight the others")
        ZERO = "zero", _("Score 0 points")
        TARGET = "target", _("Score as on target (100 points)")

    class Basis(models.TextChoices):
        VALUE = "value", _("the value")
        NUMERATOR = "numerator", _("the count behind it (numerator)")

    version = models.ForeignKey(
        TemplateVersion, verbose_name=_("version"), on_delete=models.CASCADE, related_name="items"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SCORED)
    indicator = models.CharField(_("indicator"), max_length=64)
    label = models.CharField(_("label"), max_length=200, blank=True)
    weight = models.DecimalField(_("weight (%)"), max_digits=5, decimal_places=2, default=Decimal(0))
    rule = models.CharField(_("rule"), max_length=10, choices=Rule.choices, default=Rule.LINEAR)
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=4, null=True, blank=True)
    threshold = models.DecimalField(_("threshold"), max_digits=14, decimal_places=4, null=True, blank=True)
    cap = models.DecimalField(_("points cap"), max_digits=6, decimal_places=2, default=Decimal(100))
    # bands: [{"from": 90, "to": null, "points": 100}, ...]; from inclusive, to exclusive,
    # null for open ends.
    bands = models.JSONField(_("bands"), default=list, blank=True)
    no_data = models.CharField(
        _("when there is no data"), max_length=10, choices=NoData.choices, default=NoData.REWEIGHT
    )
    shrink_k = models.DecimalField(
        _("shrinkage k"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_(
            "Score the rate on (k × centre rate + numerator) ÷ (k + denominator); empty for no shrinkage."
        ),
    )
    # Bonus / deduction: points per unit of the basis, up to max_points in total.
    basis = models.CharField(_("counted on"), max_length=10, choices=Basis.choices, default=Basis.VALUE)
    points_per_unit = models.DecimalField(
        _("points per unit"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    max_points = models.DecimalField(
        _("at most (points)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    rationale = models.CharField(_("rationale"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("template item")
        verbose_name_plural = _("template items")
        ordering = ["version", "order", "pk"]

    def __str__(self):
        return f"{self.indicator} ({self.get_kind_display()})"


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
            raise ValidationError({"comment": _("A rating below 3 or of 5 needs a comment.")})


class Scorecard(models.Model):
    """An employee's score for a period under one template version, with every item's
    working in `items` (value, target, points, weight, contribution, no-data, shrinkage)."""

    employee = models.ForeignKey(
        "org.Employee", verbose_name=_("employee"), on_delete=models.CASCADE, related_name="scorecards"
    )
    period = models.CharField(_("period"), max_length=7)
    version = models.ForeignKey(
        TemplateVersion,
        verbose_name=_("template version"),
        on_delete=models.PROTECT,
        related_name="scorecards",
    )
    base_score = models.FloatField(_("base score"), null=True, blank=True)
    adjustment = models.FloatField(_("bonus / deductions"), default=0)
    final_score = models.FloatField(_("final score"), null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=10, blank=True)
    vetoed = models.BooleanField(_("vetoed"), default=False)
    items = models.JSONField(_("items"), default=list)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        constraints = [
            models.UniqueConstraint(fields=["employee", "period"], name="one_scorecard_per_period"),
        ]
        indexes = [models.Index(fields=["period", "version"], name="scorecard_period_version")]

    def __str__(self):
        return f"{self.employee_id} {self.period}: {self.final_score}"


class TemplateChange(models.Model):
    """One change to an appraisal template, written by `template_services` in the
    transaction that made it: who, when, which version, and in `detail` what changed (old
    and new name or unit, the weights before and after a save, the version an activation
    retired). Rows outlive a discarded template (its code and name stay in `detail`)."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        DEFAULTS_INSTALLED = "defaults_installed", _("Installed from the defaults")
        SETTINGS_CHANGED = "settings_changed", _("Settings changed")
        DRAFT_STARTED = "draft_started", _("Draft started")
        DRAFT_SAVED = "draft_saved", _("Draft saved")
        ITEM_ADDED = "item_added", _("Item added")
        ITEM_REMOVED = "item_removed", _("Item removed")
        ACTIVATED = "activated", _("Activated")
        RETIRED = "retired", _("Retired")
        DISCARDED = "discarded", _("Draft discarded")

    template = models.ForeignKey(
        Template,
        verbose_name=_("template"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="changes",
    )
    version = models.ForeignKey(
        TemplateVersion,
        verbose_name=_("version"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("template change")
        verbose_name_plural = _("template changes")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["template", "-at"], name="template_change_history")]

    def __str__(self):
        return f"{self.template_id or '-'} {self.action} {self.at:%Y-%m-%d %H:%M}"
