"""The records behind one indicator's value for one employee and period: the evidence a
scorecard drills down to.

Each component group of `kpi.daily.ALL_GROUPS` has a twin here that selects the same
records the family's aggregate counts for one person (same period field, cancelled work
orders left out, the comeback window, the advisor versions, complaints with an explicit
employee, FOLLOWUP_COVERAGE's 7-day window), and each component key says what one record
contributes. A section of evidence is a queryset annotated with

- `numerator_part`: what the record adds to the numerator (1 or 0 for a count; the
  measured quantity, e.g. the response time, for a sum or a mean; +1/−1/0 for NPS);
- `in_numerator`: whether it counts in the numerator at all;
- `denominator_part`: what it adds to the denominator (1, or e.g. the visits or the
  clocked hours), when the section feeds the denominator.

Summing the parts gives exactly the numerator and denominator `kpi.compute` computes
(tests/kpi/test_evidence.py is the contract). An indicator whose numerator and
denominator come from different records (REWORK_RATE, COMPLAINT_RATE, PRODUCTIVITY) has
two sections. Derived indicators point to their component indicators, manual ones to the
reviewers' ratings.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Case,
    DateTimeField,
    DecimalField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)

from servicescore.core.periods import Period
from servicescore.org.models import Position
from servicescore.voice.models import Complaint, FollowUp, Praise, SurveyInvitation, SurveyResponse
from servicescore.workorders.models import LabourLine, State, WorkOrder

from .derived import Formula
from .families.voice import COMPLAINT_DEADLINE, COVERAGE_WINDOW
from .families.work_orders import RESPONSE_LIMIT, comeback_window
from .registry import DERIVED, FACTS, GOALS, Indicator

NUMERATOR, DENOMINATOR, RECORDS = "numerator", "denominator", "records"


def _duration(later: str, earlier: str):
    return ExpressionWrapper(F(later) - F(earlier), output_field=DurationField())


@dataclass(frozen=True)
class Part:
    """What one record adds to a component: records matching `when` (all when None) add
    `amount` (None: 1, a count). `shows` names the record fields that let a reader check
    the record's part by eye (e.g. the due time for ON_TIME_RATE)."""

    when: Q | None = None
    amount: object = None
    output: object = None  # the amount's field type
    shows: tuple[str, ...] = ()

    @property
    def is_count(self) -> bool:
        return self.amount is None

    def expression(self):
        """The record's contribution as an SQL expression."""
        if self.is_count:
            if self.when is None:
                return Value(1, output_field=IntegerField())
            return Case(When(self.when, then=Value(1)), default=Value(0), output_field=IntegerField())
        if self.when is None:
            return ExpressionWrapper(self.amount, output_field=self.output)
        return Case(When(self.when, then=self.amount), default=Value(None), output_field=self.output)

    def flag(self):
        if self.when is None:
            return Value(True, output_field=BooleanField())
        return ExpressionWrapper(self.when, output_field=BooleanField())


DECIMAL = DecimalField(max_digits=20, decimal_places=4)
INTEGER = IntegerField()
DURATION = DurationField()


@dataclass(frozen=True)
class Source:
    """One component group for one person: the records and what each key makes of them.

    `records(employee, period, person)` returns the records the family's aggregate counts
    for that person; `kind` names the record type (for the page); `columns` are the fields
    always shown; `order_field` leads to the work order a record links to."""

    kind: str
    records: object
    parts: dict
    order_by: tuple[str, ...]
    columns: tuple[str, ...]
    order_field: str | None = "work_order_id"
    related: tuple[str, ...] = ()


def _in(period: Period, name: str) -> dict:
    return {f"{name}__gte": period.start, f"{name}__lt": period.end}


def _counted_orders():
    return WorkOrder.objects.order_by().exclude(state=State.CANCELLED)


def _done(employee, period, person):
    return _counted_orders().filter(**_in(period, "completed_at"), **{person: employee})


def _made(employee, period, person):
    return _counted_orders().filter(**_in(period, "created_at"), **{person: employee})


def _comebacks(employee, period, person):
    return (
        _counted_orders()
        .filter(
            **_in(period, "created_at"),
            rework_of__isnull=False,
            rework_of__completed_at__isnull=False,
            created_at__lte=F("rework_of__completed_at") + comeback_window(),
            rework_of__technician=employee,
        )
        .exclude(rework_of__state=State.CANCELLED)
    )


def _labour(employee, period, person):
    return (
        LabourLine.objects.order_by()
        .filter(**_in(period, "work_order__completed_at"), technician=employee)
        .exclude(work_order__state=State.CANCELLED)
    )


def _facts(code):
    def records(employee, period, person):
        from .models import MetricFact

        return MetricFact.objects.order_by().filter(
            indicator=code, period__in=period.months, employee=employee
        )

    return records


def _through_work_order(queryset, employee, prefix: str = "work_order__"):
    """Records that count through their work order: the person is its lead technician or
    its service advisor (once when both); none on a cancelled work order."""
    return (
        queryset.order_by()
        .exclude(**{f"{prefix}state": State.CANCELLED})
        .filter(Q(**{f"{prefix}technician": employee}) | Q(**{f"{prefix}advisor": employee}))
    )


def _responses(employee, period, person):
    # a response a manager excluded as not the customer's counts nowhere (kpi/families/voice.py)
    responses = SurveyResponse.objects.filter(**_in(period, "submitted_at")).exclude(
        review=SurveyResponse.Review.EXCLUDED
    )
    return _through_work_order(responses, employee)


def _invitations(employee, period, person):
    return _through_work_order(SurveyInvitation.objects.filter(**_in(period, "sent_at")), employee)


def _closed(employee, period, person):
    orders = WorkOrder.objects.filter(**_in(period, "closed_at"))
    limit = ExpressionWrapper(OuterRef("closed_at") + COVERAGE_WINDOW, output_field=DateTimeField())
    call = FollowUp.objects.filter(
        work_order=OuterRef("pk"), reached=True, called_at__gte=OuterRef("closed_at"), called_at__lte=limit
    ).order_by("called_at")
    answer = (
        SurveyResponse.objects.filter(
            work_order=OuterRef("pk"), submitted_at__gte=OuterRef("closed_at"), submitted_at__lte=limit
        )
        .exclude(review=SurveyResponse.Review.EXCLUDED)
        .order_by("submitted_at")
    )
    return _through_work_order(orders, employee, prefix="").annotate(
        covering_call_at=Subquery(call.values("called_at")[:1]),
        covering_response_at=Subquery(answer.values("submitted_at")[:1]),
    )


def _calls(employee, period, person):
    return FollowUp.objects.order_by().filter(**_in(period, "called_at"), agent=employee)


def _complaints(employee, period, person):
    received = Complaint.objects.order_by().filter(**_in(period, "received_at"), valid=True)
    through = (
        Q(employee__isnull=True, work_order__isnull=False)
        & ~Q(work_order__state=State.CANCELLED)
        & (Q(work_order__technician=employee) | Q(work_order__advisor=employee))
    )
    return received.filter(Q(employee=employee) | through)


def _handled(employee, period, person):
    return Complaint.objects.order_by().filter(**_in(period, "received_at"), handler=employee)


def _resolved(employee, period, person):
    return Complaint.objects.order_by().filter(**_in(period, "resolved_at"), handler=employee)


def _praise(employee, period, person):
    return Praise.objects.order_by().filter(
        **_in(period, "received_at"), employee=employee, kind=Praise.Kind.PRAISE
    )


ANSWERED = Q(first_response_at__isnull=False)
COVERED = Q(covering_call_at__isnull=False) | Q(covering_response_at__isnull=False)

DONE = Source(
    "work_order",
    _done,
    {
        "completed": Part(),
        "difficulty": Part(amount=F("difficulty"), output=DECIMAL),
        "started": Part(Q(started_at__isnull=False), shows=("started_at",)),
        "repair_time": Part(
            Q(started_at__isnull=False),
            _duration("completed_at", "started_at"),
            DURATION,
            shows=("started_at",),
        ),
        "turnaround": Part(
            amount=_duration("completed_at", "created_at"), output=DURATION, shows=("created_at",)
        ),
        "with_due": Part(Q(due_at__isnull=False), shows=("due_at",)),
        "on_time": Part(Q(due_at__isnull=False, completed_at__lte=F("due_at")), shows=("due_at",)),
        "resolved": Part(~Q(resolution=""), shows=("resolution",)),
        "fixed": Part(Q(resolution="fixed"), shows=("resolution",)),
        "fixed_first_visit": Part(Q(resolution="fixed", visits=1), shows=("resolution", "visits")),
        "labor_amount": Part(amount=F("labor_amount"), output=DECIMAL),
        "parts_cost": Part(amount=F("parts_cost"), output=DECIMAL),
        "travel_cost": Part(amount=F("travel_cost"), output=DECIMAL),
        "visits": Part(amount=F("visits"), output=INTEGER),
    },
    ("completed_at", "pk"),
    ("external_id", "type", "completed_at"),
    order_field="pk",
)
MADE = Source(
    "work_order",
    _made,
    {
        "created": Part(),
        "responded": Part(ANSWERED, shows=("first_response_at",)),
        "response_time": Part(
            ANSWERED, _duration("first_response_at", "created_at"), DURATION, shows=("first_response_at",)
        ),
        "within_30_min": Part(
            ANSWERED & Q(first_response_at__lte=F("created_at") + RESPONSE_LIMIT),
            shows=("first_response_at",),
        ),
    },
    ("created_at", "pk"),
    ("external_id", "type", "created_at"),
    order_field="pk",
)
SOURCES = {
    "done": DONE,
    "made": MADE,
    "rework": Source(
        "comeback",
        _comebacks,
        {"comebacks": Part()},
        ("created_at", "pk"),
        ("external_id", "created_at", "rework_of", "rework_of.completed_at"),
        order_field="pk",
        related=("rework_of",),
    ),
    "hours": Source(
        "labour_line",
        _labour,
        {
            "standard_hours": Part(amount=F("standard_hours"), output=DECIMAL),
            "clocked_hours": Part(amount=F("clocked_hours"), output=DECIMAL),
        },
        ("work_order__completed_at", "pk"),
        ("work_order", "work_order.completed_at"),
        related=("work_order",),
    ),
    "available": Source(
        "fact",
        _facts("AVAILABLE_HOURS"),
        {"available_hours": Part(amount=F("value"), output=DECIMAL)},
        ("period", "pk"),
        ("indicator", "period", "value"),
        order_field=None,
    ),
    "responses": Source(
        "response",
        _responses,
        {
            "responses": Part(),
            "satisfied": Part(Q(overall__gte=4), shows=("overall",)),
            "overall": Part(amount=F("overall"), output=INTEGER),
            "with_nps": Part(Q(nps__isnull=False), shows=("nps",)),
            "net_promoters": Part(
                Q(nps__gte=9) | Q(nps__lte=6),
                Case(When(nps__gte=9, then=Value(1)), default=Value(-1)),
                INTEGER,
                shows=("nps",),
            ),
        },
        ("submitted_at", "pk"),
        ("external_id", "work_order", "submitted_at"),
        related=("work_order",),
    ),
    "invitations": Source(
        "invitation",
        _invitations,
        {"sent": Part(), "answered": Part(Q(response__isnull=False) & ~Q(response__review="excluded"))},
        ("sent_at", "pk"),
        ("work_order", "sent_at", "channel"),
        related=("work_order",),
    ),
    "closed": Source(
        "work_order",
        _closed,
        {"closed": Part(), "covered": Part(COVERED, shows=("covering_call_at", "covering_response_at"))},
        ("closed_at", "pk"),
        ("external_id", "type", "closed_at"),
        order_field="pk",
    ),
    "calls": Source(
        "followup",
        _calls,
        {"calls": Part(), "reached": Part(Q(reached=True), shows=("reached",))},
        ("called_at", "pk"),
        ("external_id", "work_order", "called_at"),
        related=("work_order",),
    ),
    "complaints": Source(
        "complaint",
        _complaints,
        {"complaints": Part()},
        ("received_at", "pk"),
        ("external_id", "received_at", "work_order", "employee", "severity"),
        related=("work_order", "employee"),
    ),
    "handled": Source(
        "complaint",
        _handled,
        {
            "received": Part(),
            "in_time": Part(
                Q(resolved_at__isnull=False, resolved_at__lte=F("received_at") + COMPLAINT_DEADLINE),
                shows=("resolved_at",),
            ),
        },
        ("received_at", "pk"),
        ("external_id", "received_at", "work_order"),
        related=("work_order",),
    ),
    "resolved": Source(
        "complaint",
        _resolved,
        {"resolved": Part(), "recovered": Part(Q(satisfied_after=True), shows=("satisfied_after",))},
        ("resolved_at", "pk"),
        ("external_id", "received_at", "resolved_at", "work_order"),
        related=("work_order",),
    ),
    "praise": Source(
        "praise",
        _praise,
        {"praise": Part()},
        ("received_at", "pk"),
        ("received_at", "work_order", "note"),
        related=("work_order",),
    ),
}
# Groups whose records follow the service advisor (Indicator.groups(advisor=True)).
PERSON_OF_GROUP = {
    "done": "technician",
    "done_advisor": "advisor",
    "made": "technician",
    "made_advisor": "advisor",
}
SOURCE_OF_GROUP = {"done_advisor": "done", "made_advisor": "made"}


def fact_source(indicator: Indicator) -> Source:
    """Facts: the imported MetricFact rows of the period's months; a fact that averages its
    months counts each month once in the denominator."""
    parts = {indicator.code: Part(amount=F("value"), output=DECIMAL)}
    if indicator.fact_aggregation == "mean":
        parts["months"] = Part()
    return Source(
        "fact",
        _facts(indicator.code),
        parts,
        ("period", "pk"),
        ("indicator", "period", "value"),
        order_field=None,
    )


def manual_source(indicator: Indicator) -> Source:
    def records(employee, period, person):
        from .models import ManualRating

        return ManualRating.objects.order_by().filter(
            employee=employee, period=period.code, indicator=indicator.code
        )

    return Source(
        "rating",
        records,
        {"rating": Part(amount=F("rating"), output=INTEGER), "ratings": Part()},
        ("created", "pk"),
        ("reviewer", "rating", "comment", "created"),
        order_field=None,
        related=("reviewer",),
    )


@dataclass
class Section:
    """One list of records: what they add to the numerator and/or the denominator."""

    role: str  # RECORDS (both parts), NUMERATOR or DENOMINATOR
    kind: str
    records: QuerySet
    source: Source
    numerator: Part | None = None
    denominator: Part | None = None
    convert: str = ""  # the numerator's duration unit: "hours", "minutes" or ""

    @property
    def columns(self) -> tuple[str, ...]:
        shows = [name for part in (self.numerator, self.denominator) if part for name in part.shows]
        return tuple(dict.fromkeys(self.source.columns + tuple(shows)))

    @property
    def numerator_is_count(self) -> bool:
        return self.numerator is not None and self.numerator.is_count

    @property
    def denominator_is_count(self) -> bool:
        return self.denominator is not None and self.denominator.is_count

    @property
    def order_field(self) -> str | None:
        return self.source.order_field

    def totals(self) -> tuple:
        """(numerator, denominator) added up by the database; one query."""
        sums = {}
        if self.numerator is not None:
            sums["numerator"] = Sum("numerator_part")
        if self.denominator is not None:
            sums["denominator"] = Sum("denominator_part")
        row = self.records.aggregate(**sums)
        return row.get("numerator"), row.get("denominator")


def as_number(value, convert: str = ""):
    """A part or a total as a plain number: durations in the indicator's unit (hours or
    minutes), Decimals as int or float, like `kpi.compute`."""
    if value is None:
        return None
    if isinstance(value, datetime.timedelta):
        seconds = value.total_seconds()
        return seconds / 3600 if convert == "hours" else seconds / 60 if convert == "minutes" else seconds
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, bool):
        return int(value)
    return value


@dataclass
class Evidence:
    """The records behind one indicator for one employee and period."""

    indicator: Indicator
    employee: object
    period: Period
    sections: list[Section] = field(default_factory=list)
    components: list[str] = field(default_factory=list)  # derived: the indicators in the formula

    @property
    def is_derived(self) -> bool:
        return self.indicator.family == DERIVED

    @property
    def is_manual(self) -> bool:
        return self.indicator.shape == "manual"

    def totals(self) -> tuple:
        """(numerator, denominator) as `kpi.compute` states them, added up from the records:
        one query per section. Facts with no row have neither (no data); otherwise an empty
        numerator is 0 and an empty denominator 0."""
        item = self.indicator
        if self.is_derived or item.family == GOALS:
            return None, None
        numerator = denominator = None
        for section in self.sections:
            num, den = section.totals()
            if section.numerator is not None:
                numerator = as_number(num, section.convert)
            if section.denominator is not None:
                denominator = as_number(den)
        if item.family == FACTS:
            if numerator is None:
                return None, None
            return numerator, (denominator or 0) if item.fact_aggregation == "mean" else None
        if self.is_manual:
            return numerator, denominator or 0
        if item.convert and numerator is None:
            numerator = 0.0
        numerator = 0 if numerator is None else numerator
        denominator = (denominator or 0) if item.has_denominator else None
        return numerator, denominator

    def value(self, numerator, denominator):
        """The indicator's value from the totals, as `kpi.compute.value_of` gives it."""
        item = self.indicator
        if item.family == GOALS:
            return None
        if item.family == FACTS:
            if numerator is None:
                return None
            return float(numerator) / float(denominator) if denominator else numerator
        if self.is_manual:
            return float(numerator) / denominator if denominator else None
        if not item.has_denominator:
            return numerator
        if not denominator:
            return None
        return item.scale * float(numerator) / float(denominator)


def _section(
    role,
    source: Source,
    employee,
    period,
    person,
    numerator: Part | None,
    denominator: Part | None,
    convert: str,
) -> Section:
    records = source.records(employee, period, person)
    population = (denominator or numerator).when if role == RECORDS else (numerator or denominator).when
    if population is not None:
        records = records.filter(population)
    annotations = {}
    if numerator is not None:
        annotations["numerator_part"] = numerator.expression()
        annotations["in_numerator"] = numerator.flag()
    if denominator is not None:
        annotations["denominator_part"] = denominator.expression()
    records = records.annotate(**annotations)
    if source.related:
        records = records.select_related(*source.related)
    records = records.order_by(*source.order_by)
    return Section(role, source.kind, records, source, numerator, denominator, convert)


def _source(group: str, indicator: Indicator) -> tuple[Source, str]:
    if group == "facts":
        return fact_source(indicator), ""
    name = SOURCE_OF_GROUP.get(group, group)
    return SOURCES[name], PERSON_OF_GROUP.get(group, "")


def evidence(indicator: Indicator, employee, period: Period) -> Evidence:
    """The records behind `indicator` for `employee` (with its `position`) in `period`, as
    lazy querysets: nothing is read until a section is listed or added up."""
    found = Evidence(indicator, employee, period)
    if indicator.family == GOALS:
        return found  # no records: goal attainment is the appraisal cycle's goals
    if indicator.family == DERIVED:
        found.components = sorted(Formula(indicator.expression).names)
        return found
    if indicator.shape == "manual":
        source = manual_source(indicator)
        found.sections.append(
            _section(
                RECORDS, source, employee, period, "", source.parts["rating"], source.parts["ratings"], ""
            )
        )
        return found
    advisor = employee.position == Position.SERVICE_ADVISOR
    num_group, den_group = indicator.groups(advisor)
    num_source, num_person = _source(num_group, indicator)
    num_part = num_source.parts[indicator.numerator[1]]
    if indicator.family == FACTS:
        den_part = num_source.parts.get("months")
        found.sections.append(_section(RECORDS, num_source, employee, period, "", num_part, den_part, ""))
        return found
    if den_group is None:
        found.sections.append(
            _section(RECORDS, num_source, employee, period, num_person, num_part, None, indicator.convert)
        )
        return found
    den_source, den_person = _source(den_group, indicator)
    den_part = den_source.parts[indicator.denominator[1]]
    if num_group == den_group:
        found.sections.append(
            _section(RECORDS, num_source, employee, period, num_person, num_part, den_part, indicator.convert)
        )
    else:
        found.sections.append(
            _section(NUMERATOR, num_source, employee, period, num_person, num_part, None, indicator.convert)
        )
        found.sections.append(
            _section(DENOMINATOR, den_source, employee, period, den_person, None, den_part, "")
        )
    return found


def derived_value(indicator: Indicator, values: dict):
    """A derived indicator's (value, reason) from its components' values."""
    return Formula(indicator.expression).evaluate(values)
