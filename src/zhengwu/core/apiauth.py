"""API permissions: every operation names its auth, ``Perm(...)`` or ``Public()``; a test checks it.

``Perm`` authenticates by the Django session (CSRF-checked for writes) and then requires permissions,
answering 401 when not signed in and 403 (RFC 7807) when signed in without the permission.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import SessionAuth

from zhengwu.core.exceptions import NotAllowed


class Perm(SessionAuth):
    """Signed-in user holding all ``perms`` (none: any signed-in user)."""

    def __init__(self, *perms: str, csrf: bool = True):
        super().__init__(csrf=csrf)
        self.perms = perms

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is None:
            return None
        if self.perms and not user.has_perms(self.perms):
            raise NotAllowed("您没有执行此操作的权限。")
        return user


class Public:
    """Marker auth for open operations: always passes, declares that openness was intended."""

    openapi_type = None

    def __call__(self, request: HttpRequest) -> bool:
        return True
