"""`wangge restore DIR [--commit] [--json] [--database ALIAS]`: restore a backup made by `wangge
backup` into an empty database and an empty media directory (`operations.backups`).

Every file's size and checksum is checked before anything is written. Without `--commit` it
only checks (the backup, the target, the key file) and says what it would do.
"""

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.translation import gettext as _

from wangge.lib.errors import DomainError
from wangge.operations.backups import Restore, restore_backup


class Command(BaseCommand):
    help = _("Restore a backup into an empty database (a dry run unless --commit).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", help=_("the backup's directory"))
        parser.add_argument("--commit", action="store_true", help=_("restore (default: a dry run)"))
        parser.add_argument("--json", action="store_true", help=_("print the result as JSON"))
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help=_("the database to restore into"))

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            restore = restore_backup(Path(options["directory"]), commit=options["commit"], using=options["database"])
        except DomainError as error:
            raise CommandError(f"{error.code}: {error.message}") from None
        if options["json"]:
            self.stdout.write(json.dumps(restore.as_json(), ensure_ascii=False))
            return
        self._describe(restore, connections[options["database"]].settings_dict["NAME"])

    def _describe(self, restore: Restore, database: str) -> None:
        manifest = restore.manifest
        self.stdout.write(
            _("The backup made at %(created_at)s (%(engine)s) is complete: every size and checksum matches.")
            % {"created_at": manifest["created_at"], "engine": manifest["engine"]}
        )
        keys = {
            "installed": _("The key file %(path)s is missing: the backup's copy is installed there."),
            "same": _("The key file %(path)s is the backup's."),
            "different": _(
                "The key file %(path)s differs from the backup's: make sure it holds every key of the backup's "
                "key file, or personal data will not be readable."
            ),
            "environment": _(
                "The keys come from the environment: they must be the ones in use when the backup was made."
            ),
            "not in backup": _(
                "The backup's key file was kept separately: put it at %(path)s before serving, or personal data "
                "will not be readable."
            ),
        }[restore.keys] % {"path": settings.KEY_FILE}
        if restore.committed:
            self.stdout.write(
                self.style.SUCCESS(
                    _("Restored the database %(database)s and the media files into %(media)s.")
                    % {"database": database, "media": settings.MEDIA_ROOT}
                )
            )
            self.stdout.write(keys)
            if restore.migrations_after != manifest["migrations"]:
                self.stdout.write(
                    self.style.WARNING(_("The migrations recorded differ from the manifest's: check the restore."))
                )
            self.stdout.write(_("Run “wangge migrate” if this release is newer than the backup."))
        else:
            self.stdout.write(
                _(
                    "The database %(database)s and the media directory %(media)s are empty. With --commit the "
                    "backup would be restored into them."
                )
                % {"database": database, "media": settings.MEDIA_ROOT}
            )
            if restore.keys == "installed":
                self.stdout.write(
                    _("The key file %(path)s is missing: the backup's copy would be installed there.")
                    % {"path": settings.KEY_FILE}
                )
            else:
                self.stdout.write(keys)
            self.stdout.write(_("Dry run: nothing was written; add --commit to restore."))
