"""Error pages, with the request id so a citizen can quote it to the hall or the hotline."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from zhengwu.core import context


def _page(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    ctx = {
        "status": status,
        "title": title,
        "message": message,
        "request_id": context.current.get().request_id,
    }
    return render(request, "core/error.html", ctx, status=status)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if exception and str(exception) else _("您没有访问此页面的权限。")
    return _page(request, 403, _("无权访问"), message)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 404, _("页面不存在"), _("您访问的页面不存在或已被移除。"))


def server_error(request: HttpRequest) -> HttpResponse:
    # A plain template without the layout: the database may be what failed.
    return render(
        request, "core/error_500.html", {"request_id": context.current.get().request_id}, status=500
    )
