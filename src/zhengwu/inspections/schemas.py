"""API schemas of the inspection mechanism (XIn / XOut). Scores are numbers on a 100-point scale."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.urls import reverse
from ninja import Field, Schema


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


class RoundOut(Schema):
    id: int
    name: str
    year: int
    status: str
    status_label: str
    template_code: str
    template_name: str
    template_version: int
    domain: str
    scoring: str
    planned_start: date
    planned_end: date
    n_inspections: int = Field(description="被检查单位数")
    n_submitted: int = Field(description="已提交检查记录数")
    avg_score: float | None = Field(description="已提交检查记录的百分制得分平均值")
    n_findings: int
    n_active: int = Field(description="未销号问题(待整改、待验收)")
    n_overdue: int = Field(description="逾期问题")

    @staticmethod
    def resolve_status_label(obj: Any) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_template_code(obj: Any) -> str:
        return str(obj.template.code)

    @staticmethod
    def resolve_template_name(obj: Any) -> str:
        return str(obj.template.name)

    @staticmethod
    def resolve_template_version(obj: Any) -> int:
        return int(obj.template.version)

    @staticmethod
    def resolve_domain(obj: Any) -> str:
        return str(obj.template.domain)

    @staticmethod
    def resolve_scoring(obj: Any) -> str:
        return str(obj.template.scoring)

    @staticmethod
    def resolve_avg_score(obj: Any) -> float | None:
        return _float(obj.avg_score)


class InspectionOut(Schema):
    id: int
    version: int = Field(description="乐观锁版本号")
    round_id: int
    round_name: str
    target_id: int
    target_name: str
    inspector: str
    inspected_on: date | None
    status: str
    status_label: str
    score: float | None = Field(description="百分制得分(提交后)")
    passed: int
    failed: int
    not_applicable: int
    n_findings: int
    n_active: int
    n_overdue: int

    @staticmethod
    def resolve_round_name(obj: Any) -> str:
        return str(obj.round.name)

    @staticmethod
    def resolve_target_name(obj: Any) -> str:
        return str(obj.target.name)

    @staticmethod
    def resolve_inspector(obj: Any) -> str:
        return str(obj.inspector)

    @staticmethod
    def resolve_status_label(obj: Any) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_score(obj: Any) -> float | None:
        return _float(obj.score)


class ResultOut(Schema):
    criterion_code: str
    section: str
    text: str
    max_score: float
    outcome: str | None
    outcome_label: str | None
    score: float | None
    note: str


class InspectionDetailOut(InspectionOut):
    summary: str
    results: list[ResultOut]

    @staticmethod
    def resolve_results(obj: Any) -> list[dict[str, Any]]:
        from zhengwu.inspections.selectors import inspection_sheet

        return [
            {
                "criterion_code": row.criterion.code,
                "section": row.criterion.section,
                "text": row.criterion.text,
                "max_score": float(row.criterion.max_score),
                "outcome": row.result.outcome if row.result else None,
                "outcome_label": str(row.result.get_outcome_display()) if row.result else None,
                "score": _float(row.result.score) if row.result else None,
                "note": row.result.note if row.result else "",
            }
            for row in inspection_sheet(obj)
        ]


class FindingOut(Schema):
    id: int
    version: int = Field(description="乐观锁版本号：提交整改、验收时回传")
    inspection_id: int
    round_id: int
    round_name: str
    target_id: int
    target_name: str
    criterion_code: str | None
    subject: str
    description: str
    severity: str
    severity_label: str
    issued_on: date
    rectify_workdays: int
    deadline: date = Field(description="整改期限：下达日期后第 N 个法定工作日")
    status: str
    status_label: str
    submitted_on: date | None
    is_overdue: bool

    @staticmethod
    def resolve_round_id(obj: Any) -> int:
        return int(obj.inspection.round_id)

    @staticmethod
    def resolve_round_name(obj: Any) -> str:
        return str(obj.inspection.round.name)

    @staticmethod
    def resolve_target_id(obj: Any) -> int:
        return int(obj.inspection.target_id)

    @staticmethod
    def resolve_target_name(obj: Any) -> str:
        return str(obj.inspection.target.name)

    @staticmethod
    def resolve_criterion_code(obj: Any) -> str | None:
        return obj.criterion.code if obj.criterion_id else None

    @staticmethod
    def resolve_severity_label(obj: Any) -> str:
        return str(obj.get_severity_display())

    @staticmethod
    def resolve_status_label(obj: Any) -> str:
        return str(obj.get_status_display())


class EventOut(Schema):
    created_at: datetime
    actor: str
    action: str
    action_label: str
    from_status: str
    to_status: str
    note: str

    @staticmethod
    def resolve_actor(obj: Any) -> str:
        return str(obj.actor_name)

    @staticmethod
    def resolve_action_label(obj: Any) -> str:
        return str(obj.get_action_display())


class RectificationOut(Schema):
    id: int
    submitted_by: str | None
    submitted_at: datetime
    text: str
    file_name: str
    file_url: str | None = Field(description="附件下载地址(需登录)")
    accepted: bool | None
    verified_by: str | None
    verified_at: datetime | None
    comment: str

    @staticmethod
    def resolve_submitted_by(obj: Any) -> str | None:
        return str(obj.submitted_by) if obj.submitted_by_id else None

    @staticmethod
    def resolve_file_name(obj: Any) -> str:
        return str(obj.original_name)

    @staticmethod
    def resolve_file_url(obj: Any) -> str | None:
        return reverse("inspections:rectification-file", args=[obj.pk]) if obj.file else None

    @staticmethod
    def resolve_verified_by(obj: Any) -> str | None:
        return str(obj.verified_by) if obj.verified_by_id else None


class FindingDetailOut(FindingOut):
    events: list[EventOut]
    rectifications: list[RectificationOut]

    @staticmethod
    def resolve_events(obj: Any) -> list[Any]:
        return list(obj.events.all())

    @staticmethod
    def resolve_rectifications(obj: Any) -> list[Any]:
        return list(obj.rectifications.all())


class VerifyIn(Schema):
    accepted: bool = Field(description="true 验收通过(销号)；false 不通过(退回整改)")
    comment: str = Field("", description="验收意见；不通过时必填")
    rectify_workdays: int | None = Field(None, description="不通过时的新整改时限(工作日，自验收日起算)")
    version: int | None = Field(None, description="读取时的版本号；不一致时返回 409")
