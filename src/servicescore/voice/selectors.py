"""Reads of the customer's voice: what the customer said about a work order (survey,
follow-up calls, complaints, praise) and about an employee. Each takes the requesting
user and asks workorders/scope.py and org/scope.py, so that nothing outside the user's
scope is read; the scope of each kind of record is defined here once (the API's routers
and the profile's section read through it).

Who may see what, inside the scope:
- survey responses: through their work order; the fraud details (signals, review, device
  and address) only for those who review flagged responses (voice.policy);
- follow-up calls and tasks: through their work order, and an agent's own calls; a
  customer-service agent also those of his service centre;
- complaints: through their work order, the employee they are about or one of the people
  concerned, and the handler's own; an agent also those of his service centre;
- praise: through the employee praised or the work order.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Avg, Count, Exists, F, Max, OuterRef, Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicescore.core.periods import MONTH_RE, company_zone, parse_period
from servicescore.core.phones import mask_phone
from servicescore.core.roles import Role
from servicescore.org.models import Employee, OrgUnit
from servicescore.org.scope import (
    can_see_others_scores,
    employee_of,
    scope_for,
    service_centre_of,
    visible_employees,
    visible_org_units,
)
from servicescore.workorders.models import State, WorkOrder
from servicescore.workorders.scope import visible_work_orders

from . import policy
from .models import (
    Complaint,
    ComplaintPerson,
    FollowUp,
    FollowUpTask,
    Praise,
    SurveyInvitation,
    SurveyResponse,
    VoiceMonth,
)

COMPLAINT_STATES = {
    "invalid": _("Not upheld"),
    "resolved": _("Resolved"),
    "open": _("Open"),
}
CLOSED_COMPLAINT_STATES = (Complaint.State.RESOLVED, Complaint.State.CLOSED)


def complaint_state(complaint: Complaint) -> str:
    """'invalid' (not upheld), 'resolved' or 'open'."""
    if not complaint.valid or complaint.state == Complaint.State.NOT_VALID:
        return "invalid"
    if complaint.resolved_at or complaint.state in CLOSED_COMPLAINT_STATES:
        return "resolved"
    return "open"


def _mark(complaint: Complaint, now: datetime.datetime) -> None:
    """Set `status` (open, resolved, invalid), `status_label` and `breaching` (open past its
    deadline) on a complaint read for a page."""
    complaint.status = complaint_state(complaint)
    complaint.status_label = COMPLAINT_STATES[complaint.status]
    complaint.breaching = (
        complaint.status == "open" and complaint.due_at is not None and complaint.due_at < now
    )


def open_complaints_q(prefix: str = "") -> Q:
    """Complaints still to be handled: valid, not resolved, closed or declared not valid."""
    return Q(**{f"{prefix}valid": True, f"{prefix}resolved_at__isnull": True}) & ~Q(
        **{f"{prefix}state__in": (*CLOSED_COMPLAINT_STATES, Complaint.State.NOT_VALID)}
    )


def masked_recipient(recipient: str) -> str:
    """Where an invitation went, as the work-order page shows it: stored masked, masked
    again here should an import have stored it whole (a phone's middle digits, an
    e-mail's local part)."""
    if not recipient or "*" in recipient:
        return recipient
    if "@" in recipient:
        local, _at, domain = recipient.partition("@")
        return f"{local[:1]}***@{domain}"
    return mask_phone(recipient)


def flag_labels(flags) -> list[str]:
    """The fraud signals of a response, in words (an unknown code as it is)."""
    labels = dict(SurveyResponse.Signal.choices)
    return [str(labels.get(flag, flag)) for flag in flags or ()]


def reviews_url() -> str:
    """The flagged-response review queue (voice/urls_fraud.py), or its path while that
    page is not mounted yet."""
    for name in ("voice:review_list", "voice:reviews"):
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return "/voice/reviews/"


def complaint_desk_url(tab: str = "") -> str:
    """The complaint desk (voice/urls_complaints.py), on one of its tabs; "" while that page
    is not mounted."""
    try:
        url = reverse("voice:complaints")
    except NoReverseMatch:
        return ""
    return f"{url}?tab={tab}" if tab else url


# --- the scope of each kind of record -----------------------------------------------------------


def sees_fraud_details(user) -> bool:
    """The fraud signals, the review and the answering device of a response: for the
    reviewers only (a technician sees his customers' ratings and comments, never these)."""
    return policy.may_review_responses(user)


def _centre_units(user):
    """The org units of a customer-service agent's service centre (its subtree), or None
    for other roles: an agent calls and takes complaints for the whole centre."""
    if getattr(user, "effective_role", None) != Role.CS_AGENT:
        return None
    employee = employee_of(user)
    centre = service_centre_of(employee) if employee is not None else None
    if centre is None:
        return None
    return OrgUnit.objects.filter(path__startswith=centre.path).values("pk")


def _own_employee_id(user):
    return scope_for(user).employee_id


def visible_responses(user) -> QuerySet:
    if scope_for(user).everything:
        return SurveyResponse.objects.all()
    return SurveyResponse.objects.filter(work_order_id__in=visible_work_orders(user).values("pk"))


def visible_followups(user) -> QuerySet:
    scope = scope_for(user)
    if scope.everything:
        return FollowUp.objects.all()
    visible = Q(work_order_id__in=visible_work_orders(user).values("pk"))
    if scope.employee_id is not None:
        visible |= Q(agent_id=scope.employee_id)
    units = _centre_units(user)
    if units is not None:
        visible |= Q(work_order__service_center_id__in=units)
    return FollowUp.objects.filter(visible)


def visible_complaints(user) -> QuerySet:
    """The complaints `user` may read: the one complaint rule of voice/scope_complaints.py
    (shared with the desk), over the user's org scope."""
    from .scope_complaints import readable_complaints

    return readable_complaints(user)


def visible_praise(user) -> QuerySet:
    scope = scope_for(user)
    if scope.everything:
        return Praise.objects.all()
    if scope.is_empty:
        return Praise.objects.none()
    return Praise.objects.filter(
        Q(employee_id__in=visible_employees(user).values("pk"))
        | Q(work_order_id__in=visible_work_orders(user).values("pk"))
        | Q(recorded_by_id=user.pk)
    )


def _one(queryset, pk):
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def visible_response(user, pk) -> SurveyResponse:
    return _one(visible_responses(user).select_related("work_order", "reviewed_by"), pk)


def visible_followup(user, pk) -> FollowUp:
    return _one(visible_followups(user).select_related("work_order", "agent", "task", "complaint"), pk)


def visible_complaint(user, pk) -> Complaint:
    return _one(
        visible_complaints(user)
        .select_related("work_order", "employee", "handler", "registered_by")
        .prefetch_related(Prefetch("people", ComplaintPerson.objects.select_related("employee"))),
        pk,
    )


def visible_praise_one(user, pk) -> Praise:
    return _one(visible_praise(user).select_related("employee", "work_order", "recorded_by"), pk)


# --- a work order's feedback ---------------------------------------------------------------------


@dataclass
class WorkOrderFeedback:
    """Everything the customer said about one work order, newest first in each list."""

    surveys: list = field(default_factory=list)
    invitations: list = field(default_factory=list)
    task: FollowUpTask | None = None
    followups: list = field(default_factory=list)
    complaints: list = field(default_factory=list)
    praise: list = field(default_factory=list)
    show_fraud: bool = False
    # The complaint desk's roles open a complaint's page from here.
    link_complaints: bool = False

    @property
    def waiting_invitations(self) -> list:
        return [invitation for invitation in self.invitations if invitation.response_id is None]

    @property
    def is_empty(self) -> bool:
        return not (
            self.surveys or self.invitations or self.task or self.followups or self.complaints or self.praise
        )


def work_order_feedback(user, work_order, *, now: datetime.datetime | None = None) -> WorkOrderFeedback:
    """The survey invitations and responses, the follow-up task and calls, the complaints
    and the praise of `work_order`, empty when the user may not see the order (the caller's
    page already checked it; this does not widen it). Seven queries, however much feedback.

    Each complaint carries `status` (open, resolved, invalid), `status_label` and
    `breaching` (open past its deadline); each invitation `shown_recipient` (masked)."""
    if not visible_work_orders(user).filter(pk=work_order.pk).exists():
        return WorkOrderFeedback()
    now = now or timezone.now()
    complaints = list(
        Complaint.objects.filter(work_order_id=work_order.pk).select_related("employee", "handler")
    )
    for complaint in complaints:
        _mark(complaint, now)
    invitations = list(
        SurveyInvitation.objects.filter(work_order_id=work_order.pk).order_by("-created", "-pk")
    )
    for invitation in invitations:
        invitation.shown_recipient = masked_recipient(invitation.recipient)
    show_fraud = sees_fraud_details(user)
    surveys = list(SurveyResponse.objects.filter(work_order_id=work_order.pk).select_related("reviewed_by"))
    for survey in surveys:
        survey.flag_labels = flag_labels(survey.flags) if show_fraud else []
    return WorkOrderFeedback(
        surveys=surveys,
        invitations=invitations,
        task=FollowUpTask.objects.filter(work_order_id=work_order.pk).select_related("assigned_to").first(),
        followups=list(FollowUp.objects.filter(work_order_id=work_order.pk).select_related("agent")),
        complaints=complaints,
        praise=list(Praise.objects.filter(work_order_id=work_order.pk).select_related("employee")),
        show_fraud=show_fraud,
        link_complaints=policy.may_handle_complaints(user),
    )


# --- an employee's customer voice (the profile) ---------------------------------------------------

PROFILE_RESPONSES = 10
PROFILE_COMPLAINTS = 10
PROFILE_PRAISE = 10
PROFILE_DAYS = 90


def may_read_voice_of(user, employee: Employee) -> bool:
    """Responses, complaints and praise score a person (kpi-library.md): read, like the
    scores, by the person and by those who read others' scores (the profile found the
    employee in the reader's scope)."""
    return can_see_others_scores(user) or (employee.user_id is not None and employee.user_id == user.pk)


def employee_voice(user, employee: Employee, *, now: datetime.datetime | None = None) -> dict:
    """The employee's recent survey responses (through the orders he led or advised, that
    the user may see), the complaints about him (named, or among the people concerned,
    marked when found responsible) and his praise, with the last PROFILE_DAYS days'
    figures. Five queries besides the scope's, however many records."""
    now = now or timezone.now()
    since = now - datetime.timedelta(days=PROFILE_DAYS)
    orders = visible_work_orders(user).filter(Q(technician_id=employee.pk) | Q(advisor_id=employee.pk))
    responses = SurveyResponse.objects.filter(work_order_id__in=orders.values("pk"))
    counted = responses.exclude(review=SurveyResponse.Review.EXCLUDED).filter(submitted_at__gte=since)
    summary = counted.aggregate(
        count=Count("pk"),
        satisfied=Count("pk", filter=Q(overall__gte=4)),
        average=Avg("overall"),
    )
    summary["csat"] = round(100.0 * summary["satisfied"] / summary["count"], 1) if summary["count"] else None
    if summary["average"] is not None:
        summary["average"] = round(float(summary["average"]), 2)
    recent = list(responses.select_related("work_order").order_by("-submitted_at", "-pk")[:PROFILE_RESPONSES])
    concerned = ComplaintPerson.objects.filter(complaint_id=OuterRef("pk"), employee_id=employee.pk)
    complaints = list(
        Complaint.objects.filter(
            Q(employee_id=employee.pk)
            | Q(pk__in=ComplaintPerson.objects.filter(employee_id=employee.pk).values("complaint_id"))
        )
        .annotate(found_responsible=Exists(concerned.filter(responsible=True)))
        .select_related("work_order")
        .order_by("-received_at", "-pk")[:PROFILE_COMPLAINTS]
    )
    for complaint in complaints:
        _mark(complaint, now)
    praise = list(
        Praise.objects.filter(employee_id=employee.pk)
        .select_related("work_order")
        .order_by("-received_at", "-pk")[:PROFILE_PRAISE]
    )
    return {
        "summary": summary,
        "days": PROFILE_DAYS,
        "responses": recent,
        "complaints": complaints,
        "praise": praise,
    }


# --- the customer-voice overview (managers) -------------------------------------------------------

COVERAGE_WINDOW = datetime.timedelta(days=7)  # kpi-library.md, FOLLOWUP_COVERAGE
OVERVIEW_MONTHS = 12
# Open complaints by how long ago they arrived: (key, label, the youngest age, the oldest).
AGE_BUCKETS = (
    ("day", _("0–24 h"), datetime.timedelta(0), datetime.timedelta(hours=24)),
    ("two_days", _("1–2 days"), datetime.timedelta(hours=24), datetime.timedelta(hours=48)),
    ("week", _("2–7 days"), datetime.timedelta(hours=48), datetime.timedelta(days=7)),
    ("older", _("Older"), datetime.timedelta(days=7), None),
)
NO_CENTRE = 0  # the row of complaints without a work order
# The additive counts of a month a VoiceMonth row stores (voice/services/overview_summary.py).
MONTH_COUNTS = (
    "sent",
    "answered",
    "responses",
    "satisfied",
    "overall_sum",
    "with_nps",
    "promoters",
    "detractors",
    "closed",
    "covered",
)


def _percent(part, whole):
    return round(100.0 * part / whole, 1) if whole else None


@dataclass
class VoiceFigures:
    """One row of the overview (a service centre, or the total): the month's survey,
    follow-up and complaint figures, as kpi-library.md defines them."""

    sent: int = 0
    answered: int = 0
    responses: int = 0
    satisfied: int = 0
    overall_sum: int = 0
    with_nps: int = 0
    promoters: int = 0
    detractors: int = 0
    closed: int = 0
    covered: int = 0
    open_complaints: int = 0
    breaching: int = 0
    ages: dict = field(default_factory=dict)

    def add(self, other: "VoiceFigures") -> None:
        for name in (
            "sent",
            "answered",
            "responses",
            "satisfied",
            "overall_sum",
            "with_nps",
            "promoters",
            "detractors",
            "closed",
            "covered",
            "open_complaints",
            "breaching",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for key, count in other.ages.items():
            self.ages[key] = self.ages.get(key, 0) + count

    @property
    def response_rate(self):
        return _percent(self.answered, self.sent)

    @property
    def csat(self):
        return _percent(self.satisfied, self.responses)

    @property
    def average(self):
        return round(self.overall_sum / self.responses, 2) if self.responses else None

    @property
    def nps(self):
        return round(100.0 * (self.promoters - self.detractors) / self.with_nps, 1) if self.with_nps else None

    @property
    def coverage(self):
        return _percent(self.covered, self.closed)

    @property
    def age_counts(self) -> list[tuple[str, str, int]]:
        return [(key, label, self.ages.get(key, 0)) for key, label, _young, _old in AGE_BUCKETS]


def overview_months(now: datetime.datetime) -> list[str]:
    """The months the picker offers: this one and the OVERVIEW_MONTHS - 1 before it."""
    local = timezone.localtime(now, company_zone())
    year, month = local.year, local.month
    months = []
    for _n in range(OVERVIEW_MONTHS):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months


def overview_unit(user, unit_id):
    """The org unit chosen on the overview, or None for everything in scope; 404 for an
    id that is not a number or names a unit out of the user's scope."""
    if unit_id in (None, ""):
        return None
    try:
        pk = int(unit_id)
    except (TypeError, ValueError):
        raise Http404 from None
    unit = visible_org_units(user).filter(pk=pk).first()
    if unit is None:
        raise Http404
    return unit


def _covered_q(start, end, *, whole_company: bool) -> Q:
    """Which orders closed in [start, end) were covered: a reached call or a survey answer
    within COVERAGE_WINDOW of closing. For the whole company, one pass over the month's
    calls and responses (hashed); for a part of it (a manager's centres, a chosen unit),
    a look-up per closed order through the work_order_id indexes, so that a centre's page
    never reads the whole company's calls (large demo: 1.9 s against 0.2 s for one centre,
    but 18 s against 4.9 s for the whole company)."""
    if whole_company:
        limit = F("work_order__closed_at") + COVERAGE_WINDOW
        window = Q(work_order__closed_at__gte=start, work_order__closed_at__lt=end)
        called = FollowUp.objects.filter(
            window, reached=True, called_at__gte=F("work_order__closed_at"), called_at__lte=limit
        ).values("work_order_id")
        surveyed = SurveyResponse.objects.filter(
            window, submitted_at__gte=F("work_order__closed_at"), submitted_at__lte=limit
        ).values("work_order_id")
        return Q(pk__in=called) | Q(pk__in=surveyed)
    closed, limit = OuterRef("closed_at"), OuterRef("closed_at") + COVERAGE_WINDOW
    called = FollowUp.objects.filter(
        work_order_id=OuterRef("pk"), reached=True, called_at__gte=closed, called_at__lte=limit
    )
    surveyed = SurveyResponse.objects.filter(
        work_order_id=OuterRef("pk"), submitted_at__gte=closed, submitted_at__lte=limit
    )
    return Q(Exists(called)) | Q(Exists(surveyed))


def _live_month(row, order_ids, start, end, *, whole_company: bool) -> None:
    """The month's survey and follow-up counts of `order_ids`, read from the records, into
    `row(centre_id)`: three grouped queries (the overview before the month is stored)."""
    centre = "work_order__service_center_id"
    sent = (
        SurveyInvitation.objects.filter(work_order_id__in=order_ids, sent_at__gte=start, sent_at__lt=end)
        .values(centre)
        .annotate(sent=Count("pk"), answered=Count("pk", filter=Q(response__isnull=False)))
        .order_by()
    )
    for item in sent:
        figures = row(item[centre])
        figures.sent, figures.answered = item["sent"], item["answered"]
    answered = (
        SurveyResponse.objects.filter(
            work_order_id__in=order_ids, submitted_at__gte=start, submitted_at__lt=end
        )
        .exclude(review=SurveyResponse.Review.EXCLUDED)
        .values(centre)
        .annotate(
            responses=Count("pk"),
            satisfied=Count("pk", filter=Q(overall__gte=4)),
            overall_sum=Sum("overall"),
            with_nps=Count("pk", filter=Q(nps__isnull=False)),
            promoters=Count("pk", filter=Q(nps__gte=9)),
            detractors=Count("pk", filter=Q(nps__lte=6)),
        )
        .order_by()
    )
    for item in answered:
        figures = row(item[centre])
        for name in ("responses", "satisfied", "overall_sum", "with_nps", "promoters", "detractors"):
            setattr(figures, name, item[name] or 0)
    closed_in_month = WorkOrder.objects.filter(pk__in=order_ids, closed_at__gte=start, closed_at__lt=end)
    covered = _covered_q(start, end, whole_company=whole_company)
    coverage = (
        closed_in_month.values("service_center_id")
        .annotate(closed=Count("pk"), covered=Count("pk", filter=covered))
        .order_by()
    )
    for item in coverage:
        figures = row(item["service_center_id"])
        figures.closed, figures.covered = item["closed"], item["covered"]


def _stored_month(user, month: str, unit):
    """(when the month's figures were computed, its VoiceMonth counts summed per service
    centre) over the rows whose centre or team lies in the user's scope (every row for a
    company-wide scope), narrowed to `unit`'s subtree by centre or team; None when the
    month is not stored yet, or for a scope of one person (not kept per person)."""
    scope = scope_for(user)
    if not scope.everything and not scope.unit_paths:
        return None
    stored = VoiceMonth.objects.filter(month=month)
    computed_at = stored.aggregate(at=Max("computed_at"))["at"]
    if computed_at is None:
        return None
    if not scope.everything:
        units = visible_org_units(user).values("pk")
        stored = stored.filter(Q(centre_id__in=units) | Q(team_id__in=units))
    if unit is not None:
        stored = stored.filter(Q(centre__path__startswith=unit.path) | Q(team__path__startswith=unit.path))
    sums = stored.values("centre_id").annotate(**{name: Sum(name) for name in MONTH_COUNTS}).order_by()
    return computed_at, sums


def voice_overview(user, *, month: str, unit=None, now: datetime.datetime | None = None) -> dict:
    """The customer-voice figures of `month` (YYYY-MM) for the work orders the user may see
    (only those of `unit`'s subtree, by service centre or lead technician, when given):
    per service centre and in total, the survey response rate, CSAT, average rating, NPS
    and follow-up coverage of the month, the complaints open now by age and past their
    deadline, and the flagged responses waiting for review. ValueError for a malformed
    month. Set-based: a fixed number of queries, however many centres and records.

    The month's survey and follow-up counts come from its stored summary (VoiceMonth,
    voice/services/overview_summary.py, rebuilt hourly) when the month has one: the rows
    whose service centre or team (the lead technician's org unit) lies in the user's scope
    (every row for a company-wide scope), narrowed to `unit`'s subtree by centre or team,
    summed per centre in one query; `computed_at` then says when they were computed (None
    otherwise). A month not stored yet, and a one-person scope, are computed live from the
    records as before. The open complaints, those past their deadline and the pending
    reviews are always read live: they are figures of now."""
    period = parse_period(month)
    if not MONTH_RE.fullmatch(period.code):
        raise ValueError(_("Choose a month (YYYY-MM)."))
    now = now or timezone.now()
    start, end = period.start, period.end
    orders = visible_work_orders(user).exclude(state=State.CANCELLED)
    complaints = visible_complaints(user).filter(open_complaints_q())
    if unit is not None:
        in_unit = Q(service_center__path__startswith=unit.path) | Q(
            technician__org_unit__path__startswith=unit.path
        )
        orders = orders.filter(in_unit)
        complaints = complaints.filter(
            Q(work_order__service_center__path__startswith=unit.path)
            | Q(employee__org_unit__path__startswith=unit.path)
        )
    order_ids = orders.values("pk")
    rows: dict[int, VoiceFigures] = {}

    def row(centre_id) -> VoiceFigures:
        return rows.setdefault(centre_id or NO_CENTRE, VoiceFigures())

    centre = "work_order__service_center_id"
    stored = _stored_month(user, period.code, unit)
    if stored is None:
        computed_at = None
        _live_month(row, order_ids, start, end, whole_company=scope_for(user).everything and unit is None)
    else:
        computed_at, stored_rows = stored
        for item in stored_rows:
            figures = row(item["centre_id"])
            for name in MONTH_COUNTS:
                setattr(figures, name, item[name] or 0)
    ages = {}
    for key, _label, young, old in AGE_BUCKETS:
        received = Q(received_at__lte=now - young)
        if old is not None:
            received &= Q(received_at__gt=now - old)
        ages[key] = Count("pk", filter=received)
    open_now = (
        complaints.values(centre)
        .annotate(open=Count("pk"), breaching=Count("pk", filter=Q(due_at__lt=now)), **ages)
        .order_by()
    )
    for item in open_now:
        figures = row(item[centre])
        figures.open_complaints += item["open"]
        figures.breaching += item["breaching"]
        for key in ages:
            figures.ages[key] = figures.ages.get(key, 0) + item[key]
    may_review = policy.may_review_responses(user)
    pending = 0
    if may_review:
        pending = SurveyResponse.objects.filter(review=SurveyResponse.Review.PENDING)
        if scope_for(user).everything and unit is None:  # the few pending ones, joined to their orders
            pending = pending.exclude(work_order__state=State.CANCELLED).count()
        else:
            pending = pending.filter(work_order_id__in=order_ids).count()
    names = {
        unit.pk: unit
        for unit in OrgUnit.objects.filter(pk__in=[pk for pk in rows if pk != NO_CENTRE]).only("name", "code")
    }
    table = []
    total = VoiceFigures()
    for centre_id, figures in rows.items():
        total.add(figures)
        figures.centre = names.get(centre_id)
        table.append(figures)
    table.sort(key=lambda figures: (figures.centre is None, figures.centre.name if figures.centre else ""))
    return {
        "month": period.code,
        "unit": unit,
        "total": total,
        "centres": table,
        "pending_reviews": pending,
        "may_review": may_review,
        "computed_at": computed_at,
    }


def overview_units(user) -> list:
    """The org units the overview's picker offers (the user's scope), indented by depth."""
    units = list(visible_org_units(user).only("name", "code", "path", "kind").order_by("path"))
    top = min((unit.path.count("/") for unit in units), default=0)
    for unit in units:
        unit.indent = "\u00a0" * 3 * (unit.path.count("/") - top)
    return units
