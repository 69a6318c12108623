"""Recording and correcting a fact by hand (the facts page, /indicators/facts/): the same
figures the `metric_facts` import brings (exchange/kinds/facts.py), one at a time, with the
evidence behind them — a note, a reference (the source record) and an attachment (a PDF
or an image, judged by its content: core/uploads.py).

Who: a role of kpi.policy `record_facts` (service managers within their subtree, HR,
administrators), for an employee or an org unit in their scope (org.scope), never a fact
about themselves. Each write is one transaction: the fact, one audit entry (old → new),
and the recompute of the months and people it touches, queued to run after the commit.
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from servicescore.core.audit import audit_record, diff, snapshot
from servicescore.core.errors import Conflict, Invalid, NotFound, Refused
from servicescore.core.periods import MONTH_RE
from servicescore.core.uploads import check_document
from servicescore.org.scope import visible_employees, visible_org_units

from .. import errors
from ..models import FactIndicator, MetricFact
from ..policy import may_record_facts
from .recompute import request_recompute

# What a fact's audit entry shows (the attachment by its stored, server-chosen name).
AUDITED = ("indicator", "period", "employee", "org_unit", "value", "note", "reference", "attachment")
PLACES = Decimal("0.0001")
# MetricFact.value: 16 digits, 4 of them after the point.
INTEGER_DIGITS = 12


def _refuse_role(by) -> None:
    if not may_record_facts(by):
        raise Refused(_("Your role may not record facts."), code=errors.FACT_NOT_ALLOWED)


def _checked_value(value) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite():
        raise Invalid(_("Enter a number, e.g. 12.5."), code=errors.FACT_VALUE, field="value")
    if number.adjusted() >= INTEGER_DIGITS or number != number.quantize(PLACES):
        raise Invalid(
            _("Enter a number with at most 12 digits before the point and 4 after."),
            code=errors.FACT_VALUE,
            field="value",
        )
    return number.quantize(PLACES)


def _checked_subject(by, employee, org_unit) -> dict:
    """The fact's owner: exactly one of an employee or an org unit, in the user's scope and
    not the user themselves. Unknown and out-of-scope read the same (ids cannot be probed)."""
    if (employee is None) == (org_unit is None):
        raise Invalid(
            _("Give either the employee or the org unit the figure belongs to, not both."),
            code=errors.FACT_SUBJECT,
            field="employee",
        )
    if employee is not None:
        if not visible_employees(by).filter(pk=employee.pk).exists():
            raise NotFound(
                _("There is no employee %(no)s you may record facts for.") % {"no": employee.employee_no},
                code=errors.FACT_SUBJECT_NOT_FOUND,
                field="employee",
            )
        if employee.user_id is not None and employee.user_id == by.pk:
            raise Refused(
                _("Nobody records facts about themselves; ask HR or your manager."),
                code=errors.FACT_NOT_ALLOWED,
                field="employee",
            )
        return {"employee": employee, "org_unit": None}
    if not visible_org_units(by).filter(pk=org_unit.pk).exists():
        raise NotFound(
            _("There is no org unit %(code)s you may record facts for.") % {"code": org_unit.code},
            code=errors.FACT_SUBJECT_NOT_FOUND,
            field="org_unit",
        )
    return {"employee": None, "org_unit": org_unit}


def _checked_text(note: str, reference: str) -> dict:
    values = {"note": (note or "").strip(), "reference": (reference or "").strip()}
    for name, value in values.items():
        limit = MetricFact._meta.get_field(name).max_length
        if len(value) > limit:
            raise Invalid(
                _("At most %(max)d characters; this has %(length)d.") % {"max": limit, "length": len(value)},
                code=errors.FACT_TEXT_TOO_LONG,
                field=name,
            )
    return values


def _checked_attachment(upload) -> None:
    try:
        check_document(upload)
    except ValidationError as error:
        # core/uploads.py names the file and says what is wrong (not a document, too big).
        raise Invalid(error.messages[0], code=errors.FACT_ATTACHMENT, field="attachment") from None


def _checked(by, *, indicator, period, value, employee, org_unit, note, reference, attachment) -> dict:
    """Every field checked, in the order the form shows them; the first wrong one raises."""
    indicator = (indicator or "").strip()
    if not FactIndicator.objects.filter(code=indicator).exists():
        raise Invalid(
            _("%(code)s is not one of the company's fact indicators.") % {"code": indicator or "—"},
            code=errors.FACT_UNKNOWN_INDICATOR,
            field="indicator",
        )
    period = (period or "").strip()
    if not MONTH_RE.fullmatch(period):
        raise Invalid(_("Use YYYY-MM, e.g. 2026-10."), code=errors.PERIOD_FORMAT, field="period")
    fields = {"indicator": indicator, "period": period, "value": _checked_value(value)}
    fields |= _checked_subject(by, employee, org_unit)
    fields |= _checked_text(note, reference)
    if attachment:
        _checked_attachment(attachment)
    return fields


def _refuse_duplicate(fields: dict, *, exclude_pk=None) -> None:
    subject = {"employee": fields["employee"]} if fields["employee"] else {"org_unit": fields["org_unit"]}
    others = MetricFact.objects.filter(indicator=fields["indicator"], period=fields["period"], **subject)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if others.exists():
        raise _duplicate()


def _duplicate() -> Conflict:
    return Conflict(
        _("This month's figure of that indicator is already recorded for them; correct that one instead."),
        code=errors.FACT_EXISTS,
        field="indicator",
    )


def _save(fact: MetricFact) -> None:
    try:
        with transaction.atomic():
            fact.save()
    except IntegrityError:
        # Another write recorded the same fact between our check and our insert.
        raise _duplicate() from None


def _queue_recompute(touched: set[tuple[str, int | None]]) -> None:
    """The months and people whose figures the change touches; an org unit's fact (no
    person) changes roll-ups only: everyone's figures from the stored components."""
    for period, employee_id in sorted(touched, key=str):
        request_recompute(period, [employee_id] if employee_id else None, rebuild=False)


@transaction.atomic
def fact_record(
    *,
    by,
    indicator: str,
    period: str,
    value,
    employee=None,
    org_unit=None,
    note: str = "",
    reference: str = "",
    attachment=None,
) -> MetricFact:
    """Record a new fact (a Conflict if that month's figure is already there), audited, with
    the recompute of its month and person queued."""
    _refuse_role(by)
    fields = _checked(
        by,
        indicator=indicator,
        period=period,
        value=value,
        employee=employee,
        org_unit=org_unit,
        note=note,
        reference=reference,
        attachment=attachment,
    )
    _refuse_duplicate(fields)
    fact = MetricFact(**fields, recorded_by=by)
    if attachment:
        fact.attachment = attachment
    _save(fact)
    audit_record(actor=by, action="create", obj=fact, changes=diff({}, snapshot(fact, AUDITED)))
    _queue_recompute({(fact.period, fact.employee_id)})
    return fact


@transaction.atomic
def fact_update(
    fact: MetricFact,
    *,
    by,
    indicator: str,
    period: str,
    value,
    employee=None,
    org_unit=None,
    note: str = "",
    reference: str = "",
    attachment=None,
    remove_attachment: bool = False,
) -> MetricFact:
    """Correct a fact the user may read: every field as given (a new attachment replaces the
    old, `remove_attachment` drops it; the old file stays stored for the audit trail). One
    audit entry with what changed, and the recompute of the months and people before and
    after; nothing at all when nothing changed."""
    _refuse_role(by)
    locked = (
        MetricFact.objects.select_for_update(of=("self",))
        .select_related("employee", "org_unit")
        .get(pk=fact.pk)
    )
    # The fact as stored must be one the user may correct, whatever the new values say.
    _checked_subject(by, locked.employee, locked.org_unit)
    fields = _checked(
        by,
        indicator=indicator,
        period=period,
        value=value,
        employee=employee,
        org_unit=org_unit,
        note=note,
        reference=reference,
        attachment=attachment,
    )
    _refuse_duplicate(fields, exclude_pk=locked.pk)
    before = snapshot(locked, AUDITED)
    touched = {(locked.period, locked.employee_id)}
    for name, new in fields.items():
        setattr(locked, name, new)
    if attachment:
        locked.attachment = attachment
    elif remove_attachment:
        locked.attachment = ""
    changes = diff(before, snapshot(locked, AUDITED))
    if not changes:
        return locked
    locked.recorded_by = by
    _save(locked)
    # The stored name of a new file is chosen as it is saved.
    changes = diff(before, snapshot(locked, AUDITED))
    audit_record(actor=by, action="update", obj=locked, changes=changes)
    _queue_recompute(touched | {(locked.period, locked.employee_id)})
    return locked
