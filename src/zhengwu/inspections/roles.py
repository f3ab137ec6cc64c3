"""Inspection permissions per role: the bureau's supervisors run inspections; departments rectify their findings.

Domain apps that bring other inspectors or inspected units (halls' window staff, datagov's security staff)
add their roles with ``register_role_permissions`` in their own ready().
"""

from zhengwu.core.choices import Role
from zhengwu.core.roles import register_role_permissions

VIEW = [
    "inspections.view_inspection",
    "inspections.view_finding",
]

register_role_permissions(
    Role.SUPERVISOR,
    [
        "inspections.view_checklisttemplate",
        "inspections.view_inspectionround",
        *VIEW,
        "inspections.manage_inspection",
    ],
)
register_role_permissions(Role.HANDLER, [*VIEW, "inspections.rectify_finding"])
