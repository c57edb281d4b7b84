from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "wangge.volunteers"
    label = "volunteers"
    verbose_name = _("Volunteers")

    def ready(self) -> None:
        # The volunteer records of a person, for the access report and anonymisation; the
        # households an activity served, for "residents benefited".
        from wangge.assistance.benefited import Service, register_service
        from wangge.people.holders import register
        from wangge.volunteers.figures import households_served
        from wangge.volunteers.holder import HOLDER

        register(HOLDER)
        register_service(Service("volunteer_activity", _("A volunteer activity joined"), households_served))
