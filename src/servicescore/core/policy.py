"""Who may change which log-in account, and how: the one rule every entry point that
writes users asks (the admin's change, add, password and delete pages, the employee
admin's "create log-in accounts", the employee importer's role sync), through
core/services.py.

- Only a superuser changes a superuser, an administrator or an HR account's password,
  role, staff flags, active flag, groups or permissions (on their own account, HR and
  administrators may still correct their name and e-mail);
- only a superuser sets superuser status, groups and per-user permissions;
- nobody changes their own role, and only a superuser their own staff or active flag;
- a role handed out is the actor's own or one ranked below it (HR may not hand out
  `admin`, a service manager may not hand out `hr`);
- an account outside the actor's part of the organisation is not theirs to change.

`actor=None` is the operator at the command line or a system job, which may do anything.
A refusal is a core.errors.Refused with one of the codes below.
"""

from collections.abc import Iterable, Mapping

from django.utils.translation import gettext as _

from .errors import Refused, declare
from .roles import COMPANY_WIDE_ROLES, Role

# How far a role reaches: an actor hands out their own role and those ranked below it.
ROLE_RANK = {
    Role.TECHNICIAN: 1,
    Role.SERVICE_ADVISOR: 1,
    Role.WARRANTY_CLERK: 1,
    Role.CS_AGENT: 1,
    Role.PARTS_MANAGER: 1,
    Role.DISPATCHER: 2,
    Role.FOREMAN: 2,
    Role.SERVICE_MANAGER: 3,
    Role.AUDITOR: 4,
    Role.HR: 5,
    Role.ADMIN: 6,
    Role.INTEGRATION: 6,
}
# Accounts only a superuser may change the access of.
PROTECTED_ROLES = {Role.HR, Role.ADMIN}
# The fields that decide what an account may do (and who holds it: the password).
ACCESS_FIELDS = frozenset(
    {"password", "role", "is_staff", "is_superuser", "is_active", "groups", "user_permissions"}
)
SUPERUSER_ONLY_FIELDS = frozenset({"is_superuser", "groups", "user_permissions"})
# What anyone may correct on their own account.
PROFILE_FIELDS = frozenset({"username", "first_name", "last_name", "email"})

OWN_ROLE = declare("own_role", Refused, "Nobody changes their own role.", area="accounts")
OWN_PROTECTED_PASSWORD = declare(
    "own_password_elsewhere",
    Refused,
    "An HR or administrator account changes its own password on the password page.",
    area="accounts",
)
OWN_ACCESS = declare(
    "own_access", Refused, "Only a superuser changes the access of their own account.", area="accounts"
)
SUPERUSER_ONLY = declare(
    "superuser_only",
    Refused,
    "Only a superuser sets superuser status, groups and per-user permissions.",
    area="accounts",
)
PROTECTED_ACCOUNT = declare(
    "protected_account",
    Refused,
    "Only a superuser changes or deletes a superuser, administrator or HR account.",
    area="accounts",
)
ROLE_ABOVE_YOURS = declare(
    "role_above_yours", Refused, "The account has a role above the actor's.", area="accounts"
)
OUTSIDE_ORGANISATION = declare(
    "outside_your_organisation",
    Refused,
    "The account is outside the actor's part of the organisation.",
    area="accounts",
)
FIELD_LOCKED = declare(
    "field_locked", Refused, "The actor's role may not change this field of an account.", area="accounts"
)
ROLE_NOT_GRANTABLE = declare(
    "role_not_grantable",
    Refused,
    "The role handed out is above the actor's own (or the actor's role hands out none).",
    area="accounts",
)
OWN_ACCOUNT_DELETE = declare(
    "own_account_delete", Refused, "Nobody deletes their own account.", area="accounts"
)
DELETE_NOT_ALLOWED = declare(
    "delete_not_allowed",
    Refused,
    "The actor may not delete this account (a read-only role, or outside their part of the organisation).",
    area="accounts",
)


def _is_superuser(actor) -> bool:
    return actor is not None and actor.is_active and actor.is_superuser


def is_protected_account(user) -> bool:
    """A superuser, administrator or HR account: only a superuser changes its access."""
    return user.is_superuser or user.role in PROTECTED_ROLES


def grantable_roles(actor) -> list[str]:
    """The roles `actor` may hand out, in the order of Role: their own and those below it;
    every role for a superuser and the command line; none for read-only and system roles."""
    if actor is None or _is_superuser(actor):
        return list(Role.values)
    if not (actor.is_authenticated and actor.is_active) or actor.role in (Role.AUDITOR, Role.INTEGRATION):
        return []
    rank = ROLE_RANK[actor.role]
    return [role for role in Role.values if role == actor.role or ROLE_RANK[role] < rank]


def _in_reach(actor, target) -> bool:
    """Whether `target` is the actor's own account or one of their people's."""
    if target.pk == actor.pk or actor.effective_role in COMPANY_WIDE_ROLES:
        return True
    from django.db.models import Q

    from .hooks import ask
    from .models import User

    # "Their people": the employees of the actor's data scope, which org answers (core/hooks.py).
    return User.objects.filter(Q(pk=target.pk), ask("scope.employees_q", actor, "employee__")).exists()


def locked_user_fields(actor, target) -> set[str]:
    """The fields of `target` (None: a new account) that `actor` may not change whatever
    the value; the admin shows them read-only. The role's value is checked apart."""
    if actor is None:
        return set()
    if target is not None and target.pk == actor.pk:
        locked = {"role"} if _is_superuser(actor) else set(ACCESS_FIELDS)
        if not _is_superuser(actor) and not is_protected_account(target):
            locked.discard("password")
        return locked
    if _is_superuser(actor):
        return set()
    if not (actor.is_authenticated and actor.is_active) or actor.is_read_only:
        return set(ACCESS_FIELDS | PROFILE_FIELDS)
    locked = set(SUPERUSER_ONLY_FIELDS)
    if target is not None:
        if is_protected_account(target) or not _in_reach(actor, target):
            return set(ACCESS_FIELDS | PROFILE_FIELDS)
        if target.role not in grantable_roles(actor):
            locked.add("role")
    return locked


def _field_label(field: str) -> str:
    from django.core.exceptions import FieldDoesNotExist

    from .models import User

    try:
        return str(User._meta.get_field(field).verbose_name)
    except FieldDoesNotExist:
        return field


def _locked_reason(actor, target, field: str) -> Refused:
    if target is not None and target.pk == actor.pk:
        if field == "role":
            return Refused(_("Nobody may change their own role; ask another administrator."), code=OWN_ROLE)
        if is_protected_account(target) and field == "password":
            return Refused(
                _(
                    "Only a superuser may set the password of an HR or administrator account here; "
                    "change your own password on the password page."
                ),
                code=OWN_PROTECTED_PASSWORD,
            )
        return Refused(
            _("You cannot change your own access (%(field)s); ask a superuser.")
            % {"field": _field_label(field)},
            code=OWN_ACCESS,
        )
    if field in SUPERUSER_ONLY_FIELDS:
        return Refused(
            _("Only a superuser may change superuser status, groups and permissions."), code=SUPERUSER_ONLY
        )
    if target is not None and is_protected_account(target):
        return Refused(
            _("Only a superuser may change a superuser, administrator or HR account (%(user)s).")
            % {"user": target.get_username()},
            code=PROTECTED_ACCOUNT,
        )
    if target is not None and field == "role":
        return Refused(
            _("%(user)s has a role above yours; only a superuser may change it.")
            % {"user": target.get_username()},
            code=ROLE_ABOVE_YOURS,
        )
    if target is not None and not _in_reach(actor, target):
        return Refused(
            _("The account %(user)s is outside your part of the organisation.")
            % {"user": target.get_username()},
            code=OUTSIDE_ORGANISATION,
        )
    return Refused(
        _("You may not change %(field)s here.") % {"field": _field_label(field)}, code=FIELD_LOCKED
    )


def user_change_problems(actor, target, changes: Mapping[str, object] | Iterable[str]) -> dict[str, Refused]:
    """{field: why not, as a Refused with its code} for the changes `actor` may not make to
    `target` (None: a new account); `changes` maps each field to its new value (or just
    names the fields). A form adds each with `add_error(field, refusal)`."""
    if actor is None:
        return {}
    values = changes if isinstance(changes, Mapping) else dict.fromkeys(changes)
    locked = locked_user_fields(actor, target)
    problems = {}
    for field, value in values.items():
        if field in locked:
            problems[field] = _locked_reason(actor, target, field)
        elif field == "role" and value is not None and value not in grantable_roles(actor):
            label = dict(Role.choices).get(value, value)
            problems[field] = Refused(
                _("You may hand out only your own role or one below it, not %(role)s.") % {"role": label},
                code=ROLE_NOT_GRANTABLE,
            )
        elif field == "is_superuser" and value and not _is_superuser(actor):
            problems[field] = _locked_reason(actor, target, field)
    return problems


def may_change_user(actor, target) -> bool:
    """Whether `actor` may change anything at all on `target` (else the admin shows it
    read-only)."""
    return not (ACCESS_FIELDS | PROFILE_FIELDS) <= locked_user_fields(actor, target)


def user_delete_problem(actor, target) -> Refused | None:
    """Why `actor` may not delete the account `target` (a Refused with its code), or None
    when they may."""
    if actor is None:
        return None
    if target.pk == actor.pk:
        return Refused(_("You cannot delete your own account."), code=OWN_ACCOUNT_DELETE)
    if _is_superuser(actor):
        return None
    if is_protected_account(target):
        return Refused(
            _("Only a superuser may delete a superuser, administrator or HR account (%(user)s).")
            % {"user": target.get_username()},
            code=PROTECTED_ACCOUNT,
        )
    if actor.is_read_only or not _in_reach(actor, target):
        return Refused(
            _("You may not delete the account %(user)s.") % {"user": target.get_username()},
            code=DELETE_NOT_ALLOWED,
        )
    return None


def may_use_admin(user) -> bool:
    """Whether the admin has anything for `user`, so that the navigation offers it: the admin
    site lets in active staff (AdminSite.has_permission) and its index then lists the models
    whose admin grants them a permission (core/admin.py's RoleAdminMixin: by role, else by
    Django's model permissions). A staff account for whom it lists nothing would only be told
    it may not view or edit anything."""
    if not (user.is_active and user.is_staff):
        return False
    from django.contrib import admin
    from django.http import HttpRequest

    request = HttpRequest()
    request.user = user
    return bool(admin.site.get_app_list(request))
