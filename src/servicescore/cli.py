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

    execute_from_command_line(["servicescore", *args])


if __name__ == "__main__":
    main()
