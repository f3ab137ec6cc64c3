"""The one audit writer: services call ``audit_log`` explicitly inside their transaction.

Each entry is hash-chained to the previous one (SHA-256 over the previous hash and this entry's canonical
content), so any later edit or deletion breaks the chain and ``audit_verify`` reports where. Writers are
serialised (a PostgreSQL advisory lock; SQLite's IMMEDIATE transactions already take the write lock), so
two concurrent transactions cannot both chain onto the same predecessor.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from zhengwu.core import context
from zhengwu.core.choices import AuditResult
from zhengwu.core.models import AuditEntry, Organisation, User

GENESIS = "0" * 64
_ADVISORY_LOCK_ID = 0x7A68_6177  # "zhaw": one lock id for the audit chain


def _normalise(value: Any) -> Any:
    """Round-trip through JSON so what we hash is exactly what the database gives back."""
    if value is None:
        return None
    return json.loads(json.dumps(value, ensure_ascii=False, default=str, sort_keys=True))


def _canonical(entry: AuditEntry) -> str:
    created: datetime = entry.created_at
    payload = {
        "t": created.astimezone(UTC).isoformat(timespec="microseconds"),
        "u": entry.user_id,
        "un": entry.username,
        "o": entry.organisation_id,
        "a": entry.action,
        "ot": entry.object_type,
        "oi": entry.object_id,
        "or": entry.object_repr,
        "b": _normalise(entry.before),
        "af": _normalise(entry.after),
        "r": entry.result,
        "ip": entry.ip,
        "rid": entry.request_id,
    }
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def compute_hash(prev_hash: str, entry: AuditEntry) -> str:
    return hashlib.sha256((prev_hash + _canonical(entry)).encode("utf-8")).hexdigest()


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_ID])


def object_label(obj: models.Model) -> tuple[str, str, str]:
    """Return (type, id, repr) for an audited object."""
    return obj._meta.label_lower, str(obj.pk or ""), str(obj)[:200]


def audit_log(
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    result: str = AuditResult.SUCCESS,
    organisation: Organisation | None = None,
    username: str = "",
) -> AuditEntry:
    """Append one audit entry. Call it inside the service's transaction so both commit or neither."""
    if obj is not None:
        object_type, object_id, object_repr = object_label(obj)
    ctx = context.current.get()
    real_actor = actor if actor is not None and actor.is_authenticated else None
    with transaction.atomic():
        _lock_chain()
        prev = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first() or GENESIS
        entry = AuditEntry(
            created_at=timezone.now(),
            user=real_actor,
            username=(real_actor.username if real_actor else username)[:150],
            organisation=organisation or (real_actor.organisation if real_actor else None),
            action=action,
            object_type=object_type,
            object_id=object_id,
            object_repr=object_repr[:200],
            before=_normalise(before),
            after=_normalise(after),
            result=result,
            ip=ctx.ip,
            request_id=ctx.request_id,
            prev_hash=prev,
        )
        entry.hash = compute_hash(prev, entry)
        entry.save(force_insert=True)
    return entry


def model_snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """Return the audited field values of a model instance (FKs by id; secrets never included)."""
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if field.name in {"password"} or field.name.endswith("_enc") or field.name.endswith("_hash"):
            continue
        data[field.attname] = _normalise(getattr(obj, field.attname))
    return data


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_bad_id: int | None
    reason: str

    @property
    def ok(self) -> bool:
        return self.first_bad_id is None


def _iter_entries(batch: int = 2000) -> Iterator[AuditEntry]:
    last = 0
    while True:
        rows = list(AuditEntry.objects.filter(id__gt=last).order_by("id")[:batch])
        if not rows:
            return
        yield from rows
        last = rows[-1].id


def audit_verify() -> ChainReport:
    """Walk the whole chain; return where (if anywhere) it was broken."""
    prev = GENESIS
    checked = 0
    for entry in _iter_entries():
        if entry.prev_hash != prev:
            return ChainReport(checked, entry.id, f"第{entry.id}条的前序哈希与上一条不符(记录被删除或插入)")
        if compute_hash(prev, entry) != entry.hash:
            return ChainReport(checked, entry.id, f"第{entry.id}条的内容与其哈希不符(记录被修改)")
        prev = entry.hash
        checked += 1
    return ChainReport(checked, None, "审计日志哈希链完整")
