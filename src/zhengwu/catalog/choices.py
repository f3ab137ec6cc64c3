"""Enumerations of the service catalogue (domain.md §1). Codes are ours; the labels are the national terms."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ItemType(models.TextChoices):
    """事项类型 (国发〔2022〕5号): the seven kinds of 行政权力 on application, and 公共服务."""

    LICENSING = "XK", _("行政许可")
    BENEFIT = "JF", _("行政给付")
    CONFIRMATION = "QR", _("行政确认")
    ADJUDICATION = "CJ", _("行政裁决")
    REWARD = "JL", _("行政奖励")
    FILING = "BA", _("行政备案")
    OTHER_POWER = "QT", _("其他行政权力")
    PUBLIC_SERVICE = "GG", _("公共服务")


class ItemLevel(models.TextChoices):
    """实施层级."""

    COUNTY = "county", _("县级")
    TOWN = "town", _("镇(街)级")
    VILLAGE = "village", _("村(居)级")


class ServiceObject(models.TextChoices):
    PERSON = "person", _("自然人")
    LEGAL = "legal", _("法人")
    BOTH = "both", _("自然人、法人")


class HandlingKind(models.TextChoices):
    """办件类型: 即办件 is decided on the spot; 承诺件 has a promised limit ≤ the statutory one."""

    IMMEDIATE = "immediate", _("即办件")
    PROMISED = "promised", _("承诺件")


class FeeMode(models.TextChoices):
    """收费: "不收费" must be stated, never left blank."""

    UNSET = "", _("未填写")
    FREE = "free", _("不收费")
    CHARGED = "charged", _("收费")


class Visits(models.IntegerChoices):
    """跑动次数 (到现场次数)."""

    ZERO = 0, _("零跑动")
    ONE = 1, _("最多跑一次")
    TWO = 2, _("最多跑两次")
    MANY = 3, _("跑动多次")


class OnlineDepth(models.IntegerChoices):
    """网上办理深度 (domain.md §1.5; 四级 = 全程网办)."""

    LEVEL1 = 1, _("一级(信息公开)")
    LEVEL2 = 2, _("二级(表格下载、在线咨询)")
    LEVEL3 = 3, _("三级(网上预审、在线申报)")
    LEVEL4 = 4, _("四级(全程网办)")


class Channel(models.TextChoices):
    """Where an item can be handled online."""

    HALL_WEB = "web", _("广东政务服务网(网上办事大厅)")
    YUESHIDA = "yueshengshi", _("粤省事")
    YUESHANGTONG = "yueshangtong", _("粤商通")
    KIOSK = "kiosk", _("自助终端(粤智助)")


class TongbanScope(models.TextChoices):
    """通办 scope (domain.md §5.2)."""

    NONE = "", _("不通办")
    CITY = "city", _("市内通办")
    PROVINCE = "province", _("省内通办")
    NATIONAL = "national", _("跨省通办")


class TongbanMode(models.TextChoices):
    NONE = "", _("—")
    ONLINE = "online", _("全程网办")
    PROXY = "proxy", _("异地代收代办")
    JOINT = "joint", _("多地联办")


class MaterialForm(models.TextChoices):
    ORIGINAL = "original", _("原件")
    COPY = "copy", _("复印件")
    ORIGINAL_AND_COPY = "both", _("原件和复印件")
    ELECTRONIC = "electronic", _("电子材料")


class MaterialSource(models.TextChoices):
    APPLICANT = "applicant", _("申请人自备")
    GOVERNMENT = "government", _("政府部门核发")
    SHARED = "shared", _("数据共享免提交")
    ISSUED_HERE = "form", _("窗口领取/网上下载表格")


class GuideStatus(models.TextChoices):
    """Guide versions: draft → review → published; a newer publication supersedes the old one."""

    DRAFT = "draft", _("草稿")
    REVIEW = "review", _("待审核")
    PUBLISHED = "published", _("已发布")
    SUPERSEDED = "superseded", _("历史版本")


class TopicKind(models.TextChoices):
    """Ways the portal groups items: a person's life events or an enterprise's stages (国办发〔2025〕24号)."""

    PERSON = "person", _("个人办事(人生阶段)")
    ENTERPRISE = "enterprise", _("法人办事(企业阶段)")
