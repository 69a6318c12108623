"""Reads of the facts (MetricFact): the facts page's list, one fact for its edit form or its
attachment, and the facts behind a scorecard value or veto with their evidence (note,
reference, attachment, who recorded them and the import that brought them).

A fact is read by whoever reads the figures it is part of (org.scope): an employee's fact
by the readers of that employee's figures (`visible_appraisees`: leads, managers, HR,
auditors and admins within their scope, everyone else only their own), an org unit's by
the readers of that unit's pooled figures (`visible_appraisal_units`). Anything else is
404, never 403, so ids cannot be probed."""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import get_language

from servicescore.core.models import AuditEntry
from servicescore.core.periods import MONTH_RE, Period
from servicescore.org.scope import visible_appraisal_units, visible_appraisees

from .models import FactIndicator, MetricFact
from .policy import may_record_facts

FACTS_PER_PAGE = 50
SEARCH_MAX_LENGTH = 100
# Larger ids are no row of ours (and would overflow an integer column on PostgreSQL).
MAX_ID = 2**31 - 1


def readable_facts(user) -> QuerySet:
    """The facts whose figures `user` reads (see the module docstring)."""
    if not getattr(user, "is_authenticated", False):
        return MetricFact.objects.none()
    return MetricFact.objects.filter(
        Q(employee__in=visible_appraisees(user).values("pk"))
        | Q(org_unit__in=visible_appraisal_units(user).values("pk"))
    )


def plain_number(value) -> str:
    """A stored value as people write it: 100, 2.5 (not 1E+2, not 2.5000)."""
    return format(value.normalize(), "f") if value is not None else ""


def fact_indicators() -> list[FactIndicator]:
    """The company's fact indicators, by code (one query)."""
    return list(FactIndicator.objects.order_by("code"))


def indicator_label(indicator: FactIndicator) -> str:
    return indicator.name_en if (get_language() or "").startswith("en") else indicator.name_zh


def may_change_fact(user, fact: MetricFact) -> bool:
    """Whether `user` may correct this fact: a recorder's role, and not a fact about
    themselves. (A recorder reads exactly the facts of their scope, so a fact they were
    given to read is one they may correct.)"""
    if not may_record_facts(user):
        return False
    return fact.employee is None or fact.employee.user_id != user.pk


@dataclass
class FactFilters:
    period: str = ""
    indicator: str = ""
    q: str = ""  # an employee's number or name, or an org unit's code or name

    @classmethod
    def from_query(cls, params) -> tuple["FactFilters", list[str]]:
        """The filters of the query string, and the names of those that were malformed
        (and so ignored rather than answered with an error page)."""
        ignored = []
        period = params.get("period", "").strip()
        if period and not MONTH_RE.fullmatch(period):
            ignored.append("period")
            period = ""
        indicator = params.get("indicator", "").strip()[:64]
        return cls(
            period=period, indicator=indicator, q=params.get("q", "").strip()[:SEARCH_MAX_LENGTH]
        ), ignored


def fact_list(user, filters: FactFilters, *, page=None) -> dict:
    """The facts page: one page of the facts the user reads, newest month first, filtered by
    month, indicator and person or unit. A fixed number of queries, however many rows."""
    facts = readable_facts(user)
    if filters.period:
        facts = facts.filter(period=filters.period)
    if filters.indicator:
        facts = facts.filter(indicator=filters.indicator)
    if filters.q:
        facts = facts.filter(
            Q(employee__employee_no=filters.q)
            | Q(employee__name__icontains=filters.q)
            | Q(org_unit__code=filters.q)
            | Q(org_unit__name__icontains=filters.q)
        )
    facts = facts.select_related("employee", "org_unit", "recorded_by").order_by("-period", "indicator", "pk")
    paginator = Paginator(facts, FACTS_PER_PAGE)
    page_obj = paginator.get_page(page)
    indicators = fact_indicators()
    names = {item.code: indicator_label(item) for item in indicators}
    for fact in page_obj.object_list:
        fact.indicator_name = names.get(fact.indicator, fact.indicator)
        fact.changeable = may_change_fact(user, fact)
        fact.value_text = plain_number(fact.value)
    return {
        "page_obj": page_obj,
        "count": paginator.count,
        "filters": filters,
        "indicators": [(item.code, indicator_label(item)) for item in indicators],
        "may_record": may_record_facts(user),
    }


def visible_fact(user, pk) -> MetricFact:
    """One fact the user reads, with its employee, unit and recorder; 404 otherwise."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < pk <= MAX_ID:
        raise Http404
    fact = readable_facts(user).select_related("employee", "org_unit", "recorded_by").filter(pk=pk).first()
    if fact is None:
        raise Http404
    return fact


@dataclass
class FactEvidence:
    """One fact behind a value, as the evidence page and a veto show it."""

    fact: MetricFact
    imported_from: str = ""  # the file or API call of the import that last wrote it
    changed_at: object = None  # when it was last written (the audit trail's time)
    changed_by: str = ""

    @property
    def value_text(self) -> str:
        return plain_number(self.fact.value)

    @property
    def attachment_url(self) -> str:
        return self.fact.attachment.url if self.fact.attachment else ""


def facts_behind(code: str, period: Period, *, employee=None, org_unit=None) -> list[FactEvidence]:
    """The facts of `code` in the months of `period` for an employee or an org unit the caller
    has already scope-checked, each with the last audit entry that wrote it (who, when, and
    the import's file). Two queries."""
    subject = {"employee": employee} if employee is not None else {"org_unit": org_unit}
    facts = MetricFact.objects.filter(indicator=code, period__in=period.months, **subject)
    return _with_history(facts)


def vetoes_with_facts(lines: list[dict], period: Period, *, employee) -> list[dict]:
    """Veto lines with `facts` added: for a veto that applies, the facts behind it (note,
    reference, attachment) — the employee's, or for a line scored on the unit (`"source":
    "unit"`) the employee's unit's. The employee is already scope-checked. Two queries when
    some veto applies, none otherwise."""
    applied = [line for line in lines if line.get("vetoed")]
    found: dict[tuple, list[FactEvidence]] = {}
    if applied:
        facts = MetricFact.objects.filter(
            Q(employee=employee) | Q(org_unit_id=employee.org_unit_id),
            indicator__in={line["code"] for line in applied},
            period__in=period.months,
        )
        for entry in _with_history(facts):
            owner = "unit" if entry.fact.org_unit_id else "person"
            found.setdefault((entry.fact.indicator, owner), []).append(entry)
    return [
        line
        | {
            "facts": found.get((line["code"], "unit" if line.get("source") == "unit" else "person"), [])
            if line.get("vetoed")
            else []
        }
        for line in lines
    ]


def _with_history(facts: QuerySet) -> list[FactEvidence]:
    """The facts, month by month, with their recorders and their last audit entries (two
    queries; one when there is none)."""
    facts = list(facts.select_related("recorded_by").order_by("period", "pk"))
    if not facts:
        return []
    kind = ContentType.objects.get_for_model(MetricFact)
    last = {}
    for entry in AuditEntry.objects.filter(
        content_type=kind, object_id__in=[str(fact.pk) for fact in facts]
    ).order_by("at", "pk"):
        last[entry.object_id] = entry
    found = []
    for fact in facts:
        entry = last.get(str(fact.pk))
        found.append(
            FactEvidence(
                fact,
                imported_from=entry.reason if entry is not None and entry.channel == "import" else "",
                changed_at=entry.at if entry is not None else fact.modified,
                changed_by=entry.actor_name if entry is not None else "",
            )
        )
    return found
