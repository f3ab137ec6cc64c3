"""`zhengwu init_region 440281`: load a county, its city, province and towns from the Ministry's codes."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhengwu.core.exceptions import DomainError
from zhengwu.core.models import Region
from zhengwu.core.services import mca_data_version, region_init


class Command(BaseCommand):
    help = "按民政部区划代码载入县(市、区)及其上级和所辖乡级区划(可重复执行)。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", nargs="?", default=None, help="6位县级区划代码，默认 ZHENGWU_REGION_CODE")

    def handle(self, *args: Any, **options: Any) -> None:
        code = options["code"] or settings.ZHENGWU_REGION_CODE
        if not (len(code) in (6, 12) and code.isdigit()):
            raise CommandError(f"区划代码 {code} 格式不正确：应为6位数字，例如 440281。")
        try:
            result = region_init(county_code=code, actor=None)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        county = result.county
        towns = Region.objects.filter(parent=county).order_by("code")
        self.stdout.write(f"数据来源：{mca_data_version()}")
        self.stdout.write(
            f"{county.parent.parent.name if county.parent and county.parent.parent else ''}"
            f"{county.parent.name if county.parent else ''}{county.name}（{county.code}）"
        )
        for town in towns:
            self.stdout.write(f"  {town.code}  {town.name}  {town.get_kind_display()}")
        self.stdout.write(
            self.style.SUCCESS(
                f"完成：新增 {result.created} 个，已存在 {result.updated} 个；乡级区划共 {towns.count()} 个。"
            )
        )
