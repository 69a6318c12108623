from django import forms
from django.utils.translation import gettext_lazy as _

from .kinds import KINDS
from .limits import FileRefused, check_upload_size

KIND_LABELS = {
    "org_units": _("Org units"),
    "employees": _("Employees"),
    "labour_operations": _("Labour-operation catalogue"),
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
        try:
            check_upload_size(upload.size)
        except FileRefused as refused:
            raise forms.ValidationError(str(refused), code=refused.code) from None
        name = upload.name.lower()
        if not (name.endswith(".csv") or name.endswith(".xlsx")):
            raise forms.ValidationError(
                _("%(name)s is neither a .csv nor an .xlsx file."), params={"name": upload.name}, code="type"
            )
        return upload
