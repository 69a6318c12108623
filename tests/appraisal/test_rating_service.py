"""Saving manual ratings (appraisal.services.ratings.save_ratings): every entry checked,
all or nothing, audited per rating, cleared entries deleted, unchanged ones left alone,
and the rated people's scorecards recomputed."""

import pytest

from servicescore.appraisal.errors import RatingsInvalid, RatingsNotFound, RatingsRefused
from servicescore.appraisal.models import Scorecard
from servicescore.appraisal.services.ratings import RatingEntry, save_ratings
from servicescore.core.errors import Invalid, Refused
from servicescore.core.models import AuditEntry
from servicescore.kpi.models import ManualRating, RecomputeRequest

from .ratings import PERIOD, manual_scheme, other_foreman

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheme(network):
    return manual_scheme()


def entry(person, code="COMPLIANCE", rating=4, comment=""):
    return RatingEntry(employee_no=person.employee_no, indicator=code, rating=rating, comment=comment)


def save(by, *entries, period=PERIOD):
    return save_ratings(user=by.user, period=period, entries=list(entries))


def codes_of(error):
    return [
        (problem.index, problem.employee_no, problem.indicator, problem.code) for problem in error.problems
    ]


def test_a_foreman_saves_a_batch_for_his_team(network, scheme):
    saved = save(
        network.foreman,
        entry(network.tech, "COMPLIANCE", 4),
        entry(network.tech, "TEAMWORK", 5, "helped the new apprentice all month"),
        entry(network.tech_colleague, "COMPLIANCE", 2, "skipped the pre-delivery checklist twice"),
    )
    assert (saved.created, saved.changed, saved.deleted) == (3, 0, 0)
    stored = ManualRating.objects.filter(reviewer=network.foreman, period=PERIOD)
    assert sorted(stored.values_list("employee__employee_no", "indicator", "rating")) == [
        ("T1", "COMPLIANCE", 4),
        ("T1", "TEAMWORK", 5),
        ("T2", "COMPLIANCE", 2),
    ]


def test_each_rating_written_has_its_audit_entry(network, scheme):
    save(network.foreman, entry(network.tech, "COMPLIANCE", 4), entry(network.tech, "TEAMWORK", 3))
    entries = AuditEntry.objects.filter(content_type__model="manualrating", action="create")
    assert entries.count() == 2
    first = entries.get(object_id=str(ManualRating.objects.get(indicator="COMPLIANCE").pk))
    assert first.actor == network.foreman.user and first.changes["rating"] == [None, 4]


def test_a_changed_rating_is_updated_and_audited_with_old_and_new(network, scheme):
    save(network.foreman, entry(network.tech, rating=4))
    saved = save(network.foreman, entry(network.tech, rating=5, comment="flawless audits"))
    assert (saved.created, saved.changed) == (0, 1)
    update = AuditEntry.objects.get(content_type__model="manualrating", action="update")
    assert update.changes == {"comment": ["", "flawless audits"], "rating": [4, 5]}


def test_an_unchanged_rating_is_not_rewritten(network, scheme):
    save(network.foreman, entry(network.tech, rating=4))
    queued = RecomputeRequest.objects.count()
    saved = save(network.foreman, entry(network.tech, rating=4))
    assert (saved.saved, saved.unchanged) == (0, 1)
    assert AuditEntry.objects.filter(content_type__model="manualrating").count() == 1
    assert RecomputeRequest.objects.count() == queued


def test_a_cleared_entry_deletes_the_reviewers_rating_only(network, scheme):
    save(network.foreman, entry(network.tech, rating=4))
    save(network.manager, entry(network.tech, rating=3))
    saved = save(network.foreman, entry(network.tech, rating=""))
    assert saved.deleted == 1
    assert list(ManualRating.objects.values_list("reviewer__employee_no", flat=True)) == ["M1"]
    assert AuditEntry.objects.filter(content_type__model="manualrating", action="delete").count() == 1


def test_a_batch_queues_the_recompute_and_the_scorecard_follows(
    network, scheme, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        save(network.foreman, entry(network.tech, "COMPLIANCE", 4), entry(network.tech, "TEAMWORK", 3))
    card = Scorecard.objects.get(employee=network.tech, period=PERIOD)
    compliance = next(line for line in card.items if line["indicator"] == "COMPLIANCE")
    assert compliance["value"] == 4 and not compliance["no_data"]
    assert not RecomputeRequest.objects.exists()  # the queue was drained inline
    with django_capture_on_commit_callbacks(execute=True):
        save(network.foreman, entry(network.tech, "COMPLIANCE", 2, "late reports"))
    card = Scorecard.objects.get(employee=network.tech, period=PERIOD)
    assert next(line for line in card.items if line["indicator"] == "COMPLIANCE")["value"] == 2


def test_only_the_people_rated_are_queued(network, scheme):
    save(network.foreman, entry(network.tech, rating=4))
    assert list(RecomputeRequest.objects.values_list("period", "employee")) == [(PERIOD, network.tech.pk)]


@pytest.mark.parametrize("rating", [0, 6, "x", "3.5", True, -1])
def test_a_rating_outside_1_to_5_is_refused_and_nothing_written(network, scheme, rating):
    with pytest.raises(RatingsInvalid) as error:
        save(network.foreman, entry(network.tech_colleague, rating=4), entry(network.tech, rating=rating))
    assert codes_of(error.value) == [(1, "T1", "COMPLIANCE", "rating_value")]
    assert error.value.status == 422
    assert not ManualRating.objects.exists() and not AuditEntry.objects.exists()
    assert not RecomputeRequest.objects.exists()


@pytest.mark.parametrize("rating", [1, 2, 5])
def test_a_rating_below_3_or_of_5_needs_a_comment(network, scheme, rating):
    with pytest.raises(RatingsInvalid) as error:
        save(network.foreman, entry(network.tech, rating=rating, comment="   "))
    assert codes_of(error.value) == [(0, "T1", "COMPLIANCE", "rating_comment")]
    assert error.value.problems[0].field == "comment"
    assert not ManualRating.objects.exists()


def test_a_comment_without_a_rating_is_refused(network, scheme):
    with pytest.raises(RatingsInvalid) as error:
        save(network.foreman, entry(network.tech, rating="", comment="great"))
    assert codes_of(error.value) == [(0, "T1", "COMPLIANCE", "rating_missing")]


def test_an_item_not_in_the_persons_scheme_is_refused(network, scheme):
    with pytest.raises(RatingsInvalid) as error:
        save(network.foreman, entry(network.tech, "INNOVATION", 4), entry(network.tech, "FTFR", 4))
    assert [p[3] for p in codes_of(error.value)] == ["rating_not_in_scheme", "rating_not_in_scheme"]
    assert not ManualRating.objects.exists()


def test_a_person_whose_scheme_has_no_manual_items_has_no_item_to_rate(network, scheme):
    with pytest.raises(RatingsInvalid) as error:
        save(network.manager, entry(network.advisor, rating=4))
    assert codes_of(error.value) == [(0, "A1", "COMPLIANCE", "rating_not_in_scheme")]


def test_every_bad_entry_is_reported_with_its_person_and_item(network, scheme):
    with pytest.raises(RatingsInvalid) as error:
        save(
            network.foreman,
            entry(network.tech, "COMPLIANCE", 9),
            entry(network.tech, "TEAMWORK", 4),
            entry(network.tech_colleague, "TEAMWORK", 1),
            entry(network.tech, "COMPLIANCE", 4),
        )
    assert codes_of(error.value) == [
        (0, "T1", "COMPLIANCE", "rating_value"),
        (2, "T2", "TEAMWORK", "rating_comment"),
        (3, "T1", "COMPLIANCE", "rating_repeated"),
    ]
    assert {item["field"] for item in error.value.items()} == {
        "ratings.0.rating",
        "ratings.2.comment",
        "ratings.3.indicator",
    }
    assert not ManualRating.objects.exists()


def test_a_foreman_of_another_team_cannot_rate_and_nothing_is_written(network, scheme):
    outsider = other_foreman(network)
    with pytest.raises(RatingsNotFound) as error:
        save(outsider, entry(network.tech_other_team, rating=4), entry(network.tech, rating=4))
    assert codes_of(error.value) == [(1, "T1", "COMPLIANCE", "ratee_not_found")]
    assert error.value.status == 404
    assert not ManualRating.objects.exists()


def test_an_unknown_person_is_not_found(network, scheme):
    with pytest.raises(RatingsNotFound) as error:
        save(network.foreman, entry(network.tech, rating=4), RatingEntry("NOPE", "COMPLIANCE", 4))
    assert codes_of(error.value) == [(1, "NOPE", "COMPLIANCE", "ratee_not_found")]
    assert not ManualRating.objects.exists()


def test_a_reviewer_cannot_rate_himself(network, scheme):
    manual_scheme(position="foreman")
    with pytest.raises(RatingsRefused) as error:
        save(network.foreman, entry(network.foreman, rating=4))
    assert codes_of(error.value) == [(0, "F1", "COMPLIANCE", "rating_self")]
    assert error.value.status == 403 and not ManualRating.objects.exists()


def test_a_manager_rates_the_foreman_below_him(network, scheme):
    manual_scheme(position="foreman")
    assert save(network.manager, entry(network.foreman, rating=3)).created == 1


@pytest.mark.parametrize("period", ["2026-13", "2026/10", "", "2026-Q4"])
def test_a_malformed_period_is_refused(network, scheme, period):
    with pytest.raises(Invalid) as error:
        save(network.foreman, entry(network.tech, rating=4), period=period)
    assert error.value.domain_code == "period_format" and error.value.field == "period"
    assert not ManualRating.objects.exists()


def test_a_month_not_started_is_refused(network, scheme):
    with pytest.raises(Invalid) as error:
        save(network.foreman, entry(network.tech, rating=4), period="2999-01")
    assert error.value.domain_code == "rating_future_period"
    assert not ManualRating.objects.exists()


def test_the_running_month_may_be_rated(network, scheme):
    from django.utils import timezone

    from servicescore.core.periods import month_of

    assert save(network.foreman, entry(network.tech, rating=4), period=month_of(timezone.now())).created == 1


@pytest.mark.parametrize("who", ["tech", "dispatcher", "auditor"])
def test_a_role_that_does_not_rate_is_refused(network, scheme, who):
    person = getattr(network, who)
    with pytest.raises(Refused) as error:
        save_ratings(
            user=getattr(person, "user", person), period=PERIOD, entries=[entry(network.tech, rating=4)]
        )
    assert error.value.domain_code == "raters_only"
    assert not ManualRating.objects.exists()


def test_an_account_without_an_employee_record_cannot_sign_ratings(network, scheme):
    from ..factories import UserFactory

    admin = UserFactory(username="root", role="admin")
    with pytest.raises(Refused) as error:
        save_ratings(user=admin, period=PERIOD, entries=[entry(network.tech, rating=4)])
    assert error.value.domain_code == "reviewer_without_employee"
