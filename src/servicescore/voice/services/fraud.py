"""Customer voice, fraud: the writes (one transaction each, audited).

`screen_response` computes the fraud signals of a response that was just stored (the
survey page calls it) and puts a flagged one in the managers' review queue;
`response_review` is the manager's decision on it.
"""

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from servicescore.core.audit import audit_record, diff, snapshot
from servicescore.core.errors import Conflict, Invalid, NotFound, Refused
from servicescore.core.models import UserDevice
from servicescore.voice import policy
from servicescore.voice.errors import fraud as errors
from servicescore.voice.models import SurveyResponse, VoicePolicy
from servicescore.workorders.models import WorkOrder
from servicescore.workorders.scope import visible_work_orders

Signal = SurveyResponse.Signal
Review = SurveyResponse.Review

# A staff device counts when it was seen this recently.
STAFF_DEVICE_WINDOW = timedelta(days=30)
# The window in which one device may answer fraud_device_limit times.
DEVICE_BURST_WINDOW = timedelta(days=7)
RATING_FIELDS = ("overall", "attitude", "quality", "speed")
TOP_RATING = 5
TOP_NPS = 10


def is_top_marks(values: dict) -> bool:
    """Every rating given is 5 and the NPS, if given, is 10."""
    if any(values.get(name) not in (None, TOP_RATING) for name in RATING_FIELDS):
        return False
    return values.get("nps") in (None, TOP_NPS)


def compute_signals(response: SurveyResponse, policy: VoicePolicy) -> list[str]:
    """The Signal values that fire for `response`, in Signal order: a fixed number of
    queries (at most four) whatever the data."""
    flags: list[str] = []
    if (
        response.opened_at is not None
        and (response.submitted_at - response.opened_at).total_seconds() < policy.fraud_fast_seconds
    ):
        flags.append(Signal.FAST)

    staff = (
        WorkOrder.objects.filter(pk=response.work_order_id)
        .values("technician_id", "technician__user_id", "advisor__user_id")
        .first()
    ) or {}
    users = [staff[key] for key in ("technician__user_id", "advisor__user_id") if staff.get(key)]
    if users and (response.ip or response.device):
        same = Q(ip=response.ip) if response.ip else Q()
        if response.device:
            same = (same | Q(device=response.device)) if response.ip else Q(device=response.device)
        if UserDevice.objects.filter(
            same, user_id__in=users, last_seen__gte=response.submitted_at - STAFF_DEVICE_WINDOW
        ).exists():
            flags.append(Signal.STAFF_DEVICE)

    if response.device:
        answered = SurveyResponse.objects.filter(
            device=response.device,
            submitted_at__gt=response.submitted_at - DEVICE_BURST_WINDOW,
            submitted_at__lte=response.submitted_at,
        ).count()
        if response.pk is None:
            answered += 1
        if answered > policy.fraud_device_limit:
            flags.append(Signal.DEVICE_BURST)

    technician = staff.get("technician_id")
    if technician and is_top_marks({name: getattr(response, name) for name in (*RATING_FIELDS, "nps")}):
        run = policy.fraud_top_marks_run
        previous = list(
            SurveyResponse.objects.filter(
                work_order__technician_id=technician, submitted_at__lte=response.submitted_at
            )
            .exclude(pk=response.pk)
            .exclude(review=Review.EXCLUDED)
            .order_by("-submitted_at", "-pk")
            .values(*RATING_FIELDS, "nps")[:run]
        )
        if len(previous) >= run and all(is_top_marks(values) for values in previous):
            flags.append(Signal.TOP_MARKS_RUN)
    return flags


def screen_response(*, response: SurveyResponse) -> list[str]:
    """Compute the fraud signals of a just-stored response; when any fires, store them and
    put the response in the review queue (review = PENDING). Returns the flags."""
    flags = [str(flag) for flag in compute_signals(response, VoicePolicy.current())]
    if flags:
        response.flags = flags
        if response.review == Review.NONE:
            response.review = Review.PENDING
        # An update, not a save: the flags change no figure (a flagged response counts until
        # it is excluded), so the indicators' save receivers have nothing to recompute.
        SurveyResponse.objects.filter(pk=response.pk).update(flags=response.flags, review=response.review)
    return flags


DECISIONS = (Review.CONFIRMED, Review.EXCLUDED)
REASON_LENGTH = SurveyResponse._meta.get_field("review_reason").max_length
REVIEWED_FIELDS = ("review", "reviewed_by", "reviewed_at", "review_reason")


def response_review(*, response: SurveyResponse, decision: str, reason: str, by) -> SurveyResponse:
    """A manager's decision on a flagged response: `confirmed` (it counts, as it did) or
    `excluded` (it no longer counts in any indicator), with a required reason kept in the
    audit trail. Saving it queues the recompute of the people and days it counts for (the
    indicators' save receivers, kpi/auto_recompute.py)."""
    if not policy.may_review_responses(by):
        raise Refused(_("You may not review survey responses."), code=errors.REVIEW_ROLE)
    if not visible_work_orders(by).filter(pk=response.work_order_id).exists():
        raise NotFound(_("No such survey response."), code=errors.REVIEW_NOT_FOUND)
    if decision not in DECISIONS:
        raise Invalid(
            _("Choose whether to confirm or to exclude the response."),
            code=errors.REVIEW_DECISION,
            field="decision",
        )
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(
            _("Give the reason for your decision."), code=errors.REVIEW_REASON_REQUIRED, field="reason"
        )
    if len(reason) > REASON_LENGTH:
        raise Invalid(
            _("The reason is too long: at most %(limit)d characters.") % {"limit": REASON_LENGTH},
            field="reason",
        )
    with transaction.atomic():
        current = SurveyResponse.objects.select_for_update().get(pk=response.pk)
        if current.review != Review.PENDING:
            raise Conflict(
                _("This response is not waiting for review: it was already decided."),
                code=errors.REVIEW_NOT_PENDING,
            )
        before = snapshot(current, REVIEWED_FIELDS)
        current.review = decision
        current.reviewed_by = by
        current.reviewed_at = timezone.now()
        current.review_reason = reason
        current.save(update_fields=[*REVIEWED_FIELDS, "modified"])
        audit_record(
            actor=by,
            action="exclude" if decision == Review.EXCLUDED else "confirm",
            obj=current,
            changes=diff(before, snapshot(current, REVIEWED_FIELDS)),
            reason=reason,
        )
    for name in REVIEWED_FIELDS:
        setattr(response, name, getattr(current, name))
    return current
