"""Public pages: the portal home, the legal work-day calculator, sign-in, sign-out, password change."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from zhengwu.core import services, workcalendar
from zhengwu.core.exceptions import DomainError
from zhengwu.core.forms import CalculatorForm, LoginForm, PasswordChangeForm
from zhengwu.core.permissions import login_only, public


@public
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {"years": workcalendar.covered_ranges()})


@public
def calculator(request: HttpRequest) -> HttpResponse:
    """按法定工作日推算期限：anyone can check when a legal time limit ends."""
    form = CalculatorForm(request.GET or None)
    result = None
    if form.is_valid():
        start, days = form.cleaned_data["start"], form.cleaned_data["days"]
        try:
            due = workcalendar.add_workdays(start, days)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            result = {
                "start": start,
                "days": days,
                "due": due,
                "calendar_days": (due - start).days,
                "is_workday": workcalendar.is_workday(start),
                "draft": workcalendar.spans_draft(start, due),
            }
    return render(
        request,
        "core/calculator.html",
        {"form": form, "result": result, "years": workcalendar.covered_ranges()},
    )


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


@public
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(_safe_next(request) or settings.LOGIN_REDIRECT_URL)
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = services.auth_attempt(
            username=form.cleaned_data["username"], password=form.cleaned_data["password"], request=request
        )
        if outcome.user is not None:
            login(request, outcome.user)
            return redirect(_safe_next(request) or _landing(outcome.user))
        form.add_error(None, outcome.message)
    return render(request, "core/login.html", {"form": form, "next": _safe_next(request)})


def _landing(user: object) -> str:
    if getattr(user, "has_perm", None) and user.has_perm("core.access_workbench"):  # type: ignore[union-attr]
        return "core:workbench"
    return "core:home"


@require_http_methods(["GET", "POST"])
@public
def logout_view(request: HttpRequest) -> HttpResponse:
    """POST signs out; GET (a typed or bookmarked address) asks first, so no link can sign anybody out."""
    if request.method == "GET":
        if not request.user.is_authenticated:
            return redirect("core:home")
        return render(request, "core/logout.html")
    if request.user.is_authenticated:
        from zhengwu.core.audit import audit_log

        audit_log(actor=request.user, action="auth.logout", obj=request.user)  # type: ignore[arg-type]
    logout(request)
    messages.info(request, _("您已安全退出。"))
    return redirect("core:home")


@login_only
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_change_password(
                user=request.user,  # type: ignore[arg-type]
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
            )
        except DomainError as exc:
            for field, errs in (exc.errors or {"__all__": [exc.message]}).items():
                for err in errs:
                    form.add_error(field if field in form.fields else None, err)
        except ValidationError as exc:  # from the password validators
            for err in exc.messages:
                form.add_error("new_password1", err)
        else:
            update_session_auth_hash(request, request.user)  # type: ignore[arg-type]
            messages.success(request, _("密码已修改。"))
            return redirect(_landing(request.user))
    return render(request, "core/password_change.html", {"form": form})
