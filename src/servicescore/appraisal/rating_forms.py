"""The rating page's form: one form for the whole team, a 1–5 choice and a comment per
person and manual item, named `rating:<employee number>:<indicator>` and
`comment:<employee number>:<indicator>`. Read into the service's entries, and the
service's problems put back on their cells."""

from django.http import QueryDict

from .errors import RatingProblem
from .selectors.ratings import RatingRow
from .services.ratings import RatingEntry

RATING_PREFIX = "rating:"
COMMENT_PREFIX = "comment:"


def field_name(prefix: str, employee_no: str, code: str) -> str:
    return f"{prefix}{employee_no}:{code}"


def entries_from_post(data: QueryDict) -> list[RatingEntry]:
    """Every rating cell posted, with its comment, in the order posted. A cell left on
    "no rating" posts an empty rating (it clears the reviewer's rating, if any)."""
    entries = []
    for name in data:
        if not name.startswith(RATING_PREFIX) or ":" not in name[len(RATING_PREFIX) :]:
            continue
        employee_no, code = name[len(RATING_PREFIX) :].rsplit(":", 1)
        entries.append(
            RatingEntry(
                employee_no=employee_no,
                indicator=code,
                rating=data.get(name, ""),
                comment=data.get(field_name(COMMENT_PREFIX, employee_no, code), ""),
            )
        )
    return entries


def show_posted(rows: list[RatingRow], entries: list[RatingEntry], problems: list[RatingProblem]) -> None:
    """Put what was posted back in the cells (so nothing typed is lost) and each problem
    on its cell."""
    cells = {(row.employee.employee_no, cell.code): cell for row in rows for cell in row.cells}
    for entry in entries:
        cell = cells.get((entry.employee_no, entry.indicator))
        if cell is not None:
            cell.rating = str(entry.rating or "").strip()
            cell.comment = entry.comment
    for problem in problems:
        cell = cells.get((problem.employee_no, problem.indicator))
        if cell is not None:
            cell.errors.append(problem.message)
