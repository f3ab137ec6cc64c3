"""Findings: deadlines through the legal work calendar, the state machine with its timeline, who may act,
optimistic locking, overdue, and rectification files."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.inspections.conftest import SHANGHAI, pdf_upload
from zhengwu.core import workcalendar
from zhengwu.core.choices import CalendarSource
from zhengwu.core.exceptions import CalendarNotCovered, Conflict, InvalidInput, NotAllowed
from zhengwu.core.models import AuditEntry
from zhengwu.inspections import services
from zhengwu.inspections.choices import FINDING_TRANSITIONS, FindingAction, FindingStatus
from zhengwu.inspections.models import Finding, FindingEvent, Rectification

pytestmark = pytest.mark.django_db


# --- Deadlines: legal working days (core.workcalendar) ------------------------------------------------------


def test_deadline_skips_the_national_day_holiday(submitted, make_finding):
    # 2026-10-01..07 is the National Day holiday: one working day after 09-30 is 10-08, two is 10-09.
    assert make_finding(submitted, rectify_workdays=1).deadline == date(2026, 10, 8)
    assert make_finding(submitted, rectify_workdays=2).deadline == date(2026, 10, 9)
    # Saturday 10-10 is a make-up working day (调休).
    assert make_finding(submitted, rectify_workdays=3).deadline == date(2026, 10, 10)
    ten = make_finding(submitted, rectify_workdays=10)
    assert ten.deadline == date(2026, 10, 20)
    assert ten.deadline_basis == "下达后 10 个法定工作日"


def test_deadline_follows_a_local_calendar_decision(submitted, make_finding, sysadmin):
    workcalendar.workcalendar_day_set(
        day=date(2026, 10, 9), is_workday=False, name="台风停工", source=CalendarSource.LOCAL, actor=sysadmin
    )
    assert make_finding(submitted, rectify_workdays=2).deadline == date(2026, 10, 10)


def test_default_rectification_period_comes_from_settings(submitted, make_finding, settings):
    settings.ZHENGWU_RECTIFY_WORKDAYS = 3
    finding = make_finding(submitted, rectify_workdays=None)
    assert finding.rectify_workdays == 3
    assert finding.deadline == date(2026, 10, 10)


def test_deadline_outside_the_calendar_is_refused(submitted, make_finding, time_machine):
    time_machine.move_to(datetime(2026, 12, 28, 10, 0, tzinfo=SHANGHAI))
    with pytest.raises(CalendarNotCovered):
        make_finding(submitted, issued_on=date(2026, 12, 28), rectify_workdays=10)
    assert not Finding.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"description": " "}, "description"),
        ({"rectify_workdays": 0}, "rectify_workdays"),
        ({"rectify_workdays": 400}, "rectify_workdays"),
        ({"issued_on": date(2026, 9, 28)}, "issued_on"),  # before the inspection
        ({"issued_on": date(2026, 10, 21)}, "issued_on"),  # tomorrow
        ({"severity": "fatal"}, "severity"),
    ],
)
def test_finding_create_validates(submitted, make_finding, kwargs, key):
    with pytest.raises(InvalidInput) as exc:
        make_finding(submitted, **kwargs)
    assert key in exc.value.errors


def test_finding_criterion_must_belong_to_the_checklist(submitted, make_finding, scored_checklist):
    with pytest.raises(InvalidInput) as exc:
        make_finding(submitted, criterion=scored_checklist.criteria.first())
    assert "criterion" in exc.value.errors


def test_only_inspectors_raise_findings(submitted, make_finding, handler, live_round, supervisor):
    with pytest.raises(NotAllowed):
        make_finding(submitted, actor=handler)
    services.round_close(round=live_round, actor=supervisor)
    with pytest.raises(Conflict):
        make_finding(submitted)


# --- The state machine ---------------------------------------------------------------------------------------


def test_the_declared_transitions():
    assert FINDING_TRANSITIONS[FindingAction.SUBMIT] == ({FindingStatus.OPEN}, FindingStatus.SUBMITTED)
    assert FINDING_TRANSITIONS[FindingAction.ACCEPT] == ({FindingStatus.SUBMITTED}, FindingStatus.VERIFIED)
    assert FINDING_TRANSITIONS[FindingAction.REJECT] == ({FindingStatus.SUBMITTED}, FindingStatus.OPEN)
    assert FindingStatus.VERIFIED not in FINDING_TRANSITIONS[FindingAction.WITHDRAW][0]


def test_rectify_reject_rectify_accept(finding, handler, supervisor):
    assert finding.status == FindingStatus.OPEN
    first = services.finding_submit_rectification(
        finding=finding, actor=handler, text="已修订办事指南。", file=pdf_upload(), expected_version=1
    )
    finding.refresh_from_db()
    assert finding.status == FindingStatus.SUBMITTED
    assert finding.submitted_on == date(2026, 10, 20)
    assert first.original_name == "整改报告.pdf"
    assert first.file.name.endswith(".pdf")
    assert "整改报告" not in first.file.name  # stored under a random name

    services.finding_verify(
        finding=finding,
        actor=supervisor,
        accepted=False,
        comment="网上指南未同步。",
        rectify_workdays=5,
        expected_version=2,
    )
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN
    assert finding.deadline == date(2026, 10, 27)  # five working days after today's verification
    assert finding.deadline_basis == "2026-10-20 验收不通过后 5 个法定工作日"
    first.refresh_from_db()
    assert (first.accepted, first.verified_by, first.comment) == (False, supervisor, "网上指南未同步。")

    services.finding_submit_rectification(
        finding=finding, actor=handler, text="网上指南已同步。", expected_version=3
    )
    verified = services.finding_verify(finding=finding, actor=supervisor, accepted=True, expected_version=4)
    assert verified.status == FindingStatus.VERIFIED
    assert verified.closed_at is not None
    assert Rectification.objects.filter(finding=finding, accepted=True).count() == 1

    events = list(
        FindingEvent.objects.filter(finding=finding).values_list("action", "from_status", "to_status")
    )
    assert events == [
        (FindingAction.CREATE, "", FindingStatus.OPEN),
        (FindingAction.SUBMIT, FindingStatus.OPEN, FindingStatus.SUBMITTED),
        (FindingAction.REJECT, FindingStatus.SUBMITTED, FindingStatus.OPEN),
        (FindingAction.SUBMIT, FindingStatus.OPEN, FindingStatus.SUBMITTED),
        (FindingAction.ACCEPT, FindingStatus.SUBMITTED, FindingStatus.VERIFIED),
    ]
    assert "2026-10-27" in FindingEvent.objects.get(finding=finding, action=FindingAction.REJECT).note
    actions = list(
        AuditEntry.objects.filter(object_type="inspections.finding", object_id=str(finding.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "inspections.finding.create",
        "inspections.finding.submit",
        "inspections.finding.reject",
        "inspections.finding.submit",
        "inspections.finding.accept",
    ]


def test_illegal_transitions_are_conflicts(finding, handler, supervisor):
    with pytest.raises(Conflict, match="待整改"):
        services.finding_verify(finding=finding, actor=supervisor, accepted=True)
    services.finding_submit_rectification(finding=finding, actor=handler, text="已整改。")
    with pytest.raises(Conflict, match="待验收"):
        services.finding_submit_rectification(finding=finding, actor=handler, text="再交一次。")
    services.finding_verify(finding=finding, actor=supervisor, accepted=True)
    for call in (
        lambda: services.finding_verify(finding=finding, actor=supervisor, accepted=False, comment="x"),
        lambda: services.finding_withdraw(finding=finding, actor=supervisor, reason="误报"),
        lambda: services.finding_submit_rectification(finding=finding, actor=handler, text="x"),
    ):
        with pytest.raises(Conflict, match="已销号"):
            call()
    assert FindingEvent.objects.filter(finding=finding).count() == 3


def test_two_people_cannot_both_act_on_one_version(finding, handler, supervisor):
    seen = Finding.objects.get(pk=finding.pk)  # both pages were opened at version 1
    services.finding_submit_rectification(
        finding=finding, actor=handler, text="第一次提交", expected_version=1
    )
    with pytest.raises(Conflict, match="刷新"):
        services.finding_withdraw(
            finding=seen, actor=supervisor, reason="误报", expected_version=seen.version
        )
    finding.refresh_from_db()
    assert finding.status == FindingStatus.SUBMITTED


def test_withdraw_needs_a_reason(finding, supervisor, handler):
    with pytest.raises(InvalidInput):
        services.finding_withdraw(finding=finding, actor=supervisor, reason="")
    with pytest.raises(NotAllowed):
        services.finding_withdraw(finding=finding, actor=handler, reason="不认可")
    withdrawn = services.finding_withdraw(finding=finding, actor=supervisor, reason="检查人误录")
    assert withdrawn.status == FindingStatus.WITHDRAWN
    assert not withdrawn.is_overdue


# --- Who may act ------------------------------------------------------------------------------------------


def test_another_department_cannot_rectify(finding, other_handler, clerk):
    with pytest.raises(NotAllowed):
        services.finding_submit_rectification(finding=finding, actor=other_handler, text="代交")
    with pytest.raises(NotAllowed):  # the hall clerk has no rectify permission
        services.finding_submit_rectification(finding=finding, actor=clerk, text="代交")
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN
    assert not Rectification.objects.exists()


def test_a_unit_of_the_department_is_rectified_by_the_department(
    live_round, orgs, supervisor, handler, make_finding
):
    unit = services.inspection_create(
        round=live_round,
        target=orgs["rsj_unit"],
        inspector=supervisor,
        actor=supervisor,
        inspected_on=date(2026, 9, 29),
    )
    finding = make_finding(unit)
    services.finding_submit_rectification(finding=finding, actor=handler, text="社保局已整改。")


def test_handlers_do_not_verify_and_nobody_verifies_their_own_submission(finding, handler, supervisor):
    services.finding_submit_rectification(finding=finding, actor=handler, text="已整改。")
    with pytest.raises(NotAllowed):
        services.finding_verify(finding=finding, actor=handler, accepted=True)
    services.finding_verify(finding=finding, actor=supervisor, accepted=False, comment="材料不全。")
    services.finding_submit_rectification(finding=finding, actor=supervisor, text="代为登记纸质整改报告。")
    with pytest.raises(NotAllowed, match="自己"):
        services.finding_verify(finding=finding, actor=supervisor, accepted=True)


def test_verification_rules(finding, handler, supervisor):
    services.finding_submit_rectification(finding=finding, actor=handler, text="已整改。")
    with pytest.raises(InvalidInput) as exc:
        services.finding_verify(finding=finding, actor=supervisor, accepted=False, comment="")
    assert "comment" in exc.value.errors
    with pytest.raises(InvalidInput):
        services.finding_verify(finding=finding, actor=supervisor, accepted=True, rectify_workdays=5)
    finding.refresh_from_db()
    assert finding.status == FindingStatus.SUBMITTED


def test_event_time_can_be_earlier_but_not_later(finding, handler):
    with pytest.raises(InvalidInput):
        services.finding_submit_rectification(
            finding=finding, actor=handler, text="未来", at=datetime(2026, 10, 21, 9, 0, tzinfo=SHANGHAI)
        )
    with pytest.raises(InvalidInput):
        services.finding_submit_rectification(
            finding=finding, actor=handler, text="下达前", at=datetime(2026, 9, 29, 9, 0, tzinfo=SHANGHAI)
        )
    services.finding_submit_rectification(
        finding=finding, actor=handler, text="纸质报告", at=datetime(2026, 10, 9, 9, 0, tzinfo=SHANGHAI)
    )
    finding.refresh_from_db()
    assert finding.submitted_on == date(2026, 10, 9)


# --- Overdue ------------------------------------------------------------------------------------------------


def _overdue_ids() -> set[int]:
    return set(Finding.objects.overdue().values_list("pk", flat=True))


def test_overdue_open_after_the_deadline_day(finding, time_machine):
    assert finding.deadline == date(2026, 10, 20)
    assert not finding.is_overdue  # the deadline day itself is still in time
    assert _overdue_ids() == set()
    time_machine.move_to(datetime(2026, 10, 21, 9, 0, tzinfo=SHANGHAI))
    assert finding.is_overdue
    assert _overdue_ids() == {finding.pk}


def test_overdue_when_rectification_came_late(finding, handler, supervisor, time_machine):
    time_machine.move_to(datetime(2026, 10, 22, 9, 0, tzinfo=SHANGHAI))
    services.finding_submit_rectification(finding=finding, actor=handler, text="迟交")
    finding.refresh_from_db()
    assert finding.is_overdue
    assert _overdue_ids() == {finding.pk}
    services.finding_verify(finding=finding, actor=supervisor, accepted=True)
    finding.refresh_from_db()
    assert not finding.is_overdue
    assert _overdue_ids() == set()


def test_rectified_in_time_is_not_overdue(finding, handler, time_machine):
    services.finding_submit_rectification(finding=finding, actor=handler, text="按期")
    time_machine.move_to(datetime(2026, 11, 20, 9, 0, tzinfo=SHANGHAI))
    finding.refresh_from_db()
    assert not finding.is_overdue
    assert _overdue_ids() == set()


# --- Rectification files ------------------------------------------------------------------------------------


def _office(kind: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml" if kind == "docx" else "xl/workbook.xml", "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("报告.docx", _office("docx")),
        ("台账.xlsx", _office("xlsx")),
        ("照片.JPG", b"\xff\xd8\xff\xe0" + b"0" * 20),
        ("截图.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20),
    ],
)
def test_accepted_file_types(finding, handler, name, content):
    rectification = services.finding_submit_rectification(
        finding=finding, actor=handler, text="见附件", file=SimpleUploadedFile(name, content)
    )
    assert rectification.original_name == name
    assert rectification.file.read() == content


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("脚本.exe", b"MZ" + b"0" * 20, "类型"),
        ("假的.pdf", b"<html>not a pdf</html>", "不符"),
        ("假的.docx", _office("xlsx"), "有效"),
        ("假的.xlsx", b"PK\x03\x04broken", "有效"),
        ("空.pdf", b"", "空"),
    ],
)
def test_refused_files(finding, handler, name, content, message):
    with pytest.raises(InvalidInput, match=message) as exc:
        services.finding_submit_rectification(
            finding=finding, actor=handler, text="见附件", file=SimpleUploadedFile(name, content)
        )
    assert "file" in exc.value.errors
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN


def test_file_size_limit(finding, handler, settings):
    settings.ZHENGWU_RECTIFY_MAX_UPLOAD_MB = 1
    big = pdf_upload(content=b"%PDF-1.4\n" + b"0" * (1024 * 1024))
    with pytest.raises(InvalidInput, match="1 MB"):
        services.finding_submit_rectification(finding=finding, actor=handler, text="见附件", file=big)
