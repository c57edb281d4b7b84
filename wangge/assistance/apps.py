from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistanceConfig(AppConfig):
    name = "wangge.assistance"
    label = "assistance"
    verbose_name = _("Help for households in difficulty")

    def ready(self) -> None:
        # A flagged visit opens or adds to a dossier; households in difficulty are visited first;
        # dossiers, pairs and helps are in the access report and anonymisation.
        from wangge.assistance import receivers
        from wangge.assistance.holder import HOLDER
        from wangge.assistance.queries import households_to_visit_first, most_urgent_households
        from wangge.fieldwork.queries import register_visit_priority
        from wangge.fieldwork.signals import visit_flagged
        from wangge.people.holders import register

        visit_flagged.connect(receivers.take_up_flagged_visit, dispatch_uid="assistance_visit_flagged")
        register_visit_priority(households_to_visit_first)
        register_visit_priority(most_urgent_households, rank=-1)
        register(HOLDER)
