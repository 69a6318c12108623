"""The set-up of the review tests: a technicians' scheme with one KPI item (FTFR, linear,
target 90, 0 points at 60) and one manual item (COMPLIANCE), a monthly cycle for
October 2026 and evaluations built directly with the models, frozen on a snapshot like
{"FTFR": [90.0, 9, 10, 10]}."""

import datetime
from decimal import Decimal

from servicescore.appraisal.models import (
    Cycle,
    CycleVersion,
    Evaluation,
    EvaluationRating,
    TemplateItem,
)

from ..factories import TemplateVersionFactory

PERIOD = "2026-10"
FIGURES = {"FTFR": [90.0, 9, 10, 10]}


def technician_scheme():
    """An active technicians' scheme: FTFR (60 %) and service compliance (40 %)."""
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
        version=version, order=1, indicator="COMPLIANCE", weight=Decimal(40), rule="manual"
    )
    return version


def make_cycle(version, *, stage=Cycle.Stage.MANAGER_REVIEW, **fields):
    """A monthly cycle for October 2026 at `stage`, appraising technicians with `version`."""
    values = {
        "name": "2026年10月考核",
        "period": PERIOD,
        "targets_due": datetime.date(2026, 11, 3),
        "self_review_due": datetime.date(2026, 11, 6),
        "manager_review_due": datetime.date(2026, 11, 10),
    }
    values.update(fields)
    cycle = Cycle.objects.create(stage=stage, **values)
    CycleVersion.objects.create(cycle=cycle, position="technician", version=version)
    return cycle


def make_evaluation(cycle, employee, reviewer, *, state=Evaluation.State.MANAGER_REVIEW, **fields):
    """The evaluation of `employee` in `cycle`, reviewed by `reviewer`, at `state`; from the
    self review on it is frozen on FIGURES."""
    frozen = state not in (Evaluation.State.TARGETS, Evaluation.State.SIGNED)
    values = {
        "figures": FIGURES if frozen else {},
        "frozen_at": datetime.datetime(2026, 11, 4, tzinfo=datetime.UTC) if frozen else None,
    }
    if state not in (Evaluation.State.TARGETS, Evaluation.State.SIGNED, Evaluation.State.SELF_REVIEW):
        values["self_submitted_at"] = datetime.datetime(2026, 11, 5, tzinfo=datetime.UTC)
    values.update(fields)
    # the cycle's version for the position, else its first (a foreman appraised on the
    # technicians' scheme is fine for these tests)
    chosen = CycleVersion.objects.filter(cycle=cycle, position=employee.position).first()
    version = (chosen or CycleVersion.objects.filter(cycle=cycle).first()).version
    return Evaluation.objects.create(
        cycle=cycle,
        employee=employee,
        position=employee.position,
        org_unit=employee.org_unit,
        version=version,
        reviewer=reviewer,
        state=state,
        **values,
    )


def rate(evaluation, rater, role, rating=4, code="COMPLIANCE", comment="", submitted=True):
    """A stored cycle rating (submitted unless told)."""
    return EvaluationRating.objects.create(
        evaluation=evaluation,
        indicator=code,
        rater=rater,
        role=role,
        rating=rating,
        comment=comment,
        submitted_at=datetime.datetime(2026, 11, 5, tzinfo=datetime.UTC) if submitted else None,
    )
