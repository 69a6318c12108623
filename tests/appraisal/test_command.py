"""The command line: `servicescore appraisal install-templates` installs the default
schemes as the operator (their history and the audit trail say so); the old
`servicescore kpi install-templates` still does the same."""

import io

import pytest
from django.core.management import call_command
from django.utils import translation

from servicescore.appraisal.default_schemes import TEMPLATES
from servicescore.appraisal.models import Template, TemplateChange
from servicescore.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    with translation.override("en"):
        call_command(*args, stdout=out)
    return out.getvalue()


def test_appraisal_install_templates_creates_the_missing_defaults_once(network):
    assert run("appraisal", "install-templates").startswith(f"{len(TEMPLATES)} ")
    assert Template.objects.count() == len(TEMPLATES)
    assert TemplateChange.objects.filter(action="defaults_installed", by=None).count() == len(TEMPLATES)
    assert AuditEntry.objects.filter(action="install_default", actor=None).count() == len(TEMPLATES)
    assert run("appraisal", "install-templates").startswith("0 ")


def test_the_old_kpi_install_templates_name_still_works(network):
    assert run("kpi", "install-templates").startswith(f"{len(TEMPLATES)} ")
    assert Template.objects.count() == len(TEMPLATES)
