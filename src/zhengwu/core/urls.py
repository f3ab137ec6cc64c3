"""Pages of the core app. Every view declares its permission (core.permissions); a test checks all of them."""

from django.urls import path

from zhengwu.core.views import imports, public, staff

app_name = "core"

urlpatterns = [
    # Public
    path("", public.home, name="home"),
    path("calendar/calculator/", public.calculator, name="calculator"),
    path("accounts/login/", public.login_view, name="login"),
    path("accounts/logout/", public.logout_view, name="logout"),
    path("accounts/password/", public.password_change, name="password-change"),
    # Staff
    path("workbench/", staff.workbench, name="workbench"),
    path("regions/", staff.region_list, name="region-list"),
    path("regions/<str:code>/", staff.region_detail, name="region-detail"),
    path("organisations/", staff.organisation_list, name="organisation-list"),
    path("users/", staff.user_list, name="user-list"),
    path("users/new/", staff.user_create, name="user-create"),
    path("users/<int:pk>/", staff.user_detail, name="user-detail"),
    path("users/<int:pk>/roles/", staff.user_roles, name="user-roles"),
    path("users/<int:pk>/unlock/", staff.user_unlock, name="user-unlock"),
    path("users/<int:pk>/active/", staff.user_active, name="user-active"),
    path("users/<int:pk>/password/", staff.user_password_reset, name="user-password-reset"),
    path("persons/", staff.person_list, name="person-list"),
    path("persons/<int:pk>/", staff.person_detail, name="person-detail"),
    path("persons/<int:pk>/reveal/", staff.person_reveal, name="person-reveal"),
    path("calendar/", staff.calendar_month, name="calendar"),
    path("calendar/day/", staff.calendar_day_edit, name="calendar-day"),
    path("audit/", staff.audit_list, name="audit-list"),
    path("audit/chain/", staff.audit_chain, name="audit-chain"),
    path("imports/", imports.import_list, name="import-list"),
    path("imports/new/", imports.import_new, name="import-new"),
    path("imports/<int:pk>/", imports.import_detail, name="import-detail"),
    path("imports/<int:pk>/errors.xlsx", imports.import_errors_xlsx, name="import-errors-xlsx"),
    path("imports/templates/<slug:kind>.xlsx", imports.import_template, name="import-template"),
]
