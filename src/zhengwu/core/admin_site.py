"""The admin site: open to the system admin only (a separate module so the lazy default site can load it)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest


class ZhengwuAdminSite(admin.AdminSite):
    site_header = "政务服务数据管理平台 · 管理后台"
    site_title = "zhengwu 管理后台"
    index_title = "数据浏览（只读）"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and (user.is_superuser or user.has_perm("core.manage_accounts")))
