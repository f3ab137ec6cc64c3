"""Catalogue permissions per role: bureau staff maintain and review; departments maintain their own items."""

from zhengwu.core.choices import Role
from zhengwu.core.roles import register_role_permissions

register_role_permissions(
    Role.SUPERVISOR,
    ["catalog.view_item", "catalog.manage_catalogue", "catalog.review_guide", "catalog.import_item"],
)
register_role_permissions(Role.HANDLER, ["catalog.view_item", "catalog.manage_catalogue"])
register_role_permissions(Role.CLERK, ["catalog.view_item"])
register_role_permissions(Role.OPERATOR, ["catalog.view_item"])
register_role_permissions(Role.TOWN_STAFF, ["catalog.view_item"])
