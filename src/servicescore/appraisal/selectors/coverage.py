"""Reads of the scheme coverage: for every position the product knows, how many active
people in the user's scope hold it and which active scheme scores them (the company-wide
one, or one applying within their unit: `people_scoring.version_for` decides, as the
recompute does), and the people no active scheme scores, with what would fix it. A fixed
number of queries, however many people."""

from collections import Counter
from dataclasses import dataclass, field

from django.http import Http404

from servicescore.kpi.services.recompute import unit_chains
from servicescore.org.models import Employee, Position
from servicescore.org.scope import visible_employees

from ..default_schemes import TEMPLATES as DEFAULT_TEMPLATES
from ..models import Template, TemplateVersion
from ..people_scoring import version_for
from ..policy import shows_scheme_pages
from .schemes import visible_templates

# The people without a scheme listed by name; the rest are counted.
UNSCORED_SHOWN = 100


@dataclass
class SchemeUse:
    """One active scheme version and how many of the position's people it scores."""

    version: TemplateVersion
    count: int


@dataclass
class PositionCoverage:
    """One position: its people in scope, the schemes scoring them and those left out.
    `fix`: a template of the position with no active version, to activate (None: none)."""

    position: str
    label: str
    staff: int
    schemes: list[SchemeUse] = field(default_factory=list)
    unscored: int = 0
    fix: Template | None = None
    default_missing: bool = False


def _active_versions() -> dict[tuple[str, int | None], TemplateVersion]:
    """`people_scoring.active_versions` without the items: (position, unit or None) →
    version, with the template and its unit. One query."""
    found = {}
    versions = (
        TemplateVersion.objects.filter(status=TemplateVersion.Status.ACTIVE)
        .select_related("template__org_unit")
        .order_by("template__code")
    )
    for version in versions:
        found.setdefault((version.template.position, version.template.org_unit_id), version)
    return found


def _scored_by(user) -> tuple[list[tuple[int, str, TemplateVersion | None]], dict]:
    """(employee id, position, version or None) for each active person in scope, and the
    active versions. Three queries."""
    versions = _active_versions()
    chains, _kinds = unit_chains()
    staff = visible_employees(user).filter(status=Employee.Status.ACTIVE)
    people = [
        (pk, position, version_for(versions, position, chains.get(unit, [])))
        for pk, position, unit in staff.values_list("pk", "position", "org_unit")
    ]
    return people, versions


def unscored_count(user) -> int:
    """How many active people in the user's scope no active scheme scores (0 for a user
    who may not open the scheme pages). Three queries."""
    if not shows_scheme_pages(user):
        return 0
    people, _versions = _scored_by(user)
    return sum(1 for _pk, _position, version in people if version is None)


def scheme_coverage(user, *, shown: int = UNSCORED_SHOWN) -> dict:
    """Every position with its people in scope and the schemes scoring them, and the
    first `shown` people without a scheme (name, position, unit). 404 for a user who may
    not open the scheme pages. Five queries."""
    if not shows_scheme_pages(user):
        raise Http404
    people, versions = _scored_by(user)
    staff = Counter(position for _pk, position, _version in people)
    uses = Counter((position, version.pk) for _pk, position, version in people if version is not None)
    by_pk = {version.pk: version for version in versions.values()}
    unscored_ids = [pk for pk, _position, version in people if version is None]
    unscored_by_position = Counter(position for _pk, position, version in people if version is None)
    covered = {position for position, _unit in versions}
    # A template of a position nobody's active scheme covers, to activate (drafts first).
    fixes = {}
    for template in (
        visible_templates(user)
        .filter(position__in=set(Position.values) - covered)
        .select_related("org_unit")
        .order_by("org_unit__path", "code")
    ):
        fixes.setdefault(template.position, template)
    default_positions = {position for _code, _name, position, *_rest in DEFAULT_TEMPLATES}
    rows = []
    for position, label in Position.choices:
        row = PositionCoverage(
            position,
            str(label),
            staff[position],
            [
                SchemeUse(by_pk[pk], count)
                for (held, pk), count in sorted(
                    uses.items(), key=lambda entry: by_pk[entry[0][1]].template.code
                )
                if held == position
            ],
            unscored_by_position[position],
        )
        if position not in covered:
            row.fix = fixes.get(position)
            row.default_missing = row.fix is None and position in default_positions
        rows.append(row)
    listed = list(
        Employee.objects.filter(pk__in=unscored_ids[:shown])
        .select_related("org_unit")
        .order_by("position", "org_unit__path", "employee_no")
    )
    return {
        "positions": rows,
        "staff": len(people),
        "unscored": listed,
        "unscored_count": len(unscored_ids),
        "unscored_more": max(0, len(unscored_ids) - len(listed)),
    }
