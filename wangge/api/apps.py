from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "wangge.api"
    label = "api"
    verbose_name = _("API")

    def ready(self) -> None:
        from wangge.api.api import mount_routers

        mount_routers()
