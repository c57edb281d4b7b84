from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "wangge.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        # The cases reported with a person's phone, for the residents' access report.
        from wangge.cases.holder import HOLDER
        from wangge.people.holders import register

        register(HOLDER)
