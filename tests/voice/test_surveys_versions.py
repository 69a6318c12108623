"""Survey template versions (voice/services/surveys.py): once a template was sent or
answered its questions are frozen; editing it makes the family's next version, a draft
that replaces it when activated (the old one retired); invitations and responses keep the
version they were sent and answered with, and the order's page shows each answer under
the wording it was answered against."""

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation

from servicescore.core.audit import history_of
from servicescore.core.errors import Refused
from servicescore.voice.models import SurveyQuestion, SurveyTemplate
from servicescore.voice.services.invitations import invitation_schedule
from servicescore.voice.services.surveys import (
    survey_submit,
    survey_template_activate,
    survey_template_save,
)

from ..conftest import login
from .invitations_support import completed_order
from .surveys_support import clear_rate_limits, closed_order, invitation_for

pytestmark = pytest.mark.django_db

OVERALL = {"code": "overall", "kind": "rating", "text": "总体满意度", "text_en": "Overall", "required": True}
REWORDED = {**OVERALL, "text": "您对本次服务满意吗", "text_en": "Were you happy with the service"}
REASON = {
    "code": "reason",
    "kind": "choice",
    "text": "来店原因",
    "text_en": "Why you came",
    "required": False,
    "choices": [
        {"value": "repair", "label": "维修", "label_en": "Repair"},
        {"value": "service", "label": "保养", "label_en": "Service"},
    ],
}


@pytest.fixture(autouse=True)
def english():
    clear_rate_limits()
    with translation.override("en"):
        yield


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def save(network, template=None, questions=(OVERALL, REASON), **fields):
    return survey_template_save(
        actor=network.hr.user,
        template=template,
        name=fields.pop("name", "标准调查"),
        questions=list(questions),
        **fields,
    )


def active_template(network, **fields):
    template = save(network, **fields)
    survey_template_activate(actor=network.hr.user, template=template)
    return template


def wording(template):
    return [(q.code, q.text, q.text_en) for q in template.questions.order_by("order", "pk")]


def sent(network, template):
    """A closed order whose sent invitation names `template`."""
    return invitation_for(closed_order(network), template=template)


# --- the service ----------------------------------------------------------------------------


def test_editing_a_sent_template_makes_a_new_draft_version_and_leaves_the_old_intact(network):
    first = active_template(network)
    sent(network, first)
    before = wording(first)
    second = save(network, first, questions=(REWORDED, REASON), name="标准调查（新）")
    first.refresh_from_db()
    assert second.pk != first.pk
    assert (second.version, second.previous_id, second.family_id, second.active) == (
        2,
        first.pk,
        first.pk,
        False,
    )
    assert wording(first) == before and first.name == "标准调查" and first.active
    assert wording(second)[0] == ("overall", "您对本次服务满意吗", "Were you happy with the service")


def test_editing_an_answered_template_makes_a_new_version_too(network):
    first = active_template(network)
    invitation = sent(network, first)
    survey_submit(
        invitation_token=invitation.token, answers={"overall": "4"}, ip="198.51.100.7", user_agent="phone"
    )
    invitation.template = None
    invitation.save(update_fields=["template"])  # only the response still names it
    second = save(network, first, questions=(REWORDED,))
    assert second.pk != first.pk and wording(first)[0][1] == "总体满意度"


def test_editing_an_unused_draft_edits_it_in_place(network):
    draft = save(network)
    edited = save(network, draft, questions=(REWORDED,))
    assert edited.pk == draft.pk and edited.version == 1
    assert SurveyTemplate.objects.count() == 1
    assert wording(edited) == [("overall", "您对本次服务满意吗", "Were you happy with the service")]


def test_a_new_version_is_audited_with_its_number_and_questions(network):
    first = active_template(network)
    sent(network, first)
    second = save(network, first, questions=(REWORDED,))
    entry = history_of(second).get(action="new_version")
    assert entry.actor == network.hr.user
    assert entry.changes["version"] == [None, 2] and entry.changes["previous"] == [None, first.pk]
    assert entry.changes["questions"][1][0]["text"] == "您对本次服务满意吗"
    assert not history_of(first).filter(action__in=["update", "new_version"]).exists()


def test_versions_are_numbered_in_their_family(network):
    first = active_template(network)
    sent(network, first)
    second = save(network, first, questions=(REWORDED,))
    third = save(network, first, questions=(OVERALL,))
    assert (second.version, third.version) == (2, 3)
    assert third.family_id == first.pk and third.previous_id == first.pk


def test_activating_the_new_version_retires_the_old_one(network):
    first = active_template(network)
    sent(network, first)
    second = save(network, first, questions=(REWORDED,))
    survey_template_activate(actor=network.hr.user, template=second)
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.active and second.retired_at is None
    assert not first.active and first.retired_at is not None
    assert history_of(first).get(action="retire").changes["active"] == [True, False]
    assert history_of(second).filter(action="activate").count() == 1


def test_a_version_moved_to_another_type_still_retires_the_old_one(network):
    first = active_template(network)
    sent(network, first)
    second = save(network, first, questions=(REWORDED,), work_order_type="maintenance")
    survey_template_activate(actor=network.hr.user, template=second)
    first.refresh_from_db()
    assert not first.active and first.retired_at is not None


def test_only_one_template_is_active_per_type(network):
    first = active_template(network)
    sent(network, first)
    second = save(network, first, questions=(REWORDED,))
    other = save(network, name="另一个")
    survey_template_activate(actor=network.hr.user, template=second)
    survey_template_activate(actor=network.hr.user, template=other)
    assert list(SurveyTemplate.objects.filter(active=True, work_order_type="")) == [other]
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyTemplate.objects.filter(pk=second.pk).update(active=True)


def test_an_invitation_keeps_its_version_and_new_ones_get_the_active_one(network):
    first = active_template(network)
    kept = sent(network, first)
    second = save(network, first, questions=(REWORDED,))
    survey_template_activate(actor=network.hr.user, template=second)
    kept.refresh_from_db()
    assert kept.template_id == first.pk
    order = completed_order(network)
    order.state, order.closed_at = "closed", order.completed_at
    order.save()
    assert invitation_schedule(order=order).template_id == second.pk


def test_a_response_keeps_the_version_it_was_answered_with(network):
    first = active_template(network)
    invitation = sent(network, first)
    second = save(network, first, questions=(REWORDED,))
    survey_template_activate(actor=network.hr.user, template=second)
    response = survey_submit(
        invitation_token=invitation.token, answers={"overall": "4"}, ip="198.51.100.7", user_agent="phone"
    )
    assert response.template_id == first.pk


def test_a_non_manager_cannot_edit_a_template_and_nothing_is_written(network):
    first = active_template(network)
    sent(network, first)
    count = SurveyTemplate.objects.count()
    with pytest.raises(Refused):
        survey_template_save(actor=network.manager.user, template=first, name="x", questions=[REWORDED])
    assert SurveyTemplate.objects.count() == count and wording(first)[0][1] == "总体满意度"


# --- the pages ------------------------------------------------------------------------------


def editor_post(template, text):
    questions = list(template.questions.order_by("order", "pk"))
    data = {
        "name": template.name,
        "name_en": template.name_en,
        "work_order_type": template.work_order_type,
        "intro": "",
        "intro_en": "",
        "questions-TOTAL_FORMS": str(len(questions)),
        "questions-INITIAL_FORMS": str(len(questions)),
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "50",
    }
    for index, question in enumerate(questions):
        data.update(
            {
                f"questions-{index}-order": str(question.order),
                f"questions-{index}-code": question.code,
                f"questions-{index}-kind": question.kind,
                f"questions-{index}-text": text if question.code == "overall" else question.text,
                f"questions-{index}-text_en": question.text_en,
                f"questions-{index}-required": "on" if question.required else "",
                f"questions-{index}-choices": "\n".join(
                    f"{c['value']} | {c['label']} | {c['label_en']}" for c in question.choices
                ),
            }
        )
    return data


def test_the_editor_of_a_sent_template_says_it_is_frozen(client, network):
    first = active_template(network)
    sent(network, first)
    login(client, network.hr)
    html = client.get(reverse("voice:survey_template_edit", args=[first.pk])).content.decode()
    assert "data-frozen" in html and "Save as a new version" in html and 'data-version="1"' in html


def test_saving_a_sent_template_in_the_editor_opens_the_new_version(client, network):
    first = active_template(network)
    sent(network, first)
    login(client, network.hr)
    response = client.post(
        reverse("voice:survey_template_edit", args=[first.pk]), editor_post(first, "新的措辞"), follow=True
    )
    second = SurveyTemplate.objects.get(version=2)
    assert response.redirect_chain[-1][0] == reverse("voice:survey_template_edit", args=[second.pk])
    html = response.content.decode()
    assert "your changes are version 2" in html and 'data-version="2"' in html
    assert wording(first)[0][1] == "总体满意度" and wording(second)[0][1] == "新的措辞"


def test_the_list_shows_versions_and_which_are_retired(client, network, django_assert_max_num_queries):
    first = active_template(network)
    sent(network, first)
    second = save(network, first, questions=(REWORDED,))
    survey_template_activate(actor=network.hr.user, template=second)
    login(client, network.hr)
    with django_assert_max_num_queries(12):
        html = client.get(reverse("voice:survey_templates")).content.decode()
    assert 'data-version="2"' in html and "data-retired" in html and "data-frozen" in html


@pytest.mark.parametrize("who", ["tech", "manager", "advisor"])
def test_people_who_do_not_manage_surveys_cannot_edit_and_nothing_is_written(client, network, who):
    first = active_template(network)
    sent(network, first)
    login(client, getattr(network, who))
    response = client.post(reverse("voice:survey_template_edit", args=[first.pk]), editor_post(first, "偷改"))
    assert response.status_code == 403
    assert SurveyTemplate.objects.count() == 1 and wording(first)[0][1] == "总体满意度"


def test_the_orders_page_shows_the_answers_under_the_wording_they_were_answered_against(client, network):
    first = active_template(network)
    invitation = sent(network, first)
    survey_submit(
        invitation_token=invitation.token,
        answers={"overall": "4", "reason": "service"},
        ip="198.51.100.7",
        user_agent="phone",
    )
    second = save(network, first, questions=(REWORDED, REASON))
    survey_template_activate(actor=network.hr.user, template=second)
    SurveyQuestion.objects.filter(template=second, code="reason").update(text_en="Reason of your visit")
    login(client, network.manager)
    html = client.get(reverse("workorders:detail", args=[invitation.work_order_id])).content.decode()
    assert 'data-answer="overall"' in html and ">Overall</dt>" in html
    assert "Were you happy with the service" not in html and "Reason of your visit" not in html
    assert ">Why you came</dt>" in html and "<strong>Service</strong>" in html
    assert "The questions as the customer saw them (version 1)" in html
