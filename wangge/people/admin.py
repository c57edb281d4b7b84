"""Admin view of persons: masked personal data only; revealing goes through the audited action."""

from django.contrib import admin

from wangge.lib.admin import ReadOnlyAdmin
from wangge.people.models import Person


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ["name", "gender", "id_number_masked", "phone_masked", "grid"]
    fields = ["name", "gender", "birth_date", "id_number_masked", "phone_masked", "community", "grid"]
    search_fields = ["name"]
    list_select_related = ["grid"]
