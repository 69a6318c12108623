from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from .kinds import KINDS

KIND_LABELS = {
    "org_units": _("Org units"),
    "employees": _("Employees"),
    "work_orders": _("Work orders"),
    "labour_lines": _("Labour lines"),
    "survey_responses": _("Survey responses"),
    "followups": _("Follow-up calls"),
    "complaints": _("Complaints"),
    "metric_facts": _("Metric facts"),
}


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=[(k, KIND_LABELS[k]) for k in KINDS])
    file = forms.FileField(
        label=_("File (.csv in UTF-8 or .xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _(
                    "The file is %(size)s; the limit is %(limit)s. Split it into smaller files, or ask an "
                    "administrator to load it with the servicescore import command."
                ),
                params={"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
                code="too_large",
            )
        name = upload.name.lower()
        if not (name.endswith(".csv") or name.endswith(".xlsx")):
            raise forms.ValidationError(
                _("%(name)s is neither a .csv nor an .xlsx file."), params={"name": upload.name}, code="type"
            )
        return upload
