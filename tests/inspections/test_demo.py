"""The inspection part of the demo: the licensing checklist and the 2026 round, idempotent and deterministic."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.inspections.conftest import SHANGHAI
from zhengwu.core.audit import audit_verify
from zhengwu.core.choices import OrgKind
from zhengwu.core.models import AuditEntry
from zhengwu.demo import seed
from zhengwu.inspections.choices import FindingAction, FindingStatus, InspectionStatus, RoundStatus
from zhengwu.inspections.demo import ROUND_NAME, TEMPLATE_CODE, _departments, seed_inspections
from zhengwu.inspections.models import ChecklistTemplate, Finding, FindingEvent, Inspection, InspectionRound

pytestmark = pytest.mark.django_db


@pytest.fixture
def lechang(time_machine):
    """The steps the inspections step needs (regions, organisations, accounts, calendar), on 2026-11-28."""
    time_machine.move_to(datetime(2026, 11, 28, 12, 0, tzinfo=SHANGHAI))
    ctx = seed.SeedContext()
    for step in (seed.seed_regions, seed.seed_organisations, seed.seed_accounts, seed.seed_workcalendar):
        step(ctx)
    return ctx


def counts() -> dict[str, int]:
    return {
        "templates": ChecklistTemplate.objects.count(),
        "rounds": InspectionRound.objects.count(),
        "inspections": Inspection.objects.count(),
        "findings": Finding.objects.count(),
        "events": FindingEvent.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def test_seed_inspections_builds_the_2026_round_once(lechang):
    result = seed_inspections(lechang)
    assert result.created > 10
    assert "2026年度行政许可监督检查" in result.line()

    template = ChecklistTemplate.objects.get(code=TEMPLATE_CODE, is_active=True)
    assert template.criteria.count() == 10
    assert template.domain == "licensing"
    assert template.criteria.filter(text__contains="兜底").exists()

    round_ = InspectionRound.objects.get(name=ROUND_NAME)
    assert round_.status == RoundStatus.IN_PROGRESS
    inspections = Inspection.objects.filter(round=round_).select_related("target")
    assert inspections.count() == 8
    assert {i.target.kind for i in inspections} == {OrgKind.DEPARTMENT}
    assert {"ZRZYJ", "SCJGJ"} <= {i.target.code for i in inspections}
    assert inspections.filter(status=InspectionStatus.SUBMITTED).count() == 7
    assert all(i.score is not None for i in inspections.filter(status=InspectionStatus.SUBMITTED))

    findings = Finding.objects.filter(inspection__round=round_)
    states = set(findings.values_list("status", flat=True))
    assert {FindingStatus.OPEN, FindingStatus.SUBMITTED, FindingStatus.VERIFIED} <= states
    assert findings.overdue().exists()
    assert findings.filter(status=FindingStatus.OPEN).exclude(pk__in=findings.overdue()).exists()
    assert FindingEvent.objects.filter(action=FindingAction.REJECT).exists()
    for finding in findings:  # every state was reached through the services: the timeline ends in it
        assert list(finding.events.order_by("created_at", "id"))[-1].to_status == finding.status
    assert audit_verify().ok

    before = counts()
    again = seed_inspections(lechang)
    assert again.created == 0
    assert counts() == before


def test_same_seed_same_departments(lechang):
    first = [o.code for o in _departments(seed.topic_rng(2026, "inspections"))]
    second = [o.code for o in _departments(seed.topic_rng(2026, "inspections"))]
    other = [o.code for o in _departments(seed.topic_rng(7, "inspections"))]
    assert first == second
    assert len(first) == 8
    assert first[-1] not in {"ZRZYJ", "SCJGJ"}  # the draft inspection is not a handler department's
    assert first != other
