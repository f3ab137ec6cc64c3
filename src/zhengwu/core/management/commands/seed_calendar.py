"""`zhengwu seed_calendar [--year 2026 ...]`: copy the chinesecalendar package's days into the table."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhengwu.core.exceptions import CalendarNotCovered
from zhengwu.core.workcalendar import covered_ranges, seed_from_package


class Command(BaseCommand):
    help = "把 chinesecalendar 包的法定工作日写入工作日历表(不覆盖通知、本地决定和草案)。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--year",
            dest="years",
            type=int,
            action="append",
            metavar="YEAR",
            help="只写入这一年(可重复)；默认写入包里的全部年份",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            written = seed_from_package(options["years"])
        except CalendarNotCovered as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"已写入 {written} 行(来源：chinesecalendar 包)。"))
        self.stdout.write("已覆盖的年份：")
        for span, label, _first in covered_ranges():
            line = f"  {span}年：{label}"
            self.stdout.write(line)
