"""Template context shared by every page: the county served and the navigation for the user's roles."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from zhengwu.core.navigation import navigation_for
from zhengwu.core.selectors import home_region


def platform(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "county": home_region(),
        "nav": navigation_for(user) if user is not None and user.is_authenticated else [],
    }
