from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "zhengwu.catalog"
    label = "catalog"
    verbose_name = "政务服务事项"

    def ready(self) -> None:
        from zhengwu.catalog import importers, nav, roles, search  # noqa: F401  (import kind, menu, roles)

        search.register()
