"""`servicescore send_survey_invitations`: expire, send the due survey invitations and
their reminders (voice/services/invitations.py). Celery beat runs the same every 5
minutes; without a broker call this from cron."""

import json

from django.core.management.base import BaseCommand

from servicescore.voice.services.invitations import process_invitations


class Command(BaseCommand):
    help = "Send the survey invitations and reminders that are due, and expire the old ones."

    def handle(self, *args, **options):
        self.stdout.write(json.dumps(process_invitations()))
