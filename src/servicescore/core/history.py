"""A record's audit trail in words: who changed it, when, from where, old → new, why, in
the reader's language (field names and choice values as the model labels them). Read by
the admin's history page and the employee profile; the caller checks that the user may see
the record."""

from dataclasses import dataclass, field

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext_lazy as _

from .audit import history_of
from .roles import Role

HISTORY_LIMIT = 200
# Who reads a person's record history on their profile (the admin has its own rules).
PROFILE_HISTORY_ROLES = {Role.HR, Role.ADMIN, Role.AUDITOR, Role.SERVICE_MANAGER}
PROFILE_HISTORY_LIMIT = 20

ACTION_LABELS = {
    "create": _("created"),
    "update": _("changed"),
    "delete": _("deleted"),
    "password": _("password changed"),
    "password_change": _("password changed"),
    "edit": _("edited"),
}
CHANNEL_LABELS = {
    "web": _("web page"),
    "api": _("API"),
    "admin": _("admin"),
    "import": _("import"),
    "cli": _("command line"),
}
# Other apps' words for their own records, registered in their AppConfig.ready(): the verbs of
# their services ("dispatch") and what they record beside a model's fields ("labour_line").
_MODEL_ACTIONS: dict[type, dict] = {}
_MODEL_CHANGES: dict[type, dict] = {}
_MODEL_VALUES: dict[type, dict] = {}


def register_history_labels(
    model, *, actions: dict | None = None, changes: dict | None = None, values: dict | None = None
) -> None:
    """How the history of `model` names its actions, its non-field change keys and their
    coded values ({key: {code: label}})."""
    _MODEL_ACTIONS.setdefault(model, {}).update(actions or {})
    _MODEL_CHANGES.setdefault(model, {}).update(changes or {})
    _MODEL_VALUES.setdefault(model, {}).update(values or {})


def action_in_words(entry) -> str:
    """An entry's action as its record's app names it, else in the generic words."""
    return _action(entry.content_type.model_class(), entry.action)


def _action(model, action: str) -> str:
    label = _MODEL_ACTIONS.get(model, {}).get(action) or ACTION_LABELS.get(action, action)
    return str(label)


# How the password is recorded (never its hash).
PASSWORD_STATES = {"set": _("set"), "changed": _("changed"), "disabled": _("disabled")}


@dataclass
class Change:
    label: str
    old: str
    new: str
    lang: str = ""  # the values' language when it is fixed (a name's English twin): "en"
    # A record kept whole (a scheme's or survey's items as they were): data, shown as such.
    data: bool = False


@dataclass
class HistoryRow:
    entry: object
    action: str
    channel: str
    changes: list[Change] = field(default_factory=list)


def _field(model, name):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _related_names(model, entries) -> dict:
    """{(field name, id): text} for the foreign keys the entries mention: one query per
    related model, however many entries."""
    wanted: dict[str, set] = {}
    for entry in entries:
        for name, pair in (entry.changes or {}).items():
            db_field = _field(model, name)
            if isinstance(db_field, models.ForeignKey) and isinstance(pair, list):
                wanted.setdefault(name, set()).update(v for v in pair if v not in (None, ""))
    names = {}
    for name, ids in wanted.items():
        related = _field(model, name).related_model
        for obj in related._default_manager.filter(pk__in=ids):
            names[(name, obj.pk)] = str(obj)
    return names


def _text(model, name, value, related) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if name == "password":
        return str(PASSWORD_STATES.get(value, value))
    coded = _MODEL_VALUES.get(model, {}).get(name)
    if coded is not None and isinstance(value, str):
        return str(coded.get(value, value))
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, list):
        return "; ".join(_record(item, model) if isinstance(item, dict) else str(item) for item in value)
    if isinstance(value, dict):
        return _record(value, model)
    db_field = _field(model, name)
    if isinstance(db_field, models.ForeignKey):
        return related.get((name, value), f"#{value}")
    if db_field is not None and db_field.choices:
        return str(dict(db_field.flatchoices).get(value, value))
    return str(value)


def _record(value: dict, model=None) -> str:
    """A record kept whole (a scheme's item as it was, a score with its grade): its values in
    the order kept, each after its name — the model's label for a key that is one of its
    fields or registered changes ("最终得分 71.2, 等级 C"), else the key."""
    return ", ".join(
        f"{_label(model, key) if model is not None else key} {item}"
        for key, item in value.items()
        if item not in (None, "", [], {})
    )


def _is_record(value) -> bool:
    return isinstance(value, dict) or (isinstance(value, list) and any(isinstance(v, dict) for v in value))


def _label(model, name) -> str:
    if name == "password":
        return str(_("password"))
    if name in _MODEL_CHANGES.get(model, {}):
        return str(_MODEL_CHANGES[model][name])
    db_field = _field(model, name)
    return str(getattr(db_field, "verbose_name", name))


def _is_phone(name: str) -> bool:
    return name == "phone" or name.endswith("_phone")


def masked_changes(changes: dict, user) -> dict:
    """`changes` as `user` may read them: phone numbers masked (138****5678) for the roles
    that do not see them in full elsewhere (core.roles.can_see_full_phone)."""
    from servicescore.core.phones import mask_phone

    from .roles import can_see_full_phone

    if user is None or can_see_full_phone(user) or not isinstance(changes, dict):
        return changes
    return {
        name: [mask_phone(v) if isinstance(v, str) else v for v in pair]
        if _is_phone(name) and isinstance(pair, list)
        else pair
        for name, pair in changes.items()
    }


def changes_in_words(entry, user=None) -> list[Change]:
    """One entry's changes in words, as `user` may read them (the admin's entry page)."""
    model = entry.content_type.model_class()
    changes = masked_changes(entry.changes, user)
    if model is None or not isinstance(changes, dict):
        return []
    entry.changes = changes
    return _changes(model, entry, _related_names(model, [entry]))


def _changes(model, entry, related) -> list[Change]:
    return [
        Change(
            _label(model, name),
            _text(model, name, pair[0], related),
            _text(model, name, pair[1], related),
            # A field kept in English whatever the reader's language (Template.name_en):
            # marked so that screen readers, and the role walk's check for English left
            # in the Chinese UI, know it is English on purpose.
            "en" if name.endswith("_en") else "",
            _is_record(pair[0]) or _is_record(pair[1]),
        )
        for name, pair in sorted((entry.changes or {}).items())
        if isinstance(pair, list) and len(pair) == 2
    ]


def history_rows(obj: models.Model, limit: int = HISTORY_LIMIT, *, user=None) -> list[HistoryRow]:
    """The newest `limit` audit entries of `obj`, each with its changes in words, as `user`
    may read them (phones masked for roles that do not see them)."""
    model = type(obj)
    entries = list(history_of(obj)[:limit])
    for entry in entries:
        entry.changes = masked_changes(entry.changes, user)
    related = _related_names(model, entries)
    rows = []
    for entry in entries:
        changes = _changes(model, entry, related)
        rows.append(
            HistoryRow(
                entry=entry,
                action=_action(model, entry.action),
                channel=str(CHANNEL_LABELS.get(entry.channel, entry.channel)),
                changes=changes,
            )
        )
    return rows


def entries_in_words(entries, *, user=None) -> list[HistoryRow]:
    """Entries of any records (the audit page), each with its changes in words as `user` may
    read them: one query per related model the changes name, however many entries."""
    entries = list(entries)
    by_model: dict = {}
    for entry in entries:
        entry.changes = masked_changes(entry.changes, user)
        by_model.setdefault(entry.content_type.model_class(), []).append(entry)
    related = {model: _related_names(model, group) for model, group in by_model.items() if model is not None}
    return [
        HistoryRow(
            entry=entry,
            action=_action(model, entry.action),
            channel=str(CHANNEL_LABELS.get(entry.channel, entry.channel)),
            changes=_changes(model, entry, related[model]) if model is not None else [],
        )
        for entry in entries
        for model in [entry.content_type.model_class()]
    ]


def may_read_record_history(user) -> bool:
    """HR, administrators, auditors and service managers read the history of the records
    they may see (the caller checks that the record is in scope)."""
    return getattr(user, "is_authenticated", False) and user.effective_role in PROFILE_HISTORY_ROLES
