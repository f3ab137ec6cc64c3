"""Menu entries of the inspection mechanism (see core.navigation)."""

from django.utils.translation import gettext_lazy as _

from zhengwu.core.navigation import NavItem, register

register(
    "supervision",
    _("监督检查"),
    50,
    NavItem(_("检查批次"), "inspections:round-list", ("inspections.view_inspectionround",)),
    NavItem(_("检查记录"), "inspections:inspection-list", ("inspections.view_inspection",)),
    NavItem(_("问题整改"), "inspections:finding-list", ("inspections.view_finding",)),
    NavItem(_("检查表"), "inspections:template-list", ("inspections.view_checklisttemplate",)),
)
