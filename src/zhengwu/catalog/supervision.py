"""行政许可监督检查 from the catalogue's side: the guide-disclosure criterion checked against records.

The inspection mechanism (zhengwu.inspections) is generic; this module is what licensing supervision adds: the
guide-disclosure criterion (XK01: 办事指南公开、要素完整准确) can be evidenced by the completeness audit, and each
incomplete item of the inspected department becomes a finding with a working-day rectification deadline.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet

from zhengwu.catalog.selectors import completeness_report
from zhengwu.core.exceptions import Conflict
from zhengwu.core.models import Organisation, User
from zhengwu.inspections import services as inspection_services
from zhengwu.inspections.choices import InspectionStatus, RoundStatus
from zhengwu.inspections.models import Inspection

LICENSING_DOMAIN = "licensing"
GUIDE_CRITERION = "XK01"


def open_licensing_inspections(department: Organisation) -> QuerySet[Inspection]:
    """Inspections of this department, in a licensing round under way, still being recorded."""
    return Inspection.objects.filter(
        target=department,
        status=InspectionStatus.DRAFT,
        round__status=RoundStatus.IN_PROGRESS,
        round__template__domain=LICENSING_DOMAIN,
    ).select_related("round")


@transaction.atomic
def findings_from_completeness(*, inspection: Inspection, actor: User) -> int:
    """Raise one finding per incomplete item of the inspected department (once per item); return how many."""
    inspection = Inspection.objects.select_related("round__template", "target").get(pk=inspection.pk)
    if inspection.round.template.domain != LICENSING_DOMAIN or inspection.status != InspectionStatus.DRAFT:
        raise Conflict("只能向记录中的行政许可监督检查添加问题。")
    criterion = inspection.round.template.criteria.filter(code=GUIDE_CRITERION).first()
    already = set(inspection.findings.values_list("subject", flat=True))
    created = 0
    for audit in completeness_report(department=inspection.target_id).audits:
        if audit.complete:
            continue
        subject = f"{audit.item.impl_code} {audit.item.name}"[:200]
        if subject in already:
            continue
        problems = "；".join(f"{rule.label}：{problem}" for rule, problem in audit.problems)
        inspection_services.finding_create(
            inspection=inspection,
            actor=actor,
            subject=subject,
            criterion=criterion,
            description=f"办事指南要素缺失或不合规（指南完整性核查）：{problems}"[:2000],
        )
        created += 1
    return created
