"""Every URL and every API operation declares who may use it (DESIGN §3.5)."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from zhengwu.config.api import api
from zhengwu.core.apiauth import Perm, Public
from zhengwu.core.permissions import declared_permissions

# Views that belong to Django or libraries and protect themselves.
EXEMPT_PREFIXES = (
    "django.contrib.admin",
    "django.contrib.contenttypes",
    "django.views.i18n",
    "django.views.static",
    "ninja.",
)


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def _module(callback) -> str:
    target = getattr(callback, "view_class", None) or getattr(callback, "__wrapped__", None) or callback
    return getattr(target, "__module__", "") or ""


def test_every_page_view_declares_a_permission():
    undeclared = []
    checked = 0
    for route, callback in _walk(get_resolver().url_patterns):
        module = _module(callback)
        # The admin site checks its own permission (core.admin.ZhengwuAdminSite.has_permission).
        if module.startswith(EXEMPT_PREFIXES) or route.startswith(("api/", "admin/")):
            continue
        checked += 1
        if declared_permissions(callback) is None:
            undeclared.append(f"{route} → {module}.{getattr(callback, '__name__', callback)}")
    assert checked >= 20, "the walk found too few routes; is the resolver wired?"
    assert undeclared == [], "views without @public/@login_only/@require:\n" + "\n".join(undeclared)


def test_every_api_operation_declares_auth():
    undeclared = []
    operations = 0
    for _prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                operations += 1
                auths = operation.auth_callbacks or []
                if not auths or not all(isinstance(a, Perm | Public) for a in auths):
                    undeclared.append(f"{operation.methods} {path}")
    assert operations >= 10
    assert undeclared == [], "API operations without Perm(...) or Public():\n" + "\n".join(undeclared)


@pytest.mark.django_db
def test_anonymous_is_sent_to_login_from_every_staff_page(client):
    """Pages declared with a permission redirect an anonymous visitor to the login page, never render."""
    from django.urls import reverse

    for name in [
        "core:workbench",
        "core:region-list",
        "core:organisation-list",
        "core:user-list",
        "core:person-list",
        "core:calendar",
        "core:audit-list",
        "core:audit-chain",
        "core:import-list",
        "core:import-new",
        "core:user-create",
        "core:calendar-day",
    ]:
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("core:login")), name
