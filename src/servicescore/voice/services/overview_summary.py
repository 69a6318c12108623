"""Customer voice, overview: the stored monthly summary (VoiceMonth) the managers'
overview reads instead of the month's raw records (voice/selectors.py `voice_overview`).

`build_voice_month` rebuilds one month whole, for the whole company, with three grouped
queries (invitations, responses, closed orders with their coverage) keyed by service
centre and team (the lead technician's org unit), under the same definitions as the live
overview: cancelled orders left out, excluded responses left out, coverage as
`_covered_q(..., whole_company=True)`. Celery beat rebuilds the running month and the one
before every hour (voice.build_voice_months; the month before still changes for
COVERAGE_WINDOW after its end: late calls and answers); `servicescore voice_summary`
does the same from cron without a broker.

Audit: like the KPI recompute (kpi/services/recompute.py, one entry on its summary row),
one entry per rebuild, on the month's first stored row, with the month's totals; no entry
per row (derived data).
"""

import datetime

from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from servicescore.core.audit import audit_record
from servicescore.core.periods import MONTH_RE, month_of, parse_period
from servicescore.workorders.models import State, WorkOrder

from ..models import SurveyInvitation, SurveyResponse, VoiceMonth
from ..selectors import MONTH_COUNTS, _covered_q

COUNTS = MONTH_COUNTS


def _month(month: str):
    try:
        period = parse_period(month)
    except ValueError:
        period = None
    if period is None or not MONTH_RE.fullmatch(period.code):
        raise ValueError(_("Choose a month (YYYY-MM)."))
    return period


BUILD_LOCK = 0x564F4943  # "VOIC": PostgreSQL advisory lock key


def _one_at_a_time() -> None:
    """Rebuilds run one at a time until their transaction ends (beat and cron at once would
    each delete the month's rows and both insert new ones); SQLite serialises writers."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [BUILD_LOCK])


@transaction.atomic
def build_voice_month(month: str, *, now: datetime.datetime | None = None) -> dict:
    """Delete `month`'s (YYYY-MM) VoiceMonth rows and store them again from the records,
    for the whole company, in one transaction with one audit entry. Returns
    {"month", "rows", and the month's total of each count}. ValueError (nothing written)
    for a malformed month."""
    period = _month(month)
    _one_at_a_time()
    now = now or timezone.now()
    start, end = period.start, period.end
    centre, team = "work_order__service_center_id", "work_order__technician__org_unit_id"
    rows: dict[tuple, dict] = {}

    def row(centre_id, team_id) -> dict:
        return rows.setdefault((centre_id, team_id), dict.fromkeys(COUNTS, 0))

    live_orders = ~Q(work_order__state=State.CANCELLED)
    invitations = (
        SurveyInvitation.objects.filter(live_orders, sent_at__gte=start, sent_at__lt=end)
        .values(centre, team)
        .annotate(sent=Count("pk"), answered=Count("pk", filter=Q(response__isnull=False)))
        .order_by()
    )
    for item in invitations:
        row(item[centre], item[team]).update(sent=item["sent"], answered=item["answered"])
    responses = (
        SurveyResponse.objects.filter(live_orders, submitted_at__gte=start, submitted_at__lt=end)
        .exclude(review=SurveyResponse.Review.EXCLUDED)
        .values(centre, team)
        .annotate(
            responses=Count("pk"),
            satisfied=Count("pk", filter=Q(overall__gte=4)),
            overall_sum=Sum("overall"),
            with_nps=Count("pk", filter=Q(nps__isnull=False)),
            promoters=Count("pk", filter=Q(nps__gte=9)),
            detractors=Count("pk", filter=Q(nps__lte=6)),
        )
        .order_by()
    )
    for item in responses:
        figures = row(item[centre], item[team])
        for name in ("responses", "satisfied", "overall_sum", "with_nps", "promoters", "detractors"):
            figures[name] = item[name] or 0
    coverage = (
        WorkOrder.objects.exclude(state=State.CANCELLED)
        .filter(closed_at__gte=start, closed_at__lt=end)
        .values("service_center_id", "technician__org_unit_id")
        .annotate(closed=Count("pk"), covered=Count("pk", filter=_covered_q(start, end, whole_company=True)))
        .order_by()
    )
    for item in coverage:
        row(item["service_center_id"], item["technician__org_unit_id"]).update(
            closed=item["closed"], covered=item["covered"]
        )

    removed = VoiceMonth.objects.filter(month=period.code).delete()[0]
    stored = VoiceMonth.objects.bulk_create(
        [
            VoiceMonth(month=period.code, centre_id=centre_id, team_id=team_id, computed_at=now, **counts)
            for (centre_id, team_id), counts in sorted(rows.items(), key=lambda item: _sort_key(item[0]))
        ]
    )
    totals = {name: sum(counts[name] for counts in rows.values()) for name in COUNTS}
    summary = {"month": period.code, "rows": len(stored), **totals}
    if stored:
        first = VoiceMonth.objects.filter(month=period.code).order_by("pk").first()
        changes = {
            "month": [None, period.code],
            "rows": [removed, len(stored)],
            **{name: [None, value] for name, value in totals.items()},
        }
        audit_record(actor=None, action="rebuild", obj=first, changes=changes)
    return summary


def _sort_key(key: tuple) -> tuple:
    centre_id, team_id = key
    return (centre_id is None, centre_id or 0, team_id is None, team_id or 0)


def open_months(now: datetime.datetime | None = None) -> list[str]:
    """The months whose stored figures still change: the running one and the one before
    (late answers and the coverage window reach COVERAGE_WINDOW past its end)."""
    now = now or timezone.now()
    running = month_of(now)
    before = month_of(parse_period(running).start - datetime.timedelta(seconds=1))
    return [before, running]


def build_open_voice_months(now: datetime.datetime | None = None) -> list[dict]:
    """Rebuild the stored figures of `open_months`, oldest first (one transaction each)."""
    now = now or timezone.now()
    return [build_voice_month(month, now=now) for month in open_months(now)]


def build_voice_months(months) -> list[dict]:
    """Rebuild the stored figures of each of `months` (YYYY-MM), one transaction each: the
    demo's build stores every month it holds."""
    now = timezone.now()
    return [build_voice_month(month, now=now) for month in months]
