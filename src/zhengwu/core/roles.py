"""Roles (the personas of DESIGN.md §1) as Django groups with permissions, and the scope each role sees.

The 三员 are separated (等保 二级 "管理用户的权限分离"): the system admin manages accounts and configuration
but cannot read the audit log; the security admin assigns roles and unlocks accounts; the audit admin
reads the audit log and nothing else.
"""

from __future__ import annotations

from enum import StrEnum

from zhengwu.core.choices import Role


class ScopeKind(StrEnum):
    """How far a role sees. A user with several roles gets the widest."""

    SELF = "self"  # own records only
    ORG = "org"  # own organisation (hall, department) only
    ORG_TREE = "org_tree"  # own organisation and the units under it
    TOWN = "town"  # own town (or village) region
    COUNTY = "county"  # the whole county


SCOPE_ORDER = [ScopeKind.SELF, ScopeKind.ORG, ScopeKind.ORG_TREE, ScopeKind.TOWN, ScopeKind.COUNTY]

_STAFF_BASE = [
    "core.access_workbench",
    "core.view_region",
    "core.view_organisation",
    "core.view_workcalendarday",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.CITIZEN: [],
    Role.CLERK: [*_STAFF_BASE, "core.view_person", "core.view_pii_unmasked"],
    Role.HANDLER: [*_STAFF_BASE, "core.view_person", "core.view_pii_unmasked"],
    Role.OPERATOR: [*_STAFF_BASE, "core.view_person", "core.view_pii_unmasked"],
    Role.TOWN_STAFF: [*_STAFF_BASE, "core.view_person", "core.view_importjob", "core.add_importjob"],
    Role.SUPERVISOR: [
        *_STAFF_BASE,
        "core.view_person",
        "core.add_region",
        "core.change_region",
        "core.view_importjob",
        "core.add_importjob",
        "core.view_user",
    ],
    Role.SYSADMIN: [
        *_STAFF_BASE,
        "core.manage_accounts",
        "core.view_user",
        "core.add_user",
        "core.change_user",
        "core.add_organisation",
        "core.change_organisation",
        "core.add_region",
        "core.change_region",
        "core.add_workcalendarday",
        "core.change_workcalendarday",
        "core.import_workcalendarday",
        "core.view_importjob",
        "core.add_importjob",
    ],
    Role.SECADMIN: ["core.access_workbench", "core.manage_roles", "core.view_user"],
    Role.AUDITADMIN: ["core.access_workbench", "core.view_auditentry"],
}

ROLE_SCOPE: dict[str, ScopeKind] = {
    Role.CITIZEN: ScopeKind.SELF,
    Role.CLERK: ScopeKind.ORG,
    Role.HANDLER: ScopeKind.ORG_TREE,
    Role.OPERATOR: ScopeKind.COUNTY,
    Role.TOWN_STAFF: ScopeKind.TOWN,
    Role.SUPERVISOR: ScopeKind.COUNTY,
    Role.SYSADMIN: ScopeKind.COUNTY,
    Role.SECADMIN: ScopeKind.COUNTY,
    Role.AUDITADMIN: ScopeKind.COUNTY,
}

# Roles that exclude each other on one account (三员分立).
EXCLUSIVE_ROLES = {Role.SYSADMIN, Role.SECADMIN, Role.AUDITADMIN}


def sync_roles() -> None:
    """Create one group per role and give it exactly the permissions above (idempotent)."""
    from django.contrib.auth.models import Group, Permission

    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for dotted in perms:
            app_label, codename = dotted.split(".")
            wanted.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(wanted)


def register_role_permissions(role: str, perms: list[str]) -> None:
    """Let a domain app add its permissions to a role (called from the app's ready())."""
    current = ROLE_PERMISSIONS.setdefault(role, [])
    current.extend(p for p in perms if p not in current)
