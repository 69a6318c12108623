"""Writes for the appraisal-template editor (考核方案): create a template, open a draft,
save a draft's items and grade bands, add or remove one item, discard a draft, install
the default templates and activate a draft. One transaction each.

Who did what is recorded in Django's admin log (`LogEntry`, shown in each object's admin
history): templates have no event table of their own, and the version keeps its
`created_by` and `activated_by`.
"""

import json

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from . import services
from .catalog import catalog
from .defaults import install_default_templates
from .models import Template, TemplateItem, TemplateVersion
from .scoring import problems
from .services import TemplateError

# The TemplateItem fields an editor sets; `version` and `order` come from the draft.
ITEM_FIELDS = (
    "kind",
    "indicator",
    "label",
    "weight",
    "rule",
    "target",
    "threshold",
    "cap",
    "bands",
    "no_data",
    "shrink_k",
    "basis",
    "points_per_unit",
    "max_points",
    "rationale",
)


def _audit(by, obj, flag: int, message) -> None:
    """One admin-log entry: who changed which template or version, and how."""
    if not getattr(by, "is_authenticated", False):
        return
    LogEntry.objects.create(
        user_id=by.pk,
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        action_flag=flag,
        change_message=json.dumps(message) if isinstance(message, list) else message,
    )


def _locked_draft(version: TemplateVersion) -> TemplateVersion:
    """Re-read the version under a lock and refuse anything but a draft: an active or
    retired version never changes (scorecards point at it)."""
    version = TemplateVersion.objects.select_for_update().select_related("template").get(pk=version.pk)
    if version.status != TemplateVersion.Status.DRAFT:
        raise TemplateError(
            [
                (
                    None,
                    "status",
                    _("Version %(number)d is %(status)s, not a draft; only drafts can be edited.")
                    % {"number": version.number, "status": version.get_status_display()},
                )
            ]
        )
    return version


def stamp(version: TemplateVersion) -> str:
    """What an editor sends back to show which state of the draft it started from."""
    return version.modified.isoformat() if version.modified else ""


@transaction.atomic
def create_template(*, code: str, name: str, position: str, org_unit=None, rationale: str = "", by=None):
    """A new template for a position with an empty draft version 1; returns the draft."""
    template = Template.objects.create(
        code=code, name=name, position=position, org_unit=org_unit, rationale=rationale
    )
    _audit(by, template, ADDITION, [{"added": {}}])
    return start_draft(template, by=by)


@transaction.atomic
def start_draft(template: Template, *, by=None, note: str = "") -> TemplateVersion:
    """The template's draft to edit: the existing one, or a new version copied from the
    newest (editing an active template makes version n+1; the active one is untouched)."""
    # Two editors opening the same template at once must not both number a version n+1.
    template = Template.objects.select_for_update().get(pk=template.pk)
    existing = template.versions.filter(status=TemplateVersion.Status.DRAFT).exists()
    draft = services.draft_version(template, by=by, note=note)
    if not existing:
        _audit(by, draft, ADDITION, [{"added": {}}])
    return draft


@transaction.atomic
def save_draft(
    version: TemplateVersion,
    *,
    items: list[dict],
    grade_bands: list[dict],
    note: str | None = None,
    by=None,
    expected_stamp: str | None = None,
) -> TemplateVersion:
    """Replace a draft's items (in the given order) and grade bands. Checked like the
    editor checks them (every rule consistent; the weight sum only at activation); raises
    TemplateError and writes nothing when something is wrong, or when the draft was saved
    by someone else since `expected_stamp`."""
    version = _locked_draft(version)
    if expected_stamp is not None and stamp(version) != expected_stamp:
        raise TemplateError(
            [
                (
                    None,
                    "version",
                    _(
                        "Someone else saved this draft after you opened it; nothing was saved. "
                        "Reload the page to see their changes."
                    ),
                )
            ]
        )
    rows = [TemplateItem(version=version, order=n, **_item_fields(item)) for n, item in enumerate(items)]
    found = problems(rows, grade_bands, catalog(), activating=False)
    if found:
        raise TemplateError(found)
    version.items.all().delete()
    TemplateItem.objects.bulk_create(rows)
    version.grade_bands = grade_bands
    fields = ["grade_bands", "modified"]
    if note is not None:
        version.note = note
        fields.append("note")
    version.save(update_fields=fields)
    _audit(
        by, version, CHANGE, [{"changed": {"fields": ["items", "grade bands"] + (["note"] if note else [])}}]
    )
    return version


def _item_fields(item: dict) -> dict:
    unknown = set(item) - set(ITEM_FIELDS)
    if unknown:
        raise ValueError(f"not template item fields: {', '.join(sorted(unknown))}")
    # An empty weight or cap means the model's default (0 and 100 points).
    fields = {
        name: value for name, value in item.items() if not (value is None and name in ("weight", "cap"))
    }
    if fields.get("kind", TemplateItem.Kind.SCORED) != TemplateItem.Kind.SCORED:
        fields["weight"] = 0  # only scored items carry weight
    return fields


@transaction.atomic
def add_item(version: TemplateVersion, *, by=None, **fields) -> TemplateItem:
    """Append one item to a draft, checked like the editor checks a row."""
    version = _locked_draft(version)
    order = version.items.aggregate(last=Max("order"))["last"]
    item = TemplateItem(version=version, order=0 if order is None else order + 1, **_item_fields(fields))
    found = problems([item], version.grade_bands, catalog(), activating=False)
    if found:
        raise TemplateError(found)
    item.save()
    _audit(by, version, CHANGE, [{"added": {"name": "template item", "object": str(item)}}])
    return item


@transaction.atomic
def remove_item(version: TemplateVersion, item_id: int, *, by=None) -> None:
    """Remove one item from a draft; an item of another version is not found."""
    version = _locked_draft(version)
    item = version.items.get(pk=item_id)
    item.delete()
    _audit(by, version, CHANGE, [{"deleted": {"name": "template item", "object": str(item)}}])


@transaction.atomic
def discard_draft(version: TemplateVersion, *, by=None) -> Template | None:
    """Delete a draft version (the active and retired ones stay); returns its template,
    or None when the template had no other version and went with it."""
    version = _locked_draft(version)
    template = version.template
    _audit(by, version, DELETION, [{"deleted": {}}])
    version.delete()
    if template.versions.exists():
        return template
    _audit(by, template, DELETION, [{"deleted": {}}])
    template.delete()
    return None


@transaction.atomic
def install_defaults(*, by=None) -> list[Template]:
    """Create the default templates that are missing (by code); returns those created."""
    created = install_default_templates()
    for template in created:
        _audit(by, template, ADDITION, [{"added": {}}])
    return created


@transaction.atomic
def save_and_activate(
    version: TemplateVersion, *, items, grade_bands, note=None, by=None, expected_stamp=None
):
    """Save the draft and activate it, all or nothing: when activation is refused (e.g.
    the weights sum to 99.5) the save is undone too and TemplateError says why."""
    version = save_draft(
        version, items=items, grade_bands=grade_bands, note=note, by=by, expected_stamp=expected_stamp
    )
    return activate(version, by=by)


@transaction.atomic
def activate(version: TemplateVersion, *, by=None) -> TemplateVersion:
    """Make a draft the template's active version (weights must sum to exactly 100);
    the previous active version is retired, and scorecards keep the version they used.
    Raises TemplateError with the problems and changes nothing when it is refused."""
    version = services.activate(version, by=by)
    _audit(by, version, CHANGE, [{"changed": {"fields": ["status"]}}])
    return version
