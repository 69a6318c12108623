"""Who may import and export."""

from servicescore.core.roles import IMPORT_ROLES, Role

# A system (an integration token) imports through the API, never through the pages.
API_IMPORT_ROLES = IMPORT_ROLES | {Role.INTEGRATION}


def may_import(user) -> bool:
    """Service managers, HR and administrators upload imports; never a read-only account."""
    return user.is_authenticated and user.effective_role in IMPORT_ROLES and not user.is_read_only


def may_import_by_api(user) -> bool:
    """The roles of the pages, and integration tokens; never a read-only account."""
    return user.is_authenticated and user.effective_role in API_IMPORT_ROLES and not user.is_read_only
