"""The `wangge` console script: every Django management command plus the platform's own
(`demo`, `serve`, `worker`, `grids`, `token`, `workdays` …).

A configuration that cannot work (a missing secret key or key file in production, a malformed
variable) stops every command, `wangge serve` among them, before anything starts: with the
message alone on standard error, naming the variable, and exit status 2 — not a traceback.
"""

import os
import sys

from django.core.exceptions import ImproperlyConfigured


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangge.settings")
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as error:
        sys.stderr.write(f"wangge: configuration error: {error}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
