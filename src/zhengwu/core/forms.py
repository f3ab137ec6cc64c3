"""Forms of the core pages: input parsing and messages only; the rules live in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import password_validators_help_texts
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhengwu.core.choices import AuditResult, CalendarSource, ImportMode, OrgKind, RegionLevel, Role
from zhengwu.core.models import Organisation


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("账号"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=_("原密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    new_password1 = forms.CharField(
        label=_("新密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    new_password2 = forms.CharField(
        label=_("再次输入新密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["new_password1"].help_text = "；".join(password_validators_help_texts())

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("new_password1") and data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", _("两次输入的新密码不一致。"))
        return data


def filter_values(form: forms.Form) -> dict[str, Any]:
    """The valid conditions of a list filter; an invalid one is dropped (and shown as an error by the page)."""
    if not form.is_bound:
        return {}
    form.is_valid()
    return dict(form.cleaned_data)


class RegionFilter(forms.Form):
    level = forms.TypedChoiceField(
        label=_("级别"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("全部"))] + list(RegionLevel.choices),
    )
    parent = forms.CharField(label=_("上级区划代码"), required=False, max_length=12)
    q = forms.CharField(label=_("名称或代码"), required=False, max_length=50)


class OrganisationFilter(forms.Form):
    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=[("", _("全部"))] + list(OrgKind.choices)
    )
    q = forms.CharField(label=_("名称、代码或信用代码"), required=False, max_length=50)


class UserFilter(forms.Form):
    role = forms.ChoiceField(label=_("角色"), required=False, choices=[("", _("全部"))] + list(Role.choices))
    q = forms.CharField(label=_("账号或姓名"), required=False, max_length=50)


class PersonFilter(forms.Form):
    q = forms.CharField(label=_("姓名、身份证号或手机号(精确)"), required=False, max_length=30)


class AuditFilter(forms.Form):
    action = forms.CharField(label=_("操作(前缀)"), required=False, max_length=60)
    username = forms.CharField(label=_("账号"), required=False, max_length=150)
    object_type = forms.CharField(label=_("对象类型"), required=False, max_length=60)
    result = forms.ChoiceField(
        label=_("结果"), required=False, choices=[("", _("全部"))] + list(AuditResult.choices)
    )


class UserCreateForm(forms.Form):
    username = forms.RegexField(
        label=_("账号"),
        max_length=150,
        regex=r"^[A-Za-z0-9_.@-]+$",
        error_messages={"invalid": _("账号只能包含字母、数字和 _ . @ -。")},
    )
    display_name = forms.CharField(label=_("姓名"), max_length=50)
    organisation = forms.ModelChoiceField(
        label=_("所属单位"), queryset=Organisation.objects.none(), required=False
    )
    roles = forms.MultipleChoiceField(
        label=_("角色"), choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    password = forms.CharField(
        label=_("初始密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("用户首次登录时必须修改。"),
    )

    def __init__(self, *args: object, organisations: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if organisations is not None:
            self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]


class UserRolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("角色"),
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("系统管理员、安全管理员、审计管理员(三员)不得由同一账号兼任。"),
    )


class PasswordResetForm(forms.Form):
    password = forms.CharField(
        label=_("临时密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("请当面或电话告知本人；本人下次登录时必须修改。"),
    )


class CalculatorForm(forms.Form):
    start = forms.DateField(label=_("起算日"), widget=forms.DateInput(attrs={"type": "date"}))
    days = forms.IntegerField(
        label=_("工作日数"),
        min_value=0,
        max_value=3650,
        error_messages={
            "min_value": _("工作日数不能为负数；0 表示即办件（当日办结）。"),
            "max_value": _("工作日数不能超过 3650。"),
        },
    )


class CalendarDayForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    is_workday = forms.TypedChoiceField(
        label=_("类型"),
        coerce=lambda v: v == "1",
        choices=[("1", _("工作日(含调休上班)")), ("0", _("休息日(含法定节假日)"))],
    )
    name = forms.CharField(
        label=_("名称"), required=False, max_length=50, help_text=_("如：国庆节、国庆节调休")
    )
    source = forms.ChoiceField(label=_("来源"), choices=CalendarSource.choices, initial=CalendarSource.NOTICE)
    source_notice = forms.CharField(
        label=_("依据文件"), required=False, max_length=200, help_text=_("如：国办发明电〔2025〕7号")
    )
    note = forms.CharField(label=_("备注"), required=False, max_length=200)


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("导入内容"))
    mode = forms.ChoiceField(
        label=_("提交方式"), choices=ImportMode.choices, initial=ImportMode.ATOMIC, widget=forms.RadioSelect
    )
    file = forms.FileField(label=_("文件 (.xlsx 或 .csv)"))

    def __init__(self, *args: object, kinds: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["kind"].choices = kinds  # type: ignore[attr-defined]


def this_month() -> tuple[int, int]:
    today = timezone.localdate()
    return today.year, today.month
