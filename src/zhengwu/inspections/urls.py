"""Pages of the inspection mechanism (under /inspections/). Every view declares its permission."""

from django.urls import path

from zhengwu.inspections import views

app_name = "inspections"

urlpatterns = [
    path("", views.inspection_list, name="inspection-list"),
    path("<int:pk>/", views.inspection_detail, name="inspection-detail"),
    path("<int:pk>/record/", views.inspection_record, name="inspection-record"),
    path("<int:pk>/submit/", views.inspection_submit, name="inspection-submit"),
    path("<int:pk>/reopen/", views.inspection_reopen, name="inspection-reopen"),
    path("<int:pk>/findings/new/", views.finding_create, name="finding-create"),
    path("templates/", views.template_list, name="template-list"),
    path("templates/<int:pk>/", views.template_detail, name="template-detail"),
    path("rounds/", views.round_list, name="round-list"),
    path("rounds/new/", views.round_create, name="round-create"),
    path("rounds/<int:pk>/", views.round_detail, name="round-detail"),
    path("rounds/<int:pk>/start/", views.round_start, name="round-start"),
    path("rounds/<int:pk>/close/", views.round_close, name="round-close"),
    path("rounds/<int:pk>/inspections/new/", views.inspection_create, name="inspection-create"),
    path("findings/", views.finding_list, name="finding-list"),
    path("findings/<int:pk>/", views.finding_detail, name="finding-detail"),
    path("findings/<int:pk>/rectify/", views.finding_rectify, name="finding-rectify"),
    path("findings/<int:pk>/verify/", views.finding_verify, name="finding-verify"),
    path("findings/<int:pk>/withdraw/", views.finding_withdraw, name="finding-withdraw"),
    path("rectifications/<int:pk>/file/", views.rectification_file, name="rectification-file"),
]
