"""`wangge keys status|rotate|reencrypt`: the personal-data key ring (docs/privacy.md).

    wangge keys init [--file PATH]           a new key file with fresh keys (new deployments)
    wangge keys status [--index]             which key each encrypted value uses, and how
                                             many are not bound to their row yet
    wangge keys rotate [--index] [--batch N] a new current key, then every value moved onto it
    wangge keys reencrypt [--index] [--batch N]
                                             move every value onto the current key (after
                                             setting a new key in the environment; resumes an
                                             interrupted rotation; harmless to repeat); binds
                                             every value to its table, column and row, and
                                             then refuses unbound values (docs/privacy.md)

With `--index` the same for the blind-index key: indexes are recomputed from the decrypted
values, and lookups try the previous index key too until every index is on the new one.
Keys kept in the key file are generated there; with keys in the environment `rotate` prints
a new key and the variables to set, and `reencrypt` does the rest once every process has them.
"""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from wangge.lib import crypto
from wangge.lib.errors import DomainError
from wangge.people import actions
from wangge.people.queries import key_usage


class Command(BaseCommand):
    help = "Show, rotate and apply the keys that encrypt personal data."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        init = sub.add_parser("init", help="Create a key file with fresh keys for a new deployment.")
        init.add_argument("--file", help="Where (default: WANGGE_KEY_FILE or var/keys.json).")
        status = sub.add_parser("status", help="How many values use each key.")
        status.add_argument("--index", action="store_true", help="Also count blind indexes per key (decrypts all).")
        for name, text in (
            ("rotate", "Generate a new current key and move every value onto it."),
            ("reencrypt", "Move every value onto the current key (harmless to repeat)."),
        ):
            command = sub.add_parser(name, help=text)
            command.add_argument("--index", action="store_true", help="The blind-index key instead of the data key.")
            command.add_argument("--batch", type=int, default=500, help="Rows per transaction (default 500).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "init":
                self._init(options["file"])
                return
            if options["action"] == "status":
                self._status(options["index"])
                return
            if options["batch"] < 1:
                raise CommandError(_("--batch must be at least 1."))
            if options["action"] == "rotate":
                self._rotate(options["index"], options["batch"])
            else:
                self._reencrypt(options["index"], options["batch"])
        except DomainError as error:
            raise CommandError(f"{error.code}: {error.message}") from None

    def _init(self, file: str | None) -> None:
        path = Path(file) if file else Path(settings.KEY_FILE)
        try:
            crypto.create_key_file(path)
        except FileExistsError:
            raise CommandError(
                _("The key file %(path)s exists already; it is never overwritten.") % {"path": path}
            ) from None
        self.stdout.write(
            _("Key file %(path)s created (mode 0600). Back it up apart from the database.") % {"path": path}
        )

    def _status(self, index: bool) -> None:
        ring = crypto.keyring()
        write = self.stdout.write
        if ring.source == "file":
            write(_("Keys: key file %(path)s") % {"path": ring.path})
        else:
            write(_("Keys: environment variables"))
        write(
            _("Data keys: %(keys)s; current: %(current)s")
            % {"keys": ", ".join(sorted(ring.data_keys)), "current": ring.data_current}
        )
        write(
            _("Index keys: %(keys)s; current: %(current)s")
            % {"keys": ", ".join(sorted(ring.index_keys)), "current": ring.index_current}
        )
        if ring.index_previous:
            write(
                self.style.WARNING(
                    _("An index rotation is in progress: lookups also try %(previous)s.")
                    % {"previous": ring.index_previous}
                )
            )
        if ring.refuse_unbound:
            write(_("Values not bound to their row: refused."))
        else:
            write(_("Values not bound to their row: still read, until `wangge keys reencrypt` has bound them all."))
        for usage in key_usage(with_index=index):
            counts = ", ".join(f"{k} {n}" for k, n in sorted(usage.by_key.items())) or "-"
            unbound = "; " + _("%(count)d not bound") % {"count": usage.unbound} if usage.unbound else ""
            write(f"  {usage.column}: {counts}{unbound}")
            if usage.index_by_key is not None:
                by_index = ", ".join(f"{k} {n}" for k, n in sorted(usage.index_by_key.items())) or "-"
                write("    " + _("blind index: %(counts)s") % {"counts": by_index})

    def _report(self, results: dict[str, actions.ColumnRewrite]) -> None:
        for label, r in results.items():
            self.stdout.write(
                "  "
                + _("%(column)s: %(rewritten)d rewritten, %(remaining)d left on an old key, %(conflicts)d conflict(s)")
                % {"column": label, "rewritten": r.rewritten, "remaining": r.remaining, "conflicts": r.conflicts}
            )
            if r.unreadable:
                self.stdout.write(
                    "    "
                    + self.style.WARNING(
                        _(
                            "%(count)d value(s) do not decrypt where they are stored (copied from another row "
                            "or column, or altered): left as they are."
                        )
                        % {"count": r.unreadable}
                    )
                )
        left = sum(r.remaining for r in results.values())
        if left:
            raise CommandError(
                _("%(count)d value(s) are not on the current key yet; run the command again.") % {"count": left}
            )

    def _rotate(self, index: bool, batch: int) -> None:
        ring = crypto.keyring()
        if ring.source != "file":
            self._env_instructions(index)
            return
        if index:
            key_id, results = actions.rotate_index_key(None, batch=batch)
            self.stdout.write(_("New current index key: %(key)s") % {"key": key_id})
        else:
            key_id, results = actions.rotate_data_key(None, batch=batch)
            self.stdout.write(_("New current data key: %(key)s") % {"key": key_id})
            self._unbound(results)
        self._report(results)
        self.stdout.write(self.style.SUCCESS(_("Done: every value is on the current key.")))

    def _unbound(self, results: dict[str, actions.ColumnRewrite]) -> None:
        """What a data-key run leaves of the unbound values, and whether they are refused now."""
        ring = crypto.keyring()
        left = sum(r.unbound for r in results.values())
        if ring.refuse_unbound and not left:
            self.stdout.write(_("Every value is bound to its row; unbound values are no longer read."))
        elif ring.refuse_unbound:
            self.stdout.write(
                self.style.WARNING(
                    _("%(count)d value(s) not bound to their row are refused (not read) and left as they are.")
                    % {"count": left}
                )
            )
        elif not left:
            self.stdout.write(
                _("Every value is bound to its row: set WANGGE_REFUSE_UNBOUND=true and restart every process.")
            )
        else:
            self.stdout.write(
                _("%(count)d value(s) are not bound to their row yet; they are still read.") % {"count": left}
            )

    def _reencrypt(self, index: bool, batch: int) -> None:
        rewrite = actions.reindex_values if index else actions.reencrypt_values
        results = rewrite(None, batch=batch)
        if not index:
            self._unbound(results)
        self._report(results)
        ring = crypto.keyring()
        if index and ring.index_previous:
            if ring.source == "file":
                crypto.finish_index_rotation()
            else:
                self.stdout.write(
                    _("Every index is on %(key)s: unset WANGGE_INDEX_KEY_PREVIOUS and restart every process.")
                    % {"key": ring.index_current}
                )
        self.stdout.write(self.style.SUCCESS(_("Done: every value is on the current key.")))

    def _env_instructions(self, index: bool) -> None:
        ring = crypto.keyring()
        if index:
            key, key_id = crypto.new_index_key_material()
            steps = [
                _("The keys come from the environment. To rotate the blind-index key:"),
                _("1. In the environment of every process (web, workers, commands), keep the existing keys and set:"),
                f"     WANGGE_INDEX_KEYS=…,{key_id}:{key}",
                f"     WANGGE_INDEX_KEY_CURRENT={key_id}",
                f"     WANGGE_INDEX_KEY_PREVIOUS={ring.index_current}",
                _("2. Restart every process; lookups then try both keys."),
                _("3. Run: wangge keys reencrypt --index"),
                _("4. Unset WANGGE_INDEX_KEY_PREVIOUS and restart every process."),
            ]
        else:
            key, key_id = crypto.new_key_material()
            steps = [
                _("The keys come from the environment. To rotate the data key:"),
                _("1. In the environment of every process (web, workers, commands), keep the existing keys and set:"),
                f"     WANGGE_DATA_KEYS=…,{key_id}:{key}",
                f"     WANGGE_DATA_KEY_CURRENT={key_id}",
                _("2. Restart every process; new values are then encrypted with the new key."),
                _("3. Run: wangge keys reencrypt"),
                _("4. Keep the old keys until `wangge keys status` shows no value on them."),
            ]
        self.stdout.write("\n".join(steps))
        self.stderr.write(_("The new key is shown only this once; store it like the other keys."))
