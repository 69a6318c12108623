"""Imported complaints get the deadline a complaint registered on the desk gets (received
+ VoicePolicy.complaint_sla_hours), so that an open one breaches and is escalated like any
other; one the file gives as resolved is not open and gets none."""

import datetime
import io
import json

import pytest
from django.core.management import call_command

from servicescore.voice import selectors_complaints as selectors
from servicescore.voice.models import Complaint, VoicePolicy
from servicescore.voice.services import complaints as services

from ..factories import WorkOrderFactory

pytestmark = pytest.mark.django_db
HOUR = datetime.timedelta(hours=1)
RECEIVED = datetime.datetime(2026, 10, 21, 1, 0, tzinfo=datetime.UTC)  # 09:00 +08:00

CSV = """external_id,received_at,work_order_external_id,handler,resolved_at,satisfied_after
K-OPEN,2026-10-21T09:00:00+08:00,WO-X,CS1,,
K-DONE,2026-10-21T09:00:00+08:00,WO-X,CS1,2026-10-22T09:00:00+08:00,
"""


def run(tmp_path, text=CSV):
    path = tmp_path / "complaints.csv"
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    call_command("import", "complaints", str(path), "--format", "json", stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def imported(network, tmp_path):
    WorkOrderFactory(external_id="WO-X", service_center=network.sc1, technician=network.tech)
    policy = VoicePolicy.current()
    policy.complaint_sla_hours = 24
    policy.save()
    assert run(tmp_path)["created"] == 2
    return {c.external_id: c for c in Complaint.objects.all()}


def test_an_imported_open_complaint_is_due_its_policy_hours_after_it_was_received(imported):
    assert imported["K-OPEN"].due_at == RECEIVED + 24 * HOUR


def test_an_imported_open_complaint_past_its_deadline_is_listed_as_breaching(network, imported):
    desk = selectors.complaint_desk(network.manager.user, tab="breaching", now=RECEIVED + 25 * HOUR)
    assert [c.external_id for c in desk["page_obj"]] == ["K-OPEN"]
    assert desk["counts"]["breaching"] == 1


def test_an_imported_open_complaint_past_its_deadline_is_escalated(imported):
    assert services.escalate_overdue_complaints(now=RECEIVED + 25 * HOUR) == 1
    assert Complaint.objects.get(external_id="K-OPEN").escalation_level == 1


def test_an_imported_resolved_complaint_has_no_deadline_and_is_not_escalated(imported):
    assert imported["K-DONE"].due_at is None
    services.escalate_overdue_complaints(now=RECEIVED + 500 * HOUR)
    assert Complaint.objects.get(external_id="K-DONE").escalation_level == 0


def test_importing_the_same_file_again_leaves_the_deadlines_unchanged(imported, tmp_path):
    again = run(tmp_path)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
    assert Complaint.objects.get(external_id="K-OPEN").due_at == RECEIVED + 24 * HOUR


def test_a_resolution_given_later_by_import_ends_the_deadline(imported, tmp_path):
    resolved = CSV.replace(
        "K-OPEN,2026-10-21T09:00:00+08:00,WO-X,CS1,,",
        "K-OPEN,2026-10-21T09:00:00+08:00,WO-X,CS1,2026-10-21T20:00:00+08:00,",
    )
    assert run(tmp_path, resolved)["updated"] == 1
    complaint = Complaint.objects.get(external_id="K-OPEN")
    assert (complaint.state, complaint.due_at) == ("resolved", None)
