"""Scorecards as Excel sheets: one scorecard (a header block, then its items with their
working) and the team table (one row per person, each item's points in a column). The
views fetch the scorecards through the same selectors as the pages, so the same scope;
core/spreadsheets.py writes every text cell escaped, never as a formula."""

from django.utils import timezone
from django.utils.translation import gettext as _

from servicescore.kpi.catalog import catalog
from servicescore.kpi.selectors import indicator_name

from .models import TemplateItem

ADJUSTMENT_KINDS = (TemplateItem.Kind.BONUS, TemplateItem.Kind.DEDUCTION)


def _yes_no(flag) -> str:
    return _("Yes") if flag else _("No")


def _scheme(scorecard) -> str:
    version = scorecard.version
    return _("%(scheme)s, version %(number)s") % {
        "scheme": version.template.display_name,
        "number": version.number,
    }


def _local(moment):
    """Excel has no time zones: the company's local time, without tzinfo."""
    return timezone.localtime(moment).replace(tzinfo=None, microsecond=0) if moment else None


def _rounded(value, digits=2):
    return None if value is None else round(float(value), digits)


def scorecard_rows(context: dict) -> list[list]:
    """The sheet of one scorecard from `selectors.scorecards.scorecard_for`'s context: who,
    which period and scheme, the score, grade and flags, then one row per item."""
    scorecard, employee = context["scorecard"], context["employee"]
    centre = context.get("centre")
    rows = [
        [_("Employee"), employee.name],
        [_("Employee no."), employee.employee_no],
        [_("Position"), employee.get_position_display()],
        [_("Service centre"), centre.name if centre else ""],
        [_("Period"), context["period"].code],
        [_("Scheme"), _scheme(scorecard)],
        [_("Base score"), _rounded(scorecard.base_score)],
        [_("Bonus and deductions"), _rounded(scorecard.adjustment)],
        [_("Final score"), None if scorecard.insufficient_data else _rounded(scorecard.final_score)],
        [_("Grade"), scorecard.grade],
        [_("Vetoed"), _yes_no(scorecard.vetoed)],
        [_("Provisional"), _yes_no(scorecard.provisional)],
        [_("Insufficient data"), _yes_no(scorecard.insufficient_data)],
        [_("Computed at"), _local(scorecard.computed_at)],
        [],
        [
            _("Item"),
            _("Code"),
            _("Kind"),
            _("Value"),
            _("Unit"),
            _("Target"),
            _("Points"),
            _("Weight (%)"),
            _("Weight after re-weighting (%)"),
            _("Contribution"),
            _("Bonus or deduction"),
            _("No data"),
            _("Veto applies"),
            _("Note"),
        ],
    ]
    for line in context["lines"]:
        scored = line.get("kind") == TemplateItem.Kind.SCORED
        rows.append(
            [
                line["name"] or line["code"],
                line["code"],
                line["kind_label"],
                None if line.get("no_data") else _rounded(line.get("value")),
                line["unit_label"],
                _rounded(line.get("target")),
                _rounded(line.get("points")) if scored else None,
                _rounded(line.get("weight")) if scored else None,
                _rounded(line.get("effective_weight")) if scored else None,
                _rounded(line.get("contribution")) if scored and line.get("points") is not None else None,
                _rounded(line.get("adjustment")) if line.get("kind") in ADJUSTMENT_KINDS else None,
                _yes_no(line.get("no_data")),
                _yes_no(line.get("vetoed")) if line.get("kind") == TemplateItem.Kind.VETO else None,
                str(line.get("note") or ""),
            ]
        )
    return rows


def _item_points(stored: dict):
    """What an item adds to the score: a weighted item's points, a bonus's or deduction's
    amount; None for a veto or an item without data."""
    kind = stored.get("kind")
    if kind == TemplateItem.Kind.SCORED:
        return _rounded(stored.get("points"))
    if kind in ADJUSTMENT_KINDS:
        return _rounded(stored.get("adjustment"))
    return None


def team_rows(scorecards: list) -> list[list]:
    """The team sheet: a header row, then one row per scorecard (in the page's order) with
    the score, grade and flags and one column per item of any of the scorecards' schemes,
    in the order they first appear."""
    items = catalog()
    codes: dict[str, str] = {}
    for card in scorecards:
        for stored in card.items or []:
            code = stored.get("indicator", "")
            if code and code not in codes and stored.get("kind") != TemplateItem.Kind.VETO:
                name = indicator_name(items.get(code), stored.get("label", ""))
                codes[code] = f"{name} ({code})" if name and name != code else code
    header = [
        _("Employee no."),
        _("Name"),
        _("Position"),
        _("Service centre"),
        _("Scheme"),
        _("Base score"),
        _("Bonus and deductions"),
        _("Final score"),
        _("Grade"),
        _("Vetoed"),
        _("Provisional"),
        _("Insufficient data"),
        *codes.values(),
    ]
    rows = [header]
    for card in scorecards:
        points = {stored.get("indicator"): _item_points(stored) for stored in card.items or []}
        employee = card.employee
        rows.append(
            [
                employee.employee_no,
                employee.name,
                employee.get_position_display(),
                getattr(card, "centre_name", ""),
                _scheme(card),
                _rounded(card.base_score),
                _rounded(card.adjustment),
                None if card.insufficient_data else _rounded(card.final_score),
                card.grade,
                _yes_no(card.vetoed),
                _yes_no(card.provisional),
                _yes_no(card.insufficient_data),
                *(points.get(code) for code in codes),
            ]
        )
    return rows
