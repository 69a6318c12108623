"""Celery tasks of appraisal: thin wrappers over its services (inline when no broker is
configured)."""

from celery import shared_task


@shared_task(name="appraisal.send_cycle_reminders")
def send_cycle_reminders_task() -> dict:
    """Beat's job every hour: the cycles' "due tomorrow" and "late" reminders, each once
    (services/cycle_notices.py)."""
    from .services.cycle_notices import send_due_reminders

    return send_due_reminders()


@shared_task(name="appraisal.finalise_due_evaluations")
def finalise_due_evaluations_task() -> int:
    """Beat's job every hour: published results whose window to confirm or appeal has
    passed become final (services/appeals.py)."""
    from .services.appeals import finalise_due

    return finalise_due()


@shared_task(name="appraisal.escalate_overdue_appeals")
def escalate_overdue_appeals_task() -> int:
    """Beat's job every hour: appeals past their deadline, escalated once to HR and the
    administrators (services/appeals.py)."""
    from .services.appeals import escalate_overdue_appeals

    return escalate_overdue_appeals()


@shared_task(name="appraisal.close_due_feedback")
def close_due_feedback_task() -> int:
    """Beat's job every hour: evaluations in 360° feedback whose requests are all answered
    or whose feedback deadline has passed go on to calibration (services/feedback.py)."""
    from .services.feedback import feedback_close_due

    return feedback_close_due()
