"""Reads for the appraisal-template pages: who may open them, which templates a user
sees, the list page's overview and one version. Templates are company configuration:
service managers, HR and administrators edit them; a template that applies within an org
unit outside a manager's scope is not found (404), like any out-of-scope record."""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from servicescore.core.roles import Role
from servicescore.core.scope import visible_org_units
from servicescore.org.models import Position

from .defaults import TEMPLATES as DEFAULT_TEMPLATES
from .models import Template, TemplateVersion

EDITOR_ROLES = {Role.SERVICE_MANAGER, Role.HR, Role.ADMIN}


def may_edit_templates(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.effective_role in EDITOR_ROLES


def require_template_editor(user) -> None:
    """PermissionDenied (403) unless the user's role may edit appraisal templates."""
    if not may_edit_templates(user):
        raise PermissionDenied(
            _("Only service managers, HR and administrators may edit appraisal templates.")
        )


def visible_templates(user) -> QuerySet:
    """Company-wide templates and those applying within an org unit in the user's scope."""
    if not may_edit_templates(user):
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


@dataclass
class PositionGroup:
    position: str
    label: str
    templates: list[TemplateSummary] = field(default_factory=list)


def template_overview(user) -> list[PositionGroup]:
    """The user's templates grouped by position, each with its active version, drafts and
    version history (items prefetched for the weight sums): a fixed number of queries."""
    templates = (
        visible_templates(user)
        .select_related("org_unit")
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=TemplateVersion.objects.select_related("created_by", "activated_by")
                .prefetch_related("items")
                .order_by("-number"),
            )
        )
        .order_by("position", "code")
    )
    groups: dict[str, PositionGroup] = {}
    labels = dict(Position.choices)
    for template in templates:
        versions = list(template.versions.all())
        summary = TemplateSummary(
            template=template,
            active=next((v for v in versions if v.status == TemplateVersion.Status.ACTIVE), None),
            drafts=[v for v in versions if v.status == TemplateVersion.Status.DRAFT],
            history=versions,
        )
        group = groups.setdefault(
            template.position, PositionGroup(template.position, str(labels.get(template.position, "")))
        )
        group.templates.append(summary)
    order = [code for code, _label in Position.choices]
    return sorted(
        groups.values(), key=lambda g: order.index(g.position) if g.position in order else len(order)
    )


def missing_default_templates() -> list[str]:
    """Codes of the default templates not installed yet."""
    present = set(
        Template.objects.filter(code__in=[t[0] for t in DEFAULT_TEMPLATES]).values_list("code", flat=True)
    )
    return [t[0] for t in DEFAULT_TEMPLATES if t[0] not in present]
