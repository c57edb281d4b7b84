from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "wangge.people"
    label = "people"
    verbose_name = _("People")

    def ready(self) -> None:
        # Keys from the environment, and any key file in production, are checked at start: a
        # missing or inconsistent key stops the process with the variable's name, not the first
        # request that needs it. (A development key file is generated on first use instead.)
        if settings.KEY_SOURCE == "env" or settings.PRODUCTION:
            from wangge.lib.crypto import keyring

            keyring()
