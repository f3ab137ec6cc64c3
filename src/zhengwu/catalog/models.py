"""政务服务事项 (items of the 实施清单) and their versioned 办事指南 (guides).

An item is the identity and the operational facts (codes, department, type, channels, 通办, 一窗); everything the
public reads in the guide lives in a GuideVersion. A published version is never edited: a change is a new draft
that goes through review and, when published, supersedes the old one (which stays as history).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhengwu.catalog.choices import (
    Channel,
    FeeMode,
    GuideStatus,
    HandlingKind,
    ItemLevel,
    ItemType,
    MaterialForm,
    MaterialSource,
    OnlineDepth,
    ServiceObject,
    TongbanMode,
    TongbanScope,
    TopicKind,
    Visits,
)
from zhengwu.core.models import Organisation


class Topic(models.Model):
    """A life event (出生、就业、养老…) or an enterprise stage (准入准营、注销退出…) to browse items by."""

    kind = models.CharField(_("类别"), max_length=20, choices=TopicKind)
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=40)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("主题")
        verbose_name_plural = _("主题")
        ordering = ["kind", "order", "code"]

    def __str__(self) -> str:
        return self.name


class ItemQuerySet(models.QuerySet["Item"]):
    def active(self) -> ItemQuerySet:
        return self.filter(is_active=True)

    def published(self) -> ItemQuerySet:
        return self.filter(is_active=True, current_guide__isnull=False)


class Item(models.Model):
    """One 政务服务事项 as implemented by one department (实施清单 row); 实施编码 is its natural key."""

    impl_code = models.CharField(_("实施编码"), max_length=64, unique=True)
    base_code = models.CharField(_("基本编码"), max_length=64, blank=True, db_index=True)
    handle_code = models.CharField(_("业务办理项编码"), max_length=80, blank=True)
    name = models.CharField(_("事项名称"), max_length=200)
    item_type = models.CharField(_("事项类型"), max_length=2, choices=ItemType)
    on_application = models.BooleanField(_("依申请"), default=True)
    department = models.ForeignKey(
        Organisation, verbose_name=_("实施主体"), on_delete=models.PROTECT, related_name="service_items"
    )
    level = models.CharField(_("实施层级"), max_length=10, choices=ItemLevel, default=ItemLevel.COUNTY)
    service_object = models.CharField(
        _("服务对象"), max_length=10, choices=ServiceObject, default=ServiceObject.PERSON
    )
    topics = models.ManyToManyField(Topic, verbose_name=_("主题"), blank=True, related_name="items")
    tongban_scope = models.CharField(
        _("通办范围"), max_length=10, choices=TongbanScope, blank=True, default=""
    )
    tongban_mode = models.CharField(_("通办模式"), max_length=10, choices=TongbanMode, blank=True, default="")
    one_window = models.BooleanField(_("已配置一窗受理"), default=False)
    high_frequency = models.BooleanField(
        _("高频事项"), default=False, help_text=_("按近12个月办件量排名计算")
    )
    volume_rank_pct = models.FloatField(_("办件量排名百分位"), null=True, blank=True)
    current_guide = models.ForeignKey(
        "GuideVersion",
        verbose_name=_("现行办事指南"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_active = models.BooleanField(_("在用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("政务服务事项")
        verbose_name_plural = _("政务服务事项")
        ordering = ["department_id", "impl_code"]
        permissions = [
            ("manage_catalogue", _("维护事项目录与办事指南")),
            ("review_guide", _("审核发布办事指南")),
            ("import_item", _("导入事项目录")),
        ]
        indexes = [models.Index(fields=["item_type", "is_active"], name="catalog_item_type_active")]
        constraints = [
            models.CheckConstraint(
                condition=Q(tongban_scope="") | ~Q(tongban_mode=""), name="catalog_item_tongban_mode_set"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def online_everywhere(self) -> bool:
        guide = self.current_guide
        return bool(guide and guide.online_depth == OnlineDepth.LEVEL4)


class ItemChannel(models.Model):
    """An online channel where the item is listed (网上办事大厅, 粤省事, 粤商通, 自助终端)."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="channels")
    channel = models.CharField(_("渠道"), max_length=20, choices=Channel)
    url = models.URLField(_("办理入口"), blank=True)
    listed_on = models.DateField(_("上线日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("上线渠道")
        verbose_name_plural = _("上线渠道")
        ordering = ["item_id", "channel"]
        constraints = [models.UniqueConstraint(fields=["item", "channel"], name="catalog_itemchannel_unique")]

    def __str__(self) -> str:
        return f"{self.item} @ {self.get_channel_display()}"


class ItemVolume(models.Model):
    """Cases handled for an item in one month: the base of 高频事项 (imported snapshot or counted from cases)."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="volumes")
    month = models.DateField(_("月份"), help_text=_("该月1日"))
    cases = models.PositiveIntegerField(_("办件量"))
    source = models.CharField(_("来源"), max_length=60, default="办件记录")

    class Meta:
        verbose_name = _("月度办件量")
        verbose_name_plural = _("月度办件量")
        ordering = ["item_id", "month"]
        constraints = [
            models.UniqueConstraint(fields=["item", "month"], name="catalog_itemvolume_unique"),
            models.CheckConstraint(condition=Q(month__day=1), name="catalog_itemvolume_first_of_month"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} {self.month:%Y-%m}: {self.cases}"


class GuideVersion(models.Model):
    """One version of an item's 办事指南. Published versions are immutable (the services refuse edits)."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="guides")
    number = models.PositiveIntegerField(_("版本号"))
    status = models.CharField(_("状态"), max_length=12, choices=GuideStatus, default=GuideStatus.DRAFT)
    handling_kind = models.CharField(
        _("办件类型"), max_length=10, choices=HandlingKind, default=HandlingKind.PROMISED
    )
    statutory_days = models.PositiveIntegerField(_("法定办结时限(工作日)"), null=True, blank=True)
    promised_days = models.PositiveIntegerField(_("承诺办结时限(工作日)"), null=True, blank=True)
    fee_mode = models.CharField(_("收费"), max_length=10, choices=FeeMode, blank=True, default=FeeMode.UNSET)
    fee_detail = models.TextField(_("收费项目、标准及依据"), blank=True)
    legal_basis = models.TextField(_("设定依据"), blank=True)
    conditions = models.TextField(_("受理条件"), blank=True)
    location = models.CharField(_("办理地点"), max_length=300, blank=True)
    hours = models.CharField(_("办理时间"), max_length=200, blank=True)
    consult_phone = models.CharField(_("咨询电话"), max_length=100, blank=True)
    complaint_phone = models.CharField(_("监督投诉电话"), max_length=100, blank=True)
    visits = models.PositiveSmallIntegerField(_("跑动次数"), choices=Visits, default=Visits.ONE)
    online_depth = models.PositiveSmallIntegerField(
        _("网上办理深度"), choices=OnlineDepth, default=OnlineDepth.LEVEL1
    )
    online_url = models.URLField(_("网上办理入口"), blank=True)
    result_name = models.CharField(_("审批结果(证照名称)"), max_length=200, blank=True)
    faq = models.TextField(_("常见问题"), blank=True)
    change_note = models.CharField(_("修订说明"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("提交审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_comment = models.CharField(_("审核意见"), max_length=300, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("办事指南版本")
        verbose_name_plural = _("办事指南版本")
        ordering = ["item_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="catalog_guide_item_number_unique"),
            models.UniqueConstraint(
                fields=["item"],
                condition=Q(status__in=["draft", "review"]),
                name="catalog_guide_one_open_draft",
            ),
            models.UniqueConstraint(
                fields=["item"], condition=Q(status="published"), name="catalog_guide_one_published"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} v{self.number}"

    @property
    def is_editable(self) -> bool:
        return self.status == GuideStatus.DRAFT

    @property
    def time_limit_text(self) -> str:
        if self.handling_kind == HandlingKind.IMMEDIATE:
            return str(_("即办"))
        if self.promised_days is None:
            return ""
        return str(_("%(n)s个工作日") % {"n": self.promised_days})


class GuideMaterial(models.Model):
    """申请材料 of a guide version."""

    guide = models.ForeignKey(GuideVersion, on_delete=models.CASCADE, related_name="materials")
    order = models.PositiveSmallIntegerField(_("序号"), default=0)
    name = models.CharField(_("材料名称"), max_length=200)
    required = models.BooleanField(_("必要"), default=True)
    copies = models.PositiveSmallIntegerField(_("份数"), default=1)
    form = models.CharField(_("材料形式"), max_length=12, choices=MaterialForm, default=MaterialForm.ORIGINAL)
    source = models.CharField(
        _("来源"), max_length=12, choices=MaterialSource, default=MaterialSource.APPLICANT
    )
    note = models.CharField(_("填报须知"), max_length=300, blank=True)
    blank_form = models.FileField(_("空白表格"), upload_to="catalog/forms/", blank=True)
    sample = models.FileField(_("示例样表"), upload_to="catalog/samples/", blank=True)

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["guide_id", "order", "id"]

    def __str__(self) -> str:
        return self.name


class GuideStep(models.Model):
    """办理流程 step; 特殊环节 (听证、检测、专家评审…) may not count in the limit (行政许可法第四十五条)."""

    guide = models.ForeignKey(GuideVersion, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("序号"), default=0)
    name = models.CharField(_("环节名称"), max_length=60)
    description = models.CharField(_("办理内容"), max_length=300, blank=True)
    days = models.PositiveSmallIntegerField(_("环节时限(工作日)"), null=True, blank=True)
    is_special = models.BooleanField(_("特殊环节"), default=False)
    counts_in_limit = models.BooleanField(_("计入办结时限"), default=True)

    class Meta:
        verbose_name = _("办理环节")
        verbose_name_plural = _("办理环节")
        ordering = ["guide_id", "order", "id"]

    def __str__(self) -> str:
        return self.name


class CompletenessRule(models.Model):
    """Whether a completeness check (catalog.rules) applies: the rule set is configurable by the bureau."""

    code = models.CharField(_("规则代码"), max_length=40, primary_key=True)
    enabled = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("完整性规则设置")
        verbose_name_plural = _("完整性规则设置")

    def __str__(self) -> str:
        return self.code
