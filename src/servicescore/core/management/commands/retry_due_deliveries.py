"""`servicescore retry_due_deliveries`: send again every e-mail or robot message whose
next attempt is due (docs/operations.md, Notifications). Run it every minute or few from
cron or Celery beat; with a broker it only hands them to the workers."""

from django.core.management.base import BaseCommand

from servicescore.core.notify.services import retry_due_deliveries


class Command(BaseCommand):
    help = "Send again the notification deliveries whose next attempt is due."

    def handle(self, *args, **options):
        count = retry_due_deliveries()
        self.stdout.write(f"{count} due deliveries handed over")
