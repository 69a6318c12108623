"""A published October evaluation built directly with the models (tests/appraisal/test_appeals_*):
the technician T1 of the shared network, scored on FTFR from his two October work orders
(one fixed in one visit, one not fixed: 1 of 2 = 50 %), reviewed by his foreman F1."""

import datetime
import io
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from servicescore.appraisal.models import Cycle, Evaluation, TemplateItem
from servicescore.appraisal.services.evaluations import rescore, save_scored
from servicescore.workorders.models import WorkOrder

from ..factories import TemplateVersionFactory


def png(name="scan.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def pdf(name="note.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n%fake but magic\n", content_type="application/pdf")


def disguised(name="proof.pdf"):
    """An HTML page named and typed as a PDF."""
    return SimpleUploadedFile(name, b"<html><script>alert(1)</script></html>", content_type="application/pdf")


def publish(network, *, employee=None, reviewer=None, confirm_in=datetime.timedelta(days=3), figures=None):
    """A published evaluation of `employee` (default T1) in a published October cycle."""
    employee = employee or network.tech
    version = TemplateVersionFactory(template__position="technician")
    TemplateItem.objects.create(version=version, indicator="FTFR", weight=100, target=90, threshold=40)
    cycle = Cycle.objects.create(name="2026年10月考核", period="2026-10", stage=Cycle.Stage.PUBLISHED)
    now = timezone.now()
    evaluation = Evaluation.objects.create(
        cycle=cycle,
        employee=employee,
        position="technician",
        org_unit=employee.org_unit,
        version=version,
        reviewer=reviewer if reviewer is not None else employee.manager,
        state=Evaluation.State.PUBLISHED,
        figures=figures if figures is not None else {"FTFR": [50.0, 1, 2, 2]},
        published_at=now,
        confirm_due=now + confirm_in,
    )
    rescore(evaluation)
    save_scored(evaluation, [])
    return evaluation


@pytest.fixture
def published(october, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    evaluation = publish(october)
    orders = WorkOrder.objects.filter(technician=october.tech).order_by("completed_at")
    return SimpleNamespace(
        net=october,
        evaluation=evaluation,
        fixed=orders.get(resolution="fixed"),
        not_fixed=orders.get(resolution="not_fixed"),
        colleague_order=WorkOrder.objects.get(technician=october.tech_colleague),
    )
