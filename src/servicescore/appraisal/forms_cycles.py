"""The new-cycle form (/appraisal/cycles/new/): what HR or a service manager chooses; the
rules are the service's (services/cycles.py cycle_create), whose refusals the page puts
on the fields."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from servicescore.core.periods import last_complete_month
from servicescore.org.models import Position
from servicescore.org.scope import visible_org_units

from .models import Cycle
from .models.cycles import default_forced_distribution


def _date():
    return forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date", "class": "form-control"})
    )


class CycleForm(forms.Form):
    name = forms.CharField(
        label=_("Cycle name"), max_length=200, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    kind = forms.ChoiceField(
        label=_("Period type"),
        choices=Cycle.Kind.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    pooling = forms.ChoiceField(
        label=_("A quarter or year is scored as"),
        choices=Cycle.Pooling.choices,
        initial=Cycle.Pooling.MEAN,
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
        help_text=_(
            "The mean of its months: each month's published cycle result, appeals included. "
            "Recomputed: the indicators over all its days, scored once. A month cycle ignores this."
        ),
    )
    period = forms.CharField(
        label=_("Period"),
        max_length=7,
        widget=forms.TextInput(
            attrs={"class": "form-control", "placeholder": "2026-11", "inputmode": "text"}
        ),
        help_text=_("A month as YYYY-MM (2026-11), a quarter as YYYY-Qn (2026-Q4), a year as YYYY (2026)."),
    )
    units = forms.ModelMultipleChoiceField(
        label=_("Org units"),
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 6}),
        help_text=_("Everyone in a chosen unit and the units below it."),
    )
    positions = forms.MultipleChoiceField(
        label=_("Positions"),
        choices=Position.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text=_("None ticked: every position."),
    )
    targets_due = _date()
    self_review_due = _date()
    manager_review_due = _date()
    feedback_due = _date()
    calibration_due = _date()
    second_level = forms.BooleanField(
        label=_("Second-level review (the reviewer's manager reviews too)"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    adjustment_limit = forms.DecimalField(
        label=_("Manager adjustment limit (± points)"),
        min_value=Decimal(0),
        max_value=Decimal(30),
        decimal_places=2,
        initial=Decimal(5),
        widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.5", "inputmode": "decimal"}),
    )
    feedback_anonymous = forms.BooleanField(
        label=_("360° feedback anonymous to the employee"),
        required=False,
        initial=True,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    forced_distribution = forms.BooleanField(
        label=_("Forced distribution (S and A at most 30 %, D at least 5 %)"),
        required=False,
        initial=True,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    DEADLINE_LABELS = {
        "targets_due": _("Targets signed by"),
        "self_review_due": _("Self reviews due"),
        "manager_review_due": _("Manager reviews due"),
        "feedback_due": _("360° feedback due"),
        "calibration_due": _("Calibration due"),
    }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = visible_org_units(user).order_by("path")
        self.fields["period"].initial = last_complete_month()
        for name, label in self.DEADLINE_LABELS.items():
            self.fields[name].label = label

    def service_arguments(self) -> dict:
        """cycle_create's keyword arguments from the cleaned data."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "kind": data["kind"],
            "period": data["period"],
            # none chosen: the service's default (a quarter recomputed, a year from its months)
            "pooling": data["pooling"] or None if data["kind"] != Cycle.Kind.MONTH else Cycle.Pooling.MEAN,
            "units": [unit.pk for unit in data["units"]],
            "positions": list(data["positions"]),
            **{name: data[name] for name in self.DEADLINE_LABELS},
            "second_level": data["second_level"],
            "adjustment_limit": data["adjustment_limit"],
            "feedback_anonymous": data["feedback_anonymous"],
            "forced_distribution": default_forced_distribution() if data["forced_distribution"] else [],
        }
