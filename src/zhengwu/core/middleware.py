"""Request context for audit entries, and the password policy gate (forced change, 90-day expiry)."""

from __future__ import annotations

import ipaddress
import re
import uuid
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

from zhengwu.core import context

_REQUEST_ID = re.compile(r"^[A-Za-z0-9-]{8,36}$")


def client_ip(request: HttpRequest) -> str | None:
    """Return the client address; X-Forwarded-For is trusted only when ZHENGWU_TRUST_PROXY is set."""
    raw = request.META.get("REMOTE_ADDR", "")
    if getattr(settings, "ZHENGWU_TRUST_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            raw = forwarded.split(",")[0].strip()
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


class RequestContextMiddleware:
    """Give each request an id (or keep a sane X-Request-ID) and remember the client IP."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else str(uuid.uuid4())
        token = context.current.set(context.RequestContext(request_id=request_id, ip=client_ip(request)))
        try:
            response = self.get_response(request)
        finally:
            context.current.reset(token)
        response["X-Request-ID"] = request_id
        return response


_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/api/")


class PasswordPolicyMiddleware:
    """Send a signed-in user whose password must change (first login, expired) to the change form."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(_EXEMPT_PREFIXES)
            and password_change_required(user)
        ):
            return redirect("core:password-change")
        return self.get_response(request)


def password_change_required(user: object) -> bool:
    """Return True when the user must set a new password before working (等保: 定期更换)."""
    if getattr(user, "must_change_password", False):
        return True
    changed = getattr(user, "password_changed_at", None)
    max_age = settings.ZHENGWU_PASSWORD_MAX_AGE_DAYS
    return bool(changed and max_age and timezone.now() - changed > timedelta(days=max_age))


class DomainErrorMiddleware:
    """Turn a business-rule refusal escaping a page view into a Chinese error page with the right status.

    The API has its own RFC 7807 handlers (config/api.py); this covers HTML pages.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from django.shortcuts import render

        from zhengwu.core.exceptions import DomainError

        if not isinstance(exception, DomainError):
            return None
        from django.utils.translation import gettext as _

        titles = {403: _("无权访问"), 404: _("未找到"), 409: _("操作冲突")}
        status = exception.status_code
        return render(
            request,
            "core/error.html",
            {
                "status": status,
                "title": titles.get(status, _("无法完成操作")),
                "message": exception.message,
                "request_id": context.current.get().request_id,
            },
            status=status,
        )
