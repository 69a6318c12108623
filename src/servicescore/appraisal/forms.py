"""Forms of the appraisal-template editor: one form per item (a formset over the draft's
items), the grade bands, the draft's note, a new template, a template's settings, and the
what-if's choices.

Each item row is checked as `scoring.problems` checks it (rule consistent with the
indicator, threshold on the right side of the target, band tables without gaps or
overlaps), so an error lands on the row and field it concerns; the weight sum is only
enforced at activation.
"""

import json
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import get_language, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext as _

from servicescore.core.periods import MONTH_RE
from servicescore.kpi.registry import FAMILIES
from servicescore.org.models import CODE_VALIDATOR
from servicescore.org.scope import scope_for, visible_org_units

from .models import Template, TemplateItem, default_grade_bands
from .scoring import grade_band_problems, problems
from .selectors.whatif import last_month
from .services.schemes import ITEM_FIELDS

# Keyed by the registry's family codes (registry.FAMILIES).
FAMILY_LABELS = {
    "work_orders": gettext_lazy("Work orders"),
    "voice": gettext_lazy("Customer voice"),
    "facts": gettext_lazy("Facts from other systems"),
    "derived": gettext_lazy("Derived indicators"),
    "goals": gettext_lazy("Goals"),
    "manual": gettext_lazy("Manual ratings"),
}


def plain_number(value):
    """A Decimal as the JSON number a reader expects: 90, not 90.00 or "90"."""
    if value is None:
        return None
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def indicator_choices(indicators: dict) -> list:
    """The catalogue grouped by family, each indicator as 'name · CODE' in the current
    language (the name first, as the scheme pages show it)."""
    language = get_language()
    groups = []
    for family in FAMILIES:
        options = [
            (code, f"{item.name(language)} · {code}")
            for code, item in indicators.items()
            if item.family == family
        ]
        if options:
            groups.append((FAMILY_LABELS.get(family, family), options))
    return [("", _("Choose an indicator"))] + groups


class IndicatorSelect(forms.Select):
    """A select whose options carry what the editor's script needs to know about each
    indicator: its direction, its unit, whether reviewers rate it and whether it can be
    shrunk."""

    def __init__(self, *args, indicators=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = indicators or {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        item = self.indicators.get(value)
        if item is not None:
            option["attrs"].update(
                {
                    "data-direction": item.direction,
                    "data-unit": item.unit,
                    "data-manual": "1" if item.shape == "manual" else "0",
                    "data-shrinkable": "1" if item.shrinkable else "0",
                }
            )
        return option


def _number_input(step="any", size="sm"):
    return forms.NumberInput(
        attrs={"step": step, "inputmode": "decimal", "class": f"form-control form-control-{size}"}
    )


def _select():
    return forms.Select(attrs={"class": "form-select form-select-sm"})


class TemplateItemForm(forms.ModelForm):
    """One item of a draft: scored (weight and rule), bonus, deduction or veto."""

    indicator = forms.ChoiceField(
        label=gettext_lazy("Indicator"),
        error_messages={
            "invalid_choice": gettext_lazy("Unknown indicator %(value)s: choose one from the list.")
        },
    )
    bands = forms.CharField(
        label=gettext_lazy("Bands"),
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 3, "class": "form-control form-control-sm font-monospace", "data-bands": ""}
        ),
        help_text=gettext_lazy(
            'Value ranges and their points, e.g. [{"from": null, "to": 80, "points": 0}, '
            '{"from": 80, "to": null, "points": 100}]; "from" counts in, "to" does not; null is open.'
        ),
    )

    class Meta:
        model = TemplateItem
        fields = ITEM_FIELDS
        widgets = {
            "kind": _select(),
            "rule": _select(),
            "no_data": _select(),
            "basis": _select(),
            "label": forms.TextInput(attrs={"class": "form-control form-control-sm"}),
            "rationale": forms.TextInput(attrs={"class": "form-control form-control-sm"}),
            "weight": _number_input(),
            "target": _number_input(),
            "threshold": _number_input(),
            "cap": _number_input(),
            "shrink_k": _number_input(),
            "points_per_unit": _number_input(),
            "max_points": _number_input(),
        }

    def __init__(self, *args, indicators: dict, **kwargs):
        super().__init__(*args, **kwargs)
        bands = self.initial.get("bands")
        if isinstance(bands, list):
            self.initial["bands"] = json.dumps(bands, ensure_ascii=False) if bands else ""
        if not self.initial.get("weight"):
            # A new row starts blank, so that one left untouched counts as unchanged.
            self.initial["weight"] = None
        self.indicators = indicators
        self.fields["indicator"].choices = indicator_choices(indicators)
        self.fields["indicator"].widget = IndicatorSelect(
            choices=self.fields["indicator"].choices,
            indicators=indicators,
            attrs={"class": "form-select form-select-sm", "data-indicator": ""},
        )
        self.fields["weight"].required = False
        self.fields["weight"].widget.attrs["data-weight"] = ""
        self.fields["kind"].widget.attrs["data-kind"] = ""
        self.fields["rule"].widget.attrs["data-rule"] = ""
        self.fields["cap"].required = False

    def clean_bands(self):
        text = (self.cleaned_data.get("bands") or "").strip()
        if not text:
            return []
        example = _('Write the bands as a list such as [{"from": 80, "to": null, "points": 100}].')
        try:
            rows = json.loads(text)
        except ValueError:
            raise ValidationError(
                _("The bands are not valid JSON. %(example)s") % {"example": example}
            ) from None
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise ValidationError(example)
        bands = []
        for n, row in enumerate(rows, start=1):
            band = {}
            for key in ("from", "to", "points"):
                value = row.get(key)
                if value in (None, "") and key != "points":
                    band[key] = None
                    continue
                try:
                    number = Decimal(str(value))
                    if not number.is_finite():
                        raise InvalidOperation
                except (InvalidOperation, ValueError):
                    raise ValidationError(
                        _("Band %(n)d: '%(field)s' must be a number, not %(value)s.")
                        % {"n": n, "field": key, "value": json.dumps(value, ensure_ascii=False)}
                    ) from None
                band[key] = plain_number(number)
            bands.append(band)
        return bands

    def clean(self):
        data = super().clean()
        scored = data.get("kind") == TemplateItem.Kind.SCORED
        if not scored or data.get("weight") is None:
            data["weight"] = Decimal(0)
        if data.get("cap") is None:
            data["cap"] = Decimal(100)
        if not scored or data.get("rule") != TemplateItem.Rule.BANDS:
            data["bands"] = []
        return data

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        for _n, name, message, _code in problems(
            [self.instance], default_grade_bands(), self.indicators, activating=False
        ):
            self.add_error(name if name in self.fields else None, message)

    def item_fields(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in ITEM_FIELDS}


class BaseItemFormSet(forms.BaseFormSet):
    """The draft's items in order; rows marked for removal and blank new rows are left
    out."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields["DELETE"].label = gettext_lazy("Remove")
        form.fields["DELETE"].widget.attrs.update({"class": "form-check-input", "data-delete": ""})

    def kept_forms(self) -> list[TemplateItemForm]:
        return [
            form
            for form in self.forms
            if not self._should_delete_form(form) and getattr(form, "cleaned_data", None)
        ]

    def items(self) -> list[TemplateItem]:
        """Unsaved TemplateItems, as the draft would hold them."""
        rows = []
        for n, form in enumerate(self.kept_forms()):
            form.instance.order = n
            rows.append(form.instance)
        return rows

    def item_fields(self) -> list[dict]:
        return [form.item_fields() for form in self.kept_forms()]

    def row_errors(self) -> list[tuple[int, str, str]]:
        """(row number, field label, message) of every error, for a summary."""
        found = []
        for n, form in enumerate(self.forms, start=1):
            if self.can_delete and self._should_delete_form(form):
                continue
            for name, messages in form.errors.items():
                label = form.fields[name].label if name in form.fields else ""
                found += [(n, str(label), message) for message in messages]
        return found


ItemFormSet = forms.formset_factory(TemplateItemForm, formset=BaseItemFormSet, extra=0, can_delete=True)


def item_initial(item: TemplateItem) -> dict:
    """A saved item as the editor shows it (95, not 95.0000)."""
    return {
        name: plain_number(value) if isinstance(value, Decimal) else value
        for name, value in ((name, getattr(item, name)) for name in ITEM_FIELDS)
    }


class GradeBandForm(forms.Form):
    grade = forms.CharField(
        label=gettext_lazy("Grade"),
        max_length=10,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm", "size": 4}),
    )
    min = forms.DecimalField(
        label=gettext_lazy("From score"),
        required=False,
        max_digits=6,
        decimal_places=2,
        widget=_number_input(),
    )

    def clean(self):
        data = super().clean()
        if data.get("min") is not None and not (data.get("grade") or "").strip():
            self.add_error("grade", _("Name the grade that starts at this score."))
        return data


class BaseGradeBandFormSet(forms.BaseFormSet):
    """Grades from the best down; the last one has no lower bound (it takes the rest)."""

    def bands(self) -> list[dict]:
        return [
            {"grade": form.cleaned_data["grade"].strip(), "min": plain_number(form.cleaned_data.get("min"))}
            for form in self.forms
            if getattr(form, "cleaned_data", None) and (form.cleaned_data.get("grade") or "").strip()
        ]

    def clean(self):
        if any(self.errors):
            return
        found = grade_band_problems(self.bands())
        if found:
            raise ValidationError(found)


GradeBandFormSet = forms.formset_factory(GradeBandForm, formset=BaseGradeBandFormSet, extra=1)


MIN_DATA_SHARE_RANGE = gettext_lazy("Give a share from 0 to 100.")


class DraftForm(forms.Form):
    """The draft's change note, its minimum share of the weight with data and whether a
    running month is graded (kpi-library.md, Scoring), and the state of the draft the
    editor started from. An empty share leaves the saved one."""

    note = forms.CharField(
        label=gettext_lazy("Change note"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    min_data_share = forms.DecimalField(
        label=gettext_lazy("Minimum weight with data (%)"),
        help_text=gettext_lazy(
            "Below this share of the weighted items' weight with data, a scorecard says "
            '"insufficient data" instead of a score and a grade.'
        ),
        required=False,
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
        error_messages={"min_value": MIN_DATA_SHARE_RANGE, "max_value": MIN_DATA_SHARE_RANGE},
        widget=forms.NumberInput(attrs={"class": "form-control", "step": "any", "min": 0, "max": 100}),
    )
    grade_provisional = forms.BooleanField(
        label=gettext_lazy("Grade a month still running"),
        help_text=gettext_lazy("Off: a running month's scorecards show a provisional score without a grade."),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    stamp = forms.CharField(required=False, widget=forms.HiddenInput)


UNIT_HELP = gettext_lazy(
    "Leave empty for the whole company (HR and administrators only). A template for an org unit "
    "wins over the company-wide one for the people in that unit."
)
OUT_OF_SCOPE_UNIT = gettext_lazy(
    "That org unit is not within your part of the organisation; choose one of the units listed."
)
WHOLE_COMPANY_REFUSED = gettext_lazy(
    "Only HR and administrators may make a template apply to the whole company; choose an org "
    "unit within your part of the organisation."
)


def _unit_field(field: forms.ModelChoiceField, user) -> None:
    """Limit an 'applies within' choice to the user's org units, with errors that say so."""
    field.queryset = visible_org_units(user).order_by("path")
    field.empty_label = _("— the whole company —")
    field.error_messages["invalid_choice"] = OUT_OF_SCOPE_UNIT
    field.help_text = UNIT_HELP


NAME_HELP = gettext_lazy("In the company's language; everyone sees it unless an English name is given.")
NAME_EN_HELP = gettext_lazy("Shown to those who read in English; empty: they see the name.")


class NewTemplateForm(forms.ModelForm):
    """A new template: code, name, position and the org unit it applies in (the whole
    company only for those who see the whole company)."""

    class Meta:
        model = Template
        fields = ["code", "name", "name_en", "position", "org_unit", "rationale", "rationale_en"]
        labels = {
            "name": pgettext_lazy("scheme", "Name"),
            "rationale_en": gettext_lazy("Rationale in English"),
        }
        widgets = {
            "code": forms.TextInput(attrs={"class": "form-control"}),
            "name": forms.TextInput(attrs={"class": "form-control"}),
            "name_en": forms.TextInput(attrs={"class": "form-control", "lang": "en"}),
            "rationale_en": forms.Textarea(attrs={"class": "form-control", "rows": 3, "lang": "en"}),
            "position": forms.Select(attrs={"class": "form-select"}),
            "org_unit": forms.Select(attrs={"class": "form-select"}),
            "rationale": forms.Textarea(attrs={"class": "form-control", "rows": 3}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        _unit_field(self.fields["org_unit"], user)
        self.fields["code"].validators.append(CODE_VALIDATOR)
        self.fields["name"].help_text = NAME_HELP

    def clean_org_unit(self):
        unit = self.cleaned_data.get("org_unit")
        if unit is None and not scope_for(self.user).everything:
            raise ValidationError(WHOLE_COMPANY_REFUSED)
        return unit


class TemplateSettingsForm(forms.Form):
    """A template's name, rationale, what it scores people on and the org unit it applies
    within. The unit is locked (shown, not editable) while a version is active: it decides
    who is scored."""

    name = forms.CharField(
        label=pgettext_lazy("scheme", "Name"),
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control"}),
        error_messages={"required": gettext_lazy("Give the template a name; it cannot be empty.")},
        help_text=NAME_HELP,
    )
    name_en = forms.CharField(
        label=pgettext_lazy("scheme", "English name"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control", "lang": "en"}),
        help_text=NAME_EN_HELP,
    )
    org_unit = forms.ModelChoiceField(
        label=gettext_lazy("Applies within"),
        queryset=None,
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    rationale = forms.CharField(
        label=gettext_lazy("Rationale"),
        required=False,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}),
        help_text=gettext_lazy("Why the template weighs its items as it does."),
    )
    rationale_en = forms.CharField(
        label=gettext_lazy("Rationale in English"),
        required=False,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 3, "lang": "en"}),
        help_text=gettext_lazy("Shown to those who read in English; empty: they see the rationale."),
    )
    # Not sent: unchanged (an older form or client). docs/scoring.md, "Scored on".
    subject = forms.ChoiceField(
        label=gettext_lazy("Scored on"),
        choices=Template.Subject.choices,
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
        help_text=gettext_lazy(
            "Team leads and service managers are usually scored on the results of the unit they "
            "lead: the work-order and customer-voice indicators then come from the unit; facts and "
            "manual ratings stay the person's own. The next recompute follows a change."
        ),
    )

    def __init__(self, *args, template: Template, user, unit_locked_by=None, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "name": template.name,
                "name_en": template.name_en,
                "rationale": template.rationale,
                "rationale_en": template.rationale_en,
                "org_unit": template.org_unit_id,
                "subject": template.subject,
            },
        )
        super().__init__(*args, **kwargs)
        self.template, self.user = template, user
        unit = self.fields["org_unit"]
        _unit_field(unit, user)
        self.unit_locked_by = unit_locked_by
        if unit_locked_by is not None:
            unit.disabled = True
            unit.help_text = _(
                "Version %(number)d is active, so the unit cannot change: it decides who is scored. "
                "To score another unit's people differently, create a new template for that unit."
            ) % {"number": unit_locked_by.number}

    def clean_subject(self):
        return self.cleaned_data.get("subject") or None

    def _unless_missing(self, name):
        # Not sent (an older form or client): None keeps the stored English text.
        return self.cleaned_data.get(name, "") if self.add_prefix(name) in self.data else None

    def clean_name_en(self):
        return self._unless_missing("name_en")

    def clean_rationale_en(self):
        return self._unless_missing("rationale_en")

    def clean(self):
        data = super().clean()
        name = self.add_prefix("org_unit")
        if self.unit_locked_by is not None and name in self.data:
            # A disabled field keeps its value; a request that still sends another unit is
            # told why, not silently ignored.
            if (self.data.get(name) or "") != str(self.template.org_unit_id or ""):
                self.add_error("org_unit", self.fields["org_unit"].help_text)
        elif "org_unit" in data and data["org_unit"] is None and self.template.org_unit_id is not None:
            if not scope_for(self.user).everything:
                self.add_error("org_unit", WHOLE_COMPANY_REFUSED)
        return data


class WhatIfForm(forms.Form):
    """Which draft to try out, over which past month."""

    version = forms.ModelChoiceField(
        label=gettext_lazy("Draft"),
        queryset=None,
        empty_label=None,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    period = forms.CharField(
        label=gettext_lazy("Month"),
        widget=forms.TextInput(attrs={"class": "form-control", "type": "month"}),
    )

    def __init__(self, *args, drafts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = drafts
        self.fields["version"].label_from_instance = lambda v: (
            _("%(template)s — draft v%(number)d")
            % {
                "template": v.template.display_name,
                "number": v.number,
            }
        )

    def clean_period(self):
        code = self.cleaned_data["period"].strip()
        if not MONTH_RE.fullmatch(code):
            raise ValidationError(_("Give a month as YYYY-MM, e.g. %(example)s.") % {"example": last_month()})
        if code > last_month():
            raise ValidationError(
                _("%(month)s has not ended yet; choose %(last)s or an earlier month.")
                % {"month": code, "last": last_month()}
            )
        return code
