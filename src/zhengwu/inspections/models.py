"""The one inspection mechanism: checklists, rounds, inspections with per-criterion results, and findings.

Licensing supervision, hall assessment, network-security and website checks are all a checklist template
(criteria), a round (检查批次) inspecting organisations, one inspection per organisation with a result per
criterion, and findings (问题) the organisation must rectify within a number of legal working days, each
rectification verified by the inspector. Only ``services`` change these rows.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhengwu.core.models import Organisation
from zhengwu.inspections.choices import (
    ACTIVE_FINDING_STATES,
    FindingAction,
    FindingStatus,
    InspectionStatus,
    Outcome,
    RoundStatus,
    Scoring,
    Severity,
    domain_label,
)


class ChecklistTemplate(models.Model):
    """A checklist (检查表): criteria grouped in sections, marked pass/fail or scored.

    ``code`` names the checklist across versions. Rounds point at one version; once a version is used, a change
    of its criteria makes a new version (``services.template_upsert``) so past results keep their meaning.
    Exactly one version per code is active (the one new rounds use).
    """

    code = models.SlugField(_("代码"), max_length=40)
    version = models.PositiveIntegerField(_("版本"), default=1)
    name = models.CharField(_("名称"), max_length=100)
    domain = models.CharField(_("检查类别"), max_length=20, db_index=True)
    scoring = models.CharField(_("评分方式"), max_length=10, choices=Scoring, default=Scoring.PASS_FAIL)
    description = models.TextField(_("说明"), blank=True)
    is_active = models.BooleanField(_("现行版本"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("检查表")
        verbose_name_plural = _("检查表")
        ordering = ["domain", "code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="insp_template_code_version"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(is_active=True), name="insp_template_one_active_version"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="insp_template_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name}(v{self.version})"

    @property
    def domain_label(self) -> str:
        return domain_label(self.domain)

    @property
    def is_scored(self) -> bool:
        return self.scoring == Scoring.SCORED


class Criterion(models.Model):
    """One line of a checklist: what is checked (检查内容), how (检查方法/依据) and, when scored, the points."""

    template = models.ForeignKey(
        ChecklistTemplate, verbose_name=_("检查表"), on_delete=models.CASCADE, related_name="criteria"
    )
    section = models.CharField(_("检查项目"), max_length=60, blank=True)
    code = models.CharField(_("编号"), max_length=30)
    text = models.CharField(_("检查内容"), max_length=300)
    guidance = models.TextField(_("检查方法与依据"), blank=True)
    max_score = models.DecimalField(_("分值"), max_digits=6, decimal_places=2, default=0)
    order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("检查内容")
        verbose_name_plural = _("检查内容")
        ordering = ["template_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["template", "code"], name="insp_criterion_template_code"),
            models.CheckConstraint(condition=Q(max_score__gte=0), name="insp_criterion_max_score_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.text}"


class InspectionRound(models.Model):
    """检查批次: one checklist applied to a set of organisations over a planned period."""

    template = models.ForeignKey(
        ChecklistTemplate, verbose_name=_("检查表"), on_delete=models.PROTECT, related_name="rounds"
    )
    name = models.CharField(_("批次名称"), max_length=100)
    year = models.PositiveSmallIntegerField(_("年度"))
    planned_start = models.DateField(_("计划开始"))
    planned_end = models.DateField(_("计划结束"))
    status = models.CharField(_("状态"), max_length=12, choices=RoundStatus, default=RoundStatus.PLANNED)
    notes = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("检查批次")
        verbose_name_plural = _("检查批次")
        ordering = ["-year", "-planned_start", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["template", "year", "name"], name="insp_round_unique_name"),
            models.CheckConstraint(
                condition=Q(planned_end__gte=F("planned_start")), name="insp_round_planned_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Inspection(models.Model):
    """One organisation inspected in a round: a result per criterion, and the score fixed on submission.

    ``score`` is on a 100-point scale: for scored checklists Σ points ÷ Σ maximum of the applicable criteria
    × 100; for pass/fail checklists the pass rate passes ÷ (passes + fails) × 100. 不适用 criteria count in
    neither. ``version`` increases with every write (optimistic locking).
    """

    round = models.ForeignKey(
        InspectionRound, verbose_name=_("检查批次"), on_delete=models.PROTECT, related_name="inspections"
    )
    target = models.ForeignKey(
        Organisation, verbose_name=_("被检查单位"), on_delete=models.PROTECT, related_name="inspections"
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("检查人"),
        on_delete=models.PROTECT,
        related_name="inspections_led",
    )
    inspected_on = models.DateField(_("检查日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=InspectionStatus, default=InspectionStatus.DRAFT
    )
    score = models.DecimalField(_("得分(百分制)"), max_digits=5, decimal_places=2, null=True, blank=True)
    points = models.DecimalField(_("得分"), max_digits=8, decimal_places=2, null=True, blank=True)
    max_points = models.DecimalField(_("应得分"), max_digits=8, decimal_places=2, null=True, blank=True)
    passed = models.PositiveSmallIntegerField(_("符合项"), default=0)
    failed = models.PositiveSmallIntegerField(_("不符合项"), default=0)
    not_applicable = models.PositiveSmallIntegerField(_("不适用项"), default=0)
    summary = models.TextField(_("检查意见"), blank=True)
    version = models.PositiveIntegerField(_("版本号"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("检查记录")
        verbose_name_plural = _("检查记录")
        ordering = ["round_id", "target_id"]
        permissions = [("manage_inspection", _("组织监督检查(检查表、批次、检查记录、问题验收)"))]
        constraints = [
            models.UniqueConstraint(fields=["round", "target"], name="insp_inspection_round_target"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=100),
                name="insp_inspection_score_range",
            ),
            models.CheckConstraint(
                condition=Q(status=InspectionStatus.DRAFT)
                | Q(score__isnull=False, inspected_on__isnull=False, submitted_at__isnull=False),
                name="insp_inspection_submitted_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round.name} · {self.target.name}"


class CriterionResult(models.Model):
    """The result of one criterion in one inspection (score only for scored checklists)."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("检查记录"), on_delete=models.CASCADE, related_name="results"
    )
    criterion = models.ForeignKey(
        Criterion, verbose_name=_("检查内容"), on_delete=models.PROTECT, related_name="results"
    )
    outcome = models.CharField(_("结论"), max_length=4, choices=Outcome)
    score = models.DecimalField(_("得分"), max_digits=6, decimal_places=2, null=True, blank=True)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("检查结果")
        verbose_name_plural = _("检查结果")
        ordering = ["inspection_id", "criterion__order", "criterion_id"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "criterion"], name="insp_result_unique"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0), name="insp_result_score_nonneg"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion.code} {self.get_outcome_display()}"


class FindingQuerySet(models.QuerySet["Finding"]):
    def active(self) -> FindingQuerySet:
        """Findings the organisation still owes something on (待整改, 待验收)."""
        return self.filter(status__in=ACTIVE_FINDING_STATES)

    def overdue(self, today: date | None = None) -> FindingQuerySet:
        """Open past the deadline, or rectification submitted after it (see ``Finding.is_overdue``)."""
        return self.filter(overdue_q(today))


def overdue_q(today: date | None = None, prefix: str = "") -> Q:
    """The overdue condition as a Q object (``prefix`` reaches findings through a relation, e.g. 'findings__')."""
    day = today or timezone.localdate()
    return Q(**{f"{prefix}status": FindingStatus.OPEN, f"{prefix}deadline__lt": day}) | Q(
        **{f"{prefix}status": FindingStatus.SUBMITTED, f"{prefix}submitted_on__gt": F(f"{prefix}deadline")}
    )


class Finding(models.Model):
    """A problem found by an inspection (问题), to be rectified by the inspected organisation.

    ``deadline`` = the ``rectify_workdays``-th legal working day after ``issued_on`` (core.workcalendar). States
    and transitions are declared in ``choices.FINDING_TRANSITIONS``; every transition is a service that appends a
    ``FindingEvent``. ``version`` increases with every transition (optimistic locking).
    """

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("检查记录"), on_delete=models.PROTECT, related_name="findings"
    )
    criterion = models.ForeignKey(
        Criterion,
        verbose_name=_("对应检查内容"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings",
    )
    subject = models.CharField(_("涉及事项"), max_length=200, blank=True)
    description = models.TextField(_("问题描述"))
    severity = models.CharField(_("严重程度"), max_length=10, choices=Severity, default=Severity.GENERAL)
    issued_on = models.DateField(_("下达日期"))
    rectify_workdays = models.PositiveSmallIntegerField(_("整改时限(工作日)"))
    deadline = models.DateField(_("整改期限"))
    deadline_basis = models.CharField(_("期限依据"), max_length=100, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=FindingStatus, default=FindingStatus.OPEN)
    submitted_on = models.DateField(_("最近提交整改日期"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本号"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("下达人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = FindingQuerySet.as_manager()

    class Meta:
        verbose_name = _("检查问题")
        verbose_name_plural = _("检查问题")
        ordering = ["deadline", "id"]
        permissions = [("rectify_finding", _("提交本单位问题整改材料"))]
        indexes = [models.Index(fields=["status", "deadline"], name="insp_finding_status_deadline")]
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__gte=F("issued_on")), name="insp_finding_deadline_after"
            ),
            models.CheckConstraint(
                condition=Q(rectify_workdays__gte=1), name="insp_finding_workdays_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject or self.description[:30]}"

    @property
    def is_overdue(self) -> bool:
        """Still open after the deadline day, or its rectification came in after it."""
        if self.status == FindingStatus.OPEN:
            return timezone.localdate() > self.deadline
        if self.status == FindingStatus.SUBMITTED:
            return self.submitted_on is not None and self.submitted_on > self.deadline
        return False

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_FINDING_STATES


class Rectification(models.Model):
    """整改材料 sent by the inspected organisation, and the inspector's verification (验收) of it."""

    finding = models.ForeignKey(
        Finding, verbose_name=_("检查问题"), on_delete=models.CASCADE, related_name="rectifications"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    text = models.TextField(_("整改情况"))
    file = models.FileField(_("佐证材料"), upload_to="inspections/rectifications/%Y/%m/", blank=True)
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("验收人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("验收时间"), null=True, blank=True)
    accepted = models.BooleanField(_("验收通过"), null=True, blank=True)
    comment = models.TextField(_("验收意见"), blank=True)

    class Meta:
        verbose_name = _("整改材料")
        verbose_name_plural = _("整改材料")
        ordering = ["finding_id", "submitted_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(accepted__isnull=True) | Q(verified_at__isnull=False),
                name="insp_rectification_verified_dated",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.finding_id} {timezone.localtime(self.submitted_at):%Y-%m-%d}"


class FindingEvent(models.Model):
    """One line of a finding's timeline: who did what, when, from which state to which, and why."""

    finding = models.ForeignKey(
        Finding, verbose_name=_("检查问题"), on_delete=models.CASCADE, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(_("操作人姓名"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    action = models.CharField(_("操作"), max_length=10, choices=FindingAction)
    from_status = models.CharField(_("原状态"), max_length=10, choices=FindingStatus, blank=True)
    to_status = models.CharField(_("新状态"), max_length=10, choices=FindingStatus)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("问题处理记录")
        verbose_name_plural = _("问题处理记录")
        ordering = ["finding_id", "created_at", "id"]

    def __str__(self) -> str:
        return f"#{self.finding_id} {self.get_action_display()}"
