"""Saving a reviewer's manual ratings (kpi-library.md, Manual ratings): a batch of
1–5 ratings with their comments for one month, checked entry by entry and written all or
nothing, one audit entry per rating created, changed or deleted, then the recompute of
the rated people's month queued so their scorecards follow.

The rating page and the API call `save_ratings` alike. An entry whose rating is empty
clears the reviewer's rating of that item (deletes it); an entry equal to what is stored
is left alone (no write, no audit entry)."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicescore.core.audit import audit_bulk, diff, snapshot
from servicescore.core.errors import Conflict, Refused
from servicescore.kpi.errors import RATING_COMMENT
from servicescore.kpi.models import ManualRating
from servicescore.kpi.registry import INDICATORS, MANUAL_RATINGS
from servicescore.kpi.services.recompute import request_recompute
from servicescore.org.models import Employee
from servicescore.org.scope import visible_appraisees

from ..errors import (
    RATEE_NOT_FOUND,
    RATERS_ONLY,
    RATING_MISSING,
    RATING_NOT_IN_SCHEME,
    RATING_REPEATED,
    RATING_SELF,
    RATING_VALUE,
    REVIEWER_WITHOUT_EMPLOYEE,
    RatingProblem,
    ratings_refusal,
)
from ..policy import may_rate, may_rate_people
from ..selectors.ratings import ratable_people, rating_month, reviewer_of
from ..selectors.schemes import indicator_text

AUDITED_FIELDS = ["employee", "period", "indicator", "reviewer", "rating", "comment"]
COMMENT_MAX_LENGTH = 2000


@dataclass(frozen=True)
class RatingEntry:
    """One cell of a batch: the person (employee number), the item (indicator code), the
    rating (1–5; None or "" clears it) and the comment."""

    employee_no: str
    indicator: str
    rating: object = None
    comment: str = ""


@dataclass(frozen=True)
class SavedRatings:
    """What a batch changed: counts of ratings created, changed, deleted and left as they
    were, and the ids of the people whose month is recomputed."""

    created: int
    changed: int
    deleted: int
    unchanged: int
    employee_ids: tuple[int, ...] = ()

    @property
    def saved(self) -> int:
        return self.created + self.changed + self.deleted


def parse_rating(value) -> int | None:
    """A rating as given (an int, or text from a form or JSON) → 1–5, or None for a cleared
    one; ValueError for anything else."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    else:
        raise ValueError(value)
    if not 1 <= number <= 5:
        raise ValueError(value)
    return number


def _entry_problems(entries) -> tuple[list[RatingProblem], list[tuple[int, RatingEntry, int | None, str]]]:
    """The rules each entry keeps on its own: the rating 1–5, the comment rule (below 3 or
    at 5), a comment only with a rating, each person and item once. Returns the problems
    and the entries parsed as (index, entry, rating, comment)."""
    problems, parsed, seen = [], [], set()
    for index, entry in enumerate(entries):
        employee_no, code = str(entry.employee_no or "").strip(), str(entry.indicator or "").strip()
        comment = str(entry.comment or "").strip()
        wrong = None
        try:
            rating = parse_rating(entry.rating)
        except ValueError:
            rating, wrong = None, ("rating", _("Choose a rating from 1 to 5."), RATING_VALUE)
        if (employee_no, code) in seen:
            wrong = ("indicator", _("This person and item are given twice."), RATING_REPEATED)
        elif wrong:
            pass
        elif len(comment) > COMMENT_MAX_LENGTH:
            message = _("The comment is longer than %(max)d characters.") % {"max": COMMENT_MAX_LENGTH}
            wrong = ("comment", message, "invalid")
        elif rating is None and comment:
            message = _("A comment needs a rating: choose 1–5, or clear the comment.")
            wrong = ("rating", message, RATING_MISSING)
        elif rating is not None and (rating < 3 or rating == 5) and not comment:
            wrong = ("comment", _("A rating below 3 or of 5 needs a comment."), RATING_COMMENT)
        seen.add((employee_no, code))
        if wrong:
            problems.append(RatingProblem(index, employee_no, code, *wrong))
        else:
            parsed.append((index, entry, rating, comment))
    return problems, parsed


def save_ratings(*, user, period: str, entries: list[RatingEntry]) -> SavedRatings:
    """Check every entry of the reviewer's batch for the month and write them all or none
    (any bad entry: a coded error listing every problem with its person and item — 404
    when a person is unknown or out of scope, 403 for the reviewer himself, else 422).
    Audited per rating in the same transaction; the rated people's month is recomputed
    after the commit."""
    if not may_rate_people(user):
        raise Refused(
            _("Only team leads, service managers, HR and administrators rate people's manual items."),
            code=RATERS_ONLY,
        )
    reviewer = reviewer_of(user)
    if reviewer is None:
        raise Refused(
            _("Your account has no employee record, so it cannot sign ratings; ask HR to link one."),
            code=REVIEWER_WITHOUT_EMPLOYEE,
        )
    month = rating_month(period)
    entries = list(entries)
    problems, parsed = _entry_problems(entries)
    numbers = {str(entry.employee_no or "").strip() for entry in entries}
    ratees = {
        ratee.employee.employee_no: ratee
        for ratee in ratable_people(user, reviewer, month, employee_nos=numbers - {reviewer.employee_no})
    }
    unrated = {str(entry.employee_no).strip() for _index, entry, *_rest in parsed} - set(ratees)
    in_scope = _in_scope(user, reviewer, unrated - {reviewer.employee_no})
    checked = []
    for index, entry, rating, comment in parsed:
        employee_no, code = str(entry.employee_no).strip(), str(entry.indicator).strip()
        ratee = ratees.get(employee_no)
        if employee_no == reviewer.employee_no:
            message, code_, field = _("You cannot rate yourself."), RATING_SELF, "employee_no"
        elif ratee is None and employee_no not in in_scope:
            message, code_, field = _("No such person you may rate."), RATEE_NOT_FOUND, "employee_no"
        elif ratee is None or code not in ratee.codes:
            message = _("%(item)s is not a manual item of this person's scheme for %(period)s.") % {
                "item": indicator_text(code, {**INDICATORS, **MANUAL_RATINGS}),
                "period": month.code,
            }
            code_, field = RATING_NOT_IN_SCHEME, "indicator"
        else:
            checked.append((ratee.employee, code, rating, comment))
            continue
        problems.append(RatingProblem(index, employee_no, code, field, message, code_))
    if problems:
        raise ratings_refusal(sorted(problems, key=lambda problem: problem.index))
    try:
        return _write(user, reviewer, month.code, checked)
    except IntegrityError:
        raise Conflict(
            _("Someone saved the same ratings at the same moment; nothing was saved. Reload and try again."),
        ) from None


def _in_scope(user, reviewer, employee_nos: set[str]) -> set[str]:
    """Which of these employee numbers (people with no manual item to rate) the reviewer
    may rate nonetheless: for them an item is "not in the scheme" rather than the person
    "not found". One query, when there is any."""
    if not employee_nos:
        return set()
    people = (
        visible_appraisees(user)
        .filter(status=Employee.Status.ACTIVE, employee_no__in=sorted(employee_nos))
        .exclude(pk=reviewer.pk)
        .select_related("org_unit")
    )
    return {person.employee_no for person in people if may_rate(user, person)}


@transaction.atomic
def _write(user, reviewer, period_code: str, checked) -> SavedRatings:
    """Create, change and delete the reviewer's ratings as `checked` says (already
    validated), with their audit entries; queue the recompute."""
    people = {employee.pk for employee, *_rest in checked}
    codes = {code for _employee, code, *_rest in checked}
    stored = {
        (rating.employee_id, rating.indicator): rating
        for rating in ManualRating.objects.select_for_update().filter(
            period=period_code, reviewer=reviewer, employee__in=people, indicator__in=codes
        )
    }
    created, changed, deleted, unchanged = [], [], [], 0
    before: dict[int, dict] = {}
    now = timezone.now()
    for employee, code, rating, comment in checked:
        current = stored.get((employee.pk, code))
        if rating is None:
            if current is not None:
                deleted.append(current)
            continue
        if current is None:
            created.append(
                ManualRating(
                    employee=employee,
                    period=period_code,
                    indicator=code,
                    reviewer=reviewer,
                    rating=rating,
                    comment=comment,
                )
            )
        elif current.rating != rating or current.comment != comment:
            before[current.pk] = snapshot(current, AUDITED_FIELDS)
            current.rating, current.comment, current.modified = rating, comment, now
            changed.append(current)
        else:
            unchanged += 1
    if created:
        ManualRating.objects.bulk_create(created)
        audit_bulk(
            actor=user,
            action="create",
            objects=created,
            changes_of=lambda rating: diff({}, snapshot(rating, AUDITED_FIELDS)),
        )
    if changed:
        ManualRating.objects.bulk_update(changed, ["rating", "comment", "modified"])
        audit_bulk(
            actor=user,
            action="update",
            objects=changed,
            changes_of=lambda rating: diff(before[rating.pk], snapshot(rating, AUDITED_FIELDS)),
        )
    if deleted:
        # the entries first: they name the rows by their ids
        audit_bulk(
            actor=user,
            action="delete",
            objects=deleted,
            changes_of=lambda rating: diff(snapshot(rating, AUDITED_FIELDS), {}),
        )
        ManualRating.objects.filter(pk__in=[rating.pk for rating in deleted]).delete()
    touched = sorted({rating.employee_id for rating in created + changed + deleted})
    request_recompute(period_code, touched)
    return SavedRatings(len(created), len(changed), len(deleted), unchanged, tuple(touched))
