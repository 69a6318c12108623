"""The `servicescore` console command: a thin front to Django's management commands.

`servicescore import KIND FILE` is `manage.py import KIND FILE`; `servicescore serve` runs
the web server; `servicescore help` lists every command.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicescore.settings")
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "serve":
        args = ["runserver", *(args[1:] or ["127.0.0.1:8000"])]
    from django.core.management import execute_from_command_line

    from servicescore.core.audit import audit_context, new_request_id

    # Changes made by a command are audited as such, one request id per invocation.
    with audit_context(request_id=new_request_id(), channel="cli"):
        execute_from_command_line(["servicescore", *args])


if __name__ == "__main__":
    main()
