"""Pages as each persona sees them: navigation by role, access and denial, list query counts, exports."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from tests.factories import PASSWORD
from zhengwu.core.models import AuditEntry, Region
from zhengwu.core.navigation import navigation_for
from zhengwu.core.services import person_upsert

STAFF_PAGES = {
    "core:workbench": "core.access_workbench",
    "core:region-list": "core.view_region",
    "core:organisation-list": "core.view_organisation",
    "core:person-list": "core.view_person",
    "core:calendar": "core.view_workcalendarday",
    "core:import-list": "core.view_importjob",
    "core:user-list": "core.view_user",
    "core:audit-list": "core.view_auditentry",
    "core:audit-chain": "core.view_auditentry",
}


@pytest.mark.django_db
def test_public_pages_open_to_anyone(client):
    assert client.get(reverse("core:home")).status_code == 200
    response = client.get(reverse("core:calculator"), {"start": "2026-09-30", "days": "1"})
    assert response.status_code == 200
    # 2026-10-01..07 is the National Day holiday; the first workday after 09-30 is 10-08 (per the package).
    assert "2026年10月8日" in response.content.decode()
    assert client.get(reverse("core:login")).status_code == 200


@pytest.mark.django_db
def test_calculator_reports_bad_input_in_chinese(client):
    response = client.get(reverse("core:calculator"), {"start": "2026-13-01", "days": "x"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "有效" in body or "输入" in body


@pytest.mark.django_db
def test_calculator_refuses_negative_days_and_warns_of_draft_years(client):
    response = client.get(reverse("core:calculator"), {"start": "2026-09-30", "days": "-3"})
    assert response.status_code == 200
    assert "工作日数不能为负数" in response.content.decode()
    from zhengwu.core import workcalendar

    workcalendar.draft_year(2027, actor=None)
    body = client.get(reverse("core:calculator"), {"start": "2026-12-25", "days": "10"}).content.decode()
    assert "草案年份" in body
    body = client.get(reverse("core:calculator"), {"start": "2026-09-30", "days": "1"}).content.decode()
    assert "草案年份" not in body


@pytest.mark.django_db
def test_each_persona_reaches_exactly_its_pages(client, personas):
    for user in personas.values():
        client.force_login(user)
        for name, perm in STAFF_PAGES.items():
            response = client.get(reverse(name))
            expected = 200 if user.has_perm(perm) else 403
            assert response.status_code == expected, (user.username, name, response.status_code)
        client.logout()


@pytest.mark.django_db
def test_navigation_follows_roles(personas):
    def names(user):
        return {item["name"] for section in navigation_for(user) for item in section["items"]}

    assert names(personas["citizen"]) == set()
    assert "core:audit-list" in names(personas["auditadmin"])
    assert "core:audit-list" not in names(personas["sysadmin"])  # 三员: sysadmin cannot read the audit log
    assert "core:user-list" in names(personas["secadmin"])
    assert "core:person-list" not in names(personas["secadmin"])
    assert "core:person-list" in names(personas["clerk"])


@pytest.mark.django_db
def test_nav_is_rendered_for_the_signed_in_role(client, auditadmin):
    client.force_login(auditadmin)
    body = client.get(reverse("core:workbench")).content.decode()
    assert "审计日志" in body
    assert "行政区划" not in body


def _persons(n, region):
    _persons_range(range(n), region)


def _persons_range(numbers, region):
    for i in numbers:
        # valid 18-digit IDs: compute the check digit
        base = f"440281199001{i % 28 + 1:02d}{i:03d}"
        weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        check = "10X98765432"[sum(int(d) * w for d, w in zip(base, weights, strict=True)) % 11]
        person_upsert(
            name=f"测试{i}", id_number=base + check, actor=None, phone=f"1380000{i:04d}", region=region
        )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "persona", "make"),
    [
        ("core:person-list", "clerk", "persons"),
        ("core:region-list", "supervisor", "regions"),
        ("core:audit-list", "auditadmin", "audit"),
        ("core:user-list", "secadmin", "users"),
        ("core:organisation-list", "supervisor", "orgs"),
    ],
)
def test_list_query_count_does_not_grow_with_rows(
    client, personas, regions, url_name, persona, make, django_assert_max_num_queries
):
    from tests.factories import OrganisationFactory, UserFactory

    made = {"n": 0}

    def grow(n):
        start = made["n"]
        made["n"] += n
        if make == "persons":
            _persons_range(range(start, start + n), regions["qingling"])
        elif make == "regions":
            for i in range(start, start + n):
                Region.objects.create(
                    code=f"440281111{i + 300:03d}", name=f"村{i}", level=5, parent=regions["ws"]
                )
        elif make == "audit":
            from zhengwu.core.audit import audit_log

            for _ in range(n):
                audit_log(actor=None, action="test.noop")
        elif make == "users":
            for _ in range(n):
                UserFactory(roles=["clerk"])
        elif make == "orgs":
            for _ in range(n):
                OrganisationFactory()

    client.force_login(personas[persona])
    grow(3)
    with django_assert_max_num_queries(40) as small:
        assert client.get(reverse(url_name)).status_code == 200
    grow(30)
    with django_assert_max_num_queries(len(small.captured_queries)) as _large:
        assert client.get(reverse(url_name)).status_code == 200


@pytest.mark.django_db
def test_person_pages_mask_and_reveal_is_audited(client, clerk, town_staff, regions):
    _persons(1, town_staff.organisation.region)
    client.force_login(clerk)
    body = client.get(reverse("core:person-list")).content.decode()
    assert "440281" in body
    assert "*" in body
    from zhengwu.core.models import Person

    person = Person.objects.get()
    clear = None
    response = client.post(reverse("core:person-reveal", args=[person.pk]), {"field": "id_number"})
    assert response.status_code == 200
    clear = response.content.decode()
    assert "*" not in clear
    assert "440281" in clear
    assert AuditEntry.objects.filter(action="pii.reveal", username=clerk.username, result="success").exists()
    # Town staff of the same town may see the masked person but not reveal.
    client.force_login(town_staff)
    response = client.post(reverse("core:person-reveal", args=[person.pk]), {"field": "id_number"})
    assert response.status_code == 403
    assert AuditEntry.objects.filter(
        action="pii.reveal", username=town_staff.username, result="denied"
    ).exists()


@pytest.mark.django_db
def test_list_export_xlsx_is_masked_and_audited(client, clerk, regions):
    _persons(2, regions["lcjd"])
    client.force_login(clerk)
    response = client.get(reverse("core:person-list"), {"export": "xlsx"})
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    values = [str(c.value) for row in book.active.iter_rows() for c in row if c.value]
    assert any("*" in v for v in values)
    assert not any(v.startswith("44028119900101") for v in values)
    assert "详情" not in values  # page-only link columns stay out of the sheet
    assert AuditEntry.objects.filter(action="export.xlsx", username=clerk.username).exists()


@pytest.mark.django_db
def test_sort_links_replace_the_sort_and_keep_the_filters(client, supervisor, regions):
    import re

    client.force_login(supervisor)
    body = client.get(reverse("core:region-list"), {"q": "乐", "sort": "code", "page": "1"}).content.decode()
    links = re.findall(r'href="\?([^"]*sort=[^"]*)"', body)
    assert links
    for link in links:
        assert link.count("sort=") == 1
        assert "page=" not in link
        assert "q=%E4%B9%90" in link
    assert 'aria-sort="ascending"' in body


@pytest.mark.django_db
def test_an_invalid_filter_is_shown_and_the_valid_ones_still_apply(client, supervisor, regions):
    client.force_login(supervisor)
    response = client.get(reverse("core:region-list"), {"level": "9", "q": "乐城"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "筛选条件有误" in body
    assert "乐城街道" in body
    assert "韶关市" not in body.split("<tbody")[1]


@pytest.mark.django_db
def test_cross_scope_detail_is_not_found(client, handler, other_handler, regions):
    """A user cannot open a record outside their scope by guessing its id."""
    from zhengwu.core.models import User

    client.force_login(handler)
    # handler has no view_user permission at all
    assert client.get(reverse("core:user-detail", args=[other_handler.pk])).status_code == 403
    assert User.objects.filter(pk=other_handler.pk).exists()


@pytest.mark.django_db
def test_sysadmin_creates_account_and_secadmin_assigns_roles(client, sysadmin, secadmin, orgs):
    client.force_login(sysadmin)
    response = client.post(
        reverse("core:user-create"),
        {
            "username": "newclerk",
            "display_name": "新窗口",
            "password": "weak",
            "roles": ["clerk"],
        },
    )
    assert response.status_code == 200
    assert "密码" in response.content.decode()  # the policy message, in Chinese
    response = client.post(
        reverse("core:user-create"),
        {
            "username": "newclerk",
            "display_name": "新窗口",
            "password": "Str0ng#Pass2026",
            "roles": ["clerk"],
        },
    )
    assert response.status_code == 302
    from zhengwu.core.models import User

    new = User.objects.get(username="newclerk")
    assert new.roles == ["clerk"]
    assert new.must_change_password
    client.force_login(secadmin)
    response = client.post(reverse("core:user-roles", args=[new.pk]), {"roles": ["sysadmin", "auditadmin"]})
    new.refresh_from_db()
    new._roles_cache = None
    assert new.roles == ["clerk"]  # 三员 cannot be combined
    client.post(reverse("core:user-roles", args=[new.pk]), {"roles": ["handler"]})
    new._roles_cache = None
    assert new.roles == ["handler"]


@pytest.mark.django_db
def test_login_lockout_and_forced_password_change(client, clerk, settings):
    url = reverse("core:login")
    for _ in range(settings.ZHENGWU_LOGIN_MAX_FAILURES):
        response = client.post(url, {"username": clerk.username, "password": "wrong"})
    assert "锁定" in response.content.decode()
    response = client.post(url, {"username": clerk.username, "password": PASSWORD})
    assert response.status_code == 200
    assert "锁定" in response.content.decode()
    clerk.refresh_from_db()
    clerk.locked_until = None
    clerk.must_change_password = True
    clerk.save()
    response = client.post(url, {"username": clerk.username, "password": PASSWORD})
    assert response.status_code == 302
    # Any page now leads to the password change form until the password is changed.
    response = client.get(reverse("core:workbench"))
    assert response.status_code == 302
    assert response["Location"] == reverse("core:password-change")
    response = client.post(
        reverse("core:password-change"),
        {"old_password": PASSWORD, "new_password1": "New#Pass20261", "new_password2": "New#Pass20261"},
    )
    assert response.status_code == 302
    assert client.get(reverse("core:workbench")).status_code == 200


def test_idle_timeout_is_thirty_minutes(settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


@pytest.mark.django_db
def test_open_redirect_is_refused(client, clerk):
    response = client.post(
        reverse("core:login") + "?next=https://evil.example/",
        {"username": clerk.username, "password": PASSWORD},
    )
    assert response.status_code == 302
    assert "evil" not in response["Location"]


@pytest.mark.django_db
def test_calendar_month_and_day_edit(client, sysadmin, clerk):
    client.force_login(clerk)
    body = client.get(reverse("core:calendar"), {"year": 2026, "month": 10}).content.decode()
    assert "国庆节" in body
    assert client.get(reverse("core:calendar-day")).status_code == 403
    client.force_login(sysadmin)
    response = client.post(
        reverse("core:calendar-day"),
        {
            "date": "2026-12-31",
            "is_workday": "0",
            "name": "本地决定",
            "source": "local",
            "source_notice": "",
            "note": "测试",
        },
    )
    assert response.status_code == 302
    from zhengwu.core import workcalendar

    assert workcalendar.is_workday(__import__("datetime").date(2026, 12, 31)) is False
    assert AuditEntry.objects.filter(action="workcalendar.set").exists()
    # Editing a day starts from what the day is now; 取消 goes back to its month.
    page = client.get(reverse("core:calendar-day"), {"date": "2026-12-31"})
    form = page.context["form"]
    assert (form["is_workday"].value(), form["name"].value(), form["note"].value()) == (
        "0",
        "本地决定",
        "测试",
    )
    assert form["source"].value() == "local"
    assert "year=2026&amp;month=12" in page.content.decode()
    page = client.get(reverse("core:calendar-day"), {"date": "2026-10-01"})
    assert (page.context["form"]["is_workday"].value(), page.context["form"]["name"].value()) == (
        "0",
        "国庆节",
    )


@pytest.mark.django_db
def test_error_pages_are_chinese(client, clerk):
    client.force_login(clerk)
    response = client.get(reverse("core:person-detail", args=[999999]))
    assert response.status_code == 404
    assert "不存在" in response.content.decode()


@pytest.mark.django_db
def test_language_switch_to_english(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"}, follow=True)
    assert response.status_code == 200
    assert 'lang="en"' in response.content.decode()


@pytest.mark.django_db
def test_admin_is_read_only_and_for_sysadmin(client, sysadmin, auditadmin):
    client.force_login(auditadmin)
    assert client.get("/admin/").status_code == 302  # not the admin's audience
    client.force_login(sysadmin)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/core/region/").status_code == 200
    assert client.get("/admin/core/region/add/").status_code == 403
    assert client.get("/admin/core/auditentry/").status_code == 403  # 三员: not the audit log


@pytest.mark.django_db
def test_admin_edits_the_work_calendar_through_the_service(client, sysadmin):
    import datetime

    from zhengwu.core import workcalendar

    client.force_login(sysadmin)
    response = client.post(
        "/admin/core/workcalendarday/add/",
        {
            "date": "2026-12-30",
            "is_workday": "",
            "name": "本地调整",
            "source": "local",
            "source_notice": "",
            "note": "演示",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert workcalendar.is_workday(datetime.date(2026, 12, 30)) is False
    entry = AuditEntry.objects.filter(action="workcalendar.set").latest("id")
    assert entry.username == sysadmin.username


@pytest.mark.django_db
def test_sysadmin_resets_a_forgotten_password(client, sysadmin, secadmin, clerk):
    from datetime import timedelta

    from django.utils import timezone

    from zhengwu.core.models import User

    clerk.locked_until = timezone.now() + timedelta(minutes=5)
    clerk.save()
    url = reverse("core:user-password-reset", args=[clerk.pk])
    client.force_login(secadmin)
    assert client.post(url, {"password": "Temp#Pass2026"}).status_code == 403  # not the security admin's job
    client.force_login(sysadmin)
    response = client.post(url, {"password": "short"}, follow=True)
    assert "密码" in response.content.decode()
    assert User.objects.get(pk=clerk.pk).check_password(PASSWORD)  # weak password refused, nothing changed
    client.post(url, {"password": "Temp#Pass2026"})
    clerk = User.objects.get(pk=clerk.pk)
    assert clerk.check_password("Temp#Pass2026")
    assert clerk.must_change_password
    assert clerk.locked_until is None
    assert AuditEntry.objects.filter(action="user.password_reset", username=sysadmin.username).exists()


@pytest.mark.django_db
def test_list_headers_and_exports_follow_the_language(client, supervisor, regions):
    client.force_login(supervisor)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get(reverse("core:region-list")).content.decode()
    assert "Division code" in body
    response = client.get(reverse("core:region-list"), {"export": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    cells = {c.value for row in book.active.iter_rows(max_row=3) for c in row}
    assert "Division code" in cells


@pytest.mark.django_db
def test_logout_asks_on_get_and_signs_out_on_post(client, clerk):
    client.force_login(clerk)
    page = client.get(reverse("core:logout"))
    assert page.status_code == 200
    assert "确定要退出账号" in page.content.decode()
    assert client.get(reverse("core:workbench")).status_code == 200  # still signed in
    response = client.post(reverse("core:logout"))
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="auth.logout", username=clerk.username).exists()
    assert client.get(reverse("core:logout")).status_code == 302  # nobody to sign out


@pytest.mark.django_db
def test_language_menu_names_each_language_in_itself(client):
    body = client.get(reverse("core:home")).content.decode()
    assert ">English</option>" in body
    assert ">简体中文</option>" in body
