"""Appraisal data: the schemes (考核方案, the `Template` model) with their versions and
items, the history of their changes, and the scorecards a recompute stores.

The tables were created by the kpi app and keep their names (`kpi_template` …): the models
moved here in appraisal migration 0001 without touching the database.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from servicescore.core.fields import DocumentJSONField
from servicescore.core.models import TimeStampedModel
from servicescore.org.models import Position

DEFAULT_GRADE_BANDS = [
    {"grade": "S", "min": 95},
    {"grade": "A", "min": 85},
    {"grade": "B", "min": 70},
    {"grade": "C", "min": 60},
    {"grade": "D", "min": None},
]


def default_grade_bands():
    return [dict(band) for band in DEFAULT_GRADE_BANDS]


def _in_reader_language(text: str, english: str) -> str:
    """`english` for a reader of English when it is given, otherwise `text` (written in the
    company's language)."""
    language = get_language() or settings.LANGUAGE_CODE
    if english and language.lower().startswith("en"):
        return english
    return text


class Template(TimeStampedModel):
    """An appraisal template for a position. Its versions hold the items; at most one
    version is active, and scorecards keep the version they were scored with."""

    code = models.CharField(_("code"), max_length=64, unique=True)
    # The name and rationale in the company's language (settings.LANGUAGE_CODE), which
    # everyone sees, and optionally in English for English readers: `display_name` and
    # `display_rationale` pick the reader's one.
    name = models.CharField(pgettext_lazy("scheme", "name"), max_length=200)
    name_en = models.CharField(
        pgettext_lazy("scheme", "English name"),
        max_length=200,
        blank=True,
        help_text=_("Shown to those who read in English; empty: they see the name."),
    )
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
    rationale_en = models.TextField(
        _("rationale in English"),
        blank=True,
        help_text=_("Shown to those who read in English; empty: they see the rationale."),
    )

    class Subject(models.TextChoices):
        OWN = "own", _("The person's own records")
        UNIT = "unit", _("The results of the unit the person works in")

    # Whose figures score the person: a technician's own work orders, or (team leads,
    # service managers) the pooled results of the org unit they belong to. Manual
    # ratings are always the person's own.
    subject = models.CharField(_("scored on"), max_length=10, choices=Subject.choices, default=Subject.OWN)

    class Meta:
        db_table = "kpi_template"
        verbose_name = _("appraisal template")
        verbose_name_plural = _("appraisal templates")
        ordering = ["position", "code"]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the reader's language: the English name for English readers when
        there is one, else the name. Every page, export and API shows this."""
        return _in_reader_language(self.name, self.name_en)

    @property
    def display_rationale(self) -> str:
        """The rationale in the reader's language, as `display_name`."""
        return _in_reader_language(self.rationale, self.rationale_en)

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
    # kpi-library.md, Scoring: below this share of the weight with data the scorecard
    # says "insufficient data" (no score, no grade); a running month gets no grade unless
    # grade_provisional is set.
    min_data_share = models.DecimalField(
        _("minimum weight with data (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(50),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    grade_provisional = models.BooleanField(_("grade a month still running"), default=False)
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
        db_table = "kpi_templateversion"
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
        db_table = "kpi_templateitem"
        verbose_name = _("template item")
        verbose_name_plural = _("template items")
        ordering = ["version", "order", "pk"]

    def __str__(self):
        return f"{self.indicator} ({self.get_kind_display()})"


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
    # Scored before the period ended: the figures are partial (暂定).
    provisional = models.BooleanField(_("provisional"), default=False, db_default=False)
    # The items with data carried less than the version's min_data_share: no score, no grade.
    insufficient_data = models.BooleanField(_("insufficient data"), default=False, db_default=False)
    items = DocumentJSONField(_("items"), default=list)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        db_table = "kpi_scorecard"
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        constraints = [
            models.UniqueConstraint(fields=["employee", "period"], name="one_scorecard_per_period"),
        ]
        indexes = [models.Index(fields=["period", "version"], name="scorecard_period_version")]

    def __str__(self):
        return f"{self.employee_id} {self.period}: {self.final_score}"


class TemplateChange(models.Model):
    """One change to an appraisal template, written by `appraisal.services.schemes` in the
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
        db_table = "kpi_templatechange"
        verbose_name = _("template change")
        verbose_name_plural = _("template changes")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["template", "-at"], name="template_change_history")]

    def __str__(self):
        return f"{self.template_id or '-'} {self.action} {self.at:%Y-%m-%d %H:%M}"
