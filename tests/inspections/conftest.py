"""Shared fixtures of the inspection tests: a pass/fail and a scored checklist, a running round, an inspection
of the 人社局 (RSJ, the ``handler`` persona's department) by the ``supervisor``, and a finding on it.

Time is frozen on 2026-10-20 (a Tuesday, after the National Day holiday), so every deadline stays inside the
years the work calendar knows and the dates in assertions hold whenever the suite runs.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from zhengwu.inspections import services
from zhengwu.inspections.choices import Outcome, Scoring

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 10, 20)

CRITERIA = [
    {"code": "C1", "section": "办事指南", "text": "办事指南公开完整、要素准确", "guidance": "抽查 3 个事项"},
    {"code": "C2", "section": "申请材料", "text": "申请材料无清单外要求"},
    {"code": "C3", "section": "办理时限", "text": "按承诺时限办结"},
    {"code": "C4", "section": "收费", "text": "不收取清单外费用"},
]
SCORED_CRITERIA = [
    {"code": "S1", "section": "环境", "text": "功能分区合理", "max_score": "40"},
    {"code": "S2", "section": "窗口", "text": "综合窗口占比达标", "max_score": 30},
    {"code": "S3", "section": "服务", "text": "帮办代办服务", "max_score": "30"},
]


@pytest.fixture(autouse=True)
def _frozen_day():
    with time_machine.travel(datetime(2026, 10, 20, 10, 0, tzinfo=SHANGHAI), tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def checklist(db):
    return services.template_upsert(
        code="lic-test", name="行政许可监督检查(测试)", domain="licensing", criteria=CRITERIA, actor=None
    )


@pytest.fixture
def scored_checklist(db):
    return services.template_upsert(
        code="hall-test",
        name="大厅评估(测试)",
        domain="hall",
        scoring=Scoring.SCORED,
        criteria=SCORED_CRITERIA,
        actor=None,
    )


@pytest.fixture
def make_round(supervisor):
    def make(template, *, name="2026年度检查", start=True):
        created = services.round_create(
            template=template,
            name=name,
            year=2026,
            planned_start=date(2026, 9, 1),
            planned_end=date(2026, 12, 18),
            actor=supervisor,
        )
        return services.round_start(round=created, actor=supervisor) if start else created

    return make


@pytest.fixture
def live_round(checklist, make_round):
    return make_round(checklist)


@pytest.fixture
def inspection(live_round, orgs, supervisor):
    return services.inspection_create(
        round=live_round,
        target=orgs["rsj"],
        inspector=supervisor,
        actor=supervisor,
        inspected_on=date(2026, 9, 29),
    )


def all_pass(*fails: str, na: tuple[str, ...] = ()) -> dict[str, dict[str, str]]:
    return {
        c["code"]: {
            "outcome": Outcome.FAIL if c["code"] in fails else Outcome.NA if c["code"] in na else Outcome.PASS
        }
        for c in CRITERIA
    }


@pytest.fixture
def submitted(inspection, supervisor):
    services.inspection_record(inspection=inspection, actor=supervisor, results=all_pass("C2"))
    return services.inspection_submit(inspection=inspection, actor=supervisor)


@pytest.fixture
def make_finding(supervisor):
    def make(inspection, **kwargs):
        values = {
            "description": "窗口要求提供清单外的情况说明。",
            "subject": "人力资源服务许可",
            "issued_on": date(2026, 9, 30),
            "rectify_workdays": 10,
        }
        values.update(kwargs)
        return services.finding_create(inspection=inspection, actor=values.pop("actor", supervisor), **values)

    return make


@pytest.fixture
def finding(submitted, make_finding):
    return make_finding(submitted, criterion=submitted.round.template.criteria.get(code="C2"))


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf_upload(name: str = "整改报告.pdf", content: bytes = PDF):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/pdf")
