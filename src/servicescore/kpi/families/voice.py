"""Customer-voice indicators (kpi-library.md): survey responses, invitations, follow-ups,
complaints and praise, aggregated per person with a few queries over the whole period.

A survey response, invitation or follow-up coverage counts through its work order: for
the lead technician and for the service advisor (once when they are the same person). A
complaint with an explicit employee counts for that employee only. Records on a cancelled
work order never count. Each function returns {employee_id: {component: number}}.
"""

import datetime

from django.db.models import Count, DateTimeField, Exists, ExpressionWrapper, F, OuterRef, Q, Sum

from servicescore.core.periods import Period
from servicescore.voice.models import Complaint, FollowUp, Praise, SurveyInvitation, SurveyResponse
from servicescore.workorders.models import State, WorkOrder

COVERAGE_WINDOW = datetime.timedelta(days=7)
COMPLAINT_DEADLINE = datetime.timedelta(hours=48)


def _merge(into: dict, rows, person: str) -> None:
    for row in rows:
        who = row.pop(person)
        mine = into.setdefault(who, {})
        for key, number in row.items():
            mine[key] = (mine.get(key) or 0) + (number or 0)


def _through_work_order(queryset, prefix: str, annotations: dict, people) -> dict:
    """Group `queryset` by the lead technician and by the advisor of the work order at
    `prefix` ('' for work orders themselves), counting a record once per person."""
    tech, advisor = f"{prefix}technician", f"{prefix}advisor"
    counted = queryset.order_by()
    if prefix:
        counted = counted.exclude(**{f"{prefix}state": State.CANCELLED})
    else:
        counted = counted.exclude(state=State.CANCELLED)
    result: dict = {}
    as_tech = counted.filter(**({f"{tech}__isnull": False} if people is None else {f"{tech}__in": people}))
    _merge(result, as_tech.values(tech).annotate(**annotations), tech)
    as_advisor = counted.filter(
        **({f"{advisor}__isnull": False} if people is None else {f"{advisor}__in": people})
    ).filter(Q(**{f"{tech}__isnull": True}) | ~Q(**{advisor: F(tech)}))
    _merge(result, as_advisor.values(advisor).annotate(**annotations), advisor)
    return result


def responses(period: Period, people=None) -> dict:
    """Survey responses submitted in the period: count, ratings, NPS answers."""
    submitted = SurveyResponse.objects.filter(submitted_at__gte=period.start, submitted_at__lt=period.end)
    return _through_work_order(
        submitted,
        "work_order__",
        {
            "responses": Count("pk"),
            "satisfied": Count("pk", filter=Q(overall__gte=4)),
            "overall": Sum("overall"),
            "with_nps": Count("pk", filter=Q(nps__isnull=False)),
            "net_promoters": Count("pk", filter=Q(nps__gte=9)) - Count("pk", filter=Q(nps__lte=6)),
        },
        people,
    )


def invitations(period: Period, people=None) -> dict:
    """Survey invitations sent in the period and how many were answered."""
    sent = SurveyInvitation.objects.filter(sent_at__gte=period.start, sent_at__lt=period.end)
    return _through_work_order(
        sent,
        "work_order__",
        {"sent": Count("pk"), "answered": Count("pk", filter=Q(response__isnull=False))},
        people,
    )


def closed(period: Period, people=None) -> dict:
    """Work orders closed in the period, and those with a reached follow-up or a survey
    response within 7 days after closing (FOLLOWUP_COVERAGE)."""
    limit = ExpressionWrapper(OuterRef("closed_at") + COVERAGE_WINDOW, output_field=DateTimeField())
    called = FollowUp.objects.filter(
        work_order=OuterRef("pk"), reached=True, called_at__gte=OuterRef("closed_at"), called_at__lte=limit
    )
    answered = SurveyResponse.objects.filter(
        work_order=OuterRef("pk"), submitted_at__gte=OuterRef("closed_at"), submitted_at__lte=limit
    )
    orders = WorkOrder.objects.filter(closed_at__gte=period.start, closed_at__lt=period.end)
    return _through_work_order(
        orders,
        "",
        {"closed": Count("pk"), "covered": Count("pk", filter=Exists(called) | Exists(answered))},
        people,
    )


def calls(period: Period, people=None) -> dict:
    """Per agent: follow-up calls made in the period and those that reached the customer."""
    made = FollowUp.objects.order_by().filter(called_at__gte=period.start, called_at__lt=period.end)
    if people is not None:
        made = made.filter(agent__in=people)
    rows = made.values("agent").annotate(calls=Count("pk"), reached=Count("pk", filter=Q(reached=True)))
    return {row.pop("agent"): row for row in rows}


def complaints(period: Period, people=None) -> dict:
    """Valid complaints received in the period, counted for their explicit employee, or
    through the work order when none is named (COMPLAINT_RATE's numerator)."""
    received = Complaint.objects.order_by().filter(
        received_at__gte=period.start, received_at__lt=period.end, valid=True
    )
    named = received.filter(employee__isnull=False)
    if people is not None:
        named = named.filter(employee__in=people)
    result: dict = {}
    _merge(result, named.values("employee").annotate(complaints=Count("pk")), "employee")
    through = _through_work_order(
        received.filter(employee__isnull=True, work_order__isnull=False),
        "work_order__",
        {"complaints": Count("pk")},
        people,
    )
    for who, parts in through.items():
        result.setdefault(who, {"complaints": 0})["complaints"] += parts["complaints"]
    return result


def _handled_by(queryset, people):
    queryset = queryset.order_by().filter(handler__isnull=False)
    return queryset.filter(handler__in=people) if people is not None else queryset


def handled(period: Period, people=None) -> dict:
    """Per handler: complaints received in the period and those resolved within 48 hours."""
    received = _handled_by(
        Complaint.objects.filter(received_at__gte=period.start, received_at__lt=period.end), people
    )
    in_time = Q(resolved_at__isnull=False, resolved_at__lte=F("received_at") + COMPLAINT_DEADLINE)
    rows = received.values("handler").annotate(received=Count("pk"), in_time=Count("pk", filter=in_time))
    return {row.pop("handler"): row for row in rows}


def resolved(period: Period, people=None) -> dict:
    """Per handler: complaints resolved in the period and those with the customer satisfied."""
    done = _handled_by(
        Complaint.objects.filter(resolved_at__gte=period.start, resolved_at__lt=period.end), people
    )
    rows = done.values("handler").annotate(
        resolved=Count("pk"), recovered=Count("pk", filter=Q(satisfied_after=True))
    )
    return {row.pop("handler"): row for row in rows}


def praise(period: Period, people=None) -> dict:
    """Per employee: praise received in the period (referrals are not praise)."""
    given = Praise.objects.order_by().filter(
        received_at__gte=period.start, received_at__lt=period.end, kind=Praise.Kind.PRAISE
    )
    if people is not None:
        given = given.filter(employee__in=people)
    rows = given.values("employee").annotate(praise=Count("pk"))
    return {row["employee"]: {"praise": row["praise"]} for row in rows}
