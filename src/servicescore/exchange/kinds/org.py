"""org_units and employees: the master data everything else refers to."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from servicescore.core.audit import audit_bulk, diff, snapshot
from servicescore.org.models import CODE_VALIDATOR, Employee, OrgUnit, Position
from servicescore.org.services import (
    EMPLOYEE_AUDIT_FIELDS,
    ORG_UNIT_AUDIT_FIELDS,
    PARENT_CYCLE,
    PARENT_KIND,
    check_parent,
    close_leavers_accounts,
    rebuild_paths,
)

from .. import cells
from .base import Column, Context, Kind, Row, batched, choice_column, link_within_file, upsert

# Accounts whose role an import leaves alone: they are not given by a position.
ROLES_NOT_FROM_POSITION = ("admin", "auditor", "integration")


def _code(value: str) -> str:
    try:
        CODE_VALIDATOR(value)
    except ValidationError:
        raise cells.CellError(
            _("%(value)s is not a valid code: use letters, digits, '_', '.' or '-'") % {"value": value}
        ) from None
    return cells.text(value, 64)


def _audit_snapshots(model, key_field: str, keys, fields) -> dict:
    """{key: the record as the audit keeps it} for the stored records among `keys`."""
    found = {}
    for batch in batched(list(keys)):
        for obj in model.objects.filter(**{f"{key_field}__in": batch}).only(*fields):
            found[getattr(obj, key_field)] = (obj, snapshot(obj, fields))
    return found


def _audit_import(model, key_field: str, fields, before: dict, created, updated, context: Context) -> None:
    """One audit entry per record the import created or changed, old → new, in the
    import's transaction (bulk writes fire no signals, so the importer writes them)."""
    after = _audit_snapshots(model, key_field, [*created, *updated], fields)
    for action, keys in (("create", created), ("update", updated)):
        objects = [after[key][0] for key in keys if key in after]
        audit_bulk(
            actor=context.user,
            action=action,
            objects=objects,
            changes_of=lambda obj: diff(
                before.get(getattr(obj, key_field), (None, {}))[1], after[getattr(obj, key_field)][1]
            ),
            reason=context.source_label,
            channel="import",
        )


def _subtree_q(prefix: str, org_unit):
    from django.db.models import Q

    return Q() if org_unit is None else Q(**{f"{prefix}path__startswith": org_unit.path})


class OrgUnits(Kind):
    name = "org_units"
    key_column = key_label = "code"
    chunk_size = 0
    columns = [
        Column("code", _code, required=True),
        Column("name", lambda v: cells.text(v, 200), required=True),
        choice_column("kind", OrgUnit.Kind, required=True),
        Column("parent_code", _code),
    ]

    def check(self, rows: list[Row], context: Context) -> None:
        from servicescore.org.models import OrgUnit as Unit

        visible = context.units()
        stored = {
            code: (pk, kind, parent)
            for code, pk, kind, parent in Unit.objects.values_list("code", "pk", "kind", "parent__code")
        }
        in_file = {row.get("code"): row for row in rows if row.get("code")}
        kind_of = {code: kind for code, (_pk, kind, _parent) in stored.items()}
        parent_of = {code: parent for code, (_pk, _kind, parent) in stored.items()}
        for code, row in in_file.items():
            if row.get("kind"):
                kind_of[code] = row.get("kind")
            parent_of[code] = row.get("parent_code")
        for row in rows:
            code, parent = row.get("code"), row.get("parent_code")
            if code is None:
                continue
            if code in stored and code not in visible:
                context.error(
                    row.number,
                    "code",
                    _("org unit %(code)s is outside your part of the organisation") % {"code": code},
                )
                row.bad = True
                continue
            if parent is not None:
                if parent == code:
                    context.error(
                        row.number, "parent_code", _("a unit cannot be its own parent"), PARENT_CYCLE
                    )
                    row.bad = True
                    continue
                if parent not in in_file and parent not in visible:
                    context.error(
                        row.number, "parent_code", _("unknown org unit code %(code)s") % {"code": parent}
                    )
                    row.bad = True
                    continue
            elif not context.scope.everything:
                context.error(
                    row.number,
                    "parent_code",
                    _("give the parent unit: you may add units only inside your part of the organisation"),
                )
                row.bad = True
                continue
            if row.get("kind"):
                problem = check_parent(row.get("kind"), kind_of.get(parent) if parent else None)
                if problem:
                    context.error(row.number, "parent_code" if parent else "kind", problem, PARENT_KIND)
                    row.bad = True
                    continue
            # Walk up the merged tree to catch a loop the file would create.
            seen, step = {code}, parent
            while step is not None:
                if step in seen:
                    context.error(
                        row.number,
                        "parent_code",
                        _("the parent chain loops back to %(code)s") % {"code": step},
                        PARENT_CYCLE,
                    )
                    row.bad = True
                    break
                seen.add(step)
                step = parent_of.get(step)
        # A unit whose kind changes must still rank above its stored children.
        for row in rows:
            code, kind = row.get("code"), row.get("kind")
            if row.bad or code not in stored or kind == stored[code][1]:
                continue
            for child, child_parent in parent_of.items():
                if child_parent == code and child not in in_file:
                    problem = check_parent(kind_of[child], kind)
                    if problem:
                        context.error(
                            row.number,
                            "kind",
                            _("its unit %(child)s would break the tree: %(problem)s")
                            % {"child": child, "problem": problem},
                            PARENT_KIND,
                        )
                        row.bad = True
                        break

    def write(self, rows: list[Row], context: Context) -> tuple[int, int, int]:
        wanted = {row.get("code"): {"name": row.get("name"), "kind": row.get("kind")} for row in rows}
        before = _audit_snapshots(OrgUnit, "code", wanted, ORG_UNIT_AUDIT_FIELDS)
        created, updated, unchanged, _pks = upsert(OrgUnit, "code", wanted, ["name", "kind"], now=context.now)
        # Parents may point anywhere in the file, so they are set once all units exist.
        links = {row.get("code"): row.get("parent_code") for row in rows}
        updated, unchanged = link_within_file(
            OrgUnit, "code", "parent_id", links, created, updated, unchanged, context.now
        )
        rebuild_paths()
        _audit_import(OrgUnit, "code", ORG_UNIT_AUDIT_FIELDS, before, created, updated, context)
        context.forget()
        return len(created), len(updated), unchanged

    def export(self, org_unit=None):
        units = OrgUnit.objects.filter(_subtree_q("", org_unit)).select_related("parent").order_by("path")
        for unit in units.iterator(chunk_size=2000):
            yield [unit.code, unit.name, unit.kind, unit.parent.code if unit.parent_id else ""]


def _email(value: str) -> str:
    try:
        validate_email(value)
    except ValidationError:
        raise cells.CellError(_("not an e-mail address: %(value)s") % {"value": value}) from None
    return value


class Employees(Kind):
    name = "employees"
    key_column = key_label = "employee_no"
    chunk_size = 0
    columns = [
        Column("employee_no", lambda v: cells.text(v, 64), required=True),
        Column("name", lambda v: cells.text(v, 100), required=True),
        choice_column("position", Position, required=True),
        Column("org_unit", required=True),
        Column("manager_employee_no"),
        Column("hire_date", cells.date),
        Column("phone", lambda v: cells.text(v, 32)),
        Column("email", _email),
        choice_column("status", Employee.Status),
    ]
    FIELDS = ["name", "position", "org_unit_id", "hire_date", "phone", "email", "status"]

    def check(self, rows: list[Row], context: Context) -> None:
        in_file = {row.get("employee_no") for row in rows}
        stored = dict(Employee.objects.values_list("employee_no", "org_unit__path"))
        visible = context.employees()
        for row in rows:
            number = row.get("employee_no")
            if number in stored and number not in visible:
                context.error(
                    row.number,
                    "employee_no",
                    _("employee %(no)s is outside your part of the organisation") % {"no": number},
                )
                row.bad = True
            row.unit = context.unit(row, "org_unit")
            manager = row.get("manager_employee_no")
            if manager is not None:
                if manager == number:
                    context.error(
                        row.number, "manager_employee_no", _("an employee cannot be their own manager")
                    )
                    row.bad = True
                elif manager not in in_file and manager not in visible:
                    context.error(
                        row.number, "manager_employee_no", _("unknown employee_no %(no)s") % {"no": manager}
                    )
                    row.bad = True
        self._check_roles(rows, context)

    def write(self, rows: list[Row], context: Context) -> tuple[int, int, int]:
        wanted = {}
        for row in rows:
            wanted[row.get("employee_no")] = {
                "name": row.get("name"),
                "position": row.get("position"),
                "org_unit_id": row.unit[0],
                "hire_date": row.get("hire_date"),
                "phone": row.get("phone", ""),
                "email": row.get("email", ""),
                "status": row.get("status", Employee.Status.ACTIVE),
            }
        before = _audit_snapshots(Employee, "employee_no", wanted, EMPLOYEE_AUDIT_FIELDS)
        created, updated, unchanged, pks = upsert(
            Employee, "employee_no", wanted, self.FIELDS, now=context.now
        )
        # Manager links may point anywhere in the file, so they are set once all exist.
        links = {row.get("employee_no"): row.get("manager_employee_no") for row in rows}
        updated, unchanged = link_within_file(
            Employee, "employee_no", "manager_id", links, created, updated, unchanged, context.now
        )
        self._sync_roles(updated, context)
        _audit_import(Employee, "employee_no", EMPLOYEE_AUDIT_FIELDS, before, created, updated, context)
        leavers = [no for no, values in wanted.items() if values["status"] == Employee.Status.LEFT]
        if leavers:
            close_leavers_accounts(
                Employee.objects.filter(employee_no__in=leavers).values_list("pk", flat=True),
                by=context.user,
                reason=context.source_label,
                channel="import",
            )
        context.forget()
        return len(created), len(updated), unchanged

    @staticmethod
    def _role_changes(employee_nos, position_of: dict):
        """(user, old role, new role) for the log-ins whose role the positions would change."""
        from servicescore.core.roles import ROLE_OF_POSITION

        for batch in batched(list(employee_nos)):
            employees = (
                Employee.objects.filter(employee_no__in=batch, user__isnull=False)
                .exclude(user__role__in=ROLES_NOT_FROM_POSITION)
                .select_related("user")
            )
            for employee in employees:
                role = ROLE_OF_POSITION[position_of[employee.employee_no]]
                if employee.user.role != role:
                    yield employee, employee.user.role, role

    def _check_roles(self, rows: list[Row], context: Context) -> None:
        """A position that would change a log-in's role is refused on its row when the
        importing user may not hand out that role or change that account (core/policy.py):
        a service manager cannot make an HR account by importing the position `hr`."""
        from servicescore.core.policy import user_change_problems

        if context.user is None:
            return
        good = {row.get("employee_no"): row for row in rows if not row.bad and row.get("position")}
        position_of = {number: row.get("position") for number, row in good.items()}
        for employee, _old, role in self._role_changes(good, position_of):
            problem = user_change_problems(context.user, employee.user, {"role": role}).get("role")
            if problem:
                row = good[employee.employee_no]
                context.error(
                    row.number,
                    "position",
                    _("the log-in %(user)s would get the role %(role)s: %(problem)s")
                    % {"user": employee.user.get_username(), "role": role, "problem": problem.message_text},
                    problem.domain_code,
                )
                row.bad = True

    def _sync_roles(self, employee_nos: list[str], context: Context) -> None:
        """A changed position changes the role of the employee's log-in; audited."""
        from servicescore.core.models import User

        position_of = dict(
            Employee.objects.filter(employee_no__in=employee_nos).values_list("employee_no", "position")
        )
        changes = {}
        for employee, old, role in self._role_changes(employee_nos, position_of):
            employee.user.role = role
            changes[employee.user.pk] = (employee.user, {"role": [old, role]})
        if not changes:
            return
        User.objects.bulk_update([user for user, _change in changes.values()], ["role"], batch_size=1000)
        audit_bulk(
            actor=context.user,
            action="update",
            objects=[user for user, _change in changes.values()],
            changes_of=lambda user: changes[user.pk][1],
            reason=context.source_label,
            channel="import",
        )

    def export(self, org_unit=None):
        employees = (
            Employee.objects.filter(_subtree_q("org_unit__", org_unit))
            .select_related("org_unit", "manager")
            .order_by("employee_no")
        )
        for e in employees.iterator(chunk_size=2000):
            yield [
                e.employee_no,
                e.name,
                e.position,
                e.org_unit.code,
                e.manager.employee_no if e.manager_id else "",
                e.hire_date.isoformat() if e.hire_date else "",
                e.phone,
                e.email,
                e.status,
            ]
