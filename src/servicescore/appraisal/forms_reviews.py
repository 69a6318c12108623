"""The evaluation page's forms, read from the POST: every form carries `revision` (the
evaluation's revision when the page was opened); targets are `target:<code>`, ratings
`rating:<code>` with `comment:<code>`, and the review's own fields `comment`,
`adjustment`, `adjustment_reason`; `action` is "submit" or a draft save. The services
check the values; what was posted and each problem are put back on the page's cells."""

from django.http import QueryDict
from django.utils.translation import gettext as _

from servicescore.core.errors import Invalid

from .services.reviews import ReviewRating

TARGET_PREFIX = "target:"
RATING_PREFIX = "rating:"
COMMENT_PREFIX = "comment:"


def revision_of(data: QueryDict) -> int:
    """The revision the form was opened with; Invalid when missing or malformed."""
    text = str(data.get("revision", "")).strip()
    if not text.isdigit():
        raise Invalid(
            _("The form is incomplete (its revision is missing); open the evaluation again."),
            code="invalid",
            field="revision",
        )
    return int(text)


def targets_of(data: QueryDict) -> dict[str, str]:
    return {name[len(TARGET_PREFIX) :]: data.get(name, "") for name in data if name.startswith(TARGET_PREFIX)}


def ratings_of(data: QueryDict) -> list[ReviewRating]:
    return [
        ReviewRating(
            indicator=name[len(RATING_PREFIX) :],
            rating=data.get(name, ""),
            comment=data.get(COMMENT_PREFIX + name[len(RATING_PREFIX) :], ""),
        )
        for name in data
        if name.startswith(RATING_PREFIX)
    ]


def submitting(data: QueryDict) -> bool:
    return data.get("action") == "submit"


def show_posted(form: dict, data: QueryDict, problems: list[dict]) -> None:
    """Put the posted ratings and comments back on the form's cells and each problem on
    its cell (or the form's own list)."""
    cells = {cell.code: cell for cell in form["cells"]}
    for code, cell in cells.items():
        if RATING_PREFIX + code in data:
            cell.rating = str(data.get(RATING_PREFIX + code, "")).strip()
            cell.comment = data.get(COMMENT_PREFIX + code, "")
            cell.carried = False
    for key in ("comment", "adjustment", "adjustment_reason"):
        if key in data and key in form:
            form[key] = data.get(key, "")
    form.setdefault("field_errors", {})
    for problem in problems:
        name = problem.get("field") or ""
        prefix, _sep, code = name.partition(":")
        if code and code in cells:
            cells[code].errors.append(problem["message"])
        elif name in ("comment", "adjustment", "adjustment_reason"):
            form["field_errors"].setdefault(name, []).append(problem["message"])
        else:
            form["errors"].append(problem["message"])


def show_posted_targets(rows, data: QueryDict, problems: list[dict]) -> list[str]:
    """The posted targets back on their rows with their problems; returns the problems
    that belong to no row."""
    by_code = {row.code: row for row in rows}
    for row in rows:
        if TARGET_PREFIX + row.code in data:
            row.value = data.get(TARGET_PREFIX + row.code, "")
    rest = []
    for problem in problems:
        name = problem.get("field") or ""
        code = name[len(TARGET_PREFIX) :] if name.startswith(TARGET_PREFIX) else ""
        if code in by_code:
            by_code[code].errors.append(problem["message"])
        else:
            rest.append(problem["message"])
    return rest
