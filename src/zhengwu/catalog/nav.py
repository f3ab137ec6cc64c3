"""Menu entries of the service catalogue (see core.navigation)."""

from django.utils.translation import gettext_lazy as _

from zhengwu.core.navigation import NavItem, register

register(
    "catalog",
    _("政务服务事项"),
    10,
    NavItem(_("事项目录"), "catalog:item-list", ("catalog.view_item",)),
    NavItem(_("指南审核"), "catalog:review-list", ("catalog.review_guide",)),
    NavItem(_("指南完整性核查"), "catalog:completeness", ("catalog.view_item",)),
    # Staff reach the public portal from their menu; everyone else from the site header.
    NavItem(_("办事指南(公众页面)"), "catalog:portal", ("catalog.view_item",)),
)
