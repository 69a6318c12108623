"""Customer voice, complaints and praise: the reads, for the requesting user (scope:
voice/scope_complaints.py; out of scope → 404)."""

import re
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from servicescore.core.roles import can_see_full_phone
from servicescore.customers.search import query_too_short
from servicescore.workorders.models import WorkOrder
from servicescore.workorders.selectors import search_q as work_order_search_q

from . import policy
from .models import Complaint, Praise, VoiceAttachment
from .scope_complaints import desk_employee, visible_attachments, visible_complaints, visible_praise

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


# "#123" or "123": a complaint's number (its id).
NUMBER_RE = re.compile(r"#?(\d{1,12})")
# At most this many complaints found through their work orders: a search names a few.
SEARCH_LIMIT = 1000


def search_q(user, text: str) -> Q | None:
    """The complaints a desk search names, or None when the query is too short to search:
    by their number ("#123") or the start of their external id, or through their work
    order — its number, the vehicle's plate in any spelling, the customer's name or the
    last four digits of their phone (the work-order search's own rules and indexes,
    workorders/selectors.py, with the whole phone for the roles that see it whole).

    The work orders' complaints are looked up first, as ids (a semi-join on the work
    orders' indexes, then complaint.work_order_id's), so that the desk's query ORs only
    index lookups (pk, external_id, pk list) instead of a subquery per row. The caller
    applies the scope."""
    term = text.strip()
    number = NUMBER_RE.fullmatch(term)
    q = Q(pk=int(number.group(1))) if number else Q(pk__in=[])
    if term.startswith("#") and number:
        return q
    if query_too_short(term):
        return q if number else None
    for spelling in sorted({term, term.upper()}):
        q |= Q(external_id__startswith=spelling)
    orders = WorkOrder.objects.filter(work_order_search_q(term, full_phone=can_see_full_phone(user)))
    through_orders = list(
        Complaint.objects.filter(work_order__in=orders.values("pk"))
        .order_by()
        .values_list("pk", flat=True)[:SEARCH_LIMIT]
    )
    return q | Q(pk__in=through_orders) if through_orders else q


def complaint_desk(user, *, tab="new", page=None, now=None, q="") -> dict:
    """The desk's counts (new, mine, breaching the deadline, open) in one query, and the
    complaints of the chosen tab, a page at a time; with a search `q`, both within the
    complaints it names (see `search_q`)."""
    now = now or timezone.now()
    tab = tab if tab in TABS else "new"
    employee = desk_employee(user)
    filters = _tab_filters(employee, now)
    complaints = visible_complaints(user)
    query = (q or "").strip()[:100]
    search_error = ""
    if query:
        searched = search_q(user, query)
        if searched is None:
            search_error = _(
                "Type at least three characters (or a two-character name): a complaint or "
                "work-order number, a plate, a name or the last four digits of a phone."
            )
            searched = Q(pk__in=[])
        complaints = complaints.filter(searched)
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
    return {
        "tab": tab,
        "tabs": TABS,
        "counts": counts,
        "page_obj": page_obj,
        "now": now,
        "q": query,
        "search_error": search_error,
    }


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
    me = desk_employee(user)
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
