from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class CoreConfig(AppConfig):
    name = "zhengwu.core"
    label = "core"
    verbose_name = "基础平台"

    def ready(self) -> None:
        from zhengwu.core import importers, nav, signals, workcalendar  # noqa: F401  (registries, post_migrate)


class ZhengwuAdminConfig(admin_apps.AdminConfig):
    """The admin with zhengwu's read-only site (settings: INSTALLED_APPS)."""

    default = False
    default_site = "zhengwu.core.admin_site.ZhengwuAdminSite"
