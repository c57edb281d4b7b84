"""`wangge backup --out DIR [--json] [--database ALIAS]`: back up the database, the media files
and (apart, clearly labelled) the key file into a new or empty directory (`operations.backups`).

It changes nothing on the platform (it only writes the new directory), so it has no dry run.
"""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from wangge.lib.errors import DomainError
from wangge.operations.backups import DATABASE_FILES, KEYS_DIRECTORY, MEDIA, create_backup


class Command(BaseCommand):
    help = _("Back up the database, the media files and the key file into a new directory.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, help=_("the directory to write (new or empty)"))
        parser.add_argument("--json", action="store_true", help=_("print the manifest as JSON"))
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help=_("the database to back up"))

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        try:
            manifest = create_backup(out, using=options["database"])
        except DomainError as error:
            raise CommandError(f"{error.code}: {error.message}") from None
        if options["json"]:
            self.stdout.write(json.dumps({"directory": str(out.resolve()), **manifest}, ensure_ascii=False))
            return
        files = manifest["files"]
        self.stdout.write(
            _("Backed up the %(engine)s database (%(database)s) and the media files (%(media)s) into %(directory)s.")
            % {
                "engine": manifest["engine"],
                "database": filesizeformat(files[DATABASE_FILES[manifest["engine"]]]["size"]),
                "media": filesizeformat(files[MEDIA]["size"]),
                "directory": out,
            }
        )
        if "file" in manifest["keys"]:
            self.stdout.write(
                self.style.WARNING(
                    _(
                        "A copy of the key file is in %(directory)s: keep it apart from the rest of the backup. "
                        "Without it the personal data cannot be read."
                    )
                    % {"directory": out / KEYS_DIRECTORY}
                )
            )
        elif manifest["keys"]["source"] == "env":
            self.stdout.write(
                self.style.WARNING(
                    _(
                        "The keys come from the environment: this backup holds no copy of them. Keep them safe "
                        "yourself; without them the personal data cannot be read."
                    )
                )
            )
        else:
            self.stdout.write(_("There is no key file yet: nothing was encrypted with one."))
