"""Writes for the schemes (考核方案, the `Template` model): create a scheme, change its
settings (name, rationale, the unit it applies within), open a draft, save a draft's items
and grade bands, add or remove one item, discard a draft, install the default schemes,
activate a draft and retire the active version. One transaction each.

Each records what it did twice in the same transaction: a `TemplateChange` (the scheme's
own timeline, in the scheme's words) and an audit entry (core/audit.py: who, which record,
before → after), so a refused change leaves no trace. Refusals are domain errors
(appraisal/errors.py) that keep their problems for the editor to place.
"""

from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from servicescore.core.audit import audit_record, diff, snapshot
from servicescore.core.errors import CODES, NotFound
from servicescore.kpi.catalog import catalog
from servicescore.org.scope import scope_for, visible_org_units

from ..default_schemes import install_default_templates
from ..errors import (
    ANOTHER_SCHEME_ACTIVE,
    COMPANY_WIDE_SCHEME,
    DRAFT_CHANGED,
    ITEM_NOT_FOUND,
    NAME_MISSING,
    NAME_TOO_LONG,
    SUBJECT_UNKNOWN,
    UNIT_LOCKED,
    UNIT_OUT_OF_SCOPE,
    VERSION_NOT_ACTIVE,
    VERSION_NOT_DRAFT,
    Problem,
    SchemeConflict,
    SchemeInvalid,
    SchemeRefused,
    conflict,
)
from ..models import Template, TemplateChange, TemplateItem, TemplateVersion
from ..policy import scheme_refusal
from ..scoring import problems

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
# The settings of a template and a version an audit entry compares before and after.
TEMPLATE_FIELDS = ("code", "name", "name_en", "position", "org_unit", "rationale", "rationale_en", "subject")
Action = TemplateChange.Action


def _record(action: str, template: Template | None, *, version=None, by=None, **detail) -> TemplateChange:
    """The history row of one change; call it inside the change's transaction."""
    return TemplateChange.objects.create(
        template=template,
        version=version,
        action=action,
        by=by if getattr(by, "is_authenticated", False) else None,
        detail=detail,
    )


def _audit(by, action: str, obj, changes: dict) -> None:
    """The audit entry of one change; call it inside the change's transaction."""
    audit_record(actor=by, action=action, obj=obj, changes=changes)


def _refuse(found: list[Problem]):
    """The error for these problems: a refusal (403) if one is, else a conflict (409) if
    one is, else invalid input (422); each keeps all the problems."""
    statuses = {CODES[problem.code].status if problem.code in CODES else 422 for problem in found}
    if 403 in statuses:
        return SchemeRefused(found)
    if 409 in statuses:
        return SchemeConflict(found)
    return SchemeInvalid(found)


def _number(value):
    """A figure as JSON keeps it readably: 30, not "30.00"; None stays None."""
    if value is None or value == "":
        return None
    number = Decimal(str(value))
    return int(number) if number == number.to_integral_value() else float(number)


def _unit_ref(unit) -> dict | None:
    """An org unit as the history keeps it: its name then, even if renamed since."""
    return None if unit is None else {"id": unit.pk, "code": unit.code, "name": unit.name}


def _lock_template(template_id: int) -> Template:
    """The template row, locked: settings changes and activations of one template queue
    behind each other, so a unit never changes under an activation."""
    return Template.objects.select_for_update(of=("self",)).select_related("org_unit").get(pk=template_id)


def _locked_draft(version: TemplateVersion) -> TemplateVersion:
    """Re-read the version under a lock and refuse anything but a draft: an active or
    retired version never changes (scorecards point at it)."""
    version = TemplateVersion.objects.select_for_update().select_related("template").get(pk=version.pk)
    if version.status != TemplateVersion.Status.DRAFT:
        raise conflict(
            "status",
            _("Version %(number)d is %(status)s, not a draft; only drafts can be edited.")
            % {"number": version.number, "status": version.get_status_display()},
            VERSION_NOT_DRAFT,
        )
    return version


def _require_rights(template: Template, by) -> None:
    """SchemeRefused (on the template's unit) unless `by` may act on `template`
    (appraisal/policy.py)."""
    refusal = scheme_refusal(template.org_unit, by)
    if refusal is not None:
        raise refusal


def stamp(version: TemplateVersion) -> str:
    """What an editor sends back to show which state of the draft it started from."""
    return version.modified.isoformat() if version.modified else ""


@transaction.atomic
def create_template(
    *,
    code: str,
    name: str,
    position: str,
    org_unit=None,
    rationale: str = "",
    name_en: str = "",
    rationale_en: str = "",
    by=None,
):
    """A new template for a position with an empty draft version 1; returns the draft.
    `name` and `rationale` are in the company's language, the `_en` ones for English
    readers (optional)."""
    refusal = scheme_refusal(org_unit, by)
    if refusal is not None:
        raise refusal
    template = Template.objects.create(
        code=code,
        name=name,
        name_en=(name_en or "").strip(),
        position=position,
        org_unit=org_unit,
        rationale=rationale,
        rationale_en=(rationale_en or "").strip(),
    )
    draft = _draft_version(template, by=by)
    _audit(by, "create", template, diff({}, snapshot(template, TEMPLATE_FIELDS)))
    _record(
        Action.CREATED,
        template,
        version=draft,
        by=by,
        code=code,
        name=name,
        position=position,
        org_unit=_unit_ref(org_unit),
        version_number=draft.number,
    )
    return draft


def unit_problem(template: Template, org_unit, *, by=None) -> Problem | None:
    """Why `template` may not be moved to apply within `org_unit` (None: the whole
    company), or None when it may. It decides who is scored, so it changes only while no
    version is active; the unit must be in the editor's scope (the whole company only for
    those who see the whole company); and it must not collide with a template already
    active for the same position and unit, which activation would refuse anyway."""
    active = template.versions.filter(status=TemplateVersion.Status.ACTIVE).first()
    if active is not None:
        return Problem(
            None,
            "org_unit",
            _(
                "Version %(number)d of this template is active, and the unit it applies within decides "
                "who is scored by it, so it cannot change now. To score another unit's people "
                "differently, create a new template for that unit."
            )
            % {"number": active.number},
            UNIT_LOCKED,
        )
    if getattr(by, "is_authenticated", False):
        if org_unit is None and not scope_for(by).everything:
            return Problem(
                None,
                "org_unit",
                _(
                    "Only HR and administrators may make a template apply to the whole company; choose "
                    "an org unit within your part of the organisation."
                ),
                COMPANY_WIDE_SCHEME,
            )
        if org_unit is not None and not visible_org_units(by).filter(pk=org_unit.pk).exists():
            return Problem(
                None,
                "org_unit",
                _("%(unit)s is outside your part of the organisation; choose a unit within it.")
                % {"unit": org_unit.name},
                UNIT_OUT_OF_SCOPE,
            )
    other = (
        Template.objects.filter(
            position=template.position,
            org_unit=org_unit,
            versions__status=TemplateVersion.Status.ACTIVE,
        )
        .exclude(pk=template.pk)
        .first()
    )
    if other is not None:
        where = org_unit.name if org_unit is not None else _("the whole company")
        return Problem(
            None,
            "org_unit",
            _(
                "%(other)s is already active for this position within %(where)s; two templates for "
                "the same position and unit cannot both be active. Edit %(other)s instead, or choose "
                "another unit."
            )
            % {"other": other.name, "where": where},
            ANOTHER_SCHEME_ACTIVE,
        )
    return None


@transaction.atomic
def change_settings(
    template: Template,
    *,
    name: str,
    rationale: str,
    org_unit=None,
    subject: str | None = None,
    name_en: str | None = None,
    rationale_en: str | None = None,
    by=None,
) -> TemplateChange | None:
    """Rename a template, rewrite its rationale, set what it scores people on (`subject`:
    their own records or their unit's results; None keeps it; the next recompute follows)
    or, while none of its versions is active, change the org unit it applies within (see
    `unit_problem`). `name_en` and `rationale_en` (for English readers; None keeps them)
    beside the name and rationale in the company's language. Raises a domain error and
    writes nothing when refused; returns the history row, or None when nothing changed."""
    template = _lock_template(template.pk)
    _require_rights(template, by)
    name, rationale = (name or "").strip(), (rationale or "").strip()
    found = []
    if not name:
        found.append(Problem(None, "name", _("Give the template a name; it cannot be empty."), NAME_MISSING))
    elif len(name) > Template._meta.get_field("name").max_length:
        found.append(Problem(None, "name", _("The name is too long: at most 200 characters."), NAME_TOO_LONG))
    if name_en is not None:
        name_en = name_en.strip()
        if len(name_en) > Template._meta.get_field("name_en").max_length:
            found.append(
                Problem(None, "name_en", _("The name is too long: at most 200 characters."), NAME_TOO_LONG)
            )
    if subject is not None and subject not in Template.Subject.values:
        found.append(
            Problem(
                None,
                "subject",
                _("Choose whether the template scores people on their own records or on their unit's."),
                SUBJECT_UNKNOWN,
            )
        )
    unit_id = org_unit.pk if org_unit is not None else None
    if unit_id != template.org_unit_id:
        problem = unit_problem(template, org_unit, by=by)
        if problem:
            found.append(problem)
    if found:
        raise _refuse(found)
    before = snapshot(template, TEMPLATE_FIELDS)
    changes, fields = {}, []
    if name != template.name:
        changes["name"] = {"before": template.name, "after": name}
        template.name = name
        fields.append("name")
    if rationale != template.rationale.strip():
        changes["rationale"] = {"before": template.rationale, "after": rationale}
        template.rationale = rationale
        fields.append("rationale")
    for field, value in (("name_en", name_en), ("rationale_en", rationale_en)):
        value = None if value is None else value.strip()
        if value is not None and value != getattr(template, field).strip():
            changes[field] = {"before": getattr(template, field), "after": value}
            setattr(template, field, value)
            fields.append(field)
    if subject is not None and subject != template.subject:
        changes["subject"] = {"before": template.subject, "after": subject}
        template.subject = subject
        fields.append("subject")
    if unit_id != template.org_unit_id:
        changes["org_unit"] = {"before": _unit_ref(template.org_unit), "after": _unit_ref(org_unit)}
        template.org_unit = org_unit
        fields.append("org_unit")
    if not changes:
        return None
    template.save(update_fields=fields + ["modified"])
    _audit(by, "update", template, diff(before, snapshot(template, TEMPLATE_FIELDS)))
    return _record(Action.SETTINGS_CHANGED, template, by=by, **changes)


@transaction.atomic
def start_draft(template: Template, *, by=None, note: str = "") -> TemplateVersion:
    """The template's draft to edit: the existing one, or a new version copied from the
    newest (editing an active template makes version n+1; the active one is untouched)."""
    # Two editors opening the same template at once must not both number a version n+1.
    template = _lock_template(template.pk)
    _require_rights(template, by)
    existing = template.versions.filter(status=TemplateVersion.Status.DRAFT).exists()
    draft = _draft_version(template, by=by, note=note)
    if not existing:
        source = template.versions.exclude(pk=draft.pk).order_by("-number").first()
        _audit(
            by,
            "start_draft",
            draft,
            {"number": [None, draft.number], "copied_from": [None, source.number if source else None]},
        )
        _record(
            Action.DRAFT_STARTED,
            template,
            version=draft,
            by=by,
            version_number=draft.number,
            copied_from=source.number if source else None,
        )
    return draft


def _item_key_counts(items) -> list[tuple]:
    """(kind, indicator, n) per item: the n-th item of that kind and indicator, so two
    lines of one indicator are told apart when comparing two states of a draft."""
    seen: dict[tuple, int] = {}
    keys = []
    for item in items:
        key = (item.kind, item.indicator)
        seen[key] = seen.get(key, 0) + 1
        keys.append((*key, seen[key]))
    return keys


def _item_state(item: TemplateItem) -> dict:
    """An item's settings as comparable JSON values (95, not 95.0000)."""
    state = {}
    for name in ITEM_FIELDS:
        value = getattr(item, name)
        if name == "bands":
            value = [
                {k: _number(v) if k in ("from", "to", "points") else v for k, v in b.items()}
                for b in value or []
            ]
        elif isinstance(value, (Decimal, int, float)) and not isinstance(value, bool):
            value = _number(value)
        state[name] = value
    return state


def _weights(items) -> list[dict]:
    return [
        {"indicator": item.indicator, "weight": _number(item.weight)}
        for item in items
        if item.kind == TemplateItem.Kind.SCORED
    ]


def _weight_sum(items):
    return _number(
        sum((Decimal(str(i.weight or 0)) for i in items if i.kind == TemplateItem.Kind.SCORED), Decimal(0))
    )


def _item_changes(before: list[TemplateItem], after: list[TemplateItem]) -> dict:
    """What a save did to the items: the scored weights before and after, and which items
    were added, removed or changed (with the names of the changed settings)."""
    old = dict(zip(_item_key_counts(before), before, strict=True))
    new = dict(zip(_item_key_counts(after), after, strict=True))

    def ref(key):
        return {"indicator": key[1], "kind": key[0]}

    changed = []
    for key in new:
        if key in old:
            was, now = _item_state(old[key]), _item_state(new[key])
            fields = [name for name in ITEM_FIELDS if was[name] != now[name]]
            if fields:
                changed.append({**ref(key), "fields": fields})
    return {
        "weights": {"before": _weights(before), "after": _weights(after)},
        "weight_sum": {"before": _weight_sum(before), "after": _weight_sum(after)},
        "added": [ref(key) for key in new if key not in old],
        "removed": [ref(key) for key in old if key not in new],
        "changed": changed,
    }


@transaction.atomic
def save_draft(
    version: TemplateVersion,
    *,
    items: list[dict],
    grade_bands: list[dict],
    note: str | None = None,
    min_data_share=None,
    grade_provisional: bool | None = None,
    by=None,
    expected_stamp: str | None = None,
) -> TemplateVersion:
    """Replace a draft's items (in the given order) and grade bands, and set its minimum
    share of the weight with data (0–100 %) and whether a running month is graded (None:
    unchanged). Checked like the editor checks them (every rule consistent; the weight sum
    only at activation); raises a domain error and writes nothing when something is wrong,
    or when the draft was saved by someone else since `expected_stamp`."""
    min_data_share = _min_data_share(min_data_share)
    version = _locked_draft(version)
    _require_rights(version.template, by)
    if expected_stamp is not None and stamp(version) != expected_stamp:
        raise conflict(
            "version",
            _(
                "Someone else saved this draft after you opened it; nothing was saved. "
                "Reload the page to see their changes."
            ),
            DRAFT_CHANGED,
        )
    rows = [TemplateItem(version=version, order=n, **_item_fields(item)) for n, item in enumerate(items)]
    found = problems(rows, grade_bands, catalog(), activating=False)
    if found:
        raise SchemeInvalid(found)
    before = list(version.items.all())
    audited = {
        "items": [[_item_state(item) for item in before], [_item_state(item) for item in rows]],
        "grade_bands": [version.grade_bands, grade_bands],
        "note": [version.note, version.note if note is None else note],
        "min_data_share": [
            _number(version.min_data_share),
            _number(version.min_data_share if min_data_share is None else min_data_share),
        ],
        "grade_provisional": [
            version.grade_provisional,
            version.grade_provisional if grade_provisional is None else grade_provisional,
        ],
    }
    detail = {"version_number": version.number, **_item_changes(before, rows)}
    if grade_bands != version.grade_bands:
        detail["grade_bands"] = {"before": version.grade_bands, "after": grade_bands}
    if note is not None and note != version.note:
        detail["note"] = {"before": version.note, "after": note}
    for name in ("min_data_share", "grade_provisional"):
        if audited[name][0] != audited[name][1]:
            detail[name] = {"before": audited[name][0], "after": audited[name][1]}
    version.items.all().delete()
    TemplateItem.objects.bulk_create(rows)
    version.grade_bands = grade_bands
    fields = ["grade_bands", "modified"]
    if note is not None:
        version.note = note
        fields.append("note")
    if min_data_share is not None:
        version.min_data_share = min_data_share
        fields.append("min_data_share")
    if grade_provisional is not None:
        version.grade_provisional = bool(grade_provisional)
        fields.append("grade_provisional")
    version.save(update_fields=fields)
    _audit(by, "save_draft", version, {name: pair for name, pair in audited.items() if pair[0] != pair[1]})
    _record(Action.DRAFT_SAVED, version.template, version=version, by=by, **detail)
    return version


def _min_data_share(value) -> Decimal | None:
    """The minimum share of the weight with data as a Decimal % (None: unchanged);
    SchemeInvalid (min_data_share_out_of_range) unless a number from 0 to 100."""
    if value is None or value == "":
        return None
    try:
        share = Decimal(str(value))
    except ArithmeticError:
        share = None
    if share is None or not share.is_finite() or not (0 <= share <= 100):
        raise SchemeInvalid(
            [
                Problem(
                    None,
                    "min_data_share",
                    _("The minimum share of the weight with data must be from 0 to 100, not %(value)s.")
                    % {"value": value},
                    "min_data_share_out_of_range",
                )
            ]
        )
    return share.quantize(Decimal("0.01"))


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


def _item_ref(item: TemplateItem) -> dict:
    return {"indicator": item.indicator, "kind": item.kind, "weight": _number(item.weight)}


@transaction.atomic
def add_item(version: TemplateVersion, *, by=None, **fields) -> TemplateItem:
    """Append one item to a draft, checked like the editor checks a row."""
    version = _locked_draft(version)
    _require_rights(version.template, by)
    order = version.items.aggregate(last=Max("order"))["last"]
    item = TemplateItem(version=version, order=0 if order is None else order + 1, **_item_fields(fields))
    found = problems([item], version.grade_bands, catalog(), activating=False)
    if found:
        raise SchemeInvalid(found)
    item.save()
    _audit(by, "add_item", version, {"item": [None, {"id": item.pk, **_item_state(item)}]})
    _record(
        Action.ITEM_ADDED,
        version.template,
        version=version,
        by=by,
        version_number=version.number,
        item=_item_ref(item),
    )
    return item


@transaction.atomic
def remove_item(version: TemplateVersion, item_id: int, *, by=None) -> None:
    """Remove one item from a draft; an item of another version is not found (NotFound)."""
    version = _locked_draft(version)
    _require_rights(version.template, by)
    item = version.items.filter(pk=item_id).first()
    if item is None:
        raise NotFound(_("No such item on this draft."), code=ITEM_NOT_FOUND, field="item")
    _audit(by, "remove_item", version, {"item": [{"id": item.pk, **_item_state(item)}, None]})
    item.delete()
    _record(
        Action.ITEM_REMOVED,
        version.template,
        version=version,
        by=by,
        version_number=version.number,
        item=_item_ref(item),
    )


@transaction.atomic
def discard_draft(version: TemplateVersion, *, by=None) -> Template | None:
    """Delete a draft version (the active and retired ones stay); returns its template,
    or None when the template had no other version and went with it. The history row
    stays either way, naming the template by code and name."""
    version = _locked_draft(version)
    template = version.template
    _require_rights(template, by)
    number = version.number
    _audit(by, "discard", version, {"status": [version.status, None], "number": [number, None]})
    version.delete()
    kept = template.versions.exists()
    _record(
        Action.DISCARDED,
        template,
        by=by,
        version_number=number,
        code=template.code,
        name=template.name,
        template_deleted=not kept,
    )
    if kept:
        return template
    template.delete()
    return None


@transaction.atomic
def retire(version: TemplateVersion, *, by=None) -> TemplateVersion:
    """Take an active version out of use without a successor: nobody is scored by the
    template from the next recompute on, finished months keep their scorecards, and
    another template may then be activated for the same position and unit."""
    template = _lock_template(version.template_id)
    _require_rights(template, by)
    version = TemplateVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != TemplateVersion.Status.ACTIVE:
        raise conflict(
            "status",
            _("Only the active version can be retired; version %(number)d is %(status)s.")
            % {"number": version.number, "status": version.get_status_display()},
            VERSION_NOT_ACTIVE,
        )
    version.status = TemplateVersion.Status.RETIRED
    version.save(update_fields=["status", "modified"])
    _audit(by, "retire", version, {"status": [TemplateVersion.Status.ACTIVE, TemplateVersion.Status.RETIRED]})
    _record(Action.RETIRED, template, version=version, by=by, version_number=version.number)
    return version


@transaction.atomic
def install_defaults(*, by=None) -> list[Template]:
    """Create the default templates that are missing (by code); returns those created.
    They apply to the whole company, so only HR and administrators install them."""
    refusal = scheme_refusal(None, by)
    if refusal is not None:
        raise refusal
    created = install_default_templates()
    versions = {
        v.template_id: v for v in TemplateVersion.objects.filter(template__in=[t.pk for t in created])
    }
    for template in created:
        version = versions.get(template.pk)
        _audit(
            by,
            "install_default",
            template,
            diff({}, snapshot(template, TEMPLATE_FIELDS))
            | {"status": [None, version.status if version else None]},
        )
        _record(
            Action.DEFAULTS_INSTALLED,
            template,
            version=version,
            by=by,
            code=template.code,
            name=template.name,
            position=template.position,
            version_number=version.number if version else None,
            status=version.status if version else None,
        )
    return created


@transaction.atomic
def save_and_activate(
    version: TemplateVersion,
    *,
    items,
    grade_bands,
    note=None,
    min_data_share=None,
    grade_provisional=None,
    by=None,
    expected_stamp=None,
):
    """Save the draft and activate it, all or nothing: when activation is refused (e.g.
    the weights sum to 99.5) the save is undone too and the error says why."""
    _require_rights(_lock_template(version.template_id), by)
    version = save_draft(
        version,
        items=items,
        grade_bands=grade_bands,
        note=note,
        min_data_share=min_data_share,
        grade_provisional=grade_provisional,
        by=by,
        expected_stamp=expected_stamp,
    )
    return activate(version, by=by)


@transaction.atomic
def activate(version: TemplateVersion, *, by=None) -> TemplateVersion:
    """Make a draft the template's active version (weights must sum to exactly 100);
    the previous active version is retired, and scorecards keep the version they used.
    Raises a domain error with the problems and changes nothing when it is refused."""
    template = _lock_template(version.template_id)
    _require_rights(template, by)
    retiring = template.versions.filter(status=TemplateVersion.Status.ACTIVE).first()
    version = _activate(version, by=by)
    _audit(
        by,
        "activate",
        version,
        {
            "status": [TemplateVersion.Status.DRAFT, TemplateVersion.Status.ACTIVE],
            "replaced_version": [retiring.number if retiring else None, None],
        },
    )
    _record(
        Action.ACTIVATED,
        template,
        version=version,
        by=by,
        version_number=version.number,
        retired_version=retiring.number if retiring else None,
        weight_sum=_weight_sum(version.items.all()),
        org_unit=_unit_ref(template.org_unit),
    )
    return version


# --- the unchecked steps the services above take ---------------------------------------------


def _copy_items(source: TemplateVersion, target: TemplateVersion) -> None:
    TemplateItem.objects.bulk_create(
        [
            TemplateItem(
                **{
                    f.attname: getattr(item, f.attname)
                    for f in TemplateItem._meta.concrete_fields
                    if f.attname not in ("id", "version_id")
                },
                version=target,
            )
            for item in source.items.all()
        ]
    )


def _draft_version(template: Template, *, by=None, note: str = "") -> TemplateVersion:
    """The template's draft to edit: the existing draft, or a copy of the newest version
    (editing an active template makes a new version; the active one stays as it was).
    Unchecked: `start_draft` and `create_template` check the rights and record it."""
    Template.objects.select_for_update().filter(pk=template.pk).first()  # two editors: one number each
    draft = template.versions.filter(status=TemplateVersion.Status.DRAFT).order_by("-number").first()
    if draft:
        return draft
    newest = template.versions.order_by("-number").first()
    draft = TemplateVersion.objects.create(
        template=template,
        number=(newest.number + 1) if newest else 1,
        created_by=by,
        note=note,
        grade_bands=newest.grade_bands
        if newest
        else TemplateVersion._meta.get_field("grade_bands").get_default(),
        # the minimum data settings carry over like the items and the bands
        **(
            {"min_data_share": newest.min_data_share, "grade_provisional": newest.grade_provisional}
            if newest
            else {}
        ),
    )
    if newest:
        _copy_items(newest, draft)
    return draft


def _activate(version: TemplateVersion, *, by=None) -> TemplateVersion:
    """Make a draft the template's active version, after checking it (weights sum to
    exactly 100, rules consistent); the previous active version is retired. Scorecards
    already made keep the version they used. The rights are `activate`'s to check."""
    version = TemplateVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != TemplateVersion.Status.DRAFT:
        raise conflict(
            "status",
            _("Only a draft can be activated; this version is %(status)s.")
            % {"status": version.get_status_display()},
            VERSION_NOT_DRAFT,
        )
    # Activations of one position's templates queue here, so two templates cannot both
    # become active for the same position and unit.
    list(Template.objects.select_for_update().filter(position=version.template.position).values_list("pk"))
    found = problems(list(version.items.all()), version.grade_bands, catalog(manual=False))
    other = (
        TemplateVersion.objects.filter(
            status=TemplateVersion.Status.ACTIVE,
            template__position=version.template.position,
            template__org_unit=version.template.org_unit,
        )
        .exclude(template=version.template)
        .select_related("template")
        .first()
    )
    if other:
        found.append(
            Problem(
                None,
                "template",
                _(
                    "%(other)s is already active for this position here: retire it on its page "
                    "first, edit its draft instead, or give this template another unit."
                )
                % {"other": other.template.name},
                ANOTHER_SCHEME_ACTIVE,
            )
        )
    if found:
        raise _refuse(found)
    version.template.versions.filter(status=TemplateVersion.Status.ACTIVE).update(
        status=TemplateVersion.Status.RETIRED
    )
    version.status = TemplateVersion.Status.ACTIVE
    version.activated_at = timezone.now()
    version.activated_by = by
    version.save(update_fields=["status", "activated_at", "activated_by", "modified"])
    return version
