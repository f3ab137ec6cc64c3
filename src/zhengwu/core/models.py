"""Core records: regions, organisations, users, the legal work calendar, the audit log, people, imports."""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhengwu.core.choices import (
    AuditResult,
    CalendarSource,
    Gender,
    IdType,
    ImportMode,
    ImportStatus,
    OrgKind,
    RegionKind,
    RegionLevel,
    Role,
)

# Length of the code prefix that identifies a region at each level of the 12-digit 统计用区划代码.
PREFIX_LENGTH = {
    RegionLevel.PROVINCE: 2,
    RegionLevel.CITY: 4,
    RegionLevel.COUNTY: 6,
    RegionLevel.TOWN: 9,
    RegionLevel.VILLAGE: 12,
}


class RegionQuerySet(models.QuerySet["Region"]):
    def current(self, on: object | None = None) -> RegionQuerySet:
        """Return regions valid on a date (today by default)."""
        day = on or timezone.localdate()
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day)
        )

    def within(self, prefix: str) -> RegionQuerySet:
        """Return regions whose code starts with a scope prefix (e.g. '440281' for the county)."""
        return self.filter(prefix__startswith=prefix)


class Region(models.Model):
    """One administrative unit, keyed by its 12-digit 统计用区划代码 (GB/T 2260 padded with zeros).

    ``prefix`` is the significant part of the code (2/4/6/9/12 digits by level), so every region inside
    a scope is found with one indexed ``prefix LIKE 'xxxx%'``.
    """

    code = models.CharField(_("统计用区划代码"), max_length=12, unique=True)
    prefix = models.CharField(_("区划前缀"), max_length=12, db_index=True, editable=False)
    name = models.CharField(_("名称"), max_length=100)
    level = models.PositiveSmallIntegerField(_("层级"), choices=RegionLevel)
    kind = models.CharField(_("类别"), max_length=16, choices=RegionKind, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    urban_rural_code = models.CharField(_("城乡分类代码"), max_length=3, blank=True)
    valid_from = models.DateField(_("启用日期"), null=True, blank=True)
    valid_to = models.DateField(_("停用日期"), null=True, blank=True)
    source = models.CharField(_("数据来源"), max_length=200, blank=True)
    is_generated = models.BooleanField(
        _("演示生成"), default=False, help_text=_("演示数据中生成的村(居)，非官方名录")
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[0-9]{12}$"), name="region_code_12_digits"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="region_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}({self.short_code})"

    def save(self, *args: object, **kwargs: object) -> None:
        self.prefix = self.code[: PREFIX_LENGTH[RegionLevel(self.level)]]
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def short_code(self) -> str:
        """Return the code at its natural length: 6 digits to county, 9 for towns, 12 for villages."""
        return self.code[: max(6, len(self.prefix))]


class Organisation(models.Model):
    """A department, hall, town or village service unit that users act for; bound to a region."""

    name = models.CharField(_("名称"), max_length=120)
    short_name = models.CharField(_("简称"), max_length=40, blank=True)
    code = models.CharField(_("内部代码"), max_length=40, unique=True)
    kind = models.CharField(_("类型"), max_length=20, choices=OrgKind)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    region = models.ForeignKey(
        Region, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="organisations"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    phone = models.CharField(_("联系电话"), max_length=40, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    is_active = models.BooleanField(_("在用"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("组织机构")
        verbose_name_plural = _("组织机构")
        ordering = ["kind", "code"]
        constraints = [
            models.UniqueConstraint(fields=["uscc"], condition=~Q(uscc=""), name="organisation_uscc_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who signs in. Acts for one organisation; roles are Django groups (see core.roles)."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("所属单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone_enc = models.TextField(_("手机号(密文)"), blank=True, editable=False)
    phone_hash = models.CharField(_("手机号索引"), max_length=64, blank=True, db_index=True, editable=False)
    failed_logins = models.PositiveSmallIntegerField(_("连续登录失败次数"), default=0)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)
    must_change_password = models.BooleanField(_("下次登录须修改密码"), default=False)

    objects: ClassVar[UserManager[User]] = UserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        permissions = [
            ("manage_accounts", _("管理账号(系统管理员)")),
            ("manage_roles", _("分配角色与安全策略(安全管理员)")),
            ("access_workbench", _("使用工作台")),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def roles(self) -> list[str]:
        """Return the role codes of this user (group names of core.roles)."""
        cached = getattr(self, "_roles_cache", None)
        if cached is None:
            valid = set(Role.values)
            cached = [name for name in self.groups.values_list("name", flat=True) if name in valid]
            self._roles_cache = cached
        return cached

    def has_role(self, *roles: str) -> bool:
        return bool(set(self.roles) & set(roles))

    def is_locked(self, now: object | None = None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or timezone.now())


class WorkCalendarDay(models.Model):
    """One day of the legal work calendar (法定工作日). Rows override the chinesecalendar package."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("工作日"))
    name = models.CharField(_("节日/说明"), max_length=50, blank=True)
    source = models.CharField(
        _("来源"), max_length=10, choices=CalendarSource, default=CalendarSource.PACKAGE
    )
    source_notice = models.CharField(_("依据文号"), max_length=100, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    updated_by = models.ForeignKey(
        User, verbose_name=_("修改人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("法定工作日历")
        verbose_name_plural = _("法定工作日历")
        ordering = ["date"]
        permissions = [("import_workcalendarday", _("导入工作日历"))]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {'工作日' if self.is_workday else '休息日'}"


class AuditEntry(models.Model):
    """An append-only, hash-chained audit record (等保 安全审计). Never updated or deleted.

    ``hash`` = SHA-256 over the previous entry's hash and this entry's canonical content; the chain is
    verified by ``zhengwu audit_verify``. Database triggers refuse UPDATE and DELETE on this table.
    """

    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        User, verbose_name=_("用户"), null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False
    )
    username = models.CharField(_("账号"), max_length=150, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("单位"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
    )
    action = models.CharField(_("操作"), max_length=60, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=60, blank=True, db_index=True)
    object_id = models.CharField(_("对象标识"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    before = models.JSONField(_("变更前"), null=True, blank=True)
    after = models.JSONField(_("变更后"), null=True, blank=True)
    result = models.CharField(_("结果"), max_length=10, choices=AuditResult, default=AuditResult.SUCCESS)
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    request_id = models.CharField(_("请求号"), max_length=36, blank=True)
    prev_hash = models.CharField(_("前一条哈希"), max_length=64)
    hash = models.CharField(_("哈希"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.username} {self.action}"


class Person(models.Model):
    """A natural person known to the platform (applicant, caller, evaluator).

    身份证号 and phone are stored encrypted (AES-GCM, core.pii) with a keyed hash for exact lookup; the
    plain value is never stored and is shown masked unless the viewer may see it (audited).
    """

    name = models.CharField(_("姓名"), max_length=50)
    id_type = models.CharField(_("证件类型"), max_length=12, choices=IdType, default=IdType.RESIDENT_ID)
    id_number_enc = models.TextField(_("证件号码(密文)"), editable=False)
    id_hash = models.CharField(_("证件号码索引"), max_length=64, unique=True, editable=False)
    id_masked = models.CharField(_("证件号码(脱敏)"), max_length=32, editable=False)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    phone_enc = models.TextField(_("手机号(密文)"), blank=True, editable=False)
    phone_hash = models.CharField(_("手机号索引"), max_length=64, blank=True, db_index=True, editable=False)
    phone_masked = models.CharField(_("手机号(脱敏)"), max_length=20, blank=True, editable=False)
    region = models.ForeignKey(
        Region, verbose_name=_("户籍/居住地"), null=True, blank=True, on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("自然人")
        verbose_name_plural = _("自然人")
        ordering = ["id"]
        permissions = [("view_pii_unmasked", _("查看未脱敏个人信息"))]

    def __str__(self) -> str:
        from zhengwu.core.pii import mask_name

        return f"{mask_name(self.name)} {self.id_masked}"


class ImportJob(models.Model):
    """One run of the import framework (core.imports): file, mode, progress, outcome."""

    kind = models.CharField(_("导入类型"), max_length=40)
    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("原文件名"), max_length=200)
    mode = models.CharField(_("提交方式"), max_length=12, choices=ImportMode, default=ImportMode.ATOMIC)
    status = models.CharField(_("状态"), max_length=10, choices=ImportStatus, default=ImportStatus.PENDING)
    total_rows = models.PositiveIntegerField(_("数据行"), default=0)
    processed_rows = models.PositiveIntegerField(_("已处理"), default=0)
    created_rows = models.PositiveIntegerField(_("新增"), default=0)
    updated_rows = models.PositiveIntegerField(_("更新"), default=0)
    error_rows = models.PositiveIntegerField(_("错误行"), default=0)
    message = models.CharField(_("说明"), max_length=500, blank=True)
    created_by = models.ForeignKey(User, verbose_name=_("提交人"), null=True, on_delete=models.SET_NULL)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("单位"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} {self.original_name}"

    @property
    def is_finished(self) -> bool:
        return self.status not in {ImportStatus.PENDING, ImportStatus.RUNNING}


class ImportRowError(models.Model):
    """One rejected row (or cell) of an import, reported in Chinese."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="row_errors")
    row = models.PositiveIntegerField(_("行号"))
    column = models.CharField(_("列"), max_length=60, blank=True)
    value = models.CharField(_("内容"), max_length=200, blank=True)
    message = models.CharField(_("原因"), max_length=300)

    class Meta:
        verbose_name = _("导入错误")
        verbose_name_plural = _("导入错误")
        ordering = ["row", "id"]

    def __str__(self) -> str:
        return f"第{self.row}行 {self.column}: {self.message}"


class SearchEntry(models.Model):
    """One object's search document (core.search): plain text for display and its CJK tokens for matching.

    ``title_tokens``/``body_tokens`` hold ``core.search.zh_tokens`` of the title and body. They are indexed
    outside the ORM by migration 0003: on SQLite an FTS5 table kept in sync by triggers, on PostgreSQL a
    stored ``search_vector`` column (generated, not a model field) with a GIN index. On SQLite a later
    migration that rebuilds this table (Django's remake for most ALTERs) drops those triggers and must create
    them again.
    """

    kind = models.CharField(_("类型"), max_length=60)
    object_id = models.BigIntegerField(_("对象ID"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    title = models.TextField(_("标题"))
    title_tokens = models.TextField(_("标题分词"), editable=False)
    body = models.TextField(_("正文"), blank=True)
    body_tokens = models.TextField(_("正文分词"), blank=True, editable=False)

    class Meta:
        verbose_name = _("搜索条目")
        verbose_name_plural = _("搜索条目")
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="searchentry_kind_object_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}#{self.object_id} {self.title}"
