"""API of the inspection mechanism (/api/v1/inspections/): rounds, inspections, findings; rectify and verify.

Every operation names its auth (``Perm``); reads go through the selectors (so a department sees only its own
records and another's answer 404), writes through the services (which check who may act, the state and the
version, and answer 403 / 409 / 422 as RFC 7807 problems).
"""

# No ``from __future__ import annotations``: @paginate resolves the annotations of ninja's own module
# (see core/api.py).
from django.http import HttpRequest
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from zhengwu.core.api import Paginated
from zhengwu.core.apiauth import Perm
from zhengwu.inspections import selectors, services
from zhengwu.inspections.schemas import (
    FindingDetailOut,
    FindingOut,
    InspectionDetailOut,
    InspectionOut,
    RectificationOut,
    RoundOut,
    VerifyIn,
)
from zhengwu.inspections.selectors import VIEW_FINDING, VIEW_INSPECTION, VIEW_ROUND

router = Router(tags=["inspections 监督检查"])


# --- Rounds -----------------------------------------------------------------------------------------------


class RoundFilter(Schema):
    year: int | None = None
    status: str = ""
    domain: str = ""
    q: str = ""


@router.get("/rounds", response=list[RoundOut], auth=Perm(VIEW_ROUND), summary="检查批次(含进度)")
@paginate(Paginated)
def round_list(request: HttpRequest, filters: Query[RoundFilter]):
    return selectors.round_list_for_user(request.user, **filters.dict())  # type: ignore[arg-type]


@router.get("/rounds/{pk}", response=RoundOut, auth=Perm(VIEW_ROUND), summary="单个检查批次")
def round_detail(request: HttpRequest, pk: int):
    return selectors.round_get(request.user, pk)  # type: ignore[arg-type]


# --- Inspections ------------------------------------------------------------------------------------------


class InspectionFilter(Schema):
    round: int | None = None
    organisation: int | None = None
    status: str = ""


@router.get("/inspections", response=list[InspectionOut], auth=Perm(VIEW_INSPECTION), summary="检查记录")
@paginate(Paginated)
def inspection_list(request: HttpRequest, filters: Query[InspectionFilter]):
    return selectors.inspection_list_for_user(request.user, **filters.dict())  # type: ignore[arg-type]


@router.get(
    "/inspections/{pk}",
    response=InspectionDetailOut,
    auth=Perm(VIEW_INSPECTION),
    summary="检查记录及逐项结果",
)
def inspection_detail(request: HttpRequest, pk: int):
    return selectors.inspection_get(request.user, pk)  # type: ignore[arg-type]


# --- Findings ---------------------------------------------------------------------------------------------


class FindingFilter(Schema):
    round: int | None = None
    organisation: int | None = None
    inspection: int | None = None
    status: str = ""
    severity: str = ""
    overdue: bool | None = None


@router.get("/findings", response=list[FindingOut], auth=Perm(VIEW_FINDING), summary="检查问题")
@paginate(Paginated)
def finding_list(request: HttpRequest, filters: Query[FindingFilter]):
    return selectors.finding_list_for_user(request.user, **filters.dict())  # type: ignore[arg-type]


@router.get(
    "/findings/{pk}",
    response=FindingDetailOut,
    auth=Perm(VIEW_FINDING),
    summary="检查问题、处理记录与整改材料",
)
def finding_detail(request: HttpRequest, pk: int):
    return selectors.finding_get(request.user, pk)  # type: ignore[arg-type]


@router.post(
    "/findings/{pk}/rectifications",
    response={201: RectificationOut},
    auth=Perm(VIEW_FINDING),
    summary="提交整改材料(被检查单位)",
)
def finding_rectify(
    request: HttpRequest,
    pk: int,
    text: Form[str],
    version: Form[int | None] = None,
    file: File[UploadedFile | None] = None,
):
    finding = selectors.finding_get(request.user, pk)  # type: ignore[arg-type]
    rectification = services.finding_submit_rectification(
        finding=finding,
        actor=request.user,  # type: ignore[arg-type]
        text=text,
        file=file,
        expected_version=version,
    )
    return Status(201, rectification)


@router.post(
    "/findings/{pk}/verify", response=FindingDetailOut, auth=Perm(VIEW_FINDING), summary="验收整改(检查人)"
)
def finding_verify(request: HttpRequest, pk: int, payload: VerifyIn):
    finding = selectors.finding_get(request.user, pk)  # type: ignore[arg-type]
    services.finding_verify(
        finding=finding,
        actor=request.user,  # type: ignore[arg-type]
        accepted=payload.accepted,
        comment=payload.comment,
        rectify_workdays=payload.rectify_workdays,
        expected_version=payload.version,
    )
    return selectors.finding_get(request.user, pk)  # type: ignore[arg-type]
