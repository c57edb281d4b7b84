"""Admin for users, role assignments (through the actions) and the read-only audit log."""

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from wangge.accounts import actions
from wangge.accounts.audit import client_ip
from wangge.accounts.models import ApiToken, AuditEvent, RoleAssignment, User
from wangge.lib.errors import DomainError


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    fk_name = "user"
    extra = 0
    fields = ["role", "area"]
    raw_id_fields = ["area"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [RoleAssignmentInline]
    list_display = ["username", "display_name", "is_active", "is_staff", "last_login"]
    fieldsets = (*BaseUserAdmin.fieldsets, (None, {"fields": ["display_name"]}))  # type: ignore[misc]

    def save_formset(self, request: Any, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not RoleAssignment:
            super().save_formset(request, form, formset, change)
            return
        for inline_form in formset.forms:
            if not inline_form.has_changed() and not inline_form.cleaned_data.get("DELETE"):
                continue
            data = inline_form.cleaned_data
            if data.get("DELETE") and data.get("id"):
                actions.revoke_role(request.user, assignment=data["id"], ip_address=client_ip(request))
            elif not data.get("id") and data.get("role") and data.get("area"):
                actions.assign_role(
                    request.user,
                    user=form.instance,
                    role=data["role"],
                    area=data["area"],
                    ip_address=client_ip(request),
                )


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_name", "action", "object_type", "object_id", "ip_address"]
    list_filter = ["action"]
    search_fields = ["actor_name", "object_id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "name", "created_at", "revoked_at", "last_used_at"]
    readonly_fields = ["user", "name", "digest", "prefix", "revoked_at", "last_used_at"]
    actions = ["revoke"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke instead: a revocation is audited, and the history stays

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        """Through the action, so that each revocation is audited."""
        for token in queryset:
            try:
                actions.revoke_api_token(request.user, token=token, ip_address=client_ip(request))  # type: ignore[arg-type]
            except DomainError as error:  # a token of a user this staff member does not manage
                self.message_user(request, error.message, level=messages.ERROR)
