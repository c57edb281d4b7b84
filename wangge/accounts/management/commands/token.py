"""`wangge token create USERNAME [--name NAME]`: create a REST API bearer token for a user.

The token is printed once, alone on standard output, so that a script can capture it
(`TOKEN=$(wangge token create alice)`); only its SHA-256 digest is stored. Send it as
`Authorization: Bearer <token>` to /api/v1/.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from wangge.accounts.actions import create_api_token
from wangge.accounts.models import User
from wangge.lib.errors import DomainError


class Command(BaseCommand):
    help = "Create a REST API bearer token for a user; the token is shown once."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        create = actions.add_parser("create", help="Create a token for USERNAME and print it once.")
        create.add_argument("username", metavar="USERNAME", help="The user the token acts as.")
        create.add_argument("--name", default="cli", help="A label to recognise the token by (default: cli).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "create":
            self._create(options["username"], options["name"])

    def _create(self, username: str, name: str) -> None:
        name = name.strip()
        if not name or len(name) > 100:
            raise CommandError(_("The token name must be 1 to 100 characters long."))
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("There is no user named “%(username)s”.") % {"username": username})
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
            % {"name": name, "username": username}
        )
