"""Admin for organisation data; the district's unit level names are edited here (through the action)."""

from typing import Any

from django.contrib import admin

from wangge.lib.admin import ReadOnlyAdmin
from wangge.orgs import actions
from wangge.orgs.models import OrgLevelName, OrgUnit, ResidentUnit, ResponsibilityZone


@admin.register(OrgLevelName)
class OrgLevelNameAdmin(admin.ModelAdmin):
    list_display = ["district", "kind", "name"]
    raw_id_fields = ["district"]

    def save_model(self, request: Any, obj: OrgLevelName, form: Any, change: bool) -> None:
        saved = actions.set_level_name(request.user, district=obj.district, kind=obj.kind, name=obj.name)
        obj.pk = saved.pk if saved is not None else None


@admin.register(OrgUnit)
class OrgUnitAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "area", "opens_on", "closes_on"]
    list_filter = ["kind"]
    search_fields = ["name"]
    list_select_related = ["area"]


@admin.register(ResidentUnit)
class ResidentUnitAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "area"]
    list_select_related = ["area"]


@admin.register(ResponsibilityZone)
class ResponsibilityZoneAdmin(ReadOnlyAdmin):
    list_display = ["name", "member"]
    list_select_related = ["member__person"]
