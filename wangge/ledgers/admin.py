"""Admin views of imports and the review queue: read-only (changes go through the actions);
no incoming values are shown, they are encrypted personal data."""

from django.contrib import admin

from wangge.ledgers.models import ImportRun, Merge, ReviewItem
from wangge.lib.admin import ReadOnlyAdmin


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "file_name", "layout", "mode", "state", "rows", "new", "matched", "invalid"]
    list_filter = ["layout", "mode", "state"]
    fields = [
        "district",
        "created_by",
        "layout",
        "mode",
        "file_name",
        "file_sha256",
        "state",
        "rows",
        "new",
        "matched",
        "review",
        "conflicts",
        "invalid",
        "queued_for_review",
        "error_code",
        "error_message",
        "started_at",
        "finished_at",
    ]
    list_select_related = ["district"]


@admin.register(ReviewItem)
class ReviewItemAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "run", "row_number", "kind", "candidate", "state"]
    list_filter = ["kind", "state"]
    fields = ["run", "row_number", "kind", "candidate", "differing_fields", "state", "decided_by", "decided_at"]
    list_select_related = ["run", "candidate"]


@admin.register(Merge)
class MergeAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "person", "merged_by", "undone_at"]
    fields = ["item", "person", "merged_by", "changed_fields", "undone_at", "undone_by"]
    list_select_related = ["person", "merged_by"]
