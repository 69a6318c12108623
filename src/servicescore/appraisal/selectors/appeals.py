"""Reads of confirmation and appeals: the deciders' queue, one appeal with the records
behind its items, an evidence file, the appeal panel of the evaluation page and the
appeal statistics. Every read starts from `readable_evaluations(user)` and narrows it:
an appeal is opened by its appellant and by those who may decide it; anyone else gets 404.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from servicescore.core.errors import Invalid, NotFound
from servicescore.kpi.catalog import catalog
from servicescore.kpi.evidence import as_number
from servicescore.kpi.selectors import indicator_name
from servicescore.org.models import OrgUnit
from servicescore.org.scope import employee_of
from servicescore.workorders.models import WorkOrder

from ..models import Appeal, AppealEvidence, Cycle, Evaluation
from ..policy import allows
from ..services.appeals import OPEN_STATES, cycle_period, decider_refusal, exclusion_sections
from ..services.cycle_months import scored_from_months
from .evaluations import readable_evaluations

RECORDS_SHOWN = 100  # records behind one item listed on the appeal page


def _deciders_appeals(user):
    """The appeals `user` may decide, in any state (SQL only: the decider rule of
    services.appeals.decider_refusal as a filter)."""
    me = employee_of(user)
    rows = Appeal.objects.filter(evaluation__in=readable_evaluations(user))
    if not allows(user, "decide_appeals"):
        if me is None:
            return Appeal.objects.none()
        rows = rows.filter(evaluation__cycle__appeal_reviewer=me)
    rows = rows.exclude(evaluation__employee__user=user)
    if me is not None:
        rows = rows.exclude(evaluation__employee=me).exclude(evaluation__reviewer=me)
        rows = rows.exclude(evaluation__second_reviewer=me)
    return rows


def openable_appeals(user):
    """The appeals `user` may open, as `appeal_for` decides one: those he filed and those
    he may decide (a queryset, for the API's paged list)."""
    return Appeal.objects.filter(evaluation__in=readable_evaluations(user)).filter(
        Q(by=user) | Q(pk__in=_deciders_appeals(user).values("pk"))
    )


def decidable_among(user, pks) -> set[int]:
    """Which of the appeals `pks` the user may decide (one query)."""
    return set(_deciders_appeals(user).filter(pk__in=list(pks)).values_list("pk", flat=True))


def is_decider(user) -> bool:
    """Whether the user decides any appeals (HR, administrators, a cycle's appeal reviewer)."""
    if allows(user, "decide_appeals"):
        return True
    me = employee_of(user)
    return me is not None and Cycle.objects.filter(appeal_reviewer=me).exists()


def decider_queue(user, *, now=None) -> list[Appeal]:
    """The undecided appeals the user may decide, overdue first (by deadline), each with
    `overdue`; two queries."""
    now = now or timezone.now()
    appeals = list(
        _deciders_appeals(user)
        .filter(state__in=OPEN_STATES)
        .select_related("evaluation__employee", "evaluation__cycle", "evaluation__org_unit")
        .order_by("due_at", "pk")
    )
    for appeal in appeals:
        appeal.overdue = appeal.due_at < now
    return appeals


def recent_decisions(user, limit: int = 20) -> list[Appeal]:
    return list(
        _deciders_appeals(user)
        .exclude(state__in=OPEN_STATES)
        .select_related("evaluation__employee", "evaluation__cycle")
        .order_by("-decided_at", "-pk")[:limit]
    )


def appeal_for(user, pk) -> Appeal:
    """The appeal `pk` if the user appealed it or may decide it; NotFound otherwise. With
    `may_decide` and `is_appellant` set."""
    found = (
        Appeal.objects.filter(evaluation__in=readable_evaluations(user), pk=pk)
        .select_related(
            "evaluation__employee__user",
            "evaluation__cycle__appeal_reviewer",
            "evaluation__org_unit",
            "evaluation__version__template",
            "evaluation__reviewer",
            "decided_by",
        )
        .first()
    )
    if found is None:
        raise NotFound(_("No such appeal."))
    found.is_appellant = found.by_id == user.pk
    found.may_decide = decider_refusal(user, found.evaluation) is None
    if not (found.is_appellant or found.may_decide):
        raise NotFound(_("No such appeal."))
    return found


def evidence_file(user, pk) -> AppealEvidence:
    """An evidence file of an appeal the user appealed or may decide; NotFound otherwise."""
    found = AppealEvidence.objects.filter(pk=pk).only("pk", "appeal_id").first()
    if found is None:
        raise NotFound(_("No such file."))
    appeal_for(user, found.appeal_id)
    return AppealEvidence.objects.get(pk=pk)


@dataclass
class RecordRow:
    work_order: WorkOrder
    numerator: float | int | None
    denominator: float | int | None
    excluded: bool = False


@dataclass
class ItemRecords:
    code: str
    name: str
    appealed: bool
    figure: list | None
    rows: list = field(default_factory=list)
    more: bool = False
    problem: str = ""


def item_records(appeal: Appeal, codes=None) -> list[ItemRecords]:
    """For each item of the appeal's evaluation (the appealed ones when it names some),
    the work orders behind it for the person and period with each one's part of the
    numerator and denominator, and whether it is already excluded; for an item no work
    order can be left out of, the reason instead. A few queries per item."""
    evaluation = appeal.evaluation
    if scored_from_months(evaluation.cycle):
        return []  # its records are in the months' cycles
    known = catalog()
    items = list(evaluation.version.items.values_list("indicator", "label"))
    wanted = set(codes or appeal.indicators or [code for code, _label in items])
    excluded = set(evaluation.exclusions.values_list("indicator", "work_order_id"))
    period = cycle_period(evaluation.cycle)
    found = []
    for code, label in items:
        if code not in wanted:
            continue
        indicator = known.get(code)
        entry = ItemRecords(
            code=code,
            name=indicator_name(indicator, label) if indicator else code,
            appealed=code in (appeal.indicators or []),
            figure=(evaluation.figures or {}).get(code),
        )
        found.append(entry)
        if indicator is None:
            entry.problem = _("This indicator is no longer in the catalogue.")
            continue
        try:
            sections = exclusion_sections(evaluation, indicator, period)
        except Invalid as error:
            entry.problem = error.message_text
            continue
        entry.rows, entry.more = _rows(sections, code, excluded)
    return found


def _rows(sections, code, excluded):
    parts: dict[int, list] = defaultdict(lambda: [None, None])
    for section in sections:
        names = [section.order_field]
        if section.numerator is not None:
            names.append("numerator_part")
        if section.denominator is not None:
            names.append("denominator_part")
        for values in section.records.values_list(*names)[: RECORDS_SHOWN + 1]:
            row = dict(zip(names, values, strict=True))
            slot = parts[row[section.order_field]]
            if section.numerator is not None:
                slot[0] = (slot[0] or 0) + (as_number(row["numerator_part"], section.convert) or 0)
            if section.denominator is not None:
                slot[1] = (slot[1] or 0) + (as_number(row["denominator_part"]) or 0)
    orders = WorkOrder.objects.in_bulk(list(parts)[:RECORDS_SHOWN])
    rows = [
        RecordRow(orders[pk], num, den, (code, pk) in excluded)
        for pk, (num, den) in parts.items()
        if pk in orders
    ]
    rows.sort(key=lambda row: (row.work_order.completed_at or row.work_order.created_at, row.work_order.pk))
    return rows, len(parts) > RECORDS_SHOWN


def item_names(evaluation: Evaluation) -> dict[str, str]:
    """indicator code → the item's name in the reader's language, for the evaluation's items
    (none for a quarter or year scored from its months: it is appealed as a whole)."""
    if scored_from_months(evaluation.cycle):
        return {}
    known = catalog()
    return {
        code: indicator_name(known[code], label) if code in known else code
        for code, label in evaluation.version.items.values_list("indicator", "label")
    }


def evaluation_appeal_panel(user, evaluation: Evaluation, *, now=None) -> dict:
    """What the evaluation page's appeal panel shows: for the appraised person within the
    window, confirm and appeal (with the items to choose); the appeals with their
    questions, decisions and exclusions."""
    now = now or timezone.now()
    own = evaluation.employee.user_id == user.pk
    window_open = evaluation.confirm_due is None or now < evaluation.confirm_due
    may_act = own and evaluation.state == Evaluation.State.PUBLISHED and window_open
    appeals = list(
        evaluation.appeals.select_related("decided_by").prefetch_related("evidence", "exclusions__work_order")
    )
    items = []
    if may_act or appeals:
        names = item_names(evaluation)
        items = list(names.items())
        for appeal in appeals:
            appeal.item_names = [names.get(code, code) for code in appeal.indicators]
            appeal.is_appellant = appeal.by_id == user.pk
            for exclusion in appeal.exclusions.all():
                exclusion.item_name = names.get(exclusion.indicator, exclusion.indicator)
    return {
        "evaluation": evaluation,
        "own": own,
        "may_act": may_act,
        "window_open": window_open,
        "items": items,
        "appeals": appeals,
        "may_decide": bool(appeals) and decider_refusal(user, evaluation) is None,
    }


# --- statistics ---------------------------------------------------------------------------------------
DECIDED = (Appeal.State.UPHELD, Appeal.State.ADJUSTED)


def _centres(unit_ids) -> dict[int, OrgUnit]:
    """org unit id → its service centre (itself when it is one, or its nearest ancestor;
    the unit itself when no centre is above it); two queries."""
    units = OrgUnit.objects.in_bulk(list(unit_ids))
    paths = [unit.path for unit in units.values()]
    centres = [
        centre
        for centre in OrgUnit.objects.filter(kind=OrgUnit.Kind.SERVICE_CENTER)
        if any(path.startswith(centre.path) for path in paths)
    ]
    found = {}
    for pk, unit in units.items():
        above = [centre for centre in centres if unit.path.startswith(centre.path)]
        found[pk] = max(above, key=lambda centre: len(centre.path)) if above else unit
    return found


def appeal_stats(user, *, cycle=None) -> dict:
    """Decided appeals in the user's scope: upheld against adjusted by service centre
    (one aggregate query), by indicator (each appealed item; a whole-result appeal under
    its own row) and by indicator and centre, so an indicator overturned again and again
    at one centre shows. Four to five queries."""
    rows = Appeal.objects.filter(evaluation__in=readable_evaluations(user), state__in=DECIDED)
    if cycle is not None:
        rows = rows.filter(evaluation__cycle=cycle)
    by_unit = list(
        rows.values("evaluation__org_unit").annotate(
            upheld=Count("pk", filter=Q(state=Appeal.State.UPHELD)),
            adjusted=Count("pk", filter=Q(state=Appeal.State.ADJUSTED)),
        )
    )
    decided = list(rows.values_list("indicators", "state", "evaluation__org_unit"))
    centres = _centres({row["evaluation__org_unit"] for row in by_unit})
    centre_counts: dict[int, Counter] = defaultdict(Counter)
    for row in by_unit:
        centre = centres[row["evaluation__org_unit"]]
        centre_counts[centre.pk].update(upheld=row["upheld"], adjusted=row["adjusted"])
    known = catalog()
    item_counts: dict[str, Counter] = defaultdict(Counter)
    cross: dict[tuple[str, int], Counter] = defaultdict(Counter)
    for indicators, state, unit in decided:
        for code in indicators or [""]:
            item_counts[code][state] += 1
            cross[(code, centres[unit].pk)][state] += 1
    centre_by_pk = {centre.pk: centre for centre in centres.values()}

    def name(code):
        if not code:
            return _("Whole result")
        return indicator_name(known[code]) if code in known else code

    def line(counts):
        upheld, adjusted = counts["upheld"], counts["adjusted"]
        total = upheld + adjusted
        return {
            "upheld": upheld,
            "adjusted": adjusted,
            "total": total,
            "adjusted_share": round(100 * adjusted / total) if total else None,
        }

    return {
        "by_centre": sorted(
            ({"centre": centre_by_pk[pk], **line(counts)} for pk, counts in centre_counts.items()),
            key=lambda row: (-row["adjusted"], -row["total"], row["centre"].name),
        ),
        "by_indicator": sorted(
            ({"code": code, "name": name(code), **line(counts)} for code, counts in item_counts.items()),
            key=lambda row: (-row["adjusted"], -row["total"], row["code"]),
        ),
        "by_indicator_centre": sorted(
            (
                {"code": code, "name": name(code), "centre": centre_by_pk[pk], **line(counts)}
                for (code, pk), counts in cross.items()
            ),
            key=lambda row: (-row["adjusted"], -row["total"], row["code"], row["centre"].name),
        ),
        "decided": len(decided),
    }
