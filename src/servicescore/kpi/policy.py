"""Who may do what with the indicators: the one table of kpi (conventions.md, policy.py).

Whose figures a user reads is org.scope's question (`visible_appraisees`); this table
says which roles do what with them. The appraisal policy builds on it: a scorecard is read
by whoever reads the figures it rests on.
"""

from servicescore.core.roles import Role
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
}


def allows(user, action: str) -> bool:
    """Whether the user's role may take `action` (a key of RULES)."""
    return getattr(user, "is_authenticated", False) and user.effective_role in RULES[action]


def may_read_others_figures(user) -> bool:
    return allows(user, "read_others_figures")


def has_pages(user) -> bool:
    return allows(user, "open_pages")
