"""Who may do what with people's records. Which people a user sees at all is org/scope.py's
question; this module answers what their role may do with them."""

from servicescore.core.roles import SELF_ONLY_ROLES, Role


def may_list_people(user) -> bool:
    """Roles with people under them get the people list; the others their own profile."""
    return (
        user.is_authenticated
        and user.effective_role not in SELF_ONLY_ROLES
        and user.effective_role != Role.INTEGRATION
    )
