"""Public guide portal (no login)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
