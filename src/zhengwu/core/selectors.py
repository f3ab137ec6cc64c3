"""Reads of the core app, and the one place that decides what a user may see (scope)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.db.models import Q, QuerySet

from zhengwu.core.choices import RegionLevel
from zhengwu.core.exceptions import NotAllowed, NotFound
from zhengwu.core.models import AuditEntry, ImportJob, Organisation, Person, Region, User
from zhengwu.core.roles import ROLE_SCOPE, SCOPE_ORDER, ScopeKind


def county_code12(code: str | None = None) -> str:
    """Return the 12-digit code of the county this installation serves."""
    return (code or settings.ZHENGWU_REGION_CODE).ljust(12, "0")


@lru_cache(maxsize=8)
def _home_region_id(code: str) -> int | None:
    return Region.objects.filter(code=county_code12(code)).values_list("id", flat=True).first()


def home_region() -> Region | None:
    """Return the county Region (None before `init_region` ran)."""
    region_id = _home_region_id(settings.ZHENGWU_REGION_CODE)
    region = Region.objects.filter(id=region_id).first() if region_id is not None else None
    if region is None or region.code != county_code12():
        # Not loaded yet, or the table was rebuilt (new ids): look again next time.
        _home_region_id.cache_clear()
        return Region.objects.filter(code=county_code12()).first()
    return region


@dataclass(frozen=True)
class Scope:
    """What a user may see: a region prefix and, for organisation-bound roles, a set of organisations."""

    kind: ScopeKind
    region_prefix: str
    org_ids: frozenset[int] | None = None
    user_id: int | None = None

    @property
    def is_county(self) -> bool:
        return self.kind == ScopeKind.COUNTY


def _org_tree_ids(root_id: int) -> frozenset[int]:
    ids = {root_id}
    frontier = {root_id}
    while frontier:
        frontier = set(Organisation.objects.filter(parent_id__in=frontier).values_list("id", flat=True)) - ids
        ids |= frontier
    return frozenset(ids)


def scope_for(user: User) -> Scope:
    """Return the widest scope among the user's roles. Anonymous users and users without roles see nothing."""
    county_prefix = settings.ZHENGWU_REGION_CODE[:6]
    if not user.is_authenticated:
        return Scope(ScopeKind.SELF, county_prefix, frozenset(), None)
    if user.is_superuser:
        return Scope(ScopeKind.COUNTY, county_prefix, None, user.id)
    kinds = [ROLE_SCOPE[r] for r in user.roles if r in ROLE_SCOPE]
    kind = max(kinds, key=SCOPE_ORDER.index) if kinds else ScopeKind.SELF
    org = user.organisation
    if kind == ScopeKind.COUNTY:
        return Scope(kind, county_prefix, None, user.id)
    if kind == ScopeKind.TOWN:
        prefix = org.region.prefix if org is not None else county_prefix + "?"
        return Scope(kind, prefix, None, user.id)
    if org is None:
        return Scope(ScopeKind.SELF, county_prefix, frozenset(), user.id)
    org_ids = _org_tree_ids(org.id) if kind == ScopeKind.ORG_TREE else frozenset({org.id})
    return Scope(kind, org.region.prefix[:6], org_ids, user.id)


def _require(user: User, perm: str) -> None:
    if not user.has_perm(perm):
        raise NotAllowed("您没有查看此数据的权限。")


# --- Regions -------------------------------------------------------------------------------------------------


def region_list_for_user(
    user: User, *, level: int | None = None, parent: Region | None = None, q: str = ""
) -> QuerySet[Region]:
    """Regions of the user's county (reference data every staff member needs), optionally filtered."""
    _require(user, "core.view_region")
    scope = scope_for(user)
    qs = Region.objects.select_related("parent")
    # Province and city rows sit above the county and are visible as context.
    qs = qs.filter(Q(prefix__startswith=scope.region_prefix[:6]) | Q(level__lt=RegionLevel.COUNTY))
    if level:
        qs = qs.filter(level=level)
    if parent is not None:
        qs = qs.filter(parent=parent)
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(code__startswith=q))
    return qs.order_by("code")


def region_get(user: User, code: str) -> Region:
    region = region_list_for_user(user).filter(code=code.ljust(12, "0")).first()
    if region is None:
        raise NotFound(f"区划代码 {code} 不存在或不在您的范围内。")
    return region


# --- Organisations -----------------------------------------------------------------------------------------


def organisation_list_for_user(user: User, *, kind: str = "", q: str = "") -> QuerySet[Organisation]:
    """Organisations the user may see: the county directory, narrowed to the town for town staff."""
    _require(user, "core.view_organisation")
    scope = scope_for(user)
    qs = Organisation.objects.select_related("region", "parent")
    if scope.kind == ScopeKind.TOWN:
        # Town staff see their own town's units and the county-level units they work with.
        qs = qs.filter(
            Q(region__prefix__startswith=scope.region_prefix) | Q(region__level__lte=RegionLevel.COUNTY)
        )
    qs = qs.filter(region__prefix__startswith=scope.region_prefix[:6])
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(
            Q(name__contains=q) | Q(short_name__contains=q) | Q(code__icontains=q) | Q(uscc=q.upper())
        )
    return qs.order_by("kind", "code")


def organisation_get(user: User, pk: int) -> Organisation:
    org = organisation_list_for_user(user).filter(pk=pk).first()
    if org is None:
        raise NotFound("该单位不存在或不在您的范围内。")
    return org


# --- Users ---------------------------------------------------------------------------------------------------


def user_list_for_user(user: User, *, q: str = "", role: str = "") -> QuerySet[User]:
    """Accounts: the account and security admins see all; others with view_user see their scope's units."""
    _require(user, "core.view_user")
    scope = scope_for(user)
    qs = User.objects.select_related("organisation").prefetch_related("groups")
    if not (user.has_perm("core.manage_accounts") or user.has_perm("core.manage_roles")):
        if scope.org_ids is not None:
            qs = qs.filter(organisation_id__in=scope.org_ids)
        else:
            qs = qs.filter(organisation__region__prefix__startswith=scope.region_prefix)
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(display_name__contains=q))
    if role:
        qs = qs.filter(groups__name=role)
    return qs.order_by("username")


def user_get(user: User, pk: int) -> User:
    found = user_list_for_user(user).filter(pk=pk).first()
    if found is None:
        raise NotFound("该账号不存在或不在您的范围内。")
    return found


# --- People, audit, imports ------------------------------------------------------------------------------


def person_list_for_user(user: User, *, q: str = "") -> QuerySet[Person]:
    """People known to the platform. Applicants and callers may live anywhere (跨域通办), so the county's
    halls, departments and hotline see everyone; town staff see the people of their own town only."""
    _require(user, "core.view_person")
    scope = scope_for(user)
    qs = Person.objects.select_related("region")
    if scope.kind == ScopeKind.TOWN:
        qs = qs.filter(region__prefix__startswith=scope.region_prefix)
    elif scope.kind == ScopeKind.SELF:
        qs = qs.none()
    if q:
        from zhengwu.core.pii import pii_hash

        qs = qs.filter(Q(name=q) | Q(id_hash=pii_hash(q)) | Q(phone_hash=pii_hash(q)))
    return qs.order_by("-id")


def person_get(user: User, pk: int) -> Person:
    found = person_list_for_user(user).filter(pk=pk).first()
    if found is None:
        raise NotFound("该人员不存在或不在您的范围内。")
    return found


def audit_list_for_user(
    user: User, *, action: str = "", username: str = "", object_type: str = "", result: str = ""
) -> QuerySet[AuditEntry]:
    """The audit log: only the audit admin (三员) may read it."""
    _require(user, "core.view_auditentry")
    qs = AuditEntry.objects.select_related("organisation")
    if action:
        qs = qs.filter(action__startswith=action)
    if username:
        qs = qs.filter(username=username)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if result:
        qs = qs.filter(result=result)
    return qs.order_by("-id")


def import_job_list_for_user(user: User) -> QuerySet[ImportJob]:
    """Import jobs: county-scope users see all, others their own."""
    _require(user, "core.view_importjob")
    qs = ImportJob.objects.select_related("created_by")
    if not scope_for(user).is_county:
        qs = qs.filter(created_by=user)
    return qs.order_by("-id")


def import_job_get(user: User, pk: int) -> ImportJob:
    job = import_job_list_for_user(user).filter(pk=pk).first()
    if job is None:
        raise NotFound("该导入任务不存在或不在您的范围内。")
    return job
