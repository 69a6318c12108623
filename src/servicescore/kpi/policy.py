"""Who may do what with the indicators: the one table of kpi (conventions.md, policy.py).

Whose figures a user reads is org.scope's question (`visible_appraisees`); this table
says which roles do what with them. The appraisal policy builds on it: a scorecard is read
by whoever reads the figures it rests on.
"""

from servicescore.core.roles import COMPANY_ADMIN_ROLES, IMPORT_ROLES, Role
from servicescore.org.scope import APPRAISAL_VIEWER_ROLES

# An integration's API token has no pages and no navigation.
PAGELESS_ROLES = frozenset({Role.INTEGRATION})

# action → the roles that may take it
RULES: dict[str, frozenset] = {
    # other people's figures and the records behind them, within the user's scope (everyone
    # reads their own)
    "read_others_figures": frozenset(APPRAISAL_VIEWER_ROLES),
    # the pages (an integration uses the API only)
    "open_pages": frozenset(Role) - PAGELESS_ROLES,
    # recompute the figures now (the recompute page): a recompute is company-wide, so only the
    # company-wide set-up roles (HR, administrators), never a unit's manager
    "recompute": frozenset(COMPANY_ADMIN_ROLES),
    # record or correct a fact on the facts page: the roles that import facts (a service
    # manager within his subtree, HR, administrators), never about themselves; leads and
    # auditors read facts, as they read the figures
    "record_facts": frozenset(IMPORT_ROLES),
}


def allows(user, action: str) -> bool:
    """Whether the user's role may take `action` (a key of RULES)."""
    return getattr(user, "is_authenticated", False) and user.effective_role in RULES[action]


def may_read_others_figures(user) -> bool:
    return allows(user, "read_others_figures")


def has_pages(user) -> bool:
    return allows(user, "open_pages")


def may_recompute(user) -> bool:
    """Whether the user may open the recompute page and recompute the figures now."""
    return allows(user, "recompute") and not user.is_read_only


def may_record_facts(user) -> bool:
    """Whether the user's role may record and correct facts (within the scope, not their own)."""
    return allows(user, "record_facts") and not user.is_read_only


def shows_facts_page(user) -> bool:
    """The facts page in the navigation: for those who read others' figures or record facts
    (everyone else reaches their own facts from their scorecard's evidence)."""
    return has_pages(user) and (may_read_others_figures(user) or may_record_facts(user))
