"""Who may import and export."""

from servicescore.core.roles import IMPORT_ROLES


def may_import(user) -> bool:
    """Service managers, HR and administrators upload imports; never a read-only account."""
    return user.is_authenticated and user.effective_role in IMPORT_ROLES and not user.is_read_only
