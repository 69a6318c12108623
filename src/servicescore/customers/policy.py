"""Who may change a customer's master data (name, phone, customer id).

A customer is shared by every centre that serves them, so the desk (advisors, dispatchers,
foremen, service managers) files new customers and fills in what is missing, but does not
rewrite what is on file: a wrong or malicious edit would reach every centre's records. HR,
administrators and the dealer-system integration (within its token's scope) maintain them.
"""

from servicescore.core.roles import Role

MASTER_DATA_ROLES = {Role.HR, Role.ADMIN, Role.INTEGRATION}


def may_change_master_data(user) -> bool:
    """Whether `user` may overwrite a stored customer's name or phone. `None` is the operator
    at the command line (an import run there sees and maintains everything)."""
    if user is None:
        return True
    return bool(user.is_authenticated and user.effective_role in MASTER_DATA_ROLES)
