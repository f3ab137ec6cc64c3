"""The Chinese admin for the system admin: a read-only browser over every table, except the work calendar.

Writes go through services (one transaction, one audit entry each): the calendar admin saves through
``workcalendar_day_set``; every other model admin neither adds, changes nor deletes, so nothing bypasses
validation or the audit log.
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
class WorkCalendarDayAdmin(admin.ModelAdmin):
    """Editable (issue: "editable in the admin"): saves go through ``workcalendar_day_set`` (audited, and
    every process's deadline index is invalidated). Days are corrected, never deleted."""

    list_display = ["date", "is_workday", "name", "source", "source_notice", "updated_by"]
    list_filter = ["is_workday", "source"]
    search_fields = ["name", "source_notice"]
    date_hierarchy = "date"
    fields = ["date", "is_workday", "name", "source", "source_notice", "note"]
    list_per_page = 50

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["date"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: WorkCalendarDay, form: Any, change: bool) -> None:
        from zhengwu.core.workcalendar import workcalendar_day_set

        saved = workcalendar_day_set(
            day=obj.date,
            is_workday=obj.is_workday,
            name=obj.name,
            source=obj.source,
            source_notice=obj.source_notice,
            note=obj.note,
            actor=request.user,  # type: ignore[arg-type]
        )
        obj.pk = saved.pk


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
