"""Error pages in Chinese, with the request id so a citizen can quote it to the hall."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def _page(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    return render(
        request, "core/error.html", {"status": status, "title": title, "message": message}, status=status
    )


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if exception and str(exception) else "您没有访问此页面的权限。"
    return _page(request, 403, "无权访问", message)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 404, "页面不存在", "您访问的页面不存在或已被移除。")


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "core/error_500.html", status=500)
