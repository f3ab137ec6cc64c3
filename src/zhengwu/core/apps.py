from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "zhengwu.core"
    label = "core"
    verbose_name = "基础平台"

    def ready(self) -> None:
        from zhengwu.core import importers, signals, workcalendar  # noqa: F401  (registries, post_migrate)
