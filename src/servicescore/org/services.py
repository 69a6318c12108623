"""Writes to the org tree and the people archive. Refusals are core.errors with the codes
below; a record's own rules (Model.full_clean) stay Django's ValidationError."""

from django.db import transaction
from django.utils.translation import gettext as _

from servicescore.core.audit import audit_record, diff, snapshot
from servicescore.core.errors import Conflict, Invalid, declare

from .models import OrgUnit

PARENT_KIND = declare(
    "parent_kind",
    Invalid,
    "An org unit sits only under a unit of a higher kind, and only a company has no parent.",
    area="org units",
)
PARENT_CYCLE = declare(
    "parent_cycle", Invalid, "An org unit cannot be placed under itself or its own subtree.", area="org units"
)
USERNAME_TAKEN = declare(
    "username_taken", Conflict, "Another account already has the user name.", area="accounts"
)


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


# What the history of an org unit and an employee shows, old → new (paths are derived).
ORG_UNIT_AUDIT_FIELDS = ("code", "name", "kind", "parent")
EMPLOYEE_AUDIT_FIELDS = (
    "employee_no",
    "name",
    "position",
    "org_unit",
    "manager",
    "hire_date",
    "phone",
    "email",
    "status",
    "user",
)


def _stored_snapshot(model, pk, fields) -> dict | None:
    stored = model.objects.filter(pk=pk).first() if pk else None
    return snapshot(stored, fields) if stored is not None else None


def _audit_save(obj, before: dict | None, fields, by, reason: str = "") -> None:
    """One entry for a saved record: create with every value, or update with the changes."""
    after = snapshot(obj, fields)
    if before is None:
        audit_record(actor=by, action="create", obj=obj, changes=diff({}, after), reason=reason)
        return
    changes = diff(before, after)
    if changes:
        audit_record(actor=by, action="update", obj=obj, changes=changes, reason=reason)


@transaction.atomic
def save_org_unit(unit: OrgUnit, *, by=None, reason: str = "") -> OrgUnit:
    """Validate and save one org unit, then refresh the paths of its subtree; audited."""
    before = _stored_snapshot(OrgUnit, unit.pk, ORG_UNIT_AUDIT_FIELDS)
    problem = check_parent(unit.kind, unit.parent.kind if unit.parent_id else None)
    if problem:
        raise Invalid(problem, code=PARENT_KIND, field="parent")
    if unit.pk and unit.parent_id:
        ancestor = unit.parent
        while ancestor is not None:
            if ancestor.pk == unit.pk:
                raise Invalid(_("a unit cannot be placed under itself"), code=PARENT_CYCLE, field="parent")
            ancestor = ancestor.parent
    unit.full_clean(exclude=["path"])
    unit.save()
    rebuild_paths()
    unit.refresh_from_db(fields=["path"])
    _audit_save(unit, before, ORG_UNIT_AUDIT_FIELDS, by, reason)
    return unit


@transaction.atomic
def save_employee(employee, *, by=None, reason: str = ""):
    """Validate and save one employee record; audited old → new."""
    from .models import Employee

    before = _stored_snapshot(Employee, employee.pk, EMPLOYEE_AUDIT_FIELDS)
    employee.full_clean()
    employee.save()
    _audit_save(employee, before, EMPLOYEE_AUDIT_FIELDS, by, reason)
    if employee.status == Employee.Status.LEFT:
        close_leavers_accounts([employee.pk], by=by, reason=reason)
    return employee


def close_leavers_accounts(employee_ids, *, by=None, reason: str = "", channel: str = "") -> int:
    """Deactivate the log-ins of the employees among `employee_ids` who have left (status
    "left"): someone who has left signs in no more — their session ends at its next
    request and their API tokens stop (both ask `is_active`). Audited per account, in the
    caller's transaction. Never reactivates one: coming back is an administrator's act.
    The number of accounts closed."""
    from servicescore.core.audit import audit_bulk
    from servicescore.core.models import User

    from .models import Employee

    users = list(
        User.objects.filter(
            employee__pk__in=list(employee_ids), employee__status=Employee.Status.LEFT, is_active=True
        )
    )
    if not users:
        return 0
    for user in users:
        user.is_active = False
    User.objects.bulk_update(users, ["is_active"])
    audit_bulk(
        actor=by,
        action="update",
        objects=users,
        changes_of=lambda user: {"is_active": [True, False]},
        reason=reason or _("left the company"),
        channel=channel,
    )
    return len(users)


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
            raise Invalid(_("The org tree has a cycle."), code=PARENT_CYCLE)
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
def create_user_account(employee, *, username: str | None = None, password: str | None = None, by=None):
    """Give an employee a log-in whose role follows their position; returns the user.

    Without a password the account gets an unusable one (set it through a reset link or
    the admin). An employee who already has an account keeps it. The role must be one `by`
    may hand out (core/policy.py): a service manager cannot make an HR account this way.
    """
    from servicescore.core.models import User
    from servicescore.core.roles import ROLE_OF_POSITION
    from servicescore.core.services import user_save

    if employee.user_id:
        return employee.user
    username = username or employee.employee_no.lower()
    if User.objects.filter(username=username).exists():
        raise Conflict(
            _("The user name %(name)s is taken.") % {"name": username}, code=USERNAME_TAKEN, field="username"
        )
    user = User(
        username=username,
        first_name=employee.name,
        email=employee.email,
        role=ROLE_OF_POSITION[employee.position],
    )
    user.set_password(password) if password else user.set_unusable_password()
    user_save(actor=by, user=user, reason=_("log-in for employee %(no)s") % {"no": employee.employee_no})
    before = snapshot(employee, EMPLOYEE_AUDIT_FIELDS)
    employee.user = user
    employee.save(update_fields=["user", "modified"])
    _audit_save(employee, before, EMPLOYEE_AUDIT_FIELDS, by)
    return user
