"""The audit log: hash chain, verification, tamper detection and the database's append-only guard."""

from __future__ import annotations

import importlib
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from zhengwu.core import context
from zhengwu.core.audit import GENESIS, audit_log, audit_verify, compute_hash, model_snapshot
from zhengwu.core.choices import AuditResult
from zhengwu.core.exceptions import NotAllowed
from zhengwu.core.models import AuditEntry
from zhengwu.core.selectors import audit_list_for_user

pytestmark = pytest.mark.django_db

APPEND_ONLY = importlib.import_module("zhengwu.core.migrations.0002_audit_append_only")
IS_PG = connection.vendor == "postgresql"


def _chain(n: int) -> list[AuditEntry]:
    return [
        audit_log(actor=None, action="test.step", object_type="test", object_id=str(i), after={"i": i})
        for i in range(n)
    ]


def _sql(statement: str, params: list[object] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def _allow_update() -> None:
    """Switch the UPDATE guard off for this test's transaction only (rolled back with it: both DDLs are
    transactional), to play an attacker with direct database access."""
    if IS_PG:
        _sql("ALTER TABLE core_auditentry DISABLE TRIGGER core_auditentry_no_change")
    else:
        _sql("DROP TRIGGER core_auditentry_no_update")


# --- The chain -------------------------------------------------------------------------------------------


def test_entries_are_chained_from_genesis():
    assert not AuditEntry.objects.exists()
    first, second, third = _chain(3)
    assert first.prev_hash == GENESIS
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert len({first.hash, second.hash, third.hash}) == 3


def test_hash_covers_what_the_database_gives_back():
    """Awkward values (dates, decimals, Chinese, nesting) hash the same after a round trip through the DB."""
    entry = audit_log(
        actor=None,
        username="外部系统",
        action="test.values",
        object_repr="乐昌市“政务”服务中心",
        before={
            "day": date(2026, 10, 1),
            "amount": Decimal("12.30"),
            "nested": {"b": [1, 2.5, None], "a": True},
        },
        after={"名称": "五山镇", "n": 10**15, "empty": {}},
    )
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.before == {
        "day": "2026-10-01",
        "amount": "12.30",
        "nested": {"a": True, "b": [1, 2.5, None]},
    }
    assert compute_hash(stored.prev_hash, stored) == stored.hash == entry.hash
    assert audit_verify().ok


def test_entry_records_actor_organisation_and_request_context(clerk):
    token = context.current.set(context.RequestContext(request_id="req-12345678", ip="10.1.2.3"))
    try:
        entry = audit_log(actor=clerk, action="test.ctx", obj=clerk.organisation)
    finally:
        context.current.reset(token)
    entry.refresh_from_db()
    assert (entry.user_id, entry.username, entry.organisation_id) == (
        clerk.pk,
        "clerk",
        clerk.organisation_id,
    )
    assert (entry.object_type, entry.object_id) == ("core.organisation", str(clerk.organisation_id))
    assert entry.object_repr == "乐昌市政务服务中心"
    assert (entry.ip, entry.request_id) == ("10.1.2.3", "req-12345678")
    assert entry.result == AuditResult.SUCCESS


def test_anonymous_actor_is_recorded_by_the_given_username():
    entry = audit_log(
        actor=AnonymousUser(), username="someone", action="auth.login", result=AuditResult.FAILURE
    )
    assert entry.user_id is None
    assert entry.username == "someone"
    assert entry.result == AuditResult.FAILURE


def test_model_snapshot_leaves_out_secrets(sysadmin):
    sysadmin.phone_enc, sysadmin.phone_hash = "v1:xxx", "abc"
    snap = model_snapshot(sysadmin)
    assert "password" not in snap
    assert not any(k.endswith(("_enc", "_hash")) for k in snap)
    assert snap["username"] == "sysadmin"
    assert snap["organisation_id"] == sysadmin.organisation_id
    assert model_snapshot(sysadmin, ["username"]) == {"username": "sysadmin"}


# --- Verification -----------------------------------------------------------------------------------------


def test_verify_passes_on_a_clean_chain():
    _chain(5)
    report = audit_verify()
    assert report.ok
    assert report.checked == 5
    assert report.first_bad_id is None
    assert "完整" in report.reason


def test_verify_on_an_empty_log_is_ok():
    assert audit_verify().ok
    assert audit_verify().checked == 0


def test_edited_row_is_detected():
    entries = _chain(4)
    _allow_update()
    _sql("UPDATE core_auditentry SET action = %s WHERE id = %s", ["test.forged", entries[2].pk])
    report = audit_verify()
    assert not report.ok
    assert report.first_bad_id == entries[2].pk
    assert report.checked == 2
    assert "被修改" in report.reason


def test_edit_with_a_recomputed_hash_is_caught_by_the_next_row():
    """An attacker who also rewrites the row's own hash still breaks the link to its successor."""
    entries = _chain(4)
    _allow_update()
    victim = AuditEntry.objects.get(pk=entries[1].pk)
    victim.after = {"i": 999}
    forged = compute_hash(victim.prev_hash, victim)
    _sql("UPDATE core_auditentry SET after = %s, hash = %s WHERE id = %s", ['{"i": 999}', forged, victim.pk])
    report = audit_verify()
    assert report.first_bad_id == entries[2].pk
    assert "前序哈希" in report.reason


def test_deleted_row_is_detected():
    entries = _chain(4)
    # The test database permits DELETE (see conftest); production refuses it, tested below.
    _sql("DELETE FROM core_auditentry WHERE id = %s", [entries[1].pk])
    report = audit_verify()
    assert report.first_bad_id == entries[2].pk
    assert "被删除或插入" in report.reason


def test_chain_survives_more_than_one_verification_batch():
    _chain(5)
    from zhengwu.core import audit

    assert [e.action for e in audit._iter_entries(batch=2)] == ["test.step"] * 5


def test_audit_verify_command(capsys):
    entries = _chain(3)
    call_command("audit_verify")
    assert "完整" in capsys.readouterr().out
    _allow_update()
    _sql("UPDATE core_auditentry SET username = 'x' WHERE id = %s", [entries[0].pk])
    with pytest.raises(SystemExit) as exited:
        call_command("audit_verify")
    assert exited.value.code == 1
    assert f"第 {entries[0].pk} 条" in capsys.readouterr().err


# --- The database refuses changes ---------------------------------------------------------------------------


def test_database_refuses_update():
    entry = _chain(1)[0]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _sql("UPDATE core_auditentry SET action = 'forged' WHERE id = %s", [entry.pk])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(result=AuditResult.DENIED)
    entry.action = "forged"
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        entry.save()
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.step"
    assert audit_verify().ok


def test_database_refuses_delete():
    entry = _chain(1)[0]
    if IS_PG:
        # Outside the purge opt-in (the test database turns it on) DELETE and TRUNCATE are refused.
        _sql("SET LOCAL zhengwu.audit_purge = 'off'")
    else:
        _sql(APPEND_ONLY.SQLITE[1])  # re-create the delete trigger conftest drops, for this test only
    try:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            _sql("DELETE FROM core_auditentry WHERE id = %s", [entry.pk])
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEntry.objects.all().delete()
        if IS_PG:
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
                _sql("TRUNCATE core_auditentry")
    finally:
        if IS_PG:
            _sql("SET LOCAL zhengwu.audit_purge = 'on'")
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.skipif(not IS_PG, reason="the purge opt-in is a PostgreSQL setting")
def test_purge_opt_in_allows_delete_but_never_update():
    entry = _chain(1)[0]
    _sql("SET LOCAL zhengwu.audit_purge = 'on'")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _sql("UPDATE core_auditentry SET action = 'forged' WHERE id = %s", [entry.pk])
    _sql("DELETE FROM core_auditentry WHERE id = %s", [entry.pk])
    assert not AuditEntry.objects.filter(pk=entry.pk).exists()


# --- Who reads it -------------------------------------------------------------------------------------------


def test_only_the_audit_admin_reads_the_log(personas):
    _chain(2)
    assert audit_list_for_user(personas["auditadmin"]).count() == 2
    for name, user in personas.items():
        if name == "auditadmin":
            continue
        with pytest.raises(NotAllowed):
            audit_list_for_user(user)


def test_audit_list_filters(auditadmin, clerk):
    audit_log(actor=clerk, action="pii.reveal", result=AuditResult.DENIED, object_type="core.person")
    audit_log(actor=None, username="x", action="auth.login")
    assert [e.action for e in audit_list_for_user(auditadmin, action="pii")] == ["pii.reveal"]
    assert audit_list_for_user(auditadmin, username="clerk").count() == 1
    assert audit_list_for_user(auditadmin, result=AuditResult.DENIED).count() == 1
    assert audit_list_for_user(auditadmin, object_type="core.person").count() == 1
    # Newest first.
    assert [e.action for e in audit_list_for_user(auditadmin)] == ["auth.login", "pii.reveal"]
