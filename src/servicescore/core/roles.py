"""Access roles (product.md "Users and roles") and how a position maps to one."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    TECHNICIAN = "technician", _("Technician")
    SERVICE_ADVISOR = "service_advisor", _("Service advisor")
    WARRANTY_CLERK = "warranty_clerk", _("Warranty clerk")
    CS_AGENT = "cs_agent", _("Customer-service agent")
    DISPATCHER = "dispatcher", _("Dispatcher")
    PARTS_MANAGER = "parts_manager", _("Parts manager")
    FOREMAN = "foreman", _("Foreman / team lead")
    SERVICE_MANAGER = "service_manager", _("Service manager")
    HR = "hr", _("HR")
    AUDITOR = "auditor", _("Auditor")
    INTEGRATION = "integration", _("Integration")
    ADMIN = "admin", _("Administrator")


# Roles that see only their own records.
SELF_ONLY_ROLES = {
    Role.TECHNICIAN,
    Role.SERVICE_ADVISOR,
    Role.WARRANTY_CLERK,
    Role.CS_AGENT,
    Role.PARTS_MANAGER,
}
# Roles that see the whole company.
COMPANY_WIDE_ROLES = {Role.HR, Role.AUDITOR, Role.ADMIN}
# Roles that may see customers' phone numbers in full.
PHONE_VISIBLE_ROLES = {
    Role.SERVICE_ADVISOR,
    Role.CS_AGENT,
    Role.DISPATCHER,
    Role.FOREMAN,
    Role.SERVICE_MANAGER,
    Role.HR,
    Role.ADMIN,
}
# Roles that read the company's audit trail and delivery logs (page, admin, export).
AUDIT_READER_ROLES = COMPANY_WIDE_ROLES
# Roles that run the company's set-up in the admin (and may manage its robots and accounts).
COMPANY_ADMIN_ROLES = {Role.HR, Role.ADMIN}
# Roles that may upload imports.
IMPORT_ROLES = {Role.SERVICE_MANAGER, Role.HR, Role.ADMIN}

ROLE_OF_POSITION = {
    "technician": Role.TECHNICIAN,
    "service_advisor": Role.SERVICE_ADVISOR,
    "warranty_clerk": Role.WARRANTY_CLERK,
    "cs_agent": Role.CS_AGENT,
    "cs_manager": Role.SERVICE_MANAGER,
    "dispatcher": Role.DISPATCHER,
    "parts_manager": Role.PARTS_MANAGER,
    "foreman": Role.FOREMAN,
    "service_manager": Role.SERVICE_MANAGER,
    "hr": Role.HR,
}


def can_see_full_phone(user) -> bool:
    """Whether the user sees customers' phone numbers whole rather than masked."""
    return user.is_authenticated and user.effective_role in PHONE_VISIBLE_ROLES
