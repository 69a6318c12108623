"""Default appraisal schemes (templates), ready to use, drawn from after-sales practice:
customer satisfaction carries 30–50 % of a front-line score, on-time completion is judged
against a 90 % target, comebacks and complaints pull the score down, praise lifts it a
little, a safety violation vetoes the grade. Every position of `org.models.Position` has an
active one; team leads and service managers are scored on the pooled results of the unit
they lead (`Template.subject` "unit", docs/scoring.md). `install_default_templates()` is
idempotent: it adds the ones missing by code to an existing database; the demo and
`servicescore appraisal install-templates` (alias: `servicescore kpi install-templates`)
install them through `services.schemes.install_defaults`."""

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from servicescore.kpi.models import FactIndicator

from .models import Template, TemplateItem, TemplateVersion

OWN, UNIT = Template.Subject.OWN, Template.Subject.UNIT

SAFETY = ("SAFETY_VIOLATIONS", "安全违规次数", "Safety violations", "count")


def scored(code, weight, rule="linear", target=None, threshold=None, k=None, cap=100, why=""):
    return dict(
        kind="scored",
        indicator=code,
        weight=weight,
        rule=rule,
        target=target,
        threshold=threshold,
        shrink_k=k,
        cap=cap,
        rationale=why,
    )


def manual(code, weight, why=""):
    return dict(kind="scored", indicator=code, weight=weight, rule="manual", rationale=why)


PRAISE = dict(
    kind="bonus",
    indicator="PRAISE_COUNT",
    points_per_unit=2,
    max_points=10,
    rationale="+2 per praise, at most +10",
)
COMPLAINTS = dict(
    kind="deduction",
    indicator="COMPLAINT_RATE",
    basis="numerator",
    points_per_unit=5,
    max_points=20,
    rationale="−5 per valid complaint, at most −20",
)
SAFETY_VETO = dict(
    kind="veto", indicator=SAFETY[0], threshold=1, rationale="any safety violation sets the lowest grade"
)

# (code, name, position, rationale, items, active, subject)
TEMPLATES = [
    (
        "TECH-NEV",
        "新能源车间技师 / NEV workshop technician",
        "technician",
        _(
            "Customer satisfaction and first-time fixes carry half the score; comebacks and on-time "
            "completion the rest; small samples shrink towards the centre's rate."
        ),
        [
            scored("CSAT", 30, target=95, threshold=70, k=10, why="satisfaction 30 %"),
            scored("FTFR", 20, target=95, threshold=70, k=10),
            scored("REWORK_RATE", 15, target=2, threshold=10, k=10),
            scored("ON_TIME_RATE", 15, target=90, threshold=60, k=10, why="on-time target 90 %"),
            scored("EFFICIENCY", 10, rule="ratio", target=100, cap=120),
            scored("PRODUCTIVITY", 10, target=85, threshold=50),
            PRAISE,
            COMPLAINTS,
            SAFETY_VETO,
        ],
        True,
        OWN,
    ),
    (
        "ADVISOR",
        "服务顾问 / Service advisor",
        "service_advisor",
        _(
            "The advisor owns the customer: satisfaction 40 %, quick response, on-time delivery and "
            "follow-up coverage."
        ),
        [
            scored("CSAT", 40, target=95, threshold=70, k=10),
            scored("RESPONSE_30MIN_RATE", 15, target=90, threshold=60, k=10),
            scored("ON_TIME_RATE", 15, target=90, threshold=60, k=10),
            scored("FOLLOWUP_COVERAGE", 15, target=95, threshold=70, k=10),
            scored("NPS", 15, target=50, threshold=0, k=10),
            PRAISE,
            COMPLAINTS,
        ],
        True,
        OWN,
    ),
    (
        "WARRANTY",
        "索赔员 / Warranty clerk",
        "warranty_clerk",
        _(
            "Claim quality is judged by reviewers until the dealer system's claim figures are imported "
            "as facts; attendance and training complete it."
        ),
        [
            manual("COMPLIANCE", 40),
            manual("INITIATIVE", 20),
            scored("ATTENDANCE_RATE", 20, target=98, threshold=90),
            scored("TRAINING_SCORE", 20, target=90, threshold=60),
        ],
        True,
        OWN,
    ),
    (
        "CS-AGENT",
        "客服专员 / Customer-service agent",
        "cs_agent",
        _(
            "Agents are judged on reaching customers and handling complaints on time and to the "
            "customer's satisfaction."
        ),
        [
            scored("FOLLOWUP_REACH_RATE", 30, target=90, threshold=60, k=10),
            scored("COMPLAINT_ON_TIME_RATE", 30, target=95, threshold=70, k=10),
            scored("COMPLAINT_RECOVERY_RATE", 20, target=90, threshold=50, k=10),
            manual("COMPLIANCE", 20),
            PRAISE,
        ],
        True,
        OWN,
    ),
    (
        "CS-MANAGER",
        "客服经理 / Customer-service manager",
        "cs_manager",
        _("The manager answers for complaint handling and for keeping the team."),
        [
            scored("COMPLAINT_ON_TIME_RATE", 35, target=95, threshold=70),
            scored("COMPLAINT_RECOVERY_RATE", 25, target=90, threshold=50),
            scored("TEAM_ATTRITION", 20, target=5, threshold=20),
            manual("TEAMWORK", 20),
        ],
        True,
        OWN,
    ),
    (
        "DISPATCHER",
        "调度员 / Dispatcher",
        "dispatcher",
        _(
            "Dispatch speed is not yet a library indicator: reviewers rate compliance and initiative, "
            "attendance and training complete it."
        ),
        [
            manual("COMPLIANCE", 35),
            manual("INITIATIVE", 25),
            scored("ATTENDANCE_RATE", 20, target=98, threshold=90),
            manual("TEAMWORK", 20),
        ],
        True,
        OWN,
    ),
    (
        "PARTS",
        "配件经理 / Parts manager",
        "parts_manager",
        _("Stock that turns, is there when needed and is counted right."),
        [
            scored("INVENTORY_TURNOVER", 30, rule="ratio", target=Decimal("1.2"), cap=120),
            scored("STOCKOUT_RATE", 30, target=2, threshold=10),
            scored("INVENTORY_ACCURACY", 30, target=99, threshold=90),
            manual("TEAMWORK", 10),
        ],
        True,
        OWN,
    ),
    (
        "TEAM-LEAD",
        "班组长 / Team lead",
        "foreman",
        _(
            "A team lead answers for the team: its customer satisfaction, first-time fixes, on-time "
            "completion and comebacks (pooled over the team's work, 70 %), and how he leads it, rated "
            "by his manager (30 %). A safety violation of his own vetoes the grade."
        ),
        [
            scored("CSAT", 25, target=95, threshold=70, why="the team's satisfaction"),
            scored("FTFR", 20, target=95, threshold=70),
            scored("ON_TIME_RATE", 15, target=90, threshold=60, why="on-time target 90 %"),
            scored("REWORK_RATE", 10, target=2, threshold=10),
            manual("TEAMWORK", 15),
            manual("COMPLIANCE", 15),
            SAFETY_VETO,
        ],
        True,
        UNIT,
    ),
    (
        "SVC-MANAGER",
        "服务经理 / Service manager",
        "service_manager",
        _(
            "A service manager answers for the results of the unit he runs: the centre's (or the "
            "region's) customer satisfaction, on-time completion, follow-up coverage, complaints and "
            "comebacks, the attrition of his people, and his initiative as rated by his manager."
        ),
        [
            scored("CSAT", 25, target=95, threshold=70, why="the centre's satisfaction"),
            scored("ON_TIME_RATE", 15, target=90, threshold=60),
            scored("FOLLOWUP_COVERAGE", 15, target=95, threshold=70),
            scored("COMPLAINT_RATE", 15, target=1, threshold=5, why="complaints per 100 orders"),
            scored("REWORK_RATE", 10, target=2, threshold=10),
            scored("TEAM_ATTRITION", 10, target=5, threshold=20),
            manual("INITIATIVE", 10),
        ],
        True,
        UNIT,
    ),
    (
        "HR",
        "人力资源专员 / HR officer",
        "hr",
        _(
            "HR work has no records in the product yet: reviewers rate compliance, initiative and "
            "teamwork; attendance and training complete it."
        ),
        [
            manual("COMPLIANCE", 30),
            manual("INITIATIVE", 20),
            manual("TEAMWORK", 20),
            scored("ATTENDANCE_RATE", 15, target=98, threshold=90),
            scored("TRAINING_SCORE", 15, target=90, threshold=60),
        ],
        True,
        OWN,
    ),
    (
        "FIELD-TECH",
        "家电上门技师 / Appliance field technician",
        "technician",
        _(
            "For field-service units: satisfaction, first-visit fixes, the 24-hour on-time promise "
            "(target 90 %) and travel cost per visit. Set 'applies within' to the field-service unit "
            "and activate it."
        ),
        [
            scored("CSAT", 35, target=95, threshold=70, k=10),
            scored("FTFR", 25, target=90, threshold=60, k=10),
            scored("ON_TIME_RATE", 20, target=90, threshold=60, k=10),
            scored("TRAVEL_COST_PER_VISIT", 10, target=30, threshold=80),
            scored("REWORK_RATE", 10, target=2, threshold=10, k=10),
            PRAISE,
            COMPLAINTS,
            SAFETY_VETO,
        ],
        False,
        OWN,
    ),
]


@transaction.atomic
def install_default_templates() -> list[Template]:
    """Create the default templates that do not exist yet (by code); returns those created."""
    FactIndicator.objects.get_or_create(
        code=SAFETY[0],
        defaults={"name_zh": SAFETY[1], "name_en": SAFETY[2], "unit": SAFETY[3], "direction": "down"},
    )
    existing = set(Template.objects.values_list("code", flat=True))
    created = []
    for code, name, position, rationale, items, active, subject in TEMPLATES:
        if code in existing:
            continue
        template = Template.objects.create(
            code=code, name=name, position=position, rationale=str(rationale), subject=subject
        )
        taken = TemplateVersion.objects.filter(
            status="active", template__position=position, template__org_unit=None
        ).exists()
        version = TemplateVersion.objects.create(
            template=template,
            number=1,
            status="active" if active and not taken else "draft",
            note="default",
        )
        TemplateItem.objects.bulk_create(
            [TemplateItem(version=version, order=n, **item) for n, item in enumerate(items)]
        )
        created.append(template)
    return created
