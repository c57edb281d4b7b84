from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TeamConfig(AppConfig):
    name = "wangge.team"
    label = "team"
    verbose_name = _("Team")

    def ready(self) -> None:
        # Members' registrations and commitments, for the access report and anonymisation.
        from wangge.people.holders import register
        from wangge.team.holder import HOLDER

        register(HOLDER)
