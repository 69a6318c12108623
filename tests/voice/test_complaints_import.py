"""Imported complaints get the workflow state their fields imply, and importing the same
file again changes nothing."""

import io
import json

import pytest
from django.core.management import call_command

from servicescore.voice.models import Complaint

from ..factories import WorkOrderFactory

pytestmark = pytest.mark.django_db

CSV = """external_id,received_at,work_order_external_id,employee,handler,severity,valid,resolved_at,satisfied_after
K-1,2026-10-21T09:00:00+08:00,WO-X,T1,M1,high,yes,2026-10-23T09:00:00+08:00,true
K-2,2026-10-22T09:00:00+08:00,WO-X,,CS1,low,yes,2026-10-23T09:00:00+08:00,
K-3,2026-10-23T09:00:00+08:00,,,M1,low,0,,
K-4,2026-10-24T09:00:00+08:00,WO-X,,CS1,,yes,,
K-5,2026-10-25T09:00:00+08:00,WO-X,,,,,,
"""


def run(path):
    out = io.StringIO()
    call_command("import", "complaints", str(path), "--format", "json", stdout=out)
    return json.loads(out.getvalue())


def test_imported_complaints_get_the_state_their_fields_imply(network, tmp_path):
    WorkOrderFactory(external_id="WO-X", service_center=network.sc1, technician=network.tech)
    path = tmp_path / "complaints.csv"
    path.write_text(CSV, encoding="utf-8")
    assert run(path)["created"] == 5
    states = dict(Complaint.objects.values_list("external_id", "state"))
    assert states == {
        "K-1": "closed",
        "K-2": "resolved",
        "K-3": "not_valid",
        "K-4": "assigned",
        "K-5": "received",
    }
    again = run(path)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 5)
