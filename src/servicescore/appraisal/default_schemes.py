"""Default appraisal schemes (templates), ready to use, drawn from after-sales practice:
customer satisfaction carries 30–50 % of a front-line score, on-time completion is judged
against a 90 % target, comebacks and complaints pull the score down, praise lifts it a
little, a safety violation vetoes the grade. Every position of `org.models.Position` has an
active one; team leads and service managers are scored on the pooled results of the unit
they lead (`Template.subject` "unit", docs/scoring.md). `install_default_templates()` is
idempotent: it adds the ones missing by code to an existing database; the demo and
`servicescore appraisal install-templates` (alias: `servicescore kpi install-templates`)
install them through `services.schemes.install_defaults`.

Each text is given in Chinese and English (`Text`): a scheme's name and rationale are
stored in the company's language with the English beside them (`Template.name_en`,
`rationale_en`); item notes and the version note in the company's language."""

from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.db import transaction

from servicescore.kpi.models import FactIndicator

from .models import Template, TemplateItem, TemplateVersion

OWN, UNIT = Template.Subject.OWN, Template.Subject.UNIT


class Text(NamedTuple):
    """A text of the shipped schemes in both languages. Stored data is not translated
    later, so the install writes it in the company's language (and English beside it
    where the model has an English field)."""

    zh: str
    en: str

    def in_language(self, language: str) -> str:
        return self.zh if language.lower().startswith("zh") else self.en


class DefaultScheme(NamedTuple):
    code: str
    name: Text
    position: str
    rationale: Text
    items: list[dict]  # TemplateItem fields; "rationale" a Text
    active: bool
    subject: str


# The note of version 1 of every installed scheme.
DEFAULT_NOTE = Text("默认方案", "Default scheme")

SAFETY = ("SAFETY_VIOLATIONS", "安全违规次数", "Safety violations", "count")


def scored(code, weight, rule="linear", target=None, threshold=None, k=None, cap=100, why=None):
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


def manual(code, weight, why=None):
    return dict(kind="scored", indicator=code, weight=weight, rule="manual", rationale=why)


PRAISE = dict(
    kind="bonus",
    indicator="PRAISE_COUNT",
    points_per_unit=2,
    max_points=10,
    rationale=Text("每次表扬加 2 分，最多加 10 分", "+2 per praise, at most +10"),
)
COMPLAINTS = dict(
    kind="deduction",
    indicator="COMPLAINT_RATE",
    basis="numerator",
    points_per_unit=5,
    max_points=20,
    rationale=Text("每起有效投诉扣 5 分，最多扣 20 分", "−5 per valid complaint, at most −20"),
)
SAFETY_VETO = dict(
    kind="veto",
    indicator=SAFETY[0],
    threshold=1,
    rationale=Text("任何一次安全违规即定为最低等级", "any safety violation sets the lowest grade"),
)

TEMPLATES = [
    DefaultScheme(
        "TECH-NEV",
        Text("新能源车间技师", "NEV workshop technician"),
        "technician",
        Text(
            "客户满意度和首次修复率占总分的一半，返修、准时完工、效率和主管评定的服务规范占其余部分；"
            "样本量小时向服务中心水平收缩。",
            "Customer satisfaction and first-time fixes carry half the score; comebacks, on-time "
            "completion, efficiency and the reviewer's rating of service compliance the rest; small "
            "samples shrink towards the centre's rate.",
        ),
        [
            scored("CSAT", 30, target=95, threshold=70, k=10, why=Text("满意度占 30%", "satisfaction 30 %")),
            scored("FTFR", 20, target=95, threshold=70, k=10),
            scored("REWORK_RATE", 15, target=2, threshold=10, k=10),
            scored(
                "ON_TIME_RATE",
                15,
                target=90,
                threshold=60,
                k=10,
                why=Text("准时完工目标 90%", "on-time target 90 %"),
            ),
            scored("EFFICIENCY", 10, rule="ratio", target=100, cap=120),
            manual(
                "COMPLIANCE",
                10,
                why=Text(
                    "服务规范由主管评定（1–5 分），让自评和主管评价有内容可评；这 10% 取自工时利用率，"
                    "它主要取决于派工量而非技师本人，且与技师效率重叠。",
                    "service compliance rated 1–5 by the reviewer, so that the self and manager reviews "
                    "rate something; the 10 % comes from productivity (clocked over available hours), "
                    "which follows the dispatch load more than the technician and overlaps efficiency",
                ),
            ),
            PRAISE,
            COMPLAINTS,
            SAFETY_VETO,
        ],
        True,
        OWN,
    ),
    DefaultScheme(
        "ADVISOR",
        Text("服务顾问", "Service advisor"),
        "service_advisor",
        Text(
            "服务顾问对客户负责：满意度占 40%，另考核快速响应、准时交付和回访覆盖率。",
            "The advisor owns the customer: satisfaction 40 %, quick response, on-time delivery and "
            "follow-up coverage.",
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
    DefaultScheme(
        "WARRANTY",
        Text("索赔员", "Warranty clerk"),
        "warranty_clerk",
        Text(
            "在经销商系统的索赔数据作为外部数据导入之前，索赔质量由评分人打分；其余由出勤和培训构成。",
            "Claim quality is judged by reviewers until the dealer system's claim figures are imported "
            "as facts; attendance and training complete it.",
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
    DefaultScheme(
        "CS-AGENT",
        Text("客服专员", "Customer-service agent"),
        "cs_agent",
        Text(
            "客服专员按回访接通情况，以及投诉是否及时处理、客户是否满意进行考核。",
            "Agents are judged on reaching customers and handling complaints on time and to the "
            "customer's satisfaction.",
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
    DefaultScheme(
        "CS-MANAGER",
        Text("客服经理", "Customer-service manager"),
        "cs_manager",
        Text(
            "客服经理对投诉处理和团队稳定负责。",
            "The manager answers for complaint handling and for keeping the team.",
        ),
        [
            scored("COMPLAINT_ON_TIME_RATE", 35, target=95, threshold=70),
            scored("COMPLAINT_RECOVERY_RATE", 25, target=90, threshold=50),
            scored("TEAM_ATTRITION", 20, target=5, threshold=20),
            manual("TEAMWORK", 20),
        ],
        True,
        OWN,
    ),
    DefaultScheme(
        "DISPATCHER",
        Text("调度员", "Dispatcher"),
        "dispatcher",
        Text(
            "派工速度尚未纳入指标库：由评分人对服务规范和主动性打分，其余由出勤和培训构成。",
            "Dispatch speed is not yet a library indicator: reviewers rate compliance and initiative, "
            "attendance and training complete it.",
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
    DefaultScheme(
        "PARTS",
        Text("配件经理", "Parts manager"),
        "parts_manager",
        Text(
            "库存周转快、需要时有货、盘点准确。",
            "Stock that turns, is there when needed and is counted right.",
        ),
        [
            scored("INVENTORY_TURNOVER", 30, rule="ratio", target=Decimal("1.2"), cap=120),
            scored("STOCKOUT_RATE", 30, target=2, threshold=10),
            scored("INVENTORY_ACCURACY", 30, target=99, threshold=90),
            manual("TEAMWORK", 10),
        ],
        True,
        OWN,
    ),
    DefaultScheme(
        "TEAM-LEAD",
        Text("班组长", "Team lead"),
        "foreman",
        Text(
            "班组长对班组负责：班组的客户满意度、首次修复率、准时完成率和返修率"
            "（按全班组工作汇总，占 70%），以及由其上级评定的带队表现（占 30%）。"
            "本人发生安全违规则一票否决。",
            "A team lead answers for the team: its customer satisfaction, first-time fixes, on-time "
            "completion and comebacks (pooled over the team's work, 70 %), and how he leads it, rated "
            "by his manager (30 %). A safety violation of his own vetoes the grade.",
        ),
        [
            scored(
                "CSAT", 25, target=95, threshold=70, why=Text("班组的客户满意度", "the team's satisfaction")
            ),
            scored("FTFR", 20, target=95, threshold=70),
            scored(
                "ON_TIME_RATE",
                15,
                target=90,
                threshold=60,
                why=Text("准时完工目标 90%", "on-time target 90 %"),
            ),
            scored("REWORK_RATE", 10, target=2, threshold=10),
            manual("TEAMWORK", 15),
            manual("COMPLIANCE", 15),
            SAFETY_VETO,
        ],
        True,
        UNIT,
    ),
    DefaultScheme(
        "SVC-MANAGER",
        Text("服务经理", "Service manager"),
        "service_manager",
        Text(
            "服务经理对所管单位的结果负责：服务中心（或大区）的客户满意度、准时完成率、回访覆盖率、投诉与返修，团队流失率，以及由其上级评定的主动性。",
            "A service manager answers for the results of the unit he runs: the centre's (or the "
            "region's) customer satisfaction, on-time completion, follow-up coverage, complaints and "
            "comebacks, the attrition of his people, and his initiative as rated by his manager.",
        ),
        [
            scored(
                "CSAT",
                25,
                target=95,
                threshold=70,
                why=Text("服务中心的客户满意度", "the centre's satisfaction"),
            ),
            scored("ON_TIME_RATE", 15, target=90, threshold=60),
            scored("FOLLOWUP_COVERAGE", 15, target=95, threshold=70),
            scored(
                "COMPLAINT_RATE",
                15,
                target=1,
                threshold=5,
                why=Text("每百张工单的投诉数", "complaints per 100 orders"),
            ),
            scored("REWORK_RATE", 10, target=2, threshold=10),
            scored("TEAM_ATTRITION", 10, target=5, threshold=20),
            manual("INITIATIVE", 10),
        ],
        True,
        UNIT,
    ),
    DefaultScheme(
        "HR",
        Text("人力资源专员", "HR officer"),
        "hr",
        Text(
            "人事工作在系统中尚无业务记录：由评价人评定服务规范、主动性和团队协作，出勤与培训补足其余部分。",
            "HR work has no records in the product yet: reviewers rate compliance, initiative and "
            "teamwork; attendance and training complete it.",
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
    DefaultScheme(
        "FIELD-TECH",
        Text("家电上门技师", "Appliance field technician"),
        "technician",
        Text(
            "适用于上门服务单元：满意度、首次上门修复率、24 小时准时承诺（目标 90%）和单次差旅成本。"
            "请将“适用范围”设为上门服务单元后再启用。",
            "For field-service units: satisfaction, first-visit fixes, the 24-hour on-time promise "
            "(target 90 %) and travel cost per visit. Set 'applies within' to the field-service unit "
            "and activate it.",
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


def company_language() -> str:
    """The language stored scheme texts are written in (settings.LANGUAGE_CODE)."""
    return settings.LANGUAGE_CODE


def template_texts(scheme: DefaultScheme, language: str | None = None) -> dict:
    """The Template fields of a shipped scheme's name and rationale: in the company's
    language, and in English beside them unless that is the company's language."""
    language = language or company_language()
    english = not language.lower().startswith("en")
    return {
        "name": scheme.name.in_language(language),
        "name_en": scheme.name.en if english else "",
        "rationale": scheme.rationale.in_language(language),
        "rationale_en": scheme.rationale.en if english else "",
    }


def _item(fields: dict, language: str) -> dict:
    why = fields.get("rationale")
    return {**fields, "rationale": why.in_language(language) if why else ""}


@transaction.atomic
def install_default_templates() -> list[Template]:
    """Create the default templates that do not exist yet (by code); returns those created.
    Names and rationales are written in the company's language with English beside them;
    version notes and item notes in the company's language."""
    FactIndicator.objects.get_or_create(
        code=SAFETY[0],
        defaults={"name_zh": SAFETY[1], "name_en": SAFETY[2], "unit": SAFETY[3], "direction": "down"},
    )
    language = company_language()
    existing = set(Template.objects.values_list("code", flat=True))
    created = []
    for scheme in TEMPLATES:
        if scheme.code in existing:
            continue
        template = Template.objects.create(
            code=scheme.code,
            position=scheme.position,
            subject=scheme.subject,
            **template_texts(scheme, language),
        )
        taken = TemplateVersion.objects.filter(
            status="active", template__position=scheme.position, template__org_unit=None
        ).exists()
        version = TemplateVersion.objects.create(
            template=template,
            number=1,
            status="active" if scheme.active and not taken else "draft",
            note=DEFAULT_NOTE.in_language(language),
        )
        TemplateItem.objects.bulk_create(
            [
                TemplateItem(version=version, order=n, **_item(item, language))
                for n, item in enumerate(scheme.items)
            ]
        )
        created.append(template)
    return created
