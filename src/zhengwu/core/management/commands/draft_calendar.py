"""`zhengwu draft_calendar 2027`: a marked draft of a year not yet published (weekends + statutory holidays)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhengwu.core.exceptions import DomainError
from zhengwu.core.workcalendar import DRAFT_NOTE, draft_year


class Command(BaseCommand):
    help = "为尚无官方数据的年份生成工作日历草案(周末 + 法定节假日，不含调休)，草案在各处标注，通知导入后被替换。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("year", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            written = draft_year(options["year"], actor=None)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            self.style.WARNING(f"已生成 {options['year']} 年工作日历草案 {written} 天。{DRAFT_NOTE}")
        )
