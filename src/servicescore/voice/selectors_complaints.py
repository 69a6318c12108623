"""Customer voice, complaints and praise: the reads, for the requesting user (scope:
voice/scope_complaints.py; out of scope → 404)."""

from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone

from servicescore.org.scope import employee_of

from . import policy
from .models import Complaint, Praise, VoiceAttachment
from .scope_complaints import visible_attachments, visible_complaints, visible_praise

S = Complaint.State
OPEN_STATES = (S.RECEIVED, S.ASSIGNED, S.INVESTIGATING, S.DETERMINED, S.NOT_VALID)
TABS = ("new", "mine", "breaching", "open", "all")
PER_PAGE = 25


def _tab_filters(employee, now) -> dict:
    return {
        "new": Q(state=S.RECEIVED),
        "mine": Q(state__in=OPEN_STATES, handler=employee) if employee is not None else Q(pk__in=[]),
        "breaching": Q(state__in=OPEN_STATES, due_at__lt=now),
        "open": Q(state__in=OPEN_STATES),
        "all": Q(),
    }


def complaint_desk(user, *, tab="new", page=None, now=None) -> dict:
    """The desk's counts (new, mine, breaching the deadline, open) in one query, and the
    complaints of the chosen tab, a page at a time."""
    now = now or timezone.now()
    tab = tab if tab in TABS else "new"
    employee = employee_of(user)
    filters = _tab_filters(employee, now)
    complaints = visible_complaints(user)
    counts = complaints.aggregate(
        **{key: Count("pk", filter=q) for key, q in filters.items() if key != "all"}
    )
    listed = (
        complaints.filter(filters[tab])
        .select_related("work_order", "handler")
        .order_by("due_at" if tab in ("breaching", "mine", "open") else "-received_at", "pk")
    )
    page_obj = Paginator(listed, PER_PAGE).get_page(page)
    for complaint in page_obj:
        complaint.overdue = (
            complaint.state in OPEN_STATES and complaint.due_at is not None and complaint.due_at < now
        )
    return {"tab": tab, "tabs": TABS, "counts": counts, "page_obj": page_obj, "now": now}


@dataclass
class Actions:
    """What the user may do with a complaint now (voice.policy and its state)."""

    assign: bool = False
    start: bool = False
    decide: bool = False
    resolve: bool = False
    close: bool = False
    note: bool = False
    evidence: bool = False

    @property
    def any_step(self) -> bool:
        return self.assign or self.start or self.decide or self.resolve or self.close


def complaint_actions(user, complaint) -> Actions:
    if not policy.may_handle_complaints(user):
        return Actions()
    state = complaint.state
    concerned = {link.employee_id for link in complaint.people.all()} | {complaint.employee_id}
    me = employee_of(user)
    may_decide = policy.may_decide_complaints(user) and (me is None or me.pk not in concerned)
    return Actions(
        assign=state in (S.RECEIVED, S.ASSIGNED, S.INVESTIGATING),
        start=state == S.ASSIGNED,
        decide=state == S.INVESTIGATING and may_decide,
        resolve=state in (S.DETERMINED, S.NOT_VALID),
        close=state == S.RESOLVED,
        note=True,
        evidence=True,
    )


def visible_complaint(user, pk) -> Complaint:
    """One complaint with its work order, people, timeline and evidence; 404 out of scope."""
    complaint = (
        visible_complaints(user)
        .select_related("work_order__service_center", "handler", "employee", "registered_by")
        .prefetch_related("people__employee", "events__by", "attachments")
        .filter(pk=pk)
        .first()
    )
    if complaint is None:
        raise Http404
    return complaint


def visible_attachment(user, pk) -> VoiceAttachment:
    attachment = visible_attachments(user).filter(pk=pk).first()
    if attachment is None:
        raise Http404
    return attachment


def praise_list(user, *, page=None) -> dict:
    records = (
        visible_praise(user)
        .select_related("employee", "work_order", "recorded_by")
        .prefetch_related("attachments")
        .order_by("-received_at", "-pk")
    )
    return {"page_obj": Paginator(records, PER_PAGE).get_page(page)}


def praise_of(user, pk) -> Praise:
    praise = visible_praise(user).filter(pk=pk).first()
    if praise is None:
        raise Http404
    return praise
