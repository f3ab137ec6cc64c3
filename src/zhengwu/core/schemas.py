"""API schemas of the core app (XIn / XOut). Personal data leaves only in masked form."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Schema


class RegionOut(Schema):
    code: str
    short_code: str
    name: str
    level: int
    level_label: str
    kind: str
    parent_code: str | None
    urban_rural_code: str
    valid_from: date | None
    valid_to: date | None
    is_generated: bool

    @staticmethod
    def resolve_level_label(obj: object) -> str:
        return obj.get_level_display()  # type: ignore[attr-defined]

    @staticmethod
    def resolve_parent_code(obj: object) -> str | None:
        parent = obj.parent  # type: ignore[attr-defined]
        return parent.code if parent else None


class OrganisationOut(Schema):
    id: int
    name: str
    short_name: str
    code: str
    kind: str
    kind_label: str
    uscc: str
    region_code: str
    parent_id: int | None
    phone: str
    address: str
    is_active: bool

    @staticmethod
    def resolve_kind_label(obj: object) -> str:
        return obj.get_kind_display()  # type: ignore[attr-defined]

    @staticmethod
    def resolve_region_code(obj: object) -> str:
        return obj.region.code  # type: ignore[attr-defined]


class MeOut(Schema):
    username: str
    display_name: str
    roles: list[str]
    organisation: str | None
    scope: str
    permissions: list[str]


class PersonOut(Schema):
    """A person as most roles see them: name and numbers masked."""

    id: int
    name_masked: str
    id_type: str
    id_masked: str
    gender: str
    birth_date: date | None
    phone_masked: str
    region_code: str | None
    created_at: datetime

    @staticmethod
    def resolve_name_masked(obj: object) -> str:
        from zhengwu.core.pii import mask_name

        return mask_name(obj.name)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_region_code(obj: object) -> str | None:
        region = obj.region  # type: ignore[attr-defined]
        return region.code if region else None


class PersonRevealOut(Schema):
    id: int
    field: str
    value: str


class AuditEntryOut(Schema):
    id: int
    created_at: datetime
    username: str
    organisation_id: int | None
    action: str
    object_type: str
    object_id: str
    object_repr: str
    before: dict | None
    after: dict | None
    result: str
    ip: str | None
    request_id: str
    prev_hash: str
    hash: str


class ChainReportOut(Schema):
    ok: bool
    checked: int
    first_bad_id: int | None
    reason: str


class ImportJobOut(Schema):
    id: int
    kind: str
    original_name: str
    mode: str
    status: str
    status_label: str
    total_rows: int
    processed_rows: int
    created_rows: int
    updated_rows: int
    error_rows: int
    percent: int
    message: str
    created_at: datetime
    finished_at: datetime | None


class ImportErrorOut(Schema):
    row: int
    column: str
    value: str
    message: str


class ProblemOut(Schema):
    type: str
    title: str
    status: int
    code: str
