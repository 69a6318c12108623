"""Customer voice, surveys: the writes (one transaction each, audited).

- Templates (HR and administrators, voice.policy.may_manage_surveys): `survey_template_save`
  validates and stores a template with its questions, `survey_template_activate` makes it
  the one active template of its work-order type, `survey_template_deactivate` switches a
  typed one off. Versions: a template once sent or answered (`template_in_use`) is frozen;
  saving it makes the family's next version, a draft that retires the old one when it is
  activated. Invitations and responses keep the version they were sent and answered with.
  `default_template` is what an invitation asks (the standard template is
  created the first time a company has none).
- The customer's answer: `survey_submit`, called by the public page (/s/<token>/) and
  later the API. `survey_mark_opened` records when the link was first opened (the fraud
  check reads it).
"""

import logging
import re

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from servicescore.core.audit import audit_record, diff, snapshot
from servicescore.core.devices import device_fingerprint  # the staff's devices are compared alike
from servicescore.core.errors import Conflict, Invalid, NotFound, Refused
from servicescore.workorders.models import State as OrderState
from servicescore.workorders.models import WorkOrderType

from .. import policy
from ..errors import surveys as codes
from ..errors.surveys import Gone
from ..models import SurveyInvitation, SurveyQuestion, SurveyResponse, SurveyTemplate

logger = logging.getLogger(__name__)

Kind = SurveyQuestion.Kind
# The question codes that fill the response's own columns (the indicators read them), and
# the kind each must have.
RATING_CODES = ("overall", "attitude", "quality", "speed")
RESERVED_KINDS = {
    "overall": Kind.RATING,
    "attitude": Kind.RATING,
    "quality": Kind.RATING,
    "speed": Kind.RATING,
    "nps": Kind.NPS,
    "comment": Kind.TEXT,
}
TEXT_LIMIT = 2000
QUESTION_TEXT_LIMIT = 300
CODE_PATTERN = re.compile(r"^[-a-zA-Z0-9_]{1,40}$")
TEMPLATE_FIELDS = ("name", "name_en", "work_order_type", "intro", "intro_en")
QUESTION_FIELDS = ("order", "code", "kind", "text", "text_en", "required", "choices")

# The company's first template, created by `default_template` when it has none: the four
# ratings the indicators read, the recommendation score and a comment, in both languages
# (stored data, not interface text: the customer's language picks the wording).
STANDARD_TEMPLATE = {
    "name": "标准满意度调查",
    "name_en": "Standard satisfaction survey",
    "intro": "感谢您选择我们的服务！请花一分钟为本次服务评分，您的意见将帮助我们做得更好。",
    "intro_en": "Thank you for choosing us. Please take a minute to rate this service: "
    "your answers help us do better.",
}
STANDARD_QUESTIONS = (
    ("overall", Kind.RATING, "总体满意度", "Overall satisfaction", True),
    ("attitude", Kind.RATING, "服务态度", "Service attitude", True),
    ("quality", Kind.RATING, "维修质量", "Repair quality", True),
    ("speed", Kind.RATING, "响应速度", "Response speed", True),
    (
        "nps",
        Kind.NPS,
        "您有多大可能向亲友推荐我们？",
        "How likely are you to recommend us to friends?",
        False,
    ),
    ("comment", Kind.TEXT, "还有什么想告诉我们的吗？", "Anything else you would like to tell us?", False),
)


# --- templates -------------------------------------------------------------------------


def _require_admin(actor) -> None:
    if not policy.may_manage_surveys(actor):
        raise Refused(_("Only HR and administrators manage survey templates."), code=codes.SURVEY_ADMIN_ONLY)


def _clean_choices(raw) -> list[dict] | None:
    """[{value, label, label_en}] with a value and a label each, values unique; None when
    fewer than two usable choices."""
    if not isinstance(raw, list):
        return None
    cleaned, seen = [], set()
    for item in raw:
        if not isinstance(item, dict):
            return None
        value = str(item.get("value", "")).strip()
        label = str(item.get("label", "")).strip()
        if not value or not label or value in seen:
            return None
        seen.add(value)
        cleaned.append({"value": value, "label": label, "label_en": str(item.get("label_en", "")).strip()})
    return cleaned if len(cleaned) >= 2 else None


def _clean_question(index: int, raw: dict, errors: dict, seen: set) -> dict:
    def fail(name, message, code):
        errors.setdefault(f"questions-{index}-{name}", (message, code))

    code = str(raw.get("code", "")).strip()
    kind = str(raw.get("kind", "")).strip()
    text = str(raw.get("text", "")).strip()
    text_en = str(raw.get("text_en", "")).strip()
    question = {
        "order": max(_whole_number(raw.get("order")) or index, 0),
        "code": code,
        "kind": kind,
        "text": text,
        "text_en": text_en,
        "required": bool(raw.get("required")),
        "choices": [],
    }
    if not CODE_PATTERN.match(code):
        fail(
            "code",
            _("Use 1 to 40 letters, digits, hyphens or underscores."),
            codes.SURVEY_QUESTION_CODE_INVALID,
        )
    elif code in seen:
        fail(
            "code",
            _("Another question already has the code %(code)s.") % {"code": code},
            codes.SURVEY_QUESTION_CODE_TAKEN,
        )
    seen.add(code)
    if kind not in Kind.values:
        fail("kind", _("Choose one of the question kinds."), codes.SURVEY_QUESTION_KIND_UNKNOWN)
    elif code in RESERVED_KINDS and RESERVED_KINDS[code] != kind:
        fail(
            "kind",
            _("The code %(code)s is kept for a question of the kind “%(kind)s”.")
            % {"code": code, "kind": Kind(RESERVED_KINDS[code]).label},
            codes.SURVEY_QUESTION_KIND_MISMATCH,
        )
    if not text:
        fail("text", _("Write the question in Chinese."), codes.SURVEY_QUESTION_TEXT_MISSING)
    for name, value in (("text", text), ("text_en", text_en)):
        if len(value) > QUESTION_TEXT_LIMIT:
            fail(
                name,
                _("At most %(limit)d characters.") % {"limit": QUESTION_TEXT_LIMIT},
                codes.SURVEY_QUESTION_TEXT_TOO_LONG,
            )
    if kind == Kind.CHOICE:
        choices = _clean_choices(raw.get("choices"))
        if choices is None:
            fail(
                "choices",
                _("A single-choice question needs at least two choices, each with a value and a label."),
                codes.SURVEY_CHOICE_WITHOUT_CHOICES,
            )
        else:
            question["choices"] = choices
    return question


def _raise_collected(errors: dict) -> None:
    """One Invalid naming every wrong field, its code the first error's."""
    if not errors:
        return
    if len(errors) == 1:
        (field, (message, code)) = next(iter(errors.items()))
        raise Invalid(message, code=code, field=field)
    from django.core.exceptions import ValidationError

    first_code = next(iter(errors.values()))[1]
    raise Invalid(
        {field: ValidationError(message, code=code) for field, (message, code) in errors.items()},
        code=first_code,
    )


def _questions_snapshot(template) -> list[dict]:
    return [
        {name: getattr(question, name) for name in QUESTION_FIELDS}
        for question in template.questions.order_by("order", "pk")
    ]


def survey_template_save(
    *,
    actor,
    template: SurveyTemplate | None = None,
    name: str,
    name_en: str = "",
    work_order_type: str = "",
    intro: str = "",
    intro_en: str = "",
    questions: list[dict],
) -> SurveyTemplate:
    """Create a template (`template` None) or replace an existing one's fields and
    questions, checked and audited. Question errors name the field `questions-<i>-<name>`,
    `i` the question's position in `questions`."""
    _require_admin(actor)
    errors: dict = {}
    fields = {
        "name": (name or "").strip(),
        "name_en": (name_en or "").strip(),
        "work_order_type": (work_order_type or "").strip(),
        "intro": (intro or "").strip(),
        "intro_en": (intro_en or "").strip(),
    }
    if not fields["name"]:
        errors["name"] = (_("Give the template a name."), codes.SURVEY_TEMPLATE_NAME_MISSING)
    if fields["work_order_type"] and fields["work_order_type"] not in WorkOrderType.values:
        errors["work_order_type"] = (
            _("Choose one of the work-order types."),
            codes.SURVEY_TEMPLATE_TYPE_UNKNOWN,
        )
    seen: set = set()
    cleaned = [_clean_question(index, raw, errors, seen) for index, raw in enumerate(questions)]
    if not cleaned:
        errors["questions"] = (_("Add at least one question."), codes.SURVEY_TEMPLATE_NO_QUESTIONS)
    elif not any(q["code"] == "overall" and q["kind"] == Kind.RATING and q["required"] for q in cleaned):
        errors["questions"] = (
            _("Every survey needs a required rating question with the code “overall”."),
            codes.SURVEY_TEMPLATE_NEEDS_OVERALL,
        )
    _raise_collected(errors)

    with transaction.atomic():
        extra: dict = {}
        if template is None:
            before, old_questions = {}, []
            template = SurveyTemplate.objects.create(**fields)
            action = "create"
        else:
            template = SurveyTemplate.objects.select_for_update().get(pk=template.pk)
            before, old_questions = snapshot(template, TEMPLATE_FIELDS), _questions_snapshot(template)
            if template_in_use(template):
                # Sent or answered: frozen. The edit becomes the family's next version, a
                # draft until activated.
                template = _next_version(template, fields)
                extra = {"version": [None, template.version], "previous": [None, template.previous_id]}
                action = "new_version"
            else:
                for key, value in fields.items():
                    setattr(template, key, value)
                template.save()
                template.questions.all().delete()
                action = "update"
        SurveyQuestion.objects.bulk_create(
            SurveyQuestion(template=template, **question)
            for question in sorted(cleaned, key=lambda q: q["order"])
        )
        changes = {**extra, **diff(before, snapshot(template, TEMPLATE_FIELDS))}
        new_questions = _questions_snapshot(template)
        if new_questions != old_questions:
            changes["questions"] = [old_questions, new_questions]
        audit_record(actor=actor, action=action, obj=template, changes=changes)
    return template


def template_in_use(template: SurveyTemplate) -> bool:
    """Whether a customer was sent or answered this version (an invitation names it, or a
    response): its questions are then frozen."""
    return template.invitations.exists() or template.responses.exists()


def _next_version(template: SurveyTemplate, fields: dict) -> SurveyTemplate:
    """A draft copy of `template`'s family with `fields`, numbered after the family's
    newest version (the caller adds the questions). The family's versions are locked, so
    two edits at once get two numbers."""
    family = template.family_key
    versions = list(
        SurveyTemplate.objects.select_for_update()
        .filter(Q(pk=family) | Q(family_id=family))
        .values_list("version", flat=True)
    )
    return SurveyTemplate.objects.create(
        **fields,
        family_id=family,
        previous=template,
        version=max(versions, default=template.version) + 1,
        active=False,
    )


def survey_template_activate(*, actor, template: SurveyTemplate) -> SurveyTemplate:
    """Make `template` the active one of its work-order type (blank: the default for all),
    switching off the one active before, in one transaction."""
    _require_admin(actor)
    given = template
    now = timezone.now()
    with transaction.atomic():
        # Lock every template of the type and of the family, so that two activations at
        # once queue up.
        family = template.family_key
        locked = list(
            SurveyTemplate.objects.select_for_update()
            .filter(Q(work_order_type=template.work_order_type) | Q(pk=family) | Q(family_id=family))
            .order_by("pk")
        )
        template = next((t for t in locked if t.pk == template.pk), None)
        if template is None:
            raise NotFound(_("No such survey template."), code="not_found")
        if template.active:
            return template
        for other in locked:
            if not other.active or other.pk == template.pk:
                continue
            other.active = False
            if other.family_key == family:
                # Another version of this survey: replaced, so retired.
                other.retired_at = now
                other.save(update_fields=["active", "retired_at", "modified"])
                audit_record(
                    actor=actor,
                    action="retire",
                    obj=other,
                    changes={"active": [True, False], "retired_at": [None, now]},
                )
            elif other.work_order_type == template.work_order_type:
                other.save(update_fields=["active", "modified"])
                audit_record(actor=actor, action="deactivate", obj=other, changes={"active": [True, False]})
        changes = {"active": [False, True]}
        if template.retired_at is not None:
            changes["retired_at"] = [template.retired_at, None]
        template.active = True
        template.retired_at = None
        template.save(update_fields=["active", "retired_at", "modified"])
        audit_record(actor=actor, action="activate", obj=template, changes=changes)
    given.active = True
    given.retired_at = None
    return template


def survey_template_deactivate(*, actor, template: SurveyTemplate) -> SurveyTemplate:
    """Switch off a work-order type's template: its orders get the default again. The
    default itself stays until another default is activated."""
    _require_admin(actor)
    given = template
    with transaction.atomic():
        template = SurveyTemplate.objects.select_for_update().get(pk=template.pk)
        if not template.active:
            return template
        if not template.work_order_type:
            raise Invalid(
                _("The default survey cannot be switched off; activate another default instead."),
                code=codes.SURVEY_TEMPLATE_DEFAULT_STAYS,
            )
        template.active = False
        template.save(update_fields=["active", "modified"])
        audit_record(actor=actor, action="deactivate", obj=template, changes={"active": [True, False]})
    given.active = False
    return template


def default_template(work_order=None, *, work_order_type: str | None = None) -> SurveyTemplate:
    """The active template for a work order's type, else the active default; the standard
    template (created, active, audited as the system's) when the company has no default."""
    wanted = work_order.type if work_order is not None else (work_order_type or "")
    active = {
        t.work_order_type: t
        for t in SurveyTemplate.objects.filter(active=True, work_order_type__in={wanted, ""})
    }
    if wanted in active:
        return active[wanted]
    if "" in active:
        return active[""]
    try:
        with transaction.atomic():
            template = SurveyTemplate.objects.create(active=True, **STANDARD_TEMPLATE)
            SurveyQuestion.objects.bulk_create(
                SurveyQuestion(
                    template=template,
                    order=order,
                    code=code,
                    kind=kind,
                    text=text,
                    text_en=text_en,
                    required=req,
                )
                for order, (code, kind, text, text_en, req) in enumerate(STANDARD_QUESTIONS, start=1)
            )
            audit_record(
                actor=None,
                action="create",
                obj=template,
                changes={"questions": [[], _questions_snapshot(template)]},
                # Stored text, in the language of whoever caused it (the company's by default).
                reason=_("The company had no survey template: the standard one was created."),
            )
    except IntegrityError:
        # Another request created the default at the same moment: use theirs.
        return SurveyTemplate.objects.get(active=True, work_order_type="")
    return template


# --- the customer's answer ---------------------------------------------------------------


def invitation_refusal(invitation: SurveyInvitation, *, now=None) -> Exception | None:
    """Why this invitation cannot be answered now (an error to raise), or None. Reads
    `invitation.work_order.state`."""
    now = now or timezone.now()
    states = SurveyInvitation.State
    if invitation.response_id is not None or invitation.state == states.ANSWERED:
        return Conflict(
            _("This survey has already been answered. Thank you!"), code=codes.SURVEY_ALREADY_ANSWERED
        )
    if invitation.state == states.CANCELLED or invitation.work_order.state == OrderState.CANCELLED:
        return Gone(
            _("This survey was withdrawn: the service it asked about was cancelled."),
            code=codes.SURVEY_CANCELLED,
        )
    if invitation.state == states.EXPIRED or (
        invitation.expires_at is not None and invitation.expires_at <= now
    ):
        return Gone(_("This survey link has expired."), code=codes.SURVEY_EXPIRED)
    return None


def _whole_number(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    return int(text) if re.fullmatch(r"-?\d{1,3}", text) else None


def clean_answers(questions, answers: dict) -> dict:
    """The answers by question code, checked against `questions` (ratings 1–5, NPS 0–10,
    a choice among the choices, text at most 2,000 characters, required ones present);
    unanswered optional questions are left out. Raises Invalid naming each wrong code."""
    if not isinstance(answers, dict):
        answers = {}
    errors: dict = {}
    cleaned: dict = {}
    known = {question.code for question in questions}
    for code in answers:
        if code not in known:
            errors[str(code)] = (_("This survey has no such question."), codes.SURVEY_QUESTION_UNKNOWN)
    for question in questions:
        raw = answers.get(question.code)
        empty = raw is None or (isinstance(raw, str) and not raw.strip())
        if empty:
            if question.required:
                errors[question.code] = (_("Please answer this question."), codes.SURVEY_ANSWER_REQUIRED)
            continue
        if question.kind == Kind.RATING:
            number = _whole_number(raw)
            if number is None or not 1 <= number <= 5:
                errors[question.code] = (_("Choose a rating from 1 to 5."), codes.SURVEY_RATING_OUT_OF_RANGE)
            else:
                cleaned[question.code] = number
        elif question.kind == Kind.NPS:
            number = _whole_number(raw)
            if number is None or not 0 <= number <= 10:
                errors[question.code] = (_("Choose a score from 0 to 10."), codes.SURVEY_NPS_OUT_OF_RANGE)
            else:
                cleaned[question.code] = number
        elif question.kind == Kind.CHOICE:
            values = {choice.get("value") for choice in question.choices or []}
            if str(raw) not in values:
                errors[question.code] = (_("Choose one of the answers offered."), codes.SURVEY_CHOICE_UNKNOWN)
            else:
                cleaned[question.code] = str(raw)
        else:
            text = str(raw).strip()
            if len(text) > TEXT_LIMIT:
                errors[question.code] = (
                    _("Please keep it under %(limit)s characters (you wrote %(count)s).")
                    % {"limit": f"{TEXT_LIMIT:,}", "count": f"{len(text):,}"},
                    codes.SURVEY_TEXT_TOO_LONG,
                )
            else:
                cleaned[question.code] = text
    _raise_collected(errors)
    return cleaned


def survey_mark_opened(invitation: SurveyInvitation, *, now=None) -> None:
    """Record the first time the customer opened the link (one conditional UPDATE: a
    second opening, or two at once, keep the first moment)."""
    now = now or timezone.now()
    updated = SurveyInvitation.objects.filter(pk=invitation.pk, opened_at__isnull=True).update(opened_at=now)
    if updated:
        invitation.opened_at = now


def survey_submit(
    *, invitation_token: str, answers: dict, ip, user_agent: str, now=None, language: str = ""
) -> SurveyResponse:
    """Store the customer's answer to an invitation: checked (token usable, every answer
    valid), with the response, the invitation answered and its audit entry in one
    transaction under a lock on the invitation, so that a double submit stores one
    response. Then the fraud checks screen it (voice/services/fraud.py); the KPI engine
    hears of it through the saves (kpi/auto_recompute.py)."""
    from . import fraud

    now = now or timezone.now()
    with transaction.atomic():
        invitation = (
            SurveyInvitation.objects.select_for_update(of=("self",))
            .select_related("work_order__customer")
            .filter(token=invitation_token)
            .first()
            if invitation_token
            else None
        )
        if invitation is None:
            raise NotFound(_("This survey link is not valid."), code=codes.SURVEY_TOKEN_UNKNOWN)
        refusal = invitation_refusal(invitation, now=now)
        if refusal is not None:
            raise refusal
        template = invitation.template or default_template(invitation.work_order)
        cleaned = clean_answers(list(template.questions.all()), answers)
        user_agent = (user_agent or "")[:300]
        customer = invitation.work_order.customer
        response = SurveyResponse.objects.create(
            work_order=invitation.work_order,
            submitted_at=now,
            overall=cleaned["overall"],
            attitude=cleaned.get("attitude"),
            quality=cleaned.get("quality"),
            speed=cleaned.get("speed"),
            nps=cleaned.get("nps"),
            comment=cleaned.get("comment", ""),
            channel=invitation.channel,
            answers=cleaned,
            language=language or invitation.language or (customer.language if customer else ""),
            ip=ip or None,
            user_agent=user_agent,
            device=device_fingerprint(user_agent),
            opened_at=invitation.opened_at,
            template=template,
        )
        invitation.response = response
        invitation.state = SurveyInvitation.State.ANSWERED
        if invitation.template_id is None:
            invitation.template = template
        invitation.save(update_fields=["response", "state", "template", "modified"])
        audit_record(
            actor=None,
            action="submit",
            obj=response,
            changes={name: [None, value] for name, value in sorted(cleaned.items())},
            channel="survey",
        )
    try:
        fraud.screen_response(response=response)
    except Exception:
        # The answer is stored; a failing check must not lose it nor show the customer a
        # trace. The response stays unflagged and is logged for a re-run.
        logger.exception("fraud screening failed for survey response %s", response.pk)
    return response
