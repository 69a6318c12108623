"""Who may do what in appraisal: the one table of the app (conventions.md, policy.py),
asked by the pages, the services, the API and the navigation.

Whose scorecards a user reads is org.scope's question (`visible_appraisees`), and a
scorecard is read by whoever reads the figures it rests on (kpi/policy.py). Schemes
(考核方案, the `Template` model) are company configuration: service managers, HR and
administrators edit them; the other roles that read appraisal details read them. A
scheme applying within an org unit is changed only by an editor whose scope holds the
unit, a company-wide one only by those who see the whole company (`scheme_refusal`).
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from servicescore.core.roles import COMPANY_WIDE_ROLES, SELF_ONLY_ROLES, Role
from servicescore.kpi.policy import PAGELESS_ROLES
from servicescore.kpi.policy import RULES as KPI_RULES
from servicescore.org.scope import scope_for

from .errors import COMPANY_WIDE_SCHEME, SCHEME_EDITORS_ONLY, UNIT_OUT_OF_SCOPE, SchemeRefused, refused

SCHEME_EDITOR_ROLES = frozenset({Role.SERVICE_MANAGER, Role.HR, Role.ADMIN})
# Reviewers of the manual items (kpi-library.md, Manual ratings: "rated by reviewers"):
# the people's managers — team leads their team, service managers their part of the
# organisation — and HR and administrators, who see the whole company and so can rate
# those with no manager above them in the product (a regional manager, HR's own staff).
# Auditors read, never rate; a rating is signed by the reviewer's employee record.
RATER_ROLES = frozenset({Role.FOREMAN, Role.SERVICE_MANAGER, Role.HR, Role.ADMIN})

# Who runs appraisal cycles for the people in their scope.
CYCLE_MANAGER_ROLES = frozenset({Role.SERVICE_MANAGER, Role.HR, Role.ADMIN})

# action → the roles that may take it
RULES: dict[str, frozenset] = {
    # other people's scorecards, within the user's scope (everyone reads their own)
    "read_others_scores": KPI_RULES["read_others_figures"],
    # the team view: the scorecards of the people in scope, sortable
    "see_team": KPI_RULES["read_others_figures"] - PAGELESS_ROLES,
    # a scorecard page of one's own ("My scorecard")
    "open_own_scorecard": KPI_RULES["open_pages"],
    # the schemes, their versions and history: everyone who reads others' appraisal details
    "read_schemes": SCHEME_EDITOR_ROLES | KPI_RULES["read_others_figures"],
    # the scheme pages (an integration reads through the API only)
    "open_scheme_pages": (SCHEME_EDITOR_ROLES | KPI_RULES["read_others_figures"]) - PAGELESS_ROLES,
    # create, edit, activate, retire and discard schemes (within the unit rule below)
    "edit_schemes": SCHEME_EDITOR_ROLES,
    # rate the manual items of the people in scope (`may_rate`)
    "rate_people": RATER_ROLES,
    # appraisal cycles (models/cycles.py), each within the user's scope: create, open and
    # move on the cycles of the people in it (a service manager his part, HR everyone)
    "manage_cycles": CYCLE_MANAGER_ROLES,
    # skip a stage for someone (a late self review, an unsigned target), with a reason
    "skip_stages": frozenset({Role.HR, Role.ADMIN}),
    # the calibration view and its adjustments, with a reason
    "calibrate": CYCLE_MANAGER_ROLES,
    # publish a cycle's results and close it
    "publish_cycles": frozenset({Role.HR, Role.ADMIN}),
    # decide appeals (besides the cycle's named appeal reviewer; never the original manager)
    "decide_appeals": frozenset({Role.HR, Role.ADMIN}),
    # the results table, its export and the appeal statistics, within scope
    "read_cycle_results": CYCLE_MANAGER_ROLES | {Role.AUDITOR},
}


def allows(user, action: str) -> bool:
    """Whether the user's role may take `action` (a key of RULES)."""
    return getattr(user, "is_authenticated", False) and user.effective_role in RULES[action]


def may_see_team(user) -> bool:
    """Whether the user's role opens the team view (org.scope decides whom it shows)."""
    return allows(user, "see_team")


def sees_only_own_scores(user) -> bool:
    """Whether the team view sends the user to their own scorecard instead (a self-only
    role: technicians, advisors, clerks, agents, parts managers)."""
    return user.effective_role in SELF_ONLY_ROLES


def may_read_schemes(user) -> bool:
    return allows(user, "read_schemes")


def may_edit_schemes(user) -> bool:
    return allows(user, "edit_schemes")


def shows_my_scorecard(user) -> bool:
    """Whether the navigation offers "My scorecard": a role with pages and an employee
    record; company-wide roles get it anyway (/scores/ sends one without an employee
    record to the team view). No query: the scope is cached on the user."""
    if not allows(user, "open_own_scorecard"):
        return False
    return user.effective_role in COMPANY_WIDE_ROLES or scope_for(user).employee_id is not None


def shows_scheme_pages(user) -> bool:
    return allows(user, "open_scheme_pages")


def require_scheme_editor(user) -> None:
    """PermissionDenied (403) unless the user's role may edit appraisal schemes."""
    if not may_edit_schemes(user):
        raise PermissionDenied(
            _("Only service managers, HR and administrators may edit appraisal templates.")
        )


def require_scheme_reader(user) -> None:
    """PermissionDenied (403) unless the user's role may read appraisal schemes."""
    if not may_read_schemes(user):
        raise PermissionDenied(
            _("Your role does not read appraisal templates; ask your service manager or HR.")
        )


def scheme_refusal(org_unit, by) -> SchemeRefused | None:
    """Why `by` may not act on a scheme that applies within `org_unit` (None: the whole
    company), or None when they may. `by=None` is the operator at the command line. No
    query: the scope is cached on the user and the unit's path is compared in Python."""
    if by is None:
        return None
    if not may_edit_schemes(by):
        return refused(
            "org_unit",
            _("Only service managers, HR and administrators may edit appraisal templates."),
            SCHEME_EDITORS_ONLY,
        )
    scope = scope_for(by)
    if scope.everything:
        return None
    if org_unit is None:
        return refused(
            "org_unit",
            _(
                "This template applies to the whole company, so only HR and administrators may change "
                "it; create a template for your own part of the organisation instead."
            ),
            COMPANY_WIDE_SCHEME,
        )
    if not any(org_unit.path.startswith(path) for path in scope.unit_paths):
        return refused(
            "org_unit",
            _("%(unit)s is outside your part of the organisation; choose a unit within it.")
            % {"unit": org_unit.name},
            UNIT_OUT_OF_SCOPE,
        )
    return None


def rights_problem(org_unit, by) -> str | None:
    """`scheme_refusal` as the sentence a page shows, or None."""
    refusal = scheme_refusal(org_unit, by)
    return refusal.message_text if refusal is not None else None


def may_rate_people(user) -> bool:
    """Whether the user's role rates manual items (the rating page in the navigation)."""
    return allows(user, "rate_people")


def may_rate(user, employee) -> bool:
    """Whether `user` may rate `employee`'s manual items: a reviewer's role, the employee
    in the user's scope (org.scope, as `visible_appraisees` answers it), and not the user
    himself. Whether the employee's scheme has manual items is the selector's question.
    No query: the scope is cached on the user and needs the employee's org unit loaded."""
    if not may_rate_people(user) or employee.user_id == user.pk:
        return False
    scope = scope_for(user)
    if scope.everything:
        return True
    path = employee.org_unit.path if employee.org_unit_id else None
    return path is not None and any(path.startswith(prefix) for prefix in scope.unit_paths)


def require_rater(user) -> None:
    """PermissionDenied (403) unless the user's role rates manual items."""
    if not may_rate_people(user):
        raise PermissionDenied(
            _("Only team leads, service managers, HR and administrators rate people's manual items.")
        )


def shows_cycle_todo(user) -> bool:
    """Whether the navigation offers "My appraisal tasks" (appraisal:todo): a role with
    pages and an employee record; company-wide roles get it anyway (they decide appeals).
    No query: the scope is cached on the user."""
    if not allows(user, "open_own_scorecard"):
        return False
    return user.effective_role in COMPANY_WIDE_ROLES or scope_for(user).employee_id is not None
