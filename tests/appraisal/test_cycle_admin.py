"""The appraisal cycles in the admin: read-only where they carry history (cycles,
evaluations, their changes, appeals, exclusions): nobody adds, changes or deletes them
there — the services do — and a staff reader sees only the rows of his scope."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from servicescore.appraisal.models import Appeal, Cycle, Evaluation, EvaluationChange
from servicescore.appraisal.services.evaluations import record_change

from ..conftest import login
from .review_factories import make_cycle, make_evaluation, technician_scheme

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle(network):
    return make_cycle(technician_scheme(), stage=Cycle.Stage.CALIBRATION)


@pytest.fixture
def evaluation(network, cycle):
    return make_evaluation(cycle, network.tech, network.foreman, state=Evaluation.State.CALIBRATION)


@pytest.fixture
def change(network, evaluation):
    return record_change(
        evaluation, kind="grade", by=network.hr.user, field="calibrated_grade", old="B", new="A", reason="x"
    )


def staff(user):
    user.is_staff = True
    user.save()
    return user


def url(model, view, *args):
    return reverse(f"admin:appraisal_{model}_{view}", args=args)


@pytest.mark.parametrize("who", ["hr", "auditor"])
def test_hr_and_auditors_read_the_changes_in_the_admin(client, network, change, who):
    person = getattr(network, who)
    login(client, staff(getattr(person, "user", person)))
    assert client.get(url("evaluationchange", "changelist")).status_code == 200
    assert client.get(url("evaluationchange", "change", change.pk)).status_code == 200


def test_an_evaluation_change_cannot_be_added_changed_or_deleted_in_the_admin(client, network, change):
    login(client, staff(network.hr.user))
    assert client.get(url("evaluationchange", "add")).status_code == 403
    response = client.post(
        url("evaluationchange", "change", change.pk),
        {"kind": "grade", "field": "calibrated_grade", "old": '"B"', "new": '"S"', "reason": "edited"},
    )
    assert response.status_code == 403
    assert client.post(url("evaluationchange", "delete", change.pk), {"post": "yes"}).status_code == 403
    changelist = client.get(url("evaluationchange", "changelist"))
    assert "delete_selected" not in changelist.content.decode()
    response = client.post(
        url("evaluationchange", "changelist"),
        {"action": "delete_selected", "_selected_action": [change.pk], "post": "yes"},
    )
    stored = EvaluationChange.objects.get(pk=change.pk)
    assert (stored.new, stored.reason) == ("A", "x")


def test_a_superuser_cannot_delete_an_evaluation_change_either(client, network, change):
    user = staff(network.hr.user)
    user.is_superuser = True
    user.save()
    login(client, user)
    assert client.post(url("evaluationchange", "delete", change.pk), {"post": "yes"}).status_code == 403
    assert EvaluationChange.objects.filter(pk=change.pk).exists()


def test_a_staff_user_with_every_model_permission_cannot_change_a_change(client, network, change):
    manager = staff(network.manager.user)
    manager.user_permissions.add(
        *Permission.objects.filter(
            codename__endswith="_evaluationchange", content_type__app_label="appraisal"
        )
    )
    login(client, manager)
    assert client.get(url("evaluationchange", "change", change.pk)).status_code == 200
    assert client.post(url("evaluationchange", "delete", change.pk), {"post": "yes"}).status_code == 403
    assert client.get(url("evaluationchange", "add")).status_code == 403


@pytest.mark.parametrize("model", ["cycle", "evaluation", "appeal", "exclusion"])
def test_cycles_and_their_records_are_view_only_in_the_admin(client, network, evaluation, model):
    login(client, staff(network.hr.user))
    assert client.get(url(model, "changelist")).status_code == 200
    assert client.get(url(model, "add")).status_code == 403


def test_a_cycle_and_an_evaluation_cannot_be_changed_or_deleted_in_the_admin(
    client, network, cycle, evaluation
):
    login(client, staff(network.hr.user))
    assert client.get(url("cycle", "change", cycle.pk)).status_code == 200
    assert client.post(url("cycle", "change", cycle.pk), {"name": "renamed"}).status_code == 403
    assert client.post(url("cycle", "delete", cycle.pk), {"post": "yes"}).status_code == 403
    assert client.post(url("evaluation", "delete", evaluation.pk), {"post": "yes"}).status_code == 403
    cycle.refresh_from_db()
    assert cycle.name == "2026年10月考核" and Evaluation.objects.filter(pk=evaluation.pk).exists()


def test_an_appeal_cannot_be_decided_or_deleted_in_the_admin(client, network, evaluation):
    from django.utils import timezone

    appeal = Appeal.objects.create(
        evaluation=evaluation, reason="r", by=network.tech.user, due_at=timezone.now()
    )
    login(client, staff(network.hr.user))
    assert client.get(url("appeal", "change", appeal.pk)).status_code == 200
    assert client.post(url("appeal", "change", appeal.pk), {"state": "upheld"}).status_code == 403
    assert client.post(url("appeal", "delete", appeal.pk), {"post": "yes"}).status_code == 403
    appeal.refresh_from_db()
    assert appeal.state == Appeal.State.OPEN


def test_a_manager_sees_in_the_admin_only_the_changes_and_cycles_of_his_scope(client, network, cycle, change):
    elsewhere = make_cycle(technician_scheme(), stage=Cycle.Stage.CALIBRATION, name="杭州")
    other = make_evaluation(elsewhere, network.tech_sc2, None, state=Evaluation.State.CALIBRATION)
    record_change(other, kind="grade", by=network.hr.user, field="calibrated_grade", old="B", new="A")
    manager = staff(network.manager.user)
    manager.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_evaluationchange", "view_cycle"])
    )
    login(client, manager)
    response = client.get(url("evaluationchange", "changelist"))
    assert [c.pk for c in response.context["cl"].result_list] == [change.pk]
    response = client.get(url("cycle", "changelist"))
    assert [c.pk for c in response.context["cl"].result_list] == [cycle.pk]
