"""The one NinjaAPI at /api/v1/ (OpenAPI at /api/v1/openapi.json). Each app adds its Router here."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import JSONRenderer

from zhengwu.core.exceptions import DomainError


class UnicodeJSONRenderer(JSONRenderer):
    """Emit Chinese as UTF-8 rather than \\u escapes."""

    json_dumps_params = {"ensure_ascii": False}  # noqa: RUF012


api = NinjaAPI(
    title="zhengwu 政务 API",
    version="1",
    description="县级政务服务与数据管理平台的开放接口。错误响应遵循 RFC 7807 (application/problem+json)。",
    renderer=UnicodeJSONRenderer(),
    urls_namespace="api",
)


def problem(request: HttpRequest, status: int, title: str, code: str, **extra: Any) -> HttpResponse:
    """Render an RFC 7807 problem document."""
    body = {"type": f"about:blank#{code}", "title": title, "status": status, "code": code, **extra}
    response = api.create_response(request, body, status=status)
    response["Content-Type"] = "application/problem+json; charset=utf-8"
    return response


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    extra = {"errors": exc.errors} if exc.errors else {}
    return problem(request, exc.status_code, exc.message, exc.code, **extra)


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem(request, 401, "请先登录。", "not_authenticated")


@api.exception_handler(PermissionDenied)
def _denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return problem(request, 403, "您没有执行此操作的权限。", "not_allowed")


@api.exception_handler(ValidationError)
def _django_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return problem(request, 422, "提交的数据有误。", "invalid_input", errors=errors)


@api.exception_handler(NinjaValidationError)
def _ninja_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for err in exc.errors:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p not in {"body", "query", "path", "payload"})
        errors.setdefault(loc or "__all__", []).append(err.get("msg", "无效"))
    return problem(request, 422, "请求参数有误。", "invalid_input", errors=errors)


def _register_routers() -> None:
    from zhengwu.core.api import router as core_router

    api.add_router("/", core_router)


_register_routers()
