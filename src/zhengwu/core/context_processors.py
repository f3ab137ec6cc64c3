"""Template context shared by every page: the county served and the navigation for the user's roles."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _

import zhengwu
from zhengwu.core.navigation import navigation_for
from zhengwu.core.selectors import home_region


def platform(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    county = home_region()
    name = (
        _("%(county)s政务服务数据管理平台") % {"county": county.name} if county else _("政务服务数据管理平台")
    )
    return {
        "county": county,
        "platform_name": name,
        "version": zhengwu.__version__,
        "idle_seconds": settings.SESSION_COOKIE_AGE,
        "nav": navigation_for(user) if user is not None and user.is_authenticated else [],
    }
