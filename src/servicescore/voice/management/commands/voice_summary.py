"""`servicescore voice_summary [--month YYYY-MM]`: rebuild the customer-voice overview's
stored figures (voice/services/overview_summary.py) of one month, or by default of the
running month and the one before. Celery beat runs the default every hour; without a
broker call this from cron."""

import json

from django.core.management.base import BaseCommand, CommandError

from servicescore.voice.services.overview_summary import build_open_voice_months, build_voice_month


class Command(BaseCommand):
    help = "Rebuild the customer-voice overview's stored monthly figures (default: this month and the last)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--month", help="one month, YYYY-MM (default: the running month and the one before)"
        )

    def handle(self, *args, month=None, **options):
        try:
            built = [build_voice_month(month)] if month is not None else build_open_voice_months()
        except ValueError as error:
            raise CommandError(str(error)) from None
        for summary in built:
            self.stdout.write(json.dumps(summary))
