"""Scheme names and rationales per language (Template.name in the company's language,
name_en and rationale_en in English), and the shipped schemes' texts moved to it: a
default scheme's name written "中文 / English" is split into name and name_en, its
rationale gets its English beside it, and the English item notes and the version note
"default" of the shipped schemes are written in the company's language.

The texts are frozen here as the defaults shipped them (a migration must not follow later
edits of default_schemes.py). Only exact matches change: a scheme its editors renamed, or a
note they rewrote, is left alone. Running it again changes nothing; reversing joins the
names back ("name / name_en") and restores the English notes before the columns go.
"""

from django.conf import settings
from django.db import migrations, models

# code → (Chinese name, English name, Chinese rationale, English rationale)
SCHEMES = {
    "ADVISOR": (
        "服务顾问",
        "Service advisor",
        "服务顾问对客户负责：满意度占 40%，另考核快速响应、准时交付和回访覆盖率。",
        "The advisor owns the customer: satisfaction 40 %, quick response, on-time delivery "
        "and follow-up coverage.",
    ),
    "CS-AGENT": (
        "客服专员",
        "Customer-service agent",
        "客服专员按回访接通情况，以及投诉是否及时处理、客户是否满意进行考核。",
        "Agents are judged on reaching customers and handling complaints on time and to the "
        "customer's satisfaction.",
    ),
    "CS-MANAGER": (
        "客服经理",
        "Customer-service manager",
        "客服经理对投诉处理和团队稳定负责。",
        "The manager answers for complaint handling and for keeping the team.",
    ),
    "DISPATCHER": (
        "调度员",
        "Dispatcher",
        "派工速度尚未纳入指标库：由评分人对服务规范和主动性打分，其余由出勤和培训构成。",
        "Dispatch speed is not yet a library indicator: reviewers rate compliance and "
        "initiative, attendance and training complete it.",
    ),
    "FIELD-TECH": (
        "家电上门技师",
        "Appliance field technician",
        "适用于上门服务单元：满意度、首次上门修复率、24 小时准时承诺（目标 90%）和单次差旅成本。请将“适用范围”设为上门服务单元后再启用。",
        "For field-service units: satisfaction, first-visit fixes, the 24-hour on-time "
        "promise (target 90 %) and travel cost per visit. Set 'applies within' to the "
        "field-service unit and activate it.",
    ),
    "HR": (
        "人力资源专员",
        "HR officer",
        "人事工作在系统中尚无业务记录：由评价人评定服务规范、主动性和团队协作，出勤与培训补足其余部分。",
        "HR work has no records in the product yet: reviewers rate compliance, initiative and "
        "teamwork; attendance and training complete it.",
    ),
    "PARTS": (
        "配件经理",
        "Parts manager",
        "库存周转快、需要时有货、盘点准确。",
        "Stock that turns, is there when needed and is counted right.",
    ),
    "SVC-MANAGER": (
        "服务经理",
        "Service manager",
        "服务经理对所管单位的结果负责：服务中心（或大区）的客户满意度、准时完成率、回访覆盖率、投诉与返修，团队流失率，以及由其上级评定的主动性。",
        "A service manager answers for the results of the unit he runs: the centre's (or "
        "the region's) customer satisfaction, on-time completion, follow-up coverage, "
        "complaints and comebacks, the attrition of his people, and his initiative as "
        "rated by his manager.",
    ),
    "TEAM-LEAD": (
        "班组长",
        "Team lead",
        "班组长对班组负责：班组的客户满意度、首次修复率、准时完成率和返修率（按全班组工作汇总，占 70%），以及由其上级评定的带队表现（占 "
        "30%）。本人发生安全违规则一票否决。",
        "A team lead answers for the team: its customer satisfaction, first-time fixes, "
        "on-time completion and comebacks (pooled over the team's work, 70 %), and how he "
        "leads it, rated by his manager (30 %). A safety violation of his own vetoes the "
        "grade.",
    ),
    "TECH-NEV": (
        "新能源车间技师",
        "NEV workshop technician",
        "客户满意度和首次修复率占总分的一半，返修和准时完工等占其余部分；样本量小时向服务中心水平收缩。",
        "Customer satisfaction and first-time fixes carry half the score; comebacks and "
        "on-time completion the rest; small samples shrink towards the centre's rate.",
    ),
    "WARRANTY": (
        "索赔员",
        "Warranty clerk",
        "在经销商系统的索赔数据作为外部数据导入之前，索赔质量由评分人打分；其余由出勤和培训构成。",
        "Claim quality is judged by reviewers until the dealer system's claim figures are "
        "imported as facts; attendance and training complete it.",
    ),
}

ITEM_NOTES = {
    "+2 per praise, at most +10": "每次表扬加 2 分，最多加 10 分",
    "any safety violation sets the lowest grade": "任何一次安全违规即定为最低等级",
    "complaints per 100 orders": "每百张工单的投诉数",
    "on-time target 90 %": "准时完工目标 90%",
    "satisfaction 30 %": "满意度占 30%",
    "the centre's satisfaction": "服务中心的客户满意度",
    "the team's satisfaction": "班组的客户满意度",
    "−5 per valid complaint, at most −20": "每起有效投诉扣 5 分，最多扣 20 分",
}

DEFAULT_NOTE = "default"
DEFAULT_NOTES = {"zh": "默认方案", "en": "Default scheme"}
NAME_MAX = 200


def _chinese_company() -> bool:
    return settings.LANGUAGE_CODE.lower().startswith("zh")


def split_names(apps, schema_editor):
    Template = apps.get_model("appraisal", "Template")
    TemplateVersion = apps.get_model("appraisal", "TemplateVersion")
    TemplateItem = apps.get_model("appraisal", "TemplateItem")
    chinese = _chinese_company()
    for template in Template.objects.filter(code__in=SCHEMES):
        zh, en, why_zh, why_en = SCHEMES[template.code]
        fields = []
        if not template.name_en and template.name == f"{zh} / {en}":
            template.name, template.name_en = (zh, en) if chinese else (en, "")
            fields += ["name", "name_en"]
        if not template.rationale_en and template.rationale.strip() in (why_zh, why_en):
            template.rationale, template.rationale_en = (why_zh, why_en) if chinese else (why_en, "")
            fields += ["rationale", "rationale_en"]
        if fields:
            template.save(update_fields=fields)
    TemplateVersion.objects.filter(template__code__in=SCHEMES, note=DEFAULT_NOTE).update(
        note=DEFAULT_NOTES["zh" if chinese else "en"]
    )
    if chinese:
        for english, chinese_note in ITEM_NOTES.items():
            TemplateItem.objects.filter(version__template__code__in=SCHEMES, rationale=english).update(
                rationale=chinese_note
            )


def join_names(apps, schema_editor):
    Template = apps.get_model("appraisal", "Template")
    TemplateVersion = apps.get_model("appraisal", "TemplateVersion")
    TemplateItem = apps.get_model("appraisal", "TemplateItem")
    for template in Template.objects.exclude(name_en=""):
        joined = f"{template.name} / {template.name_en}"
        if len(joined) <= NAME_MAX:
            template.name = joined
            template.save(update_fields=["name"])
    for template in Template.objects.filter(code__in=SCHEMES, name_en=""):
        zh, en, _why_zh, _why_en = SCHEMES[template.code]
        if template.name == en:  # split in a company that writes English
            template.name = f"{zh} / {en}"
            template.save(update_fields=["name"])
    TemplateVersion.objects.filter(template__code__in=SCHEMES, note__in=DEFAULT_NOTES.values()).update(
        note=DEFAULT_NOTE
    )
    for english, chinese_note in ITEM_NOTES.items():
        TemplateItem.objects.filter(version__template__code__in=SCHEMES, rationale=chinese_note).update(
            rationale=english
        )


class Migration(migrations.Migration):
    dependencies = [
        ("appraisal", "0002_provisional_minimum_data_subject"),
    ]

    operations = [
        migrations.AddField(
            model_name="template",
            name="name_en",
            field=models.CharField(
                blank=True,
                help_text="Shown to those who read in English; empty: they see the name.",
                max_length=200,
                verbose_name="English name",
            ),
        ),
        migrations.AddField(
            model_name="template",
            name="rationale_en",
            field=models.TextField(
                blank=True,
                help_text="Shown to those who read in English; empty: they see the rationale.",
                verbose_name="rationale in English",
            ),
        ),
        migrations.RunPython(split_names, join_names),
    ]
