from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "wangge.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from wangge.cases.holder import HOLDER
        from wangge.cases.models import HandlingUnit
        from wangge.lib import memo
        from wangge.people.holders import register

        # The cases reported with a person's phone, for the residents' access report.
        register(HOLDER)
        # A user object remembered with its credentials carries its handling units (lib.memo).
        memo.forget_on_change(HandlingUnit)
