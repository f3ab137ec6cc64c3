"""Every view declares who may use it. A test walks the URL resolver and fails on undeclared views.

``@public`` — anyone; ``@login_only`` — any signed-in user; ``@require("app.perm", ...)`` — all of the
permissions. Pages redirect anonymous users to the login page and answer 403 otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

V = TypeVar("V", bound=Callable[..., HttpResponse])

PUBLIC = "__public__"
LOGIN = "__login__"


def _declare(view: Any, perms: tuple[str, ...]) -> None:
    view.zw_permissions = perms


def public[V: Callable[..., HttpResponse]](view: V) -> V:
    """Mark a view as open to everyone (public portal, login page)."""
    _declare(view, (PUBLIC,))
    return view


def login_only[V: Callable[..., HttpResponse]](view: V) -> V:
    """Allow any signed-in user."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    _declare(wrapper, (LOGIN,))
    return wrapper  # type: ignore[return-value]


def require(*perms: str) -> Callable[[V], V]:
    """Allow signed-in users holding every permission in ``perms``."""

    def decorator(view: V) -> V:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.user.has_perms(perms):
                raise PermissionDenied("您没有执行此操作的权限。")
            return view(request, *args, **kwargs)

        _declare(wrapper, perms)
        return wrapper  # type: ignore[return-value]

    return decorator


def declared_permissions(view: Any) -> tuple[str, ...] | None:
    """Return what a view declared, looking through class-based view wrappers."""
    for candidate in (view, getattr(view, "view_class", None), getattr(view, "__wrapped__", None)):
        perms = getattr(candidate, "zw_permissions", None)
        if perms is not None:
            return perms
    return None
