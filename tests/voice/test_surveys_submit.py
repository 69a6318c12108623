"""survey_submit: the customer's answer to an invitation (voice/services/surveys.py) —
stored once, checked field by field, refused for used, expired and cancelled links, with
nothing written on any refusal."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone, translation

from servicescore.core.errors import Conflict, Invalid, NotFound
from servicescore.core.models import AuditEntry
from servicescore.kpi.models import RecomputeRequest
from servicescore.voice.errors.surveys import Gone
from servicescore.voice.models import SurveyInvitation, SurveyResponse, SurveyTemplate
from servicescore.voice.services import surveys
from servicescore.voice.services.surveys import default_template, survey_submit

from .surveys_support import GOOD_ANSWERS, closed_order, invitation_for

pytestmark = pytest.mark.django_db

CHROME = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 MicroMessenger/8.0"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def invitation(network):
    return invitation_for(closed_order(network))


def submit(invitation, answers=None, **kwargs):
    return survey_submit(
        invitation_token=invitation.token,
        answers=GOOD_ANSWERS if answers is None else answers,
        ip="203.0.113.7",
        user_agent=CHROME,
        **kwargs,
    )


def nothing_written(invitation):
    invitation.refresh_from_db()
    return (
        not SurveyResponse.objects.exists()
        and invitation.response_id is None
        and invitation.state == SurveyInvitation.State.SENT
        and not AuditEntry.objects.filter(action="submit").exists()
    )


def test_a_response_is_stored_with_every_answer_and_the_answering_device(invitation):
    opened = timezone.now() - datetime.timedelta(minutes=2)
    SurveyInvitation.objects.filter(pk=invitation.pk).update(opened_at=opened)
    response = submit(invitation)
    assert (response.overall, response.attitude, response.quality, response.speed, response.nps) == (
        5,
        4,
        5,
        3,
        9,
    )
    assert response.comment == "很好"
    assert response.answers == {
        "overall": 5,
        "attitude": 4,
        "quality": 5,
        "speed": 3,
        "nps": 9,
        "comment": "很好",
    }
    assert response.channel == "sms" and response.ip == "203.0.113.7" and response.user_agent == CHROME
    assert len(response.device) == 64 and response.device == surveys.device_fingerprint(CHROME)
    assert response.opened_at == opened and response.work_order_id == invitation.work_order_id


def test_the_invitation_is_answered_and_linked_to_its_response(invitation):
    response = submit(invitation)
    invitation.refresh_from_db()
    assert invitation.response == response and invitation.state == SurveyInvitation.State.ANSWERED


def test_the_answer_is_audited_in_the_same_write(invitation):
    response = submit(invitation)
    entry = AuditEntry.objects.get(action="submit")
    assert entry.object_id == str(response.pk) and entry.changes["overall"] == [None, 5]


def test_the_response_language_is_the_invitations(network):
    invitation = invitation_for(closed_order(network), language="en")
    assert submit(invitation).language == "en"


def test_the_fraud_checks_screen_the_stored_response(invitation, monkeypatch):
    screened = []
    monkeypatch.setattr(surveys_fraud(), "screen_response", lambda *, response: screened.append(response.pk))
    response = submit(invitation)
    assert screened == [response.pk]


def test_a_failing_fraud_check_keeps_the_stored_answer(invitation, monkeypatch):
    def broken(*, response):
        raise RuntimeError("fraud check down")

    monkeypatch.setattr(surveys_fraud(), "screen_response", broken)
    response = submit(invitation)
    assert SurveyResponse.objects.filter(pk=response.pk).exists()
    invitation.refresh_from_db()
    assert invitation.state == SurveyInvitation.State.ANSWERED


def surveys_fraud():
    from servicescore.voice.services import fraud

    return fraud


def test_an_answer_given_seconds_after_opening_is_flagged_by_the_fraud_checks(invitation):
    now = timezone.now()
    SurveyInvitation.objects.filter(pk=invitation.pk).update(opened_at=now - datetime.timedelta(seconds=2))
    response = submit(invitation, now=now)
    response.refresh_from_db()
    assert SurveyResponse.Signal.FAST in response.flags


def test_the_kpi_engine_is_told_of_the_submission_day(invitation, settings):
    settings.KPI_AUTO_RECOMPUTE = True
    RecomputeRequest.objects.all().delete()
    response = submit(invitation)
    day = timezone.localtime(response.submitted_at).date()
    assert RecomputeRequest.objects.filter(group="responses", day=day).exists()


def test_optional_questions_may_be_left_out(invitation):
    answers = {k: v for k, v in GOOD_ANSWERS.items() if k not in ("nps", "comment")}
    response = submit(invitation, answers)
    assert response.nps is None and response.comment == "" and "nps" not in response.answers


@pytest.mark.parametrize("value", ["0", "6", "-1", "4.5", "five", 7])
def test_a_rating_out_of_range_is_refused_and_nothing_written(invitation, value):
    with pytest.raises(Invalid) as refused:
        submit(invitation, {**GOOD_ANSWERS, "quality": value})
    assert refused.value.domain_code == "survey_rating_out_of_range" and refused.value.field == "quality"
    assert nothing_written(invitation)


def test_an_nps_of_11_is_refused_and_nothing_written(invitation):
    with pytest.raises(Invalid) as refused:
        submit(invitation, {**GOOD_ANSWERS, "nps": "11"})
    assert refused.value.domain_code == "survey_nps_out_of_range" and refused.value.field == "nps"
    assert nothing_written(invitation)


def test_an_nps_of_0_is_accepted(invitation):
    assert submit(invitation, {**GOOD_ANSWERS, "nps": "0"}).nps == 0


def test_a_missing_required_answer_is_refused_at_its_question(invitation):
    answers = {k: v for k, v in GOOD_ANSWERS.items() if k != "attitude"}
    with pytest.raises(Invalid) as refused:
        submit(invitation, answers)
    assert refused.value.domain_code == "survey_answer_required" and refused.value.field == "attitude"
    assert nothing_written(invitation)


def test_every_wrong_answer_is_named_at_once(invitation):
    with pytest.raises(Invalid) as refused:
        submit(invitation, {**GOOD_ANSWERS, "overall": "9", "nps": "11"})
    codes = {item["field"]: item["code"] for item in refused.value.items()}
    assert codes == {"overall": "survey_rating_out_of_range", "nps": "survey_nps_out_of_range"}


def test_a_100_kb_comment_is_refused_and_nothing_written(invitation):
    with pytest.raises(Invalid) as refused:
        submit(invitation, {**GOOD_ANSWERS, "comment": "很" * 100_000})
    assert refused.value.domain_code == "survey_text_too_long" and refused.value.field == "comment"
    assert nothing_written(invitation)


def test_a_comment_of_2000_characters_is_accepted(invitation):
    assert len(submit(invitation, {**GOOD_ANSWERS, "comment": "好" * 2000}).comment) == 2000


def test_script_tags_in_a_comment_are_stored_as_text(invitation):
    comment = "<script>alert('x')</script> 很好"
    assert (
        SurveyResponse.objects.get(pk=submit(invitation, {**GOOD_ANSWERS, "comment": comment}).pk).comment
        == comment
    )


def test_an_answer_to_a_question_the_survey_does_not_ask_is_refused(invitation):
    with pytest.raises(Invalid) as refused:
        submit(invitation, {**GOOD_ANSWERS, "salary": "5"})
    assert refused.value.domain_code == "survey_question_unknown"
    assert nothing_written(invitation)


def test_a_choice_outside_the_questions_choices_is_refused(network, invitation):
    template = default_template(invitation.work_order)
    template.questions.create(
        order=9,
        code="visit_reason",
        kind="choice",
        text="来店原因",
        required=True,
        choices=[{"value": "repair", "label": "维修"}, {"value": "service", "label": "保养"}],
    )
    with pytest.raises(Invalid) as refused:
        submit(invitation, {**GOOD_ANSWERS, "visit_reason": "wash"})
    assert refused.value.domain_code == "survey_choice_unknown"
    assert (
        submit(invitation, {**GOOD_ANSWERS, "visit_reason": "service"}).answers["visit_reason"] == "service"
    )


def test_a_second_submission_on_the_same_token_is_refused(invitation):
    submit(invitation)
    with pytest.raises(Conflict) as refused:
        submit(invitation, {**GOOD_ANSWERS, "overall": "1"})
    assert refused.value.domain_code == "survey_already_answered"
    assert SurveyResponse.objects.get().overall == 5
    assert AuditEntry.objects.filter(action="submit").count() == 1


def test_a_token_for_a_cancelled_work_order_is_refused_and_nothing_written(network):
    invitation = invitation_for(closed_order(network, state="cancelled"))
    with pytest.raises(Gone) as refused:
        submit(invitation)
    assert refused.value.domain_code == "survey_cancelled" and refused.value.status == 410
    assert nothing_written(invitation)


def test_a_cancelled_invitation_is_refused(network):
    invitation = invitation_for(closed_order(network), state=SurveyInvitation.State.CANCELLED)
    with pytest.raises(Gone) as refused:
        submit(invitation)
    assert refused.value.domain_code == "survey_cancelled"
    assert not SurveyResponse.objects.exists()


def test_an_invitation_past_its_expiry_is_refused(network):
    invitation = invitation_for(
        closed_order(network), expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    with pytest.raises(Gone) as refused:
        submit(invitation)
    assert refused.value.domain_code == "survey_expired"
    assert not SurveyResponse.objects.exists()


def test_an_invitation_marked_expired_is_refused(network):
    invitation = invitation_for(closed_order(network), state=SurveyInvitation.State.EXPIRED)
    with pytest.raises(Gone):
        submit(invitation)


@pytest.mark.parametrize("token", ["", "no-such-token", "x" * 500])
def test_an_unknown_token_is_refused(network, token):
    with pytest.raises(NotFound) as refused:
        survey_submit(invitation_token=token, answers=GOOD_ANSWERS, ip=None, user_agent="")
    assert refused.value.domain_code == "survey_token_unknown"


def test_the_invitations_own_template_asks_the_questions(network, invitation):
    template = SurveyTemplate.objects.create(name="简版")
    template.questions.create(order=1, code="overall", kind="rating", text="总体", required=True)
    SurveyInvitation.objects.filter(pk=invitation.pk).update(template=template)
    response = submit(invitation, {"overall": "4"})
    assert response.answers == {"overall": 4}


@pytest.mark.django_db(transaction=True)
def test_two_submissions_at_once_store_one_response(network):
    invitation = invitation_for(closed_order(network))
    default_template(invitation.work_order)
    barrier = threading.Barrier(2)
    outcomes = []

    def answer(overall):
        translation.activate("en")
        try:
            barrier.wait()
            submit(invitation, {**GOOD_ANSWERS, "overall": overall})
            outcomes.append("ok")
        except Conflict as refused:
            outcomes.append(refused.domain_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=answer, args=(value,)) for value in ("5", "1")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["ok", "survey_already_answered"], outcomes
    assert SurveyResponse.objects.count() == 1
