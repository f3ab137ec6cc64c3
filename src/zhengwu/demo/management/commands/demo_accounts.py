"""`zhengwu demo_accounts`: print the demo logins that exist in the database (used by `make serve`)."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.contrib.auth.hashers import check_password
from django.core.management.base import BaseCommand, CommandParser

from zhengwu.core.choices import Role
from zhengwu.core.models import User
from zhengwu.demo import data


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def render_table(rows: list[list[str]]) -> list[str]:
    """Align columns by display width (CJK characters take two cells)."""
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines


class Command(BaseCommand):
    help = "列出数据库中已有的演示账号(账号、角色、单位、密码)和访问地址。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default=data.DEMO_URL, help=f"访问地址(默认 {data.DEMO_URL})")

    def handle(self, *args: Any, **options: Any) -> None:
        usernames = [p.username for p in data.PERSONAS]
        users = {
            u.username: u
            for u in User.objects.filter(username__in=usernames)
            .select_related("organisation")
            .prefetch_related("groups")
        }
        if not users:
            self.stdout.write("还没有演示账号：请先执行 zhengwu seed_demo。")
            return
        labels = dict(Role.choices)
        rows = [["账号", "姓名", "角色", "单位", "密码"]]
        for username in usernames:
            user = users.get(username)
            if user is None:
                continue
            roles = (
                "、".join(str(labels[g.name]) for g in user.groups.all() if g.name in labels) or "(无角色)"
            )
            org = user.organisation.name if user.organisation else "—"
            # Only promise the published password while it still works (never prints any other).
            if not user.is_active:
                shown = "(已停用)"
            elif check_password(data.DEMO_PASSWORD, user.password):
                shown = data.DEMO_PASSWORD
            else:
                shown = "(已修改)"
            rows.append([username, user.display_name, roles, org, shown])
        self.stdout.write("乐昌市演示账号：")
        for line in render_table(rows):
            self.stdout.write("  " + line)
        self.stdout.write(f"访问地址：{options['url']}")
        if any(row[4] == "(已修改)" for row in rows[1:]):
            self.stdout.write("密码已修改的账号可用 zhengwu seed_demo --reset-passwords 恢复演示密码。")
