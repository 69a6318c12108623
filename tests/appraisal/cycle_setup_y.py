"""The set-up of the 360° feedback and calibration tests: a technicians' scheme with one
KPI item (FTFR, linear 60 → 90, weight 60) and one manual item (TEAMWORK, weight 40), a
cycle, and evaluations built directly with the models and scored from their figures."""

from decimal import Decimal

from django.utils import timezone

from servicescore.appraisal.models import Cycle, CycleVersion, Evaluation, EvaluationRating, TemplateItem
from servicescore.appraisal.services.evaluations import rescore, save_scored

from ..factories import TemplateVersionFactory


def technician_version():
    version = TemplateVersionFactory(template__position="technician")
    TemplateItem.objects.create(
        version=version,
        order=0,
        indicator="FTFR",
        weight=Decimal(60),
        rule="linear",
        target=Decimal(90),
        threshold=Decimal(60),
    )
    TemplateItem.objects.create(
        version=version, order=1, indicator="TEAMWORK", weight=Decimal(40), rule="manual"
    )
    return version


def cycle_with(version, stage=Cycle.Stage.CALIBRATION, **fields):
    cycle = Cycle.objects.create(name="2026年10月考核", period="2026-10", stage=stage, **fields)
    CycleVersion.objects.create(cycle=cycle, position="technician", version=version)
    return cycle


def evaluation(
    cycle, employee, *, reviewer=None, state=Evaluation.State.CALIBRATION, ftfr=(80.0, 8, 10, 10), rating=4
):
    """An evaluation frozen with FTFR `ftfr` (value, numerator, denominator, sample) and, if
    `rating`, the reviewer's submitted TEAMWORK rating; scored as the cycle scores it."""
    found = Evaluation.objects.create(
        cycle=cycle,
        employee=employee,
        position=employee.position,
        org_unit=employee.org_unit,
        version=(cycle.versions.filter(position=employee.position).first() or cycle.versions.first()).version,
        reviewer=reviewer if reviewer is not None else employee.manager,
        state=state,
        figures={"FTFR": list(ftfr)},
        frozen_at=timezone.now(),
    )
    if rating is not None and found.reviewer is not None:
        EvaluationRating.objects.create(
            evaluation=found,
            indicator="TEAMWORK",
            rater=found.reviewer,
            role=EvaluationRating.Role.MANAGER,
            rating=rating,
            submitted_at=timezone.now(),
        )
    rescore(found)
    save_scored(found, [])
    return found
