"""`zhengwu export_catalogue OUT.xlsx [--all] [--department CODE]`: the catalogue in the import template's layout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhengwu.catalog.exporting import catalogue_sheets
from zhengwu.catalog.models import Item
from zhengwu.core.audit import audit_log
from zhengwu.core.exports import write_xlsx
from zhengwu.core.models import Organisation


class Command(BaseCommand):
    help = "导出政务服务事项目录(与导入模板同格式，修改后可用 import_data catalog_items 导回)。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", type=Path, help="输出的 .xlsx 文件")
        parser.add_argument(
            "--all", action="store_true", help="包括未发布指南和停用的事项(默认只导出在用且已发布的)"
        )
        parser.add_argument("--department", default="", help="只导出该部门(内部代码)的事项")

    def handle(self, *args: Any, **options: Any) -> None:
        out: Path = options["out"]
        if out.suffix.lower() != ".xlsx":
            raise CommandError("输出文件须以 .xlsx 结尾。")
        if not out.parent.is_dir():
            raise CommandError(f"目录不存在：{out.parent}")
        qs = Item.objects.all() if options["all"] else Item.objects.published()
        if options["department"]:
            dept = Organisation.objects.filter(code=options["department"]).first()
            if dept is None:
                raise CommandError(f"没有内部代码为 {options['department']} 的单位。")
            qs = qs.filter(department=dept)
        count = qs.count()
        write_xlsx(out, catalogue_sheets(qs))
        audit_log(
            actor=None,
            action="export.xlsx",
            object_type="catalog.item",
            object_repr="导出 政务服务事项目录",
            after={
                "file": out.name,
                "items": count,
                "all": options["all"],
                "department": options["department"],
            },
        )
        self.stdout.write(self.style.SUCCESS(f"已导出 {count} 个事项到 {out}。"))
