"""Work orders an import closes get the survey invitation a close on the page gives them —
only those whose customer can still meaningfully answer: closed within the link's life
(VoicePolicy.survey_expiry_days), not yet invited or answered, with a phone or an e-mail
address. A back-fill of old orders texts nobody, importing the file again invites nobody
twice, and a dry run writes nothing."""

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from servicescore.core.models import AuditEntry
from servicescore.voice.models import SurveyInvitation, SurveyResponse
from servicescore.voice.services.invitations_import import invitations_for_imported_closes

from ..factories import CustomerFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db
HEADER = "external_id,service_center,type,created_at,completed_at,closed_at,technician,customer_name,customer_phone"


def stamp(moment):
    return moment.isoformat(timespec="seconds")


def line(key, closed_ago, *, phone="13812345678", name="王先生"):
    closed = timezone.now() - closed_ago
    return ",".join(
        [
            key,
            "SC1",
            "repair",
            stamp(closed - datetime.timedelta(hours=5)),
            stamp(closed - datetime.timedelta(hours=1)),
            stamp(closed),
            "T1",
            name,
            phone,
        ]
    )


def run(tmp_path, *lines, dry_run=False, capture=None):
    path = tmp_path / "work_orders.csv"
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    out = io.StringIO()
    args = ["import", "work_orders", str(path), "--format", "json", *(["--dry-run"] if dry_run else [])]
    with capture(execute=True):
        call_command(*args, stdout=out)
    report = json.loads(out.getvalue())
    assert report["error_count"] == 0, report["errors"]
    return report


def invited():
    return sorted(SurveyInvitation.objects.values_list("work_order__external_id", flat=True))


def test_orders_closed_yesterday_by_import_are_invited(network, tmp_path, django_capture_on_commit_callbacks):
    run(tmp_path, line("WO-1", datetime.timedelta(days=1)), capture=django_capture_on_commit_callbacks)
    invitation = SurveyInvitation.objects.select_related("work_order").get()
    order = invitation.work_order
    assert invitation.state == SurveyInvitation.State.SCHEDULED
    assert invitation.send_after == order.closed_at + datetime.timedelta(minutes=120)
    assert invitation.expires_at == invitation.send_after + datetime.timedelta(days=7)
    assert invitation.token and invitation.template_id
    assert AuditEntry.objects.filter(action="schedule", object_id=str(invitation.pk)).count() == 1


def test_orders_closed_30_days_ago_by_import_are_not_invited(
    network, tmp_path, django_capture_on_commit_callbacks
):
    run(tmp_path, line("WO-OLD", datetime.timedelta(days=30)), capture=django_capture_on_commit_callbacks)
    assert invited() == []


def test_a_back_fill_invites_only_the_orders_still_within_the_links_life(
    network, tmp_path, django_capture_on_commit_callbacks
):
    run(
        tmp_path,
        line("WO-1", datetime.timedelta(days=6)),
        line("WO-2", datetime.timedelta(days=8)),
        line("WO-3", datetime.timedelta(days=365)),
        capture=django_capture_on_commit_callbacks,
    )
    assert invited() == ["WO-1"]


def test_importing_the_same_file_again_invites_nobody_twice(
    network, tmp_path, django_capture_on_commit_callbacks
):
    rows = [line("WO-1", datetime.timedelta(hours=20)), line("WO-2", datetime.timedelta(hours=30))]
    run(tmp_path, *rows, capture=django_capture_on_commit_callbacks)
    again = run(tmp_path, *rows, capture=django_capture_on_commit_callbacks)
    assert again["unchanged"] == 2
    assert invited() == ["WO-1", "WO-2"]


def test_a_dry_run_invites_nobody(network, tmp_path, django_capture_on_commit_callbacks):
    report = run(
        tmp_path,
        line("WO-1", datetime.timedelta(days=1)),
        dry_run=True,
        capture=django_capture_on_commit_callbacks,
    )
    assert report["created"] == 1 and report["dry_run"]
    assert invited() == []


def test_a_customer_without_a_phone_or_an_e_mail_address_is_not_invited(
    network, tmp_path, django_capture_on_commit_callbacks
):
    run(
        tmp_path,
        line("WO-1", datetime.timedelta(days=1), phone=""),
        capture=django_capture_on_commit_callbacks,
    )
    assert invited() == []


def test_an_order_already_answered_is_not_invited_when_an_import_closes_it(
    network, tmp_path, django_capture_on_commit_callbacks
):
    closed = timezone.now() - datetime.timedelta(days=1)
    order = WorkOrderFactory(
        external_id="WO-1",
        service_center=network.sc1,
        technician=network.tech,
        state="completed",
        completed_at=closed,
        customer=CustomerFactory(),
    )
    SurveyResponse.objects.create(work_order=order, submitted_at=closed, overall=5)
    run(tmp_path, line("WO-1", datetime.timedelta(days=1)), capture=django_capture_on_commit_callbacks)
    assert invited() == []


def test_an_order_closed_before_and_changed_by_import_is_not_invited_again(
    network, tmp_path, django_capture_on_commit_callbacks
):
    run(tmp_path, line("WO-1", datetime.timedelta(days=1)), capture=django_capture_on_commit_callbacks)
    SurveyInvitation.objects.all().delete()
    run(
        tmp_path,
        line("WO-1", datetime.timedelta(days=1), name="王先生 (VIP)"),
        capture=django_capture_on_commit_callbacks,
    )
    assert invited() == []


def test_invitations_for_many_orders_take_a_fixed_number_of_queries(network, django_assert_max_num_queries):
    closed = timezone.now() - datetime.timedelta(hours=3)
    orders = [
        WorkOrderFactory(
            service_center=network.sc1,
            technician=network.tech,
            state="closed",
            closed_at=closed,
            customer=CustomerFactory(),
        )
        for _ in range(12)
    ]
    invitations_for_imported_closes(order_ids=[orders[0].pk])  # the standard template exists
    with django_assert_max_num_queries(8):
        assert invitations_for_imported_closes(order_ids=[o.pk for o in orders[1:]]) == 11


def test_unknown_or_open_order_ids_invite_nobody(network):
    open_order = WorkOrderFactory(service_center=network.sc1, state="in_progress", customer=CustomerFactory())
    assert invitations_for_imported_closes(order_ids=[open_order.pk, 999_999]) == 0
    assert invited() == []
