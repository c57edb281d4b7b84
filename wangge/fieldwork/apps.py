from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldworkConfig(AppConfig):
    name = "wangge.fieldwork"
    label = "fieldwork"
    verbose_name = _("Field work")

    def ready(self) -> None:
        # The visits to a person's households, for the access report and anonymisation.
        from wangge.fieldwork.holder import HOLDER
        from wangge.people.holders import register

        register(HOLDER)
