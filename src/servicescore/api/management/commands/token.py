"""`servicescore token create|list|revoke`: API tokens from the command line (the admin
page does the same). The raw token is printed once, on creation."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from servicescore.api.models import ApiToken, Scope


class Command(BaseCommand):
    help = "Create, list or revoke API tokens."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a token and print it once")
        create.add_argument("--user", required=True, help="user name the token acts as")
        create.add_argument("--name", required=True, help="what the token is for, e.g. DMS")
        create.add_argument("--scopes", default="read", help="comma-separated: read,write,import")
        create.add_argument("--org", help="for an integration user: org unit code it is limited to")
        create.add_argument("--days", type=int, help="expires after this many days")
        create.add_argument("--rate", type=int, help="requests per minute (default: the site's)")
        sub.add_parser("list", help="list tokens (never their secrets)")
        revoke = sub.add_parser("revoke", help="revoke a token by its key (the part after ss_)")
        revoke.add_argument("key")

    def handle(self, *args, action, **options):
        getattr(self, f"_{action}")(**options)

    def _create(self, *, user, name, scopes, org, days, rate, **_options):
        from servicescore.core.models import User
        from servicescore.org.models import OrgUnit

        account = User.objects.filter(username=user).first()
        if account is None:
            raise CommandError(_("no such user: %(user)s") % {"user": user}, returncode=2)
        wanted = [s.strip() for s in scopes.split(",") if s.strip()]
        unknown = sorted(set(wanted) - set(Scope.values))
        if unknown or not wanted:
            raise CommandError(
                _("unknown scope %(scope)s; the scopes are %(scopes)s")
                % {"scope": ", ".join(unknown) or "''", "scopes": ", ".join(Scope.values)},
                returncode=2,
            )
        unit = None
        if org:
            unit = OrgUnit.objects.filter(code=org).first()
            if unit is None:
                raise CommandError(_("unknown org unit code %(code)s") % {"code": org}, returncode=2)
        expires = timezone.now() + datetime.timedelta(days=days) if days else None
        _token, raw = ApiToken.issue(
            user=account,
            name=name,
            scopes=wanted,
            org_unit=unit,
            expires_at=expires,
            rate_limit_per_minute=rate,
        )
        self.stdout.write(raw)

    def _list(self, **_options):
        for token in ApiToken.objects.select_related("user", "org_unit"):
            state = "revoked" if token.is_revoked else ("expired" if token.is_expired() else "active")
            self.stdout.write(
                f"{token.key}\t{token.name}\t{token.user.username}\t{','.join(token.scopes)}\t"
                f"{token.org_unit.code if token.org_unit else '-'}\t{state}"
            )

    def _revoke(self, *, key, **_options):
        token = ApiToken.objects.filter(key=key).first()
        if token is None:
            raise CommandError(_("no token with key %(key)s") % {"key": key}, returncode=2)
        token.revoke()
        self.stdout.write(_("revoked %(key)s") % {"key": key})
