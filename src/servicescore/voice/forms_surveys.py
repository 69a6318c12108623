"""The survey template editor's forms: the template's fields and one row per question.
They only parse; voice/services/surveys.py checks everything and names the field at fault."""

from django import forms
from django.forms import BaseFormSet, formset_factory
from django.utils.translation import gettext_lazy as _

from servicescore.workorders.models import WorkOrderType

from .models import SurveyQuestion, SurveyTemplate


class StyledForm(forms.Form):
    """Tabler's classes on every widget."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class SurveyTemplateForm(StyledForm):
    name = forms.CharField(label=_("Name (Chinese)"), max_length=200, required=False)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200, required=False)
    work_order_type = forms.ChoiceField(
        label=_("For work orders of type"),
        choices=[("", _("Every type (the default)")), *WorkOrderType.choices],
        required=False,
    )
    intro = forms.CharField(
        label=_("Introduction (Chinese)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    intro_en = forms.CharField(
        label=_("Introduction (English)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    @classmethod
    def initial_of(cls, template: SurveyTemplate) -> dict:
        return {name: getattr(template, name) for name in cls.base_fields}


def choices_text(choices: list) -> str:
    """The editor's text for a question's choices: one per line, `value | 中文 | English`."""
    return "\n".join(
        " | ".join(part for part in (c.get("value", ""), c.get("label", ""), c.get("label_en", "")) if part)
        for c in choices or []
    )


def parse_choices(text: str) -> list[dict]:
    choices = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        parts += [""] * (3 - len(parts))
        choices.append({"value": parts[0], "label": parts[1], "label_en": parts[2]})
    return choices


class SurveyQuestionForm(StyledForm):
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=999, required=False)
    code = forms.CharField(label=_("Code"), max_length=40, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=SurveyQuestion.Kind.choices, required=False)
    text = forms.CharField(label=_("Question (Chinese)"), max_length=300, required=False)
    text_en = forms.CharField(label=_("Question (English)"), max_length=300, required=False)
    required = forms.BooleanField(label=_("Required"), required=False)
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        help_text=_("Single choice only: one per line, value | Chinese | English."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    @property
    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not (data.get("code") or data.get("text") or data.get("text_en") or data.get("choices"))

    def question(self) -> dict:
        data = self.cleaned_data
        return {
            "order": data.get("order"),
            "code": data.get("code", ""),
            "kind": data.get("kind", ""),
            "text": data.get("text", ""),
            "text_en": data.get("text_en", ""),
            "required": data.get("required", False),
            "choices": parse_choices(data.get("choices", "")),
        }

    @staticmethod
    def initial_of(question: SurveyQuestion) -> dict:
        return {
            "order": question.order,
            "code": question.code,
            "kind": question.kind,
            "text": question.text,
            "text_en": question.text_en,
            "required": question.required,
            "choices": choices_text(question.choices),
        }


class BaseSurveyQuestionFormSet(BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs["class"] = "form-check-input"


SurveyQuestionFormSet = formset_factory(
    SurveyQuestionForm, formset=BaseSurveyQuestionFormSet, extra=2, can_delete=True, max_num=50
)
