"""Admin views of the area tree (read-only: the tree changes through actions and imports)."""

from django.contrib import admin

from wangge.areas.models import AreaNode, GridBoundary
from wangge.lib.admin import ReadOnlyAdmin


@admin.register(AreaNode)
class AreaNodeAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]


@admin.register(GridBoundary)
class GridBoundaryAdmin(ReadOnlyAdmin):
    list_display = ["grid", "generation", "area_m2", "valid_from", "valid_to"]
    list_select_related = ["grid"]
