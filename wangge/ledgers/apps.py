from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgersConfig(AppConfig):
    name = "wangge.ledgers"
    label = "ledgers"
    verbose_name = _("Ledger imports")

    def ready(self) -> None:
        # What imports hold about a person, for the access report and anonymisation.
        from wangge.ledgers.holder import MERGES, REVIEW_ITEMS
        from wangge.people.holders import register

        register(REVIEW_ITEMS)
        register(MERGES)
