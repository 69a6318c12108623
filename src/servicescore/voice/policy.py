"""Who may do what in customer voice.

Which records a user can see is the scope's question (voice/scope.py, built on
org/scope.py: out of scope → 404); this module answers the next one, by role. Views show
only what is allowed and the services check it again, so the API and the importer cannot
skip it.
"""

from servicescore.core.roles import COMPANY_ADMIN_ROLES, COMPANY_WIDE_ROLES, Role

# Survey templates and the customer-voice settings (delays, sampling, deadlines,
# fraud thresholds): the company's set-up.
SURVEY_ADMIN_ROLES = COMPANY_ADMIN_ROLES
# Who confirms or excludes a flagged survey response: managers above the people it scores.
REVIEW_ROLES = {Role.SERVICE_MANAGER, Role.HR, Role.ADMIN}
# Who works the follow-up queue and records calls.
FOLLOWUP_ROLES = {Role.CS_AGENT, Role.SERVICE_MANAGER, Role.ADMIN}
# Who registers and handles complaints (the complaint desk).
COMPLAINT_ROLES = {Role.CS_AGENT, Role.SERVICE_ADVISOR, Role.SERVICE_MANAGER, Role.HR, Role.ADMIN}
# Who may decide a complaint's responsible people or declare it not valid: never the
# people it may be about, so not the advisor or the agent who took it down.
COMPLAINT_DECIDER_ROLES = {Role.SERVICE_MANAGER, Role.HR, Role.ADMIN}
# Who records praise and referrals for an employee.
PRAISE_ROLES = {Role.CS_AGENT, Role.SERVICE_ADVISOR, Role.FOREMAN, Role.SERVICE_MANAGER, Role.HR, Role.ADMIN}
# Who sends a work order's survey link to the customer by hand (a WeCom card).
SURVEY_SENDER_ROLES = {Role.SERVICE_ADVISOR, Role.SERVICE_MANAGER, Role.ADMIN}
# Who opens the customer-voice overview (rates, open complaints, flagged responses).
OVERVIEW_ROLES = {Role.FOREMAN, Role.SERVICE_MANAGER} | COMPANY_WIDE_ROLES


def _role(user) -> str | None:
    return getattr(user, "effective_role", None) if getattr(user, "is_authenticated", False) else None


def may_manage_surveys(user) -> bool:
    return _role(user) in SURVEY_ADMIN_ROLES


def may_review_responses(user) -> bool:
    return _role(user) in REVIEW_ROLES


def may_work_followups(user) -> bool:
    return _role(user) in FOLLOWUP_ROLES


def may_handle_complaints(user) -> bool:
    return _role(user) in COMPLAINT_ROLES


def may_decide_complaints(user) -> bool:
    return _role(user) in COMPLAINT_DECIDER_ROLES


def may_record_praise(user) -> bool:
    return _role(user) in PRAISE_ROLES


def may_send_survey(user) -> bool:
    return _role(user) in SURVEY_SENDER_ROLES


def may_see_overview(user) -> bool:
    return _role(user) in OVERVIEW_ROLES


# Who adds a closed work order to the follow-up queue by hand (engineer K).
FOLLOWUP_QUEUE_ROLES = {Role.SERVICE_MANAGER, Role.ADMIN}


def may_queue_followups(user) -> bool:
    return _role(user) in FOLLOWUP_QUEUE_ROLES
