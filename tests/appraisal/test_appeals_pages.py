"""The confirmation and appeal pages (appraisal/views/appeals.py)."""

import datetime

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from servicescore.appraisal.models import Appeal, Evaluation
from servicescore.appraisal.services import appeals

from ..conftest import login
from . import appeals as setup
from .appeals import pdf, publish
from .scorecards import english

pytestmark = pytest.mark.django_db
published = setup.published


def filed(published, **fields):
    return appeals.appeal_file(
        by=published.net.tech.user,
        evaluation=published.evaluation,
        indicators=["FTFR"],
        reason="Parts shortage",
        files=fields.get("files", ()),
    )


def test_the_employee_appeals_from_the_evaluation_page_form(client, published):
    login(client, published.net.tech)
    url = reverse("appraisal:appeal_file", args=[published.evaluation.pk])
    response = client.post(
        url, {"indicators": ["FTFR"], "reason": "Parts shortage", "files": [pdf()], "next": "/x/"}
    )
    assert response.status_code == 302 and response["Location"] == "/x/"
    appeal = Appeal.objects.get()
    assert (appeal.indicators, appeal.evidence.count()) == (["FTFR"], 1)


def test_an_appeal_page_post_with_no_reason_writes_nothing_and_says_why(client, published):
    english(client)
    login(client, published.net.tech)
    url = reverse("appraisal:appeal_file", args=[published.evaluation.pk])
    response = client.post(url, {"reason": ""}, follow=True)
    assert not Appeal.objects.exists()
    assert "Say why you appeal." in response.content.decode()


def test_an_outsider_posting_to_someone_elses_evaluation_gets_404(client, published):
    login(client, published.net.tech_colleague)
    for name in ("appeal_file", "evaluation_confirm"):
        response = client.post(reverse(f"appraisal:{name}", args=[published.evaluation.pk]), {"reason": "x"})
        assert response.status_code == 404
    assert Evaluation.objects.get().state == "published"


def test_the_employee_confirms_from_the_page(client, published):
    login(client, published.net.tech)
    client.post(reverse("appraisal:evaluation_confirm", args=[published.evaluation.pk]))
    assert Evaluation.objects.get().state == "final"


def test_the_queue_lists_open_appeals_overdue_first_with_few_queries(
    client, published, django_assert_max_num_queries
):
    filed(published)
    other = publish(published.net, employee=published.net.tech_colleague)
    second = appeals.appeal_file(by=published.net.tech_colleague.user, evaluation=other, reason="r")
    Appeal.objects.filter(pk=second.pk).update(
        due_at=timezone.now() - datetime.timedelta(days=1), escalated_at=timezone.now()
    )
    login(client, published.net.hr)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("appraisal:appeals"))
    rows = response.context["queue"]
    assert [appeal.pk for appeal in rows] == [second.pk, Appeal.objects.exclude(pk=second.pk).get().pk]
    html = response.content.decode()
    assert "data-escalated" in html and "data-overdue" in html


def test_the_queue_hides_the_appeals_of_evaluations_the_decider_reviewed(client, published):
    filed(published)
    published.net.foreman.user.role = "hr"
    published.net.foreman.user.save()
    login(client, published.net.foreman)
    assert client.get(reverse("appraisal:appeals")).context["queue"] == []


def test_the_queue_reads_the_same_number_of_queries_for_one_appeal_or_three(client, published):
    filed(published)
    login(client, published.net.hr)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("appraisal:appeals"))
    for employee in (published.net.tech_colleague, published.net.tech_sc2):
        other = publish(published.net, employee=employee)
        appeals.appeal_file(by=employee.user, evaluation=other, reason="r")
    with CaptureQueriesContext(connection) as three:
        response = client.get(reverse("appraisal:appeals"))
    assert len(response.context["queue"]) == 3
    assert len(three) == len(one)


def test_a_technician_has_no_queue(client, published):
    login(client, published.net.tech_colleague)
    assert client.get(reverse("appraisal:appeals")).status_code == 403


def test_the_decider_sees_the_records_behind_the_appealed_item_and_excludes_one(client, published):
    appeal = filed(published)
    login(client, published.net.hr)
    response = client.get(reverse("appraisal:appeal", args=[appeal.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'value="FTFR:{published.not_fixed.pk}"' in html
    assert f'value="FTFR:{published.fixed.pk}"' in html
    response = client.post(
        reverse("appraisal:appeal", args=[appeal.pk]),
        {
            "action": "adjust",
            "exclude": [f"FTFR:{published.not_fixed.pk}"],
            "exclusion_reason": "parts",
            "reason": "ok",
        },
    )
    assert response.status_code == 302
    evaluation = Evaluation.objects.get()
    assert evaluation.figures["FTFR"] == [100.0, 1, 1, 1]
    assert evaluation.state == "final"


def test_the_employee_sees_the_decision_the_reason_and_the_exclusion_on_the_evaluation_panel(published):
    appeal = filed(published)
    appeals.appeal_adjust(
        by=published.net.hr.user,
        appeal=appeal,
        reason="A parts shortage is not a repair failure.",
        exclusions=[("FTFR", published.not_fixed.pk, "Waiting for parts")],
    )
    request = RequestFactory().get("/")
    request.user = published.net.tech.user
    evaluation = Evaluation.objects.get()
    with translation.override("en"):
        html = Template("{% include 'appraisal/cycles/_evaluation_appeal.html' %}").render(
            Context({"evaluation": evaluation, "request": request})
        )
    assert 'data-decision="adjusted"' in html
    assert "A parts shortage is not a repair failure." in html
    assert f"{published.not_fixed.external_id} left out of" in html
    assert "Waiting for parts" in html
    assert 'data-action="confirm"' not in html


def test_the_panel_offers_confirm_and_appeal_to_the_employee_within_the_window_only(published):
    request = RequestFactory().get("/")
    template = Template("{% include 'appraisal/cycles/_evaluation_appeal.html' %}")
    request.user = published.net.tech.user
    html = template.render(Context({"evaluation": published.evaluation, "request": request}))
    assert 'data-action="confirm"' in html and 'name="indicators" value="FTFR"' in html
    request.user = published.net.foreman.user
    html = template.render(Context({"evaluation": published.evaluation, "request": request}))
    assert 'data-action="confirm"' not in html


def test_outsiders_get_404_on_the_appeal_and_its_evidence(client, published):
    appeal = filed(published, files=[pdf()])
    evidence = appeal.evidence.get()
    for user in (published.net.tech_colleague, published.net.foreman, published.net.manager):
        login(client, user)
        assert client.get(reverse("appraisal:appeal", args=[appeal.pk])).status_code == 404
        assert client.get(reverse("appraisal:appeal_evidence", args=[evidence.pk])).status_code == 404
    assert client.get(reverse("appraisal:appeal_evidence", args=[evidence.pk + 1000])).status_code == 404


def test_the_appellant_and_the_decider_download_the_evidence_typed_by_its_content(client, published):
    appeal = filed(published, files=[pdf("原件.pdf")])
    evidence = appeal.evidence.get()
    for user in (published.net.tech, published.net.hr):
        login(client, user)
        response = client.get(reverse("appraisal:appeal_evidence", args=[evidence.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        b"".join(response.streaming_content)


def test_the_employee_answers_a_question_on_the_appeal_page(client, published):
    appeal = filed(published)
    appeals.appeal_request_info(by=published.net.hr.user, appeal=appeal, question="Which part?")
    login(client, published.net.tech)
    response = client.get(reverse("appraisal:appeal", args=[appeal.pk]))
    assert 'data-action="send-answer"' in response.content.decode()
    assert 'data-action="uphold"' not in response.content.decode()
    client.post(reverse("appraisal:appeal", args=[appeal.pk]), {"action": "answer", "text": "The BMS"})
    assert Appeal.objects.get().state == "open"


def test_the_appellant_cannot_decide_through_the_page(client, published):
    appeal = filed(published)
    login(client, published.net.tech)
    response = client.post(
        reverse("appraisal:appeal", args=[appeal.pk]), {"action": "uphold", "reason": "me"}
    )
    assert response.status_code == 404
    assert Appeal.objects.get().state == "open"


def test_the_stats_count_upheld_and_adjusted_by_indicator_and_centre(
    client, published, django_assert_max_num_queries
):
    appeal = filed(published)
    appeals.appeal_adjust(
        by=published.net.hr.user, appeal=appeal, reason="r", exclusions=[("FTFR", published.not_fixed.pk, "")]
    )
    other = publish(published.net, employee=published.net.tech_sc2)
    upheld = appeals.appeal_file(by=published.net.tech_sc2.user, evaluation=other, reason="r")
    appeals.appeal_uphold(by=published.net.hr.user, appeal=upheld, reason="right")
    login(client, published.net.hr)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("appraisal:appeal_stats"))
    context = response.context
    assert [(r["code"], r["upheld"], r["adjusted"]) for r in context["by_indicator"]] == [
        ("FTFR", 0, 1),
        ("", 1, 0),
    ]
    assert {(r["centre"].code, r["upheld"], r["adjusted"]) for r in context["by_centre"]} == {
        ("SC1", 0, 1),
        ("SC2", 1, 0),
    }
    assert ("FTFR", "SC1", 1) in {
        (r["code"], r["centre"].code, r["adjusted"]) for r in context["by_indicator_centre"]
    }


def test_the_stats_are_scoped_a_service_manager_sees_only_his_centre(client, published):
    other = publish(published.net, employee=published.net.tech_sc2)
    upheld = appeals.appeal_file(by=published.net.tech_sc2.user, evaluation=other, reason="r")
    appeals.appeal_uphold(by=published.net.hr.user, appeal=upheld, reason="right")
    login(client, published.net.manager)
    assert client.get(reverse("appraisal:appeal_stats")).context["decided"] == 0


def test_a_technician_cannot_open_the_stats(client, published):
    login(client, published.net.tech)
    assert client.get(reverse("appraisal:appeal_stats")).status_code == 403


def test_a_refused_appeal_shows_the_page_again_with_the_form_open_and_what_was_typed(client, published):
    english(client)
    login(client, published.net.tech)
    url = reverse("appraisal:appeal_file", args=[published.evaluation.pk])
    response = client.post(url, {"indicators": ["NOPE"], "reason": "配件缺货，不是维修质量问题"})
    html = response.content.decode()
    assert response.status_code == 422 and not Appeal.objects.exists()
    assert "data-appeal-form open" in html
    assert "配件缺货，不是维修质量问题</textarea>" in html
