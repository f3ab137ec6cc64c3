"""Read-only admin over the inspection tables (writes go through the services; see core.admin)."""

from __future__ import annotations

from django.contrib import admin

from zhengwu.core.admin import ReadOnlyAdmin
from zhengwu.inspections.models import ChecklistTemplate, Finding, Inspection, InspectionRound


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(ReadOnlyAdmin):
    list_display = ["code", "version", "name", "domain", "scoring", "is_active"]
    list_filter = ["domain", "scoring", "is_active"]
    search_fields = ["code", "name"]


@admin.register(InspectionRound)
class InspectionRoundAdmin(ReadOnlyAdmin):
    list_display = ["name", "year", "template", "status", "planned_start", "planned_end"]
    list_filter = ["status", "year"]
    list_select_related = ["template"]


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ["round", "target", "inspector", "inspected_on", "status", "score"]
    list_filter = ["status"]
    list_select_related = ["round", "target", "inspector"]


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdmin):
    list_display = ["id", "inspection", "subject", "severity", "deadline", "status"]
    list_filter = ["status", "severity"]
    list_select_related = ["inspection__round", "inspection__target"]
