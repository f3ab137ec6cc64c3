"""行政许可监督检查 from the catalogue: incomplete guides of the inspected department become findings."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from zhengwu.catalog.choices import FeeMode
from zhengwu.catalog.supervision import findings_from_completeness, open_licensing_inspections
from zhengwu.core.exceptions import Conflict
from zhengwu.inspections import services as insp
from zhengwu.inspections.choices import FindingStatus

CRITERIA = [
    {"code": "XK01", "section": "办事指南", "text": "办事指南公开、要素完整准确"},
    {"code": "XK02", "section": "申请材料", "text": "申请材料无清单外要求"},
]


@pytest.fixture
def licensing_inspection(orgs, supervisor):
    template = insp.template_upsert(
        code="lic", name="行政许可监督检查", domain="licensing", criteria=CRITERIA, actor=None
    )
    live = insp.round_start(
        round=insp.round_create(
            template=template,
            name="2026年度行政许可监督检查",
            year=2026,
            planned_start=date(2026, 11, 2),
            planned_end=date(2026, 12, 18),
            actor=supervisor,
        ),
        actor=supervisor,
    )
    return insp.inspection_create(round=live, target=orgs["rsj"], inspector=supervisor, actor=supervisor)


@pytest.mark.django_db
def test_incomplete_guides_become_findings_once(make_item, orgs, supervisor, licensing_inspection):
    make_item("完整的事项")
    gap = make_item("收费未填的事项", fee_mode=FeeMode.UNSET)
    make_item("别的部门的事项", department=orgs["gaj"], fee_mode=FeeMode.UNSET)
    assert list(open_licensing_inspections(orgs["rsj"])) == [licensing_inspection]

    assert findings_from_completeness(inspection=licensing_inspection, actor=supervisor) == 1
    finding = licensing_inspection.findings.get()
    assert finding.subject == f"{gap.impl_code} 收费未填的事项"
    assert "收费" in finding.description
    assert finding.criterion.code == "XK01"
    assert finding.status == FindingStatus.OPEN
    assert finding.deadline > finding.issued_on  # working days, through the work calendar
    # Running it again raises nothing new.
    assert findings_from_completeness(inspection=licensing_inspection, actor=supervisor) == 0


@pytest.mark.django_db
def test_only_draft_licensing_inspections_take_findings(make_item, supervisor, licensing_inspection):
    make_item("收费未填的事项", fee_mode=FeeMode.UNSET)
    insp.inspection_record(
        inspection=licensing_inspection,
        actor=supervisor,
        results={"XK01": {"outcome": "fail"}, "XK02": {"outcome": "pass"}},
        inspected_on=date(2026, 11, 20),
    )
    insp.inspection_submit(inspection=licensing_inspection, actor=supervisor)
    with pytest.raises(Conflict):
        findings_from_completeness(inspection=licensing_inspection, actor=supervisor)


@pytest.mark.django_db
def test_completeness_page_offers_and_raises_findings(
    client, make_item, orgs, supervisor, handler, licensing_inspection
):
    make_item("收费未填的事项", fee_mode=FeeMode.UNSET)
    url = reverse("catalog:completeness")
    client.force_login(supervisor)
    body = client.get(url, {"department": orgs["rsj"].pk}).content.decode()
    assert "下达为监督检查问题" in body
    target = reverse("catalog:supervision-findings", args=[licensing_inspection.pk])
    response = client.post(target)
    assert response.status_code == 302
    assert licensing_inspection.findings.count() == 1
    # A department handler sees the page but cannot raise findings.
    client.force_login(handler)
    assert "下达为监督检查问题" not in client.get(url, {"department": orgs["rsj"].pk}).content.decode()
    assert client.post(target).status_code == 403
