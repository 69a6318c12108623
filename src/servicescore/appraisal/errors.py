"""The error codes of appraisal (core/errors.py): what the scheme services and the policy
refuse, each declared once with its status and meaning. A refusal keeps its problems
(`Problem`: the item's index, the field, the sentence and the code) so that the editor
puts each on its row; the API answers `{code, message, field}` with the status, the
field of an item's problem being `items.<index>.<field>`.
"""

from typing import NamedTuple

from django.core.exceptions import ValidationError

from servicescore.core.errors import Conflict, Invalid, NotFound, Refused, declare, error_items

AREA = "appraisal"


class Problem(NamedTuple):
    """One thing wrong with a scheme version or a change to it: the item's index (None: the
    version as a whole), the field to blame, the sentence, and a stable code."""

    item: int | None
    field: str
    message: str
    code: str = "invalid"


# --- who may -------------------------------------------------------------------------------
SCHEME_EDITORS_ONLY = declare(
    "scheme_editors_only",
    Refused,
    "Only service managers, HR and administrators edit appraisal schemes (templates).",
    area=AREA,
)
COMPANY_WIDE_SCHEME = declare(
    "company_wide_scheme",
    Refused,
    "A scheme that applies to the whole company is changed only by those who see the whole company.",
    area=AREA,
)
UNIT_OUT_OF_SCOPE = declare(
    "unit_out_of_scope", Refused, "The org unit is outside the caller's part of the organisation.", area=AREA
)

# --- the version's state and concurrent writes ---------------------------------------------
VERSION_NOT_DRAFT = declare(
    "version_not_draft", Conflict, "Only a draft version can be edited or activated.", area=AREA
)
VERSION_NOT_ACTIVE = declare(
    "version_not_active", Conflict, "Only the active version can be retired.", area=AREA
)
DRAFT_CHANGED = declare(
    "draft_changed",
    Conflict,
    "Someone else saved the draft after the caller opened it; nothing was saved.",
    area=AREA,
)
ANOTHER_SCHEME_ACTIVE = declare(
    "another_scheme_active",
    Conflict,
    "Another scheme is already active for the same position and org unit.",
    area=AREA,
)
UNIT_LOCKED = declare(
    "unit_locked",
    Conflict,
    "The org unit a scheme applies within cannot change while one of its versions is active.",
    area=AREA,
)
ITEM_NOT_FOUND = declare("item_not_found", NotFound, "No such item on this draft version.", area=AREA)

# --- the scheme's own rules (appraisal/scoring.py `problems`) -------------------------------
NAME_MISSING = declare("name_missing", Invalid, "The scheme needs a name.", area=AREA)
NAME_TOO_LONG = declare("name_too_long", Invalid, "The name is longer than 200 characters.", area=AREA)
SUBJECT_UNKNOWN = declare(
    "subject_unknown",
    Invalid,
    "A scheme scores people on their own records (own) or on their unit's results (unit).",
    area=AREA,
)
for _code, _meaning in (
    ("unknown_indicator", "An item names an indicator the company does not have."),
    ("weight_not_positive", "A scored item needs a weight above 0."),
    ("weight_sum", "The weights of the scored items must sum to exactly 100 to activate."),
    ("points_per_unit_missing", "A bonus or deduction needs points per unit above 0."),
    ("max_points_negative", "A bonus or deduction cap cannot be negative."),
    ("not_shrinkable", "Only rates and means can be shrunk towards the centre's rate."),
    ("shrink_k_negative", "The shrinkage k cannot be negative."),
    ("manual_rule", "Manual ratings use the manual rule, and only they do."),
    ("cap_not_positive", "The points cap must be above 0."),
    ("target_missing", "The rule needs a target (and the linear rule a threshold)."),
    ("threshold_wrong_side", "The threshold (0 points) must lie on the worse side of the target."),
    ("bands", "The band table has a gap, an overlap or a malformed row."),
    ("grade_bands", "The grade bands are missing, unnamed or do not go down."),
    ("min_data_share_out_of_range", "The minimum share of the weight with data is a % from 0 to 100."),
):
    declare(_code, Invalid, _meaning, area=AREA)


def _field_path(problem: Problem) -> str:
    return problem.field if problem.item is None else f"items.{problem.item}.{problem.field}"


class _WithProblems:
    """A domain error built from Problems, which it keeps in `problems`."""

    def __init__(self, problems):
        self.problems = [
            problem if isinstance(problem, Problem) else Problem(*problem) for problem in problems
        ]
        first = self.problems[0]
        if len(self.problems) == 1 and first.item is None:
            super().__init__(first.message, code=first.code, field=first.field or None)
            return
        by_field: dict[str, list[ValidationError]] = {}
        for problem in self.problems:
            by_field.setdefault(_field_path(problem), []).append(
                ValidationError(problem.message, code=problem.code)
            )
        super().__init__(
            {name: ValidationError(errors) for name, errors in by_field.items()}, code=first.code
        )


class SchemeInvalid(_WithProblems, Invalid):
    """The version or the change breaks the scheme's rules (422)."""


class SchemeRefused(_WithProblems, Refused):
    """The user may not change this scheme (403)."""


class SchemeConflict(_WithProblems, Conflict):
    """The version is not in the state the change needs, or another write got there first (409)."""


def refused(field: str, message: str, code: str) -> SchemeRefused:
    return SchemeRefused([Problem(None, field, message, code)])


def conflict(field: str, message: str, code: str) -> SchemeConflict:
    return SchemeConflict([Problem(None, field, message, code)])


def problems_of(error: ValidationError) -> list[Problem]:
    """The problems of any refusal a scheme service raises, for a page to place them."""
    problems = getattr(error, "problems", None)
    if problems is not None:
        return problems
    return [Problem(None, item["field"] or "", item["message"], item["code"]) for item in error_items(error)]


# --- manual ratings (services/ratings.py) ---------------------------------------------------
RATERS_ONLY = declare(
    "raters_only",
    Refused,
    "Only team leads, service managers, HR and administrators rate people's manual items.",
    area=AREA,
)
REVIEWER_WITHOUT_EMPLOYEE = declare(
    "reviewer_without_employee",
    Refused,
    "A rating is signed by the reviewer's employee record; the caller's account has none.",
    area=AREA,
)
RATING_FUTURE_PERIOD = declare(
    "rating_future_period", Invalid, "A month that has not started cannot be rated.", area=AREA
)
RATEE_NOT_FOUND = declare(
    "ratee_not_found", NotFound, "No such person the reviewer may rate (unknown or out of scope).", area=AREA
)
RATING_SELF = declare("rating_self", Refused, "A reviewer does not rate himself or herself.", area=AREA)
RATING_NOT_IN_SCHEME = declare(
    "rating_not_in_scheme",
    Invalid,
    "The item is not a manual item of the scheme that scores this person for the month.",
    area=AREA,
)
RATING_VALUE = declare("rating_value", Invalid, "A rating is a whole number from 1 to 5.", area=AREA)
RATING_MISSING = declare(
    "rating_missing", Invalid, "A comment was given without a rating; nothing was saved.", area=AREA
)
RATING_REPEATED = declare(
    "rating_repeated", Invalid, "The same person and item appear twice in one request.", area=AREA
)


class RatingProblem(NamedTuple):
    """One bad entry of a batch of ratings: its index in the batch, the person's employee
    number, the item's indicator code, the field to blame (rating or comment), the
    sentence and the code."""

    index: int
    employee_no: str
    indicator: str
    field: str
    message: str
    code: str


class _WithRatingProblems:
    """A refusal of a batch of ratings that keeps every bad entry in `problems`; the field
    of each is `ratings.<index>.<field>`."""

    def __init__(self, problems: list[RatingProblem]):
        self.problems = list(problems)
        by_field: dict[str, list[ValidationError]] = {}
        for problem in self.problems:
            by_field.setdefault(f"ratings.{problem.index}.{problem.field}", []).append(
                ValidationError(problem.message, code=problem.code)
            )
        super().__init__(
            {name: ValidationError(errors) for name, errors in by_field.items()}, code=self.problems[0].code
        )


class RatingsInvalid(_WithRatingProblems, Invalid):
    """Some entries break the rating rules (422); nothing was written."""


class RatingsRefused(_WithRatingProblems, Refused):
    """Some entries rate the reviewer himself (403); nothing was written."""


class RatingsNotFound(_WithRatingProblems, NotFound):
    """Some entries name a person the reviewer may not rate (404); nothing was written."""


def ratings_refusal(problems: list[RatingProblem]):
    """The error for a batch with these problems: 404 when any person is not found, else
    403 when any is refused, else 422 — every problem kept."""
    codes = {problem.code for problem in problems}
    if RATEE_NOT_FOUND in codes:
        return RatingsNotFound(problems)
    if RATING_SELF in codes:
        return RatingsRefused(problems)
    return RatingsInvalid(problems)


# --- confirmation and appeals (services/appeals.py) -----------------------------------------
NOT_OWN_EVALUATION = declare(
    "not_own_evaluation",
    Refused,
    "Only the appraised person confirms or appeals their own published result.",
    area=AREA,
)
NOT_PUBLISHED = declare(
    "evaluation_not_published",
    Conflict,
    "The evaluation is not published and waiting for confirmation (not yet published, appealed or final).",
    area=AREA,
)
CONFIRM_WINDOW_CLOSED = declare(
    "confirm_window_closed",
    Refused,
    "The window to confirm or appeal has passed; the result is final.",
    area=AREA,
)
APPEAL_REASON_MISSING = declare("appeal_reason_missing", Invalid, "An appeal needs a reason.", area=AREA)
APPEAL_NOT_AN_ITEM = declare(
    "appeal_not_an_item",
    Invalid,
    "An appealed item is not an item of the evaluation's scheme version.",
    area=AREA,
)
APPEAL_EVIDENCE_FILE = declare(
    "appeal_evidence_file",
    Invalid,
    "An evidence file is not a PDF or an image, too large, or one too many; nothing was saved.",
    area=AREA,
)
NOT_A_DECIDER = declare(
    "appeal_not_decider",
    Refused,
    "Appeals are decided by HR, administrators or the cycle's appeal reviewer.",
    area=AREA,
)
DECIDER_IS_REVIEWER = declare(
    "appeal_decider_is_reviewer",
    Refused,
    "The evaluation's reviewer (or second-level reviewer) or the appraised person does not decide "
    "its appeal.",
    area=AREA,
)
APPEAL_CLOSED = declare(
    "appeal_not_open",
    Conflict,
    "The appeal is not in a state that allows this (already decided, or not waiting for that).",
    area=AREA,
)
DECISION_TEXT_MISSING = declare(
    "appeal_text_missing",
    Invalid,
    "A decision needs a reason, a request for information a question, an answer some text.",
    area=AREA,
)
APPEAL_ADJUSTMENT_EMPTY = declare(
    "appeal_adjustment_empty",
    Invalid,
    "An adjustment needs at least one excluded work order or a score change.",
    area=AREA,
)
APPEAL_ADJUSTMENT_LIMIT = declare(
    "appeal_adjustment_limit",
    Invalid,
    "A score change is a number within the cycle's adjustment limit.",
    area=AREA,
)
EXCLUSION_NOT_AN_ITEM = declare(
    "exclusion_not_an_item",
    Invalid,
    "An exclusion names an indicator that is not an item of the evaluation.",
    area=AREA,
)
EXCLUSION_NOT_SEPARABLE = declare(
    "exclusion_not_separable",
    Invalid,
    "The indicator's value cannot be recomputed without one work order (derived, manual or imported "
    "figure, or no frozen numerator and denominator).",
    area=AREA,
)
EXCLUSION_NOT_BEHIND = declare(
    "exclusion_not_behind",
    Invalid,
    "The work order is not among the records behind the indicator for this person and period.",
    area=AREA,
)
EXCLUSION_REPEATED = declare(
    "exclusion_repeated",
    Invalid,
    "The work order is already excluded from this indicator (or named twice).",
    area=AREA,
)


# --- 360° feedback (services/feedback.py) ----------------------------------------------------
FEEDBACK_INVITERS_ONLY = declare(
    "feedback_inviters_only",
    Refused,
    "Only the evaluation's reviewer, or someone who runs cycles for the person, invites 360° raters.",
    area=AREA,
)
FEEDBACK_NOT_OPEN = declare(
    "feedback_not_open",
    Conflict,
    "360° feedback is asked and given only while the evaluation is in self review, manager "
    "review or 360° feedback.",
    area=AREA,
)
FEEDBACK_RATER_REFUSED = declare(
    "feedback_rater_refused",
    Refused,
    "The appraised person and his or her reviewers cannot be 360° raters.",
    area=AREA,
)
FEEDBACK_RATER_UNKNOWN = declare(
    "feedback_rater_unknown",
    NotFound,
    "No such active employee with a user account to invite as a 360° rater.",
    area=AREA,
)
FEEDBACK_RATERS_MISSING = declare(
    "feedback_raters_missing", Invalid, "Name at least one rater to invite.", area=AREA
)
FEEDBACK_RATER_INVITED = declare(
    "feedback_rater_invited",
    Conflict,
    "The rater has already been asked for feedback on this evaluation.",
    area=AREA,
)
FEEDBACK_ITEMS_INVALID = declare(
    "feedback_items_invalid",
    Invalid,
    "360° raters rate chosen manual items of the evaluation's scheme version, at least one.",
    area=AREA,
)
FEEDBACK_ANSWERED = declare(
    "feedback_answered",
    Conflict,
    "The feedback request was already submitted or declined; nothing was saved.",
    area=AREA,
)
FEEDBACK_RATING_MISSING = declare(
    "feedback_rating_missing", Invalid, "Every item of a 360° request needs a rating from 1 to 5.", area=AREA
)
FEEDBACK_CLOSE_REFUSED = declare(
    "feedback_close_refused",
    Refused,
    "Only those who run cycles for the people close 360° feedback; only HR closes it early.",
    area=AREA,
)
FEEDBACK_CLOSE_REASON = declare(
    "feedback_close_reason",
    Invalid,
    "Closing 360° feedback before every answer is in and before its deadline needs a reason.",
    area=AREA,
)

# --- calibration (services/calibration.py) -------------------------------------------------
CALIBRATORS_ONLY = declare(
    "calibrators_only",
    Refused,
    "Only service managers, HR and administrators calibrate, within their scope and never themselves.",
    area=AREA,
)
NOT_IN_CALIBRATION = declare(
    "not_in_calibration", Conflict, "The evaluation is not in calibration; nothing was changed.", area=AREA
)
CALIBRATION_REASON = declare("calibration_reason", Invalid, "A calibration change needs a reason.", area=AREA)
CALIBRATION_NOTHING = declare(
    "calibration_nothing", Invalid, "Give an adjustment or a grade to change.", area=AREA
)
CALIBRATION_OUT_OF_RANGE = declare(
    "calibration_out_of_range",
    Invalid,
    "The adjustment would take the reviewed part below 0 or above its weight.",
    area=AREA,
)
CALIBRATION_GRADE_UNKNOWN = declare(
    "calibration_grade_unknown", Invalid, "The grade is not one of the cycle's grade bands.", area=AREA
)
