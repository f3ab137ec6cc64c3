from django.urls import path

from zhengwu.core.views import public

app_name = "core"

urlpatterns = [
    path("", public.home, name="home"),
]
