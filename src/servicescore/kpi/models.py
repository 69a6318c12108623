"""Facts imported from other systems. The indicator engine itself comes with the KPI issue."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from servicescore.core.models import TimeStampedModel
from servicescore.core.periods import MONTH_RE


class FactIndicator(models.Model):
    """An indicator whose values are owned by another system (kpi-library.md, Facts)."""

    code = models.CharField(_("code"), max_length=64, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    unit = models.CharField(_("unit"), max_length=20, blank=True)

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
