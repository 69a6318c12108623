"""Celery tasks of customer voice: thin wrappers over its services."""

from celery import shared_task


@shared_task(name="voice.send_survey_invitations")
def send_survey_invitations_task() -> dict:
    """Beat's job every 5 minutes: expire, send the due survey invitations, remind."""
    from .services.invitations import process_invitations

    return process_invitations()


@shared_task(name="voice.escalate_overdue_complaints")
def escalate_overdue_complaints_task() -> int:
    """Beat's job every 10 minutes: escalate the complaints past their deadline, once per level."""
    from .services.complaints import escalate_overdue_complaints

    return escalate_overdue_complaints()


@shared_task(name="voice.build_voice_months")
def build_voice_months_task() -> list[dict]:
    """Beat's job every hour: rebuild the customer-voice overview's stored figures of the
    running month and the one before (voice/services/overview_summary.py)."""
    from .services.overview_summary import build_open_voice_months

    return build_open_voice_months()
