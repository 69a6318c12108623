"""Writes to the org tree and the people archive."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import OrgUnit


def check_parent(kind: str, parent_kind: str | None) -> str | None:
    """Why `kind` cannot sit under `parent_kind`, or None when it can."""
    if parent_kind is None:
        return None if kind == OrgUnit.Kind.COMPANY else _("only a company may have no parent")
    if kind == OrgUnit.Kind.COMPANY:
        return _("a company cannot have a parent")
    if OrgUnit.KIND_RANK[kind] <= OrgUnit.KIND_RANK[parent_kind]:
        return _("a %(kind)s cannot be placed under a %(parent)s") % {
            "kind": OrgUnit.Kind(kind).label,
            "parent": OrgUnit.Kind(parent_kind).label,
        }
    return None


@transaction.atomic
def save_org_unit(unit: OrgUnit) -> OrgUnit:
    """Validate and save one org unit, then refresh the paths of its subtree."""
    problem = check_parent(unit.kind, unit.parent.kind if unit.parent_id else None)
    if problem:
        raise ValidationError({"parent": problem})
    if unit.pk and unit.parent_id:
        ancestor = unit.parent
        while ancestor is not None:
            if ancestor.pk == unit.pk:
                raise ValidationError({"parent": _("a unit cannot be placed under itself")})
            ancestor = ancestor.parent
    unit.full_clean(exclude=["path"])
    unit.save()
    rebuild_paths()
    unit.refresh_from_db(fields=["path"])
    return unit


def rebuild_paths() -> int:
    """Recompute every unit's materialised path in memory and write the changed ones.

    The tree has at most a few thousand units, so one read and one bulk update is cheap.
    Returns the number of units whose path changed.
    """
    units = {u.pk: u for u in OrgUnit.objects.only("pk", "parent_id", "path")}
    computed: dict[int, str] = {}

    def path_of(pk: int, seen: tuple = ()) -> str:
        if pk in computed:
            return computed[pk]
        if pk in seen:
            raise ValidationError(_("The org tree has a cycle."))
        unit = units[pk]
        prefix = path_of(unit.parent_id, (*seen, pk)) if unit.parent_id else "/"
        computed[pk] = f"{prefix}{pk}/"
        return computed[pk]

    changed = []
    for pk, unit in units.items():
        new = path_of(pk)
        if unit.path != new:
            unit.path = new
            changed.append(unit)
    OrgUnit.objects.bulk_update(changed, ["path"], batch_size=1000)
    return len(changed)


@transaction.atomic
def create_user_account(employee, *, username: str | None = None, password: str | None = None):
    """Give an employee a log-in whose role follows their position; returns the user.

    Without a password the account gets an unusable one (set it through a reset link or
    the admin). An employee who already has an account keeps it.
    """
    from servicescore.core.models import User
    from servicescore.core.roles import ROLE_OF_POSITION

    if employee.user_id:
        return employee.user
    username = username or employee.employee_no.lower()
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": _("The user name %(name)s is taken.") % {"name": username}})
    user = User(
        username=username,
        first_name=employee.name,
        email=employee.email,
        role=ROLE_OF_POSITION[employee.position],
    )
    user.set_password(password) if password else user.set_unusable_password()
    user.save()
    employee.user = user
    employee.save(update_fields=["user", "modified"])
    return user
