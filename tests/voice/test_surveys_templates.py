"""Survey templates (voice/services/surveys.py, the pages under /voice/surveys/): HR and
administrators write them with their questions, one is active per work-order type, the
standard default is created when a company has none; every write audited, every bad input
refused with its code and nothing written."""

import pytest
from django.urls import reverse
from django.utils import translation

from servicescore.core.errors import Invalid, Refused
from servicescore.core.models import AuditEntry
from servicescore.voice.models import SurveyQuestion, SurveyTemplate
from servicescore.voice.services.surveys import (
    default_template,
    survey_template_activate,
    survey_template_deactivate,
    survey_template_save,
)

from ..conftest import login
from ..factories import WorkOrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def client():
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE="en")


OVERALL = {"code": "overall", "kind": "rating", "text": "总体满意度", "text_en": "Overall", "required": True}


def save(network, questions=None, **fields):
    return survey_template_save(
        actor=network.hr.user,
        name=fields.pop("name", "保养回访"),
        questions=[OVERALL] if questions is None else questions,
        **fields,
    )


def refused_code(network, **kwargs):
    with pytest.raises(Invalid) as refused:
        save(network, **kwargs)
    assert not SurveyTemplate.objects.exists() and not SurveyQuestion.objects.exists()
    return refused.value


# --- default_template ---


def test_a_company_without_templates_gets_the_standard_default(network):
    template = default_template(WorkOrderFactory(service_center=network.sc1))
    assert template.active and template.work_order_type == ""
    questions = {q.code: (q.kind, q.text) for q in template.questions.all()}
    assert questions == {
        "overall": ("rating", "总体满意度"),
        "attitude": ("rating", "服务态度"),
        "quality": ("rating", "维修质量"),
        "speed": ("rating", "响应速度"),
        "nps": ("nps", "您有多大可能向亲友推荐我们？"),
        "comment": ("text", "还有什么想告诉我们的吗？"),
    }
    assert all(q.text_en for q in template.questions.all())


def test_the_standard_default_is_created_once(network):
    first = default_template(work_order_type="repair")
    assert default_template(work_order_type="maintenance") == first
    assert SurveyTemplate.objects.count() == 1


def test_a_types_active_template_is_preferred_to_the_default(network):
    default_template()
    repair = save(network, work_order_type="repair")
    survey_template_activate(actor=network.hr.user, template=repair)
    assert default_template(WorkOrderFactory(service_center=network.sc1, type="repair")) == repair
    assert default_template(work_order_type="maintenance").work_order_type == ""


# --- saving ---


def test_hr_saves_a_template_with_its_questions_in_order(network):
    choice = {
        "code": "reason",
        "kind": "choice",
        "text": "来店原因",
        "required": False,
        "order": 1,
        "choices": [
            {"value": "repair", "label": "维修", "label_en": "Repair"},
            {"value": "other", "label": "其他"},
        ],
    }
    template = save(network, questions=[{**OVERALL, "order": 2}, choice], name_en="Service survey")
    assert [q.code for q in template.questions.all()] == ["reason", "overall"]
    assert template.questions.get(code="reason").choices[0] == {
        "value": "repair",
        "label": "维修",
        "label_en": "Repair",
    }
    assert not template.active


def test_saving_a_template_is_audited(network):
    template = save(network)
    entry = AuditEntry.objects.get(
        action="create", object_id=str(template.pk), content_type__model="surveytemplate"
    )
    assert entry.actor == network.hr.user
    assert entry.changes["questions"][1][0]["code"] == "overall"


def test_editing_replaces_the_questions_and_audits_the_change(network):
    template = save(network)
    extra = {"code": "speed", "kind": "rating", "text": "响应速度", "required": False}
    survey_template_save(
        actor=network.hr.user, template=template, name="保养回访（新）", questions=[OVERALL, extra]
    )
    assert [q.code for q in template.questions.all()] == ["overall", "speed"]
    entry = AuditEntry.objects.get(action="update")
    assert entry.changes["name"] == ["保养回访", "保养回访（新）"]
    assert [q["code"] for q in entry.changes["questions"][1]] == ["overall", "speed"]


def test_a_duplicate_question_code_is_refused(network):
    error = refused_code(network, questions=[OVERALL, {**OVERALL, "text": "再问一次"}])
    assert error.domain_code == "survey_question_code_taken" and error.field == "questions-1-code"


def test_a_choice_question_without_choices_is_refused(network):
    error = refused_code(
        network, questions=[OVERALL, {"code": "why", "kind": "choice", "text": "原因", "choices": []}]
    )
    assert error.domain_code == "survey_choice_without_choices" and error.field == "questions-1-choices"


def test_an_unknown_kind_is_refused(network):
    error = refused_code(network, questions=[OVERALL, {"code": "stars", "kind": "stars", "text": "星级"}])
    assert error.domain_code == "survey_question_kind_unknown"


def test_a_reserved_code_with_the_wrong_kind_is_refused(network):
    error = refused_code(network, questions=[OVERALL, {"code": "nps", "kind": "rating", "text": "推荐"}])
    assert error.domain_code == "survey_question_kind_mismatch"


def test_a_template_without_a_required_overall_rating_is_refused(network):
    error = refused_code(network, questions=[{**OVERALL, "required": False}])
    assert error.domain_code == "survey_template_needs_overall"


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"name": " "}, "survey_template_name_missing"),
        ({"work_order_type": "car_wash"}, "survey_template_type_unknown"),
        ({"questions": []}, "survey_template_no_questions"),
        ({"questions": [{**OVERALL, "code": "总体"}]}, "survey_question_code_invalid"),
        ({"questions": [{**OVERALL, "text": ""}]}, "survey_question_text_missing"),
    ],
)
def test_bad_template_input_is_refused_with_its_code(network, fields, code):
    assert refused_code(network, **fields).domain_code == code


def test_a_technician_may_not_save_templates(network):
    with pytest.raises(Refused):
        survey_template_save(actor=network.tech.user, name="x", questions=[OVERALL])
    assert not SurveyTemplate.objects.exists()


# --- activating ---


def test_activating_switches_off_the_previous_template_of_the_type(network):
    first = save(network, work_order_type="repair")
    second = save(network, name="维修回访二", work_order_type="repair")
    survey_template_activate(actor=network.hr.user, template=first)
    survey_template_activate(actor=network.hr.user, template=second)
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.active and not first.active
    assert list(AuditEntry.objects.filter(action="deactivate").values_list("object_id", flat=True)) == [
        str(first.pk)
    ]


def test_activating_leaves_other_types_alone(network):
    default = default_template()
    repair = save(network, work_order_type="repair")
    survey_template_activate(actor=network.hr.user, template=repair)
    default.refresh_from_db()
    assert default.active and repair.active


def test_the_active_default_cannot_be_switched_off(network):
    default = default_template()
    with pytest.raises(Invalid) as refused:
        survey_template_deactivate(actor=network.hr.user, template=default)
    assert refused.value.domain_code == "survey_template_default_stays"
    default.refresh_from_db()
    assert default.active


def test_a_types_template_can_be_switched_off(network):
    repair = save(network, work_order_type="repair")
    survey_template_activate(actor=network.hr.user, template=repair)
    survey_template_deactivate(actor=network.hr.user, template=repair)
    repair.refresh_from_db()
    assert not repair.active


# --- pages ---


def test_the_template_list_shows_each_template_and_its_state(client, network, django_assert_max_num_queries):
    default_template()
    save(network, name="维修专用", work_order_type="repair")
    login(client, network.hr)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("voice:survey_templates"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "标准满意度调查" in html and "维修专用" in html and 'data-active="yes"' in html


def test_the_list_stays_within_a_fixed_number_of_queries(client, network, django_assert_max_num_queries):
    for n in range(8):
        save(network, name=f"模板{n}")
    login(client, network.hr)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("voice:survey_templates")).status_code == 200


@pytest.mark.parametrize("who", ["tech", "manager", "cs_agent", "advisor"])
def test_people_who_do_not_manage_surveys_are_refused_the_pages(client, network, who):
    template = save(network)
    login(client, getattr(network, who))
    assert client.get(reverse("voice:survey_templates")).status_code == 403
    assert client.get(reverse("voice:survey_template_edit", args=[template.pk])).status_code == 403
    assert client.post(reverse("voice:survey_template_activate", args=[template.pk])).status_code == 403
    template.refresh_from_db()
    assert not template.active


def test_the_navigation_offers_survey_templates_to_hr_only(client, network):
    login(client, network.hr)
    assert 'data-nav="survey_templates"' in client.get(reverse("home")).content.decode()
    login(client, network.tech)
    assert 'data-nav="survey_templates"' not in client.get(reverse("home")).content.decode()


def editor_post(**extra):
    data = {
        "name": "保养专用",
        "name_en": "Maintenance survey",
        "work_order_type": "maintenance",
        "intro": "",
        "intro_en": "",
        "questions-TOTAL_FORMS": "3",
        "questions-INITIAL_FORMS": "0",
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "50",
        "questions-0-order": "1",
        "questions-0-code": "overall",
        "questions-0-kind": "rating",
        "questions-0-text": "总体满意度",
        "questions-0-text_en": "Overall satisfaction",
        "questions-0-required": "on",
        "questions-1-order": "2",
        "questions-1-code": "reason",
        "questions-1-kind": "choice",
        "questions-1-text": "来店原因",
        "questions-1-choices": "repair | 维修 | Repair\nservice | 保养 | Service",
        "questions-2-kind": "rating",
    }
    data.update(extra)
    return data


def test_the_editor_creates_a_template_and_skips_empty_rows(client, network):
    login(client, network.hr)
    response = client.post(reverse("voice:survey_template_create"), editor_post())
    template = SurveyTemplate.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "voice:survey_template_edit", args=[template.pk]
    )
    assert template.work_order_type == "maintenance"
    assert [q.code for q in template.questions.all()] == ["overall", "reason"]
    assert template.questions.get(code="reason").choices[1] == {
        "value": "service",
        "label": "保养",
        "label_en": "Service",
    }


def test_the_editor_shows_a_question_error_at_its_row_and_saves_nothing(client, network):
    login(client, network.hr)
    response = client.post(
        reverse("voice:survey_template_create"), editor_post(**{"questions-1-choices": ""})
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "at least two choices" in html and 'data-error-for="choices"' in html
    assert not SurveyTemplate.objects.exists()


def test_the_editor_opens_an_existing_template_with_its_questions(client, network):
    template = save(network)
    login(client, network.hr)
    html = client.get(reverse("voice:survey_template_edit", args=[template.pk])).content.decode()
    assert 'value="overall"' in html and "总体满意度" in html


def test_the_activate_button_activates(client, network):
    template = save(network)
    login(client, network.hr)
    response = client.post(reverse("voice:survey_template_activate", args=[template.pk]))
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.active


def test_the_preview_shows_the_questions_in_english(client, network):
    template = default_template()
    login(client, network.hr)
    html = client.get(
        reverse("voice:survey_template_preview", args=[template.pk]) + "?lang=en"
    ).content.decode()
    assert "Overall satisfaction" in html and "data-preview" in html


def test_an_unknown_template_is_404(client, network):
    login(client, network.hr)
    assert client.get(reverse("voice:survey_template_edit", args=[99999])).status_code == 404
