"""Per-request context (request id, client IP) for the audit writer, set by RequestContextMiddleware."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip: str | None = None


_EMPTY = RequestContext()
current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar("zhengwu_request", default=_EMPTY)  # noqa: B039 (frozen)
