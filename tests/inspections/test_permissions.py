"""Permissions of the inspection mechanism: roles, declared views and API operations, scope by organisation."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import get_resolver, reverse

from zhengwu.config.api import api
from zhengwu.core.apiauth import Perm
from zhengwu.core.exceptions import NotAllowed, NotFound
from zhengwu.core.permissions import declared_permissions
from zhengwu.inspections import selectors, services

pytestmark = pytest.mark.django_db


def test_role_permissions_after_migrate(supervisor, handler, clerk, operator, sysadmin):
    assert supervisor.has_perms(
        [
            "inspections.manage_inspection",
            "inspections.view_checklisttemplate",
            "inspections.view_inspectionround",
            "inspections.view_inspection",
            "inspections.view_finding",
        ]
    )
    assert not supervisor.has_perm("inspections.rectify_finding")
    assert handler.has_perms(
        ["inspections.view_inspection", "inspections.view_finding", "inspections.rectify_finding"]
    )
    assert not handler.has_perm("inspections.manage_inspection")
    assert not handler.has_perm("inspections.view_inspectionround")
    for user in (clerk, operator, sysadmin):
        assert not any(p.startswith("inspections.") for p in user.get_all_permissions()), user


def test_every_inspections_url_declares_a_permission():
    namespace = next(p for p in get_resolver().url_patterns if getattr(p, "namespace", "") == "inspections")
    assert len(namespace.url_patterns) >= 20
    for pattern in namespace.url_patterns:
        perms = declared_permissions(pattern.callback)
        assert perms, pattern.name
        assert all(p.startswith("inspections.") for p in perms), (pattern.name, perms)


def test_every_inspections_api_operation_requires_a_permission():
    routers = [router for prefix, router in api._routers if prefix.strip("/") == "inspections"]
    assert routers
    operations = [op for path_view in routers[0].path_operations.values() for op in path_view.operations]
    assert len(operations) >= 8
    for operation in operations:
        assert all(isinstance(a, Perm) and a.perms for a in operation.auth_callbacks), operation.view_func


def test_selectors_refuse_users_without_the_view_permission(clerk, finding):
    for call in (
        lambda: selectors.inspection_list_for_user(clerk),
        lambda: selectors.finding_list_for_user(clerk),
        lambda: selectors.round_list_for_user(clerk),
        lambda: selectors.template_list_for_user(clerk),
    ):
        with pytest.raises(NotAllowed):
            call()


def test_department_scope_and_cross_department_denial(
    handler, other_handler, supervisor, finding, live_round, orgs
):
    unit = services.inspection_create(
        round=live_round,
        target=orgs["rsj_unit"],
        inspector=supervisor,
        actor=supervisor,
        inspected_on=date(2026, 9, 29),
    )
    gaj = services.inspection_create(
        round=live_round, target=orgs["gaj"], inspector=supervisor, actor=supervisor
    )

    # The 人社局 handler sees the bureau's and its unit's (社保局) inspections, not the 公安局's.
    assert set(selectors.inspection_list_for_user(handler)) == {finding.inspection, unit}
    assert list(selectors.finding_list_for_user(handler)) == [finding]
    with pytest.raises(NotFound):
        selectors.inspection_get(handler, gaj.pk)

    assert set(selectors.inspection_list_for_user(other_handler)) == {gaj}
    assert list(selectors.finding_list_for_user(other_handler)) == []
    with pytest.raises(NotFound):
        selectors.finding_get(other_handler, finding.pk)
    with pytest.raises(NotFound):
        selectors.inspection_get(other_handler, finding.inspection_id)

    assert selectors.inspection_list_for_user(supervisor).count() == 3
    assert set(selectors.inspected_organisations(handler)) == {orgs["rsj"], orgs["rsj_unit"]}


def test_an_assigned_inspector_sees_the_inspection_they_lead(other_handler, supervisor, live_round, orgs):
    crossed = services.inspection_create(
        round=live_round, target=orgs["rsj"], inspector=other_handler, actor=supervisor
    )
    assert crossed in selectors.inspection_list_for_user(other_handler)
    assert services.can_inspect(other_handler, crossed)


def test_pages_refuse_cross_department_actions(client, other_handler, finding):
    client.force_login(other_handler)
    response = client.post(
        reverse("inspections:finding-rectify", args=[finding.pk]), {"version": 1, "text": "冒名提交"}
    )
    assert response.status_code == 404
    finding.refresh_from_db()
    assert finding.status == "open"
