"""Forms of the inspection pages: input parsing and messages only; the rules live in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhengwu.core.models import Organisation, User
from zhengwu.inspections.choices import (
    FindingStatus,
    InspectionStatus,
    Outcome,
    RoundStatus,
    Scoring,
    Severity,
    domain_choices,
)
from zhengwu.inspections.files import ALLOWED_EXTENSIONS, accepted_types_text, max_upload_bytes
from zhengwu.inspections.models import ChecklistTemplate, Criterion, InspectionRound
from zhengwu.inspections.selectors import SheetRow

ALL = [("", _("全部"))]
# ISO values: a type=date input shows nothing for a localised value such as 2026年10月20日.
DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class _Version(forms.Form):
    """The version the user saw: a second person acting on the same record gets a conflict, not an overwrite."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


# --- Filters ----------------------------------------------------------------------------------------------


class TemplateFilter(forms.Form):
    domain = forms.ChoiceField(label=_("检查类别"), required=False)
    q = forms.CharField(label=_("名称或代码"), required=False, max_length=50)
    include_old = forms.BooleanField(label=_("含历史版本"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["domain"].choices = ALL + domain_choices()  # type: ignore[attr-defined]


class RoundFilter(forms.Form):
    year = forms.IntegerField(label=_("年度"), required=False, min_value=2000, max_value=2100)
    status = forms.ChoiceField(label=_("状态"), required=False, choices=ALL + list(RoundStatus.choices))
    domain = forms.ChoiceField(label=_("检查类别"), required=False)
    q = forms.CharField(label=_("批次名称"), required=False, max_length=50)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["domain"].choices = ALL + domain_choices()  # type: ignore[attr-defined]


class _ScopedFilter(forms.Form):
    round = forms.ModelChoiceField(
        label=_("检查批次"), required=False, queryset=InspectionRound.objects.none(), empty_label=_("全部")
    )
    organisation = forms.ModelChoiceField(
        label=_("被检查单位"), required=False, queryset=Organisation.objects.none(), empty_label=_("全部")
    )

    def __init__(
        self,
        *args: Any,
        rounds: QuerySet[InspectionRound],
        organisations: QuerySet[Organisation],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["round"].queryset = rounds  # type: ignore[attr-defined]
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]


class InspectionFilter(_ScopedFilter):
    status = forms.ChoiceField(label=_("状态"), required=False, choices=ALL + list(InspectionStatus.choices))


class FindingFilter(_ScopedFilter):
    status = forms.ChoiceField(label=_("状态"), required=False, choices=ALL + list(FindingStatus.choices))
    severity = forms.ChoiceField(label=_("严重程度"), required=False, choices=ALL + list(Severity.choices))
    overdue = forms.TypedChoiceField(
        label=_("是否逾期"),
        required=False,
        choices=[("", _("全部")), ("1", _("逾期")), ("0", _("未逾期"))],
        coerce=lambda v: v == "1",
        empty_value=None,
    )


# --- Rounds and inspections -------------------------------------------------------------------------------


class RoundForm(forms.Form):
    template = forms.ModelChoiceField(
        label=_("检查表"),
        queryset=ChecklistTemplate.objects.filter(is_active=True).order_by("domain", "code"),
        empty_label=_("请选择"),
    )
    name = forms.CharField(label=_("批次名称"), max_length=100)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    planned_start = forms.DateField(label=_("计划开始"), widget=DATE)
    planned_end = forms.DateField(label=_("计划结束"), widget=DATE)
    notes = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"year": timezone.localdate().year})
        super().__init__(*args, **kwargs)


class InspectionCreateForm(forms.Form):
    target = forms.ModelChoiceField(
        label=_("被检查单位"), queryset=Organisation.objects.none(), empty_label=_("请选择")
    )
    inspector = forms.ModelChoiceField(
        label=_("检查人"), queryset=User.objects.none(), empty_label=_("请选择")
    )
    inspected_on = forms.DateField(label=_("检查日期"), required=False, widget=DATE)

    def __init__(self, *args: Any, targets: QuerySet[Any], inspectors: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = targets  # type: ignore[attr-defined]
        self.fields["inspector"].queryset = inspectors  # type: ignore[attr-defined]
        self.fields["inspector"].label_from_instance = lambda u: (  # type: ignore[attr-defined]
            f"{u}（{u.organisation.name}）" if u.organisation else str(u)
        )


class InspectionRecordForm(_Version):
    """One row per criterion: outcome (pass/fail) or score, and a note."""

    inspected_on = forms.DateField(label=_("检查日期"), required=False, widget=DATE)
    summary = forms.CharField(label=_("检查意见"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, sheet: list[SheetRow], scoring: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sheet = sheet
        self.scoring = scoring
        self.rows: list[dict[str, Any]] = []
        for row in sheet:
            c, r = row.criterion, row.result
            prefix = f"c{c.pk}"
            if scoring == Scoring.SCORED:
                self.fields[f"{prefix}_score"] = forms.DecimalField(
                    label=_("得分"),
                    required=False,
                    min_value=0,
                    max_value=c.max_score,
                    decimal_places=2,
                    initial=r.score if r else None,
                    widget=forms.NumberInput(attrs={"step": "0.5", "class": "num"}),
                )
                self.fields[f"{prefix}_na"] = forms.BooleanField(
                    label=_("不适用"), required=False, initial=bool(r and r.outcome == Outcome.NA)
                )
            else:
                self.fields[f"{prefix}_outcome"] = forms.ChoiceField(
                    label=_("结论"),
                    required=False,
                    choices=[("", "—"), *Outcome.choices],
                    initial=r.outcome if r else "",
                )
            self.fields[f"{prefix}_note"] = forms.CharField(
                label=_("说明"), required=False, max_length=500, initial=r.note if r else ""
            )
            names = [n for n in self.fields if n.startswith(prefix + "_") and n != f"{prefix}_note"]
            self.rows.append(
                {"criterion": c, "fields": [self[n] for n in names], "note": self[f"{prefix}_note"]}
            )

    def results(self) -> dict[str, dict[str, Any]]:
        """The cleaned rows as ``services.inspection_record`` takes them (by criterion code)."""
        data = self.cleaned_data
        out: dict[str, dict[str, Any]] = {}
        for row in self.sheet:
            prefix = f"c{row.criterion.pk}"
            note = data.get(f"{prefix}_note", "")
            if self.scoring == Scoring.SCORED:
                na = data.get(f"{prefix}_na")
                out[row.criterion.code] = {
                    "outcome": Outcome.NA if na else "",
                    "score": None if na else data.get(f"{prefix}_score"),
                    "note": note,
                }
            else:
                out[row.criterion.code] = {"outcome": data.get(f"{prefix}_outcome", ""), "note": note}
        return out


class ReasonForm(_Version):
    reason = forms.CharField(label=_("原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


# --- Findings ---------------------------------------------------------------------------------------------


class FindingForm(forms.Form):
    criterion = forms.ModelChoiceField(
        label=_("对应检查内容"),
        required=False,
        queryset=Criterion.objects.none(),
        empty_label=_("(不对应具体检查内容)"),
    )
    subject = forms.CharField(
        label=_("涉及事项"), required=False, max_length=200, help_text=_("如事项名称或编码、窗口、网页地址")
    )
    description = forms.CharField(label=_("问题描述"), widget=forms.Textarea(attrs={"rows": 4}))
    severity = forms.ChoiceField(label=_("严重程度"), choices=Severity.choices, initial=Severity.GENERAL)
    issued_on = forms.DateField(label=_("下达日期"), required=False, widget=DATE, help_text=_("默认为今天"))
    rectify_workdays = forms.IntegerField(
        label=_("整改时限(工作日)"), min_value=1, max_value=365, help_text=_("按法定工作日计算整改期限")
    )

    def __init__(
        self, *args: Any, criteria: QuerySet[Criterion], default_workdays: int, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["criterion"].queryset = criteria  # type: ignore[attr-defined]
        self.fields["rectify_workdays"].initial = default_workdays


class RectificationForm(_Version):
    text = forms.CharField(label=_("整改情况"), widget=forms.Textarea(attrs={"rows": 5}))
    file = forms.FileField(
        label=_("佐证材料"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ALLOWED_EXTENSIONS)}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("可选；%(types)s，不超过 %(mb)s MB") % {
            "types": accepted_types_text(),
            "mb": max_upload_bytes() // (1024 * 1024),
        }


class VerifyForm(_Version):
    decision = forms.ChoiceField(
        label=_("验收结论"),
        choices=[("accept", _("验收通过(销号)")), ("reject", _("验收不通过(退回整改)"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("验收意见"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("不通过时必填"),
    )
    rectify_workdays = forms.IntegerField(
        label=_("新的整改时限(工作日)"),
        required=False,
        min_value=1,
        max_value=365,
        help_text=_("不通过时可重新给出期限，从验收当日起按工作日计算；不填则沿用原期限"),
    )
