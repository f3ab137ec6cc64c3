from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "zhengwu.core"
    label = "core"
    verbose_name = "基础平台"

    def ready(self) -> None:
        from zhengwu.core import signals  # noqa: F401  (post_migrate: roles and groups)
