"""Forms of the catalogue's staff pages: input parsing and messages only; the rules live in catalog.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _

from zhengwu.catalog import services
from zhengwu.catalog.choices import (
    Channel,
    ItemLevel,
    ItemType,
    OnlineDepth,
    TongbanScope,
)
from zhengwu.catalog.models import GuideMaterial, GuideVersion, Item, Topic
from zhengwu.core.models import Organisation

_ALL = [("", _("全部"))]
_YES_NO = [("", _("全部")), ("1", _("是")), ("0", _("否"))]


def _yes_no(value: str) -> bool | None:
    return {"1": True, "0": False}.get(value)


class ItemFilter(forms.Form):
    """Filters of the staff item list; the names are selectors.item_filter's keyword arguments."""

    department = forms.ModelChoiceField(
        label=_("实施主体"), required=False, queryset=Organisation.objects.none(), empty_label=_("全部")
    )
    item_type = forms.ChoiceField(label=_("事项类型"), required=False, choices=_ALL + list(ItemType.choices))
    level = forms.ChoiceField(label=_("实施层级"), required=False, choices=_ALL + list(ItemLevel.choices))
    channel = forms.ChoiceField(label=_("上线渠道"), required=False, choices=_ALL + list(Channel.choices))
    tongban = forms.ChoiceField(
        label=_("通办"),
        required=False,
        choices=_ALL + [(v, label) for v, label in TongbanScope.choices if v],
    )
    high_frequency = forms.TypedChoiceField(
        label=_("高频"), required=False, choices=_YES_NO, coerce=_yes_no, empty_value=None
    )
    one_window = forms.TypedChoiceField(
        label=_("一窗"), required=False, choices=_YES_NO, coerce=_yes_no, empty_value=None
    )
    online_depth = forms.TypedChoiceField(
        label=_("网办深度"),
        required=False,
        choices=_ALL + list(OnlineDepth.choices),
        coerce=int,
        empty_value=None,
    )
    q = forms.CharField(label=_("名称或编码"), required=False, max_length=60)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            Exists(Item.objects.filter(department=OuterRef("pk")))
        ).order_by("code")

    def filters(self) -> dict[str, Any]:
        """The valid conditions as keyword arguments of selectors.item_list (invalid ones are dropped)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = dict(self.cleaned_data)
        if data.get("department") is not None:
            data["department"] = data["department"].pk
        return {k: v for k, v in data.items() if v not in (None, "")}


class ItemForm(forms.Form):
    """An item's identity and operational facts. The 实施编码 is the natural key: fixed once created."""

    impl_code = forms.CharField(
        label=_("实施编码"),
        max_length=64,
        help_text=_("事项的唯一编码；导入与接口按此识别事项，创建后不可修改。"),
    )
    base_code = forms.CharField(label=_("基本编码"), max_length=64, required=False)
    handle_code = forms.CharField(label=_("业务办理项编码"), max_length=80, required=False)
    name = forms.CharField(label=_("事项名称"), max_length=200, widget=forms.TextInput(attrs={"size": 60}))
    item_type = forms.ChoiceField(label=_("事项类型"), choices=ItemType.choices)
    on_application = forms.BooleanField(
        label=_("依申请"), required=False, initial=True, help_text=_("依申请办理的事项纳入指南完整性核查。")
    )
    department = forms.ModelChoiceField(label=_("实施主体"), queryset=Organisation.objects.none())
    level = forms.ChoiceField(label=_("实施层级"), choices=ItemLevel.choices, initial=ItemLevel.COUNTY)
    service_object = forms.ChoiceField(
        label=_("服务对象"), choices=Item._meta.get_field("service_object").choices
    )
    topics = forms.ModelMultipleChoiceField(
        label=_("主题(人生阶段/企业阶段)"),
        queryset=Topic.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    channels = forms.MultipleChoiceField(
        label=_("上线渠道"), choices=Channel.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    tongban_scope = forms.ChoiceField(label=_("通办范围"), choices=TongbanScope.choices, required=False)
    tongban_mode = forms.ChoiceField(
        label=_("通办模式"), choices=Item._meta.get_field("tongban_mode").choices, required=False
    )
    one_window = forms.BooleanField(label=_("已配置一窗受理"), required=False)
    is_active = forms.BooleanField(
        label=_("在用"),
        required=False,
        initial=True,
        help_text=_("停用的事项不在公众页面显示，也不纳入核查。"),
    )

    def __init__(
        self, *args: Any, departments: QuerySet[Organisation], item: Item | None = None, **kwargs: Any
    ) -> None:
        if item is not None:
            kwargs.setdefault("initial", item_initial(item))
        super().__init__(*args, **kwargs)
        self.item = item
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]
        for name in ("impl_code", "base_code", "handle_code"):
            self.fields[name].widget.attrs.update(size=40, spellcheck="false")
        if item is not None:
            self.fields["impl_code"].disabled = True

    def clean_impl_code(self) -> str:
        code = self.cleaned_data["impl_code"].strip()
        if self.item is None and Item.objects.filter(impl_code=code).exists():
            raise forms.ValidationError(_("实施编码 %(code)s 已存在，请打开该事项修改。") % {"code": code})
        return code

    def service_values(self) -> dict[str, Any]:
        """Keyword arguments of services.item_upsert."""
        data = self.cleaned_data
        fields = {f: data[f] for f in services.ITEM_FIELDS if f in data}
        return {
            "impl_code": data["impl_code"],
            "department": data["department"],
            "channels": data["channels"],
            "topics": data["topics"],
            **fields,
        }


def item_initial(item: Item) -> dict[str, Any]:
    initial: dict[str, Any] = {f: getattr(item, f) for f in services.ITEM_FIELDS}
    initial.update(
        impl_code=item.impl_code,
        department=item.department_id,
        channels=[c.channel for c in item.channels.all()],
        topics=[t.pk for t in item.topics.all()],
    )
    return initial


_TEXTAREA = {"rows": 4, "cols": 80}


class GuideForm(forms.Form):
    """The fields of a guide draft (services.GUIDE_FIELDS), with the hard rules checked as the user types."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        widgets = {
            name: forms.Textarea(attrs=_TEXTAREA)
            for name in ("fee_detail", "legal_basis", "conditions", "faq")
        }
        self.fields.update(
            forms.fields_for_model(GuideVersion, fields=services.GUIDE_FIELDS, widgets=widgets)
        )
        for name, size in {
            "location": 70,
            "hours": 70,
            "online_url": 70,
            "result_name": 40,
            "consult_phone": 30,
            "complaint_phone": 30,
            "change_note": 70,
        }.items():
            self.fields[name].widget.attrs["size"] = size
        self.fields["statutory_days"].help_text = _("按法律法规规定填写；没有法定时限的可留空。")
        self.fields["promised_days"].help_text = _("承诺件必填，不得超过法定时限；即办件留空。")
        self.fields["fee_mode"].help_text = _("不收费须选择“不收费”，不能留空。")
        self.fields["change_note"].help_text = _("简要说明本次修订了什么，审核人和历史记录中可见。")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors:
            for field, messages in services.validate_guide(data).items():
                for message in messages:
                    self.add_error(field if field in self.fields else None, message)
        return data


def _short(size: int) -> forms.TextInput:
    """A narrow text box for a number in a table row (number inputs cannot be sized without CSS)."""
    return forms.TextInput(attrs={"size": size, "inputmode": "numeric"})


class _Row(forms.Form):
    """A formset row. A new row counts only once it has a name: ticked boxes alone do not make a row."""

    second_line: tuple[str, ...] = ()  # fields shown on a line of their own under the row

    def has_changed(self) -> bool:
        if not self.empty_permitted:  # an existing row
            return super().has_changed()
        return bool(str(self.data.get(self.add_prefix("name"), "")).strip())


class MaterialRow(_Row):
    """One row of the 申请材料 formset. ``was`` names the row it came from, so its files are kept."""

    was = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("材料名称"), max_length=200, widget=forms.TextInput(attrs={"size": 28}))
    required = forms.BooleanField(label=_("必要"), required=False, initial=True)
    copies = forms.IntegerField(label=_("份数"), min_value=0, max_value=99, initial=1, widget=_short(2))
    form = forms.ChoiceField(label=_("材料形式"), choices=GuideMaterial._meta.get_field("form").choices)
    source = forms.ChoiceField(label=_("来源"), choices=GuideMaterial._meta.get_field("source").choices)
    note = forms.CharField(label=_("填报须知"), max_length=300, required=False)
    blank_form = forms.FileField(label=_("空白表格"), required=False)
    sample = forms.FileField(label=_("示例样表"), required=False)
    clear_files = forms.BooleanField(label=_("删除已上传的表格"), required=False)

    second_line = ("blank_form", "sample", "clear_files")


class StepRow(_Row):
    name = forms.CharField(label=_("环节名称"), max_length=60)
    description = forms.CharField(
        label=_("办理内容"), max_length=300, required=False, widget=forms.TextInput(attrs={"size": 40})
    )
    days = forms.IntegerField(
        label=_("时限(工作日)"), min_value=0, max_value=3650, required=False, widget=_short(4)
    )
    is_special = forms.BooleanField(label=_("特殊环节"), required=False)
    counts_in_limit = forms.BooleanField(label=_("计入办结时限"), required=False, initial=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("counts_in_limit") is False and not data.get("is_special"):
            self.add_error("counts_in_limit", _("只有特殊环节(听证、检测、专家评审等)可以不计入办结时限。"))
        return data


class RowFormSet(forms.BaseFormSet):
    """Rows with 排序 first (a narrow box) and 删除 last."""

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        order = form.fields.pop(forms.formsets.ORDERING_FIELD_NAME)
        order.widget = _short(2)
        order.label = _("排序")
        form.fields = {forms.formsets.ORDERING_FIELD_NAME: order, **form.fields}


def material_formset(extra: int = 1) -> type[forms.BaseFormSet]:
    """申请材料 rows: reorder by 排序, remove by 删除, ``extra`` empty rows to fill in."""
    return forms.formset_factory(
        MaterialRow, formset=RowFormSet, extra=extra, can_delete=True, can_order=True
    )


def step_formset(extra: int = 1) -> type[forms.BaseFormSet]:
    return forms.formset_factory(StepRow, formset=RowFormSet, extra=extra, can_delete=True, can_order=True)


def material_initial(guide: GuideVersion) -> list[dict[str, Any]]:
    return [
        {
            "was": m.pk,
            "blank_form_name": m.blank_form.name.rsplit("/", 1)[-1],
            "sample_name": m.sample.name.rsplit("/", 1)[-1],
            **{f: getattr(m, f) for f in services.MATERIAL_FIELDS},
        }
        for m in guide.materials.all()
    ]


def step_initial(guide: GuideVersion) -> list[dict[str, Any]]:
    return [{f: getattr(s, f) for f in services.STEP_FIELDS} for s in guide.steps.all()]


def material_values(formset: forms.BaseFormSet, guide: GuideVersion) -> list[dict[str, Any]]:
    """The rows in their order, as services.guide_update takes them; files are kept unless replaced or cleared."""
    existing = {m.pk: m for m in guide.materials.all()}
    rows = []
    for form in formset.ordered_forms:
        data = form.cleaned_data
        row = {f: data[f] for f in services.MATERIAL_FIELDS}
        old = existing.get(data.get("was") or 0)
        for name in ("blank_form", "sample"):
            if data.get(name):
                row[name] = data[name]
            elif old is not None and not data.get("clear_files"):
                row[name] = getattr(old, name).name
        rows.append(row)
    return rows


def step_values(formset: forms.BaseFormSet) -> list[dict[str, Any]]:
    rows = []
    for form in formset.ordered_forms:
        data = form.cleaned_data
        row = {f: data[f] for f in services.STEP_FIELDS}
        if not row["is_special"]:
            row["counts_in_limit"] = True
        rows.append(row)
    return rows


class ReviewForm(forms.Form):
    comment = forms.CharField(
        label=_("审核意见"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("退回修改时必填，起草人可见。"),
    )


class DiffForm(forms.Form):
    a = forms.TypedChoiceField(label=_("原版本"), coerce=int, choices=[])
    b = forms.TypedChoiceField(label=_("对比版本"), coerce=int, choices=[])

    def __init__(self, *args: Any, numbers: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["a"].choices = numbers  # type: ignore[attr-defined]
        self.fields["b"].choices = numbers  # type: ignore[attr-defined]


class CompletenessFilter(forms.Form):
    department = forms.ModelChoiceField(
        label=_("部门"), required=False, queryset=Organisation.objects.none(), empty_label=_("全部部门")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            Exists(Item.objects.filter(department=OuterRef("pk")))
        ).order_by("code")
