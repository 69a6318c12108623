"""Writes to log-in accounts: create or change one, set its password, its groups and
permissions, delete it. Each checks core/policy.py first and writes an audit entry in
the same transaction; the password is audited as "changed" or "disabled", never its hash."""

from django.db import transaction

from .audit import audit_record, diff, snapshot
from .errors import Refused
from .models import User
from .policy import user_change_problems, user_delete_problem

# The account fields the history shows, old → new.
AUDITED_USER_FIELDS = (
    "username",
    "first_name",
    "last_name",
    "email",
    "role",
    "is_staff",
    "is_superuser",
    "is_active",
)


def _password_state(user) -> str:
    return "set" if user.has_usable_password() else "disabled"


def check_user_change(*, actor, target, changes) -> None:
    """Raise Refused {field: why, with its code} when `actor` may not make `changes`
    ({field: new value}) to `target` (None: a new account)."""
    problems = user_change_problems(actor, target, changes)
    if problems:
        raise Refused(problems)


@transaction.atomic
def user_save(*, actor, user: User, reason: str = "") -> User:
    """Create `user` or store its changed fields (password included) after the policy
    check; audited as create, update or password."""
    stored = User.objects.select_for_update().filter(pk=user.pk).first() if user.pk else None
    before = snapshot(stored, AUDITED_USER_FIELDS) if stored is not None else {}
    after = snapshot(user, AUDITED_USER_FIELDS)
    changes = diff(before, after)
    if stored is None:
        changes["password"] = [None, _password_state(user)]
    elif stored.password != user.password:
        changes["password"] = [
            _password_state(stored),
            "changed" if user.has_usable_password() else "disabled",
        ]
    # A new account is checked for what differs from a fresh one (and its role).
    checked = (
        changes
        if stored is not None
        else {**diff(snapshot(User(), AUDITED_USER_FIELDS), after), "role": [None, user.role]}
    )
    check_user_change(
        actor=actor, target=stored, changes={name: new for name, (_old, new) in checked.items()}
    )
    if stored is not None and not changes:
        return user
    user.save()
    if stored is None:
        action = "create"
    elif set(changes) == {"password"}:
        action = "password"
    else:
        action = "update"
    audit_record(actor=actor, action=action, obj=user, changes=changes, reason=reason)
    return user


@transaction.atomic
def user_set_password(*, actor, user: User, password: str | None, reason: str = "") -> User:
    """Set the account's password, or disable password log-in when `password` is None."""
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    return user_save(actor=actor, user=user, reason=reason)


def _group_names(groups) -> list[str]:
    return sorted(group.name for group in groups)


def _permission_names(permissions) -> list[str]:
    return sorted(f"{p.content_type.app_label}.{p.codename}" for p in permissions)


@transaction.atomic
def user_set_access(*, actor, user: User, groups=None, permissions=None, reason: str = "") -> None:
    """Replace the account's groups and/or per-user permissions (None leaves them)."""
    wanted = {}
    if groups is not None:
        wanted["groups"] = _group_names(groups)
    if permissions is not None:
        wanted["user_permissions"] = _permission_names(permissions)
    before = {
        "groups": _group_names(user.groups.all()),
        "user_permissions": _permission_names(user.user_permissions.select_related("content_type")),
    }
    changes = {name: [before[name], value] for name, value in wanted.items() if before[name] != value}
    if not changes:
        return
    check_user_change(actor=actor, target=user, changes={name: new for name, (_old, new) in changes.items()})
    if "groups" in changes:
        user.groups.set(groups)
    if "user_permissions" in changes:
        user.user_permissions.set(permissions)
    audit_record(actor=actor, action="update", obj=user, changes=changes, reason=reason)


@transaction.atomic
def user_delete(*, actor, user: User, reason: str = "") -> None:
    """Delete an account after the policy check (Refused with its code); its audit entry
    stays."""
    problem = user_delete_problem(actor, user)
    if problem:
        raise problem
    audit_record(
        actor=actor,
        action="delete",
        obj=user,
        changes=diff(snapshot(user, AUDITED_USER_FIELDS), {}),
        reason=reason,
    )
    user.delete()


@transaction.atomic
def user_change_own_password(*, user: User, password: str, reason: str = "") -> User:
    """Set the password a user chose themselves, proven by their old password (the change
    page) or by an e-mailed reset link: no policy check, since the user is acting on their own
    account with their own proof. Audited as password_change, without the hash."""
    was = _password_state(user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(
        actor=user,
        action="password_change",
        obj=user,
        changes={"password": [was, "changed"]},
        reason=reason,
    )
    return user
