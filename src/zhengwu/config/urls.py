"""Top-level URLs: public portal and staff pages (apps), the API, the admin."""

from django.contrib import admin
from django.urls import include, path

from zhengwu.config.api import api

urlpatterns = [
    path("", include("zhengwu.core.urls")),
    path("", include("zhengwu.catalog.urls")),
    path("inspections/", include("zhengwu.inspections.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]

handler403 = "zhengwu.core.views.errors.forbidden"
handler404 = "zhengwu.core.views.errors.not_found"
handler500 = "zhengwu.core.views.errors.server_error"
