"""Admin view of persons: masked personal data only; revealing goes through the audited action."""

from django.contrib import admin

from wangge.lib.admin import ReadOnlyAdmin
from wangge.people.models import Person, PersonCorrection, RevealGrant


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ["name", "gender", "id_number_masked", "phone_masked", "grid"]
    fields = ["name", "gender", "birth_date", "id_number_masked", "phone_masked", "community", "grid"]
    search_fields = ["name"]
    list_select_related = ["grid"]


@admin.register(RevealGrant)
class RevealGrantAdmin(ReadOnlyAdmin):
    """Who may see whose data in clear until when (created only by the audited reveal)."""

    list_display = ["user", "person", "fields", "expires_at", "created_at"]
    fields = ["user", "person", "fields", "reason", "expires_at", "created_at"]
    list_select_related = ["user", "person"]


@admin.register(PersonCorrection)
class PersonCorrectionAdmin(ReadOnlyAdmin):
    """Corrections: who, when, why and which fields; the previous values stay encrypted."""

    list_display = ["person", "fields", "actor", "created_at"]
    fields = ["person", "fields", "reason", "actor", "created_at"]
    list_select_related = ["person", "actor"]
