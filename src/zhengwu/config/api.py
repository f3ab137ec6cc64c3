"""The one NinjaAPI at /api/v1/ (OpenAPI at /api/v1/openapi.json). Each app adds its Router here."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
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


# pydantic's error types → Chinese (the API's users are the same clerks and integrators as the pages').
_PYDANTIC_ZH = {
    "missing": "必填。",
    "int_parsing": "应为整数。",
    "int_type": "应为整数。",
    "float_parsing": "应为数字。",
    "bool_parsing": "应为 true 或 false。",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD。",
    "date_parsing": "日期格式应为 YYYY-MM-DD。",
    "date_type": "日期格式应为 YYYY-MM-DD。",
    "datetime_parsing": "时间格式应为 ISO 8601。",
    "string_type": "应为文本。",
    "string_too_long": "内容过长。",
    "string_too_short": "内容过短。",
    "greater_than_equal": "数值过小。",
    "less_than_equal": "数值过大。",
    "enum": "取值无效。",
    "literal_error": "取值无效。",
    "json_invalid": "JSON 格式错误。",
    "model_attributes_type": "格式错误。",
    "dict_type": "格式错误。",
    "list_type": "应为列表。",
}


@api.exception_handler(NinjaValidationError)
def _ninja_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for err in exc.errors:
        parts = [str(p) for p in err.get("loc", ()) if p not in {"body", "query", "path", "payload", "form"}]
        # A File(...) parameter reports as "file.file": keep one name per field.
        deduped = [p for i, p in enumerate(parts) if i == 0 or p != parts[i - 1]]
        message = _PYDANTIC_ZH.get(err.get("type", ""), "取值无效。")
        errors.setdefault(".".join(deduped) or "__all__", []).append(message)
    return problem(request, 422, "请求参数有误。", "invalid_input", errors=errors)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """Errors raised inside django-ninja itself: CSRF refusals, unreadable bodies, throttling."""
    text = str(exc)
    if exc.status_code == 403 and "CSRF" in text:
        return problem(
            request, 403, "CSRF 校验失败：请刷新页面后重试，或在请求头携带 X-CSRFToken。", "csrf_failed"
        )
    if exc.status_code == 400:
        return problem(request, 400, "无法解析请求内容：请检查 JSON 或表单格式。", "bad_request")
    if exc.status_code == 429:
        return problem(request, 429, "请求过于频繁，请稍后再试。", "throttled")
    return problem(request, exc.status_code, "请求无法处理。", "http_error")


def _register_routers() -> None:
    from zhengwu.catalog.api import router as catalog_router
    from zhengwu.core.api import router as core_router
    from zhengwu.inspections.api import router as inspections_router

    api.add_router("/", core_router)
    api.add_router("/catalog", catalog_router)
    api.add_router("/inspections", inspections_router)


_register_routers()
