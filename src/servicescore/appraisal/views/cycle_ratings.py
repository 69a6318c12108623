"""The team rating screen of a cycle, /appraisal/cycles/<pk>/ratings/ (URL name
`appraisal:cycle_ratings`): the reviewer rates the manual items of everyone whose review
he owes in the cycle on one page, saved as drafts (services.cycle_ratings); each review
is submitted on its evaluation page. 404 for a cycle out of reach or a user who reviews
no one there (selectors.cycle_ratings). A refused or conflicting save shows the screen
again with what was typed, each problem on its row or cell, and the service's status
(403, 409, 422)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from servicescore.core.errors import DomainError, NotFound, error_items

from ..selectors.cycle_ratings import cycle_rating_screen
from ..services.cycle_ratings import RowEntry, manager_ratings_save_many
from ..services.reviews import ReviewRating

TEMPLATE = "appraisal/cycles/cycle_ratings.html"
REVISION_PREFIX = "revision:"
RATING_PREFIX = "rating:"
COMMENT_PREFIX = "comment:"


def entries_from_post(data: QueryDict) -> list[RowEntry]:
    """The rows posted: `revision:<evaluation id>` for each row, `rating:<evaluation
    id>:<code>` and `comment:<evaluation id>:<code>` for its items, in the order posted."""
    rows: dict[str, list[ReviewRating]] = {}
    for name in data:
        if name.startswith(REVISION_PREFIX):
            rows.setdefault(name[len(REVISION_PREFIX) :], [])
        elif name.startswith(RATING_PREFIX) and ":" in name[len(RATING_PREFIX) :]:
            row, code = name[len(RATING_PREFIX) :].split(":", 1)
            rows.setdefault(row, []).append(
                ReviewRating(
                    indicator=code,
                    rating=data.get(name, ""),
                    comment=data.get(f"{COMMENT_PREFIX}{row}:{code}", ""),
                )
            )
    return [
        RowEntry(evaluation=row, revision=data.get(REVISION_PREFIX + row), ratings=ratings)
        for row, ratings in rows.items()
    ]


def show_posted(rows, entries: list[RowEntry], problems: list[dict], *, conflict=False) -> list[str]:
    """Put what was posted back on the cells and each problem on its cell or row; returns
    every problem as one line for the summary above the form, naming its person when it
    belongs to a row on the screen. After a conflict a row in conflict
    shows what is stored now (what someone else saved), the others what was typed."""
    by_id = {str(row.evaluation.pk): row for row in rows}
    in_conflict = (
        {(problem.get("field") or "").partition(":")[0] for problem in problems} if conflict else set()
    )
    for entry in entries:
        row = by_id.get(str(entry.evaluation))
        if row is None or str(entry.evaluation) in in_conflict:
            continue
        cells = {cell.code: cell for cell in row.cells}
        for rating in entry.ratings:
            cell = cells.get(rating.indicator)
            if cell is not None:
                cell.rating = str(rating.rating or "").strip()
                cell.comment = rating.comment
                cell.carried = False
    lines = []
    for problem in problems:
        row_id, _sep, name = (problem.get("field") or "").partition(":")
        row = by_id.get(row_id)
        if row is None:
            lines.append(problem["message"])
            continue
        lines.append(
            _("%(person)s: %(message)s")
            % {"person": row.evaluation.employee.name, "message": problem["message"]}
        )
        _kind, _sep, code = name.partition(":")
        cell = next((cell for cell in row.cells if code and cell.code == code), None)
        if cell is not None:
            cell.errors.append(problem["message"])
        else:
            row.errors.append(problem["message"])
    return lines


def _screen(user, pk) -> dict:
    try:
        return cycle_rating_screen(user, pk)
    except NotFound:
        raise Http404 from None


@login_required
def cycle_ratings(request, pk):
    """The screen; POST saves every row as a draft at once."""
    context = _screen(request.user, pk)
    if request.method != "POST":
        return render(request, TEMPLATE, context)
    entries = entries_from_post(request.POST)
    try:
        written = manager_ratings_save_many(by=request.user, cycle=context["cycle"], entries=entries)
    except DomainError as error:
        context["problems"] = show_posted(
            context["rows"], entries, error_items(error), conflict=error.status == 409
        )
        context["failed"] = True
        return render(request, TEMPLATE, context, status=error.status)
    if written:
        messages.success(
            request,
            ngettext(
                "The ratings of %(count)d person were saved as a draft review.",
                "The ratings of %(count)d people were saved as draft reviews.",
                len(written),
            )
            % {"count": len(written)},
        )
    else:
        messages.info(request, _("Nothing changed; the ratings are as they were."))
    return redirect("appraisal:cycle_ratings", pk=context["cycle"].pk)
