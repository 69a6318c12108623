"""Reads for the people list and the employee profile; each takes the requesting user and
starts from org/scope.py, so nothing out of scope can leak (out-of-scope ids are 404)."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.paginator import Paginator
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    Sum,
    When,
)
from django.db.models.functions import Abs
from django.http import Http404
from django.utils import timezone

from servicescore.core.periods import company_zone
from servicescore.core.sections import collect_entries
from servicescore.org.scope import scope_for, visible_employees, visible_org_units

from .models import (
    CERT_EXPIRY_WARNING_DAYS,
    Certificate,
    Employee,
    EmployeeSkill,
    OrgUnit,
    Position,
    RewardPenalty,
    TrainingRecord,
)

PEOPLE_PER_PAGE = 50
TIMELINE_LIMIT = 50
POINTS_WINDOW_DAYS = 365
# An org unit is at most four levels deep (company › region › centre › team: the kinds
# must rank downwards, see OrgUnit.KIND_RANK), so three parent hops reach the company.
UNIT_CHAIN = "org_unit__parent__parent__parent"
# The largest id a database integer column holds; a bigger one in a URL cannot exist.
MAX_ID = 2**63 - 1


def company_today(now: datetime.datetime | None = None) -> datetime.date:
    """Today's date in the company zone, the day certificate expiry is judged on."""
    return timezone.localdate(now or timezone.now(), company_zone())


def _attention_horizon(today: datetime.date) -> datetime.date:
    return today + datetime.timedelta(days=CERT_EXPIRY_WARNING_DAYS)


def _manager_visible(user) -> Exists:
    """True when the employee's manager is inside the user's scope (so may be linked)."""
    return Exists(visible_employees(user).filter(pk=OuterRef("manager_id")))


# --- the people list -------------------------------------------------------------------


@dataclass(frozen=True)
class PeopleFilters:
    """The list filters, already parsed by the view (values are well-formed, not yet
    checked against the user's scope)."""

    q: str = ""
    org_unit_id: int | None = None
    position: str = ""
    status: str = ""
    certificates: str = ""  # "expired" or "expiring": people holding such a certificate


CERTIFICATE_FILTERS = ("expired", "expiring")


def filterable_org_units(user) -> list[OrgUnit]:
    """The org units the user may filter by, in tree order, each with `depth` relative to
    the shallowest one and `indent` (non-breaking spaces, for the choice list). One query."""
    units = list(visible_org_units(user).order_by("path"))
    top = min((unit.path.count("/") for unit in units), default=0)
    for unit in units:
        unit.depth = unit.path.count("/") - top
        unit.indent = "\u00a0" * 3 * unit.depth
    return units


def people_queryset(
    user, filters: PeopleFilters, *, unit: OrgUnit | None = None, today: datetime.date | None = None
):
    """Employees the user may see, filtered, with what a list row shows: org unit and
    manager joined, `certificates_needing_attention` (expired or expiring within
    CERT_EXPIRY_WARNING_DAYS) and `manager_visible` annotated, so a page is one query."""
    horizon = _attention_horizon(today or company_today())
    qs = visible_employees(user)
    if filters.q:
        qs = qs.filter(Q(name__icontains=filters.q) | Q(employee_no__icontains=filters.q))
    if unit is not None:
        # A unit means its whole subtree: a service centre lists its teams' people too.
        qs = qs.filter(org_unit__path__startswith=unit.path)
    if filters.position:
        qs = qs.filter(position=filters.position)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.certificates in CERTIFICATE_FILTERS:
        # The home page's certificate counts (org/home.py) open this list: the same windows.
        day = today or company_today()
        window = (
            Q(valid_until__lt=day)
            if filters.certificates == "expired"
            else Q(valid_until__gte=day, valid_until__lte=_attention_horizon(day))
        )
        qs = qs.filter(Exists(Certificate.objects.filter(window, employee=OuterRef("pk"))))
    return (
        qs.select_related("org_unit", "manager")
        .annotate(
            certificates_needing_attention=Count(
                "certificates", filter=Q(certificates__valid_until__lte=horizon)
            ),
            manager_visible=_manager_visible(user),
        )
        .order_by("employee_no", "pk")
    )


def people_directory(user, filters: PeopleFilters, *, page=None, today: datetime.date | None = None) -> dict:
    """The people list page: one page of visible employees, the filter choices and the
    names of filters that were ignored because they point outside the user's scope."""
    units = filterable_org_units(user)
    ignored = []
    unit = None
    if filters.org_unit_id is not None:
        unit = next((u for u in units if u.pk == filters.org_unit_id), None)
        if unit is None:
            # Unknown and out-of-scope ids read the same, so ids cannot be probed.
            ignored.append("org_unit")
    paginator = Paginator(people_queryset(user, filters, unit=unit, today=today), PEOPLE_PER_PAGE)
    return {
        "page_obj": paginator.get_page(page),
        "count": paginator.count,
        "org_units": units,
        "selected_unit": unit,
        "positions": Position.choices,
        "statuses": Employee.Status.choices,
        "filters": filters,
        "ignored": ignored,
    }


# --- one employee ----------------------------------------------------------------------


def visible_employee(user, pk) -> Employee:
    """One employee the user may see, with org-unit chain and manager joined and
    `manager_visible` annotated; 404 otherwise (never 403: ids cannot be probed)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < pk <= MAX_ID:
        raise Http404
    employee = (
        visible_employees(user)
        .select_related(UNIT_CHAIN, "manager")
        .annotate(manager_visible=_manager_visible(user))
        .filter(pk=pk)
        .first()
    )
    if employee is None:
        raise Http404
    return employee


def own_employee(user) -> Employee:
    """The signed-in user's own employee record, if it is active and so in their scope; 404
    for an account with none (an auditor, an unlinked log-in)."""
    employee = visible_employees(user).filter(user=user).only("pk").first()
    if employee is None:
        raise Http404
    return employee


def org_unit_path(employee: Employee) -> list[OrgUnit]:
    """The employee's unit and its ancestors, company first (no query: see UNIT_CHAIN)."""
    chain, unit = [], employee.org_unit
    while unit is not None:
        chain.append(unit)
        unit = unit.parent
    return chain[::-1]


@dataclass
class Archive:
    """An employee's archive as the profile shows it."""

    certificates: list[Certificate]
    trainings: list[TrainingRecord]
    rewards_penalties: list[RewardPenalty]
    points_last_12_months: Decimal
    skills: list[EmployeeSkill]


def _signed_points():
    """Rewards count up and penalties down, whichever sign the points were entered with."""
    return Case(
        When(kind=RewardPenalty.Kind.PENALTY, then=-Abs(F("points"))),
        default=Abs(F("points")),
        output_field=DecimalField(max_digits=6, decimal_places=1),
    )


def employee_archive(user, employee: Employee, *, today: datetime.date | None = None) -> Archive:
    """Certificates (each with `expiry_state`), training, rewards and penalties (each with
    `signed_points`), their net over the last 12 months, and skills. Five queries."""
    today = today or company_today()
    mine = scope_for(user).employees_q("employee__") & Q(employee=employee)
    certificates = list(Certificate.objects.filter(mine).order_by("valid_until", "cert_type", "pk"))
    for certificate in certificates:
        certificate.state = certificate.expiry_state(today)
    rewards = RewardPenalty.objects.filter(mine).annotate(signed_points=_signed_points())
    since = today - datetime.timedelta(days=POINTS_WINDOW_DAYS)
    net = rewards.filter(date__gt=since, date__lte=today).aggregate(net=Sum("signed_points"))["net"]
    return Archive(
        certificates=certificates,
        trainings=list(TrainingRecord.objects.filter(mine).order_by("-date", "-pk")),
        rewards_penalties=list(rewards.order_by("-date", "-pk")),
        points_last_12_months=net or Decimal("0"),
        skills=list(
            EmployeeSkill.objects.filter(mine).select_related("skill").order_by("-level", "skill__name")
        ),
    )


def _archive_entry(model, user, pk):
    """One archive row of an employee the user may see (the scope rule of employee_archive);
    404 otherwise, and for an id out of range."""
    if not 0 < pk <= MAX_ID:
        raise Http404
    entry = model.objects.filter(scope_for(user).employees_q("employee__"), pk=pk).first()
    if entry is None:
        raise Http404
    return entry


def visible_certificate(user, pk: int) -> Certificate:
    """A certificate of an employee the user may see; 404 otherwise."""
    return _archive_entry(Certificate, user, pk)


def visible_reward_penalty(user, pk: int) -> RewardPenalty:
    """A reward or penalty of an employee the user may see; 404 otherwise."""
    return _archive_entry(RewardPenalty, user, pk)


@dataclass(frozen=True)
class TimelineEntry:
    """One dated thing on the profile's timeline; `kind` picks how the template shows it."""

    date: datetime.date
    kind: str  # hired, certificate_from, certificate_until, training, reward, penalty, or another app's
    item: object = None
    # How another app's entry is shown (its own template); org's kinds are in profile.html.
    template: str = ""


def employee_timeline(
    user,
    employee: Employee,
    *,
    archive: Archive | None = None,
    today: datetime.date | None = None,
) -> list[TimelineEntry]:
    """Hiring, certificate validity (start; end when expired or expiring), training, rewards
    and penalties, and what other apps add (core/sections.py "profile_timeline": the last
    work orders completed as lead), newest first, at most TIMELINE_LIMIT. Given the archive
    already built for the same page, it adds one query per other app's source."""
    today = today or company_today()
    archive = archive or employee_archive(user, employee, today=today)
    entries = []
    if employee.hire_date:
        entries.append(TimelineEntry(employee.hire_date, "hired"))
    for certificate in archive.certificates:
        if certificate.valid_from:
            entries.append(TimelineEntry(certificate.valid_from, "certificate_from", certificate))
        if certificate.valid_until and certificate.state != "valid":
            entries.append(TimelineEntry(certificate.valid_until, "certificate_until", certificate))
    entries += [TimelineEntry(t.date, "training", t) for t in archive.trainings]
    entries += [
        TimelineEntry(r.date, "penalty" if r.kind == RewardPenalty.Kind.PENALTY else "reward", r)
        for r in archive.rewards_penalties
    ]
    entries += collect_entries("profile_timeline", user, employee, today=today)
    # Stable sort: same-day entries keep the order they were added in.
    entries.sort(key=lambda entry: entry.date, reverse=True)
    return entries[:TIMELINE_LIMIT]


def employee_profile(user, pk, *, now: datetime.datetime | None = None) -> dict:
    """Everything the profile page shows for one visible employee; 404 when out of scope.
    A fixed number of queries, however long the archive or the work history."""
    now = now or timezone.now()
    today = company_today(now)
    employee = visible_employee(user, pk)
    archive = employee_archive(user, employee, today=today)
    return {
        "employee": employee,
        "unit_path": org_unit_path(employee),
        "archive": archive,
        "timeline": employee_timeline(user, employee, archive=archive, today=today),
        "today": today,
        "warning_days": CERT_EXPIRY_WARNING_DAYS,
    }
