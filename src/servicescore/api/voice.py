"""/api/voice: the customer's voice — survey responses, follow-up calls, complaints and
praise — read through voice.selectors (the same data scope as the pages: out of scope →
404), newest first with a keyset cursor; complaints and praise registered through the
services the complaint desk uses (voice.services.complaints), which check the role and the
scope and raise coded errors that api/main.py answers as `{code, message, field}`.

A survey response's fraud details (its signals, its review, the answering device) are
given only to those who review flagged responses (voice.policy); for anyone else they are
null."""

import datetime
from typing import Literal

from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from servicescore.core.errors import NotFound, Refused
from servicescore.core.periods import day_start
from servicescore.org.scope import visible_employees
from servicescore.voice import policy, selectors
from servicescore.voice.errors import complaints as complaint_codes
from servicescore.voice.models import Complaint, ComplaintPerson, Praise, SurveyResponse
from servicescore.voice.scope_complaints import complaint_employees, complaint_work_orders, praise_employees
from servicescore.voice.services import invitations
from servicescore.voice.services.complaints import complaint_register, praise_record
from servicescore.voice.services.fraud import response_review
from servicescore.workorders.scope import visible_work_orders

from . import auth
from .common import (
    DEFAULT_LIMIT,
    BoolParam,
    CursorParam,
    DateIn,
    DateTimeIn,
    Limit,
    ObjectIn,
    bad_input,
    code_of,
    error_responses,
    keyset_page,
)

router = Router(tags=["customer voice"])
READ_ERRORS = error_responses(401, 403, 422, 429)
ONE_ERRORS = error_responses(401, 403, 404, 422, 429)
WRITE_ERRORS = error_responses(400, 401, 403, 404, 413, 422, 429)

ComplaintStateCode = Literal[tuple(Complaint.State.values)]
SourceCode = Literal[("", *Complaint.Source.values)]
SeverityCode = Literal[("", *Complaint.Severity.values)]
PraiseKindCode = Literal[tuple(Praise.Kind.values)]


def _day_range(qs, field: str, date_from, date_to):
    """Records whose `field` falls on the local dates from `date_from` to `date_to`, inclusive."""
    if date_from:
        qs = qs.filter(**{f"{field}__gte": day_start(date_from)})
    if date_to:
        qs = qs.filter(**{f"{field}__lt": day_start(date_to + datetime.timedelta(days=1))})
    return qs


def _order_of(obj) -> dict:
    order = obj.work_order
    return {
        "work_order": obj.work_order_id,
        "work_order_external_id": order.external_id if order is not None else None,
    }


class Page(Schema):
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


# --- survey responses -------------------------------------------------------------------------


class SurveyResponseOut(Schema):
    id: int
    external_id: str | None
    work_order: int
    work_order_external_id: str
    submitted_at: datetime.datetime
    overall: int = Field(description="1–5.")
    attitude: int | None
    quality: int | None
    speed: int | None
    nps: int | None = Field(description="0–10.")
    comment: str
    channel: str
    language: str
    answers: dict = Field(description="Every answer by question code.")
    excluded: bool = Field(description="Excluded from the scores after review.")
    flags: list[str] | None = Field(
        description="Fraud signals (fast, staff_device, device_burst, top_marks_run); null unless "
        "the caller reviews flagged responses."
    )
    review: str | None = Field(description="'', pending, confirmed or excluded; null as `flags`.")
    review_reason: str | None = Field(description="Null as `flags`.")
    template: int | None = Field(
        description="Id of the survey template version answered (its questions' wording); null for imports."
    )


class SurveyResponsePage(Page):
    items: list[SurveyResponseOut]


def _response_out(response, *, fraud: bool) -> dict:
    return {
        "id": response.pk,
        "external_id": response.external_id,
        **_order_of(response),
        **{
            name: getattr(response, name)
            for name in (
                "submitted_at",
                "overall",
                "attitude",
                "quality",
                "speed",
                "nps",
                "comment",
                "channel",
                "language",
                "answers",
            )
        },
        "excluded": response.review == "excluded",
        "flags": list(response.flags or []) if fraud else None,
        "review": response.review if fraud else None,
        "review_reason": response.review_reason if fraud else None,
        "template": response.template_id,
    }


class ResponseQuery(Schema):
    work_order: int | None = Field(default=None, description="Work order id.")
    employee: str | None = Field(
        default=None, description="Employee no.: responses on the orders he led or advised."
    )
    submitted_from: DateIn | None = Field(default=None, description="Local date, inclusive.")
    submitted_to: DateIn | None = None
    cursor: CursorParam | None = None
    limit: Limit = DEFAULT_LIMIT


def _employee_filter(user, employee_no: str | None, field: str):
    """The employee named by a filter, among those the user may see; 422 otherwise."""
    if not employee_no:
        return None
    found = visible_employees(user).filter(employee_no=employee_no).first()
    if found is None:
        raise bad_input(field, _("unknown employee_no %(no)s") % {"no": employee_no})
    return found


@router.get(
    "/responses",
    response={200: SurveyResponsePage, **READ_ERRORS},
    auth=auth.READ,
    summary="List survey responses",
)
def list_responses(request, query: Query[ResponseQuery]):
    """Survey responses on the work orders in the caller's scope, newest first."""
    qs = selectors.visible_responses(request.user).select_related("work_order")
    if query.work_order is not None:
        qs = qs.filter(work_order_id=query.work_order)
    employee = _employee_filter(request.user, query.employee, "employee")
    if employee is not None:
        orders = visible_work_orders(request.user).filter(Q(technician=employee) | Q(advisor=employee))
        qs = qs.filter(work_order_id__in=orders.values("pk"))
    qs = _day_range(qs, "submitted_at", query.submitted_from, query.submitted_to)
    rows, next_cursor = keyset_page(
        qs, field="submitted_at", descending=True, cursor=query.cursor, limit=query.limit
    )
    fraud = selectors.sees_fraud_details(request.user)
    return {"items": [_response_out(row, fraud=fraud) for row in rows], "next_cursor": next_cursor}


@router.get(
    "/responses/{response_id}",
    response={200: SurveyResponseOut, **ONE_ERRORS},
    auth=auth.READ,
    summary="Retrieve a survey response",
)
def get_response(request, response_id: int):
    response = selectors.visible_response(request.user, response_id)
    return _response_out(response, fraud=selectors.sees_fraud_details(request.user))


# --- follow-up calls ----------------------------------------------------------------------------


class FollowUpTaskOut(Schema):
    state: str = Field(description="open, done, unreachable or cancelled.")
    reason: str = Field(description="complaint, comeback, sample or manual.")
    due_at: datetime.datetime
    attempts: int


class FollowUpOut(Schema):
    id: int
    external_id: str | None
    work_order: int
    work_order_external_id: str
    agent: str = Field(description="Employee no. of the agent who called.")
    called_at: datetime.datetime
    reached: bool
    satisfied: int | None = Field(description="1–5, when reached.")
    note: str
    issues: str
    complaint: int | None = Field(description="Id of the complaint the call opened.")
    task: FollowUpTaskOut | None


class FollowUpPage(Page):
    items: list[FollowUpOut]


def _followup_out(call) -> dict:
    task = call.task
    return {
        "id": call.pk,
        "external_id": call.external_id,
        **_order_of(call),
        "agent": call.agent.employee_no,
        "called_at": call.called_at,
        "reached": call.reached,
        "satisfied": call.satisfied,
        "note": call.note,
        "issues": call.issues,
        "complaint": call.complaint_id,
        "task": None
        if task is None
        else {"state": task.state, "reason": task.reason, "due_at": task.due_at, "attempts": task.attempts},
    }


class FollowUpQuery(Schema):
    work_order: int | None = Field(default=None, description="Work order id.")
    agent: str | None = Field(default=None, description="Employee no. of the agent.")
    reached: BoolParam | None = None
    called_from: DateIn | None = Field(default=None, description="Local date, inclusive.")
    called_to: DateIn | None = None
    cursor: CursorParam | None = None
    limit: Limit = DEFAULT_LIMIT


FOLLOWUP_RELATED = ("work_order", "agent", "task")


@router.get(
    "/followups",
    response={200: FollowUpPage, **READ_ERRORS},
    auth=auth.READ,
    summary="List follow-up calls",
)
def list_followups(request, query: Query[FollowUpQuery]):
    """Follow-up calls (回访) in the caller's scope, newest first."""
    qs = selectors.visible_followups(request.user).select_related(*FOLLOWUP_RELATED)
    if query.work_order is not None:
        qs = qs.filter(work_order_id=query.work_order)
    if query.agent:
        qs = qs.filter(agent__employee_no=query.agent)
    if query.reached is not None:
        qs = qs.filter(reached=query.reached)
    qs = _day_range(qs, "called_at", query.called_from, query.called_to)
    rows, next_cursor = keyset_page(
        qs, field="called_at", descending=True, cursor=query.cursor, limit=query.limit
    )
    return {"items": [_followup_out(row) for row in rows], "next_cursor": next_cursor}


@router.get(
    "/followups/{followup_id}",
    response={200: FollowUpOut, **ONE_ERRORS},
    auth=auth.READ,
    summary="Retrieve a follow-up call",
)
def get_followup(request, followup_id: int):
    return _followup_out(selectors.visible_followup(request.user, followup_id))


# --- complaints ---------------------------------------------------------------------------------


class ComplaintPersonOut(Schema):
    employee: str = Field(description="Employee no.")
    responsible: bool


class ComplaintOut(Schema):
    id: int
    external_id: str | None
    state: str = Field(
        description="received, assigned, investigating, determined, not_valid, resolved or closed."
    )
    source: str
    summary: str
    description: str
    severity: str
    valid: bool
    received_at: datetime.datetime
    due_at: datetime.datetime | None = Field(description="The deadline to resolve it.")
    overdue: bool = Field(description="Still open past `due_at`.")
    escalation_level: int
    resolved_at: datetime.datetime | None
    satisfied_after: bool | None
    decision_reason: str
    resolution: str
    work_order: int | None
    work_order_external_id: str | None
    employee: str | None = Field(description="Employee no. of the person it is about, if named.")
    handler: str | None = Field(description="Employee no.")
    people: list[ComplaintPersonOut] = Field(description="The people concerned.")


class ComplaintPage(Page):
    items: list[ComplaintOut]


def _complaint_out(complaint, *, now) -> dict:
    return {
        "id": complaint.pk,
        "external_id": complaint.external_id,
        **{
            name: getattr(complaint, name)
            for name in (
                "state",
                "source",
                "summary",
                "description",
                "severity",
                "valid",
                "received_at",
                "due_at",
                "escalation_level",
                "resolved_at",
                "satisfied_after",
                "decision_reason",
                "resolution",
            )
        },
        "overdue": selectors.complaint_state(complaint) == "open"
        and complaint.due_at is not None
        and complaint.due_at < now,
        **_order_of(complaint),
        "employee": code_of(complaint.employee, "employee_no"),
        "handler": code_of(complaint.handler, "employee_no"),
        "people": [
            {"employee": person.employee.employee_no, "responsible": person.responsible}
            for person in complaint.people.all()
        ],
    }


class ComplaintQuery(Schema):
    work_order: int | None = Field(default=None, description="Work order id.")
    employee: str | None = Field(
        default=None, description="Employee no.: complaints naming him or among the people concerned."
    )
    state: list[ComplaintStateCode] = Field(default=[], description="Repeat for several.")
    received_from: DateIn | None = Field(default=None, description="Local date, inclusive.")
    received_to: DateIn | None = None
    cursor: CursorParam | None = None
    limit: Limit = DEFAULT_LIMIT


def _complaints(user):
    return (
        selectors.visible_complaints(user)
        .select_related("work_order", "employee", "handler")
        .prefetch_related(
            Prefetch("people", ComplaintPerson.objects.select_related("employee").order_by("pk"))
        )
    )


@router.get(
    "/complaints",
    response={200: ComplaintPage, **READ_ERRORS},
    auth=auth.READ,
    summary="List complaints",
)
def list_complaints(request, query: Query[ComplaintQuery]):
    """Complaints in the caller's scope, newest first."""
    qs = _complaints(request.user)
    if query.work_order is not None:
        qs = qs.filter(work_order_id=query.work_order)
    employee = _employee_filter(request.user, query.employee, "employee")
    if employee is not None:
        concerned = ComplaintPerson.objects.filter(employee=employee).values("complaint_id")
        qs = qs.filter(Q(employee=employee) | Q(pk__in=concerned))
    if query.state:
        qs = qs.filter(state__in=query.state)
    qs = _day_range(qs, "received_at", query.received_from, query.received_to)
    rows, next_cursor = keyset_page(
        qs, field="received_at", descending=True, cursor=query.cursor, limit=query.limit
    )
    now = timezone.now()
    return {"items": [_complaint_out(row, now=now) for row in rows], "next_cursor": next_cursor}


@router.get(
    "/complaints/{complaint_id}",
    response={200: ComplaintOut, **ONE_ERRORS},
    auth=auth.READ,
    summary="Retrieve a complaint",
)
def get_complaint(request, complaint_id: int):
    return _complaint_out(selectors.visible_complaint(request.user, complaint_id), now=timezone.now())


class ComplaintIn(ObjectIn):
    summary: str = Field(max_length=200, description="What it is about, in a few words.")
    description: str = Field(default="", max_length=5000)
    source: SourceCode = ""
    severity: SeverityCode = ""
    work_order: int | None = Field(default=None, description="Work order id.")
    people: list[str] = Field(default=[], max_length=20, description="Employee nos. of the people concerned.")
    received_at: DateTimeIn | None = Field(default=None, description="Default: now.")


def _no_work_order():
    return NotFound(_("No such work order."), code=complaint_codes.COMPLAINT_NOT_FOUND, field="work_order")


@router.post(
    "/complaints",
    response={201: ComplaintOut, **WRITE_ERRORS},
    auth=auth.WRITE,
    summary="Register a complaint",
)
def create_complaint(request, payload: ComplaintIn):
    """Registers a complaint (state received, its deadline from the company's settings)
    through the complaint desk's service: the roles that handle complaints only; a work
    order or person out of the caller's scope is refused as unknown."""
    user = request.user
    if not policy.may_handle_complaints(user):
        raise Refused(_("Your role may not handle complaints."), code=complaint_codes.COMPLAINT_ROLE)
    order = None
    if payload.work_order is not None:
        order = complaint_work_orders(user).filter(pk=payload.work_order).first()
        if order is None:
            raise _no_work_order()
    people = []
    if payload.people:
        found = {e.employee_no: e for e in complaint_employees(user).filter(employee_no__in=payload.people)}
        for index, number in enumerate(payload.people):
            if number not in found:
                raise bad_input(f"people.{index}", _("unknown employee_no %(no)s") % {"no": number})
            people.append(found[number])
    complaint = complaint_register(
        by=user,
        work_order=order,
        summary=payload.summary,
        description=payload.description,
        source=payload.source,
        severity=payload.severity,
        people=people,
        received_at=payload.received_at,
    )
    return Status(201, _complaint_out(_complaints(user).get(pk=complaint.pk), now=timezone.now()))


# --- praise -------------------------------------------------------------------------------------


class PraiseOut(Schema):
    id: int
    employee: str = Field(description="Employee no.")
    kind: str = Field(description="praise or referral.")
    received_at: datetime.datetime
    source: str
    note: str
    work_order: int | None
    work_order_external_id: str | None


class PraisePage(Page):
    items: list[PraiseOut]


def _praise_out(praise) -> dict:
    return {
        "id": praise.pk,
        "employee": praise.employee.employee_no,
        "kind": praise.kind,
        "received_at": praise.received_at,
        "source": praise.source,
        "note": praise.note,
        **_order_of(praise),
    }


class PraiseQuery(Schema):
    employee: str | None = Field(default=None, description="Employee no.")
    work_order: int | None = Field(default=None, description="Work order id.")
    kind: PraiseKindCode | None = None
    received_from: DateIn | None = Field(default=None, description="Local date, inclusive.")
    received_to: DateIn | None = None
    cursor: CursorParam | None = None
    limit: Limit = DEFAULT_LIMIT


@router.get(
    "/praise",
    response={200: PraisePage, **READ_ERRORS},
    auth=auth.READ,
    summary="List praise and referrals",
)
def list_praise(request, query: Query[PraiseQuery]):
    """Praise and referrals of the people (or on the work orders) in the caller's scope,
    newest first."""
    qs = selectors.visible_praise(request.user).select_related("employee", "work_order")
    if query.employee:
        qs = qs.filter(employee__employee_no=query.employee)
    if query.work_order is not None:
        qs = qs.filter(work_order_id=query.work_order)
    if query.kind:
        qs = qs.filter(kind=query.kind)
    qs = _day_range(qs, "received_at", query.received_from, query.received_to)
    rows, next_cursor = keyset_page(
        qs, field="received_at", descending=True, cursor=query.cursor, limit=query.limit
    )
    return {"items": [_praise_out(row) for row in rows], "next_cursor": next_cursor}


@router.get(
    "/praise/{praise_id}",
    response={200: PraiseOut, **ONE_ERRORS},
    auth=auth.READ,
    summary="Retrieve a praise or referral",
)
def get_praise(request, praise_id: int):
    return _praise_out(selectors.visible_praise_one(request.user, praise_id))


class PraiseIn(ObjectIn):
    employee: str = Field(description="Employee no. of the person praised.")
    kind: PraiseKindCode = "praise"
    source: str = Field(default="", max_length=100, description="A letter, a platform review, a call…")
    note: str = Field(default="", max_length=5000)
    work_order: int | None = Field(default=None, description="Work order id.")
    received_at: DateTimeIn | None = Field(default=None, description="Default: now.")


@router.post(
    "/praise",
    response={201: PraiseOut, **WRITE_ERRORS},
    auth=auth.WRITE,
    summary="Record a praise or referral",
)
def create_praise(request, payload: PraiseIn):
    """Records a praise or referral for an employee the caller may see, through the
    service the pages use (the roles that record praise only)."""
    user = request.user
    if not policy.may_record_praise(user):
        raise Refused(_("Your role may not record praise."), code=complaint_codes.PRAISE_ROLE)
    employee = praise_employees(user).filter(employee_no=payload.employee).first()
    if employee is None:
        raise bad_input("employee", _("unknown employee_no %(no)s") % {"no": payload.employee})
    order = None
    if payload.work_order is not None:
        order = (
            visible_work_orders(user).filter(pk=payload.work_order).first()
            or complaint_work_orders(user).filter(pk=payload.work_order).first()
        )
        if order is None:
            raise _no_work_order()
    praise = praise_record(
        by=user,
        employee=employee,
        kind=payload.kind,
        source=payload.source,
        note=payload.note,
        work_order=order,
        received_at=payload.received_at,
    )
    return Status(201, _praise_out(selectors.visible_praise_one(user, praise.pk)))


# --- sending a survey by hand, reviewing a flagged response ------------------------------------

SEND_ERRORS = error_responses(400, 401, 403, 404, 409, 413, 422, 429)
HandChannelCode = Literal[tuple(str(channel) for channel in invitations.HAND_CHANNELS)]


class SurveySendIn(ObjectIn):
    channel: HandChannelCode = Field(
        description="wecom: a card the advisor forwards; qr: a QR code shown to the customer (both "
        "deliver nothing: the answer carries `link`); sms or email: delivered now to the customer's "
        "phone or address (again, if the survey went already)."
    )


class SurveyInvitationOut(Schema):
    id: int
    work_order: int
    work_order_external_id: str
    state: str = Field(description="scheduled, sent, answered, expired, cancelled or undeliverable.")
    channel: str = Field(description="How it went: wecom, qr, sms or email.")
    recipient: str = Field(description="Where it was delivered, masked; empty for wecom and qr.")
    sent_at: datetime.datetime | None
    expires_at: datetime.datetime | None
    template: int | None = Field(description="Id of the survey template version it asks.")
    template_version: int | None
    link: str = Field(description="The customer's survey link (single use).")


def _invitation_out(request, invitation) -> dict:
    link = invitations.survey_link(invitation)
    template = invitation.template
    return {
        "id": invitation.pk,
        **_order_of(invitation),
        "state": invitation.state,
        "channel": invitation.channel,
        "recipient": invitation.recipient,
        "sent_at": invitation.sent_at,
        "expires_at": invitation.expires_at,
        "template": invitation.template_id,
        "template_version": template.version if template is not None else None,
        "link": link if "://" in link else request.build_absolute_uri(link),
    }


@router.post(
    "/work-orders/{work_order_id}/survey",
    response={200: SurveyInvitationOut, **SEND_ERRORS},
    auth=auth.WRITE,
    summary="Send a work order's survey now",
)
def send_survey(request, work_order_id: int, payload: SurveySendIn):
    """Sends the survey of a completed or closed work order in the caller's scope now,
    through the service of the order's page ("Send the survey now", "Show QR code"):
    service advisors, service managers and administrators only. Refused with its code when
    the order is not finished (`survey_order_not_finished`), the customer has no phone or
    address for the channel (`survey_send_no_contact`), the survey was answered
    (`survey_send_already_answered`), expired or cancelled (`survey_invitation_over`);
    nothing is written then."""
    order = visible_work_orders(request.user).filter(pk=work_order_id).first()
    if order is None:
        raise NotFound(_("No such work order."), code="not_found")
    invitation = invitations.invitation_send_now(order=order, by=request.user, channel=payload.channel)
    return _invitation_out(request, invitation)


REVIEW_DECISIONS = {"confirm": SurveyResponse.Review.CONFIRMED, "exclude": SurveyResponse.Review.EXCLUDED}


class ResponseReviewIn(ObjectIn):
    decision: Literal["confirm", "exclude"] = Field(
        description="confirm: the response counts, as it did; exclude: it no longer counts in any indicator."
    )
    reason: str = Field(default="", max_length=500, description="Why (required); kept in the audit trail.")


@router.post(
    "/responses/{response_id}/review",
    response={200: SurveyResponseOut, **SEND_ERRORS},
    auth=auth.WRITE,
    summary="Confirm or exclude a flagged survey response",
)
def review_response(request, response_id: int, payload: ResponseReviewIn):
    """A manager's decision on a flagged survey response in his scope, through the service
    of the review queue (voice.services.fraud): the roles that review responses only
    (`response_review_not_allowed`), a reason required (`response_review_reason_required`),
    a response not waiting for review refused (`response_review_not_pending`). Audited."""
    response = selectors.visible_response(request.user, response_id)
    response_review(
        response=response, decision=REVIEW_DECISIONS[payload.decision], reason=payload.reason, by=request.user
    )
    return _response_out(
        selectors.visible_response(request.user, response.pk),
        fraud=selectors.sees_fraud_details(request.user),
    )
