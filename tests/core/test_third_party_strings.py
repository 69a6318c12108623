"""The third-party strings our catalogue translates (core/third_party_strings.py) are exactly
those django-axes shows in the admin, so an upgrade that renames one shows up here."""

import ast
from pathlib import Path

import axes
import pytest
from django.apps import apps
from django.contrib import admin
from django.utils import translation

from servicescore.core.third_party_strings import AXES


def axes_msgids() -> set[str]:
    """The literal strings django-axes passes to gettext in its models and admin."""
    found = set()
    for name in ("models.py", "admin.py"):
        tree = ast.parse((Path(axes.__file__).parent / name).read_text())
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "_"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found.add(node.args[0].value)
    return found


def test_every_string_django_axes_translates_is_listed_for_our_catalogue():
    # "Yes" and "No" (its locked-out filter) are Django's own, already translated.
    assert axes_msgids() - {"Yes", "No"} == set(AXES)


@pytest.mark.django_db
def test_the_access_attempts_columns_and_the_app_have_translatable_labels():
    from axes.models import AccessAttempt

    model_admin = admin.site._registry[AccessAttempt]
    with translation.override("en"):
        assert str(model_admin.status.short_description) == "Status"
        assert str(model_admin.expiration.short_description) == "Expires At"
        assert str(apps.get_app_config("axes").verbose_name) == "Login throttling"
