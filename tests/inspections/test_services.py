"""Checklists, rounds and inspections through the services: validation, versions, scoring, audit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.inspections.conftest import CRITERIA, all_pass
from zhengwu.core.exceptions import Conflict, InvalidInput, NotAllowed
from zhengwu.core.models import AuditEntry
from zhengwu.inspections import services
from zhengwu.inspections.choices import InspectionStatus, Outcome, RoundStatus, Scoring
from zhengwu.inspections.models import ChecklistTemplate, Criterion, CriterionResult

pytestmark = pytest.mark.django_db


# --- Checklist templates ----------------------------------------------------------------------------------


def test_template_upsert_is_idempotent(checklist):
    audits = AuditEntry.objects.count()
    again = services.template_upsert(
        code="lic-test", name="行政许可监督检查(测试)", domain="licensing", criteria=CRITERIA, actor=None
    )
    assert again.pk == checklist.pk
    assert again.version == 1
    assert Criterion.objects.filter(template=checklist).count() == 4
    assert AuditEntry.objects.count() == audits  # nothing changed, nothing written
    assert AuditEntry.objects.filter(
        action="inspections.template.create", object_id=str(checklist.pk)
    ).exists()


def test_template_upsert_changes_an_unused_version_in_place(checklist):
    changed = services.template_upsert(
        code="lic-test",
        name="行政许可监督检查(测试)",
        domain="licensing",
        criteria=[*CRITERIA, {"code": "C5", "text": "投诉电话公开且有效"}],
        actor=None,
    )
    assert changed.pk == checklist.pk
    assert changed.version == 1
    assert list(changed.criteria.values_list("code", flat=True)) == ["C1", "C2", "C3", "C4", "C5"]
    assert AuditEntry.objects.filter(action="inspections.template.update").count() == 1


def test_template_used_by_a_round_gets_a_new_version(checklist, live_round):
    renamed = services.template_upsert(
        code="lic-test", name="行政许可监督检查(改名)", domain="licensing", criteria=CRITERIA, actor=None
    )
    assert renamed.pk == checklist.pk  # a new name alone does not change what past results mean

    new = services.template_upsert(
        code="lic-test", name="行政许可监督检查(改名)", domain="licensing", criteria=CRITERIA[:3], actor=None
    )
    assert new.pk != checklist.pk
    assert new.version == 2
    checklist.refresh_from_db()
    assert not checklist.is_active
    assert checklist.criteria.count() == 4  # the version the round uses keeps its criteria
    live_round.refresh_from_db()
    assert live_round.template_id == checklist.pk
    assert ChecklistTemplate.objects.filter(code="lic-test", is_active=True).get() == new
    assert AuditEntry.objects.filter(action="inspections.template.new_version").exists()


@pytest.mark.parametrize(
    ("criteria", "scoring", "key"),
    [
        ([], Scoring.PASS_FAIL, "criteria"),
        ([{"code": "A", "text": "x"}, {"code": "A", "text": "y"}], Scoring.PASS_FAIL, "criteria.2"),
        ([{"code": "A b", "text": "x"}], Scoring.PASS_FAIL, "criteria.1"),
        ([{"code": "A", "text": ""}], Scoring.PASS_FAIL, "criteria.1"),
        ([{"code": "A", "text": "x"}], Scoring.SCORED, "criteria.1"),
        ([{"code": "A", "text": "x", "max_score": "abc"}], Scoring.SCORED, "criteria.1"),
        ([{"code": "A", "text": "x", "weight": 3}], Scoring.PASS_FAIL, "criteria.1"),
    ],
)
def test_template_upsert_rejects_bad_criteria(criteria, scoring, key):
    with pytest.raises(InvalidInput) as exc:
        services.template_upsert(
            code="bad", name="坏检查表", domain="licensing", scoring=scoring, criteria=criteria, actor=None
        )
    assert key in exc.value.errors


def test_template_upsert_rejects_bad_codes_and_foreign_actors(handler):
    with pytest.raises(InvalidInput):
        services.template_upsert(code="Bad Code", name="x", domain="licensing", criteria=CRITERIA, actor=None)
    with pytest.raises(InvalidInput):
        services.template_upsert(code="ok", name="x", domain="Licensing!", criteria=CRITERIA, actor=None)
    with pytest.raises(NotAllowed):
        services.template_upsert(code="ok", name="x", domain="licensing", criteria=CRITERIA, actor=handler)


def test_pass_fail_templates_ignore_max_score(db):
    template = services.template_upsert(
        code="pf",
        name="合格制",
        domain="website",
        criteria=[{"code": "W1", "text": "首页可访问", "max_score": 5}],
        actor=None,
    )
    assert template.criteria.get().max_score == Decimal("0.00")


# --- Rounds -----------------------------------------------------------------------------------------------


def test_round_lifecycle_planned_running_closed(checklist, make_round, supervisor):
    created = make_round(checklist, start=False)
    assert created.status == RoundStatus.PLANNED
    started = services.round_start(round=created, actor=supervisor)
    assert started.status == RoundStatus.IN_PROGRESS
    assert started.started_at is not None
    with pytest.raises(Conflict):
        services.round_start(round=started, actor=supervisor)
    closed = services.round_close(round=started, actor=supervisor)
    assert closed.status == RoundStatus.CLOSED
    with pytest.raises(Conflict):
        services.round_close(round=closed, actor=supervisor)
    actions = set(
        AuditEntry.objects.filter(object_type="inspections.inspectionround").values_list("action", flat=True)
    )
    assert actions == {"inspections.round.create", "inspections.round.start", "inspections.round.close"}


def test_round_cannot_close_with_draft_inspections(inspection, live_round, supervisor):
    with pytest.raises(InvalidInput, match="未提交"):
        services.round_close(round=live_round, actor=supervisor)


def test_round_create_validates(checklist, supervisor, handler, make_round):
    make_round(checklist, name="重复")
    with pytest.raises(Conflict):
        make_round(checklist, name="重复")
    with pytest.raises(InvalidInput) as exc:
        services.round_create(
            template=checklist,
            name="反了",
            year=2026,
            planned_start=date(2026, 10, 1),
            planned_end=date(2026, 9, 1),
            actor=supervisor,
        )
    assert "planned_end" in exc.value.errors
    with pytest.raises(NotAllowed):
        services.round_create(
            template=checklist,
            name="越权",
            year=2026,
            planned_start=date(2026, 9, 1),
            planned_end=date(2026, 9, 30),
            actor=handler,
        )


def test_round_create_refuses_an_old_template_version(checklist, live_round, make_round):
    services.template_upsert(
        code="lic-test", name="新版", domain="licensing", criteria=CRITERIA[:2], actor=None
    )
    checklist.refresh_from_db()
    with pytest.raises(InvalidInput) as exc:
        make_round(checklist, name="旧版批次")
    assert "template" in exc.value.errors


# --- Inspections ------------------------------------------------------------------------------------------


def test_inspection_create_rules(live_round, orgs, supervisor, handler, other_handler, clerk):
    services.inspection_create(round=live_round, target=orgs["gaj"], inspector=supervisor, actor=supervisor)
    with pytest.raises(Conflict):
        services.inspection_create(
            round=live_round, target=orgs["gaj"], inspector=supervisor, actor=supervisor
        )
    with pytest.raises(InvalidInput) as exc:  # 回避: nobody inspects their own department
        services.inspection_create(round=live_round, target=orgs["rsj"], inspector=handler, actor=supervisor)
    assert "inspector" in exc.value.errors
    with pytest.raises(InvalidInput):  # the clerk cannot see inspections at all
        services.inspection_create(round=live_round, target=orgs["rsj"], inspector=clerk, actor=supervisor)
    with pytest.raises(NotAllowed):
        services.inspection_create(
            round=live_round, target=orgs["rsj"], inspector=other_handler, actor=handler
        )
    with pytest.raises(InvalidInput):
        services.inspection_create(
            round=live_round,
            target=orgs["rsj"],
            inspector=supervisor,
            actor=supervisor,
            inspected_on=date(2026, 10, 21),  # tomorrow
        )


def test_inspection_create_refused_in_a_closed_round(live_round, orgs, supervisor):
    services.round_close(round=live_round, actor=supervisor)
    with pytest.raises(Conflict):
        services.inspection_create(
            round=live_round, target=orgs["rsj"], inspector=supervisor, actor=supervisor
        )


def test_record_and_submit_pass_fail(inspection, supervisor):
    services.inspection_record(
        inspection=inspection, actor=supervisor, results=all_pass("C2", na=("C4",)), summary="发现问题 1 个"
    )
    inspection.refresh_from_db()
    assert inspection.version == 2
    assert inspection.summary == "发现问题 1 个"
    submitted = services.inspection_submit(inspection=inspection, actor=supervisor, expected_version=2)
    assert submitted.status == InspectionStatus.SUBMITTED
    assert (submitted.passed, submitted.failed, submitted.not_applicable) == (2, 1, 1)
    assert submitted.score == Decimal("66.67")  # 2 ÷ (2 + 1); 不适用 counts in neither
    assert submitted.points is None
    entry = AuditEntry.objects.get(action="inspections.inspection.submit")
    assert entry.after["score"] == "66.67"


def test_record_and_submit_scored(scored_checklist, make_round, orgs, supervisor):
    scored_round = make_round(scored_checklist)
    inspection = services.inspection_create(
        round=scored_round,
        target=orgs["hall"],
        inspector=supervisor,
        actor=supervisor,
        inspected_on=date(2026, 10, 9),
    )
    services.inspection_record(
        inspection=inspection,
        actor=supervisor,
        results={
            "S1": {"score": "40"},
            "S2": {"score": "20.5", "note": "扣分"},
            "S3": {"outcome": Outcome.NA},
        },
    )
    outcomes = dict(CriterionResult.objects.values_list("criterion__code", "outcome"))
    assert outcomes == {"S1": Outcome.PASS, "S2": Outcome.FAIL, "S3": Outcome.NA}
    submitted = services.inspection_submit(inspection=inspection, actor=supervisor)
    assert submitted.points == Decimal("60.50")
    assert submitted.max_points == Decimal("70.00")
    assert submitted.score == Decimal("86.43")  # 60.5 ÷ 70 × 100


@pytest.mark.parametrize(
    ("results", "code"),
    [
        ({"S1": {"score": "41"}}, "S1"),
        ({"S1": {"score": "-1"}}, "S1"),
        ({"S1": {"score": "abc"}}, "S1"),
        ({"S1": {"outcome": Outcome.NA, "score": "3"}}, "S1"),
        ({"S1": {"outcome": Outcome.PASS}}, "S1"),
        ({"S9": {"score": "1"}}, "S9"),
    ],
)
def test_scored_results_are_validated(scored_checklist, make_round, orgs, supervisor, results, code):
    inspection = services.inspection_create(
        round=make_round(scored_checklist), target=orgs["hall"], inspector=supervisor, actor=supervisor
    )
    with pytest.raises(InvalidInput) as exc:
        services.inspection_record(inspection=inspection, actor=supervisor, results=results)
    assert code in exc.value.errors
    assert not CriterionResult.objects.exists()


@pytest.mark.parametrize(
    "raw",
    [
        {"outcome": "maybe"},
        {"outcome": Outcome.PASS, "score": "1"},
        {"note": "只写说明"},
        {"outcome": Outcome.PASS, "note": "长" * 501},
    ],
)
def test_pass_fail_results_are_validated(inspection, supervisor, raw):
    with pytest.raises(InvalidInput) as exc:
        services.inspection_record(inspection=inspection, actor=supervisor, results={"C1": raw})
    assert "C1" in exc.value.errors


def test_record_updates_and_clears_results(inspection, supervisor):
    services.inspection_record(inspection=inspection, actor=supervisor, results=all_pass())
    services.inspection_record(
        inspection=inspection,
        actor=supervisor,
        results={"C1": {"outcome": Outcome.FAIL}, "C2": {"outcome": ""}},
    )
    assert dict(CriterionResult.objects.values_list("criterion__code", "outcome")) == {
        "C1": Outcome.FAIL,
        "C3": Outcome.PASS,
        "C4": Outcome.PASS,
    }


def test_submit_needs_every_criterion_and_a_date(live_round, orgs, supervisor):
    inspection = services.inspection_create(
        round=live_round, target=orgs["gaj"], inspector=supervisor, actor=supervisor
    )
    services.inspection_record(
        inspection=inspection, actor=supervisor, results={"C1": {"outcome": Outcome.PASS}}
    )
    with pytest.raises(InvalidInput) as exc:
        services.inspection_submit(inspection=inspection, actor=supervisor)
    assert "C2、C3、C4" in exc.value.errors["results"][0]
    assert "inspected_on" in exc.value.errors


def test_submit_refuses_when_nothing_applies(inspection, supervisor):
    services.inspection_record(
        inspection=inspection, actor=supervisor, results=all_pass(na=("C1", "C2", "C3", "C4"))
    )
    with pytest.raises(InvalidInput, match="不适用"):
        services.inspection_submit(inspection=inspection, actor=supervisor)


def test_submitted_inspection_is_frozen_until_reopened(submitted, supervisor, handler):
    with pytest.raises(Conflict):
        services.inspection_record(inspection=submitted, actor=supervisor, results=all_pass())
    with pytest.raises(Conflict):
        services.inspection_submit(inspection=submitted, actor=supervisor)
    with pytest.raises(NotAllowed):
        services.inspection_reopen(inspection=submitted, actor=handler, reason="想改")
    with pytest.raises(InvalidInput):
        services.inspection_reopen(inspection=submitted, actor=supervisor, reason=" ")
    reopened = services.inspection_reopen(inspection=submitted, actor=supervisor, reason="C3 结论录错")
    assert reopened.status == InspectionStatus.DRAFT
    assert reopened.score is None
    services.inspection_record(inspection=reopened, actor=supervisor, results=all_pass())
    assert services.inspection_submit(inspection=reopened, actor=supervisor).score == Decimal("100.00")


def test_results_only_while_the_round_runs(checklist, make_round, orgs, supervisor):
    planned = make_round(checklist, start=False)
    inspection = services.inspection_create(
        round=planned, target=orgs["rsj"], inspector=supervisor, actor=supervisor
    )
    with pytest.raises(Conflict, match="检查批次"):
        services.inspection_record(inspection=inspection, actor=supervisor, results=all_pass())


def test_stale_version_is_a_conflict(inspection, supervisor):
    services.inspection_record(
        inspection=inspection, actor=supervisor, results=all_pass(), expected_version=1
    )
    with pytest.raises(Conflict, match="刷新"):
        services.inspection_record(
            inspection=inspection, actor=supervisor, results=all_pass("C1"), expected_version=1
        )


def test_only_the_inspector_or_a_manager_records(
    inspection, live_round, orgs, supervisor, handler, other_handler
):
    with pytest.raises(NotAllowed):
        services.inspection_record(inspection=inspection, actor=handler, results=all_pass())
    # 交叉检查: a handler of another department named inspector may record (but not manage the round).
    crossed = services.inspection_create(
        round=live_round, target=orgs["rsj_unit"], inspector=other_handler, actor=supervisor
    )
    services.inspection_record(
        inspection=crossed, actor=other_handler, results=all_pass(), inspected_on=date(2026, 10, 19)
    )
    assert services.inspection_submit(inspection=crossed, actor=other_handler).score == Decimal("100.00")
    with pytest.raises(NotAllowed):
        services.round_close(round=live_round, actor=other_handler)


def test_compute_score_rounds_half_up():
    score = services.compute_score(
        Scoring.PASS_FAIL, [(Outcome.PASS, None, Decimal(0))] * 2 + [(Outcome.FAIL, None, Decimal(0))] * 1
    )
    assert score.score == Decimal("66.67")
    one_of_eight = services.compute_score(
        Scoring.PASS_FAIL, [(Outcome.PASS, None, Decimal(0))] + [(Outcome.FAIL, None, Decimal(0))] * 7
    )
    assert one_of_eight.score == Decimal("12.50")
    scored = services.compute_score(
        Scoring.SCORED,
        [(Outcome.FAIL, Decimal("0.125"), Decimal("1")), (Outcome.PASS, Decimal(2), Decimal(2))],
    )
    assert scored.score == Decimal("70.83")  # 2.125 ÷ 3 = 70.8333…
