"""post_migrate: keep the role groups in step with core.roles (a decoupled, idempotent concern)."""

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.dispatch import receiver


@receiver(post_migrate)
def _sync_roles(sender: AppConfig, **kwargs: Any) -> None:
    from django.apps import apps

    # Run once, after the last app with models migrated (post_migrate skips apps without models),
    # so every app's permissions exist.
    last = [c for c in apps.get_app_configs() if c.models_module is not None][-1]
    if sender.label == last.label:
        from zhengwu.core.roles import sync_roles

        sync_roles()
