"""`servicescore appraisal install-templates`: create the default appraisal schemes
(templates) that are missing, recorded in each one's history and the audit trail as the
operator's. `servicescore kpi install-templates` is the old name of the same command."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = "Appraisal schemes (templates)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("install-templates", help="create the default appraisal templates that are missing")

    def handle(self, *args, action, **options):
        from servicescore.appraisal.services.schemes import install_defaults

        created = install_defaults(by=None)
        self.stdout.write(
            _("%(n)d templates created: %(codes)s")
            % {"n": len(created), "codes": ", ".join(t.code for t in created) or "-"}
        )
