"""Accounts: creation under the password policy, 三员 separation, roles, sign-in lockout, password change."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.factories import PASSWORD, UserFactory
from zhengwu.core.choices import AuditResult, Role
from zhengwu.core.exceptions import InvalidInput, NotAllowed
from zhengwu.core.models import AuditEntry, User
from zhengwu.core.roles import EXCLUSIVE_ROLES, ROLE_PERMISSIONS
from zhengwu.core.services import (
    auth_attempt,
    user_change_password,
    user_create,
    user_set_active,
    user_set_roles,
    user_unlock,
)

pytestmark = pytest.mark.django_db

STRONG = "Str0ng#Pass2026"


def _roles(user: User) -> list[str]:
    user._roles_cache = None
    return sorted(user.roles)


# --- Creating accounts -------------------------------------------------------------------------------------


def test_sysadmin_creates_an_account(sysadmin, orgs):
    user = user_create(
        username="wangwu",
        password=STRONG,
        actor=sysadmin,
        display_name="王五",
        organisation=orgs["hall"],
        roles=[Role.CLERK],
    )
    user.refresh_from_db()
    assert user.check_password(STRONG)
    assert STRONG not in user.password
    assert user.must_change_password is True  # first sign-in forces a personal password
    assert user.password_changed_at is not None
    assert (user.display_name, user.organisation) == ("王五", orgs["hall"])
    assert _roles(user) == [Role.CLERK]
    assert user.has_perm("core.view_person")
    created, roles = AuditEntry.objects.filter(object_type="core.user", object_id=str(user.pk)).order_by("id")
    assert (created.action, created.username) == ("user.create", "sysadmin")
    assert created.after == {"username": "wangwu", "display_name": "王五", "organisation_id": orgs["hall"].pk}
    assert "password" not in str(created.after)
    assert (roles.action, roles.after) == ("user.roles", {"roles": [Role.CLERK]})


def test_system_bootstrap_may_create_without_an_actor():
    user = user_create(username="admin0", password=STRONG, actor=None, must_change_password=False)
    assert user.must_change_password is False
    assert AuditEntry.objects.get(action="user.create").username == ""


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("Ab#1", "太短"),
        ("password", "太常见"),
        ("2026052619", "只包含数字"),
        ("abcdefgh12", "至少3类"),
        ("wangwu2026#", "相似"),  # too close to the username
    ],
)
def test_password_policy(sysadmin, password, reason):
    with pytest.raises(ValidationError) as exc:
        user_create(username="wangwu", password=password, actor=sysadmin)
    assert any(reason in m for m in exc.value.messages), exc.value.messages
    assert not User.objects.filter(username="wangwu").exists()


def test_duplicate_username_is_refused(sysadmin, clerk):
    with pytest.raises(InvalidInput, match="账号 clerk 已存在"):
        user_create(username="clerk", password=STRONG, actor=sysadmin)


@pytest.mark.parametrize("persona", ["secadmin", "auditadmin", "supervisor", "clerk"])
def test_only_the_sysadmin_creates_accounts(request, persona):
    with pytest.raises(NotAllowed, match="系统管理员"):
        user_create(username="x1", password=STRONG, actor=request.getfixturevalue(persona))
    assert not User.objects.filter(username="x1").exists()


@pytest.mark.parametrize(
    "roles",
    [
        [Role.SYSADMIN, Role.SECADMIN],
        [Role.SYSADMIN, Role.AUDITADMIN],
        [Role.SECADMIN, Role.AUDITADMIN],
        [Role.SYSADMIN, Role.SECADMIN, Role.AUDITADMIN, Role.CLERK],
    ],
)
def test_three_admins_cannot_share_an_account(sysadmin, roles):
    with pytest.raises(InvalidInput, match="三员"):
        user_create(username="admin2", password=STRONG, actor=sysadmin, roles=roles)
    assert not User.objects.filter(username="admin2").exists()  # the whole creation rolled back
    assert not AuditEntry.objects.filter(action="user.create").exists()


def test_unknown_role_is_refused(sysadmin):
    with pytest.raises(InvalidInput, match="未知角色：superhero"):
        user_create(username="x2", password=STRONG, actor=sysadmin, roles=["superhero"])


def test_exclusive_roles_do_not_share_permissions():
    """The 三员 split is meaningful only if their powers are disjoint (等保 权限分离)."""
    assert {Role.SYSADMIN, Role.SECADMIN, Role.AUDITADMIN} == EXCLUSIVE_ROLES
    sys_perms, sec_perms, audit_perms = (
        set(ROLE_PERMISSIONS[role]) - {"core.access_workbench"}
        for role in (Role.SYSADMIN, Role.SECADMIN, Role.AUDITADMIN)
    )
    assert "core.view_auditentry" not in sys_perms | sec_perms
    assert "core.manage_roles" not in sys_perms | audit_perms
    assert "core.manage_accounts" not in sec_perms | audit_perms
    assert audit_perms == {"core.view_auditentry"}


# --- Roles -------------------------------------------------------------------------------------------------


def test_secadmin_sets_roles_and_it_is_audited(secadmin, clerk):
    user_set_roles(user=clerk, roles=[Role.HANDLER, Role.OPERATOR], actor=secadmin)
    assert _roles(clerk) == [Role.HANDLER, Role.OPERATOR]
    entry = AuditEntry.objects.get(action="user.roles")
    assert entry.username == "secadmin"
    assert entry.before == {"roles": [Role.CLERK]}
    assert entry.after == {"roles": [Role.HANDLER, Role.OPERATOR]}


def test_setting_roles_replaces_them(secadmin, clerk):
    user_set_roles(user=clerk, roles=[], actor=secadmin)
    assert _roles(User.objects.get(pk=clerk.pk)) == []
    assert not User.objects.get(pk=clerk.pk).has_perm("core.view_person")


@pytest.mark.parametrize("persona", ["sysadmin", "auditadmin", "supervisor"])
def test_only_the_secadmin_sets_roles(request, clerk, persona):
    with pytest.raises(NotAllowed, match="安全管理员"):
        user_set_roles(user=clerk, roles=[Role.SUPERVISOR], actor=request.getfixturevalue(persona))
    assert _roles(clerk) == [Role.CLERK]
    assert AuditEntry.objects.get(action="user.roles").result == AuditResult.DENIED


def test_secadmin_cannot_change_own_roles(secadmin):
    with pytest.raises(NotAllowed, match="自己"):
        user_set_roles(user=secadmin, roles=[Role.SECADMIN, Role.SUPERVISOR], actor=secadmin)


def test_setting_combined_admin_roles_changes_nothing(secadmin, sysadmin):
    with pytest.raises(InvalidInput, match="三员"):
        user_set_roles(user=sysadmin, roles=[Role.SYSADMIN, Role.AUDITADMIN], actor=secadmin)
    assert _roles(sysadmin) == [Role.SYSADMIN]
    # The refusal itself is on record.
    entry = AuditEntry.objects.get(action="user.roles")
    assert (entry.result, entry.user_id) == (AuditResult.DENIED, secadmin.pk)
    assert entry.after["roles"] == sorted([Role.SYSADMIN, Role.AUDITADMIN])
    assert "三员" in entry.after["reason"]


def test_disable_and_enable_an_account(sysadmin, clerk, secadmin):
    user_set_active(user=clerk, active=False, actor=sysadmin)
    clerk.refresh_from_db()
    assert clerk.is_active is False
    assert auth_attempt(username="clerk", password=PASSWORD).user is None
    user_set_active(user=clerk, active=True, actor=sysadmin)
    assert auth_attempt(username="clerk", password=PASSWORD).user == clerk
    assert [e.action for e in AuditEntry.objects.filter(action__startswith="user.").order_by("id")] == [
        "user.disable",
        "user.enable",
    ]
    with pytest.raises(NotAllowed):
        user_set_active(user=clerk, active=False, actor=secadmin)
    with pytest.raises(NotAllowed, match="自己"):
        user_set_active(user=sysadmin, active=False, actor=sysadmin)


# --- Sign-in with lockout ------------------------------------------------------------------------------------


def _login_entries(username: str) -> list[str]:
    return list(
        AuditEntry.objects.filter(action="auth.login", username=username)
        .order_by("id")
        .values_list("result", flat=True)
    )


def test_successful_sign_in_is_audited(clerk):
    outcome = auth_attempt(username="clerk", password=PASSWORD)
    assert outcome.user == clerk
    assert outcome.message == ""
    entry = AuditEntry.objects.get(action="auth.login")
    assert (entry.user_id, entry.result, entry.object_id) == (clerk.pk, AuditResult.SUCCESS, str(clerk.pk))


def test_lockout_after_the_configured_failures(clerk, settings):
    max_failures = settings.ZHENGWU_LOGIN_MAX_FAILURES
    minutes = settings.ZHENGWU_LOGIN_LOCK_MINUTES
    assert (max_failures, minutes) == (5, 10)  # 等保 defaults
    for attempt in range(1, max_failures):
        outcome = auth_attempt(username="clerk", password="wrong")
        assert outcome.user is None
        assert (
            outcome.message
            == f"账号或密码不正确，再失败{max_failures - attempt}次账号将被锁定{minutes}分钟。"
        )
    clerk.refresh_from_db()
    assert clerk.failed_logins == max_failures - 1
    assert not clerk.is_locked()
    outcome = auth_attempt(username="clerk", password="wrong")
    assert outcome.message == f"连续{max_failures}次登录失败，账号已锁定{minutes}分钟。"
    clerk.refresh_from_db()
    assert clerk.is_locked()
    assert clerk.locked_until - timezone.now() <= timedelta(minutes=minutes)
    # While locked even the right password is refused, and says for how long.
    outcome = auth_attempt(username="clerk", password=PASSWORD)
    assert outcome.user is None
    assert "已因连续登录失败被锁定" in outcome.message
    assert f"请{minutes}分钟后再试" in outcome.message
    assert _login_entries("clerk") == [AuditResult.FAILURE] * max_failures + [AuditResult.DENIED]
    denied = AuditEntry.objects.filter(action="auth.login", result=AuditResult.DENIED).get()
    assert denied.after == {"reason": "locked"}


def test_lock_expires(clerk, settings):
    settings.ZHENGWU_LOGIN_MAX_FAILURES = 3
    settings.ZHENGWU_LOGIN_LOCK_MINUTES = 15
    for _ in range(3):
        auth_attempt(username="clerk", password="wrong")
    clerk.refresh_from_db()
    assert clerk.is_locked()
    with time_machine.travel(timezone.now() + timedelta(minutes=14), tick=False):
        assert "1分钟后再试" in auth_attempt(username="clerk", password=PASSWORD).message
    with time_machine.travel(timezone.now() + timedelta(minutes=15, seconds=1), tick=False):
        assert auth_attempt(username="clerk", password=PASSWORD).user == clerk
    clerk.refresh_from_db()
    assert (clerk.failed_logins, clerk.locked_until) == (0, None)


def test_success_resets_the_failure_counter(clerk, settings):
    for _ in range(settings.ZHENGWU_LOGIN_MAX_FAILURES - 1):
        auth_attempt(username="clerk", password="wrong")
    assert auth_attempt(username="clerk", password=PASSWORD).user == clerk
    clerk.refresh_from_db()
    assert clerk.failed_logins == 0
    # The count starts again: one more failure does not lock.
    auth_attempt(username="clerk", password="wrong")
    clerk.refresh_from_db()
    assert (clerk.failed_logins, clerk.is_locked()) == (1, False)


def test_unknown_account_fails_the_same_way_and_is_audited(clerk, settings):
    max_failures = settings.ZHENGWU_LOGIN_MAX_FAILURES
    known = [auth_attempt(username="clerk", password="wrong").message for _ in range(max_failures + 1)]
    unknown = [auth_attempt(username="nobody", password="wrong").message for _ in range(max_failures + 1)]
    # Countdown, lock and lock time read the same: the answers never tell whether an account exists.
    assert unknown == known
    assert unknown[0].startswith("账号或密码不正确，再失败")
    assert "已因连续登录失败被锁定" in unknown[-1]
    entry = AuditEntry.objects.filter(action="auth.login", username="nobody").earliest("id")
    assert (entry.username, entry.result, entry.user_id, entry.object_type) == (
        "nobody",
        AuditResult.FAILURE,
        None,
        "core.user",
    )
    assert _login_entries("nobody") == [AuditResult.FAILURE] * max_failures + [AuditResult.DENIED]


def test_disabled_account_is_refused_even_with_the_right_password(clerk):
    clerk.is_active = False
    clerk.save()
    outcome = auth_attempt(username="clerk", password=PASSWORD)
    assert outcome.user is None
    assert outcome.message.startswith("账号或密码不正确")


def test_failures_on_one_account_do_not_lock_another(clerk, handler, settings):
    for _ in range(settings.ZHENGWU_LOGIN_MAX_FAILURES):
        auth_attempt(username="clerk", password="wrong")
    assert auth_attempt(username="handler", password=PASSWORD).user == handler


def test_secadmin_unlocks(clerk, secadmin, sysadmin, settings):
    for _ in range(settings.ZHENGWU_LOGIN_MAX_FAILURES):
        auth_attempt(username="clerk", password="wrong")
    with pytest.raises(NotAllowed, match="安全管理员"):
        user_unlock(user=clerk, actor=sysadmin)
    clerk.refresh_from_db()
    user_unlock(user=clerk, actor=secadmin)
    clerk.refresh_from_db()
    assert (clerk.failed_logins, clerk.locked_until) == (0, None)
    assert auth_attempt(username="clerk", password=PASSWORD).user == clerk
    assert AuditEntry.objects.get(action="user.unlock").username == "secadmin"


# --- Changing one's password -------------------------------------------------------------------------------


def test_change_password(clerk):
    clerk.must_change_password = True
    clerk.save()
    user_change_password(user=clerk, old_password=PASSWORD, new_password="New#Pass20261")
    clerk.refresh_from_db()
    assert clerk.check_password("New#Pass20261")
    assert clerk.must_change_password is False
    assert timezone.now() - clerk.password_changed_at < timedelta(minutes=1)
    entry = AuditEntry.objects.get(action="auth.password_change")
    assert (entry.result, entry.user_id) == (AuditResult.SUCCESS, clerk.pk)


def test_change_password_checks_the_old_one_and_audits_the_failure(clerk):
    with pytest.raises(InvalidInput) as exc:
        user_change_password(user=clerk, old_password="wrong", new_password="New#Pass20261")
    assert exc.value.errors == {"old_password": ["原密码不正确。"]}
    assert AuditEntry.objects.get(action="auth.password_change").result == AuditResult.FAILURE
    clerk.refresh_from_db()
    assert clerk.check_password(PASSWORD)


def test_change_password_refuses_reuse(clerk):
    with pytest.raises(InvalidInput, match="不能与原密码相同") as exc:
        user_change_password(user=clerk, old_password=PASSWORD, new_password=PASSWORD)
    assert "new_password1" in exc.value.errors


@pytest.mark.parametrize("weak", ["short1#", "12345678901", "onlylowercase", "Clerk#26"])
def test_change_password_applies_the_policy(clerk, weak):
    with pytest.raises(ValidationError):
        user_change_password(user=clerk, old_password=PASSWORD, new_password=weak)
    clerk.refresh_from_db()
    assert clerk.check_password(PASSWORD)
    assert not AuditEntry.objects.filter(action="auth.password_change", result=AuditResult.SUCCESS).exists()


def test_user_factory_personas_have_their_roles(personas):
    assert {name: _roles(u) for name, u in personas.items()} == {name: [name] for name in personas}
    assert UserFactory(roles=None).roles == []
