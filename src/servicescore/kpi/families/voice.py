"""Customer-voice indicators (kpi-library.md): survey responses, invitations, follow-ups,
complaints and praise, aggregated per person with a few queries over the whole period.

A survey response, invitation or follow-up coverage counts through its work order: for
the lead technician and for the service advisor (once when they are the same person). A
complaint with an explicit employee counts for that employee only. Records on a cancelled
work order never count. Each function returns its `Part`s (families/base.py).
"""

import datetime

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum

from servicescore.voice.models import (
    Complaint,
    ComplaintPerson,
    FollowUp,
    Praise,
    SurveyInvitation,
    SurveyResponse,
)
from servicescore.workorders.models import State, WorkOrder

from .base import Part, anchored

COVERAGE_WINDOW = datetime.timedelta(days=7)
COMPLAINT_DEADLINE = datetime.timedelta(hours=48)
# A survey response a manager excluded (voice/services/fraud.py) counts nowhere; a flagged
# one counts until then.
EXCLUDED = SurveyResponse.Review.EXCLUDED
COUNTED_REVIEWS = [review for review in SurveyResponse.Review.values if review != EXCLUDED]


def _through_work_order(queryset, prefix: str, anchor: str, annotations: dict) -> Part:
    """Records of `queryset` (or of what it returns for the windows) counted for the lead
    technician and the advisor of the work order at `prefix` ('' for work orders
    themselves); never on a cancelled order."""

    def counted(windows=()) -> QuerySet:
        records = queryset(windows) if callable(queryset) else queryset
        return records.order_by().exclude(**{f"{prefix}state": State.CANCELLED})

    return Part(counted, f"{prefix}technician", anchor, annotations, second=f"{prefix}advisor")


def responses() -> list[Part]:
    """Survey responses submitted in the period: count, ratings, NPS answers (not those a
    manager excluded as not the customer's)."""
    return [
        _through_work_order(
            SurveyResponse.objects.exclude(review=EXCLUDED),
            "work_order__",
            "submitted_at",
            {
                "responses": Count("pk"),
                "satisfied": Count("pk", filter=Q(overall__gte=4)),
                "overall": Sum("overall"),
                "with_nps": Count("pk", filter=Q(nps__isnull=False)),
                "net_promoters": Count("pk", filter=Q(nps__gte=9)) - Count("pk", filter=Q(nps__lte=6)),
            },
        )
    ]


def invitations() -> list[Part]:
    """Survey invitations sent in the period and how many were answered."""
    return [
        _through_work_order(
            SurveyInvitation.objects.all(),
            "work_order__",
            "sent_at",
            # An invitation answered by an excluded response was not answered by the customer.
            {"sent": Count("pk"), "answered": Count("pk", filter=Q(response__review__in=COUNTED_REVIEWS))},
        )
    ]


def closed() -> list[Part]:
    """Work orders closed in the period, and those with a reached follow-up or a survey
    response within 7 days after closing (FOLLOWUP_COVERAGE)."""

    def counts(windows) -> dict:
        # "id IN (…)" of two uncorrelated subqueries narrowed to the orders closed in the
        # windows: PostgreSQL hashes each once. EXISTS per order ran 3.4 million index
        # probes a month one by one, above the parallel scan (11 s against 3 s).
        near = anchored("work_order__closed_at", windows)
        later = [(start, end + COVERAGE_WINDOW) for start, end in windows]  # implied; lets an index narrow
        limit = F("work_order__closed_at") + COVERAGE_WINDOW
        called = FollowUp.objects.filter(
            near,
            anchored("called_at", later),
            reached=True,
            called_at__gte=F("work_order__closed_at"),
            called_at__lte=limit,
        )
        answered = SurveyResponse.objects.filter(
            near,
            anchored("submitted_at", later),
            submitted_at__gte=F("work_order__closed_at"),
            submitted_at__lte=limit,
        ).exclude(review=EXCLUDED)
        covered = Q(pk__in=called.values("work_order_id")) | Q(pk__in=answered.values("work_order_id"))
        return {"closed": Count("pk"), "covered": Count("pk", filter=covered)}

    return [_through_work_order(WorkOrder.objects.all(), "", "closed_at", counts)]


def calls() -> list[Part]:
    """Per agent: follow-up calls made in the period and those that reached the customer."""
    return [
        Part(
            FollowUp.objects.order_by(),
            "agent",
            "called_at",
            {"calls": Count("pk"), "reached": Count("pk", filter=Q(reached=True))},
        )
    ]


def complaints() -> list[Part]:
    """Valid complaints received in the period (COMPLAINT_RATE's numerator), counted for
    each responsible person once the handler determined them; else for their explicit
    employee; else through the work order. A complaint not valid counts for nobody."""
    valid = Complaint.objects.order_by().filter(valid=True)
    decided = Exists(ComplaintPerson.objects.filter(complaint=OuterRef("pk"), responsible=True))
    undecided = valid.filter(~decided)
    return [
        Part(
            ComplaintPerson.objects.order_by().filter(responsible=True, complaint__valid=True),
            "employee",
            "complaint__received_at",
            {"complaints": Count("pk")},
        ),
        Part(
            undecided.filter(employee__isnull=False), "employee", "received_at", {"complaints": Count("pk")}
        ),
        _through_work_order(
            undecided.filter(employee__isnull=True, work_order__isnull=False),
            "work_order__",
            "received_at",
            {"complaints": Count("pk")},
        ),
    ]


def handled() -> list[Part]:
    """Per handler: complaints received in the period and those resolved within 48 hours."""
    in_time = Q(resolved_at__isnull=False, resolved_at__lte=F("received_at") + COMPLAINT_DEADLINE)
    return [
        Part(
            Complaint.objects.order_by(),
            "handler",
            "received_at",
            {"received": Count("pk"), "in_time": Count("pk", filter=in_time)},
        )
    ]


def resolved() -> list[Part]:
    """Per handler: complaints resolved in the period and those with the customer satisfied."""
    return [
        Part(
            Complaint.objects.order_by(),
            "handler",
            "resolved_at",
            {"resolved": Count("pk"), "recovered": Count("pk", filter=Q(satisfied_after=True))},
        )
    ]


def praise() -> list[Part]:
    """Per employee: praise received in the period (referrals are not praise)."""
    return [
        Part(
            Praise.objects.order_by().filter(kind=Praise.Kind.PRAISE),
            "employee",
            "received_at",
            {"praise": Count("pk")},
        )
    ]
