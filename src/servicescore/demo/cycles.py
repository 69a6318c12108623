"""The demo's appraisal cycles, run through the same services as the pages, so that a
newcomer meets the appraisal process at every stage without typing anything:

- the month before the last complete one: a whole cycle, published — everyone's targets
  signed, self and manager reviews in, calibrated and ranked; each person may confirm or
  appeal their result (the demo technician too);
- the last complete month: opened and frozen, in self review — half the people have sent
  theirs, the demo technician has not (it is on his to-do list), no manager review yet.

At the large scale (about 10,000 people, most without a log-in, for the benchmarks) only
the second is built, and without the reviews: created, opened, frozen, HR skipping the
unsigned targets with a reason. Everything is done by the demo's HR account; reviews are signed by the people
whose step it is.
"""

import datetime
import random

from django.contrib.auth import get_user_model
from django.utils import timezone

from servicescore.appraisal.models import Cycle, Evaluation
from servicescore.appraisal.services import cycles as cycle_services
from servicescore.appraisal.services import reviews
from servicescore.core.periods import local_today, parse_period
from servicescore.kpi.models import ComputedPeriod
from servicescore.kpi.registry import MANUAL_RATINGS
from servicescore.org.models import OrgUnit

SKIP_REASON = "演示数据：目标确认已截止，未确认的人员随数据冻结进入自评"
PUBLISH_REASON = "演示数据：评价已截止"
# Ratings the demo's reviewers give (1–5): mostly 3 and 4, which need no comment.
RATINGS = [3, 3, 4, 4, 4, 5]
COMMENT_FOR_FIVE = "表现突出，客户多次点名表扬。"


def _month_name(code: str) -> str:
    year, month = code.split("-")
    return f"{year}年{int(month)}月"


def complete_months(now: datetime.datetime | None = None) -> list[str]:
    """The computed months that had ended by `now` (default: now; the demo's: its anchor),
    oldest first."""
    now = now or timezone.now()
    codes = ComputedPeriod.objects.filter(period__regex=r"^\d{4}-\d{2}$").values_list("period", flat=True)
    return sorted(code for code in codes if parse_period(code).end <= now)


def _deadlines() -> dict:
    """Stage deadlines in the days after the build: the steps the demo takes are on time,
    and the ones it leaves open are not yet late."""
    today = local_today()
    return {
        "targets_due": today + datetime.timedelta(days=1),
        "self_review_due": today + datetime.timedelta(days=4),
        "manager_review_due": today + datetime.timedelta(days=8),
        "calibration_due": today + datetime.timedelta(days=12),
    }


def _create(code: str, hr) -> Cycle:
    company = OrgUnit.objects.filter(parent__isnull=True).order_by("pk").values_list("pk", flat=True)
    cycle = cycle_services.cycle_create(
        by=hr, name=f"{_month_name(code)}月度考核", period=code, units=list(company), **_deadlines()
    )
    return cycle_services.cycle_open(cycle=cycle, by=hr)


def _evaluations(cycle: Cycle, *states) -> list[Evaluation]:
    rows = Evaluation.objects.filter(cycle=cycle).select_related(
        "cycle", "employee__user", "reviewer__user", "second_reviewer__user", "version"
    )
    if states:
        rows = rows.filter(state__in=states)
    return list(rows.order_by("pk"))


def _ratings(evaluation: Evaluation, rng: random.Random) -> list:
    codes = [item.indicator for item in evaluation.version.items.all() if item.indicator in MANUAL_RATINGS]
    found = []
    for code in codes:
        rating = rng.choice(RATINGS)
        found.append(reviews.ReviewRating(code, rating, COMMENT_FOR_FIVE if rating == 5 else ""))
    return found


def _sign(cycle: Cycle, *, keep=frozenset()) -> None:
    for ev in _evaluations(cycle, Evaluation.State.TARGETS):
        if ev.employee.user is not None and ev.employee.user.username not in keep:
            reviews.targets_sign(evaluation=ev, by=ev.employee.user, revision=ev.revision)


def _self_reviews(cycle: Cycle, rng: random.Random, *, share: float = 1.0, keep=frozenset()) -> None:
    for ev in _evaluations(cycle, Evaluation.State.SELF_REVIEW):
        user = ev.employee.user
        if user is None or user.username in keep or rng.random() > share:
            continue
        reviews.self_review_save(
            evaluation=ev,
            by=user,
            revision=ev.revision,
            ratings=_ratings(ev, rng),
            comment="本月按计划完成了工作，下月继续提升一次修复率。",
            submit=True,
        )


def _manager_reviews(cycle: Cycle, rng: random.Random) -> None:
    for ev in _evaluations(cycle, Evaluation.State.MANAGER_REVIEW):
        reviewer = ev.reviewer.user if ev.reviewer is not None else None
        if reviewer is None or ev.employee.user_id == reviewer.pk:
            continue
        reviews.manager_review_save(
            evaluation=ev,
            by=reviewer,
            revision=ev.revision,
            ratings=_ratings(ev, rng),
            comment="工作态度认真，服务规范，继续保持。",
            submit=True,
        )


def build_cycles(
    *, reviews_done: bool, seed: int = 42, now: datetime.datetime | None = None
) -> dict[str, str]:
    """Build the demo's cycles (module docstring); `reviews_done`: everyone has a log-in,
    so the people's own steps are taken (the small demo); `now` is the demo's now (the
    months complete by then are appraised). Returns period → the stage it was left in. Nothing
    when no month is computed and complete."""
    hr = get_user_model().objects.filter(username="hr").first()
    months = complete_months(now)
    if hr is None or not months:
        return {}
    rng = random.Random(seed)
    built = {}
    keep = {"tech"}  # the demo technician's steps are left for whoever logs in as him
    if reviews_done and len(months) >= 2:
        code = months[-2]
        cycle = _create(code, hr)
        _sign(cycle)
        cycle = cycle_services.cycle_freeze(cycle=cycle, by=hr, reason=SKIP_REASON)
        _self_reviews(cycle, rng)
        cycle = cycle_services.cycle_advance(cycle=cycle, by=hr, reason=PUBLISH_REASON)
        _manager_reviews(cycle, rng)
        cycle = cycle_services.cycle_advance(
            cycle=cycle, by=hr, reason=PUBLISH_REASON, to=Cycle.Stage.CALIBRATION
        )
        cycle = cycle_services.cycle_publish(cycle=cycle, by=hr, reason=PUBLISH_REASON)
        built[code] = cycle.stage
    code = months[-1]
    cycle = _create(code, hr)
    if reviews_done:
        _sign(cycle)
    cycle = cycle_services.cycle_freeze(cycle=cycle, by=hr, reason=SKIP_REASON)
    if reviews_done:
        _self_reviews(cycle, rng, share=0.5, keep=keep)
    built[code] = cycle.stage
    return built
