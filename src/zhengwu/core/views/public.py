from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from zhengwu.core.permissions import public


@public
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")
