"""Reads for the scheme pages (appraisal templates, 考核方案): which templates a user
sees, the list page's overview, one template with its versions and history, and one
version. Templates are company configuration: service managers, HR and administrators
edit them; the other roles that read appraisal details (auditors, foremen) read them;
a template that applies within an org unit outside the user's scope is not found (404),
like any out-of-scope record."""

from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.text import Truncator
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from servicescore.kpi.catalog import catalog
from servicescore.org.models import Position
from servicescore.org.scope import visible_org_units

from ..default_schemes import TEMPLATES as DEFAULT_TEMPLATES
from ..models import Template, TemplateChange, TemplateItem, TemplateVersion
from ..policy import may_read_schemes

HISTORY_PAGE_SIZE = 20


def indicator_name(code: str, indicators: dict, *, label: str = "", language: str | None = None) -> str:
    """What people call an item's indicator: the item's own label when it has one, else
    the indicator's name in the reader's language (registry, facts and derived ones of
    `kpi.catalog`), else its code (one the catalogue no longer knows)."""
    if label:
        return label
    item = indicators.get(code)
    return item.name(language or get_language()) if item is not None else code


def indicator_text(code: str, indicators: dict, *, label: str = "") -> str:
    """The indicator as plain text, its name with the code after it: "客户满意度 (CSAT)"."""
    name = indicator_name(code, indicators, label=label)
    return code if name == code else _("%(name)s (%(code)s)") % {"name": name, "code": code}


def visible_templates(user) -> QuerySet:
    """Company-wide templates and those applying within an org unit in the user's scope,
    for the roles that read templates."""
    if not may_read_schemes(user):
        return Template.objects.none()
    return Template.objects.filter(Q(org_unit__isnull=True) | Q(org_unit__in=visible_org_units(user)))


def visible_template(user, pk) -> Template:
    """One template, or 404 when it does not exist or is outside the user's scope."""
    template = visible_templates(user).select_related("org_unit").filter(pk=pk).first()
    if template is None:
        raise Http404(_("No such appraisal template."))
    return template


def visible_version(user, pk) -> TemplateVersion:
    """One template version with its template, or 404."""
    version = (
        TemplateVersion.objects.filter(template__in=visible_templates(user), pk=pk)
        .select_related("template__org_unit", "created_by", "activated_by")
        .first()
    )
    if version is None:
        raise Http404(_("No such template version."))
    return version


def visible_drafts(user) -> QuerySet:
    """The draft versions a user may try out in the what-if."""
    return (
        TemplateVersion.objects.filter(
            template__in=visible_templates(user), status=TemplateVersion.Status.DRAFT
        )
        .select_related("template")
        .order_by("template__position", "template__code")
    )


@dataclass
class TemplateSummary:
    template: Template
    active: TemplateVersion | None
    drafts: list[TemplateVersion]
    history: list[TemplateVersion]  # every version, newest first
    can_edit: bool = False  # set by the page: whether the reader may change it


@dataclass
class PositionGroup:
    position: str
    label: str
    templates: list[TemplateSummary] = field(default_factory=list)


def _with_versions(templates: QuerySet) -> QuerySet:
    """Templates with their unit and every version, newest first, with its people and
    items (for the weight sums): three queries however many there are."""
    return templates.select_related("org_unit").prefetch_related(
        Prefetch(
            "versions",
            queryset=TemplateVersion.objects.select_related("created_by", "activated_by")
            .prefetch_related("items")
            .order_by("-number"),
        )
    )


def _summary(template: Template) -> TemplateSummary:
    versions = list(template.versions.all())
    return TemplateSummary(
        template=template,
        active=next((v for v in versions if v.status == TemplateVersion.Status.ACTIVE), None),
        drafts=[v for v in versions if v.status == TemplateVersion.Status.DRAFT],
        history=versions,
    )


def template_overview(user) -> list[PositionGroup]:
    """The user's templates grouped by position, each with its active version, drafts and
    version history (items prefetched for the weight sums): a fixed number of queries."""
    templates = _with_versions(visible_templates(user)).order_by("position", "code")
    groups: dict[str, PositionGroup] = {}
    labels = dict(Position.choices)
    for template in templates:
        group = groups.setdefault(
            template.position, PositionGroup(template.position, str(labels.get(template.position, "")))
        )
        group.templates.append(_summary(template))
    order = [code for code, _label in Position.choices]
    return sorted(
        groups.values(), key=lambda g: order.index(g.position) if g.position in order else len(order)
    )


def template_summary(user, pk) -> TemplateSummary:
    """One template with its versions (items, creators, activators), or 404 when it does
    not exist or is outside the user's scope."""
    template = _with_versions(visible_templates(user)).filter(pk=pk).first()
    if template is None:
        raise Http404(_("No such appraisal template."))
    return _summary(template)


def template_history(user, template: Template, page_number=1) -> Page:
    """One page of a template's changes, newest first, each with who made it and the
    version it concerns: two queries (the count and the page) however long the history."""
    changes = (
        TemplateChange.objects.filter(template__in=visible_templates(user), template=template)
        .select_related("by", "version")
        .order_by("-at", "-pk")
    )
    return Paginator(changes, HISTORY_PAGE_SIZE).get_page(page_number)


def missing_default_templates() -> list[str]:
    """Codes of the default templates not installed yet."""
    present = set(
        Template.objects.filter(code__in=[t[0] for t in DEFAULT_TEMPLATES]).values_list("code", flat=True)
    )
    return [t[0] for t in DEFAULT_TEMPLATES if t[0] not in present]


# --- the history, in words -------------------------------------------------------------------


@dataclass
class HistoryEntry:
    change: TemplateChange
    title: str
    lines: list[str]


def history_entries(changes, indicators: dict | None = None) -> list[HistoryEntry]:
    """Each change as a title and sentences in the reader's language, from what the row
    keeps (names and units as they were then; indicators by their names of today, from
    `indicators` or the catalogue: two queries)."""
    indicators = catalog() if indicators is None else indicators
    return [
        HistoryEntry(
            change,
            str(change.get_action_display()),
            _describe(change.action, change.detail or {}, indicators),
        )
        for change in changes
    ]


def _quoted(text, length=120) -> str:
    if not text:
        return _("(empty)")
    return _("“%(text)s”") % {"text": Truncator(text).chars(length)}


def _unit_name(ref) -> str:
    return ref["name"] if ref else _("the whole company")


def _item_name(ref, indicators) -> str:
    name = indicator_text(ref["indicator"], indicators, label=ref.get("label") or "")
    if ref.get("kind", TemplateItem.Kind.SCORED) == TemplateItem.Kind.SCORED:
        return name
    kinds = dict(TemplateItem.Kind.choices)
    return f"{name} ({kinds.get(ref['kind'], ref['kind'])})"


def _figure(value) -> str:
    return "—" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def _grades(bands) -> str:
    return ", ".join(
        f"{b.get('grade')} ≥ {_figure(b['min'])}" if b.get("min") is not None else str(b.get("grade"))
        for b in bands or []
    )


def _weight_lines(detail, indicators) -> list[str]:
    weights = detail.get("weights") or {}

    def by_indicator(rows):
        found = {}
        for row in rows or []:
            found[row["indicator"]] = found.get(row["indicator"], 0) + (row.get("weight") or 0)
        return found

    before, after = by_indicator(weights.get("before")), by_indicator(weights.get("after"))
    moved = [
        f"{indicator_text(code, indicators)} {_figure(before.get(code))} → {_figure(after.get(code))}"
        for code in list(after) + [c for c in before if c not in after]
        if before.get(code) != after.get(code)
    ]
    total = detail.get("weight_sum") or {}
    sums = {"before": _figure(total.get("before")), "after": _figure(total.get("after"))}
    if not moved:
        return [_("Weights unchanged (they sum to %(after)s).") % sums]
    return [
        _("Weights: %(moved)s; the sum went from %(before)s to %(after)s.")
        % {"moved": ", ".join(moved), **sums}
    ]


def _saved_lines(detail, indicators) -> list[str]:
    def item_name(ref):
        return _item_name(ref, indicators)

    lines = [_("Draft version %(number)s saved.") % {"number": detail.get("version_number")}]
    lines += _weight_lines(detail, indicators)
    if detail.get("added"):
        lines.append(_("Added: %(items)s.") % {"items": ", ".join(map(item_name, detail["added"]))})
    if detail.get("removed"):
        lines.append(_("Removed: %(items)s.") % {"items": ", ".join(map(item_name, detail["removed"]))})
    if detail.get("changed"):
        fields = {
            f.name: str(f.verbose_name) for f in TemplateItem._meta.get_fields() if hasattr(f, "verbose_name")
        }
        described = [
            f"{item_name(row)} ({', '.join(fields.get(name, name) for name in row.get('fields', []))})"
            for row in detail["changed"]
        ]
        lines.append(_("Changed: %(items)s.") % {"items": "; ".join(described)})
    if "grade_bands" in detail:
        lines.append(
            _("Grades: %(before)s → %(after)s.")
            % {
                "before": _grades(detail["grade_bands"]["before"]),
                "after": _grades(detail["grade_bands"]["after"]),
            }
        )
    if "note" in detail:
        lines.append(_("Change note: %(note)s.") % {"note": _quoted(detail["note"]["after"])})
    return lines


def _describe(action: str, detail: dict, indicators: dict) -> list[str]:
    Action = TemplateChange.Action
    number = {"number": detail.get("version_number")}
    if action == Action.CREATED:
        positions = dict(Position.choices)
        return [
            _("Created as %(code)s for %(position)s, applying within %(unit)s; draft version 1 is empty.")
            % {
                "code": detail.get("code", ""),
                "position": positions.get(detail.get("position"), detail.get("position")),
                "unit": _unit_name(detail.get("org_unit")),
            }
        ]
    if action == Action.DEFAULTS_INSTALLED:
        statuses = dict(TemplateVersion.Status.choices)
        return [
            _("Installed from the default templates as %(code)s; version %(number)s is %(status)s.")
            % {**number, "code": detail.get("code", ""), "status": statuses.get(detail.get("status"), "")}
        ]
    if action == Action.SETTINGS_CHANGED:
        lines = []
        if "name" in detail:
            lines.append(
                _("Name: %(before)s → %(after)s.")
                % {"before": _quoted(detail["name"]["before"]), "after": _quoted(detail["name"]["after"])}
            )
        if "name_en" in detail:
            lines.append(
                _("English name: %(before)s → %(after)s.")
                % {
                    "before": _quoted(detail["name_en"]["before"]),
                    "after": _quoted(detail["name_en"]["after"]),
                }
            )
        if "org_unit" in detail:
            lines.append(
                _("Applies within: %(before)s → %(after)s.")
                % {
                    "before": _unit_name(detail["org_unit"]["before"]),
                    "after": _unit_name(detail["org_unit"]["after"]),
                }
            )
        if "subject" in detail:
            subjects = dict(Template.Subject.choices)
            lines.append(
                _("Scored on: %(before)s → %(after)s.")
                % {
                    "before": subjects.get(detail["subject"]["before"], detail["subject"]["before"]),
                    "after": subjects.get(detail["subject"]["after"], detail["subject"]["after"]),
                }
            )
        if "rationale" in detail:
            lines.append(
                _("Rationale: %(before)s → %(after)s.")
                % {
                    "before": _quoted(detail["rationale"]["before"]),
                    "after": _quoted(detail["rationale"]["after"]),
                }
            )
        if "rationale_en" in detail:
            lines.append(
                _("Rationale in English: %(before)s → %(after)s.")
                % {
                    "before": _quoted(detail["rationale_en"]["before"]),
                    "after": _quoted(detail["rationale_en"]["after"]),
                }
            )
        return lines
    if action == Action.DRAFT_STARTED:
        if detail.get("copied_from"):
            return [
                _("Draft version %(number)s started as a copy of version %(source)s.")
                % {**number, "source": detail["copied_from"]}
            ]
        return [_("Draft version %(number)s started.") % number]
    if action == Action.DRAFT_SAVED:
        return _saved_lines(detail, indicators)
    if action in (Action.ITEM_ADDED, Action.ITEM_REMOVED):
        item = detail.get("item") or {}
        text = _item_name(item, indicators) if item else ""
        if item.get("kind") == TemplateItem.Kind.SCORED:
            text += " " + _("(weight %(weight)s)") % {"weight": _figure(item.get("weight"))}
        if action == Action.ITEM_ADDED:
            return [_("Added to draft version %(number)s: %(item)s.") % {**number, "item": text}]
        return [_("Removed from draft version %(number)s: %(item)s.") % {**number, "item": text}]
    if action == Action.ACTIVATED:
        lines = [
            _("Version %(number)s activated; its weights sum to %(sum)s.")
            % {**number, "sum": _figure(detail.get("weight_sum"))}
        ]
        if detail.get("retired_version"):
            lines.append(
                _("Version %(retired)s retired; scores already made keep it.")
                % {"retired": detail["retired_version"]}
            )
        else:
            lines.append(_("No version was active before."))
        return lines
    if action == Action.RETIRED:
        return [_("Version %(number)s retired with no successor; scores already made keep it.") % number]
    if action == Action.DISCARDED:
        lines = [_("Draft version %(number)s discarded.") % number]
        if detail.get("template_deleted"):
            lines.append(_("The template had no other version and was deleted with it."))
        return lines
    return []
