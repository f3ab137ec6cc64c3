from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "zhengwu.inspections"
    label = "inspections"
    verbose_name = "监督检查"

    def ready(self) -> None:
        from zhengwu.inspections import nav, roles  # noqa: F401  (menu and role registrations)
