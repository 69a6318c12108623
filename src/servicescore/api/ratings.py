"""/api/ratings: a reviewer's manual ratings of the people in his scope for a month, saved
in one batch through the service the rating page uses
(appraisal.services.ratings.save_ratings): all or nothing, each bad entry answered with
its own error (field `ratings.<index>.<field>`), 404 when a person is unknown or out of
scope, 403 for the reviewer himself or a role that does not rate."""

from ninja import Field, Router, Schema

from servicescore.appraisal.services.ratings import RatingEntry, save_ratings

from . import auth
from .common import ObjectIn, PeriodCode, error_responses

router = Router(tags=["manual ratings"])


class RatingIn(Schema):
    employee_no: str = Field(description="The person rated.")
    indicator: str = Field(description="A manual item of the person's scheme (e.g. `COMPLIANCE`).")
    rating: int | None = Field(
        description="1–5; null clears the caller's rating of this item. Below 3 or at 5 it needs a comment."
    )
    comment: str = Field(default="", max_length=2000)


class RatingsIn(ObjectIn):
    period: PeriodCode = Field(description="The month rated (YYYY-MM); not one that has not started.")
    ratings: list[RatingIn] = Field(description="The batch; the errors name an entry by its index here.")


class RatingsOut(Schema):
    period: str
    created: int
    changed: int
    deleted: int
    unchanged: int = Field(description="Entries equal to what was stored: not written again.")


@router.post(
    "",
    response={200: RatingsOut, **error_responses(400, 401, 403, 404, 409, 413, 422, 429)},
    auth=auth.WRITE,
    summary="Save a batch of manual ratings",
)
def post_ratings(request, payload: RatingsIn):
    """Sets the caller's ratings of the listed people and items for the month: creates,
    changes, or (rating null) deletes them; entries equal to what is stored are left
    alone. One audit entry per rating written; the people's scorecards are recomputed."""
    saved = save_ratings(
        user=request.user,
        period=payload.period,
        entries=[
            RatingEntry(
                employee_no=item.employee_no,
                indicator=item.indicator,
                rating=item.rating,
                comment=item.comment,
            )
            for item in payload.ratings
        ],
    )
    return {
        "period": payload.period,
        "created": saved.created,
        "changed": saved.changed,
        "deleted": saved.deleted,
        "unchanged": saved.unchanged,
    }
