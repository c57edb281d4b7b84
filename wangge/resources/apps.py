from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResourcesConfig(AppConfig):
    name = "wangge.resources"
    label = "resources"
    verbose_name = _("Shared resources")

    def ready(self) -> None:
        # The projects that served a person, for the access report and anonymisation.
        from wangge.people.holders import register
        from wangge.resources.holder import HOLDER

        register(HOLDER)
