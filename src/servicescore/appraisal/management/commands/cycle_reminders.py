"""`servicescore cycle_reminders`: send the appraisal cycles' due reminders and late
notices (appraisal/services/cycle_notices.py), each once. Celery beat runs the same every
hour; without a broker call this from cron."""

import json

from django.core.management.base import BaseCommand

from servicescore.appraisal.services.cycle_notices import send_due_reminders


class Command(BaseCommand):
    help = "Send the appraisal cycles' due-tomorrow reminders and late notices that are due."

    def handle(self, *args, **options):
        self.stdout.write(json.dumps(send_due_reminders()))
