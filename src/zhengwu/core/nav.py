"""Menu entries of the core app (each with the permission it needs; see core.navigation)."""

from django.utils.translation import gettext_lazy as _

from zhengwu.core.navigation import NavItem, register

register("home", _("工作台"), 0, NavItem(_("我的工作台"), "core:workbench", ("core.access_workbench",)))
register(
    "base",
    _("基础数据"),
    80,
    NavItem(_("行政区划"), "core:region-list", ("core.view_region",)),
    NavItem(_("部门与单位"), "core:organisation-list", ("core.view_organisation",)),
    NavItem(_("自然人"), "core:person-list", ("core.view_person",)),
    NavItem(_("法定工作日历"), "core:calendar", ("core.view_workcalendarday",)),
    NavItem(_("数据导入"), "core:import-list", ("core.view_importjob",)),
)
register(
    "system",
    _("系统与安全"),
    90,
    NavItem(_("账号与角色"), "core:user-list", ("core.view_user",)),
    NavItem(_("审计日志"), "core:audit-list", ("core.view_auditentry",)),
    NavItem(_("哈希链校验"), "core:audit-chain", ("core.view_auditentry",)),
    NavItem(_("管理后台"), "admin:index", ("core.manage_accounts",)),
)
