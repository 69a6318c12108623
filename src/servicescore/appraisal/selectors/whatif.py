"""What-if (product.md, "Beyond what any peer offers"): score a past month under a draft
template version — saved or straight from the editor's unsaved form — beside the active
versions, for the people in the user's scope, before anything is published.

Both sides come from `people_scoring.score_people` over the same stored indicator results: the
active side with today's active versions, the draft side with the draft in its template's
place. Only the people the draft would score are compared (a template applying within an
org unit wins over a company-wide one there). Set-based: a fixed number of queries
however many people are in scope.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import get_language

from servicescore.core.periods import local_today, parse_period
from servicescore.kpi.catalog import catalog
from servicescore.org.models import OrgUnit
from servicescore.org.scope import visible_employees

from ..models import Scorecard, Template, TemplateItem, TemplateVersion
from ..people_scoring import active_versions, score_people
from ..scoring import Score

PREVIEW_SIZE = 3
# The grade-change list shows at most this many people; the counts cover everyone.
CHANGES_SHOWN = 500
NO_SCORE = ""


class _Items(list):
    """A list that answers `.all()` like a related manager, for score_people."""

    def all(self):
        return self


@dataclass(eq=False)
class DraftVersion:
    """A template version as it would be saved: the editor's unsaved rows and grade bands
    on top of the saved draft, in a shape `score_people` scores like a saved version."""

    saved: TemplateVersion
    rows: list[TemplateItem]
    grade_bands: list[dict]
    # The editor's unsaved minimum share with data and grade-a-running-month switch; None:
    # the saved version's.
    min_data_share: Decimal | None = None
    grade_provisional: bool | None = None

    def __post_init__(self):
        self.items = _Items(self.rows)
        if self.min_data_share is None:
            self.min_data_share = self.saved.min_data_share
        if self.grade_provisional is None:
            self.grade_provisional = self.saved.grade_provisional

    @property
    def pk(self):
        return self.saved.pk

    @property
    def number(self):
        return self.saved.number

    @property
    def template(self) -> Template:
        return self.saved.template


def draft_of(
    version: TemplateVersion, rows=None, grade_bands=None, *, min_data_share=None, grade_provisional=None
) -> DraftVersion:
    """The stand-in for `version`, with the given unsaved rows, bands and minimum-data
    settings or its saved ones."""
    if rows is None:
        rows = list(version.items.all())
    return DraftVersion(
        version,
        list(rows),
        grade_bands if grade_bands is not None else version.grade_bands,
        min_data_share,
        grade_provisional,
    )


def last_month(today: datetime.date | None = None) -> str:
    """The month before today's (company zone), e.g. '2026-10' during November 2026."""
    today = today or local_today()
    first = today.replace(day=1) - datetime.timedelta(days=1)
    return f"{first.year:04d}-{first.month:02d}"


def people_under(user, template: Template) -> QuerySet:
    """The employees in the user's scope that hold the template's position (within its org
    unit when it has one)."""
    people = visible_employees(user).filter(position=template.position)
    if template.org_unit_id is not None:
        people = people.filter(org_unit__path__startswith=template.org_unit.path)
    return people


def _with_draft(active: dict, draft: DraftVersion) -> dict:
    versions = dict(active)
    versions[draft.template.position, draft.template.org_unit_id] = draft
    return versions


def _run(period, people, draft: DraftVersion, indicators, active=None):
    """(active side, draft side) for the people the draft would score:
    {employee id: (version or None, Score or None)} and {employee id: Score}."""
    active = active if active is not None else active_versions()
    drafted = {
        pk: result
        for pk, version, result in score_people(
            period, people, versions=_with_draft(active, draft), items=indicators, keep_versions=False
        )
        if version is draft
    }
    if not drafted:
        return {}, {}
    now = {
        pk: (version, result)
        for pk, version, result in score_people(
            period, people, versions=active, items=indicators, keep_versions=False
        )
        if pk in drafted
    }
    return now, drafted


def _centre_names() -> dict[int, tuple[str, str]]:
    """service centre id → (name, code). All of them: a manager of a team still sees his
    people under their centre's name (only people in scope are ever grouped)."""
    return {
        pk: (name, code)
        for pk, name, code in OrgUnit.objects.filter(kind=OrgUnit.Kind.SERVICE_CENTER).values_list(
            "pk", "name", "code"
        )
    }


def _centre_of(path: str, centres: dict) -> int | None:
    for part in reversed([p for p in (path or "").strip("/").split("/") if p]):
        if int(part) in centres:
            return int(part)
    return None


def _people_rows(people: QuerySet) -> dict[int, tuple[str, str, str]]:
    """employee id → (employee no., name, org-unit path), one query."""
    return {
        pk: (number, name, path)
        for pk, number, name, path in people.values_list("pk", "employee_no", "name", "org_unit__path")
    }


# --- the what-if ----------------------------------------------------------------------


@dataclass
class Distribution:
    """Scores and grades of a group of people under one side."""

    people: int = 0
    scored: int = 0
    total: float = 0.0
    grades: Counter = field(default_factory=Counter)
    cells: list[int] = field(default_factory=list)  # counts in the page's grade order

    def add(self, result: Score | None) -> None:
        self.people += 1
        if result is None or result.final is None:
            self.grades[NO_SCORE] += 1
            return
        self.scored += 1
        self.total += result.final
        self.grades[result.grade] += 1

    @property
    def mean(self) -> float | None:
        return self.total / self.scored if self.scored else None


@dataclass
class CentreComparison:
    centre_id: int | None
    name: str
    code: str
    active: Distribution = field(default_factory=Distribution)
    draft: Distribution = field(default_factory=Distribution)
    changed: int = 0  # people whose grade changes

    @property
    def mean_change(self) -> float | None:
        if self.active.mean is None or self.draft.mean is None:
            return None
        return self.draft.mean - self.active.mean

    @property
    def cells(self) -> list[tuple[int, int]]:
        return list(zip(self.active.cells, self.draft.cells, strict=True))


@dataclass
class GradeChange:
    employee_id: int
    employee_no: str
    name: str
    centre: str
    active_version: str
    active_score: float | None
    active_grade: str
    draft_score: float | None
    draft_grade: str

    @property
    def score_change(self) -> float | None:
        if self.active_score is None or self.draft_score is None:
            return None
        return self.draft_score - self.active_score


@dataclass
class WhatIf:
    period: str
    version: DraftVersion
    grades: list[str]  # column order: the draft's grades, then others seen, then NO_SCORE
    centres: list[CentreComparison]
    total: CentreComparison
    changes: list[GradeChange]
    changes_count: int
    # Another template's active version the draft takes the place of (same position and
    # org unit): activating the draft is refused until that one is retired.
    displaces: str = ""
    # The period had not ended: its scores are provisional, without grades unless a
    # scheme grades a running month (kpi-library.md, Scoring).
    provisional: bool = False

    @property
    def people(self) -> int:
        return self.total.draft.people

    @property
    def changes_cut(self) -> bool:
        return self.changes_count > len(self.changes)

    @property
    def has_scores(self) -> bool:
        return bool(self.total.draft.scored or self.total.active.scored)


def _grade_order(draft: DraftVersion, comparisons) -> list[str]:
    order = [band["grade"] for band in draft.grade_bands]
    seen = set()
    for row in comparisons:
        seen |= set(row.active.grades) | set(row.draft.grades)
    order += sorted(seen - set(order) - {NO_SCORE})
    if NO_SCORE in seen:
        order.append(NO_SCORE)
    return order


def _version_label(version) -> str:
    if version is None:
        return ""
    return f"{version.template.code} v{version.number}"


def what_if(user, draft: DraftVersion, period_code: str, *, indicators=None) -> WhatIf:
    """Score `period_code` under the draft and under the active versions for the people in
    the user's scope the draft would score; per service centre the mean score and grade
    counts of both sides, and everyone whose grade would change."""
    period = parse_period(period_code)
    indicators = indicators if indicators is not None else catalog(manual=False)
    people = people_under(user, draft.template)
    active = active_versions()
    now, drafted = _run(period, people, draft, indicators, active)
    held = active.get((draft.template.position, draft.template.org_unit_id))
    displaces = _version_label(held) if held is not None and held.template_id != draft.template.pk else ""
    centres = _centre_names()
    rows = _people_rows(people) if drafted else {}
    by_centre: dict[int | None, CentreComparison] = {}
    total = CentreComparison(None, "", "")
    changes = []
    for pk, draft_result in drafted.items():
        number, name, path = rows.get(pk, ("", "", ""))
        centre = _centre_of(path, centres)
        centre_name, centre_code = centres.get(centre, ("", ""))
        row = by_centre.setdefault(centre, CentreComparison(centre, centre_name, centre_code))
        version, active_result = now.get(pk, (None, None))
        active_grade = active_result.grade if active_result and active_result.final is not None else NO_SCORE
        draft_grade = draft_result.grade if draft_result.final is not None else NO_SCORE
        for group in (row, total):
            group.active.add(active_result)
            group.draft.add(draft_result)
            if active_grade != draft_grade:
                group.changed += 1
        if active_grade != draft_grade:
            changes.append(
                GradeChange(
                    pk,
                    number,
                    name,
                    centre_name,
                    _version_label(version),
                    active_result.final if active_result else None,
                    active_grade,
                    draft_result.final,
                    draft_grade,
                )
            )
    comparisons = sorted(by_centre.values(), key=lambda c: (c.centre_id is None, c.code))
    grades = _grade_order(draft, comparisons + [total])
    for row in comparisons + [total]:
        row.active.cells = [row.active.grades.get(g, 0) for g in grades]
        row.draft.cells = [row.draft.grades.get(g, 0) for g in grades]
    changes.sort(key=lambda c: (c.centre, c.employee_no))
    return WhatIf(
        period.code,
        draft,
        grades,
        comparisons,
        total,
        changes[:CHANGES_SHOWN],
        len(changes),
        displaces,
        provisional=timezone.now() < period.end,
    )


# --- the editor's preview ---------------------------------------------------------------


@dataclass
class PreviewPerson:
    employee_id: int
    employee_no: str
    name: str
    centre: str
    reason: str  # "lowest", "median", "highest" (stored score) or "listed"
    stored_score: float | None
    active_version: str
    active: Score | None
    draft: Score

    @property
    def lines(self) -> list[dict]:
        return self.draft.items


@dataclass
class Preview:
    period: str
    people: list[PreviewPerson]
    # The items' names in the user's language (None: as the scoring names them).
    labels: list[str | None] = field(default_factory=list)

    @property
    def item_rows(self) -> list[tuple[str, str, list[dict]]]:
        """(label, kind, each person's working of the item), item by item."""
        if not self.people:
            return []
        rows = zip(*(p.lines for p in self.people), strict=True)
        return [
            (
                (self.labels[n] if n < len(self.labels) else None) or cells[0]["label"],
                cells[0]["kind"],
                list(cells),
            )
            for n, cells in enumerate(rows)
        ]


def sample_people(people: QuerySet, template: Template, period_code: str, size: int = PREVIEW_SIZE):
    """Up to `size` employees to preview, picked the same way every time: the lowest,
    median and highest stored score of the month under this template, then the first by
    employee number. Returns [(employee id, reason, stored score)] (a few extra in reserve,
    for people another template covers)."""
    stored = Scorecard.objects.filter(
        period=period_code,
        version__template=template,
        employee__in=people.values("pk"),
        final_score__isnull=False,
    ).order_by("final_score", "employee_id")
    picked: list[tuple[int, str, float | None]] = []
    count = stored.count()
    if count:
        spots = {0: "lowest", count // 2: "median", count - 1: "highest"} if size >= 3 else {0: "lowest"}
        for index, reason in sorted(spots.items()):
            employee, final = stored.values_list("employee", "final_score")[index]
            if employee not in {p[0] for p in picked}:
                picked.append((employee, reason, final))
    taken = [p[0] for p in picked]
    extra = people.exclude(pk__in=taken).order_by("employee_no").values_list("pk", flat=True)[: 2 * size]
    picked += [(pk, "listed", None) for pk in extra]
    return picked


def preview(
    user, draft: DraftVersion, period_code: str, *, indicators=None, size: int = PREVIEW_SIZE
) -> Preview:
    """The draft's scores for a few sample employees of its position in the user's scope
    (see `sample_people`), beside what the active versions give them."""
    period = parse_period(period_code)
    indicators = indicators if indicators is not None else catalog(manual=False)
    people = people_under(user, draft.template)
    picked = sample_people(people, draft.template, period.code, size)
    if not picked:
        return Preview(period.code, [])
    sample = people.filter(pk__in=[p[0] for p in picked])
    now, drafted = _run(period, sample, draft, indicators)
    rows = _people_rows(sample)
    centres = _centre_names()
    found = []
    for pk, reason, stored in picked:
        if pk not in drafted or len(found) == size:
            continue
        number, name, path = rows.get(pk, ("", "", ""))
        version, active_result = now.get(pk, (None, None))
        found.append(
            PreviewPerson(
                pk,
                number,
                name,
                centres.get(_centre_of(path, centres), ("", ""))[0],
                reason,
                stored,
                _version_label(version),
                active_result,
                drafted[pk],
            )
        )
    language = get_language()
    labels = [
        row.label or (indicators[row.indicator].name(language) if row.indicator in indicators else None)
        for row in draft.rows
    ]
    return Preview(period.code, found, labels)
