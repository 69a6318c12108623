"""Customer voice, complaints and praise: the writes (one transaction each, audited).

The workflow (voice.models.Complaint): received → assigned → investigating → the
responsible people determined, or not valid → resolved → closed (was the customer satisfied
after?). Every step checks the role (voice.policy) and the scope (voice.scope_complaints:
a complaint the user cannot see is NotFound), locks the complaint, checks its state, adds a
ComplaintEvent and one audit entry. Saving the complaint through the ORM queues the KPI
recompute of its days (kpi/auto_recompute.py), which is how a decision reaches the scores.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicescore.core.audit import audit_record, diff, snapshot
from servicescore.core.errors import Invalid, NotFound, Refused
from servicescore.core.uploads import check_document
from servicescore.org.models import Employee, Position
from servicescore.org.scope import service_centre_of

from .. import policy
from ..errors import complaints as codes
from ..models import Complaint, ComplaintEvent, ComplaintPerson, Praise, VoiceAttachment, VoicePolicy
from ..scope_complaints import (
    complaint_employees,
    complaint_work_orders,
    praise_employees,
    visible_complaints,
)

S = Complaint.State
# The states each step starts from.
ASSIGNABLE = (S.RECEIVED, S.ASSIGNED, S.INVESTIGATING)
DECIDABLE = (S.INVESTIGATING,)
RESOLVABLE = (S.DETERMINED, S.NOT_VALID)
OPEN_STATES = (S.RECEIVED, S.ASSIGNED, S.INVESTIGATING, S.DETERMINED, S.NOT_VALID)
# Who may handle a complaint: a customer-service agent or a manager.
HANDLER_POSITIONS = (Position.CS_AGENT, Position.CS_MANAGER, Position.SERVICE_MANAGER)
AUDITED = (
    "state",
    "summary",
    "source",
    "severity",
    "work_order",
    "handler",
    "valid",
    "decision_reason",
    "resolution",
    "resolved_at",
    "satisfied_after",
    "escalation_level",
    "escalated_at",
    "due_at",
)
TEXT_MAX = 5000


def complaint_sla() -> timedelta:
    """The time a complaint has to be resolved (VoicePolicy.complaint_sla_hours), read
    without creating the settings: the importer's check pass reads only."""
    hours = VoicePolicy.objects.order_by("pk").values_list("complaint_sla_hours", flat=True).first()
    return timedelta(hours=hours or VoicePolicy._meta.get_field("complaint_sla_hours").default)


def _event(complaint, *, by, kind, at, from_state="", to_state="", note=""):
    return ComplaintEvent.objects.create(
        complaint=complaint, by=by, kind=kind, at=at, from_state=from_state, to_state=to_state, note=note
    )


def _require_role(by):
    if by is not None and not policy.may_handle_complaints(by):
        raise Refused(_("Your role may not handle complaints."), code=codes.COMPLAINT_ROLE)


def _text(value, *, field, required_code=None, message=None, limit=TEXT_MAX) -> str:
    value = (value or "").strip()
    if not value and required_code:
        raise Invalid(message, code=required_code, field=field)
    if len(value) > limit:
        raise Invalid(
            _("This text is too long (%(max)s characters at most).") % {"max": limit},
            code=codes.COMPLAINT_BAD_INPUT,
            field=field,
        )
    return value


def _locked(by, complaint, states=None) -> Complaint:
    """The complaint locked for the step, if `by` may see it and it is in one of `states`."""
    _require_role(by)
    pk = getattr(complaint, "pk", complaint)
    if by is not None and not visible_complaints(by).filter(pk=pk).exists():
        raise NotFound(_("No such complaint."), code=codes.COMPLAINT_NOT_FOUND)
    locked = Complaint.objects.select_for_update().filter(pk=pk).first()
    if locked is None:
        raise NotFound(_("No such complaint."), code=codes.COMPLAINT_NOT_FOUND)
    if states is not None and locked.state not in states:
        raise Invalid(
            _("This complaint is %(state)s: this step is not possible now.")
            % {"state": locked.get_state_display()},
            code=codes.COMPLAINT_WRONG_STATE,
            field="state",
        )
    return locked


def _save(complaint, before, *, by, action, reason="", extra=None):
    complaint.save()
    changes = diff(before, snapshot(complaint, AUDITED))
    if extra:
        changes.update(extra)
    audit_record(actor=by, action=action, obj=complaint, changes=changes, reason=reason)
    return complaint


def _move(complaint, to_state, *, by, at, note="", kind=ComplaintEvent.Kind.STATE):
    from_state = complaint.state
    complaint.state = to_state
    _event(complaint, by=by, kind=kind, at=at, from_state=from_state, to_state=to_state, note=note)


def _people_in_scope(by, people, *, field) -> list:
    people = list({employee.pk: employee for employee in people}.values())
    if by is not None and people:
        allowed = set(
            complaint_employees(by).filter(pk__in=[p.pk for p in people]).values_list("pk", flat=True)
        )
        if any(p.pk not in allowed for p in people):
            raise Invalid(_("Choose employees you can see."), code=codes.COMPLAINT_BAD_INPUT, field=field)
    return people


def complaint_register(
    *,
    by,
    work_order=None,
    summary,
    description="",
    source="",
    severity="",
    people=(),
    received_at=None,
    now=None,
) -> Complaint:
    """Register a complaint (state received) with its deadline from VoicePolicy; `people`
    are the employees it concerns (not yet responsible). `by` None means the system."""
    _require_role(by)
    now = now or timezone.now()
    received_at = received_at or now
    summary = _text(
        summary,
        field="summary",
        required_code=codes.COMPLAINT_SUMMARY_REQUIRED,
        message=_("Say in a few words what the complaint is about."),
        limit=200,
    )
    description = _text(description, field="description")
    if source and source not in Complaint.Source.values:
        raise Invalid(_("Unknown source."), code=codes.COMPLAINT_BAD_INPUT, field="source")
    if severity and severity not in Complaint.Severity.values:
        raise Invalid(_("Unknown severity."), code=codes.COMPLAINT_BAD_INPUT, field="severity")
    if received_at > now + timedelta(minutes=5):
        raise Invalid(
            _("A complaint cannot be received in the future."),
            code=codes.COMPLAINT_BAD_INPUT,
            field="received_at",
        )
    if work_order is not None and by is not None:
        if not complaint_work_orders(by).filter(pk=work_order.pk).exists():
            raise NotFound(_("No such work order."), code=codes.COMPLAINT_NOT_FOUND, field="work_order")
    people = _people_in_scope(by, people, field="people")
    sla = VoicePolicy.current().complaint_sla_hours
    with transaction.atomic():
        complaint = Complaint.objects.create(
            state=S.RECEIVED,
            source=source,
            summary=summary,
            description=description,
            severity=severity,
            work_order=work_order,
            received_at=received_at,
            due_at=received_at + timedelta(hours=sla),
            registered_by=by,
        )
        ComplaintPerson.objects.bulk_create(ComplaintPerson(complaint=complaint, employee=p) for p in people)
        _event(complaint, by=by, kind=ComplaintEvent.Kind.STATE, at=now, to_state=S.RECEIVED)
        audit_record(
            actor=by,
            action="create",
            obj=complaint,
            changes=diff({}, snapshot(complaint, (*AUDITED, "received_at", "description")))
            | {"people": [None, sorted(p.pk for p in people)]},
        )
    return complaint


def complaint_assign(*, by, complaint, handler, now=None) -> Complaint:
    """Give the complaint to a handler (an agent or a manager the user can see)."""
    now = now or timezone.now()
    _require_role(by)
    if (
        handler is None
        or handler.status != Employee.Status.ACTIVE
        or handler.position not in HANDLER_POSITIONS
        or (by is not None and not complaint_employees(by).filter(pk=handler.pk).exists())
    ):
        raise Invalid(
            _("Choose a customer-service agent or a manager as the handler."),
            code=codes.COMPLAINT_BAD_HANDLER,
            field="handler",
        )
    with transaction.atomic():
        locked = _locked(by, complaint, ASSIGNABLE)
        before = snapshot(locked, AUDITED)
        locked.handler = handler
        if locked.state == S.RECEIVED:
            locked.state = S.ASSIGNED
        _event(
            locked,
            by=by,
            kind=ComplaintEvent.Kind.ASSIGNED,
            at=now,
            from_state=before["state"],
            to_state=locked.state,
            note=handler.name,
        )
        return _save(locked, before, by=by, action="assign")


def complaint_start(*, by, complaint, now=None) -> Complaint:
    """The handler starts investigating."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(by, complaint, (S.ASSIGNED,))
        before = snapshot(locked, AUDITED)
        _move(locked, S.INVESTIGATING, by=by, at=now)
        return _save(locked, before, by=by, action="investigate")


def _require_decider(by, locked, people=()):
    if by is not None and not policy.may_decide_complaints(by):
        raise Refused(
            _("Only a manager may decide who is responsible for a complaint."), code=codes.COMPLAINT_ROLE
        )
    if by is None:
        return
    mine = set(Employee.objects.filter(user=by).values_list("pk", flat=True))
    concerned = set(locked.people.values_list("employee_id", flat=True)) | {p.pk for p in people}
    if locked.employee_id:
        concerned.add(locked.employee_id)
    if mine & concerned:
        raise Refused(
            _("You are among the people this complaint concerns: another manager must decide it."),
            code=codes.COMPLAINT_DECIDER_CONCERNED,
        )


def _reason(reason) -> str:
    return _text(
        reason,
        field="reason",
        required_code=codes.COMPLAINT_REASON_REQUIRED,
        message=_("Give the reason for the decision."),
    )


def complaint_determine(*, by, complaint, responsible, reason, now=None) -> Complaint:
    """Decide who is responsible (one or more employees, added to the people concerned if
    they were not), with a reason. The complaint then counts for each of them."""
    now = now or timezone.now()
    _require_role(by)
    reason = _reason(reason)
    responsible = _people_in_scope(by, responsible, field="responsible")
    if not responsible:
        raise Invalid(
            _("Choose at least one responsible employee."),
            code=codes.COMPLAINT_NO_PEOPLE,
            field="responsible",
        )
    with transaction.atomic():
        locked = _locked(by, complaint, DECIDABLE)
        _require_decider(by, locked, responsible)
        before = snapshot(locked, AUDITED)
        chosen = {p.pk for p in responsible}
        links = {link.employee_id: link for link in locked.people.all()}
        for link in links.values():
            if link.responsible != (link.employee_id in chosen):
                link.responsible = link.employee_id in chosen
                link.save(update_fields=["responsible"])
        ComplaintPerson.objects.bulk_create(
            ComplaintPerson(complaint=locked, employee_id=pk, responsible=True)
            for pk in chosen
            if pk not in links
        )
        locked.valid = True
        locked.decision_reason = reason
        names = ", ".join(p.name for p in responsible)
        _move(locked, S.DETERMINED, by=by, at=now, note=f"{names}: {reason}")
        return _save(
            locked,
            before,
            by=by,
            action="determine",
            reason=reason,
            extra={"responsible": [None, sorted(chosen)]},
        )


def complaint_not_valid(*, by, complaint, reason, now=None) -> Complaint:
    """Declare the complaint not valid, with a reason: it counts for nobody."""
    now = now or timezone.now()
    _require_role(by)
    reason = _reason(reason)
    with transaction.atomic():
        locked = _locked(by, complaint, DECIDABLE)
        _require_decider(by, locked)
        before = snapshot(locked, AUDITED)
        locked.people.filter(responsible=True).update(responsible=False)
        locked.valid = False
        locked.decision_reason = reason
        _move(locked, S.NOT_VALID, by=by, at=now, note=reason)
        return _save(locked, before, by=by, action="not_valid", reason=reason)


def complaint_resolve(*, by, complaint, resolution, now=None) -> Complaint:
    """Record how the complaint was resolved (after the decision)."""
    now = now or timezone.now()
    _require_role(by)
    resolution = _text(
        resolution,
        field="resolution",
        required_code=codes.COMPLAINT_REASON_REQUIRED,
        message=_("Say how the complaint was resolved."),
    )
    with transaction.atomic():
        locked = _locked(by, complaint, RESOLVABLE)
        before = snapshot(locked, AUDITED)
        locked.resolution = resolution
        locked.resolved_at = now
        _move(locked, S.RESOLVED, by=by, at=now, note=resolution)
        return _save(locked, before, by=by, action="resolve")


def complaint_close(*, by, complaint, satisfied_after, now=None) -> Complaint:
    """Close a resolved complaint once the customer said whether they are satisfied."""
    now = now or timezone.now()
    _require_role(by)
    if satisfied_after not in (True, False):
        raise Invalid(
            _("Say whether the customer is satisfied."),
            code=codes.COMPLAINT_BAD_INPUT,
            field="satisfied_after",
        )
    with transaction.atomic():
        locked = _locked(by, complaint, (S.RESOLVED,))
        before = snapshot(locked, AUDITED)
        locked.satisfied_after = satisfied_after
        _move(locked, S.CLOSED, by=by, at=now)
        return _save(locked, before, by=by, action="close")


def complaint_note(*, by, complaint, note, now=None) -> ComplaintEvent:
    """Add a note to the complaint's timeline."""
    now = now or timezone.now()
    _require_role(by)
    note = _text(note, field="note", required_code=codes.COMPLAINT_BAD_INPUT, message=_("Write the note."))
    with transaction.atomic():
        locked = _locked(by, complaint)
        event = _event(locked, by=by, kind=ComplaintEvent.Kind.NOTE, at=now, note=note)
        audit_record(actor=by, action="note", obj=locked, changes={"note": [None, note]})
    return event


def _checked_upload(upload, *, code, field="file"):
    if not upload:
        raise Invalid(_("Choose a file."), code=code, field=field)
    try:
        check_document(upload)
    except ValidationError as error:
        # core/uploads.py names the file and says what is wrong (not a document, too big).
        raise Invalid(error.messages[0], code=code, field=field) from None


def _display_name(upload) -> str:
    import os

    return (os.path.basename(getattr(upload, "name", "") or "") or "file")[:200]


def complaint_add_evidence(*, by, complaint, upload, note="", now=None) -> VoiceAttachment:
    """Attach a document or photo, judged by its content (core/uploads.py)."""
    now = now or timezone.now()
    _require_role(by)
    _checked_upload(upload, code=codes.COMPLAINT_BAD_FILE)
    note = _text(note, field="note", limit=300)
    with transaction.atomic():
        locked = _locked(by, complaint)
        attachment = VoiceAttachment(complaint=locked, name=_display_name(upload), note=note, uploaded_by=by)
        attachment.file = upload
        attachment.save()
        _event(locked, by=by, kind=ComplaintEvent.Kind.EVIDENCE, at=now, note=attachment.name)
        audit_record(
            actor=by, action="evidence", obj=locked, changes={"evidence": [None, attachment.file.name]}
        )
    return attachment


# --- escalation ----------------------------------------------------------------------------


def _managers_to_tell(complaint, level: int):
    """(the users to tell, the unit whose channels to post to): the managers of the
    complaint's service centre and, from level 2, those of the units above it."""
    if complaint.work_order_id and complaint.work_order.service_center_id:
        centre = complaint.work_order.service_center
    elif complaint.handler_id:
        centre = service_centre_of(complaint.handler)
    elif complaint.employee_id:
        centre = service_centre_of(complaint.employee)
    else:
        return [], None
    chain = [int(pk) for pk in centre.path.strip("/").split("/") if pk] or [centre.pk]
    managers = Employee.objects.filter(
        org_unit_id__in=chain[-level:],
        position__in=(Position.SERVICE_MANAGER, Position.CS_MANAGER),
        status=Employee.Status.ACTIVE,
        user__isnull=False,
    ).select_related("user")
    return [m.user for m in managers], centre


def escalate_overdue_complaints(now=None) -> int:
    """Escalate each unresolved complaint past its deadline one level, once per level: level
    n is due `n - 1` deadlines (VoicePolicy.complaint_sla_hours) after the first. Each step
    is recorded (event, audit) and the centre's managers are told (from level 2 the managers
    above too); running again at the same moment does nothing. Returns how many escalated."""
    from django.urls import reverse

    from servicescore.core.notify import notify
    from servicescore.org.notify import notify_unit

    now = now or timezone.now()
    sla = timedelta(hours=VoicePolicy.current().complaint_sla_hours)
    overdue = list(
        Complaint.objects.filter(state__in=OPEN_STATES, due_at__lt=now).values_list(
            "pk", "due_at", "escalation_level"
        )
    )
    count = 0
    for pk, due_at, level in overdue:
        wanted = 1 + int((now - due_at) / sla)
        if level >= wanted:
            continue
        with transaction.atomic():
            locked = (
                Complaint.objects.select_for_update(of=("self",))
                .select_related("work_order__service_center", "handler__org_unit", "employee__org_unit")
                .filter(pk=pk, state__in=OPEN_STATES, escalation_level=level)
                .first()
            )
            if locked is None:
                continue
            before = snapshot(locked, AUDITED)
            locked.escalation_level = level + 1
            locked.escalated_at = now
            _event(
                locked,
                by=None,
                kind=ComplaintEvent.Kind.ESCALATED,
                at=now,
                note=_("Past its deadline: escalation level %(level)s.") % {"level": locked.escalation_level},
            )
            _save(locked, before, by=None, action="escalate")
            users, centre = _managers_to_tell(locked, locked.escalation_level)
            subject = _("Complaint past its deadline (level %(level)s): %(summary)s") % {
                "level": locked.escalation_level,
                "summary": str(locked),
            }
            link = reverse("voice:complaint", args=[locked.pk])
            if users:
                notify(recipients=users, subject=subject, link=link, kind="complaint_escalated")
            if centre is not None:
                notify_unit(unit=centre, subject=subject, link=link, kind="complaint_escalated")
            count += 1
    return count


# --- praise --------------------------------------------------------------------------------


def praise_record(
    *,
    by,
    employee,
    kind=Praise.Kind.PRAISE,
    source="",
    note="",
    work_order=None,
    received_at=None,
    upload=None,
    now=None,
) -> Praise:
    """Record a praise or a referral for an employee the user can see, with optional
    evidence (a document or photo judged by its content)."""
    now = now or timezone.now()
    received_at = received_at or now
    if by is not None and not policy.may_record_praise(by):
        raise Refused(_("Your role may not record praise."), code=codes.PRAISE_ROLE)
    if employee is None or (by is not None and not praise_employees(by).filter(pk=employee.pk).exists()):
        raise Invalid(_("Choose an employee you can see."), code=codes.PRAISE_BAD_INPUT, field="employee")
    if kind not in Praise.Kind.values:
        raise Invalid(_("Unknown kind."), code=codes.PRAISE_BAD_INPUT, field="kind")
    if received_at > now + timedelta(minutes=5):
        raise Invalid(
            _("Praise cannot be received in the future."), code=codes.PRAISE_BAD_INPUT, field="received_at"
        )
    source = (source or "").strip()
    if len(source) > 100:
        raise Invalid(
            _("The source is too long (100 characters at most)."), code=codes.PRAISE_BAD_INPUT, field="source"
        )
    note = (note or "").strip()
    if len(note) > TEXT_MAX:
        raise Invalid(
            _("This text is too long (%(max)s characters at most).") % {"max": TEXT_MAX},
            code=codes.PRAISE_BAD_INPUT,
            field="note",
        )
    if work_order is not None and by is not None:
        from servicescore.workorders.scope import visible_work_orders

        if not (
            visible_work_orders(by).filter(pk=work_order.pk).exists()
            or complaint_work_orders(by).filter(pk=work_order.pk).exists()
        ):
            raise NotFound(_("No such work order."), code=codes.COMPLAINT_NOT_FOUND, field="work_order")
    if upload:
        _checked_upload(upload, code=codes.COMPLAINT_BAD_FILE)
    with transaction.atomic():
        praise = Praise.objects.create(
            employee=employee,
            kind=kind,
            source=source,
            note=note,
            work_order=work_order,
            received_at=received_at,
            recorded_by=by,
        )
        changes = diff(
            {}, snapshot(praise, ("employee", "kind", "source", "note", "work_order", "received_at"))
        )
        if upload:
            attachment = VoiceAttachment(praise=praise, name=_display_name(upload), uploaded_by=by)
            attachment.file = upload
            attachment.save()
            changes["evidence"] = [None, attachment.file.name]
        audit_record(actor=by, action="create", obj=praise, changes=changes)
    return praise
