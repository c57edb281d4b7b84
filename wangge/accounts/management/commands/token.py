"""`wangge token create|list|revoke`: REST API bearer tokens from the command line.

- `wangge token create USERNAME [--name NAME]` prints the new token once, alone on standard
  output, so that a script can capture it (`TOKEN=$(wangge token create alice)`); only its
  SHA-256 digest is stored. Send it as `Authorization: Bearer <token>` to /api/v1/.
- `wangge token list [USERNAME] [--active]` lists tokens (never the token itself): id, prefix,
  name, user, created, last used, revoked.
- `wangge token revoke PREFIX_OR_ID` revokes one token, named by its id, its 8-character
  prefix (`wg_…`, refused when two tokens share it) or the whole token; it answers 401 from
  the next request on.

Creation and revocation go through `wangge.accounts.actions` and are written to the audit log
(actor: none, i.e. the command line).
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.actions import create_api_token, revoke_api_token, token_digest
from wangge.accounts.models import ApiToken, User
from wangge.lib.errors import DomainError
from wangge.lib.text import is_ascii_number


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "-"


class Command(BaseCommand):
    help = "Create, list and revoke REST API bearer tokens; a new token is shown once."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        create = actions.add_parser("create", help="Create a token for USERNAME and print it once.")
        create.add_argument("username", metavar="USERNAME", help="The user the token acts as.")
        create.add_argument("--name", default="cli", help="A label to recognise the token by (default: cli).")
        listing = actions.add_parser("list", help="List tokens (of USERNAME, or of everyone); never the token itself.")
        listing.add_argument("username", metavar="USERNAME", nargs="?", help="Only this user's tokens.")
        listing.add_argument("--active", action="store_true", help="Only tokens that are not revoked.")
        revoke = actions.add_parser("revoke", help="Revoke a token, named by its id, its prefix or the token itself.")
        revoke.add_argument("token", metavar="PREFIX_OR_ID", help="The token's id, its prefix (wg_…) or the token.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "create":
            self._create(options["username"], options["name"])
        elif options["action"] == "list":
            self._list(options["username"], options["active"])
        elif options["action"] == "revoke":
            self._revoke(options["token"])

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("There is no user named “%(username)s”.") % {"username": username})
        return user

    def _create(self, username: str, name: str) -> None:
        user = self._user(username)
        if not user.is_active:
            raise CommandError(
                _("The user “%(username)s” is deactivated; a token for it would not work.") % {"username": username}
            )
        try:
            token = create_api_token(None, user=user, name=name)
        except DomainError as error:
            raise CommandError(f"{error.code}: {error.message}") from None
        self.stdout.write(token)
        self.stderr.write(
            _("Token “%(name)s” created for %(username)s. It is shown only this once; keep it secret.")
            % {"name": name.strip(), "username": username}
        )

    def _list(self, username: str | None, active: bool) -> None:
        tokens = ApiToken.objects.select_related("user").order_by("user__username", "-created_at", "-id")
        if username is not None:
            tokens = tokens.filter(user=self._user(username))
        if active:
            tokens = tokens.filter(revoked_at__isnull=True)
        header = [_("id"), _("prefix"), _("name"), _("user"), _("created"), _("last used"), _("revoked")]
        rows = [
            [
                str(t.pk),
                t.prefix,
                t.name,
                t.user.username,
                _when(t.created_at),
                _when(t.last_used_at),
                _when(t.revoked_at),
            ]
            for t in tokens
        ]
        if not rows:
            self.stderr.write(_("No tokens."))
            return
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
        for row in [header, *rows]:
            self.stdout.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())

    def _find(self, ref: str) -> ApiToken:
        ref = ref.strip()
        if is_ascii_number(ref):
            found = list(ApiToken.objects.filter(pk=int(ref)).select_related("user"))
        elif len(ref) > 8:  # the whole token
            found = list(ApiToken.objects.filter(digest=token_digest(ref)).select_related("user"))
        else:
            found = list(ApiToken.objects.filter(prefix=ref).select_related("user")[:10])
        if not found:
            raise CommandError(_("No token has the id or prefix “%(ref)s”.") % {"ref": ref})
        if len(found) > 1:
            raise CommandError(
                _("Several tokens have the prefix “%(ref)s” (ids %(ids)s); name one by its id.")
                % {"ref": ref, "ids": ", ".join(str(t.pk) for t in found)}
            )
        return found[0]

    def _revoke(self, ref: str) -> None:
        token = self._find(ref)
        if token.revoked_at is not None:
            self.stderr.write(
                _("Token %(prefix)s… of %(username)s was already revoked.")
                % {"prefix": token.prefix, "username": token.user.username}
            )
            return
        revoke_api_token(None, token=token)
        self.stderr.write(
            _("Token %(prefix)s… (“%(name)s”) of %(username)s is revoked.")
            % {"prefix": token.prefix, "name": token.name, "username": token.user.username}
        )
