"""The Chinese admin: a read-only browser over every table for the system admin.

All writes go through the pages and services (one transaction, one audit entry each); the admin neither
adds, changes nor deletes, so nothing bypasses validation or the audit log.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from zhengwu.core.models import AuditEntry, ImportJob, Organisation, Person, Region, User, WorkCalendarDay


class ReadOnlyAdmin(admin.ModelAdmin):
    list_per_page = 50

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Region)
class RegionAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "level", "kind", "parent", "is_generated"]
    list_filter = ["level", "kind", "is_generated"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "kind", "region", "uscc", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name", "uscc"]
    list_select_related = ["region"]


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    list_display = ["username", "display_name", "organisation", "is_active", "last_login", "locked_until"]
    list_filter = ["is_active", "groups"]
    search_fields = ["username", "display_name"]
    exclude = ["password", "phone_enc", "phone_hash", "user_permissions"]
    list_select_related = ["organisation"]


@admin.register(WorkCalendarDay)
class WorkCalendarDayAdmin(ReadOnlyAdmin):
    list_display = ["date", "is_workday", "name", "source", "source_notice"]
    list_filter = ["is_workday", "source"]
    date_hierarchy = "date"


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ["id", "masked_name", "id_masked", "gender", "birth_date", "phone_masked", "region"]
    exclude = ["name", "id_number_enc", "id_hash", "phone_enc", "phone_hash"]
    list_select_related = ["region"]

    @admin.display(description="姓名")
    def masked_name(self, obj: Person) -> str:
        from zhengwu.core.pii import mask_name

        return mask_name(obj.name)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "username", "action", "object_repr", "result", "ip"]
    list_filter = ["result"]
    search_fields = ["username", "action", "object_id"]


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "kind",
        "original_name",
        "status",
        "total_rows",
        "error_rows",
        "created_by",
        "created_at",
    ]
    list_filter = ["kind", "status"]
    list_select_related = ["created_by"]
