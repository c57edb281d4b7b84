"""Admin for the case configuration a district administrator keeps: categories with their
time limits and extra questions, handling units and routing rules. Cases themselves change
only through actions and are read-only here."""

from django.contrib import admin

from wangge.cases.models import Case, Category, CategoryQuestion, HandlingUnit, RoutingRule
from wangge.lib.admin import ReadOnlyAdmin


class QuestionInline(admin.TabularInline):
    model = CategoryQuestion
    extra = 0


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "parent",
        "time_limit",
        "time_limit_unit",
        "return_visit_required",
        "public",
        "active",
    ]
    list_filter = ["parent", "active", "public"]
    search_fields = ["code", "name"]
    inlines = [QuestionInline]
    raw_id_fields = ["district"]
    list_select_related = ["parent"]


@admin.register(HandlingUnit)
class HandlingUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "area"]
    list_filter = ["kind"]
    filter_horizontal = ["users"]
    raw_id_fields = ["district", "area"]
    list_select_related = ["area"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["priority", "category", "area", "unit"]
    raw_id_fields = ["district", "area"]
    list_select_related = ["category", "area", "unit"]


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["number", "category", "state", "grid", "unit", "due_at", "overdue"]
    list_filter = ["state", "overdue"]
    search_fields = ["number"]
    list_select_related = ["category", "grid", "unit"]
    exclude = ["reporter_contact_encrypted"]
