"""Enumerations of the core app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.IntegerChoices):
    """Administrative level of a region (GB/T 2260 + 统计用区划代码)."""

    PROVINCE = 1, _("省级")
    CITY = 2, _("地级")
    COUNTY = 3, _("县级")
    TOWN = 4, _("乡级")
    VILLAGE = 5, _("村级")


class RegionKind(models.TextChoices):
    """What kind of unit a town- or village-level region is (the middle code segment tells, mostly)."""

    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    COUNTY = "county", _("县(市、区)")
    SUBDISTRICT = "subdistrict", _("街道")
    TOWN = "town", _("镇")
    TOWNSHIP = "township", _("乡")
    SPECIAL = "special", _("类似乡级单位")
    RESIDENTS = "residents", _("居委会(社区)")
    VILLAGERS = "villagers", _("村委会")


class OrgKind(models.TextChoices):
    """Kinds of organisation a user can act for."""

    BUREAU = "bureau", _("政务服务数据管理局")
    DEPARTMENT = "department", _("政府部门")
    VERTICAL = "vertical", _("垂直管理/公共事业单位")
    HALL = "hall", _("政务服务中心")
    BRANCH_HALL = "branch_hall", _("专业分厅")
    TOWN = "town", _("镇(街)人民政府")
    TOWN_CENTRE = "town_centre", _("镇(街)便民服务中心")
    VILLAGE_STATION = "village_station", _("村(居)便民服务站")
    CITIZEN = "citizen", _("群众/企业")


class Role(models.TextChoices):
    """The personas of DESIGN.md §1, including the 三员 separation of duties (等保)."""

    CITIZEN = "citizen", _("群众/企业")
    CLERK = "clerk", _("窗口人员")
    HANDLER = "handler", _("部门经办/审批")
    OPERATOR = "operator", _("话务员/派单员")
    TOWN_STAFF = "town_staff", _("镇街/村居工作人员")
    SUPERVISOR = "supervisor", _("管理局业务人员")
    SYSADMIN = "sysadmin", _("系统管理员")
    SECADMIN = "secadmin", _("安全管理员")
    AUDITADMIN = "auditadmin", _("审计管理员")


class AuditResult(models.TextChoices):
    SUCCESS = "success", _("成功")
    FAILURE = "failure", _("失败")
    DENIED = "denied", _("拒绝")


class CalendarSource(models.TextChoices):
    """Where a work-calendar day came from."""

    PACKAGE = "package", _("chinesecalendar 包")
    NOTICE = "notice", _("国务院办公厅通知")
    LOCAL = "local", _("本地决定")
    DRAFT = "draft", _("草案(待通知确认)")


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("居民身份证")
    OTHER = "other", _("其他证件")


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")
    UNKNOWN = "", _("未知")


class ImportMode(models.TextChoices):
    ATOMIC = "atomic", _("全部成功才提交")
    VALID_ONLY = "valid_only", _("仅提交有效行")


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("进行中")
    SUCCEEDED = "succeeded", _("已完成")
    REJECTED = "rejected", _("有错误，未提交")
    PARTIAL = "partial", _("部分提交")
    FAILED = "failed", _("失败")
